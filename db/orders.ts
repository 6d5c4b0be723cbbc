import { and, asc, desc, eq, inArray, notInArray, sql, type WithSubquery } from 'drizzle-orm';
import type { AcceptanceDecision } from '../domain/acceptance';
import { eraseSpartooOrder } from '../domain/customer-data';
import { FINISHED_ORDER_STATUSES, type OrderStatus } from '../domain/statuses';
import type { Address } from '../domain/types';
import type { SpartooOrder } from '../spartoo/types';
import type { Database } from './client';
import { orderLog, orders } from './schema';

export type Direction = 'TO_SPARTOO' | 'FROM_SPARTOO' | 'TO_STORE' | 'FROM_STORE';

export interface Shipment {
  carrier: string;
  trackingNumber: string;
  shippingService: string;
  at: string;
}

/** What an order keeps beside its grid columns. */
export interface OrderDetail {
  spartoo?: SpartooOrder;
  decision?: AcceptanceDecision & { decidedBy?: 'RULE' | 'MERCHANT' | 'SPARTOO' };
  /** The shop's id of the imported order (the migration made older ones decimal strings). */
  storeOrderId?: string;
  /** The store the order was imported into. */
  storeId?: string;
  shipments?: Shipment[];
  lastError?: string | null;
  /** When Spartoo's acceptance deadline falls (ISO), as the order workflow holds it; null: none. */
  acceptanceDeadline?: string | null;
  /** The deadline passed while the order waited for a decision (marked by the workflow). */
  deadlinePassed?: boolean;
  /**
   * The shipping address the merchant corrected (PATCH …/shipping-address): imported instead of the one
   * mapped from Spartoo. Customer data, like `spartoo`.
   */
  shippingAddressCorrection?: Address;
  /**
   * Who took the acceptance decision first (`claimDecision`): the rule, which then accepts in the fetch,
   * or the merchant, whose decision then wins over the rule (workflows/order.ts, patch accept-in-fetch).
   */
  decisionClaim?: DecisionClaim;
}

export type DecisionClaim = 'RULE' | 'MERCHANT';

export interface LogEntry {
  direction: Direction;
  action: string;
  result: string;
  detail?: string;
}

type OrderRow = typeof orders.$inferSelect;
export type OrderRecord = Omit<OrderRow, 'detail' | 'status'> & { status: OrderStatus; detail: OrderDetail };

const toRecord = (row: OrderRow) => row as OrderRecord;

/** No one has claimed the order's decision yet, or `by` has. */
const unclaimedOr = (by: DecisionClaim) => sql`coalesce(${orders.detail} ->> 'decisionClaim', ${by}) = ${by}`;

/** What the grid shows of an order: its columns and two fields of its detail (api/routes/orders.ts `summary`). */
export type OrderSummaryRecord = Omit<OrderRecord, 'detail'> & {
  detail: Pick<OrderDetail, 'acceptanceDeadline' | 'deadlinePassed'>;
};

/**
 * The grid's columns: not the order's whole detail (its Spartoo copy, a few kB a row), which a list
 * of hundreds of orders, refreshed by the dashboard and the API's clients, would read, send and parse
 * for two fields.
 */
const summaryColumns = {
  connectionId: orders.connectionId,
  orderId: orders.orderId,
  status: orders.status,
  spartooStatus: orders.spartooStatus,
  purchasedAt: orders.purchasedAt,
  customerName: orders.customerName,
  totalCents: orders.totalCents,
  createdAt: orders.createdAt,
  updatedAt: orders.updatedAt,
  detail: sql<
    OrderSummaryRecord['detail']
  >`jsonb_build_object('acceptanceDeadline', ${orders.detail} -> 'acceptanceDeadline', 'deadlinePassed', ${orders.detail} -> 'deadlinePassed')`,
};

export interface GridCursor {
  purchasedAt: string;
  connectionId: string;
  orderId: string;
}

