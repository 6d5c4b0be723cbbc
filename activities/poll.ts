import type { OrderRepository } from '../db/orders';
import type { ReturnRepository } from '../db/returns';
import type { ConnectionSettings } from '../domain/settings';
import { orderStatusFromSpartoo } from '../domain/statuses';
import type { WorkflowGateway } from '../runtime/workflow-gateway';
import type { SpartooClient } from '../spartoo/client';
import { SpartooError, SpartooTransportError, SpartooUnreadableDocumentError } from '../spartoo/errors';
import {
  ORDER_STATUS,
  type SpartooOrder,
  type SpartooReturn,
  type UnreadableDocument,
} from '../spartoo/types';
import { parseSpartooDate } from '../spartoo/values';
import type { PollResult } from '../workflows/messages';

/** Orders purchased this long before the watermark are polled again: late arrivals are not missed. */
export const POLL_OVERLAP_MS = 2 * 60 * 60 * 1000;
/** With no watermark and no "Sync Orders Created From" date, a first poll looks this far back. */
export const FIRST_POLL_LOOKBACK_MS = 30 * 24 * 60 * 60 * 1000;
/**
 * Every poll also asks for the orders waiting for acceptance (11) purchased this far back: an order
 * Spartoo shows hours after its purchase (payment, fraud check) is found whatever the watermark.
 */
export const LATE_ORDER_WINDOW_MS = 14 * 24 * 60 * 60 * 1000;
/**
 * Status changes of open orders are asked for by status over at most this window; open orders older
 * than it are read one by one, a few per poll, so one stuck order never widens every status query.
 */
export const STATUS_WINDOW_MS = 30 * 24 * 60 * 60 * 1000;
/** Spartoo's 45 / 47 are followed for 60 days after shipment: asked for over this purchase window. */
export const AFTER_SHIPMENT_WINDOW_MS = 75 * 24 * 60 * 60 * 1000;
export const OLD_OPEN_ORDERS_PER_POLL = 10;
/** How many unreadable orders and returns a poll names in the connection's last poll. */
const UNREADABLE_SHOWN = 20;
/** How many order workflows one poll starts or signals at once. */
const SIGNAL_CONCURRENCY = 16;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface PollInput {
  connectionId: string;
  ordersWatermark?: string;
  returnsWatermark?: string;
  /** Where the reading of old open orders one by one stopped (an order id). */
  oldOpenCursor?: string;
}

export type PollOutcome = PollResult & {
  ordersWatermark?: string;
  returnsWatermark?: string;
  oldOpenCursor?: string;
  /** Orders and returns Spartoo listed but whose copy could not be read: id (when known) and why. */
  unreadable: { kind: 'order' | 'return'; id?: string; error: string }[];
};

export interface PollDependencies {
  orders: OrderRepository;
  returns: ReturnRepository;
  workflows: WorkflowGateway;
  /**
   * Tells Temporal the poll is alive (the activity's heartbeat), before each Spartoo read and each batch
   * of workflows: a poll whose worker died is retried within the heartbeat timeout, not the poll's
   * whole start-to-close timeout, during which the connection would poll nothing.
   */
  heartbeat?: () => void;
  /** A return seen for the first time (before it is recorded, so a retried poll tells it again, once). */
  returnReceived?: (connectionId: string, r: SpartooReturn) => Promise<void>;
}

const noBeat = () => {};

async function inBatches<T>(
  items: readonly T[],
  size: number,
  work: (item: T) => Promise<void>,
  beat: () => void = noBeat,
) {
  for (let i = 0; i < items.length; i += size) {
    beat();
    await Promise.all(items.slice(i, i + size).map(work));
  }
}

const OPEN_ON_SPARTOO = new Set<number>([ORDER_STATUS.WAITING_ACCEPTANCE, ORDER_STATUS.ACCEPTED]);

