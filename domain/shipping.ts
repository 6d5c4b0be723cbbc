import { SPARTOO_SHIPPING_SERVICES, type SpartooShippingService } from './shipping-services';

/**
 * Shipping mappings: Spartoo `shipping_name` → store shipping method on import, and store carrier →
 * allowed Spartoo shipping service on shipment (SPEC §2, §4).
 */

/** Comparison form of a name: trimmed, NFC (é composed or not), lower case without locale rules. */
export function normalizeName(name: string): string {
  return name.trim().normalize('NFC').toLowerCase();
}

/**
 * Value of the map entry whose key equals `name` case-insensitively. Keys differing only by case are
 * ambiguous; the exact (trimmed) spelling wins, else the smallest key in code-unit order, because key order
 * is not stable once the map went through the database (jsonb reorders keys).
 */
function lookup<V>(map: Readonly<Record<string, V>> | undefined, name: string): V | undefined {
  if (!map) return undefined;
  const wanted = normalizeName(name);
  const trimmed = name.trim();
  let best: string | undefined;
  for (const key of Object.keys(map)) {
    if (normalizeName(key) !== wanted) continue;
    if (key.trim() === trimmed) {
      best = key;
      break;
    }
    if (best === undefined || key < best) best = key;
  }
  return best === undefined ? undefined : map[best];
}

/**
 * Store shipping method for a Spartoo `shipping_name`: the mapped method (key case-insensitive, trimmed),
 * else the name itself, trimmed (SPEC: unmapped names are imported as-is).
 */
export function storeShippingMethod(
  shippingName: string,
  storeShippingMethodMap: Readonly<Record<string, string>> | undefined,
): string {
  const name = (shippingName ?? '').trim();
  if (name === '') return '';
  const mapped = lookup(storeShippingMethodMap, name)?.trim();
  return mapped ? mapped : name;
}

/** The allowed service spelled as in SPARTOO_SHIPPING_SERVICES, for a case-insensitive name; else undefined. */
export function canonicalShippingService(name: string): SpartooShippingService | undefined {
  const wanted = normalizeName(name);
  return SPARTOO_SHIPPING_SERVICES.find((service) => normalizeName(service) === wanted);
}

/**
 * Spartoo shipping service for the store's carrier: `shippingServiceMap` (keys case-insensitive) first,
 * then the carrier's own name if it is an allowed service (case-insensitive, canonical spelling returned),
 * else `defaultShippingService`. `mapped` is false only when the default was used. A map value that is no
 * allowed service (a list changed after the settings were saved) is skipped, not sent to Spartoo.
 */
export function spartooShippingService(
  storeCarrier: string | null | undefined,
  settings: {
    shippingServiceMap?: Readonly<Record<string, string>>;
    defaultShippingService: SpartooShippingService;
  },
): { service: SpartooShippingService; mapped: boolean } {
  const carrier = (storeCarrier ?? '').trim();
  if (carrier !== '') {
    const fromMap = lookup(settings.shippingServiceMap, carrier);
    const mappedService = fromMap === undefined ? undefined : canonicalShippingService(fromMap);
    if (mappedService) return { service: mappedService, mapped: true };
    const byName = canonicalShippingService(carrier);
    if (byName) return { service: byName, mapped: true };
  }
  return { service: settings.defaultShippingService, mapped: false };
}
