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

/** A connection workflow's stock pushes, from its history: when each was scheduled and ended, full or not. */
export async function stockPushesOf(client: Client, workflowId: string) {
  const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const at = (e: (typeof events)[number]) =>
    Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);
  return events
    .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'pushStock')
    .map((scheduled) => {
      const input = scheduled.activityTaskScheduledEventAttributes?.input?.payloads?.[0]?.data;
      const ended = events.find((e) => {
        const closed = e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes;
        return closed && String(closed.scheduledEventId) === String(scheduled.eventId);
      });
      return {
        scheduledAt: at(scheduled),
        endedAt: ended ? at(ended) : undefined,
        full: (JSON.parse(Buffer.from(input ?? []).toString()) as { full: boolean }).full,
      };
    });
}
