import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createSandbox } from '../../spartoo/sandbox/app';
import { ensureTemporalCli } from '../temporal-cli';
import { startTemporalDevServer } from '../temporal-server';
import { apiClient, putProducts, type SandboxCall, UPLOAD_CHUNK } from './http';
import { createScratchDatabase, redact } from './postgres';
import { benchCleanups, Child, sleep } from './procs';
import { countBy, megabytes, seconds } from './stats';

/**
 * `npm run bench -- --stock-sizes N [--changed M]`: the stock push of a large catalogue, end to end.
 * The product (as `npm start` runs it) gets N sizes in its built-in store and a Stock-only connection
 * whose first cycle pushes them all, against a sandbox failing a fifth of the calls with a -429 burst in
 * the middle of the push; then, with --changed, M sizes change and "Push stock now" sends them.
 * Printed: wall time and Spartoo batch calls of each push, and whether Spartoo ends up with the store's
 * stock. Correctness problems make the run fail; timings never do.
 */
export interface StockBenchOptions {
  sizes: number;
  changed?: number;
  /** A PostgreSQL server (admin URL) on which the run creates its own database; unset: embedded PGlite. */
  postgresUrl?: string;
  log?: (line: string) => void;
}

export interface StockBenchReport {
  lines: string[];
  problems: string[];
}

const BATCH_SCRIPT = 'xml_maj_stock_batch.php';
/** The product's batch size (activities/stock.ts, the Spartoo client's maximum). */
const BATCH = 500;
const FAULTS = { failureRate: 0.2, latencyMs: 0, malformedRate: 0, timeoutRate: 0, rateLimitPerHour: 0 };
/** How long the -429 burst lasts: a few of Temporal's back-offs (1, 2, 4 s) hit it. */
const BURST_MS = 5000;
const TASK_QUEUE = 'spartoo-sync';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const sizeId = (i: number) => `STK-${String(i).padStart(7, '0')}`;
const reference = (i: number) => `STK-R-${String(Math.floor(i / 10)).padStart(6, '0')}`;

interface CallCounts {
  total: number;
  accepted: number;
  failed: number;
  rateLimited: number;
}

/** Batch calls by outcome: answered (Spartoo applied them), lost or broken (5xx, truncated, lost answer), -429. */
function countCalls(calls: readonly SandboxCall[]): CallCounts {
  const batches = calls.filter((c) => c.script === BATCH_SCRIPT);
  const faults = countBy(batches, (c) => c.fault ?? 'none');
  const rateLimited = faults.get('rate_limited') ?? 0;
  const accepted = faults.get('none') ?? 0;
  return { total: batches.length, accepted, rateLimited, failed: batches.length - accepted - rateLimited };
}

const describeCalls = (c: CallCounts, expected: number) =>
  `${c.total} (${c.accepted} answered, ${expected} needed at ${BATCH} sizes a call; ${c.failed} failed: HTTP 500, truncated or answer lost; ${c.rateLimited} answered -429)`;

