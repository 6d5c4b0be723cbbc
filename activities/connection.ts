import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { ConnectionRepository } from '../db/connections';
import type { OrderRepository } from '../db/orders';
import type { ReturnRepository } from '../db/returns';
import type { CycleResult } from '../db/schema';
import type { ConnectionSettings } from '../domain/settings';
import { ORDER_STATUS, type SpartooOrder } from '../spartoo/types';
import {
  orderWorkflowId,
  type PollResult,
  returnWorkflowId,
  spartooReturnStatusSeenSignal,
  spartooStatusSeenSignal,
} from '../workflows/messages';
import { ConnectionIdKey, OrderStatusKey, SpartooOrderIdKey } from '../workflows/search-attributes';
import { permanentOrRetry } from './failures';
import { statusFromSpartoo } from './orders';
import { openSpartooSession } from './spartoo-session';

/** Orders purchased this long before the watermark are polled again: late arrivals are not missed. */
export const POLL_OVERLAP_MS = 2 * 60 * 60 * 1000;
/** With no watermark and no "Sync Orders Created From" date, a first poll looks this far back. */
export const FIRST_POLL_LOOKBACK_MS = 30 * 24 * 60 * 60 * 1000;
/** How many order workflows one poll starts or signals at once. */
const SIGNAL_CONCURRENCY = 16;

export interface ConnectionActivityDependencies {
  connections: ConnectionRepository;
  orders: OrderRepository;
  returns: ReturnRepository;
  temporal: { client: Client; taskQueue: string };
  spartooTimeoutMs?: number;
}

export interface PollInput {
  connectionId: string;
  ordersWatermark?: string;
  returnsWatermark?: string;
}

export type PollOutcome = PollResult & { ordersWatermark?: string; returnsWatermark?: string };

async function inBatches<T>(items: readonly T[], size: number, work: (item: T) => Promise<void>) {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(work));
}

const OPEN_ON_SPARTOO = new Set<number>([ORDER_STATUS.WAITING_ACCEPTANCE, ORDER_STATUS.ACCEPTED]);

/** The start of the polling window: never before "Sync Orders Created From", overlapping the last poll. */
export function pollSince(
  now: Date,
  settings: Pick<ConnectionSettings, 'syncOrdersCreatedFrom'>,
  watermark?: string,
) {
  const floor = settings.syncOrdersCreatedFrom
    ? Date.parse(`${settings.syncOrdersCreatedFrom}T00:00:00Z`)
    : undefined;
  const fromWatermark = watermark ? Date.parse(watermark) - POLL_OVERLAP_MS : undefined;
  const start = fromWatermark ?? floor ?? now.getTime() - FIRST_POLL_LOOKBACK_MS;
  return { since: new Date(Math.max(start, floor ?? start)), floor };
}

