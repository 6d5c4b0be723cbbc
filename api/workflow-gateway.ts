import {
  ApplicationFailure,
  type Client,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import {
  acceptOrderUpdate,
  acceptReturnUpdate,
  connectionDeletedSignal,
  connectionWorkflowId,
  type OrderState,
  orderShippedSignal,
  orderStateQuery,
  orderWorkflowId,
  pushStockUpdate,
  refuseOrderUpdate,
  refuseReturnUpdate,
  retryOrderUpdate,
  returnWorkflowId,
  type Shipment,
  settingsChangedSignal,
  storeOrderCancelledSignal,
  syncOrdersUpdate,
} from '../workflows/messages';
import { ConnectionIdKey, OrderStatusKey, SpartooOrderIdKey } from '../workflows/search-attributes';

/** The workflow refused a decision (its validator), or has already ended: the API answers 409. */
export class DecisionRefusedError extends Error {
  override name = 'DecisionRefusedError';
}

/** The workflow took the request but the work failed (Spartoo unreachable…): the API answers 502. */
export class RequestFailedError extends Error {
  override name = 'RequestFailedError';
}

/** Failure types a workflow's update handler throws once it accepted the request. */
const WORK_FAILURES = new Set(['PollFailed', 'StockPushFailed']);

async function runUpdate<T>(run: () => Promise<T>, finished: string): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) {
      const cause = err.cause;
      const message = (cause as Error | undefined)?.message ?? err.message;
      if (cause instanceof ApplicationFailure && cause.type && WORK_FAILURES.has(cause.type)) {
        throw new RequestFailedError(message);
      }
      throw new DecisionRefusedError(message);
    }
    if (err instanceof WorkflowNotFoundError || /already completed/i.test((err as Error).message)) {
      throw new DecisionRefusedError(finished);
    }
    throw err;
  }
}

export type OrderDecision = 'accept' | 'refuse' | 'retry';
const DECISION_UPDATES = { accept: acceptOrderUpdate, refuse: refuseOrderUpdate, retry: retryOrderUpdate };

/** The API's only way into Temporal: starts, signals, updates and queries workflows by their ids. */
export function createWorkflowGateway(client: Client, taskQueue: string) {
  return {
    client,

    async health(): Promise<void> {
      await client.workflowService.getSystemInfo({});
    },

    /** Idempotent: a connection's workflow already running is left as it is. */
    async startConnection(connectionId: string, options: { maxCyclesPerRun?: number } = {}): Promise<string> {
      const workflowId = connectionWorkflowId(connectionId);
      await client.workflow.start('connectionWorkflow', {
        workflowId,
        taskQueue,
        args: [{ connectionId, ...options }],
        workflowIdConflictPolicy: 'USE_EXISTING',
        typedSearchAttributes: [{ key: ConnectionIdKey, value: connectionId }],
      });
      return workflowId;
    },

    async settingsChanged(connectionId: string): Promise<void> {
      await ignoreFinished(
        client.workflow.getHandle(connectionWorkflowId(connectionId)).signal(settingsChangedSignal),
      );
    },

    /** Starts an order's workflow once; a second start of the same order is a no-op. */
    async startOrder(connectionId: string, orderId: string): Promise<string> {
      const workflowId = orderWorkflowId(connectionId, orderId);
      await client.workflow.start('orderWorkflow', {
        workflowId,
        taskQueue,
        args: [{ connectionId, orderId }],
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        typedSearchAttributes: [
          { key: ConnectionIdKey, value: connectionId },
          { key: SpartooOrderIdKey, value: orderId },
          { key: OrderStatusKey, value: 'WAITING_ACCEPTANCE' },
        ],
      });
      return workflowId;
    },

    async decideOrder(connectionId: string, orderId: string, decision: OrderDecision): Promise<string> {
      const handle = client.workflow.getHandle(orderWorkflowId(connectionId, orderId));
      return runUpdate(
        () => handle.executeUpdate(DECISION_UPDATES[decision]),
        `Order ${orderId} is finished: nothing to ${decision}`,
      );
    },

    async decideReturn(
      connectionId: string,
      returnId: string,
      decision: 'accept' | 'refuse',
    ): Promise<string> {
      const handle = client.workflow.getHandle(returnWorkflowId(connectionId, returnId));
      const update = decision === 'accept' ? acceptReturnUpdate : refuseReturnUpdate;
      return runUpdate(
        () => handle.executeUpdate(update),
        `Return ${returnId} is finished: nothing to ${decision}`,
      );
    },

    /** "Synchronize Orders": the connection workflow polls now and answers its counts. */
    async syncOrders(connectionId: string) {
      const handle = client.workflow.getHandle(connectionWorkflowId(connectionId));
      return runUpdate(
        () => handle.executeUpdate(syncOrdersUpdate),
        'The connection workflow is not running',
      );
    },

    async pushStock(connectionId: string) {
      const handle = client.workflow.getHandle(connectionWorkflowId(connectionId));
      return runUpdate(() => handle.executeUpdate(pushStockUpdate), 'The connection workflow is not running');
    },

    async orderState(connectionId: string, orderId: string): Promise<OrderState> {
      return client.workflow.getHandle(orderWorkflowId(connectionId, orderId)).query(orderStateQuery);
    },

    async orderShipped(connectionId: string, orderId: string, shipment: Shipment): Promise<void> {
      await client.workflow
        .getHandle(orderWorkflowId(connectionId, orderId))
        .signal(orderShippedSignal, shipment);
    },

    async storeOrderCancelled(connectionId: string, orderId: string): Promise<void> {
      await client.workflow
        .getHandle(orderWorkflowId(connectionId, orderId))
        .signal(storeOrderCancelledSignal);
    },

    async stopConnection(connectionId: string): Promise<void> {
      await ignoreFinished(
        client.workflow.getHandle(connectionWorkflowId(connectionId)).signal(connectionDeletedSignal),
      );
    },
  };
}

/** A workflow that has already ended needs no signal. */
async function ignoreFinished(call: Promise<void>): Promise<void> {
  try {
    await call;
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
}

export type WorkflowGateway = ReturnType<typeof createWorkflowGateway>;
