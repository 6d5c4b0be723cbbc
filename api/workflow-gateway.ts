import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { connectionDeletedSignal, connectionWorkflowId, settingsChangedSignal } from '../workflows/messages';
import { ConnectionIdKey } from '../workflows/search-attributes';

/** The API's only way into Temporal: starts, signals, updates and queries workflows by their ids. */
export function createWorkflowGateway(client: Client, taskQueue: string) {
  return {
    client,

    async health(): Promise<void> {
      await client.workflowService.getSystemInfo({});
    },

    /** Idempotent: a connection's workflow already running is left as it is. */
    async startConnection(connectionId: string): Promise<string> {
      const workflowId = connectionWorkflowId(connectionId);
      await client.workflow.start('connectionWorkflow', {
        workflowId,
        taskQueue,
        args: [{ connectionId }],
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
