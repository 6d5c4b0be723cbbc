import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import pg from 'pg';
import { openDatabase } from '../../db/client';
import { createSandbox } from '../../spartoo/sandbox/app';
import { workflowsPath } from '../../workers/worker';
import { orderWorkflowId } from '../../workflows/messages';
import { ensureTemporalCli } from '../temporal-cli';
import { startTemporalDevServer } from '../temporal-server';
import { type ApiClient, apiClient, HttpError, putProducts, sandboxAdmin } from './http';
import { createScratchDatabase, databaseActivity, redact } from './postgres';
import { benchCleanups, Child, readProc, sleep } from './procs';
import { countBy, mapLimit, megabytes, percentile, rate, seconds } from './stats';

export interface BenchOptions {
  orders: number;
  faults: boolean;
  /** Orders arriving per second (a steady flow); unset: all N are on the sandbox before the first sync. */
  rate?: number;
  /** A PostgreSQL server (admin URL) on which the run creates its own database; unset: embedded PGlite. */
  postgresUrl?: string;
  /**
   * Sizes in the built-in store besides the orders' products (`--catalogue N`): a merchant's catalogue,
   * which each order's product lookups must not read whole.
   */
  catalogue?: number;
  /** Progress, to stderr. */
  log?: (line: string) => void;
}

export interface BenchReport {
  /** `label: value`, one per figure, the last one `orders/s`. */
  lines: string[];
  /** What went wrong with the run's promises (lost, duplicated or unshipped orders). */
  problems: string[];
}

/** Sandbox faults of `--faults` (SPEC §9): a fifth of the calls fail, every call is slower, and -429 bursts. */
export const FAULTS = { failureRate: 0.2, latencyMs: 50, malformedRate: 0, timeoutRate: 0 };
/**
 * -429 bursts: for RATE_LIMIT_BURST_MS (and until a call met it, rateLimitBurst) the sandbox's hourly
 * quota is set to 1, then lifted, again after a random pause of 3 to 9 s. Random, because Temporal's
 * retries back off to a fixed 60 s: with bursts at a fixed period that divides 60 s, an order's retries
 * land in every burst, for as long as it drifts.
 */
export const RATE_LIMIT_BURST_MS = 1500;
export const ratePause = () => 3000 + Math.random() * 6000;
/** The longest a burst waits for a call to answer -429 (a worker restarting calls no one for seconds). */
const RATE_LIMIT_BURST_MAX_MS = 15_000;

/**
 * One -429 burst: the quota at 1 for RATE_LIMIT_BURST_MS and until a call of the merchant was answered
 * -429 (at most RATE_LIMIT_BURST_MAX_MS), so that a run whose bursts all fell while no call was made
 * (a worker being restarted, the orders waiting for their shipment) still meets its -429s.
 */
export async function rateLimitBurst(sandbox: ReturnType<typeof sandboxAdmin>, partenaire: string) {
  const limited = async () =>
    (await sandbox.calls(partenaire)).filter((c) => c.fault === 'rate_limited').length;
  const before = await limited();
  const started = Date.now();
  await sandbox.setFaults({ ...FAULTS, rateLimitPerHour: 1 });
  await sleep(RATE_LIMIT_BURST_MS);
  while (Date.now() - started < RATE_LIMIT_BURST_MAX_MS && (await limited()) === before) await sleep(250);
  await sandbox.setFaults({ ...FAULTS, rateLimitPerHour: 0 });
}
const WORKER_KILLS = 3;
/** The next kill comes at the next quarter of the orders shipped, or this long after the last restart. */
const KILL_AFTER_READY_MS = 8000;
export const PRODUCTS = 100;
/** How often the merchant's side lists the orders awaiting shipment (and so the resolution of that latency). */
const TICK_MS = 200;
const TASK_QUEUE = 'spartoo-sync';
const BASELINE_QUEUE = 'bench-baseline';
/** How many order workflows the poll starts at once (activities/connection.ts): the baseline does the same. */
const START_CONCURRENCY = 16;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The pid of the process whose command line holds every part (the Temporal dev server the CLI runs). */
export function findPid(...parts: string[]): number | undefined {
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (parts.every((p) => cmd.includes(p))) return Number(pid);
    } catch {}
  }
  return undefined;
}

