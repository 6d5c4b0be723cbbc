import { activityInfo, Context } from '@temporalio/activity';
import type { ConnectionRepository } from '../db/connections';
import type { SentSize, StockLedger } from '../db/stock';
import { duplicateKeyTracker, productKey, winningProductId } from '../domain/product-keys';
import type { StoreProduct } from '../domain/types';
import type { SpartooClient, StockBatchResult } from '../spartoo/client';
import { SpartooTransportError } from '../spartoo/errors';
import type { StockSize } from '../spartoo/types';
import type { StoreRegistry } from '../store/registry';
import type { StorePort } from '../store/store';
import type { StockPushResult } from '../workflows/messages';
import { permanentOrRetry } from './failures';
import { openSpartooSession } from './spartoo-session';

/** Most sizes in one xml_maj_stock_batch.php call: the Spartoo client's own maximum. */
export const STOCK_BATCH_SIZE = 500;
/** Products read from the store at once: a push never holds the catalogue in memory. */
export const STOCK_PAGE_SIZE = 1000;
/** Per-size errors kept in the result (and in the heartbeat). */
const MAX_ERRORS = 50;
/**
 * A batch whose answer did not come back (network, HTTP 5xx, broken XML) is sent again, this many
 * times in all, before the attempt fails: stock quantities are absolute, so a resend is harmless, and an
 * attempt per lost answer would spend the retry policy long before a large push is through. Five: with
 * a fifth of calls failing, three tries left one batch in 125 failing the attempt, most 100 000-size
 * pushes lost one attempt to it, and Temporal's back-off by then (8 s, 16 s) cost more than the push.
 */
const BATCH_TRIES = 5;
const BATCH_RETRY_MS = 500;
/**
 * Calls to Spartoo at once. Spartoo limits calls per hour (-429, quota not published:
 * /work/shared/spartoo-webservices.md), not calls at once, so a few in flight cost no more calls and
 * overlap one batch's wait for its answer with the next one's work.
 */
export const STOCK_CALLS_AT_ONCE = 3;
/**
 * Batches under way at once (sent, or waiting to be sent again after a lost answer): twice the calls,
 * so that batches pausing before a resend leave the calls to the others.
 */
export const STOCK_BATCHES_IN_FLIGHT = 2 * STOCK_CALLS_AT_ONCE;

export interface StockActivityDependencies {
  connections: ConnectionRepository;
  /** The connection's store, through the store port. */
  stores: StoreRegistry;
  stock: StockLedger;
  spartooTimeoutMs?: number;
  /** Sizes per Spartoo call, at most STOCK_BATCH_SIZE (the default); tests make it small. */
  stockBatchSize?: number;
  /**
   * Batches under way at once (default STOCK_BATCHES_IN_FLIGHT; calls at once: at most
   * STOCK_CALLS_AT_ONCE of them); 1 sends them one after another.
   */
  stockBatchesInFlight?: number;
}

export interface StockPushInput {
  connectionId: string;
  /** Every size, not only those whose stock differs from what Spartoo was last told. */
  full: boolean;
  /**
   * When the full push began (ISO time): a full push that an earlier cycle could not finish goes on,
   * skipping the sizes sent since then with the same quantity, rather than starting over.
   */
  fullSince?: string;
}

/**
 * Where a push is, heartbeated after every batch: a retried attempt of the same push resumes here
 * (`activityInfo().heartbeatDetails`) instead of sending the catalogue again.
 */
export interface StockPushProgress {
  /** The catalogue cursor the page being pushed was read from (undefined: the first page). */
  page?: string;
  /** Every product of that page up to this id, in the store's page order, is done (undefined: none). */
  after?: string;
  /** Sizes and batches Spartoo answered, the ones answered past `after` (out of order) included. */
  sizesSent: number;
  batches: number;
  errors: StockPushResult['errors'];
  /**
   * When the push's first attempt began (ISO): a full push without `fullSince` ("Push stock now")
   * skips on retry the sizes sent since then, those answered past `after` among them.
   */
  since?: string;
}

function resumeFrom(details: unknown): StockPushProgress {
  const d = (details ?? {}) as Partial<StockPushProgress>;
  return {
    page: typeof d.page === 'string' ? d.page : undefined,
    after: typeof d.after === 'string' ? d.after : undefined,
    sizesSent: Number.isSafeInteger(d.sizesSent) ? d.sizesSent! : 0,
    batches: Number.isSafeInteger(d.batches) ? d.batches! : 0,
    errors: Array.isArray(d.errors) ? d.errors.slice(0, MAX_ERRORS) : [],
    since: typeof d.since === 'string' ? d.since : new Date().toISOString(),
  };
}

/** The progress as it stands now: heartbeat details may be encoded after the push moved on. */
const snapshot = (progress: StockPushProgress): StockPushProgress => ({
  ...progress,
  errors: [...progress.errors],
});

