import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import { type ReturnStatus, returnStatusFromSpartoo } from '../domain/statuses';
import type { SpartooReturn } from '../spartoo/types';
import type { Database } from './client';
import { returns } from './schema';

export type ReturnRecord = typeof returns.$inferSelect;

/** Read model of the returns (RMA); the store restocks them (store port `restock`, once per return). */
export function createReturnRepository(db: Database) {
  return {
    /** Spartoo status of the given returns as last recorded, to tell new and changed returns from the rest. */
    async spartooStatuses(connectionId: string, returnIds: string[]): Promise<Map<string, number>> {
      if (returnIds.length === 0) return new Map();
      const rows = await db
        .select({ returnId: returns.returnId, spartooStatus: returns.spartooStatus })
        .from(returns)
        .where(and(eq(returns.connectionId, connectionId), inArray(returns.returnId, returnIds)));
      return new Map(rows.map((r) => [r.returnId, r.spartooStatus]));
    },

    /** Stores what Spartoo says of a return (after its workflow was started or told: see activities/poll.ts). */
    async saveSpartooReturn(connectionId: string, r: SpartooReturn): Promise<void> {
      await db
        .insert(returns)
        .values({
          connectionId,
          returnId: r.returnId,
          orderId: r.orderId,
          status: returnStatusFromSpartoo(r.returnStatus),
          spartooStatus: r.returnStatus,
          reason: r.returnReason,
          product: { ...r.product },
          returnedAt: r.returnDate ? new Date(r.returnDate) : null,
        })
        .onConflictDoUpdate({
          target: [returns.connectionId, returns.returnId],
          set: { spartooStatus: r.returnStatus, updatedAt: new Date() },
        });
    },

    async get(connectionId: string, returnId: string): Promise<ReturnRecord | undefined> {
      const [row] = await db
        .select()
        .from(returns)
        .where(and(eq(returns.connectionId, connectionId), eq(returns.returnId, returnId)));
      return row;
    },

    async update(
      connectionId: string,
      returnId: string,
      change: Partial<Pick<ReturnRecord, 'status' | 'spartooStatus' | 'lastError' | 'restockedAt'>>,
    ) {
      await db
        .update(returns)
        .set({ ...change, updatedAt: new Date() })
        .where(and(eq(returns.connectionId, connectionId), eq(returns.returnId, returnId)));
    },

    async list(filter: { connectionId?: string; status?: ReturnStatus; limit: number; before?: string }) {
      const conditions = [];
      if (filter.connectionId) conditions.push(eq(returns.connectionId, filter.connectionId));
      if (filter.status) conditions.push(eq(returns.status, filter.status));
      if (filter.before)
        conditions.push(sql`${returns.createdAt} < ${new Date(filter.before).toISOString()}::timestamptz`);
      return db
        .select()
        .from(returns)
        .where(conditions.length ? and(...conditions) : undefined)
        .orderBy(desc(returns.createdAt), desc(returns.returnId))
        .limit(filter.limit);
    },
  };
}

export type ReturnRepository = ReturnType<typeof createReturnRepository>;