/** CPU seconds used by a set of processes over a window, processes coming and going included. */
export class CpuMeter {
  private readonly start = new Map<number, number>();
  private readonly last = new Map<number, number>();
  private started = false;

  observe(pid: number, cpuSeconds: number) {
    if (!this.last.has(pid) && !this.started) this.start.set(pid, cpuSeconds);
    if (!this.last.has(pid) && this.started) this.start.set(pid, 0);
    this.last.set(pid, cpuSeconds);
  }

  begin() {
    for (const [pid, cpu] of this.last) this.start.set(pid, cpu);
    this.started = true;
  }

  total(): number {
    let sum = 0;
    for (const [pid, cpu] of this.last) sum += cpu - (this.start.get(pid) ?? 0);
    return sum;
  }
}

/**
 * One run of SPEC §9's benchmark: the product against the sandbox, N orders from injection to SHIPPED on
 * the sandbox, then the same run's baseline on the same Temporal server.
 */
export async function runBench(options: BenchOptions): Promise<BenchReport> {
  const log = options.log ?? (() => {});
  const N = options.orders;
  if (options.faults && !options.postgresUrl) {
    throw new Error(
      '--faults needs PostgreSQL: the worker runs in its own process (it is SIGKILLed and restarted) and ' +
        'shares the database with the API, which an embedded PGlite directory cannot do. Set ' +
        'TEST_DATABASE_URL or DATABASE_URL to a PostgreSQL server (e.g. postgres://postgres:postgres@127.0.0.1:5432/postgres, ' +
        'see scripts/ci-postgres.sh); the bench creates a scratch database on it and drops it afterwards.',
    );
  }
  const layout = options.postgresUrl ? 'postgres' : 'embedded';
  const { cleanups, finish } = benchCleanups(log);

  try {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'spartoo-bench-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));

    // ---- Temporal: a dev server of the run's own, as npm start runs it (SQLite file) ----------------
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
    const serverPid = findPid('start-dev', `--port ${temporalPort}`);
    const connection = await Connection.connect({ address: server.address });
    cleanups.push(() => connection.close());
    const client = new Client({ connection, namespace: 'default' });

    // ---- Database -------------------------------------------------------------------------------------
    let databaseUrl: string | undefined;
    let stats: pg.Client | undefined;
    if (options.postgresUrl) {
      const scratch = await createScratchDatabase(options.postgresUrl);
      cleanups.push(() => scratch.drop());
      databaseUrl = scratch.url;
      log(`database: PostgreSQL ${redact(scratch.url)}`);
      // Migrated once here, so that the API and the worker starting together do not race to migrate.
      const migrated = await openDatabase({ url: databaseUrl, maxConnections: 1 });
      await migrated.close();
      stats = new pg.Client({ connectionString: databaseUrl });
      // Dropping the database at the end terminates this connection: not an error.
      stats.on('error', () => {});
      await stats.connect();
      const statsClient = stats;
      cleanups.push(() => statsClient.end());
    } else {
      log('database: embedded PGlite (set TEST_DATABASE_URL or DATABASE_URL for PostgreSQL)');
    }

    // ---- Sandbox (in this process) ----------------------------------------------------------------------
    const sandboxApp = createSandbox({ seed: 20_240_301 });
    const sandboxAddress = await sandboxApp.listen({ port: 0, host: '127.0.0.1' });
    cleanups.push(() => sandboxApp.close());
    const sandbox = sandboxAdmin(sandboxApp);

    // ---- The product ---------------------------------------------------------------------------------------
    const apiToken = randomBytes(18).toString('base64url');
    const { DATABASE_URL: _d, TEST_DATABASE_URL: _t, ...inherited } = process.env;
    const env: NodeJS.ProcessEnv = {
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
    };
    const workers: Child[] = [];
    let api: Child | undefined;
    let bundlePath = '';
    // BENCH_CPU_PROF=<dir>: V8 CPU profiles of the workers (written when they stop; not for SIGKILLed ones).
    const profileArgs = process.env.BENCH_CPU_PROF
      ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(process.env.BENCH_CPU_PROF)}`]
      : [];
    const startWorker = async (): Promise<Child> => {
      const child = new Child(
        'worker',
        'scripts/bench/product-worker.ts',
        { ...env, BENCH_WORKFLOW_BUNDLE: bundlePath },
        profileArgs,
      );
      workers.push(child);
      await child.waitFor(/worker: ready/);
      return child;
    };
    if (layout === 'postgres') {
      log('worker: bundling the workflows once');
      const bundle = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
      bundlePath = path.join(dir, 'workflows.js');
      writeFileSync(bundlePath, bundle.code);
      api = new Child('api', 'scripts/api.ts', env);
      cleanups.push(() => api!.stop());
      cleanups.push(async () => {
        for (const w of workers) await w.stop();
      });
      await startWorker();
    } else {
      // The embedded product exactly as `npm start` runs it: worker, API and PGlite in one process.
      const stack = new Child('stack', 'scripts/start.ts', env, profileArgs);
      cleanups.push(() => stack.stop());
      workers.push(stack);
      await stack.waitFor(/Ready\./, 180_000);
    }
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    const deadlineUp = Date.now() + 60_000;
    for (;;) {
      const ok = await fetch(`${apiUrl}/health`)
        .then((r) => r.ok)
        .catch(() => false);
      if (ok) break;
      if (Date.now() > deadlineUp)
        throw new Error(`API did not answer /health:\n${(api ?? workers[0]!).text()}`);
      await sleep(200);
    }
    const http = apiClient(apiUrl, apiToken);

    // ---- Seed: products that auto-accept, a merchant, a connection ----------------------------------------
    await http.put(
      '/store/products',
      Array.from({ length: PRODUCTS }, (_, i) => ({
        id: productId(i),
        reference: 'BENCH',
        name: `Bench sneaker ${i}`,
        stock: 10 * N + 100,
        priceFinalInclTax: 49.9,
        priceOriginalInclTax: 59.9,
      })),
    );
    await seedCatalogue(http, options.catalogue ?? 0, log);
    const partenaire = `BENCH-${randomBytes(4).toString('hex').toUpperCase()}`;
    await sandbox.createMerchant(partenaire);
    const created = await http.post<{ id: string }>('/connections', {
      name: 'Bench',
      apiKey: partenaire,
      baseUrl: `${sandboxAddress}/mp/`,
      autoAccept: true,
      pollIntervalSeconds: 300,
      stockSyncIntervalSeconds: 600,
    });
    const connectionId = created.id;
    // Its first cycle polls (nothing yet) and pushes the stock; the orders come after it.
    for (const until = Date.now() + 60_000; ; ) {
      const c = await http.get<{ lastPoll: unknown; lastStockSync: unknown }>(`/connections/${connectionId}`);
      if (c.lastPoll && c.lastStockSync) break;
      if (Date.now() > until) throw new Error('the connection workflow did not run its first cycle');
      await sleep(200);
    }

    if (options.faults) await sandbox.setFaults({ ...FAULTS, rateLimitPerHour: 0 });
    const orderIds: string[] = [];
    const injectOrders = async (count: number) => {
      for (let k = 0; k < count; k++) {
        orderIds.push(await sandbox.createOrder(partenaire, autoAcceptedOrder(orderIds.length)));
      }
    };
    if (!options.rate) {
      log(`sandbox: injecting ${N} orders`);
      await injectOrders(N);
    }

    // ---- The run ------------------------------------------------------------------------------------------------
    const cpu = {
      temporal: new CpuMeter(),
      worker: new CpuMeter(),
      api: new CpuMeter(),
      postgres: new CpuMeter(),
    };
    const sampleCpu = async () => {
      if (serverPid) {
        const p = readProc(serverPid);
        if (p) cpu.temporal.observe(serverPid, p.cpuSeconds);
      }
      for (const w of workers) cpu.worker.observe(w.pid, w.sample().cpuSeconds);
      if (api) cpu.api.observe(api.pid, api.sample().cpuSeconds);
      if (stats) {
        for (const pid of (await databaseActivity(stats)).backendPids) {
          const p = readProc(pid);
          if (p) cpu.postgres.observe(pid, p.cpuSeconds);
        }
      }
    };
    await sampleCpu();
    const dbBefore = stats ? await databaseActivity(stats) : undefined;
    for (const meter of Object.values(cpu)) meter.begin();
    const benchCpuBefore = process.cpuUsage();

    const t0 = Date.now();
    log(`run: ${N} orders${options.faults ? ', with faults' : ''}`);
    const state = {
      awaitingAt: new Map<string, number>(),
      pending: new Set<string>(),
      done: new Set<string>(),
      syncDone: false,
      finished: false,
      kills: 0,
      syncs: 0,
      failure: undefined as unknown,
    };

    // With --rate, orders arrive on the sandbox at that rate, a batch every second, each followed by a
    // "Synchronize Orders"; without it, they are all there and one sync pulls them all.
    const failed = (err: unknown) => {
      state.failure ??= err;
    };
    const injecting = (async () => {
      if (!options.rate) return;
      log(`sandbox: injecting ${N} orders, ${options.rate} a second`);
      for (let second = 0; orderIds.length < N; second++) {
        await injectOrders(Math.min(options.rate, N - orderIds.length));
        await sleep(Math.max(0, t0 + (second + 1) * 1000 - Date.now()));
      }
    })().catch(failed);
    // "Synchronize Orders" until a poll has seen them all (with faults a poll can fail: 502, ask again).
    const syncing = (async () => {
      for (;;) {
        const injected = orderIds.length;
        state.syncs++;
        try {
          const result = await http.post<{ ordersFound: number }>(`/connections/${connectionId}/sync`);
          if (injected === N && result.ordersFound >= N) break;
        } catch (err) {
          if (!(err instanceof HttpError) || err.status !== 502) throw err;
        }
        await sleep(options.rate ? 1000 : 500);
      }
      state.syncDone = true;
    })().catch(failed);

    const chaos = options.faults ? runChaos().catch(failed) : Promise.resolve();
    async function runChaos() {
      let lastReady = Date.now();
      let nextBurst = Date.now() + ratePause();
      while (!state.finished) {
        const now = Date.now();
        if (now >= nextBurst) {
          await rateLimitBurst(sandbox, partenaire);
          nextBurst = Date.now() + ratePause();
        }
        const threshold = ((state.kills + 1) * N) / (WORKER_KILLS + 1);
        if (
          state.syncDone &&
          state.kills < WORKER_KILLS &&
          (state.done.size >= threshold || Date.now() - lastReady >= KILL_AFTER_READY_MS)
        ) {
          const victim = workers.at(-1)!;
          log(`faults: SIGKILL worker pid ${victim.pid} (${state.done.size}/${N} shipped)`);
          await victim.kill();
          state.kills++;
          await startWorker();
          lastReady = Date.now();
          log(`faults: worker restarted (pid ${workers.at(-1)!.pid})`);
        }
        await sleep(100);
      }
    }

    const timeoutMs =
      (options.faults ? 600_000 : 300_000) + N * 500 + (options.rate ? (N / options.rate) * 1000 : 0);
    let lastProgress = 0;
    let lastCpuSample = 0;
    // The shop's side knows its own orders: their ids come from one listing of the store's newest
    // orders a tick, not from a read of each order's details (four queries and the whole order, which
    // the product's CPU then counted as its own); the details are read once the clock has stopped.
    const shopSide = new StoreOrderIds(http, connectionId);
    const shipOne = async (orderId: string) => {
      const storeOrderId = await shopSide.of(orderId);
      if (storeOrderId === undefined)
        throw new Error(`order ${orderId} is AWAITING_SHIPMENT with no store order`);
      await http.post(`/store/orders/${storeOrderId}/ship`, {
        carrier: 'Colissimo',
        trackingNumber: trackingNumber(orderId),
      });
      state.pending.add(orderId);
    };
    try {
      while (state.done.size < N) {
        if (state.failure) throw state.failure;
        if (Date.now() - t0 > timeoutMs) {
          throw new Error(
            `timed out after ${seconds(timeoutMs)}: ${state.done.size}/${N} SHIPPED on the sandbox; ` +
              `product statuses ${JSON.stringify(await statusCounts(http, connectionId))}`,
          );
        }
        const tick = Date.now();
        // Orders the product shows as imported and awaiting shipment: ship each once, at once.
        const awaiting = await http.all<{ orderId: string }>(
          `/orders?connectionId=${connectionId}&status=AWAITING_SHIPMENT&limit=500`,
        );
        const listedAt = Date.now();
        const fresh = awaiting.map((o) => o.orderId).filter((id) => !state.awaitingAt.has(id));
        for (const id of fresh) state.awaitingAt.set(id, listedAt);
        await shopSide.learn(fresh);
        await mapLimit(fresh, 16, shipOne);
        // Shipped through the API: done once the sandbox holds status 3 (oldest first, a few misses at most).
        let misses = 0;
        for (const id of state.pending) {
          const order = await sandbox.order(id);
          if (order.orders_status_id === 3) {
            state.done.add(id);
            state.pending.delete(id);
          } else if (++misses >= 32) break;
        }
        if (Date.now() - lastCpuSample > 1000) {
          lastCpuSample = Date.now();
          await sampleCpu();
        }
        if (Date.now() - lastProgress > 5000) {
          lastProgress = Date.now();
          log(
            `  ${seconds(Date.now() - t0)}: ${state.awaitingAt.size} imported, ${state.done.size} SHIPPED on the sandbox`,
          );
        }
        await sleep(Math.max(0, TICK_MS - (Date.now() - tick)));
      }
    } finally {
      state.finished = true;
      await chaos;
    }
    await injecting;
    await syncing;
    if (state.failure) throw state.failure;
    await sampleCpu();
    const benchCpu = process.cpuUsage(benchCpuBefore);
    if (options.faults)
      await sandbox.setFaults({ ...FAULTS, failureRate: 0, latencyMs: 0, rateLimitPerHour: 0 });

    // ---- What the sandbox received --------------------------------------------------------------------------------
    const calls = await sandbox.calls(partenaire);
    const accepted = (statut: string) =>
      calls.filter((c) => c.script === 'xml_maj_orders.php' && c.params.statut === statut && c.code === 1);
    const accepts = accepted('2');
    const ships = accepted('3');
    const acceptsPerOrder = countBy(accepts, (c) => c.params.oID);
    const shipsPerOrder = countBy(ships, (c) => c.params.oID);
    const shippedAt = new Map<string, number>();
    for (const c of ships) if (c.params.oID) shippedAt.set(c.params.oID, Date.parse(c.at));
    const runEnd = Math.max(...orderIds.map((id) => shippedAt.get(id) ?? Date.now()));
    const durationMs = runEnd - t0;

    // ---- What the product shows ------------------------------------------------------------------------------------
    const {
      shippedInProduct,
      storeOrders,
      storePerOrder,
      sandboxShipped,
      exactlyOne,
      toAwaiting,
      toShipped,
    } = await settledOrders({
      http,
      sandbox,
      connectionId,
      orderIds,
      state: { ...state, seenAt: await seenAt(http, connectionId, orderIds) },
      shippedAt,
    });

    // ---- An order's history: its shape sets the baseline ----------------------------------------------------------
    const history = await client.workflow
      .getHandle(orderWorkflowId(connectionId, orderIds[0]!))
      .fetchHistory();
    let steps = '';
    let workflowTasks = 0;
    for (const event of history.events ?? []) {
      if (event.activityTaskScheduledEventAttributes) steps += 'A';
      // A local activity's marker; a patch's (core_patch) is not one, and was counted as one before.
      if (event.markerRecordedEventAttributes?.markerName === 'core_local_activity') steps += 'L';
      if (event.workflowTaskCompletedEventAttributes) workflowTasks++;
    }
    // PostgreSQL publishes a backend's counters within a second.
    if (stats) await sleep(1200);
    const dbAfter = stats ? await databaseActivity(stats) : undefined;
    const workerPeakKb = Math.max(...workers.map((w) => w.sample().peakRssKb));

    // ---- Baseline: the minimal workflow with the same activities, same server, same worker settings -------------
    log(
      `baseline: ${N} minimal workflows (${steps.split('A').length - 1} activities, ${steps.split('L').length - 1} local activities each)`,
    );
    const baselineWorker = new Child(
      'baseline worker',
      'scripts/bench/baseline-worker.ts',
      { ...env, TASK_QUEUE: BASELINE_QUEUE },
      profileArgs,
    );
    cleanups.push(() => baselineWorker.stop());
    await baselineWorker.waitFor(/baseline worker: ready/);
    // The same-shape baseline, then the fixed reference (four no-op activities and one signal).
    const runBaseline = async (name: 'baselineWorkflow' | 'referenceWorkflow') => {
      const meters = { temporal: new CpuMeter(), worker: new CpuMeter() };
      const sample = () => {
        const p = serverPid ? readProc(serverPid) : undefined;
        if (p && serverPid) meters.temporal.observe(serverPid, p.cpuSeconds);
        meters.worker.observe(baselineWorker.pid, baselineWorker.sample().cpuSeconds);
      };
      sample();
      meters.temporal.begin();
      meters.worker.begin();
      const runId = randomBytes(4).toString('hex');
      const b0 = Date.now();
      const results: Promise<unknown>[] = [];
      await mapLimit(
        Array.from({ length: N }, (_, i) => i),
        START_CONCURRENCY,
        async (i) => {
          const handle = await client.workflow.start(name, {
            taskQueue: BASELINE_QUEUE,
            workflowId: `bench-${name}-${runId}-${i}`,
            args: name === 'baselineWorkflow' ? [steps] : [],
          });
          if (name === 'referenceWorkflow') await handle.signal('shipped');
          results.push(handle.result());
        },
      );
      await Promise.all(results);
      const ms = Date.now() - b0;
      sample();
      return { perSecond: N / (ms / 1000), cpu: meters };
    };
    const baseline = await runBaseline('baselineWorkflow');
    log(`reference: ${N} fixed reference workflows (four no-op activities and one signal)`);
    const reference = await runBaseline('referenceWorkflow');
    const baselineRss = baselineWorker.sample().peakRssKb;
    await baselineWorker.stop();

    // ---- Figures --------------------------------------------------------------------------------------------------------
    const ordersPerSecond = N / (durationMs / 1000);
    const baselinePerSecond = baseline.perSecond;
    // The same N of each: the orders' CPU (the Spartoo sandbox and the bench's driver left out, as they
    // stand for Spartoo and the merchant) against the fixed reference's.
    const productCpuSeconds =
      cpu.temporal.total() +
      cpu.worker.total() +
      (api ? cpu.api.total() : 0) +
      (stats ? cpu.postgres.total() : 0);
    const referenceCpuSeconds = reference.cpu.temporal.total() + reference.cpu.worker.total();
    const lines = [
      `bench: ${N} orders${options.rate ? ` arriving at ${options.rate}/s` : ' at once'}${options.catalogue ? `, a catalogue of ${options.catalogue} more sizes` : ''}${options.faults ? `, faults (failure rate ${FAULTS.failureRate}, +${FAULTS.latencyMs} ms, -429 bursts, ${state.kills} worker SIGKILLs)` : ''}; database ${layout === 'postgres' ? 'PostgreSQL' : 'PGlite (embedded, npm start)'}; ${os.cpus().length} CPUs`,
      `duration: ${seconds(durationMs)} (first sync to last order SHIPPED on the sandbox)`,
      `latency to AWAITING_SHIPMENT p50: ${seconds(percentile(toAwaiting, 0.5))}`,
      `latency to AWAITING_SHIPMENT p99: ${seconds(percentile(toAwaiting, 0.99))}`,
      `latency to SHIPPED p50: ${seconds(percentile(toShipped, 0.5))}`,
      `latency to SHIPPED p99: ${seconds(percentile(toShipped, 0.99))}`,
      `${layout === 'postgres' ? 'worker' : 'product process (worker + API + PGlite)'} peak RSS: ${megabytes(workerPeakKb)}`,
      `baseline workflows/s: ${rate(baselinePerSecond)} (minimal workflow, ${steps.length} no-op steps "${steps}", A activity, L local activity; worker peak RSS ${megabytes(baselineRss)})`,
      `ratio to baseline: ${(ordersPerSecond / baselinePerSecond).toFixed(2)}`,
      `fixed reference workflows/s: ${rate(reference.perSecond)} (three no-op activities, one signal, a fourth activity: does not follow the product's shape)`,
      `ratio to fixed reference: ${(ordersPerSecond / reference.perSecond).toFixed(2)}`,
      `ratio to fixed reference by CPU: ${(referenceCpuSeconds / productCpuSeconds).toFixed(2)} (the reference's Temporal and worker CPU against the order's Temporal, product and database CPU: steadier than the throughputs of two runs made one after the other)`,
      `per order: ${history.events?.length ?? 0} history events, ${workflowTasks} workflow tasks, ${(calls.length / N).toFixed(2)} Spartoo calls${dbAfter && dbBefore ? `, ${((dbAfter.transactions - dbBefore.transactions) / N).toFixed(1)} database transactions` : ''}`,
      `baseline cpu seconds: temporal ${baseline.cpu.temporal.total().toFixed(1)}, worker ${baseline.cpu.worker.total().toFixed(1)}; fixed reference: temporal ${reference.cpu.temporal.total().toFixed(1)}, worker ${reference.cpu.worker.total().toFixed(1)}`,
      `cpu seconds: temporal ${cpu.temporal.total().toFixed(1)}, ${layout === 'postgres' ? 'worker' : 'product'} ${cpu.worker.total().toFixed(1)}${api ? `, api ${cpu.api.total().toFixed(1)}` : ''}${stats ? `, postgres ${cpu.postgres.total().toFixed(1)}` : ''}, bench (sandbox + driver) ${((benchCpu.user + benchCpu.system) / 1e6).toFixed(1)}`,
      `sandbox calls: ${calls.length} (${state.syncs} "Synchronize Orders"), faults injected ${JSON.stringify(Object.fromEntries(countBy(calls, (c) => c.fault)))}`,
      `orders SHIPPED on the sandbox: ${sandboxShipped} of ${N}`,
      `orders SHIPPED in the product: ${shippedInProduct} of ${N}`,
      `store orders: ${storeOrders.length} (orders with exactly one: ${exactlyOne(storePerOrder)} of ${N})`,
      `accepts accepted by the sandbox: ${accepts.length} (orders with exactly one: ${exactlyOne(acceptsPerOrder)} of ${N})`,
      `ships accepted by the sandbox: ${ships.length} (orders with exactly one: ${exactlyOne(shipsPerOrder)} of ${N})`,
      ...(options.faults ? [`worker kills: ${state.kills}`] : []),
      `orders/s: ${rate(ordersPerSecond)}`,
    ];
    const problems: string[] = [];
    if (sandboxShipped !== N) problems.push(`${N - sandboxShipped} orders are not SHIPPED on the sandbox`);
    if (shippedInProduct !== N)
      problems.push(`${N - shippedInProduct} orders are not SHIPPED in the product`);
    if (storeOrders.length !== N || exactlyOne(storePerOrder) !== N)
      problems.push('store orders are not one per order');
    if (accepts.length !== N || exactlyOne(acceptsPerOrder) !== N)
      problems.push('accepts are not one per order');
    if (ships.length !== N || exactlyOne(shipsPerOrder) !== N) problems.push('ships are not one per order');
    if (options.faults && state.kills !== WORKER_KILLS)
      problems.push(`the worker was killed ${state.kills} times`);
    return { lines, problems };
  } finally {
    await finish();
  }
}

