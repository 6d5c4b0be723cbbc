import type { SpartooOrder } from '../spartoo/types';
import type { Address } from './types';

/**
 * Customer data has a lifetime (issue 13, item 12): after CUSTOMER_DATA_RETENTION_DAYS (default 365)
 * a finished order keeps its amounts, lines and log, and loses the buyer's and the recipient's names,
 * addresses, e-mail and phone. Pure helpers; the database side is db/customer-data.ts.
 */
export const DEFAULT_RETENTION_DAYS = 365;
export const ERASED = '';
/** What replaces a customer's value inside free text (the communications log, an error). */
export const ERASED_MARK = '[erased]';

/** Spartoo's copy of an order without its customer: every field of the buyer and the recipient blank
 * but the country; a relay point (a shop's address) stays. */
export function eraseSpartooOrder(order: SpartooOrder): SpartooOrder {
  const blank = <T extends object>(o: T, keep: readonly string[]): T =>
    Object.fromEntries(
      Object.entries(o ?? {}).map(([k, v]) => [k, keep.includes(k) || typeof v !== 'string' ? v : ERASED]),
    ) as T;
  return {
    ...order,
    customers: blank(order.customers, ['country']),
    delivery: blank(order.delivery, ['country', 'relayInfo']),
  };
}

/** An address without its person: the country and a relay point's id stay. */
export function eraseAddress(address: Address): Address {
  return {
    firstName: ERASED,
    lastName: ERASED,
    company: ERASED,
    street: ERASED,
    suburb: ERASED,
    city: ERASED,
    postcode: ERASED,
    state: ERASED,
    country: address.country,
    ...(address.relayPointId ? { relayPointId: address.relayPointId } : {}),
  };
}

/**
 * The customer's values to look for in free text: every string of the buyer and the recipient (and of
 * a corrected address), their full names, longest first, without the country and values too short to
 * name anyone.
 */
export function customerValues(order: SpartooOrder | undefined, addresses: readonly (Address | undefined)[]) {
  const values = new Set<string>();
  const add = (v: unknown) => {
    if (typeof v === 'string' && v.trim().length >= 3) values.add(v.trim());
  };
  const take = (o: Record<string, unknown> | undefined, skip: readonly string[]) => {
    for (const [k, v] of Object.entries(o ?? {})) if (!skip.includes(k)) add(v);
  };
  if (order) {
    take(order.customers as unknown as Record<string, unknown>, ['country']);
    take(order.delivery as unknown as Record<string, unknown>, ['country', 'relayInfo']);
    add(`${order.customers?.firstname ?? ''} ${order.customers?.lastname ?? ''}`);
    add(`${order.delivery?.firstname ?? ''} ${order.delivery?.lastname ?? ''}`);
  }
  for (const a of addresses) {
    if (!a) continue;
    take(a as unknown as Record<string, unknown>, ['country', 'relayPointId']);
    add(`${a.firstName} ${a.lastName}`);
  }
  return [...values].sort((x, y) => y.length - x.length);
}

/** `text` with every one of `values` replaced by ERASED_MARK (case-insensitive). */
export function scrub(text: string, values: readonly string[]): string {
  let out = text;
  for (const v of values) {
    out = out.replace(new RegExp(v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gi'), ERASED_MARK);
  }
  return out;
}
