import { sql } from 'drizzle-orm';
import {
  bigserial,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  serial,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import type { ConnectionSettings } from '../domain/settings';
import type { StoreProblem } from '../domain/stores';
import type { Address } from '../domain/types';

const createdAt = () => timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();

/** Outcome of one polling or stock cycle, shown on the connection. */
export interface CycleResult {
  at: string;
  ok: boolean;
  error?: string;
  [count: string]: unknown;
}

export const connections = pgTable('connections', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  /** AES-256-GCM with SECRET_KEY; never leaves the database in clear but to the Spartoo client. */
  apiKeyEncrypted: text('api_key_encrypted').notNull(),
  apiKeyLast4: text('api_key_last4').notNull(),
  settings: jsonb('settings').$type<ConnectionSettings>().notNull(),
  lastPoll: jsonb('last_poll').$type<CycleResult>(),
  lastStockSync: jsonb('last_stock_sync').$type<CycleResult>(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/** Read model of the order workflows: what the grid and the details show, kept after a workflow ends. */
export const orders = pgTable(
  'orders',
  {
    connectionId: text('connection_id').notNull(),
    orderId: text('order_id').notNull(),
    status: text('status').notNull(),
    /** Null, with the purchase date and the total, while Spartoo's copy of the order is unreadable. */
    spartooStatus: integer('spartoo_status'),
    purchasedAt: timestamp('purchased_at', { withTimezone: true, mode: 'date' }),
    customerName: text('customer_name').notNull().default(''),
    totalCents: integer('total_cents'),
    detail: jsonb('detail').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.connectionId, t.orderId] }),
    index('orders_grid_idx').on(sql`coalesce(${t.purchasedAt}, ${t.createdAt}) desc`, t.orderId.desc()),
    index('orders_status_idx').on(t.status),
    // A shop's webhook or reconciliation names the order by its shop id (db/shop-hooks.ts).
    index('orders_store_order_idx').on(
      sql`(${t.detail} ->> 'storeId')`,
      sql`(${t.detail} ->> 'storeOrderId')`,
    ),
  ],
);

/**
 * Stock promised to orders accepted and not yet imported: a decision reads the store's stock less
 * these, and writes its own in the same transaction, so two orders never take the last unit twice.
 * A row stops counting once its order is imported, refused or cancelled (db/reservations.ts).
 */
export const stockReservations = pgTable(
  'stock_reservations',
  {
    connectionId: text('connection_id').notNull(),
    orderId: text('order_id').notNull(),
    productId: text('product_id').notNull(),
    quantity: integer('quantity').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.connectionId, t.orderId, t.productId] }),
    index('stock_reservations_product_idx').on(t.productId),
  ],
);

/** Communications log of an order: every Spartoo call and store action. */
export const orderLog = pgTable(
  'order_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    connectionId: text('connection_id').notNull(),
    orderId: text('order_id').notNull(),
    direction: text('direction').notNull(),
    action: text('action').notNull(),
    result: text('result').notNull(),
    detail: text('detail'),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [index('order_log_order_idx').on(t.connectionId, t.orderId, t.id)],
);

export const storeProducts = pgTable(
  'store_products',
  {
    id: text('id').primaryKey(),
    sku: text('sku'),
    ean: text('ean'),
    reference: text('reference'),
    name: text('name'),
    stock: integer('stock').notNull().default(0),
    priceFinalInclTaxCents: integer('price_final_incl_tax_cents'),
    priceOriginalInclTaxCents: integer('price_original_incl_tax_cents'),
    attributes: jsonb('attributes').$type<Record<string, string>>().notNull().default({}),
    updatedAt: updatedAt(),
  },
  (t) => [
    // The stock push reads the catalogue in pages by `id COLLATE "C"` (store/database-store.ts): the
    // primary key, in the database's collation, cannot serve that order, and each page sorted the table.
    index('store_products_id_c_idx').on(sql`(${t.id} collate "C")`),
    // Each order finds its products by the connection's identification attribute, trimmed
    // (store/database-store.ts `keyColumn`): without these, every lookup read the whole catalogue
    // (45 ms of CPU per lookup with 100 000 sizes on PGlite, two lookups per order). An attribute of
    // `attributes` gets its index at its first lookup (store/database-store.ts `attributeKeyIndex`).
    index('store_products_id_trim_idx').on(sql`trim(${t.id})`),
    index('store_products_sku_trim_idx').on(sql`trim(${t.sku})`),
    index('store_products_ean_trim_idx').on(sql`trim(${t.ean})`),
  ],
);

/**
 * The shops orders land in (store/registry.ts): the one built-in store (id `builtin`, the `/store/*`
 * routes, created by the migration) and the merchant's real shops. A connection names one in its
 * settings (`storeId`).
 */