export const productId = (i: number) => `BENCH-${String(i).padStart(3, '0')}`;

/** A sandbox order of one line the product auto-accepts (the store has the product, the price matches). */
export function autoAcceptedOrder(i: number) {
  const product = productId(i % PRODUCTS);
  return {
    products: [
      {
        products_reference: 'BENCH',
        products_size_reference: product,
        products_name: `Bench sneaker ${product}`,
        products_qty: '1',
        products_price_unit: '49.90',
        products_price_unit_with_reduce: '49.90',
      },
    ],
  };
}
export const trackingNumber = (orderId: string) => `TRK-${orderId}`;

/** `--catalogue N`: N sizes no order asks for, in the store before the connection's first push. */
async function seedCatalogue(http: ApiClient, sizes: number, log: (line: string) => void) {
  if (sizes === 0) return;
  const started = Date.now();
  await putProducts(http, sizes, (i) => ({
    id: `CAT-${i}`,
    sku: `CAT-SKU-${i}`,
    ean: String(2_000_000_000_000 + i),
    reference: 'CATALOGUE',
    name: `Catalogue size ${i}`,
    stock: 3,
    priceFinalInclTax: 39.9,
    priceOriginalInclTax: 39.9,
  }));
  log(`catalogue: ${sizes} more sizes in the store in ${seconds(Date.now() - started)}`);
}