/** The connection workflow's side effects: polls and cycle results (the stock push is in stock.ts). */
export function createConnectionActivities(deps: ConnectionActivityDependencies) {
  const { connections, orders, returns, temporal } = deps;
  const session = (connectionId: string) =>
    openSpartooSession(connections, connectionId, deps.spartooTimeoutMs);

  /** Starts the order's workflow, or tells the running one what Spartoo says; a finished one is left alone. */
  async function startOrSignalOrder(connectionId: string, orderId: string, spartooStatus: number) {
    try {
      await temporal.client.workflow.signalWithStart('orderWorkflow', {
        workflowId: orderWorkflowId(connectionId, orderId),
        taskQueue: temporal.taskQueue,
        args: [{ connectionId, orderId }],
        signal: spartooStatusSeenSignal,
        signalArgs: [spartooStatus],
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        typedSearchAttributes: [
          { key: ConnectionIdKey, value: connectionId },
          { key: SpartooOrderIdKey, value: orderId },
          { key: OrderStatusKey, value: statusFromSpartoo(spartooStatus) },
        ],
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }

  /** New orders get a workflow; orders whose Spartoo status changed get a signal. Answers how many started. */
  async function followOrders(connectionId: string, seen: SpartooOrder[]): Promise<number> {
    const known = await orders.spartooStatuses(
      connectionId,
      seen.map((o) => o.ordersId),
    );
    let started = 0;
    await inBatches(seen, SIGNAL_CONCURRENCY, async (order) => {
      const before = known.get(order.ordersId);
      if (before === order.ordersStatusId) return;
      // An order already finished when first seen is none of this connection's business.
      if (before === undefined && !OPEN_ON_SPARTOO.has(order.ordersStatusId)) return;
      // The workflow first, the read model after: a poll interrupted in between leaves an order the
      // next poll still sees as new or changed, never one recorded without its workflow.
      await startOrSignalOrder(connectionId, order.ordersId, order.ordersStatusId);
      await orders.saveSpartooOrder(connectionId, order, statusFromSpartoo(order.ordersStatusId));
      await orders.log(connectionId, order.ordersId, {
        direction: 'FROM_SPARTOO',
        action: before === undefined ? 'poll: new order' : `poll: status ${before} → ${order.ordersStatusId}`,
        result: String(order.ordersStatusId),
      });
      if (before === undefined) started++;
    });
    return started;
  }

  async function poll(input: PollInput): Promise<PollOutcome> {
    const { settings, spartoo } = await session(input.connectionId);
    const now = new Date();
    const { since, floor } = pollSince(now, settings, input.ordersWatermark);
    const inWindow = (iso: string) => floor === undefined || Date.parse(iso) >= floor;

    // TODO(unreadable): report exportOrders' `unreadable` orders instead of leaving them aside.
    const found = (await spartoo.exportOrders({ since })).orders.filter((o) => inWindow(o.datePurchased));
    let ordersStarted = await followOrders(input.connectionId, found);

    // Status changes of older open orders fall outside the window: ask for them by status.
    const oldestOpen = await orders.oldestOpenPurchase(input.connectionId);
    if (oldestOpen && oldestOpen < since) {
      for (const status of [ORDER_STATUS.CANCELLED, ORDER_STATUS.ACCEPTED, ORDER_STATUS.SHIPPED]) {
        const changed = (await spartoo.exportOrders({ since: oldestOpen, status })).orders;
        ordersStarted += await followOrders(
          input.connectionId,
          changed.filter((o) => inWindow(o.datePurchased)),
        );
      }
    }

    const newest = found.reduce((max, o) => Math.max(max, Date.parse(o.datePurchased)), 0);
    const ordersWatermark = new Date(
      Math.min(
        now.getTime(),
        Math.max(newest, input.ordersWatermark ? Date.parse(input.ordersWatermark) : since.getTime()),
      ),
    ).toISOString();

    const returnsSince = pollSince(now, settings, input.returnsWatermark).since;
    // TODO(unreadable): report exportReturns' `unreadable` returns instead of leaving them aside.
    const returned = (await spartoo.exportReturns({ since: returnsSince })).returns.filter((r) =>
      inWindow(r.returnDate),
    );
    await inBatches(returned, SIGNAL_CONCURRENCY, async (r) => {
      const change = await returns.saveSpartooReturn(input.connectionId, r);
      if (change === 'same') return;
      try {
        await temporal.client.workflow.signalWithStart('returnWorkflow', {
          workflowId: returnWorkflowId(input.connectionId, r.returnId),
          taskQueue: temporal.taskQueue,
          args: [{ connectionId: input.connectionId, returnId: r.returnId }],
          signal: spartooReturnStatusSeenSignal,
          signalArgs: [r.returnStatus],
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          typedSearchAttributes: [{ key: ConnectionIdKey, value: input.connectionId }],
        });
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
    });
    const newestReturn = returned.reduce((max, r) => Math.max(max, Date.parse(r.returnDate) || 0), 0);
    const returnsWatermark = new Date(
      Math.min(
        now.getTime(),
        Math.max(
          newestReturn,
          input.returnsWatermark ? Date.parse(input.returnsWatermark) : returnsSince.getTime(),
        ),
      ),
    ).toISOString();

    return {
      ordersFound: found.length,
      ordersStarted,
      returnsFound: returned.length,
      ordersWatermark,
      returnsWatermark,
    };
  }

  return {
    /** The settings the workflow runs by, or null once the connection is deleted. */
    async loadConnectionSettings(input: { connectionId: string }): Promise<ConnectionSettings | null> {
      return (await connections.get(input.connectionId))?.settings ?? null;
    },

    async recordCycle(input: {
      connectionId: string;
      kind: 'poll' | 'stock';
      result: CycleResult;
    }): Promise<void> {
      await connections.recordCycle(input.connectionId, input.kind, input.result);
    },

    /** One poll of orders and returns; starts or signals their workflows through the Temporal client. */
    async pollOrders(input: PollInput): Promise<PollOutcome> {
      return permanentOrRetry(() => poll(input));
    },
  };
}
