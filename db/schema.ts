import { sql } from 'drizzle-orm';
import {
  bigserial,
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

export const storeProducts = pgTable('store_products', {
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
  (t) => [uniqueIndex('store_orders_marketplace_idx').on(t.connectionId, t.marketplaceOrderId)],
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
    /** Set once when the returned item went back into store stock: a second accept never restocks twice. */
    restockedAt: timestamp('restocked_at', { withTimezone: true, mode: 'date' }),
    lastError: text('last_error'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.connectionId, t.returnId] })],
);
