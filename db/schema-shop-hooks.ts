import { index, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

// Shop webhooks received (issue 11); re-exported by db/schema.ts.

/**
 * The shop deliveries already handled, by store: Shopify's `X-Shopify-Webhook-Id`, WooCommerce's
 * `wooCommerceDeliveryKey`. A replay finds its row and changes nothing; rows older than a week are
 * pruned (db/shop-hooks.ts), longer than any platform retries a delivery.
 */
export const shopWebhookReceipts = pgTable(
  'shop_webhook_receipts',
  {
    storeId: text('store_id').notNull(),
    deliveryKey: text('delivery_key').notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.storeId, t.deliveryKey] }),
    index('shop_webhook_receipts_received_idx').on(t.receivedAt),
  ],
);