export const encodeCursor = (c: GridCursor) => Buffer.from(JSON.stringify(c)).toString('base64url');
export function decodeCursor(cursor: string): GridCursor | undefined {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      typeof value?.purchasedAt === 'string' &&
      typeof value.connectionId === 'string' &&
      typeof value.orderId === 'string'
    ) {
      return value;
    }
  } catch {}
  return undefined;
}

/** The grid's time of an order: its purchase, or when it was first seen while unreadable. */
const gridTime = sql`coalesce(${orders.purchasedAt}, ${orders.createdAt})`;

/**
 * A status written by the step's own activity rather than by a bookkeeping local activity after it
 * (workflows/order.ts, patch `status-in-step-activity`): `to` only while the order is still in
 * `from`, the status the workflow held when it ran the step, so a late attempt of a step the workflow
 * has moved past changes nothing. With it goes the last error, as `recordStatus` clears it.
 */
export interface StepStatus {
  from: OrderStatus;
  to: OrderStatus;
}

function stepStatus(step: StepStatus | undefined) {
  if (!step) return { status: {}, detail: sql`'{}'::jsonb` };
  const moves = sql`${orders.status} = ${step.from}`;
  return {
    status: { status: sql`case when ${moves} then ${step.to} else ${orders.status} end` },
    detail: sql`case when ${moves} then '{"lastError":null}'::jsonb else '{}'::jsonb end`,
  };
}

