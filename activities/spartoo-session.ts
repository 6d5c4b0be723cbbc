import { ApplicationFailure } from '@temporalio/common';
import type { ConnectionRepository } from '../db/connections';
import type { ConnectionSettings } from '../domain/settings';
import { createSpartooClient, type SpartooClient } from '../spartoo/client';
import { PERMANENT } from './failures';
import { observedSpartoo } from './observe';

/**
 * A connection's settings and a Spartoo client with its key, read from the database by connection
 * id inside the activity: the key is never a workflow or activity input.
 */
export async function openSpartooSession(
  connections: ConnectionRepository,
  connectionId: string,
  timeoutMs?: number,
): Promise<{ settings: ConnectionSettings; spartoo: SpartooClient }> {
  const found = await connections.getWithApiKey(connectionId);
  if (!found?.apiKey) {
    throw ApplicationFailure.nonRetryable(
      `Connection ${connectionId} no longer exists`,
      PERMANENT.connectionGone,
    );
  }
  const { record, apiKey } = found;
  return {
    settings: record.settings,
    spartoo: observedSpartoo(createSpartooClient({ baseUrl: record.settings.baseUrl, apiKey, timeoutMs })),
  };
}
