import { condition, setHandler } from '@temporalio/workflow';
import { connectionDeletedSignal, settingsChangedSignal } from './messages';

export interface ConnectionWorkflowInput {
  connectionId: string;
}

/**
 * One per connection (`spartoo-connection/<id>`). Until polling and stock sync land it only lives
 * as long as its connection, so that create and delete start and stop it.
 */
export async function connectionWorkflow(_input: ConnectionWorkflowInput): Promise<void> {
  let deleted = false;
  setHandler(connectionDeletedSignal, () => {
    deleted = true;
  });
  setHandler(settingsChangedSignal, () => {});
  await condition(() => deleted);
}
