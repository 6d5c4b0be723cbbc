import { ApplicationFailure } from '@temporalio/common';
import { SpartooError } from '../spartoo/errors';
import { ImportRejectedError } from '../store/store';

/** Failure types a workflow reads to park an order rather than retry. */
export const PERMANENT = {
  spartooRejected: 'SpartooRejected',
  importRejected: 'ImportRejected',
  connectionGone: 'ConnectionGone',
} as const;

/**
 * Maps what went wrong to Temporal's retry semantics: a permanent refusal becomes a non-retryable
 * failure the workflow can show; anything else (network, 5xx, non-XML, -429, database) is rethrown
 * for the activity's retry policy.
 */
export function asActivityFailure(err: unknown): unknown {
  if (err instanceof SpartooError && !err.retryable) {
    return ApplicationFailure.nonRetryable(err.message, PERMANENT.spartooRejected, { code: err.code });
  }
  if (err instanceof ImportRejectedError) {
    return ApplicationFailure.nonRetryable(err.message, PERMANENT.importRejected);
  }
  return err;
}

export async function permanentOrRetry<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw asActivityFailure(err);
  }
}
