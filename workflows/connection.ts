import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { nextSlotMs } from '../domain/cycle-slots';
import type { ConnectionSettings } from '../domain/settings';
import {
  type ConnectionCarry,
  type ConnectionState,
  connectionDeletedSignal,
  connectionStateQuery,
  FAILURE,
  type PollResult,
  pushStockUpdate,
  type StockPushResult,
  settingsChangedSignal,
  syncOrdersUpdate,
} from './messages';

// A failing cycle is retried a little, then recorded; the next cycle tries again. The poll heartbeats
// before each Spartoo read (each at most the client's 15 s timeout) and each batch of workflows: a poll
// whose worker died is retried after 30 s rather than after the 3 minutes, with the connection and its
// "Synchronize Orders" waiting meanwhile.
const cycle = proxyActivities<Activities>({
  startToCloseTimeout: '3m',
  heartbeatTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '20s', maximumAttempts: 4 },
});
/**
 * The stock push sends the catalogue in batches and heartbeats after each one: a retry (after -429, a
 * timeout, a lost worker) resumes after the last batch Spartoo answered, backing off to a minute, for a
 * few minutes; then the cycle is recorded as failed, and the next one carries on from the same place.
 */
const stock = proxyActivities<Activities>({
  startToCloseTimeout: '30m',
  heartbeatTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '60s', maximumAttempts: 10 },
});
const local = proxyLocalActivities<Activities>({
  startToCloseTimeout: '15s',
  retry: { initialInterval: '500ms', maximumInterval: '10s' },
});

/** The longest a connection waits before it reads its settings again. */
export const SETTINGS_RELOAD_MS = 5 * 60 * 1000;
/** Patch ids (README "Changing a running workflow"): histories recorded before them replay without. */
const PATCH = {
  disabledWakes: 'disabled-connection-wakes',
  answerWhenDeleted: 'answer-requests-when-deleted',
  /** Cycles on the connection's own slots (domain/cycle-slots.ts) and runs of CYCLES_PER_RUN. */
  slots: 'cycles-on-slots',
  /**
   * The stock push runs beside the polls: a push retrying -429 for minutes no longer holds the
   * scheduled polls and "Synchronize Orders" (issue 14). Before it, the loop awaited each push.
   */
  pushBesidePolls: 'stock-push-beside-polls',
} as const;

/**
 * Continue-as-new after this many cycles (before the slots patch: 500). A connection evicted from the
 * worker's sticky cache (more connections than WORKER_CACHED_WORKFLOWS: each is evicted between two of
 * its polls) replays its run's history at every wake, about 13 events and 9 ms of CPU a cycle (measured
 * for BENCHMARKS.md "Many connections"): 10 cycles keep a replay near 50 ms, for one new run every 10
 * cycles (an extra workflow task, about 5 % when the cache does hold the connection).
 */
export const CYCLES_PER_RUN = 10;
const CYCLES_PER_RUN_BEFORE_SLOTS = 500;

/** An account problem (Spartoo -1, -2, -428) spaces polls and stock pushes to at least this. */
export const ACCOUNT_BACKOFF_SECONDS = 15 * 60;

/** Spartoo asks for a full catalogue push at most every 6 hours. */
export const FULL_STOCK_PUSH_MS = 6 * 60 * 60 * 1000;

export interface ConnectionWorkflowInput {
  connectionId: string;
  carry?: ConnectionCarry;
  /** Continue-as-new after this many cycles even if Temporal does not suggest it yet. */
  maxCyclesPerRun?: number;
}

interface CycleOutcome<T> {
  result?: T;
  /** It ran and failed: the API answers 502. */
  error?: string;
  /** It does not apply to these settings: the API answers 409. */
  refused?: string;
}

/** The answer to a manual request, from the outcome of the cycle that served it. */
function answer<T>(outcome: CycleOutcome<T>, failureType: string): T {
  if (outcome.error) throw ApplicationFailure.nonRetryable(outcome.error, failureType);
  if (outcome.refused || !outcome.result) {
    throw ApplicationFailure.nonRetryable(
      outcome.refused ?? 'The connection was deleted',
      FAILURE.notApplicable,
    );
  }
  return outcome.result;
}

const connectionDeleted = () =>
  ApplicationFailure.nonRetryable('The connection was deleted', FAILURE.notApplicable);

