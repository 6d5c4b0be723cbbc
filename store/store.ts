import type { DuplicateProductKey } from '../domain/product-keys';
import type { Address, StoreProduct } from '../domain/types';

/**
 * The merchant's store as the product sees it. The built-in one lives in the database
 * (database-store.ts); a real shop connector implements the same interface.
 */
export interface ImportLine {
  line: number;
  key: string;
  name: string;
  quantity: number;
  unitPriceCents: number;
}

export interface ImportRequest {
  connectionId: string;
  marketplaceOrderId: string;
  identificationAttribute: string;
  billingAddress: Address;
  shippingAddress: Address;
  shippingMethod: string;
  lines: ImportLine[];
  totalCents: number;
}

/** An order as the built-in store keeps it (its `/store/*` routes); other shops have their own. */
export interface StoreOrder {
  /** The built-in store's serial number, as a decimal string. */
  id: string;
  connectionId: string;
  marketplaceOrderId: string;
  status: 'OPEN' | 'SHIPPED' | 'CANCELLED';
  billingAddress: Address;
  shippingAddress: Address;
  shippingMethod: string;
  items: { productId: string; key: string; name: string; quantity: number; unitPriceCents: number }[];
  totalCents: number;
  carrier: string | null;
  trackingNumber: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A permanent refusal by the store (unknown product, bad address): retrying the same import cannot help. */
export class ImportRejectedError extends Error {
  override name = 'ImportRejectedError';
}

/** The shops an order can land in (issue "Orders land in the merchant's real shop"). */
export type StoreKind = 'builtin' | 'shopify' | 'woocommerce';

/** An order as a shop holds it, in the product's words; ids are the shop's, as strings. */
export interface ShopOrder {
  id: string;
  marketplaceOrderId: string;
  status: 'OPEN' | 'SHIPPED' | 'CANCELLED';
  shipment?: { carrier: string; trackingNumber: string };
}

/** What the merchant did in the shop to an imported order, seen by a webhook or a reconciliation. */
export interface ShopOrderEvent {
  storeOrderId: string;
  /** The Spartoo order id the import tagged the shop order with; undefined: not one of ours. */
  marketplaceOrderId?: string;
  connectionId?: string;
  kind: 'shipped' | 'cancelled';
  shipment?: { carrier: string; trackingNumber: string };
  /** When the shop says it happened (ISO). */
  at: string;
}

/** The shop is unreachable for good (token revoked, app uninstalled, shop closed): shown, not retried. */
export class StoreAccessError extends Error {
  override name = 'StoreAccessError';
}

/**
 * The store port: the only way any activity, route or workflow step reaches a shop. The built-in
 * store (database-store.ts), Shopify and WooCommerce each implement it. Methods are idempotent where
 * the product retries them (import, cancel, restock); transient failures throw ordinary errors (the
 * activity retries), permanent ones ImportRejectedError or StoreAccessError.
 */
export interface StorePort {
  readonly kind: StoreKind;
  /** Every product whose identification attribute equals one of the keys (duplicates included). */
  productsByKeys(attribute: string, keys: string[]): Promise<StoreProduct[]>;
  /**
   * The catalogue for the stock push, a page of at most `limit` products at a time, in a stable order;
   * `next` undefined at the end. `next` is opaque to the caller, who passes it back as `after` to read
   * on; it is heartbeated by the stock push, so it must stay valid across a worker restart.
   */
  catalogue(page: { after?: string; limit: number }): Promise<{ products: StoreProduct[]; next?: string }>;
  /**
   * Optional: `catalogue`, but only the products whose stock or reference may differ from what the
   * stock ledger (db/stock.ts) says Spartoo was last told for the connection, keyed by `attribute`.
   * It may answer more (the push checks each against the ledger), never fewer. The built-in store, in
   * the ledger's database, answers it with one join: an incremental push of a few changed sizes does not
   * read the whole catalogue. Without it, the push reads every page.
   */
  stockChanges?(page: {
    connectionId: string;
    attribute: string;
    after?: string;
    limit: number;
  }): Promise<{ products: StoreProduct[]; next?: string }>;
  /** At most one shop order per marketplace order: a repeated import (a retry, a lost answer) finds the first. */
  importOrder(request: ImportRequest): Promise<{ order: ShopOrder; created: boolean }>;
  findOrder(connectionId: string, marketplaceOrderId: string): Promise<ShopOrder | undefined>;
  /** Cancels the shop order and puts its stock back, once; a second call changes nothing. */
  cancelOrder(storeOrderId: string): Promise<{ changed: boolean }>;
  /** Puts returned items back into stock, once per `key` (e.g. the return's id). */
  restock(productId: string, quantity: number, key: string): Promise<{ changed: boolean }>;
  /**
   * Shipments and cancellations of imported orders updated at or after `since`: the reconciliation
   * behind webhooks.
   */
  orderEventsSince(since: Date): Promise<ShopOrderEvent[]>;
  /** Checks the credentials (and subscribes the product's webhooks where the shop has them). */
  test(): Promise<{ shopName: string; productCount: number; webhooksRegistered: number }>;
  /**
   * Optional: the keys several products share in `attribute`, each with its product ids sorted by the
   * rule of domain/product-keys.ts (the winner first; only the first `maxIds` when given) and how many
   * products share it, in key order, at most `limit` keys. A shop that answers it in one query (the
   * built-in store's SQL) implements it; without it, the stock push finds the duplicates from the
   * catalogue pages itself, and a connection lists no duplicate-key warnings.
   */
  duplicateKeys?(
    attribute: string,
    options?: { limit?: number; maxIds?: number },
  ): Promise<DuplicateProductKey[]>;
  /** Optional: removes the webhooks the product subscribed in the shop; called when the store is deleted. */
  unsubscribe?(): Promise<void>;
}