/** Read model of the orders and their communications log, written by the order activities. */
export function createOrderRepository(db: Database) {
  /**
   * The statement a change is written with: with a log entry, one that also inserts it (a
   * data-modifying CTE), one round trip for both (each costs the embedded PGlite about 1.7 ms of the
   * product's main thread, BENCHMARKS.md "Cheaper orders").
   */
  const insertLog = (connectionId: string, orderId: string, entry: LogEntry) =>
    db.insert(orderLog).values({ connectionId, orderId, ...entry });
  const withLog = (
    connectionId: string,
    orderId: string,
    entry: LogEntry | undefined,
    alongside?: WithSubquery,
  ) => {
    const logged = entry && db.$with('logged', {}).as(insertLog(connectionId, orderId, entry).getSQL());
    const ctes = [logged, alongside].filter((cte) => cte !== undefined);
    return ctes.length ? db.with(...ctes) : db;
  };

  // Read by every step of every order: its SQL built once, as Drizzle's building costs about as much
  // as PGlite's running it. Unnamed (''): on PostgreSQL it is sent as every other query is, which a
  // pooler in transaction mode (PgBouncer) takes, where a named statement may not be found.
  const orderById = db
    .select()
    .from(orders)
    .where(
      and(
        eq(orders.connectionId, sql.placeholder('connectionId')),
        eq(orders.orderId, sql.placeholder('orderId')),
      ),
    )
    .prepare('');

  return {
    /**
     * Stores what Spartoo says of an order; the status is the workflow's and is set only when new.
     * `log`: the entry that says where it came from, in the same statement.
     */
    async saveSpartooOrder(
      connectionId: string,
      order: SpartooOrder,
      initialStatus: OrderStatus,
      log?: LogEntry,
    ): Promise<void> {
      const customerName = `${order.customers.firstname} ${order.customers.lastname}`.trim();
      await withLog(connectionId, order.ordersId, log)
        .insert(orders)
        .values({
          connectionId,
          orderId: order.ordersId,
          status: initialStatus,
          spartooStatus: order.ordersStatusId,
          purchasedAt: new Date(order.datePurchased),
          customerName,
          totalCents: order.orderTotalCents,
          detail: { spartoo: order, shipments: [] } satisfies OrderDetail,
        })
        .onConflictDoUpdate({
          target: [orders.connectionId, orders.orderId],
          // An order whose customer data was erased (db/customer-data.ts) is not given it back by a
          // later read of Spartoo's copy (a shipped order is followed for 60 days).
          set: {
            spartooStatus: order.ordersStatusId,
            purchasedAt: new Date(order.datePurchased),
            customerName: sql`case when ${orders.detail} ? 'erasedAt' then '' else ${customerName} end`,
            totalCents: order.orderTotalCents,
            detail: sql`${orders.detail} || jsonb_build_object('spartoo', case when ${orders.detail} ? 'erasedAt' then ${JSON.stringify(eraseSpartooOrder(order))}::jsonb else ${JSON.stringify(order)}::jsonb end)`,
            updatedAt: new Date(),
          },
        });
    },

    /**
     * An order Spartoo lists but whose copy cannot be read (no date, no price…): shown in the grid
     * with no purchase date and no total, the parser's message as its last error, until it is read.
     */
    async saveUnreadableOrder(connectionId: string, orderId: string, error: string): Promise<void> {
      await db
        .insert(orders)
        .values({
          connectionId,
          orderId,
          status: 'FETCH_FAILED',
          detail: { lastError: error, shipments: [] } satisfies OrderDetail,
        })
        .onConflictDoNothing();
    },

    /**
     * The workflow's status, copied to the read model; a row is created when the workflow is the
     * first to write (an order whose copy could not be read yet).
     */
    async recordStatus(
      connectionId: string,
      orderId: string,
      status: OrderStatus,
      lastError: string | null | undefined,
    ): Promise<void> {
      const detail = lastError !== undefined ? { lastError } : {};
      await db
        .insert(orders)
        .values({ connectionId, orderId, status, detail: { shipments: [], ...detail } })
        .onConflictDoUpdate({
          target: [orders.connectionId, orders.orderId],
          set: {
            status,
            detail: sql`${orders.detail} || ${JSON.stringify(detail)}::jsonb`,
            updatedAt: new Date(),
          },
        });
    },

    async get(connectionId: string, orderId: string): Promise<OrderRecord | undefined> {
      const [row] = await orderById.execute({ connectionId, orderId });
      return row && toRecord(row);
    },

    /**
     * Sets the status and merges detail fields (a field set to null is cleared). `step`: the status a
     * step's own activity records (see `StepStatus`); `log`: an entry written in the same statement.
     * Answers the order's status after the write.
     */
    async update(
      connectionId: string,
      orderId: string,
      change: {
        status?: OrderStatus;
        spartooStatus?: number;
        detail?: Partial<OrderDetail>;
        step?: StepStatus;
        log?: LogEntry;
        /** The decision taken for the rule too, unless the merchant took it first: then nothing is written. */
        claim?: 'RULE';
        /**
         * Another table's change carried by this statement, built by that table's owner (the import's
         * reservation release: db/reservations.ts `releasing`).
         */
        alongside?: WithSubquery;
      },
    ): Promise<OrderStatus | undefined> {
      const step = stepStatus(change.step);
      const written = change.claim ? { ...change.detail, decisionClaim: change.claim } : change.detail;
      const detail = written ? sql`${orders.detail} || ${JSON.stringify(written)}::jsonb` : orders.detail;
      const [row] = await withLog(connectionId, orderId, change.log, change.alongside)
        .update(orders)
        .set({
          ...(change.status ? { status: change.status } : {}),
          ...step.status,
          ...(change.spartooStatus !== undefined ? { spartooStatus: change.spartooStatus } : {}),
          ...(written || change.step ? { detail: sql`${detail} || ${step.detail}` } : {}),
          updatedAt: new Date(),
        })
        .where(
          and(
            eq(orders.connectionId, connectionId),
            eq(orders.orderId, orderId),
            change.claim ? unclaimedOr(change.claim) : undefined,
          ),
        )
        .returning({ status: orders.status });
      return row?.status as OrderStatus | undefined;
    },

    /**
     * Takes the order's acceptance decision for `by` unless the other side took it first, in one
     * statement: whether `by` holds it. An order not yet saved is created waiting, holding the claim.
     */
    async claimDecision(connectionId: string, orderId: string, by: DecisionClaim): Promise<boolean> {
      const claim = { decisionClaim: by };
      const [row] = await db
        .insert(orders)
        .values({ connectionId, orderId, status: 'WAITING_ACCEPTANCE', detail: { shipments: [], ...claim } })
        .onConflictDoUpdate({
          target: [orders.connectionId, orders.orderId],
          set: { detail: sql`${orders.detail} || ${JSON.stringify(claim)}::jsonb`, updatedAt: new Date() },
          setWhere: unclaimedOr(by),
        })
        .returning({ orderId: orders.orderId });
      return row !== undefined;
    },

    /**
     * Keeps the merchant's shipping address for the import, only while the order is in one of
     * `statuses` (checked in the same statement): false when the order is (no longer) in those statuses.
     */
    async correctShippingAddress(
      connectionId: string,
      orderId: string,
      address: Address,
      statuses: readonly OrderStatus[],
    ): Promise<boolean> {
      const rows = await db
        .update(orders)
        .set({
          detail: sql`${orders.detail} || ${JSON.stringify({ shippingAddressCorrection: address })}::jsonb`,
          updatedAt: new Date(),
        })
        .where(
          and(
            eq(orders.connectionId, connectionId),
            eq(orders.orderId, orderId),
            inArray(orders.status, [...statuses]),
          ),
        )
        .returning({ orderId: orders.orderId });
      return rows.length > 0;
    },

    /**
     * Adds a shipment once (a retried confirmation with the same tracking number adds nothing) and,
     * in the same statement, Spartoo's status, the step's and a log entry (`change`). Answers the
     * status after.
     */
    async appendShipment(
      connectionId: string,
      orderId: string,
      shipment: Shipment,
      change: { spartooStatus?: number; step?: StepStatus; log?: LogEntry } = {},
    ): Promise<OrderStatus | undefined> {
      const sameParcel = JSON.stringify([{ trackingNumber: shipment.trackingNumber }]);
      const shipments = sql`coalesce(${orders.detail} -> 'shipments', '[]'::jsonb)`;
      const step = stepStatus(change.step);
      const [row] = await withLog(connectionId, orderId, change.log)
        .update(orders)
        .set({
          ...step.status,
          ...(change.spartooStatus !== undefined ? { spartooStatus: change.spartooStatus } : {}),
          detail: sql`(case when ${shipments} @> ${sameParcel}::jsonb then ${orders.detail}
            else jsonb_set(${orders.detail}, '{shipments}', ${shipments} || ${JSON.stringify([shipment])}::jsonb) end)
            || ${step.detail}`,
          updatedAt: new Date(),
        })
        .where(and(eq(orders.connectionId, connectionId), eq(orders.orderId, orderId)))
        .returning({ status: orders.status });
      return row?.status as OrderStatus | undefined;
    },

    async log(connectionId: string, orderId: string, entry: LogEntry): Promise<void> {
      await insertLog(connectionId, orderId, entry);
    },

    async readLog(connectionId: string, orderId: string) {
      return db
        .select()
        .from(orderLog)
        .where(and(eq(orderLog.connectionId, connectionId), eq(orderLog.orderId, orderId)))
        .orderBy(asc(orderLog.id));
    },

    /** The grid, newest purchase first (an unreadable order by when it was first seen), keyset paging. */
    async list(filter: { connectionId?: string; status?: OrderStatus; limit: number; cursor?: GridCursor }) {
      const conditions = [];
      if (filter.connectionId) conditions.push(eq(orders.connectionId, filter.connectionId));
      if (filter.status) conditions.push(eq(orders.status, filter.status));
      if (filter.cursor) {
        const c = filter.cursor;
        conditions.push(
          sql`(${gridTime}, ${orders.connectionId}, ${orders.orderId}) < (${new Date(c.purchasedAt).toISOString()}::timestamptz, ${c.connectionId}, ${c.orderId})`,
        );
      }
      const rows = await db
        .select(summaryColumns)
        .from(orders)
        .where(conditions.length ? and(...conditions) : undefined)
        .orderBy(desc(gridTime), desc(orders.connectionId), desc(orders.orderId))
        .limit(filter.limit + 1);
      const items = rows.slice(0, filter.limit) as OrderSummaryRecord[];
      const last = items.at(-1);
      const nextCursor =
        rows.length > filter.limit && last
          ? encodeCursor({
              purchasedAt: (last.purchasedAt ?? last.createdAt).toISOString(),
              connectionId: last.connectionId,
              orderId: last.orderId,
            })
          : null;
      return { items, nextCursor };
    },

    /** Spartoo status of the given orders as last recorded, to tell new and changed orders from the rest. */
    async spartooStatuses(connectionId: string, orderIds: string[]): Promise<Map<string, number | null>> {
      if (orderIds.length === 0) return new Map();
      const rows = await db
        .select({ orderId: orders.orderId, spartooStatus: orders.spartooStatus })
        .from(orders)
        .where(and(eq(orders.connectionId, connectionId), inArray(orders.orderId, orderIds)));
      return new Map(rows.map((r) => [r.orderId, r.spartooStatus]));
    },

    /** The oldest purchase among orders still in progress (not shipped, refused or cancelled). */
    async oldestOpenPurchase(connectionId: string): Promise<Date | undefined> {
      const [row] = await db
        .select({ oldest: sql<Date | string | null>`min(${orders.purchasedAt})` })
        .from(orders)
        .where(
          and(eq(orders.connectionId, connectionId), notInArray(orders.status, [...FINISHED_ORDER_STATUSES])),
        );
      return row?.oldest ? new Date(row.oldest) : undefined;
    },

    /** Open orders purchased before a date, by order id after `after`: read one by one by the polls. */
    async openPurchasedBefore(
      connectionId: string,
      before: Date,
      after: string | undefined,
      limit: number,
    ): Promise<string[]> {
      const rows = await db
        .select({ orderId: orders.orderId })
        .from(orders)
        .where(
          and(
            eq(orders.connectionId, connectionId),
            notInArray(orders.status, [...FINISHED_ORDER_STATUSES]),
            sql`${orders.purchasedAt} < ${before.toISOString()}::timestamptz`,
            after === undefined ? undefined : sql`${orders.orderId} > ${after}`,
          ),
        )
        .orderBy(asc(orders.orderId))
        .limit(limit);
      return rows.map((r) => r.orderId);
    },

    /** Whether an order of the connection was shipped (so is followed for 45 / 47) since a date. */
    async shippedSince(connectionId: string, since: Date): Promise<boolean> {
      const [row] = await db
        .select({ orderId: orders.orderId })
        .from(orders)
        .where(
          and(
            eq(orders.connectionId, connectionId),
            eq(orders.status, 'SHIPPED'),
            sql`${orders.updatedAt} >= ${since.toISOString()}::timestamptz`,
          ),
        )
        .limit(1);
      return row !== undefined;
    },

    /** When the oldest order still waiting for a manual decision was purchased. */
    async oldestWaitingDecision(): Promise<Date | undefined> {
      const [row] = await db
        .select({ oldest: sql<Date | string | null>`min(${orders.purchasedAt})` })
        .from(orders)
        .where(eq(orders.status, 'WAITING_ACCEPTANCE'));
      return row?.oldest ? new Date(row.oldest) : undefined;
    },

    async countByStatus(connectionId?: string): Promise<Record<string, number>> {
      const rows = await db
        .select({ status: orders.status, count: sql<number>`count(*)::int` })
        .from(orders)
        .where(connectionId ? eq(orders.connectionId, connectionId) : undefined)
        .groupBy(orders.status);
      return Object.fromEntries(rows.map((r) => [r.status, r.count]));
    },
  };
}

export type OrderRepository = ReturnType<typeof createOrderRepository>;