function failureMessage(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause) return err.cause.message;
  return err instanceof Error ? err.message : String(err);
}

/** Spartoo refused the merchant's account (-1, -2, -428: activities/failures.ts), with its code. */
function accountProblem(err: unknown): { code: number; message: string } | undefined {
  if (!(err instanceof ActivityFailure) || !(err.cause instanceof ApplicationFailure)) return undefined;
  const details = err.cause.details?.[0] as { code?: unknown; account?: unknown } | undefined;
  if (details?.account !== true || typeof details.code !== 'number') return undefined;
  return { code: details.code, message: err.cause.message };
}

/**
 * One per connection (`spartoo-connection/<id>`): polls orders and returns every
 * `pollIntervalSeconds`, pushes stock every `stockSyncIntervalSeconds`, each on the connection's own
 * slots (domain/cycle-slots.ts: many connections poll spread over the interval, not together), answers
 * "Synchronize Orders" and "Push stock now", reloads its settings every cycle, and continues as new to
 * keep its history short.
 */
export async function connectionWorkflow(input: ConnectionWorkflowInput): Promise<void> {
  const { connectionId } = input;
  const carry: ConnectionCarry = { ...input.carry };
  const state: ConnectionState = { connectionId, cycles: 0, ...carry };
  let settings: ConnectionSettings | null = null;
  let deleted = false;
  let wake = false;
  // Tickets: a manual request is answered by the first cycle that starts after it.
  let pollsAsked = carry.pendingPoll ? 1 : 0;
  let pollsDone = 0;
  // The ticket the cycle under way will answer: a request it covers waits for it even if deleted.
  let pollsServing = 0;
  let stockAsked = carry.pendingStockPush ? 1 : 0;
  let stockDone = 0;
  let stockServing = 0;
  let lastPoll: CycleOutcome<PollResult> = {};
  let lastStock: CycleOutcome<StockPushResult> = {};
  /** A stock push is under way beside the polls (PATCH.pushBesidePolls): none other starts meanwhile. */
  let pushing = false;
  /** Such a push ended while the loop slept (until `sleepUntil`); the next one is due at `nextPushAt`. */
  let pushEnded = false;
  let sleepUntil = 0;
  let nextPushAt = 0;
  /** Settings changes signalled so far: a push under way when one comes was sent with the old ones. */
  let settingsChanges = 0;

  const pulls = () => !!settings && settings.active && settings.syncLevel === 'ORDERS_AND_STOCK';
  const pushes = () => !!settings && settings.active;
  /**
   * An account problem backs the cycles off (item 11). It is what recordCycle answers, so a history
   * recorded before (whose markers answer nothing) replays without it: only timer lengths change.
   */
  const every = (seconds: number) =>
    carry.accountBackOff ? Math.max(ACCOUNT_BACKOFF_SECONDS, seconds) : seconds;
  const recorded = (answer: { problem: unknown } | undefined) => {
    if (answer?.problem) carry.accountBackOff = true;
    else delete carry.accountBackOff;
  };

  setHandler(connectionStateQuery, () => ({ ...state, ...carry }));
  setHandler(connectionDeletedSignal, () => {
    deleted = true;
  });
  setHandler(settingsChangedSignal, () => {
    wake = true;
    settingsChanges++;
  });
  setHandler(
    syncOrdersUpdate,
    async () => {
      const ticket = ++pollsAsked;
      await condition(() => pollsDone >= ticket || (deleted && pollsServing < ticket));
      // Deleted before a cycle served it: the last poll's counts would be someone else's answer.
      if (pollsDone < ticket) throw connectionDeleted();
      return answer(lastPoll, FAILURE.pollFailed);
    },
    {
      validator: () => {
        if (settings && !pulls()) {
          throw new Error(
            settings.active
              ? 'The connection is set to Stock only: it does not pull orders'
              : 'The connection is disabled',
          );
        }
      },
    },
  );
  setHandler(
    pushStockUpdate,
    async () => {
      const ticket = ++stockAsked;
      await condition(() => stockDone >= ticket || (deleted && stockServing < ticket));
      if (stockDone < ticket) throw connectionDeleted();
      return answer(lastStock, FAILURE.stockPushFailed);
    },
    {
      validator: () => {
        if (settings && !pushes()) throw new Error('The connection is disabled');
      },
    },
  );

  /**
   * When the next cycle is due after one that started at `last`: on the connection's next slot, or
   * (runs recorded before the slots patch) one interval after the last cycle started.
   */
  const nextAt = (last: string, seconds: number) =>
    patched(PATCH.slots)
      ? nextSlotMs(connectionId, seconds * 1000, Date.parse(last))
      : Date.parse(last) + seconds * 1000;
  const due = (last: string | undefined, seconds: number) => !last || Date.now() >= nextAt(last, seconds);
  /** A push is asked for, or due on the connection's stock slots. */
  const stockDue = () =>
    stockAsked > stockDone ||
    (!!settings && pushes() && due(carry.lastStockPushAt, every(settings.stockSyncIntervalSeconds)));
  /**
   * A push that ends wakes the loop if the next one is due before the loop's sleep would end: it outlasted
   * its slot, or the back-off it lifted brought it nearer (never in runs from before PATCH.pushBesidePolls).
   */
  const pushEndedEarly = () => pushEnded && nextPushAt < sleepUntil;
  const cyclesPerRun = () =>
    input.maxCyclesPerRun ?? (patched(PATCH.slots) ? CYCLES_PER_RUN : CYCLES_PER_RUN_BEFORE_SLOTS);

  /** One stock cycle, answering the "Push stock now" requests up to `serving`. */
  const stockCycle = async (serving: number): Promise<void> => {
    if (!settings || !pushes()) {
      lastStock = { refused: 'The connection is disabled' };
      stockDone = serving;
      return;
    }
    // "Push stock now" is what a merchant presses when Spartoo's stock looks wrong: every size,
    // from the start. Automatic cycles push what changed, and everything at most every 6 hours.
    const manual = stockAsked > stockDone;
    const startedAt = carry.lastStockPushAt!;
    const changesAtStart = settingsChanges;
    // A push beside the polls may end after the loop took a settings change (a new key) and lifted
    // the account back-off: a refusal of the old settings must not bring it back.
    const record = (answer: { problem: unknown } | undefined) => {
      if (!pushing || settingsChanges === changesAtStart) recorded(answer);
    };
    const full =
      manual ||
      !carry.lastFullStockPushAt ||
      Date.now() - Date.parse(carry.lastFullStockPushAt) >= FULL_STOCK_PUSH_MS;
    // An automatic full push an earlier cycle could not finish goes on from where it stopped.
    if (full && !manual) carry.fullStockPushStartedAt ??= startedAt;
    try {
      const result = await stock.pushStock({
        connectionId,
        full,
        fullSince: full && !manual ? carry.fullStockPushStartedAt : undefined,
      });
      if (full) {
        carry.lastFullStockPushAt = startedAt;
        delete carry.fullStockPushStartedAt;
      }
      lastStock = { result: { ...result, full } };
      record(
        await local.recordCycle({
          connectionId,
          kind: 'stock',
          result: {
            at: startedAt,
            ok: result.errors.length === 0,
            full,
            sizesSent: result.sizesSent,
            errors: result.errors.length,
          },
        }),
      );
    } catch (err) {
      lastStock = { error: failureMessage(err) };
      record(
        await local.recordCycle({
          connectionId,
          kind: 'stock',
          result: { at: startedAt, ok: false, error: lastStock.error },
          problem: accountProblem(err),
        }),
      );
    }
    stockDone = serving;
    if (pushing) {
      pushEnded = true;
      nextPushAt = pushes() ? nextAt(startedAt, every(settings.stockSyncIntervalSeconds)) : Infinity;
      pushing = false;
    }
  };

  for (;;) {
    settings = await local.loadConnectionSettings({ connectionId });
    if (!settings || deleted) {
      deleted = true;
      // A push under way finishes first, as when the loop awaited it (and answers its requests).
      await condition(() => !pushing);
      // Requests still waiting are answered (the connection is gone) before the workflow ends.
      if (patched(PATCH.answerWhenDeleted)) await condition(allHandlersFinished);
      return;
    }
    // The merchant changed the settings (a new key?): try again at the normal pace.
    if (wake) delete carry.accountBackOff;
    wake = false;

    if (pollsAsked > pollsDone || (pulls() && due(carry.lastPollAt, every(settings.pollIntervalSeconds)))) {
      const serving = pollsAsked;
      pollsServing = serving;
      carry.lastPollAt = new Date().toISOString();
      if (pulls()) {
        try {
          const outcome = await cycle.pollOrders({
            connectionId,
            ordersWatermark: carry.ordersWatermark,
            returnsWatermark: carry.returnsWatermark,
            oldOpenCursor: carry.oldOpenCursor,
          });
          carry.ordersWatermark = outcome.ordersWatermark;
          carry.returnsWatermark = outcome.returnsWatermark;
          carry.oldOpenCursor = outcome.oldOpenCursor;
          const result = {
            ordersFound: outcome.ordersFound,
            ordersStarted: outcome.ordersStarted,
            returnsFound: outcome.returnsFound,
          };
          lastPoll = { result };
          recorded(
            await local.recordCycle({
              connectionId,
              kind: 'poll',
              // Orders Spartoo lists but that cannot be read are named, with why (no customer data).
              result: { at: carry.lastPollAt, ok: true, ...result, unreadable: outcome.unreadable ?? [] },
            }),
          );
        } catch (err) {
          lastPoll = { error: failureMessage(err) };
          recorded(
            await local.recordCycle({
              connectionId,
              kind: 'poll',
              result: { at: carry.lastPollAt, ok: false, error: lastPoll.error },
              problem: accountProblem(err),
            }),
          );
        }
      } else {
        lastPoll = {
          refused: settings.active
            ? 'The connection is set to Stock only: it does not pull orders'
            : 'The connection is disabled',
        };
      }
      pollsDone = serving;
    }

    if (!pushing && stockDue()) {
      const serving = stockAsked;
      stockServing = serving;
      carry.lastStockPushAt = new Date().toISOString();
      if (pushes() && patched(PATCH.pushBesidePolls)) {
        // Not awaited: the loop goes on polling; it wakes when the push ends (woken, below).
        pushing = true;
        void stockCycle(serving);
      } else {
        await stockCycle(serving);
      }
    }

    state.cycles++;
    const idle = pollsAsked === pollsDone && stockAsked === stockDone && !pushing;
    if (idle && (workflowInfo().continueAsNewSuggested || state.cycles >= cyclesPerRun())) {
      await condition(allHandlersFinished);
      if (pollsAsked === pollsDone && stockAsked === stockDone && !pushing) {
        await continueAsNew<typeof connectionWorkflow>({
          connectionId,
          carry: { ...carry, runs: (carry.runs ?? 0) + 1, pendingPoll: false, pendingStockPush: false },
          maxCyclesPerRun: input.maxCyclesPerRun,
        });
      }
    }

    // Sleep until the next cycle is due, or a change or a request wakes us.
    const untilDue = (last: string | undefined, seconds: number) =>
      last ? Math.max(0, nextAt(last, seconds) - Date.now()) : 0;
    // A push under way counts on ending before its next slot; one that outlasts it leaves its slot out
    // (no wake every second) and wakes the loop when it ends (pushEndedEarly).
    const untilStock = pushes()
      ? untilDue(carry.lastStockPushAt, every(settings.stockSyncIntervalSeconds))
      : undefined;
    const waits = [
      ...(pulls() ? [untilDue(carry.lastPollAt, every(settings.pollIntervalSeconds))] : []),
      ...(untilStock !== undefined && !(pushing && untilStock === 0) ? [untilStock] : []),
    ];
    // Settings are read again at least every few minutes, so a change whose signal was lost (or a
    // disabled connection enabled again) is never missed for long.
    const woken = () =>
      deleted || wake || pollsAsked > pollsDone || (!pushing && stockAsked > stockDone) || pushEndedEarly();
    pushEnded = false;
    if (waits.length) {
      const sleepMs = Math.max(1000, Math.min(SETTINGS_RELOAD_MS, ...waits));
      sleepUntil = Date.now() + sleepMs;
      await condition(woken, sleepMs);
    } else if (patched(PATCH.disabledWakes)) {
      sleepUntil = Date.now() + SETTINGS_RELOAD_MS;
      await condition(woken, SETTINGS_RELOAD_MS);
    } else {
      sleepUntil = Number.POSITIVE_INFINITY;
      await condition(woken);
    }
  }
}
