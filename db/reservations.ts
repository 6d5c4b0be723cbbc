import { and, eq, inArray, not, notInArray, sql } from 'drizzle-orm';
import type { Database } from './client';
import { isEmbedded } from './embedded-cache';
import { orders, stockReservations } from './schema';

/** Orders whose reserved stock still counts: accepted (or being accepted), not yet imported. */
const RESERVING_STATUSES = ['WAITING_ACCEPTANCE', 'ACCEPT_FAILED', 'ACCEPTED', 'IMPORT_FAILED'];

/** Any constant: every acceptance decision takes this one transaction-level lock, one after another. */
const DECISION_LOCK = 7_470_411;

export interface Reservation {
  productId: string;
  quantity: number;
}

type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];

let queue: Promise<unknown> = Promise.resolve();
/** Decisions of this process, one after another. */
function oneDecisionAtATime<T>(work: () => Promise<T>): Promise<T> {
  const next = queue.then(work, work);
  queue = next.catch(() => undefined);
  return next;
}

/** The rows of one order's reservation. */
const ownedBy = (connectionId: string, orderId: string) =>
  sql`(${stockReservations.connectionId} = ${connectionId} and ${stockReservations.orderId} = ${orderId})`;

/** What orders other than `order` have reserved of each product. */
async function reservedByOthers(
  tx: Database | Transaction,
  order: { connectionId: string; orderId: string },
  productIds: string[],
): Promise<Map<string, number>> {
  if (productIds.length === 0) return new Map();
  const rows = await tx
    .select({
      productId: stockReservations.productId,
      quantity: sql<number>`sum(${stockReservations.quantity})::int`,
    })
    .from(stockReservations)
    .innerJoin(
      orders,
      and(
        eq(orders.connectionId, stockReservations.connectionId),
        eq(orders.orderId, stockReservations.orderId),
      ),
    )
    .where(
      and(
        inArray(stockReservations.productId, productIds),
        inArray(orders.status, RESERVING_STATUSES),
        not(ownedBy(order.connectionId, order.orderId)),
      ),
    )
    .groupBy(stockReservations.productId);
  return new Map(rows.map((r) => [r.productId, r.quantity]));
}

/**
 * The order's reservation becomes `lines` (none: removed) in one statement: the rows of products it
 * no longer takes are deleted beside the upsert of the others (disjoint rows, one snapshot).
 */
async function replace(
  tx: Database | Transaction,
  connectionId: string,
  orderId: string,
  lines: Reservation[],
) {
  const byProduct = new Map<string, number>();
  for (const l of lines) byProduct.set(l.productId, (byProduct.get(l.productId) ?? 0) + l.quantity);
  const own = ownedBy(connectionId, orderId);
  if (byProduct.size === 0) {
    await tx.delete(stockReservations).where(own);
    return;
  }
  const stale = tx
    .delete(stockReservations)
    .where(and(own, notInArray(stockReservations.productId, [...byProduct.keys()])));
  await tx
    .with(tx.$with('stale', {}).as(stale.getSQL()))
    .insert(stockReservations)
    .values([...byProduct].map(([productId, quantity]) => ({ connectionId, orderId, productId, quantity })))
    .onConflictDoUpdate({
      target: [stockReservations.connectionId, stockReservations.orderId, stockReservations.productId],
      set: { quantity: sql`excluded.quantity` },
    });
}

/**
 * Stock promised to accepted orders that the store has not taken yet, in the product's own database,
 * so that it works whatever shop sits behind the store port.
 */
export function createReservationLedger(db: Database) {
  return {
    /**
     * Decides with the stock others have reserved, and reserves what the decision takes, in one
     * transaction that decisions take one at a time: two orders for the last unit are never both
     * accepted. `decide` gets the quantities reserved by other orders per product id.
     */
    async decideAndReserve<T>(
      order: { connectionId: string; orderId: string },
      decide: (reservedByOthers: (productIds: string[]) => Promise<Map<string, number>>) => Promise<{
        result: T;
        reserve: Reservation[];
      }>,
    ): Promise<T> {
      const run = async (q: Database | Transaction) => {
        // The order's own earlier reservation (an earlier attempt) is not counted, then replaced.
        const { result, reserve } = await decide((ids) => reservedByOthers(q, order, ids));
        await replace(q, order.connectionId, order.orderId, reserve);
        return result;
      };
      return oneDecisionAtATime(async () => {
        // PGlite is one session in this one process: the queue above is the lock, and a transaction
        // would block the store's own reads. On PostgreSQL, workers in other processes decide too.
        if (isEmbedded(db)) return run(db);
        return db.transaction(async (tx) => {
          await tx.execute(sql`select pg_advisory_xact_lock(${DECISION_LOCK})`);
          return run(tx);
        });
      });
    },

    /** The merchant accepted by hand: what the order takes is reserved, whatever the stock says. */
    async reserve(connectionId: string, orderId: string, lines: Reservation[]): Promise<void> {
      await replace(db, connectionId, orderId, lines);
    },

    /**
     * The store took the stock: the reservation is done. A CTE, carried by the statement that records
     * the import (db/orders.ts `update`'s `alongside`), so that the release costs no statement of its own.
     */
    releasing(connectionId: string, orderId: string) {
      return db
        .$with('released', {})
        .as(db.delete(stockReservations).where(ownedBy(connectionId, orderId)).getSQL());
    },
  };
}

export type ReservationLedger = ReturnType<typeof createReservationLedger>;
