import { eq, sql } from 'drizzle-orm';
import type { StockSize } from '../spartoo/types';
import type { Database } from './client';
import { stockSent } from './schema';

/** What Spartoo was last told of each size, per connection. */
export function createStockLedger(db: Database) {
  return {
    async lastSent(connectionId: string): Promise<Map<string, number>> {
      const rows = await db
        .select({ sizeReference: stockSent.sizeReference, quantity: stockSent.quantity })
        .from(stockSent)
        .where(eq(stockSent.connectionId, connectionId));
      return new Map(rows.map((r) => [r.sizeReference, r.quantity]));
    },

    async recordSent(connectionId: string, sizes: readonly StockSize[]): Promise<void> {
      const now = new Date();
      for (let i = 0; i < sizes.length; i += 500) {
        await db
          .insert(stockSent)
          .values(
            sizes.slice(i, i + 500).map((s) => ({
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
