import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { ConnectionRepository } from '../db/connections';
import type { OrderRepository } from '../db/orders';
import type { ReturnRepository } from '../db/returns';
import type { CycleResult } from '../db/schema';
import type { ConnectionProblem } from '../domain/notifications';
import type { ConnectionSettings } from '../domain/settings';
import { createWorkflowGateway } from '../runtime/workflow-gateway';
import { permanentOrRetry } from './failures';
import type { Notifier } from './notifications';
import { countCycle } from './observe';
import { createPoll, type PollInput, type PollOutcome } from './poll';
import { openSpartooSession } from './spartoo-session';

export interface ConnectionActivityDependencies {
  connections: ConnectionRepository;
  orders: OrderRepository;
  returns: ReturnRepository;
  temporal: { client: Client; taskQueue: string };
  spartooTimeoutMs?: number;
  /** Connection health and account problems, `connection.failing` and `return.received`. */
  notifier?: Pick<Notifier, 'cycleRecorded' | 'returnReceived'>;
}

/** The connection workflow's side effects: polls (poll.ts) and cycle results; the stock push is in stock.ts. */
export function createConnectionActivities(deps: ConnectionActivityDependencies) {
  const { connections, orders, returns, temporal } = deps;
  const poll = createPoll({
    orders,
    returns,
    workflows: createWorkflowGateway(temporal.client, temporal.taskQueue),
    // A lost worker's poll is retried within the workflow's heartbeat timeout (workflows/connection.ts).
    heartbeat: () => Context.current().heartbeat(),
    returnReceived: deps.notifier && ((connectionId, r) => deps.notifier!.returnReceived(connectionId, r)),
  });

  return {
    /** The settings the workflow runs by, or null once the connection is deleted. */
    async loadConnectionSettings(input: { connectionId: string }): Promise<ConnectionSettings | null> {
      return (await connections.get(input.connectionId))?.settings ?? null;
    },

    /**
     * Records a cycle's outcome; with its account problem (Spartoo -1, -2, -428, from the failure's
     * details) the connection carries `problem` until a poll succeeds, and answers it: the workflow
     * then polls every max(15 min, poll interval). Histories recorded before answer nothing (no back-off).
     */
    async recordCycle(input: {
      connectionId: string;
      kind: 'poll' | 'stock';
      result: CycleResult;
      problem?: { code: number; message: string };
    }): Promise<{ problem: ConnectionProblem | null }> {
      await connections.recordCycle(input.connectionId, input.kind, input.result);
      countCycle(input.kind, input.result.ok);
      return (await deps.notifier?.cycleRecorded(input)) ?? { problem: null };
    },

    /** One poll of orders and returns; starts or signals their workflows through the workflow gateway. */
    async pollOrders(input: PollInput): Promise<PollOutcome> {
      const { settings, spartoo } = await openSpartooSession(
        connections,
        input.connectionId,
        deps.spartooTimeoutMs,
      );
      return permanentOrRetry(() => poll(input, settings, spartoo));
    },
  };
}
