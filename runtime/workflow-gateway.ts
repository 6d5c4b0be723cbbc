import {
  ApplicationFailure,
  type Client,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import { type OrderStatus, orderStatusFromSpartoo } from '../domain/statuses';
import {
  acceptOrderUpdate,
  acceptReturnUpdate,
  cancelOrderUpdate,
  connectionDeletedSignal,
  connectionWorkflowId,
  FAILURE,
  ORDER_PATCHES,
  type OrderState,
  type OrderWorkflowInput,
  orderShippedSignal,
  orderStateQuery,
  orderWorkflowId,
  pushStockUpdate,
  RETURN_LABEL_REJECTED,
  type ReturnLabelRef,
  refuseOrderUpdate,
  refuseReturnUpdate,
  retryOrderUpdate,
  returnWorkflowId,
  type Shipment,
  settingsChangedSignal,
  spartooReturnStatusSeenSignal,
  spartooStatusSeenSignal,
  storeOrderCancelledSignal,
  syncOrdersUpdate,
} from '../workflows/messages';
import { type NotificationWorkflowInput, notificationWorkflowId } from '../workflows/notification-messages';
import { type RetentionWorkflowInput, retentionWorkflowId } from '../workflows/retention-messages';
import { ConnectionIdKey, OrderStatusKey, SpartooOrderIdKey } from '../workflows/search-attributes';
import { type StoreWorkflowInput, storeDeletedSignal, storeWorkflowId } from '../workflows/store-messages';

/** The workflow refused a decision (its validator), or has already ended: the API answers 409. */
export class DecisionRefusedError extends Error {
  override name = 'DecisionRefusedError';
}

/** The workflow took the request but the work failed (Spartoo unreachable…): the API answers 502. */
export class RequestFailedError extends Error {
  override name = 'RequestFailedError';
}

/** Spartoo refused the label sent with a return's accept (-22…-25): the API answers 422. */
export class ReturnLabelRejectedError extends Error {
  override name = 'ReturnLabelRejectedError';
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

/** Failure types a workflow's update handler throws once it accepted the request. */
const WORK_FAILURES = new Set<string>([FAILURE.pollFailed, FAILURE.stockPushFailed]);

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
      if (cause instanceof ApplicationFailure && cause.type === RETURN_LABEL_REJECTED) {
        const code = (cause.details?.[0] as { code?: number } | undefined)?.code ?? 0;
        throw new ReturnLabelRejectedError(message, code);
      }
      throw new DecisionRefusedError(message);
    }
    if (isFinished(err)) throw new DecisionRefusedError(finished);
    throw err;
  }
}

const isFinished = (err: unknown) =>
  err instanceof WorkflowNotFoundError || /already completed/i.test((err as Error).message);

/** A workflow that has already ended needs no signal. */
/** Whether the workflow's latest run is running (none at all: not). */
async function isRunning(handle: { describe(): Promise<{ status: { name: string } }> }): Promise<boolean> {
  return handle
    .describe()
    .then((d) => d.status.name === 'RUNNING')
    .catch((err) => {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    });
}

async function ignoreFinished(call: Promise<void>): Promise<void> {
  try {
    await call;
  } catch (err) {
    if (!isFinished(err)) throw err;
  }
}