/** The start of the polling window: never before "Sync Orders Created From", overlapping the last poll. */
export function pollSince(
  now: Date,
  settings: Pick<ConnectionSettings, 'syncOrdersCreatedFrom'>,
  watermark?: string,
) {
  // The day starts at midnight in Paris, as Spartoo's dates are written.
  const floor = settings.syncOrdersCreatedFrom
    ? parseSpartooDate(`${settings.syncOrdersCreatedFrom} 00:00:00`)?.getTime()
    : undefined;
  const fromWatermark = watermark ? Date.parse(watermark) - POLL_OVERLAP_MS : undefined;
  const start = fromWatermark ?? floor ?? now.getTime() - FIRST_POLL_LOOKBACK_MS;
  return { since: new Date(Math.max(start, floor ?? start)), floor };
}

/**
 * A poll makes several reads; one that fails in transit (network, 5xx, a cut answer) is read again
 * at once, a couple of times, rather than failing the whole poll and starting it over. A -429 is not:
 * the quota is the hour's.
 */
async function read<T>(call: () => Promise<T>, beat: () => void = noBeat, tries = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    beat();
    try {
      return await call();
    } catch (err) {
      if (!(err instanceof SpartooTransportError) || attempt >= tries) throw err;
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }
}

/** One order read by its id: the order, why it is unreadable, or nothing when Spartoo no longer has it. */
async function readOne(
  spartoo: SpartooClient,
  orderId: string,
  beat: () => void,
): Promise<{ order?: SpartooOrder } | UnreadableDocument> {
  try {
    return { order: await read(() => spartoo.getOrder(orderId), beat) };
  } catch (err) {
    if (err instanceof SpartooUnreadableDocumentError) return { id: orderId, error: err.message };
    if (err instanceof SpartooError && err.code === -6) return {};
    throw err;
  }
}

/** The same unreadable order is found by several of a poll's queries: named once. */
function uniqueById(found: UnreadableDocument[]): UnreadableDocument[] {
  const byId = new Map<string, UnreadableDocument>();
  const noId = found.filter((u) => u.id === undefined);
  for (const u of found) if (u.id !== undefined && !byId.has(u.id)) byId.set(u.id, u);
  return [...byId.values(), ...noId];
}

/** The newest of some ISO times and the watermark so far, never in the future; NaN-proof. */
function nextWatermark(now: Date, times: string[], previous: string | undefined, since: Date): string {
  let newest = previous ? Date.parse(previous) : since.getTime();
  if (!Number.isFinite(newest)) newest = since.getTime();
  for (const iso of times) {
    const t = Date.parse(iso);
    if (Number.isFinite(t) && t > newest) newest = t;
  }
  return new Date(Math.min(now.getTime(), newest)).toISOString();
}

/**
 * One poll of a connection's orders and returns: new orders get their workflow, orders and returns
 * whose Spartoo status changed get a signal, each through the workflow gateway *before* the read model
 * records it, so a poll interrupted in between leaves nothing recorded without its workflow. An
 * unreadable order never stops the others: its workflow parks it in FETCH_FAILED, and the poll names it.
 */
