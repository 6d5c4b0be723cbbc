import { ActivityFailure, continueAsNew, proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { RetentionWorkflowInput } from './retention-messages';

/** One batch of erasures: retried a little; the next round tries again. */
const retention = proxyActivities<Activities>({
  startToCloseTimeout: '5m',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 5 },
});

/**
 * Customer data has a lifetime (issue 13, item 12): one workflow for the whole product
 * (`spartoo-retention/<taskQueue>`, started by every worker's start-up ensure), which once a day erases the
 * customer of every finished order older than CUSTOMER_DATA_RETENTION_DAYS, in batches (the activity
 * reads the setting), and continues as new every 30 days. The order, connection and store workflows are
 * untouched: their recorded command sequences stay as they were.
 */
export async function retentionWorkflow(input: RetentionWorkflowInput = {}): Promise<void> {
  const interval = (input.intervalSeconds ?? 86_400) * 1000;
  const maxRounds = input.maxRoundsPerRun ?? 30;
  for (let round = 0; round < maxRounds; round++) {
    try {
      // Batches until none is left, then wait for the next round.
      for (let batch = 0; batch < 1000; batch++) {
        const { more } = await retention.eraseExpiredCustomerData();
        if (!more) break;
      }
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
    }
    await sleep(interval);
    if (workflowInfo().continueAsNewSuggested) break;
  }
  await continueAsNew<typeof retentionWorkflow>(input);
}
