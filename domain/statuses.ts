import { ORDER_STATUS, RETURN_STATUS } from '../spartoo/types';

/**
 * What the merchant sees of an order and of a return (SPEC §4 and §10), and how Spartoo's status
 * codes map to them. Pure constants: the workflows import this module too.
 */
export const ORDER_STATUSES = [
  'WAITING_ACCEPTANCE',
  'FETCH_FAILED',
  'ACCEPT_FAILED',
  'REFUSE_FAILED',
  'ACCEPTED',
  'IMPORT_FAILED',
  'AWAITING_SHIPMENT',
  'SHIPMENT_FAILED',
  'CANCEL_FAILED',
  'SHIPPED',
  'PARCEL_LOST',
  'NOT_DELIVERED',
  'REFUSED',
  'CANCELLED',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** An order in one of these needs nothing more from the product (PARCEL_LOST / NOT_DELIVERED: Spartoo's). */
export const FINISHED_ORDER_STATUSES: readonly OrderStatus[] = [
  'SHIPPED',
  'PARCEL_LOST',
  'NOT_DELIVERED',
  'REFUSED',
  'CANCELLED',
];

/** Statuses where the merchant must act: a failed step to retry, or a parcel Spartoo reports lost. */
export const ATTENTION_ORDER_STATUSES: readonly OrderStatus[] = ORDER_STATUSES.filter(
  (s) => s.endsWith('_FAILED') || s === 'PARCEL_LOST' || s === 'NOT_DELIVERED',
);

/** Spartoo statuses that say the parcel has left: 3, and what can follow it (45 lost, 47 not delivered). */
export const SHIPPED_ON_SPARTOO: ReadonlySet<number> = new Set([
  ORDER_STATUS.SHIPPED,
  ORDER_STATUS.PARCEL_LOST,
  ORDER_STATUS.PARCEL_RETURNED,
]);

/** The status an order shows when the product first sees it, from what Spartoo says of it. */
export function orderStatusFromSpartoo(spartooStatus: number): OrderStatus {
  switch (spartooStatus) {
    case ORDER_STATUS.ACCEPTED:
      return 'ACCEPTED';
    case ORDER_STATUS.SHIPPED:
      return 'SHIPPED';
    case ORDER_STATUS.PARCEL_LOST:
      return 'PARCEL_LOST';
    case ORDER_STATUS.PARCEL_RETURNED:
      return 'NOT_DELIVERED';
    case ORDER_STATUS.CANCELLED:
      return 'REFUSED';
    default:
      return 'WAITING_ACCEPTANCE';
  }
}

/** Return statuses as the merchant sees them (Spartoo codes 2, 3, 4, 5, 7). */
export const RETURN_STATUSES = ['WAITING_RECEPTION', 'REFUSED', 'ACCEPTED', 'PAID', 'REFUNDED'] as const;
export type ReturnStatus = (typeof RETURN_STATUSES)[number];

export function returnStatusFromSpartoo(code: number): ReturnStatus {
  switch (code) {
    case RETURN_STATUS.REFUSED:
      return 'REFUSED';
    case RETURN_STATUS.ACCEPTED:
      return 'ACCEPTED';
    case RETURN_STATUS.PAID:
      return 'PAID';
    case RETURN_STATUS.REFUNDED:
      return 'REFUNDED';
    default:
      return 'WAITING_RECEPTION';
  }
}