export const stores = pgTable('stores', {
  id: text('id').primaryKey(),
  /** `builtin`, `shopify` or `woocommerce` (domain/stores.ts). */
  kind: text('kind').notNull(),
  name: text('name').notNull(),
  /** What its kind needs besides secrets (domain/stores.ts), in clear. */
  config: jsonb('config').$type<Record<string, unknown>>().notNull().default({}),
  /** The kind's secrets as one JSON object, AES-256-GCM with SECRET_KEY; null when it has none. */
  secretsEncrypted: text('secrets_encrypted'),
  /** The last 4 characters of each secret, for masked responses. */
  secretHints: jsonb('secret_hints').$type<Record<string, string>>().notNull().default({}),
  /** What stops it from working (a revoked token…), until it works again. */
  problem: jsonb('problem').$type<StoreProblem>(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/**
 * Restocks the built-in store made, once per key (a return's): written in the same transaction as the
 * stock, so a repeated restock of the same key changes nothing.
 */
export const storeRestocks = pgTable('store_restocks', {
  key: text('key').primaryKey(),
  /** Null for restocks carried over from `returns.restocked_at` by the migration. */
  productId: text('product_id'),
  quantity: integer('quantity').notNull(),
  createdAt: createdAt(),
});

export interface StoreOrderItem {
  productId: string;
  key: string;
  name: string;
  quantity: number;
  unitPriceCents: number;
}

export const storeOrders = pgTable(
  'store_orders',
  {
    id: serial('id').primaryKey(),
    connectionId: text('connection_id').notNull(),
    /** Spartoo's orders_id: the idempotency key of the import. */
    marketplaceOrderId: text('marketplace_order_id').notNull(),
    status: text('status').notNull(),
    billingAddress: jsonb('billing_address').$type<Address>().notNull(),
    shippingAddress: jsonb('shipping_address').$type<Address>().notNull(),
    shippingMethod: text('shipping_method').notNull(),
    items: jsonb('items').$type<StoreOrderItem[]>().notNull(),
    totalCents: integer('total_cents').notNull(),
    carrier: text('carrier'),
    trackingNumber: text('tracking_number'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('store_orders_marketplace_idx').on(t.connectionId, t.marketplaceOrderId),
    // Shipments and cancellations since a time (orderEventsSince).
    index('store_orders_updated_idx').on(t.updatedAt),
  ],
);

/** What Spartoo was last told of each size, so a stock cycle pushes only what changed. */
export const stockSent = pgTable(
  'stock_sent',
  {
    connectionId: text('connection_id').notNull(),
    sizeReference: text('size_reference').notNull(),
    referencePartenaire: text('reference_partenaire').notNull(),
    quantity: integer('quantity').notNull(),
    sentAt: timestamp('sent_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.connectionId, t.sizeReference] })],
);

export const returns = pgTable(
  'returns',
  {
    connectionId: text('connection_id').notNull(),
    returnId: text('return_id').notNull(),
    orderId: text('order_id').notNull(),
    status: text('status').notNull(),
    spartooStatus: integer('spartoo_status').notNull(),
    reason: text('reason').notNull().default(''),
    product: jsonb('product').$type<Record<string, unknown>>().notNull().default({}),
    returnedAt: timestamp('returned_at', { withTimezone: true, mode: 'date' }),
    /**
     * When the returned item went back into store stock (shown; the once-only guarantee is the store's,
     * per return: store port `restock`).
     */
    restockedAt: timestamp('restocked_at', { withTimezone: true, mode: 'date' }),
    lastError: text('last_error'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.connectionId, t.returnId] })],
);

/** PostgreSQL bytea, read and written as bytes (Buffer for node-postgres, Uint8Array for PGlite). */
const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({
  dataType: () => 'bytea',
  toDriver: (value) => Buffer.from(value),
});

/**
 * Return labels uploaded by the merchant (issue 13, item 2): stored here, passed to the return
 * workflow by id (never as an argument: a label names the customer), read by its activity and sent
 * to Spartoo as `label_file`.
 */
export const returnLabels = pgTable(
  'return_labels',
  {
    id: text('id').primaryKey(),
    connectionId: text('connection_id').notNull(),
    returnId: text('return_id').notNull(),
    filename: text('filename').notNull(),
    contentType: text('content_type').notNull(),
    size: integer('size').notNull(),
    content: bytea('content').notNull(),
    /** When Spartoo took it (the return's accept with this label answered 1). */
    sentAt: timestamp('sent_at', { withTimezone: true, mode: 'date' }),
    createdAt: createdAt(),
  },
  (t) => [index('return_labels_return_idx').on(t.connectionId, t.returnId)],
);

// Notifications and account problems (issue 13, items 5 and 11).
export * from './schema-notifications';

// Shop webhooks received (issue 11).
export * from './schema-shop-hooks';