/**
 * The store's order ids by Spartoo order id, from its listing newest first: each tick reads only the
 * orders created since the last (pages as large as the orders it looks for, a few more for ids
 * committed out of order, until one it knows); an order not found that way has its details read.
 * A page of 100 each tick read about 15 whole store orders an order, which the product's CPU counted.
 */
class StoreOrderIds {
  private readonly ids = new Map<string, string>();
  constructor(
    private readonly http: ApiClient,
    private readonly connectionId: string,
  ) {}

  async learn(orderIds: string[]) {
    let cursor: string | null = null;
    const limit = Math.min(100, orderIds.length + 4);
    while (orderIds.some((id) => !this.ids.has(id))) {
      const page: { items: { id: string; marketplaceOrderId: string }[]; nextCursor: string | null } =
        await this.http.get(
          `/store/orders?connectionId=${this.connectionId}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`,
        );
      const known = page.items.some((o) => this.ids.has(o.marketplaceOrderId));
      for (const o of page.items) this.ids.set(o.marketplaceOrderId, o.id);
      cursor = page.nextCursor;
      if (known || !cursor) return;
    }
  }

  async of(orderId: string): Promise<string | undefined> {
    const known = this.ids.get(orderId);
    if (known !== undefined) return known;
    const detail = await this.http.get<{ storeOrderId: string | null }>(
      `/connections/${this.connectionId}/orders/${orderId}`,
    );
    return detail.storeOrderId ?? undefined;
  }
}