export async function runStockBench(options: StockBenchOptions): Promise<StockBenchReport> {
  const log = options.log ?? (() => {});
  const N = options.sizes;
  const M = options.changed ?? 0;
  if (M > N) throw new Error(`--changed (${M}) cannot exceed --stock-sizes (${N})`);
  const { cleanups, finish } = benchCleanups(log);

  try {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'spartoo-bench-stock-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));

    // ---- Temporal, database, sandbox, the product (npm start's process) ------------------------------
    const cli = await ensureTemporalCli(log);
    const [temporalPort, uiPort, apiPort] = [await freePort(), await freePort(), await freePort()];
    log(`temporal: dev server on port ${temporalPort}`);
    const server = await startTemporalDevServer({
      cli,
      port: temporalPort,
      uiPort,
      namespace: 'default',
      dbFile: path.join(dir, 'temporal.db'),
      headless: true,
    });
    cleanups.push(() => server.stop());
    let databaseUrl: string | undefined;
    if (options.postgresUrl) {
      const scratch = await createScratchDatabase(options.postgresUrl);
      cleanups.push(() => scratch.drop());
      databaseUrl = scratch.url;
      log(`database: PostgreSQL ${redact(scratch.url)}`);
    } else {
      log('database: embedded PGlite (set TEST_DATABASE_URL or DATABASE_URL for PostgreSQL)');
    }

    const sandboxApp = createSandbox({ seed: 20_240_301 });
    // The -429 burst starts at the middle batch call of the full push, exactly, however fast it goes.
    let batchCalls = 0;
    let burstAt = Number.POSITIVE_INFINITY;
    let burst: Promise<void> | undefined;
    sandboxApp.addHook('onRequest', async (request) => {
      if (!request.url.startsWith(`/mp/${BATCH_SCRIPT}`) || ++batchCalls !== burstAt) return;
      log(`sandbox: -429 from batch call ${batchCalls} on, for ${BURST_MS / 1000} s`);
      await setFaults({ ...FAULTS, rateLimitPerHour: 1 });
      burst = sleep(BURST_MS).then(async () => {
        await setFaults(FAULTS);
      });
    });
    const sandboxAddress = await sandboxApp.listen({ port: 0, host: '127.0.0.1' });
    cleanups.push(() => sandboxApp.close());
    const admin = async <T>(method: 'GET' | 'POST' | 'PUT', url: string, payload?: object): Promise<T> => {
      const res = await sandboxApp.inject({ method, url, ...(payload ? { payload } : {}) });
      if (res.statusCode >= 300) throw new Error(`sandbox ${method} ${url}: ${res.body}`);
      return res.json() as T;
    };
    const setFaults = (faults: object) => admin('PUT', '/_sandbox/faults', faults);

    const apiToken = randomBytes(18).toString('base64url');
    const { DATABASE_URL: _d, TEST_DATABASE_URL: _t, ...inherited } = process.env;
    const product = new Child(
      'product',
      'scripts/start.ts',
      {
        ...inherited,
        TEMPORAL_ADDRESS: server.address,
        TEMPORAL_NAMESPACE: 'default',
        TASK_QUEUE,
        TEMPORAL_UI_URL: server.uiUrl,
        DATA_DIR: path.join(dir, 'data'),
        API_TOKEN: apiToken,
        SECRET_KEY: randomBytes(32).toString('base64'),
        PORT: String(apiPort),
        HOST: '127.0.0.1',
        DEMO: '0',
        // The connection's baseUrl is the sandbox's, on this machine.
        SPARTOO_ALLOW_CUSTOM_URL: '1',
        LOG_LEVEL: 'warn',
        ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
      },
      // BENCH_CPU_PROF=<dir>: a V8 CPU profile of the product process, written when it stops.
      process.env.BENCH_CPU_PROF
        ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(process.env.BENCH_CPU_PROF)}`]
        : [],
    );
    cleanups.push(() => product.stop());
    await product.waitFor(/Ready\./, 180_000);
    // The peak before any push (the start bundles the workflows): what the pushes add shows after them.
    const readyPeakKb = product.sample().peakRssKb;
    const http = apiClient(`http://127.0.0.1:${apiPort}`, apiToken);

    // ---- N sizes in the store ----------------------------------------------------------------------------
    log(`store: ${N} sizes`);
    const stockOf = (i: number) => (i * 7) % 50;
    const f0 = Date.now();
    await putProducts(http, N, (i) => ({
      id: sizeId(i),
      reference: reference(i),
      name: `Sneaker ${i}`,
      stock: stockOf(i),
    }));
    const fillMs = Date.now() - f0;

    const partenaire = `BENCH-${randomBytes(4).toString('hex').toUpperCase()}`;
    await admin('POST', '/_sandbox/merchants', { partenaire });
    const calls = () =>
      admin<SandboxCall[]>('GET', `/_sandbox/calls?partenaire=${encodeURIComponent(partenaire)}`);
    const sandboxStock = async () =>
      new Map(
        (
          await admin<{ reference_partenaire: string; size_reference: string; quantity: number }[]>(
            'GET',
            `/_sandbox/stock?partenaire=${encodeURIComponent(partenaire)}`,
          )
        ).map((s) => [s.size_reference, s]),
      );

    // ---- The full push: the connection's first cycle -------------------------------------------------------
    const expectedFull = Math.ceil(N / BATCH);
    burstAt = Math.max(1, Math.ceil(expectedFull / 2));
    await setFaults(FAULTS);
    log(
      `full push: ${N} sizes, ${expectedFull} batches; 20 % of calls fail, -429 from batch call ${burstAt}`,
    );
    const t0 = Date.now();
    const created = await http.post<{ id: string }>('/connections', {
      name: 'Stock bench',
      apiKey: partenaire,
      baseUrl: `${sandboxAddress}/mp/`,
      syncLevel: 'STOCK_ONLY',
      pollIntervalSeconds: 3600,
      // Automatic cycles: an unfinished full push goes on in the next one, and the changed sizes are
      // pushed by one ("Push stock now" would send every size from the start: issue 13, item 8).
      stockSyncIntervalSeconds: 10,
    });
    type Cycle = { at: string; ok: boolean; full?: boolean; sizesSent?: number; error?: string };
    // The list, not GET /connections/:id: the one connection's page also aggregates the catalogue's
    // duplicate keys (api/routes/connections.ts), which every 100 ms is the bench's load, not the push's.
    const lastCycle = async () =>
      (await http.get<{ items: { id: string; lastStockSync: Cycle | null }[] }>('/connections')).items.find(
        (c) => c.id === created.id,
      )?.lastStockSync ?? null;
    // The first cycle pushes; a cycle that gave up (the retry policy spent) is followed by the next
    // automatic one, which goes on from where the last stopped.
    let cycles = 1;
    let last: Cycle | null = null;
    let lastFailedAt: string | undefined;
    for (let lastProgress = Date.now(); ; ) {
      last = await lastCycle();
      if (last?.ok && last.full) break;
      if (last && !last.ok && last.at !== lastFailedAt) {
        lastFailedAt = last.at;
        if (cycles >= 10) throw new Error(`the full push did not finish in ${cycles} cycles: ${last.error}`);
        log(`  cycle ${cycles} ended without finishing (${last.error}): the next cycle goes on`);
        cycles++;
      }
      if (Date.now() - t0 > 600_000 + N * 20)
        throw new Error(`the full push did not end: ${JSON.stringify(last)}`);
      if (Date.now() - lastProgress > 5000) {
        lastProgress = Date.now();
        log(`  ${seconds(Date.now() - t0)}: ${batchCalls} batch calls received`);
      }
      await sleep(100);
    }
    const fullMs = Date.now() - t0;
    await burst;
    const fullCalls = await calls();
    const full = countCalls(fullCalls);
    const held = await sandboxStock();
    let fullMatches = 0;
    for (let i = 0; i < N; i++) {
      const s = held.get(sizeId(i));
      if (s && s.quantity === stockOf(i) && s.reference_partenaire === reference(i)) fullMatches++;
    }

    // ---- The incremental push of M changed sizes: "Push stock now" -------------------------------------------
    let incremental: { ms: number; calls: CallCounts; sizesSent: number; matches: number } | undefined;
    if (M > 0) {
      const step = N / M;
      const changedIds = Array.from({ length: M }, (_, k) => Math.floor(k * step));
      const newStock = (i: number) => stockOf(i) + 100;
      await putProducts(http, M, (k) => {
        const i = changedIds[k]!;
        return { id: sizeId(i), reference: reference(i), name: `Sneaker ${i}`, stock: newStock(i) };
      });
      log(`incremental push: ${M} changed sizes, by the next automatic cycle`);
      const changedAt = Date.now();
      let answer: Cycle | undefined;
      for (;;) {
        const seen = await lastCycle();
        if (seen && Date.parse(seen.at) >= changedAt - 1000 && !seen.full && (seen.sizesSent ?? 0) > 0) {
          answer = seen;
          break;
        }
        if (Date.now() - changedAt > 120_000) throw new Error(`no incremental push: ${JSON.stringify(seen)}`);
        await sleep(100);
      }
      // From the cycle's start to its result being seen (polled every 100 ms).
      const ms = Date.now() - Date.parse(answer.at);
      const after = await sandboxStock();
      const matches = changedIds.filter((i) => after.get(sizeId(i))?.quantity === newStock(i)).length;
      incremental = {
        ms,
        calls: countCalls((await calls()).slice(fullCalls.length)),
        sizesSent: answer.sizesSent ?? 0,
        matches,
      };
    }

    const peakKb = product.sample().peakRssKb;
    const lines = [
      `bench: stock push of ${N} sizes in batches of ${BATCH}${M ? `, then ${M} changed` : ''}; sandbox failing ${FAULTS.failureRate * 100} % of calls, a -429 burst of ${BURST_MS / 1000} s from the middle batch of the full push; database ${databaseUrl ? 'PostgreSQL' : 'PGlite (embedded, npm start)'}; ${os.cpus().length} CPUs`,
      `store filled: ${N} sizes in ${seconds(fillMs)} (PUT /store/products, ${UPLOAD_CHUNK} a request)`,
      `full push wall time: ${seconds(fullMs)} (connection created to its first stock cycle recorded; ${cycles} cycle${cycles === 1 ? '' : 's'})`,
      `full push batch calls: ${describeCalls(full, expectedFull)}`,
      `full push sizes on the sandbox matching the store: ${fullMatches} of ${N}`,
      ...(incremental
        ? [
            `incremental push wall time: ${seconds(incremental.ms)} (an automatic cycle's start to its result, ${incremental.sizesSent} sizes sent)`,
            `incremental push batch calls: ${describeCalls(incremental.calls, Math.ceil(M / BATCH))}`,
            `incremental push sizes on the sandbox updated: ${incremental.matches} of ${M}`,
          ]
        : []),
      `product process (worker + API${databaseUrl ? '' : ' + PGlite'}) peak RSS: ${megabytes(readyPeakKb)} when ready, ${megabytes(peakKb)} after the pushes`,
    ];
    const problems: string[] = [];
    if (fullMatches !== N) problems.push(`${N - fullMatches} sizes on the sandbox differ from the store`);
    if (full.rateLimited === 0) problems.push('the -429 burst hit no call');
    // A push that starts over after a failure sends about twice the batches: each batch once, plus the
    // ones whose answer was lost (sent again), is what resuming gives.
    if (full.accepted > expectedFull + full.failed + 2)
      problems.push(`${full.accepted} batches answered for ${expectedFull} needed: the push started over`);
    if (incremental) {
      if (incremental.matches !== M)
        problems.push(`${M - incremental.matches} changed sizes not on the sandbox`);
      if (incremental.sizesSent !== M)
        problems.push(`the incremental push sent ${incremental.sizesSent}, not ${M}`);
    }
    return { lines, problems };
  } finally {
    await finish();
  }
}
