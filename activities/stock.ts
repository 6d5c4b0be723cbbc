import { activityInfo, Context } from '@temporalio/activity';
import type { ConnectionRepository } from '../db/connections';
import type { SentSize, StockLedger } from '../db/stock';
import { duplicateKeyTracker, productKey, winningProductId } from '../domain/product-keys';
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
const PAGE_SIZE = 1000;
/** Per-size errors kept in the result (and in the heartbeat). */
const MAX_ERRORS = 50;
/**
 * A batch whose answer did not come back (network, HTTP 5xx, broken XML) is sent again at once, this
 * many times in all, before the attempt fails: stock quantities are absolute, so a resend is harmless,
 * and an attempt per lost answer would spend the retry policy long before a large push is through.
 */
const BATCH_TRIES = 3;
const BATCH_RETRY_MS = 500;

export interface StockActivityDependencies {
  connections: ConnectionRepository;
  /** The connection's store, through the store port. */
  stores: StoreRegistry;
  stock: StockLedger;
  spartooTimeoutMs?: number;
  /** Sizes per Spartoo call, at most STOCK_BATCH_SIZE (the default); tests make it small. */
  stockBatchSize?: number;
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
  sizesSent: number;
  batches: number;
  errors: StockPushResult['errors'];
}

function resumeFrom(details: unknown): StockPushProgress {
  const d = (details ?? {}) as Partial<StockPushProgress>;
  return {
    page: typeof d.page === 'string' ? d.page : undefined,
    after: typeof d.after === 'string' ? d.after : undefined,
    sizesSent: Number.isSafeInteger(d.sizesSent) ? d.sizesSent! : 0,
    batches: Number.isSafeInteger(d.batches) ? d.batches! : 0,
    errors: Array.isArray(d.errors) ? d.errors.slice(0, MAX_ERRORS) : [],
  };
}

/** The progress as it stands now: heartbeat details may be encoded after the push moved on. */
const snapshot = (progress: StockPushProgress): StockPushProgress => ({
  ...progress,
  errors: [...progress.errors],
});

/** The connection workflow's stock push, in batches that each survive a failure of the next. */
export function createStockActivities(deps: StockActivityDependencies) {
  const { connections, stores, stock } = deps;
  const batchSize = Math.min(deps.stockBatchSize ?? STOCK_BATCH_SIZE, STOCK_BATCH_SIZE);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError('stockBatchSize must be positive');

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
      const page = await store.catalogue({ after, limit: PAGE_SIZE });
      tracker.add(page.products);
      after = page.next;
      heartbeat();
    }
    return tracker.losers();
  }

  /** One Spartoo call; a lost answer is asked again a couple of times, -429 and refusals fail the attempt. */
  async function sendBatch(
    spartoo: SpartooClient,
    sizes: StockSize[],
    progress: StockPushProgress,
  ): Promise<StockBatchResult> {
    const context = Context.current();
    for (let tries = 1; ; tries++) {
      try {
        // Cancellation does not wait for an answer that may take the client's whole timeout.
        return await Promise.race([spartoo.updateStockBatch(sizes), context.cancelled]);
      } catch (err) {
        if (!(err instanceof SpartooTransportError) || tries >= BATCH_TRIES) throw err;
        context.heartbeat(snapshot(progress));
        await context.sleep(BATCH_RETRY_MS * 2 ** (tries - 1));
      }
    }
  }

  /**
   * Sends Spartoo the sizes whose store stock differs from what it was last told (all of them when
   * `full`), keyed by the identification attribute, each key once (the lowest product id's stock). Reads
   * the catalogue a page at a time; records each batch in the ledger as soon as Spartoo answered it and
   * heartbeats the progress, so a retry (after -429, a timeout, a worker crash) resumes where it stopped.
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
    const losers = await losingProducts(store, attribute, () => context.heartbeat(snapshot(progress)));
    const fullSince = input.full && input.fullSince ? Date.parse(input.fullSince) : Number.NaN;

    /** Spartoo already has this size: unchanged since last told, or (full) told during this full push. */
    const upToDate = (size: StockSize, sent: SentSize | undefined) => {
      if (!sent || sent.quantity !== size.quantity || sent.referencePartenaire !== size.referencePartenaire)
        return false;
      return !input.full || sent.sentAt.getTime() >= fullSince;
    };
    const checkpoint = () => {
      context.heartbeat(snapshot(progress));
      if (context.cancellationSignal.aborted) throw context.cancellationSignal.reason;
    };

    let pending: StockSize[] = [];
    /** The cursor of the page being read: a batch sent names it with its last product. */
    let cursor = progress.page;
    const flush = async (through: string) => {
      const result = await sendBatch(spartoo, pending, progress);
      const refused = new Set(result.errors.map((e) => e.sizeReference));
      // Sizes Spartoo refused stay out of the ledger: they are sent again next cycle.
      await stock.recordSent(
        input.connectionId,
        pending.filter((s) => !refused.has(s.sizeReference)),
      );
      progress.sizesSent += result.sizesSent;
      progress.batches++;
      progress.errors.push(...result.errors.slice(0, MAX_ERRORS - progress.errors.length));
      progress.page = cursor;
      progress.after = through;
      pending = [];
      checkpoint();
    };

    // A resumed push reads its page again and skips what was done of it.
    let doneThrough = progress.after;
    let last: string | undefined;
    for (;;) {
      const { products, next } = await store.catalogue({ after: cursor, limit: PAGE_SIZE });
      const start = doneThrough === undefined ? 0 : products.findIndex((p) => p.id === doneThrough) + 1;
      doneThrough = undefined;
      const page = products.slice(start);
      const sizes = page.flatMap((product) => {
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
      const sent = await stock.lastSent(
        input.connectionId,
        sizes.map((s) => s.size.sizeReference),
      );
      for (const { productId, size } of sizes) {
        if (upToDate(size, sent.get(size.sizeReference))) continue;
        pending.push(size);
        if (pending.length >= batchSize) await flush(productId);
      }
      last = products.at(-1)?.id ?? last;
      if (next === undefined) break;
      cursor = next;
      // Nothing waits to be sent: the whole page is done, the next one starts afresh.
      if (pending.length === 0) {
        progress.page = cursor;
        progress.after = undefined;
      }
      checkpoint();
    }
    if (pending.length > 0) await flush(last!);
    return { sizesSent: progress.sizesSent, errors: progress.errors };
  }

  return {
    /** Named as it always was: recorded connection histories schedule `pushStock`. */
    async pushStock(input: StockPushInput): Promise<StockPushResult> {
      return permanentOrRetry(() => pushStock(input));
    },
  };
}
