import { and, eq, inArray, sql } from 'drizzle-orm';
import type { StockSize } from '../spartoo/types';
import type { Database } from './client';
import { stockSent } from './schema';

/** What Spartoo was last told of one size, and when. */
export interface SentSize {
  referencePartenaire: string;
  quantity: number;
  sentAt: Date;
}

/** What Spartoo was last told of each size, per connection. */
export function createStockLedger(db: Database) {
  return {
    /** The ledger entries of these sizes (a page of them: the push never loads the whole ledger). */
    async lastSent(connectionId: string, sizeReferences: readonly string[]): Promise<Map<string, SentSize>> {
      if (sizeReferences.length === 0) return new Map();
      const rows = await db
        .select({
          sizeReference: stockSent.sizeReference,
          referencePartenaire: stockSent.referencePartenaire,
          quantity: stockSent.quantity,
          sentAt: stockSent.sentAt,
        })
        .from(stockSent)
        .where(
          and(
            eq(stockSent.connectionId, connectionId),
            inArray(stockSent.sizeReference, [...sizeReferences]),
          ),
        );
      return new Map(rows.map(({ sizeReference, ...sent }) => [sizeReference, sent]));
    },

    /**
     * Records sizes Spartoo accepted. The same size twice keeps the last: one INSERT … ON CONFLICT may
     * not touch a row twice, and a push must never fail on that.
     */
    async recordSent(connectionId: string, sizes: readonly StockSize[]): Promise<void> {
      const latest = [...new Map(sizes.map((s) => [s.sizeReference, s])).values()];
      const now = new Date();
      for (let i = 0; i < latest.length; i += 500) {
        await db
          .insert(stockSent)
          .values(
            latest.slice(i, i + 500).map((s) => ({
              connectionId,
              sizeReference: s.sizeReference,
              referencePartenaire: s.referencePartenaire,
              quantity: s.quantity,
              sentAt: now,
            })),
          )
          .onConflictDoUpdate({
            target: [stockSent.connectionId, stockSent.sizeReference],
            set: {
              quantity: sql`excluded.quantity`,
              referencePartenaire: sql`excluded.reference_partenaire`,
              sentAt: now,
            },
          });
      }
    },
  };
}

export type StockLedger = ReturnType<typeof createStockLedger>;
