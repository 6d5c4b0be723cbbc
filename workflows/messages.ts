import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

/**
 * Signal, update and query definitions shared by the workflows and the API (the only workflow module
 * the API imports). Signals carry facts; updates carry decisions that must answer; queries read.
 */

export const connectionWorkflowId = (connectionId: string) => `spartoo-connection/${connectionId}`;
export const orderWorkflowId = (connectionId: string, orderId: string) =>
  `spartoo-order/${connectionId}/${orderId}`;
export const returnWorkflowId = (connectionId: string, returnId: string) =>
  `spartoo-return/${connectionId}/${returnId}`;

/** The connection was deleted: its workflow ends cleanly. */
export const connectionDeletedSignal = defineSignal('connectionDeleted');
/** Settings were changed: the workflow reloads them now rather than at its next cycle. */
export const settingsChangedSignal = defineSignal('settingsChanged');

// ---- order workflow -------------------------------------------------------------------------

export interface Shipment {
  carrier: string;
  trackingNumber: string;
}

/** What a query of an order workflow answers: its state as the workflow knows it. */
export interface OrderState {
  connectionId: string;
  orderId: string;
  status: string;
  spartooStatus: number;
  auto: boolean;
  storeOrderId?: number;
  shippingService?: string;
  lastError: string | null;
}

/** A poll saw the order with this Spartoo status (a change made on Spartoo's side, or the first sight). */
export const spartooStatusSeenSignal = defineSignal<[number]>('spartooStatusSeen');
/** The merchant shipped the store order. */
export const orderShippedSignal = defineSignal<[Shipment]>('orderShipped');
/** The merchant cancelled the store order (it is already cancelled and restocked in the store). */
export const storeOrderCancelledSignal = defineSignal('storeOrderCancelled');

/** Manual decisions: validated by the workflow (409 when the order is not waiting), answer the new status. */
export const acceptOrderUpdate = defineUpdate<string>('acceptOrder');
export const refuseOrderUpdate = defineUpdate<string>('refuseOrder');
export const retryOrderUpdate = defineUpdate<string>('retryOrder');

export const orderStateQuery = defineQuery<OrderState>('orderState');
