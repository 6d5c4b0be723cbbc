import {
  ActivityFailure,
  ApplicationFailure,
  proxyActivities,
  proxyLocalActivities,
} from '@temporalio/workflow';
import type { Activities } from '../activities';

/**
 * The activities of the order and return workflows. Transient failures (network, 5xx, non-XML, -429)
 * retry for as long as it takes, backing off to a minute; permanent ones are non-retryable failures
 * the workflows turn into a *_FAILED status. 20 s: above the Spartoo client's 15 s timeout, short
 * enough that the task of a crashed worker is retried soon.
 */
export const act = proxyActivities<Activities>({
  startToCloseTimeout: '20s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '60s' },
});

/** Read-model bookkeeping: local activities, cheap, once per status change. */
export const bookkeeping = proxyLocalActivities<Activities>({
  startToCloseTimeout: '15s',
  retry: { initialInterval: '500ms', maximumInterval: '10s' },
});

/** A refusal that retrying the same step cannot fix: its message for the merchant, else undefined. */
export function permanentFailure(err: unknown): string | undefined {
  if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.nonRetryable) {
    return err.cause.message;
  }
  return undefined;
}