export function createPoll(deps: PollDependencies) {
  const { orders, returns, workflows } = deps;
  const beat = deps.heartbeat ?? noBeat;
  /** Workflows started or signalled a batch at a time, the poll heartbeating before each batch. */
  const eachBatch = <T>(items: readonly T[], work: (item: T) => Promise<void>) =>
    inBatches(items, SIGNAL_CONCURRENCY, work, beat);

  /** New orders get a workflow; orders whose Spartoo status changed get a signal. Answers how many started. */
  async function followOrders(connectionId: string, seen: SpartooOrder[]): Promise<number> {
    const known = await orders.spartooStatuses(
      connectionId,
      seen.map((o) => o.ordersId),
    );
    let started = 0;
    await eachBatch(seen, async (order) => {
      const before = known.get(order.ordersId);
      if (before === order.ordersStatusId) return;
      // An order already finished when first seen is none of this connection's business.
      if (before === undefined && !OPEN_ON_SPARTOO.has(order.ordersStatusId)) return;
      await workflows.orderSeen(connectionId, order.ordersId, order.ordersStatusId);
      await orders.saveSpartooOrder(connectionId, order, orderStatusFromSpartoo(order.ordersStatusId), {
        direction: 'FROM_SPARTOO',
        action:
          before === undefined
            ? 'poll: new order'
            : `poll: status ${before ?? '?'} → ${order.ordersStatusId}`,
        result: String(order.ordersStatusId),
      });
      if (before === undefined) started++;
    });
    return started;
  }

  /** An order Spartoo lists but that cannot be read: its workflow parks it in FETCH_FAILED, once. */
  async function followUnreadable(connectionId: string, unreadable: UnreadableDocument[]): Promise<number> {
    const withId = unreadable.filter((u): u is UnreadableDocument & { id: string } => !!u.id);
    const known = await orders.spartooStatuses(
      connectionId,
      withId.map((u) => u.id),
    );
    let started = 0;
    for (const u of withId) {
      if (known.has(u.id)) {
        // Spartoo moved an order whose copy is still unreadable (the customer cancelled it while it was
        // parked in FETCH_FAILED): its status can be read, so the workflow follows it, once.
        const before = known.get(u.id);
        if (
          u.statusId !== undefined &&
          u.statusId !== ORDER_STATUS.WAITING_ACCEPTANCE &&
          u.statusId !== before
        ) {
          await workflows.orderSeen(connectionId, u.id, u.statusId);
          await orders.update(connectionId, u.id, { spartooStatus: u.statusId });
          await orders.log(connectionId, u.id, {
            direction: 'FROM_SPARTOO',
            action: `poll: status ${before ?? '?'} → ${u.statusId}, unreadable`,
            result: String(u.statusId),
          });
        }
        continue;
      }
      if (u.statusId !== undefined && !OPEN_ON_SPARTOO.has(u.statusId)) continue;
      await workflows.orderSeen(connectionId, u.id, u.statusId ?? ORDER_STATUS.WAITING_ACCEPTANCE);
      await orders.saveUnreadableOrder(connectionId, u.id, u.error);
      await orders.log(connectionId, u.id, {
        direction: 'FROM_SPARTOO',
        action: 'poll: new order, unreadable',
        result: 'UNREADABLE',
        detail: u.error,
      });
      started++;
    }
    return started;
  }

  return async function poll(
    input: PollInput,
    settings: ConnectionSettings,
    spartoo: SpartooClient,
    now = new Date(),
  ): Promise<PollOutcome> {
    const { connectionId } = input;
    const { since, floor } = pollSince(now, settings, input.ordersWatermark);
    const notBefore = (t: number) => new Date(Math.max(t, floor ?? t));
    const inWindow = (iso: string) => floor === undefined || Date.parse(iso) >= floor;
    const unreadable: UnreadableDocument[] = [];
    const exportOrders = async (query: { since: Date; status?: number }) => {
      const found = await read(() => spartoo.exportOrders(query), beat);
      // An unreadable order's date may be unknown: it is shown rather than silently left out.
      const bad = found.unreadable.filter((u) => !u.datePurchased || inWindow(u.datePurchased));
      unreadable.push(...bad);
      return {
        readable: found.orders.filter((o) => inWindow(o.datePurchased)),
        unreadable: bad.length,
        started: await followUnreadable(connectionId, bad),
      };
    };
    const follow = async (query: { since: Date; status?: number }) => {
      const { readable, started } = await exportOrders(query);
      return started + (await followOrders(connectionId, readable));
    };

    // The main window's listing is let go once followed (its count and watermark kept): a poll that
    // held it while reading the next listings held two thousand-order answers at once.
    const followMain = async () => {
      const { readable, unreadable: unreadableCount, started } = await exportOrders({ since });
      return {
        found: readable.length + unreadableCount,
        started: started + (await followOrders(connectionId, readable)),
        watermark: nextWatermark(
          now,
          readable.map((o) => o.datePurchased),
          input.ordersWatermark,
          since,
        ),
      };
    };
    const main = await followMain();
    let ordersStarted = main.started;
    // Orders that appear late on Spartoo: those waiting for acceptance over a wide window, every poll.
    ordersStarted += await follow({
      since: notBefore(now.getTime() - LATE_ORDER_WINDOW_MS),
      status: ORDER_STATUS.WAITING_ACCEPTANCE,
    });

    // Status changes of older open orders fall outside the main window: by status over a bounded
    // window, then the oldest open orders one by one, a few per poll.
    const statusFloor = notBefore(now.getTime() - STATUS_WINDOW_MS);
    const oldestOpen = await orders.oldestOpenPurchase(connectionId);
    if (oldestOpen && oldestOpen < since) {
      const from = new Date(Math.max(oldestOpen.getTime(), statusFloor.getTime()));
      for (const status of [ORDER_STATUS.CANCELLED, ORDER_STATUS.ACCEPTED, ORDER_STATUS.SHIPPED]) {
        ordersStarted += await follow({ since: from, status });
      }
    }
    const old = await orders.openPurchasedBefore(
      connectionId,
      statusFloor,
      input.oldOpenCursor,
      OLD_OPEN_ORDERS_PER_POLL,
    );
    for (const orderId of old) {
      const one = await readOne(spartoo, orderId, beat);
      if ('error' in one) unreadable.push(one);
      else if (one.order) await followOrders(connectionId, [one.order]);
    }
    const oldOpenCursor = old.length === OLD_OPEN_ORDERS_PER_POLL ? old.at(-1) : undefined;

    // After shipment: Spartoo's 45 (lost) and 47 (not delivered) of orders shipped in the last 60 days.
    if (await orders.shippedSince(connectionId, new Date(now.getTime() - 60 * DAY_MS))) {
      const from = notBefore(now.getTime() - AFTER_SHIPMENT_WINDOW_MS);
      for (const status of [ORDER_STATUS.PARCEL_LOST, ORDER_STATUS.PARCEL_RETURNED]) {
        ordersStarted += await follow({ since: from, status });
      }
    }

    // Returns: the workflow first (started or signalled), the read model after, as for orders.
    const returnsSince = pollSince(now, settings, input.returnsWatermark).since;
    const exportedReturns = await read(() => spartoo.exportReturns({ since: returnsSince }), beat);
    const returned = exportedReturns.returns.filter((r) => inWindow(r.returnDate));
    const knownReturns = await returns.spartooStatuses(
      connectionId,
      returned.map((r) => r.returnId),
    );
    await eachBatch(returned, async (r) => {
      if (knownReturns.get(r.returnId) === r.returnStatus) return;
      await workflows.returnSeen(connectionId, r.returnId, r.returnStatus);
      if (!knownReturns.has(r.returnId)) await deps.returnReceived?.(connectionId, r);
      await returns.saveSpartooReturn(connectionId, r);
    });
    const returnsWatermark = nextWatermark(
      now,
      returned.map((r) => r.returnDate),
      input.returnsWatermark,
      returnsSince,
    );

    return {
      ordersFound: main.found,
      ordersStarted,
      returnsFound: returned.length,
      ordersWatermark: main.watermark,
      returnsWatermark,
      oldOpenCursor,
      unreadable: [
        ...uniqueById(unreadable).map((u) => ({ kind: 'order' as const, id: u.id, error: u.error })),
        ...exportedReturns.unreadable.map((u) => ({ kind: 'return' as const, id: u.id, error: u.error })),
      ].slice(0, UNREADABLE_SHOWN),
    };
  };
}
