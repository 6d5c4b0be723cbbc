import { ApplicationFailure } from '@temporalio/common';
import { DrizzleQueryError } from 'drizzle-orm/errors';
import { SpartooError, SpartooUnreadableDocumentError } from '../spartoo/errors';
import { ImportRejectedError, StoreAccessError } from '../store/store';
import { ACCOUNT_ERROR_CODES, FAILURE } from '../workflows/messages';

/** Failure types a workflow reads to park an order rather than retry. */
export const PERMANENT = {
  spartooRejected: FAILURE.spartooRejected,
  spartooUnreadable: FAILURE.spartooUnreadable,
  importRejected: FAILURE.importRejected,
  storeAccess: FAILURE.storeAccess,
  connectionGone: FAILURE.connectionGone,
} as const;

/**
 * A database error as a message with no query parameters: Drizzle writes them into its messages,
 * and an order's parameters are the customer's name, address, e-mail and phone, which must not
 * reach an activity failure (history, Temporal UI) or a connection's last poll (API).
 */
export function withoutQueryParameters(err: unknown): unknown {
  if (!(err instanceof DrizzleQueryError)) return err;
  const cause = err.cause as { code?: string; table?: string; constraint?: string } | undefined;
  const statement = err.query.split(/\s+/).slice(0, 3).join(' ');
  const where = [cause?.table, cause?.constraint].filter(Boolean).join(', ');
  const clean = new Error(
    `Database error${cause?.code ? ` ${cause.code}` : ''} in ${statement}${where ? ` (${where})` : ''}`,
  );
  clean.name = 'DatabaseError';
  return clean;
}

/**
 * Maps what went wrong to Temporal's retry semantics: a permanent refusal becomes a non-retryable
 * failure the workflow can show; anything else (network, 5xx, non-XML, -429, database) is rethrown
 * for the activity's retry policy.
 */
export function asActivityFailure(err: unknown): unknown {
  if (err instanceof SpartooError && !err.retryable) {
    return ApplicationFailure.create({
      message: err.message,
      type: PERMANENT.spartooRejected,
      nonRetryable: true,
      details: [{ code: err.code, account: ACCOUNT_ERROR_CODES.includes(err.code) }],
    });
  }
  if (err instanceof SpartooUnreadableDocumentError) {
    return ApplicationFailure.nonRetryable(err.message, PERMANENT.spartooUnreadable);
  }
  if (err instanceof ImportRejectedError) {
    return ApplicationFailure.nonRetryable(err.message, PERMANENT.importRejected);
  }
  // The shop refuses the product's access (token revoked, app uninstalled): the order parks with the
  // reason, and like a Spartoo account problem the workflow tries again on its own, backing off to 6 h,
  // so orders flow again once the merchant has fixed the store.
  if (err instanceof StoreAccessError) {
    return ApplicationFailure.create({
      message: err.message,
      type: PERMANENT.storeAccess,
      nonRetryable: true,
      details: [{ account: true }],
    });
  }
  return withoutQueryParameters(err);
}

export async function permanentOrRetry<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw asActivityFailure(err);
  }
}

/** Every activity of a set, with database errors stripped of their parameters whatever it throws. */
export function withCleanFailures<T extends Record<string, (...args: never[]) => Promise<unknown>>>(
  activities: T,
): T {
  return Object.fromEntries(
    Object.entries(activities).map(([name, run]) => [
      name,
      async (...args: never[]) => {
        try {
          return await run(...args);
        } catch (err) {
          throw withoutQueryParameters(err);
        }
      },
    ]),
  ) as T;
}