/** When a poll first saw each order (its `poll: new order` log entry), read after the run. */
async function seenAt(http: ApiClient, connectionId: string, orderIds: string[]) {
  const seen = new Map<string, number>();
  await mapLimit(orderIds, 16, async (orderId) => {
    const detail = await http.get<{ log: { at: string; action: string }[] }>(
      `/connections/${connectionId}/orders/${orderId}`,
    );
    const entry = detail.log.find((e) => e.action === 'poll: new order');
    if (entry) seen.set(orderId, Date.parse(entry.at));
  });
  return seen;
}

/**
 * What every orders mode checks once the run settled: orders SHIPPED in the product and on the sandbox,
 * store orders per Spartoo order (exactly once), and each order's latencies from the poll that saw it.
 */
export async function settledOrders(run: {
  http: ApiClient;
  sandbox: { order(id: string): Promise<{ orders_status_id: number; tracking_number?: string }> };
  connectionId: string;
  orderIds: string[];
  state: { seenAt: Map<string, number>; awaitingAt: Map<string, number> };
  shippedAt: Map<string, number>;
}) {
  const { http, sandbox, connectionId, orderIds, state, shippedAt } = run;
  const shippedInProduct = await waitForShippedInProduct(http, connectionId, orderIds.length);
  const storeOrders = await http.all<{ marketplaceOrderId: string }>(
    `/store/orders?connectionId=${connectionId}&limit=500`,
  );
  const storePerOrder = countBy(storeOrders, (o) => o.marketplaceOrderId);
  let sandboxShipped = 0;
  for (const id of orderIds) {
    const o = await sandbox.order(id);
    if (o.orders_status_id === 3 && o.tracking_number === trackingNumber(id)) sandboxShipped++;
  }
  const exactlyOne = (counts: Map<string, number>) => orderIds.filter((id) => counts.get(id) === 1).length;
  const toAwaiting: number[] = [];
  const toShipped: number[] = [];
  for (const id of orderIds) {
    const seen = state.seenAt.get(id);
    if (seen === undefined) continue;
    const awaiting = state.awaitingAt.get(id);
    const shipped = shippedAt.get(id);
    if (awaiting !== undefined) toAwaiting.push(awaiting - seen);
    if (shipped !== undefined) toShipped.push(shipped - seen);
  }
  return { shippedInProduct, storeOrders, storePerOrder, sandboxShipped, exactlyOne, toAwaiting, toShipped };
}

export async function statusCounts(http: ApiClient, connectionId: string) {
  const orders = await http.all<{ status: string }>(`/orders?connectionId=${connectionId}&limit=500`);
  return Object.fromEntries(countBy(orders, (o) => o.status));
}

/** The product sets SHIPPED just after Spartoo confirms: give it a moment. */
export async function waitForShippedInProduct(
  http: ApiClient,
  connectionId: string,
  n: number,
): Promise<number> {
  const until = Date.now() + 60_000;
  for (;;) {
    const shipped = (await statusCounts(http, connectionId)).SHIPPED ?? 0;
    if (shipped >= n || Date.now() > until) return shipped;
    await sleep(250);
  }
}