/** Signal-with-start refused because the workflow ran and ended: the order or return is done. */
async function ignoreEnded(call: Promise<unknown>): Promise<void> {
  try {
    await call;
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

export type OrderDecision = 'accept' | 'refuse' | 'retry' | 'cancel';
const DECISION_UPDATES = {
  accept: acceptOrderUpdate,
  refuse: refuseOrderUpdate,
  retry: retryOrderUpdate,
  cancel: cancelOrderUpdate,
};

/**
 * The one way into Temporal, for the API and the activities alike: how each workflow is started
 * (ids, options, search attributes), signalled, updated and queried.
 */
export function createWorkflowGateway(client: Client, taskQueue: string) {
  const orderHandle = (connectionId: string, orderId: string) =>
    client.workflow.getHandle(orderWorkflowId(connectionId, orderId));
  const connectionHandle = (connectionId: string) =>
    client.workflow.getHandle(connectionWorkflowId(connectionId));

  const orderStartOptions = (connectionId: string, orderId: string, status: OrderStatus) => ({
    workflowId: orderWorkflowId(connectionId, orderId),
    taskQueue,
    // Every patch the order workflow has is taken from the start, without its marker (ORDER_PATCHES).
    args: [{ connectionId, orderId, patchesAtStart: ORDER_PATCHES.length }] as [OrderWorkflowInput],
    // An order is followed once: a finished workflow is never started again for the same order.
    workflowIdReusePolicy: 'REJECT_DUPLICATE' as const,
    typedSearchAttributes: [
      { key: ConnectionIdKey, value: connectionId },
      { key: SpartooOrderIdKey, value: orderId },
      { key: OrderStatusKey, value: status },
    ],
  });

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

    /**
     * Every connection still in the database has its running workflow: one terminated from the
     * Temporal UI, or lost with its namespace, starts again (it reloads its settings; its first
     * poll looks back as a new connection's does). Answers how many were not running.
     */
    async ensureConnections(connectionIds: readonly string[]): Promise<number> {
      let restarted = 0;
      for (const connectionId of connectionIds) {
        if (await isRunning(connectionHandle(connectionId))) continue;
        await this.startConnection(connectionId);
        restarted++;
      }
      return restarted;
    },

    /**
     * A shop store's reconciliation (`spartoo-store/<storeId>`, workflows/store.ts). Idempotent: one
     * already running is left as it is.
     */
    async startStore(storeId: string, options: { maxCyclesPerRun?: number } = {}): Promise<string> {
      const workflowId = storeWorkflowId(storeId);
      await client.workflow.start('storeWorkflow', {
        workflowId,
        taskQueue,
        args: [{ storeId, ...options }] as [StoreWorkflowInput],
        workflowIdConflictPolicy: 'USE_EXISTING',
      });
      return workflowId;
    },

    /** The store was deleted: its reconciliation ends. */
    async stopStore(storeId: string): Promise<void> {
      await ignoreFinished(client.workflow.getHandle(storeWorkflowId(storeId)).signal(storeDeletedSignal));
    },

    /** Every shop store has its running reconciliation, as `ensureConnections` does; answers how many were not. */
    async ensureStores(storeIds: readonly string[]): Promise<number> {
      let restarted = 0;
      for (const storeId of storeIds) {
        if (await isRunning(client.workflow.getHandle(storeWorkflowId(storeId)))) continue;
        await this.startStore(storeId);
        restarted++;
      }
      return restarted;
    },

    /**
     * The periodic erasure of customer data past CUSTOMER_DATA_RETENTION_DAYS (workflows/retention.ts),
     * one for the whole product; idempotent: one already running is left as it is.
     */
    async ensureRetention(input: RetentionWorkflowInput = {}): Promise<string> {
      const workflowId = retentionWorkflowId(taskQueue);
      await client.workflow.start('retentionWorkflow', {
        workflowId,
        taskQueue,
        args: [input] as [RetentionWorkflowInput],
        workflowIdConflictPolicy: 'USE_EXISTING',
      });
      return workflowId;
    },

    async settingsChanged(connectionId: string): Promise<void> {
      await ignoreFinished(connectionHandle(connectionId).signal(settingsChangedSignal));
    },

    async stopConnection(connectionId: string): Promise<void> {
      await ignoreFinished(connectionHandle(connectionId).signal(connectionDeletedSignal));
    },

    /** Starts an order's workflow once; a second start of the same order is a no-op. */
    async startOrder(connectionId: string, orderId: string): Promise<string> {
      const options = orderStartOptions(connectionId, orderId, 'WAITING_ACCEPTANCE');
      await client.workflow.start('orderWorkflow', { ...options, workflowIdConflictPolicy: 'USE_EXISTING' });
      return options.workflowId;
    },

    /**
     * What a poll saw of an order: starts its workflow, or tells the running one Spartoo's status;
     * an order whose workflow has ended is left alone.
     */
    async orderSeen(connectionId: string, orderId: string, spartooStatus: number): Promise<void> {
      await ignoreEnded(
        client.workflow.signalWithStart('orderWorkflow', {
          ...orderStartOptions(connectionId, orderId, orderStatusFromSpartoo(spartooStatus)),
          signal: spartooStatusSeenSignal,
          signalArgs: [spartooStatus],
        }),
      );
    },

    /** What a poll saw of a return: starts its workflow, or tells the running one Spartoo's status. */
    async returnSeen(connectionId: string, returnId: string, spartooStatus: number): Promise<void> {
      await ignoreEnded(
        client.workflow.signalWithStart('returnWorkflow', {
          workflowId: returnWorkflowId(connectionId, returnId),
          taskQueue,
          args: [{ connectionId, returnId }],
          signal: spartooReturnStatusSeenSignal,
          signalArgs: [spartooStatus],
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          typedSearchAttributes: [{ key: ConnectionIdKey, value: connectionId }],
        }),
      );
    },

    async decideOrder(connectionId: string, orderId: string, decision: OrderDecision): Promise<string> {
      return runUpdate(
        () => orderHandle(connectionId, orderId).executeUpdate(DECISION_UPDATES[decision]),
        `Order ${orderId} is finished: nothing to ${decision}`,
      );
    },

    /** Accept (with a return label: a link, or a stored file's id) or refuse a return. */
    async decideReturn(
      connectionId: string,
      returnId: string,
      decision: 'accept' | 'refuse',
      label?: ReturnLabelRef,
    ): Promise<string> {
      const handle = client.workflow.getHandle(returnWorkflowId(connectionId, returnId));
      return runUpdate(
        () =>
          decision === 'refuse'
            ? handle.executeUpdate(refuseReturnUpdate)
            : handle.executeUpdate(acceptReturnUpdate, { args: [label ?? {}] }),
        `Return ${returnId} is finished: nothing to ${decision}`,
      );
    },

    /** "Synchronize Orders": the connection workflow polls now and answers its counts. */
    async syncOrders(connectionId: string) {
      return runUpdate(
        () => connectionHandle(connectionId).executeUpdate(syncOrdersUpdate),
        'The connection workflow is not running',
      );
    },

    async pushStock(connectionId: string) {
      return runUpdate(
        () => connectionHandle(connectionId).executeUpdate(pushStockUpdate),
        'The connection workflow is not running',
      );
    },

    async orderState(connectionId: string, orderId: string): Promise<OrderState> {
      return orderHandle(connectionId, orderId).query(orderStateQuery);
    },

    /** The merchant shipped: a repeated call (a retry after a lost answer) changes nothing more. */
    async orderShipped(connectionId: string, orderId: string, shipment: Shipment): Promise<void> {
      await ignoreFinished(orderHandle(connectionId, orderId).signal(orderShippedSignal, shipment));
    },

    /**
     * Starts a notification's delivery once (its outbox row written first): a delivery under way is left
     * as it is, one that has ended is never started again.
     */
    async startNotification(deliveryId: string): Promise<void> {
      await ignoreEnded(
        client.workflow.start('notificationWorkflow', {
          workflowId: notificationWorkflowId(deliveryId),
          taskQueue,
          args: [{ deliveryId }] as [NotificationWorkflowInput],
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          workflowIdConflictPolicy: 'USE_EXISTING',
        }),
      );
    },

    /** The shop cancelled the order on its own (it is cancelled and restocked there). */
    async storeOrderCancelled(connectionId: string, orderId: string): Promise<void> {
      await ignoreFinished(orderHandle(connectionId, orderId).signal(storeOrderCancelledSignal));
    },
  };
}

export type WorkflowGateway = ReturnType<typeof createWorkflowGateway>;
