import { and, eq, lt, sql } from 'drizzle-orm';
import type { OrderStatus } from '../domain/statuses';
import type { Database } from './client';
import type { OrderDetail } from './orders';
import { orders, shopWebhookReceipts } from './schema';

/** How long a handled delivery is remembered: longer than Shopify retries one (48 h). */
export const RECEIPT_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

/** An order of the read model as a shop event needs it. */
export interface ShopEventOrder {
  connectionId: string;
  orderId: string;
  status: OrderStatus;
  storeId?: string;
  storeOrderId?: string;
  trackingNumbers: string[];
}

/** Shop webhooks already handled (deduplication) and the orders a shop names by its own ids. */
export function createShopHookRepository(db: Database) {
  const toOrder = (row: { connectionId: string; orderId: string; status: string; detail: unknown }) => {
    const detail = row.detail as OrderDetail;
    return {
      connectionId: row.connectionId,
      orderId: row.orderId,
      status: row.status as OrderStatus,
      ...(detail.storeId !== undefined ? { storeId: detail.storeId } : {}),
      ...(detail.storeOrderId !== undefined ? { storeOrderId: String(detail.storeOrderId) } : {}),
      trackingNumbers: (detail.shipments ?? []).map((s) => s.trackingNumber),
    } satisfies ShopEventOrder;
  };
  const columns = {
    connectionId: orders.connectionId,
    orderId: orders.orderId,
    status: orders.status,
    detail: orders.detail,
  };

  return {
    /**
     * Takes a delivery for handling: true the first time, false when it was handled (or is being
     * handled) already. Deliveries older than the retention are pruned on the way.
     */
    async claim(storeId: string, deliveryKey: string): Promise<boolean> {
      await db
        .delete(shopWebhookReceipts)
        .where(lt(shopWebhookReceipts.receivedAt, new Date(Date.now() - RECEIPT_RETENTION_MS)));
      const inserted = await db
        .insert(shopWebhookReceipts)
        .values({ storeId, deliveryKey })
        .onConflictDoNothing()
        .returning({ key: shopWebhookReceipts.deliveryKey });
      return inserted.length > 0;
    },

    /** The delivery could not be handled: the platform's retry of it is handled then. */
    async release(storeId: string, deliveryKey: string): Promise<void> {
      await db
        .delete(shopWebhookReceipts)
        .where(
          and(eq(shopWebhookReceipts.storeId, storeId), eq(shopWebhookReceipts.deliveryKey, deliveryKey)),
        );
    },

    /** An order of the read model by its Spartoo ids. */
    async order(connectionId: string, orderId: string): Promise<ShopEventOrder | undefined> {
      const [row] = await db
        .select(columns)
        .from(orders)
        .where(and(eq(orders.connectionId, connectionId), eq(orders.orderId, orderId)));
      return row && toOrder(row);
    },

    /** The orders imported into `storeId` as its order `storeOrderId` (one, but for a shop reused). */
    async ordersByStoreOrder(storeId: string, storeOrderId: string): Promise<ShopEventOrder[]> {
      const rows = await db
        .select(columns)
        .from(orders)
        .where(
          sql`(${orders.detail} ->> 'storeId') = ${storeId} and (${orders.detail} ->> 'storeOrderId') = ${storeOrderId}`,
        );
      return rows.map(toOrder);
    },
  };
}

export type ShopHookRepository = ReturnType<typeof createShopHookRepository>;
