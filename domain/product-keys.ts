import type { StoreProduct } from './types';

/**
 * Which store product a key names. The identification attribute (`id`, `sku`, `ean`,
 * `attributes.<name>`) should be unique in the store, but a merchant's catalogue may repeat an sku or an
 * EAN. The rule (issue "Nothing lost, nothing stuck"): among the products sharing a key, **the one with
 * the lowest id wins**, in acceptance, import, returns and the stock push alike. Pure, deterministic,
 * and also run inside workflow code.
 */

/**
 * Value of the identification attribute of a product, trimmed; undefined when absent or blank, or when
 * the attribute is none of `id`, `sku`, `ean`, `attributes.<name>`, `metafield.<namespace>.<key>`
 * (settings validation excludes that). A shop adapter carries a Shopify metafield's value in the
 * product's `attributes` under the attribute's whole name (`attributes['metafield.spartoo.ref']`).
 */
export function productKey(product: StoreProduct, attribute: string): string | undefined {
  let value: unknown;
  const attrs = product.attributes;
  // Own properties only: `attributes.constructor` must not find Object.prototype.constructor.
  const own = (name: string) => (attrs && Object.hasOwn(attrs, name) ? attrs[name] : undefined);
  if (attribute === 'id' || attribute === 'sku' || attribute === 'ean') {
    value = product[attribute];
  } else if (attribute.startsWith('attributes.')) {
    value = own(attribute.slice('attributes.'.length));
  } else if (attribute.startsWith('metafield.')) {
    value = own(attribute);
  }
  // Numbers are tolerated: an EAN stored as a number in free-form attributes still matches.
  if (typeof value === 'number' && Number.isFinite(value)) value = String(value);
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

const isSurrogate = (unit: number) => unit >= 0xd800 && unit <= 0xdfff;

/**
 * The order of product ids: by Unicode code point, which is the byte order of their UTF-8 text, i.e.
 * PostgreSQL's `COLLATE "C"` (the SQL side of this rule: store/database-store.ts orders by
 * `id COLLATE "C"`). Never localeCompare nor the database's default collation, which differ between
 * machines ("b1" before "B1" under en_US, after it under C). It is JavaScript's `<` on strings except
 * for characters above U+FFFF: UTF-16 puts their surrogate pairs below U+E000–U+FFFF, UTF-8 above.
 */
export function compareProductIds(a: string, b: string): number {
  if (a === b) return 0;
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Everything before is equal, so a surrogate here starts a pair: a code point above U+FFFF.
    if (isSurrogate(x) !== isSurrogate(y)) return isSurrogate(x) ? 1 : -1;
    return x < y ? -1 : 1;
  }
  return a.length < b.length ? -1 : 1;
}

/** Product ids sorted by the rule: the winner first. */
export function sortProductIds(ids: Iterable<string>): string[] {
  return [...ids].sort(compareProductIds);
}

/** The id that wins among products sharing a key; undefined for none. */
export function winningProductId(ids: Iterable<string>): string | undefined {
  let winner: string | undefined;
  for (const id of ids) if (winner === undefined || compareProductIds(id, winner) < 0) winner = id;
  return winner;
}

/**
 * The product each key names: for every key of `products` in `attribute`, the product with the lowest id
 * among those that have it. Products without a key are left out. The input order does not matter.
 */
export function productsByKey<P extends StoreProduct>(
  products: Iterable<P>,
  attribute: string,
): Map<string, P> {
  const byKey = new Map<string, P>();
  for (const product of products) {
    const key = productKey(product, attribute);
    if (key === undefined) continue;
    const current = byKey.get(key);
    if (!current || compareProductIds(product.id, current.id) < 0) byKey.set(key, product);
  }
  return byKey;
}

/** A key that more than one product has: only the first of `productIds` (sorted by the rule) is used. */
export interface DuplicateProductKey {
  key: string;
  /** Sorted by the rule, the winner first (possibly only the first few of them). */
  productIds: string[];
  /** How many products have the key. */
  productCount: number;
}

/**
 * The products that share their key with a lower id, found page by page, for a shop that cannot list its
 * duplicate keys in one query: `add` every product of the catalogue once, in any order; `losers()` are
 * the products no key names (the rule above), which the stock push never sends.
 */
export function duplicateKeyTracker(attribute: string) {
  const winners = new Map<string, string>();
  const losers = new Set<string>();
  return {
    add(products: Iterable<StoreProduct>): void {
      for (const product of products) {
        const key = productKey(product, attribute);
        if (key === undefined) continue;
        const current = winners.get(key);
        if (current === undefined) {
          winners.set(key, product.id);
        } else if (compareProductIds(product.id, current) < 0) {
          losers.add(current);
          winners.set(key, product.id);
        } else if (product.id !== current) {
          losers.add(product.id);
        }
      }
    },
    losers: (): Set<string> => losers,
  };
}
