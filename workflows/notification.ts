import { ActivityFailure, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { NotificationOutcome, NotificationWorkflowInput } from './notification-messages';

const local = proxyLocalActivities<Activities>({
  startToCloseTimeout: '15s',
  retry: { initialInterval: '500ms', maximumInterval: '10s' },
});

/**
 * One delivery of a notification (`spartoo-notification/<deliveryId>`), written to the outbox before
 * it was started: one activity POSTs it (or e-mails it) and Temporal retries it with back-off, a
 * bounded number of times (the worker's policy, read first); each attempt is recorded. The webhook's
 * secret never passes through here: the activity reads it by the delivery's webhook id.
 */
export async function notificationWorkflow(input: NotificationWorkflowInput): Promise<NotificationOutcome> {
  const plan = await local.planNotification(input);
  if (!plan) return 'skipped';
  const { retry } = plan;
  const deliver = proxyActivities<Activities>({
    startToCloseTimeout: retry.attemptTimeoutMs,
    retry: {
      initialInterval: retry.initialIntervalMs,
      backoffCoefficient: retry.backoffCoefficient,
      maximumInterval: retry.maximumIntervalMs,
      maximumAttempts: retry.maximumAttempts,
    },
  });
  try {
    return await deliver.deliverNotification(input);
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    await local.notificationGaveUp(input);
    return 'failed';
  }
}
