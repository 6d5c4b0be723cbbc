import type { SpartooOrder } from '../spartoo/types';
import type { Address } from './types';

/**
 * Addresses imported into the store (SPEC §4): billing ← customers/*, shipping ← delivery/* (or the
 * relay point), or ← billing when the connection says so. Every string is trimmed; missing tags become ''.
 */

type OrderAddressParts = Pick<SpartooOrder, 'customers' | 'delivery'>;

function text(value: string | null | undefined): string {
  return (value ?? '').trim();
}

/** Contact details come from customers/* only: Spartoo's delivery block carries none. */
function contact(order: OrderAddressParts): Pick<Address, 'email' | 'phone'> {
  const email = text(order.customers?.email);
  const phone = text(order.customers?.telephone);
  return { ...(email ? { email } : {}), ...(phone ? { phone } : {}) };
}

/** The buyer: customers/*. */
export function billingAddress(order: OrderAddressParts): Address {
  const c = order.customers;
  return {
    firstName: text(c?.firstname),
    lastName: text(c?.lastname),
    company: text(c?.company),
    street: text(c?.streetAddress),
    suburb: text(c?.suburb),
    city: text(c?.city),
    postcode: text(c?.postcode),
    state: text(c?.state),
    country: text(c?.country),
    ...contact(order),
  };
}

/** True for a pick-up-point delivery: relay_info with a non-blank relay_id. */
export function isRelayDelivery(order: OrderAddressParts): boolean {
  return text(order.delivery?.relayInfo?.relayId) !== '';
}

/**
 * The shipping address:
 * - `useBillingAddressForShipping` → the billing address, even for a relay-point order (the merchant
 *   chose to ship to the buyer; a relay id next to a home address would be contradictory, so none is set);
 * - relay point → recipient names from delivery/*, company = relay_name, street = relay_address,
 *   city/postcode = relay_city/relay_postcode, country = relay_country_iso (delivery_country when that is
 *   blank), suburb and state empty (they would describe the buyer's home), relayPointId = relay_id;
 * - otherwise delivery/*.
 * Email and phone always come from customers/*.
 */
export function shippingAddress(
  order: OrderAddressParts,
  options: { useBillingAddressForShipping: boolean },
): Address {
  if (options.useBillingAddressForShipping) return billingAddress(order);
  const d = order.delivery;
  const relay = d?.relayInfo;
  if (relay && isRelayDelivery(order)) {
    return {
      firstName: text(d?.firstname),
      lastName: text(d?.lastname),
      company: text(relay.relayName),
      street: text(relay.relayAddress),
      suburb: '',
      city: text(relay.relayCity),
      postcode: text(relay.relayPostcode),
      state: '',
      country: text(relay.relayCountryIso) || text(d?.country),
      ...contact(order),
      relayPointId: text(relay.relayId),
    };
  }
  return {
    firstName: text(d?.firstname),
    lastName: text(d?.lastname),
    company: text(d?.company),
    street: text(d?.streetAddress),
    suburb: text(d?.suburb),
    city: text(d?.city),
    postcode: text(d?.postcode),
    state: text(d?.state),
    country: text(d?.country),
    ...contact(order),
  };
}

/** Fields a store order cannot be shipped without. */
export const REQUIRED_ADDRESS_FIELDS = ['lastName', 'street', 'city', 'postcode', 'country'] as const;
export type RequiredAddressField = (typeof REQUIRED_ADDRESS_FIELDS)[number];

/** The required fields that are missing or blank, in REQUIRED_ADDRESS_FIELDS order; [] when importable. */
export function validateAddressForImport(address: Address): RequiredAddressField[] {
  return REQUIRED_ADDRESS_FIELDS.filter((field) => text(address[field]) === '');
}

/**
 * The reason an import fails on bad addresses (for `lastError`), or undefined when both are fine,
 * e.g. 'Invalid shipping address: missing street, postcode'.
 */
export function addressImportError(addresses: { billing: Address; shipping: Address }): string | undefined {
  const problems: string[] = [];
  for (const kind of ['billing', 'shipping'] as const) {
    const missing = validateAddressForImport(addresses[kind]);
    if (missing.length > 0) problems.push(`Invalid ${kind} address: missing ${missing.join(', ')}`);
  }
  return problems.length > 0 ? problems.join('; ') : undefined;
}