/**
 * Where the push may resume, with batches answered out of order: a place in the catalogue (after a
 * batch, or at a page's start) is reached once every batch before it is answered, and only then does
 * the heartbeated cursor move there. A retried attempt never skips a batch that was not answered; the
 * ones answered past the cursor are in the ledger, so it does not send them again.
 */
function catalogueCursor(progress: StockPushProgress, heartbeat: () => void) {
  const places: { page?: string; after?: string; reached: boolean }[] = [];
  return {
    /** A place, in catalogue order; call what it returns once the batch ending there is answered. */
    place(page: string | undefined, after: string | undefined): () => void {
      const place = { page, after, reached: false };
      places.push(place);
      return () => {
        place.reached = true;
        while (places[0]?.reached) {
          const first = places.shift()!;
          progress.page = first.page;
          progress.after = first.after;
        }
        heartbeat();
      };
    },
  };
}

/** Runs a call when one of `max` slots is free: the calls to Spartoo at once, whatever the batches. */
type CallSlots = <T>(call: () => Promise<T>) => Promise<T>;
function callSlots(max: number): CallSlots {
  let free = max;
  const waiting: (() => void)[] = [];
  return async (call) => {
    if (free > 0) free--;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await call();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else free++;
    }
  };
}

/** The connection workflow's stock push, in batches that each survive a failure of the next. */
export function createStockActivities(deps: StockActivityDependencies) {
  const { connections, stores, stock } = deps;
  const batchSize = Math.min(deps.stockBatchSize ?? STOCK_BATCH_SIZE, STOCK_BATCH_SIZE);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError('stockBatchSize must be positive');
  const inFlightMax = deps.stockBatchesInFlight ?? STOCK_BATCHES_IN_FLIGHT;
  if (!Number.isInteger(inFlightMax) || inFlightMax < 1)
    throw new RangeError('stockBatchesInFlight must be positive');
  const callsAtOnce = Math.min(STOCK_CALLS_AT_ONCE, inFlightMax);

  /**
   * Products that share their key with a lower id: the key is the winner's, they are never sent. One
   * query where the store has it (the built-in store's SQL), else a first walk through the catalogue.
   */
  async function losingProducts(
    store: StorePort,
    attribute: string,
    heartbeat: () => void,
  ): Promise<Set<string>> {
    if (store.duplicateKeys) {
      const losers = new Set<string>();
      for (const { productIds } of await store.duplicateKeys(attribute)) {
        const winner = winningProductId(productIds);
        for (const id of productIds) if (id !== winner) losers.add(id);
      }
      return losers;
    }
    const tracker = duplicateKeyTracker(attribute);
    for (let after: string | undefined, first = true; first || after !== undefined; first = false) {
      const page = await store.catalogue({ after, limit: STOCK_PAGE_SIZE });
      tracker.add(page.products);
      after = page.next;
      heartbeat();
    }
    return tracker.losers();
  }

  /**
   * One Spartoo call; a lost answer is asked again a couple of times (not once the attempt is failing:
   * `stopping`), -429 and refusals fail the attempt.
   */
  async function sendBatch(
    spartoo: SpartooClient,
    sizes: StockSize[],
    progress: StockPushProgress,
    push: { stopping: () => boolean; call: CallSlots },
  ): Promise<StockBatchResult> {
    const context = Context.current();
    const { stopping } = push;
    for (let tries = 1; ; tries++) {
      try {
        // Cancellation does not wait for an answer that may take the client's whole timeout.
        return await push.call(() => Promise.race([spartoo.updateStockBatch(sizes), context.cancelled]));
      } catch (err) {
        if (!(err instanceof SpartooTransportError) || tries >= BATCH_TRIES || stopping()) throw err;
        context.heartbeat(snapshot(progress));
        await context.sleep(BATCH_RETRY_MS * 2 ** (tries - 1));
      }
    }
  }

  /**
   * Up to `inFlightMax` batches waiting for Spartoo at once. `send` returns when another may start;
   * the first failure stops new ones and, once those in flight have settled (their answers recorded),
   * is thrown by `send` or `drain`.
   */
  function batchWindow() {
    const inFlight = new Set<Promise<void>>();
    let failure: { error: unknown } | undefined;
    const settled = async () => {
      await Promise.all(inFlight);
      if (failure) throw failure.error;
    };
    return {
      stopping: () => failure !== undefined,
      async send(batch: () => Promise<void>): Promise<void> {
        if (failure) return settled();
        const running: Promise<void> = batch()
          .catch((error: unknown) => {
            failure ??= { error };
          })
          .finally(() => inFlight.delete(running));
        inFlight.add(running);
        while (inFlight.size >= inFlightMax && !failure) await Promise.race(inFlight);
        if (failure) await settled();
      },
      /** Every batch answered; the first failure thrown. */
      drain: settled,
    };
  }

  /** The page's sizes to consider, keyed by `attribute`: products without a key and losers left out. */
  function sizesOf(products: readonly StoreProduct[], attribute: string, losers: Set<string>) {
    return products.flatMap((product) => {
      const key = productKey(product, attribute);
      if (key === undefined || losers.has(product.id)) return [];
      const referencePartenaire = product.reference?.trim() || key;
      return [
        {
          productId: product.id,
          size: { referencePartenaire, sizeReference: key, quantity: Math.max(0, product.stock) },
        },
      ];
    });
  }

  /**
   * Sends Spartoo the sizes whose store stock differs from what it was last told (all of them when
   * `full`), keyed by the identification attribute, each key once (the lowest product id's stock). Reads
   * the catalogue a page at a time (an incremental push only the products that differ from the ledger,
   * where the store can say which: `stockChanges`); sends a few batches at once; records each batch in
   * the ledger as soon as Spartoo answered it and heartbeats the place before which every batch is
   * answered, so a retry (after -429, a timeout, a worker crash) resumes there.
   */
  async function pushStock(input: StockPushInput): Promise<StockPushResult> {
    const context = Context.current();
    const { settings, spartoo } = await openSpartooSession(
      connections,
      input.connectionId,
      deps.spartooTimeoutMs,
    );
    const attribute = settings.productIdentificationAttribute;
    const store = await stores.forStore(settings.storeId);
    const progress = resumeFrom(activityInfo().heartbeatDetails);
    const heartbeat = () => context.heartbeat(snapshot(progress));
    const losers = await losingProducts(store, attribute, heartbeat);
    // What a full push skips: sizes sent since it began (an earlier cycle's start, or its first attempt's).
    const fullSince = Date.parse(input.fullSince ?? progress.since!);

    /** Spartoo already has this size: unchanged since last told, or (full) told during this full push. */
    const upToDate = (size: StockSize, sent: SentSize | undefined) => {
      if (!sent || sent.quantity !== size.quantity || sent.referencePartenaire !== size.referencePartenaire)
        return false;
      return !input.full || sent.sentAt.getTime() >= fullSince;
    };
    const read = (page: { after?: string; limit: number }) =>
      !input.full && store.stockChanges
        ? store.stockChanges({ ...page, connectionId: input.connectionId, attribute })
        : store.catalogue(page);
    const cancelled = () => {
      if (context.cancellationSignal.aborted) throw context.cancellationSignal.reason;
    };

    const window = batchWindow();
    const call = callSlots(callsAtOnce);
    const cursor = catalogueCursor(progress, heartbeat);
    let pending: StockSize[] = [];
    /** The cursor of the page being read: a batch sent names it with its last product. */
    let page = progress.page;
    const send = (through: string) => {
      cancelled();
      const sizes = pending;
      const answered = cursor.place(page, through);
      pending = [];
      return window.send(async () => {
        const result = await sendBatch(spartoo, sizes, progress, { stopping: window.stopping, call });
        const refused = new Set(result.errors.map((e) => e.sizeReference));
        // Sizes Spartoo refused stay out of the ledger: they are sent again next cycle.
        await stock.recordSent(
          input.connectionId,
          sizes.filter((s) => !refused.has(s.sizeReference)),
        );
        progress.sizesSent += result.sizesSent;
        progress.batches++;
        progress.errors.push(...result.errors.slice(0, MAX_ERRORS - progress.errors.length));
        answered();
      });
    };

    const pushPages = async () => {
      // A resumed push reads its page again and skips what was done of it.
      let doneThrough = progress.after;
      let last: string | undefined;
      for (;;) {
        const { products, next } = await read({ after: page, limit: STOCK_PAGE_SIZE });
        const start = doneThrough === undefined ? 0 : products.findIndex((p) => p.id === doneThrough) + 1;
        doneThrough = undefined;
        const sizes = sizesOf(products.slice(start), attribute, losers);
        const sent = await stock.lastSent(
          input.connectionId,
          sizes.map((s) => s.size.sizeReference),
        );
        for (const { productId, size } of sizes) {
          if (upToDate(size, sent.get(size.sizeReference))) continue;
          pending.push(size);
          if (pending.length >= batchSize) await send(productId);
        }
        last = products.at(-1)?.id ?? last;
        if (next === undefined) break;
        page = next;
        // Nothing waits to be sent: the next page starts afresh, once the batches before it are answered.
        if (pending.length === 0) cursor.place(page, undefined)();
        else heartbeat();
        cancelled();
      }
      if (pending.length > 0) await send(last!);
    };

    try {
      await pushPages();
    } catch (err) {
      // Whatever stopped the push, the batches in flight are answered and recorded before it ends.
      await window.drain().catch(() => undefined);
      throw err;
    }
    await window.drain();
    return { sizesSent: progress.sizesSent, errors: progress.errors };
  }

  return {
    /** Named as it always was: recorded connection histories schedule `pushStock`. */
    async pushStock(input: StockPushInput): Promise<StockPushResult> {
      return permanentOrRetry(() => pushStock(input));
    },
  };
}
