import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { projectRoot } from '../../runtime/paths';

export const historiesDir = path.join(projectRoot, 'test/histories');

/**
 * With RECORD_HISTORIES=1, saves a workflow's history as a replay fixture (test/histories/<name>.json):
 * the replay test then runs every fixture against the current workflow code.
 */
export async function recordHistory(client: Client, workflowId: string, name: string): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  mkdirSync(historiesDir, { recursive: true });
  writeFileSync(path.join(historiesDir, `${name}.json`), historyToJSON(history));
}
