import {
  ActivityFailure,
  ApplicationFailure,
  proxyActivities,
  proxyLocalActivities,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { ORDER_STEP_TIMEOUT_MS } from './messages';

/**
 * The activities of the order and return workflows. Transient failures (network, 5xx, non-XML, -429)
 * retry for as long as it takes, backing off to a minute; permanent ones are non-retryable failures
 * the workflows turn into a *_FAILED status. ORDER_STEP_TIMEOUT_MS (35 s): a status change that Spartoo
 * refuses with -7 makes a second call to read the status it holds, two calls of at most 15 s each (the
 * Spartoo client's timeout); short enough that the task of a crashed worker is retried soon.
 */
export const act = proxyActivities<Activities>({
  startToCloseTimeout: ORDER_STEP_TIMEOUT_MS,
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '60s' },
});

/** Read-model bookkeeping: local activities, cheap, once per status change. */
export const bookkeeping = proxyLocalActivities<Activities>({
  startToCloseTimeout: '15s',
  retry: { initialInterval: '500ms', maximumInterval: '10s' },
});

/** A refusal that retrying the same step cannot fix: its message for the merchant, else undefined. */
export function permanentFailure(err: unknown): string | undefined {
  return parkableFailure(err)?.message;
}

/**
 * An activity that failed for good (a non-retryable refusal; retries are unlimited, so nothing else
 * reaches the workflow): the reason for the merchant, and whether it is the account's rather than
 * the order's (Spartoo -1, -2, -428), which is worth retrying on its own later.
 */
export function parkableFailure(err: unknown): { message: string; account: boolean } | undefined {
  if (!(err instanceof ActivityFailure)) return undefined;
  const cause = err.cause;
  if (!(cause instanceof ApplicationFailure))
    return { message: cause?.message ?? err.message, account: false };
  const details = cause.details?.[0] as { account?: boolean } | undefined;
  return { message: cause.message, account: details?.account === true };
}
