import { and, eq, sql } from 'drizzle-orm';
import type { StockSize } from '../spartoo/types';
import type { Database } from './client';
import { stockSent } from './schema';

/** What Spartoo was last told of one size, and when. */
export interface SentSize {
  referencePartenaire: string;
  quantity: number;
  sentAt: Date;
}

/** Rows written by one INSERT: a stock batch (500 sizes) is one statement. */
const RECORD_CHUNK = 1000;

/** What Spartoo was last told of each size, per connection. */
export function createStockLedger(db: Database) {
  return {
    /**
     * The ledger entries of these sizes (a page of them: the push never loads the whole ledger). One
     * array parameter rather than one parameter a size: the statement stays small whatever the page.
     */
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
            sql`${stockSent.sizeReference} = any(${sql.param([...sizeReferences])}::text[])`,
          ),
        );
      return new Map(rows.map(({ sizeReference, ...sent }) => [sizeReference, sent]));
    },

    /**
     * Records sizes Spartoo accepted, once per stock batch. The same size twice keeps the last: one
     * INSERT … ON CONFLICT may not touch a row twice, and a push must never fail on that. Three array
     * parameters unnested rather than five parameters a row: a batch's write costs a fifth (PGlite).
     */
    async recordSent(connectionId: string, sizes: readonly StockSize[]): Promise<void> {
      const latest = [...new Map(sizes.map((s) => [s.sizeReference, s])).values()];
      const now = new Date().toISOString();
      for (let i = 0; i < latest.length; i += RECORD_CHUNK) {
        const chunk = latest.slice(i, i + RECORD_CHUNK);
        await db.execute(sql`
          insert into ${stockSent} (connection_id, size_reference, reference_partenaire, quantity, sent_at)
          select ${connectionId}, size_reference, reference_partenaire, quantity, ${now}::timestamptz
          from unnest(
            ${sql.param(chunk.map((s) => s.sizeReference))}::text[],
            ${sql.param(chunk.map((s) => s.referencePartenaire))}::text[],
            ${sql.param(chunk.map((s) => s.quantity))}::int[]
          ) as sent(size_reference, reference_partenaire, quantity)
          on conflict (connection_id, size_reference) do update set
            quantity = excluded.quantity,
            reference_partenaire = excluded.reference_partenaire,
            sent_at = excluded.sent_at`);
      }
    },
  };
}

export type StockLedger = ReturnType<typeof createStockLedger>;
