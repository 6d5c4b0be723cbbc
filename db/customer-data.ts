import { and, asc, eq, inArray, isNotNull, lt, ne, or, sql } from 'drizzle-orm';
import { customerValues, ERASED, eraseAddress, eraseSpartooOrder, scrub } from '../domain/customer-data';
import { FINISHED_ORDER_STATUSES } from '../domain/statuses';
import type { Address } from '../domain/types';
import type { Database } from './client';
import type { OrderDetail } from './orders';
import { orderLog, orders, returnLabels, returns } from './schema';

/** The built-in store's own eraser (store/database-store.ts, the only writer of its tables). */
export interface StoreEraser {
  eraseCustomerData(connectionId: string, marketplaceOrderId: string): Promise<boolean>;
}

export type EraseOutcome = 'ERASED' | 'ALREADY_ERASED' | 'OPEN' | 'UNKNOWN';

/**
 * Erases a finished order's customer (issue 13, item 12) from every table of the product's database
 * that holds it: the order's name column and Spartoo's copy (`detail.spartoo`, a corrected address),
 * the built-in store's order addresses, the customer's values inside the communications log and the
 * last error, and the return labels of the order's returns once sent or done. The order, its amounts,
 * lines and log stay; `detail.erasedAt` marks it. Idempotent: every step runs again on an order already
 * marked (one stopped half-way is finished), and the mark keeps its first time.
 */
export function createCustomerDataEraser(db: Database, store: StoreEraser) {
  const finished = [...FINISHED_ORDER_STATUSES];

  async function eraseOrder(connectionId: string, orderId: string): Promise<EraseOutcome> {
    const outcome = await db.transaction(async (tx) => {
      const [row] = await tx
        .select()
        .from(orders)
        .where(and(eq(orders.connectionId, connectionId), eq(orders.orderId, orderId)))
        .for('update');
      if (!row) return 'UNKNOWN' as const;
      if (!finished.includes(row.status as never)) return 'OPEN' as const;
      const detail = row.detail as OrderDetail & { erasedAt?: string };
      const values = customerValues(detail.spartoo, [detail.shippingAddressCorrection]);
      if (row.customerName.trim().length >= 3) values.push(row.customerName.trim());
      const next: Record<string, unknown> = { erasedAt: detail.erasedAt ?? new Date().toISOString() };
      if (detail.spartoo) next.spartoo = eraseSpartooOrder(detail.spartoo);
      if (detail.shippingAddressCorrection) {
        next.shippingAddressCorrection = eraseAddress(detail.shippingAddressCorrection as Address);
      }
      if (typeof detail.lastError === 'string') next.lastError = scrub(detail.lastError, values);
      await tx
        .update(orders)
        .set({ customerName: ERASED, detail: sql`${orders.detail} || ${JSON.stringify(next)}::jsonb` })
        .where(and(eq(orders.connectionId, connectionId), eq(orders.orderId, orderId)));
      if (values.length > 0) {
        const entries = await tx
          .select({ id: orderLog.id, detail: orderLog.detail })
          .from(orderLog)
          .where(
            and(
              eq(orderLog.connectionId, connectionId),
              eq(orderLog.orderId, orderId),
              isNotNull(orderLog.detail),
            ),
          )
          .orderBy(asc(orderLog.id));
        for (const entry of entries) {
          const scrubbed = scrub(entry.detail!, values);
          if (scrubbed !== entry.detail) {
            await tx.update(orderLog).set({ detail: scrubbed }).where(eq(orderLog.id, entry.id));
          }
        }
      }
      // Uploaded labels carry the customer's address: gone once Spartoo has them or the return is done.
      const orderReturns = tx
        .select({ returnId: returns.returnId })
        .from(returns)
        .where(
          and(
            eq(returns.connectionId, connectionId),
            eq(returns.orderId, orderId),
            ne(returns.status, 'WAITING_RECEPTION'),
          ),
        );
      await tx.delete(returnLabels).where(
        and(
          eq(returnLabels.connectionId, connectionId),
          or(isNotNull(returnLabels.sentAt), inArray(returnLabels.returnId, orderReturns)),
          inArray(
            returnLabels.returnId,
            tx
              .select({ returnId: returns.returnId })
              .from(returns)
              .where(and(eq(returns.connectionId, connectionId), eq(returns.orderId, orderId))),
          ),
        ),
      );
      return detail.erasedAt ? ('ALREADY_ERASED' as const) : ('ERASED' as const);
    });
    if (outcome === 'ERASED' || outcome === 'ALREADY_ERASED') {
      await store.eraseCustomerData(connectionId, orderId);
    }
    return outcome;
  }

  return {
    eraseOrder,

    /**
     * Erases the finished orders last changed more than `retentionDays` ago and not erased yet, at
     * most `limit` of them; `more` when others wait.
     */
    async eraseExpired(retentionDays: number, limit = 100): Promise<{ erased: number; more: boolean }> {
      const before = new Date(Date.now() - retentionDays * 86_400_000);
      const due = await db
        .select({ connectionId: orders.connectionId, orderId: orders.orderId })
        .from(orders)
        .where(
          and(
            inArray(orders.status, finished),
            sql`not (${orders.detail} ? 'erasedAt')`,
            lt(orders.updatedAt, before),
          ),
        )
        .orderBy(asc(orders.updatedAt))
        .limit(limit + 1);
      let erased = 0;
      for (const o of due.slice(0, limit)) {
        if ((await eraseOrder(o.connectionId, o.orderId)) === 'ERASED') erased++;
      }
      return { erased, more: due.length > limit };
    },
  };
}

export type CustomerDataEraser = ReturnType<typeof createCustomerDataEraser>;
