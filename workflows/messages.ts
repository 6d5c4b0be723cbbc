import { defineSignal } from '@temporalio/workflow';

/**
 * Signal, update and query definitions shared by the workflows and the API (the only workflow module
 * the API imports). Signals carry facts; updates carry decisions that must answer; queries read.
 */

export const connectionWorkflowId = (connectionId: string) => `spartoo-connection/${connectionId}`;
export const orderWorkflowId = (connectionId: string, orderId: string) =>
  `spartoo-order/${connectionId}/${orderId}`;
export const returnWorkflowId = (connectionId: string, returnId: string) =>
  `spartoo-return/${connectionId}/${returnId}`;

/** The connection was deleted: its workflow ends cleanly. */
export const connectionDeletedSignal = defineSignal('connectionDeleted');
/** Settings were changed: the workflow reloads them now rather than at its next cycle. */
export const settingsChangedSignal = defineSignal('settingsChanged');
