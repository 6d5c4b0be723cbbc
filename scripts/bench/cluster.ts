import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { createSandbox } from '../../spartoo/sandbox/app';
import { orderWorkflowId } from '../../workflows/messages';
import { type Cluster, startCluster } from '../cluster/cluster';
import { createOwnPostgres, withDatabase } from '../cluster/postgres';
import type { ManagedProcess } from '../cluster/process';
import { NUM_HISTORY_SHARDS, type TemporalPorts } from '../cluster/temporal';
import { ensureTemporalCli } from '../temporal-cli';
import { ensureClusterTools, TEMPORAL_SERVER_VERSION } from '../temporal-cluster-tools';
import { apiClient, HttpError, sandboxAdmin } from './http';
import { benchCleanups, readProc, sleep } from './procs';
import {
  type BenchReport,
  CpuMeter,
  FAULTS,
  PRODUCTS,
  productId,
  rateLimitBurst,
  ratePause,
  settledOrders,
  statusCounts,
  trackingNumber,
} from './run';
import { countBy, mapLimit, megabytes, percentile, rate, seconds } from './stats';

export interface ClusterBenchOptions {
  orders: number;
  /** The drill: --faults' sandbox faults, plus a worker, the Temporal server and PostgreSQL crashed mid-run. */
  faults: boolean;
  workers: number;
  log?: (line: string) => void;
}

const TICK_MS = 200;
const TASK_QUEUE = 'spartoo-sync';
/**
 * A crash comes at its share of the run's progress (orders imported plus orders shipped, over twice the
 * orders), or this long after the previous one recovered.
 */
const CRASH_AFTER_RECOVERY_MS = 30_000;
const PG_DOWN_MS = 3000;
const SERVER_DOWN_MS = 2000;

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

const portFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/** n consecutive free ports (the workers' metrics ports are METRICS_PORT + index - 1). */
async function freePortRange(n: number): Promise<number> {
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    let ok = true;
    for (let i = 0; i < n && ok; i++) ok = await portFree(base + i);
    if (ok) return base;
  }
}

/**
 * Every port of the cluster's Temporal server free, rather than Temporal's fixed layout; below 32768, since
 * Temporal stores membership ports in a SMALLINT column (and the kernel's ephemeral ports start there).
 */
export async function freeTemporalPorts(): Promise<TemporalPorts> {
  const ports: number[] = [];
  while (ports.length < 10) {
    const port = 10_000 + Math.floor(Math.random() * 22_000);
    if (!ports.includes(port) && (await portFree(port))) ports.push(port);
  }
  const [frontend, history, matching, worker, fm, hm, mm, wm, http, metrics] = ports as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return {
    frontend,
    history,
    matching,
    worker,
    frontendMembership: fm,
    historyMembership: hm,
    matchingMembership: mm,
    workerMembership: wm,
    frontendHttp: http,
    metrics,
  };
}

/**
 * `npm run bench -- --cluster [--workers N] [--faults]`: the bench's orders through the production
 * topology of `npm run cluster` (Temporal server on PostgreSQL, api, N workers, each its own process) on a
 * PostgreSQL cluster of the run's own. With --faults, the drill: the sandbox's faults of --faults, then a
 * worker SIGKILLed and restarted, the Temporal server SIGKILLed and restarted, and PostgreSQL crashed
 * (stop -m immediate) and restarted, while the orders flow; every order must end SHIPPED exactly once.
 */
export async function runClusterBench(options: ClusterBenchOptions): Promise<BenchReport> {
  const log = options.log ?? (() => {});
  const N = options.orders;
  const { cleanups, finish } = benchCleanups(log);

  try {
    const cli = await ensureTemporalCli(log);
    const tools = await ensureClusterTools(log);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'spartoo-bench-cluster-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));

    // ---- PostgreSQL: a cluster of the run's own, so that crashing it harms no other test -------------
    const postgres = await createOwnPostgres(await freePort());
    cleanups.push(() => postgres.drop());
    log(`postgres: cluster ${postgres.version}/${postgres.name} on port ${postgres.port}`);

    // ---- The cluster: Temporal server on PostgreSQL, api, workers ------------------------------------
    const unexpected: string[] = [];
    let t0 = Date.now();
    const apiPort = await freePort();
    const cluster: Cluster = await startCluster({
      cli,
      tools,
      databaseUrl: withDatabase(postgres.url, 'spartoo_bench'),
      ports: {
        api: apiPort,
        temporal: await freeTemporalPorts(),
        workerMetrics: await freePortRange(options.workers),
      },
      workers: options.workers,
      namespace: 'default',
      taskQueue: TASK_QUEUE,
      dataDir: path.join(dir, 'data'),
      apiToken: randomBytes(18).toString('base64url'),
      secretKey: randomBytes(32).toString('base64'),
      // The connection's baseUrl is the sandbox's, on this machine.
      roleEnv: { LOG_LEVEL: 'warn', SPARTOO_ALLOW_CUSTOM_URL: '1' },
      log,
      // The cluster starts such a process again (as a supervisor would): reported, not a failure.
      onUnexpectedExit: (p, how, restartInMs) => {
        unexpected.push(`${p.name} (${how}, at ${seconds(Date.now() - t0)})`);
        log(
          `drill: ${p.name} ended by itself (${how}); the cluster starts it again in ${restartInMs / 1000} s`,
        );
      },
    });
    cleanups.push(() => cluster.stop());
    const connection = await Connection.connect({ address: cluster.temporalAddress });
    cleanups.push(() => connection.close());
    const client = new Client({ connection, namespace: 'default' });

    // ---- Sandbox and seed, as the bench's other modes ---------------------------------------------------
    const sandboxApp = createSandbox({ seed: 20_240_301 });
    const sandboxAddress = await sandboxApp.listen({ port: 0, host: '127.0.0.1' });
    cleanups.push(() => sandboxApp.close());
    const sandbox = sandboxAdmin(sandboxApp);
    const http = apiClient(`http://127.0.0.1:${apiPort}`, cluster.apiToken);
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
    const partenaire = `BENCH-${randomBytes(4).toString('hex').toUpperCase()}`;
    await sandbox.createMerchant(partenaire);
    const { id: connectionId } = await http.post<{ id: string }>('/connections', {
      name: 'Bench',
      apiKey: partenaire,
      baseUrl: `${sandboxAddress}/mp/`,
      autoAccept: true,
      pollIntervalSeconds: 300,
      stockSyncIntervalSeconds: 600,
    });
    for (const until = Date.now() + 60_000; ; ) {
      const c = await http.get<{ lastPoll: unknown; lastStockSync: unknown }>(`/connections/${connectionId}`);
      if (c.lastPoll && c.lastStockSync) break;
      if (Date.now() > until) throw new Error('the connection workflow did not run its first cycle');
      await sleep(200);
    }
    if (options.faults) await sandbox.setFaults({ ...FAULTS, rateLimitPerHour: 0 });
    log(`sandbox: injecting ${N} orders`);
    const orderIds: string[] = [];
    for (let k = 0; k < N; k++) {
      const product = productId(k % PRODUCTS);
      orderIds.push(
        await sandbox.createOrder(partenaire, {
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
        }),
      );
    }

    // ---- Measures: CPU of every process (restarted ones included), peak RSS ---------------------------
    const cpu = {
      temporal: new CpuMeter(),
      workers: new CpuMeter(),
      api: new CpuMeter(),
      pgTemporal: new CpuMeter(),
      pgProduct: new CpuMeter(),
      pgOther: new CpuMeter(),
    };
    const peakKb = new Map<string, number>();
    const sampleProcess = (p: ManagedProcess, meter: CpuMeter) => {
      if (!p.running || !p.pid) return;
      const now = readProc(p.pid);
      if (!now) return;
      meter.observe(p.pid, now.cpuSeconds);
      peakKb.set(p.name, Math.max(peakKb.get(p.name) ?? 0, now.peakRssKb));
    };
    const sampleCpu = () => {
      sampleProcess(cluster.server, cpu.temporal);
      sampleProcess(cluster.api, cpu.api);
      for (const w of cluster.workers) sampleProcess(w, cpu.workers);
      for (const { pid, database } of postgres.pids()) {
        const now = readProc(pid);
        if (!now) continue;
        const meter =
          database === 'temporal' || database === 'temporal_visibility'
            ? cpu.pgTemporal
            : database === 'spartoo_bench'
              ? cpu.pgProduct
              : cpu.pgOther;
        meter.observe(pid, now.cpuSeconds);
      }
    };
    sampleCpu();
    for (const meter of Object.values(cpu)) meter.begin();
    const benchCpuBefore = process.cpuUsage();

    // ---- The run ------------------------------------------------------------------------------------------------
    t0 = Date.now();
    log(`run: ${N} orders, ${options.workers} worker(s)${options.faults ? ', the drill' : ''}`);
    const state = {
      seenAt: new Map<string, number>(),
      awaitingAt: new Map<string, number>(),
      shipRequested: new Set<string>(),
      pending: new Set<string>(),
      done: new Set<string>(),
      syncDone: false,
      finished: false,
      syncs: 0,
      apiErrors: 0,
      failure: undefined as unknown,
    };
    const failed = (err: unknown) => {
      state.failure ??= err;
    };
    /** While something is down, the API answers 5xx or not at all: the merchant's side tries again. */
    const transient = (err: unknown) =>
      (err instanceof HttpError && err.status >= 500) ||
      (err instanceof TypeError && /fetch failed/.test(err.message));
    const syncing = (async () => {
      for (;;) {
        state.syncs++;
        try {
          const result = await http.post<{ ordersFound: number }>(`/connections/${connectionId}/sync`);
          if (result.ordersFound >= N) break;
        } catch (err) {
          if (!transient(err)) throw err;
        }
        await sleep(500);
      }
      state.syncDone = true;
    })().catch(failed);

    // The crashes, one at a time, each at its share of the orders shipped.
    const events: string[] = [];
    const crashes: { share: number; what: string; run: () => Promise<void> }[] = options.faults
      ? [
          {
            share: 0.2,
            what: 'worker-1 SIGKILLed and restarted',
            run: async () => {
              const worker = cluster.workers[0]!;
              await worker.kill();
              await cluster.restart(worker);
            },
          },
          {
            share: 0.45,
            what: `Temporal server SIGKILLed, restarted after ${SERVER_DOWN_MS / 1000} s`,
            run: async () => {
              await cluster.server.kill();
              await sleep(SERVER_DOWN_MS);
              await cluster.restart(cluster.server);
            },
          },
          {
            share: 0.7,
            what: `PostgreSQL crashed (stop -m immediate), started again after ${PG_DOWN_MS / 1000} s`,
            run: () => postgres.crashRestart(PG_DOWN_MS),
          },
        ]
      : [];
    const chaos = options.faults ? runChaos().catch(failed) : Promise.resolve();
    async function runChaos() {
      let lastRecovered = Date.now();
      let nextBurst = Date.now() + ratePause();
      let crashing: Promise<void> | undefined;
      while (!state.finished) {
        if (Date.now() >= nextBurst) {
          await rateLimitBurst(sandbox, partenaire);
          nextBurst = Date.now() + ratePause();
        }
        const next = crashes[0];
        if (
          next &&
          !crashing &&
          state.syncDone &&
          ((state.awaitingAt.size + state.done.size) / (2 * N) >= next.share ||
            Date.now() - lastRecovered >= CRASH_AFTER_RECOVERY_MS)
        ) {
          crashes.shift();
          const at = Date.now();
          const shipped = `${state.awaitingAt.size} imported, ${state.done.size} shipped`;
          log(`drill: ${next.what} (${shipped}) ...`);
          crashing = next.run().then(() => {
            const line = `${next.what} at ${seconds(at - t0)} (${shipped} of ${N}), ready again after ${seconds(Date.now() - at)}`;
            events.push(line);
            log(`drill: ${line}`);
            lastRecovered = Date.now();
            crashing = undefined;
          });
          crashing.catch(failed);
        }
        await sleep(100);
      }
      await crashing;
    }

    const timeoutMs = (options.faults ? 900_000 : 300_000) + N * 500;
    let lastProgress = 0;
    let lastCpuSample = 0;
    const shipOne = async (orderId: string) => {
      try {
        const detail = await http.get<{
          storeOrderId: string | number | null;
          log: { at: string; action: string }[];
        }>(`/connections/${connectionId}/orders/${orderId}`);
        const seen = detail.log.find((e) => e.action === 'poll: new order');
        if (seen) state.seenAt.set(orderId, Date.parse(seen.at));
        if (detail.storeOrderId === null)
          throw new Error(`order ${orderId} is AWAITING_SHIPMENT with no store order`);
        await http.post(`/store/orders/${detail.storeOrderId}/ship`, {
          carrier: 'Colissimo',
          trackingNumber: trackingNumber(orderId),
        });
        state.shipRequested.add(orderId);
        state.pending.add(orderId);
      } catch (err) {
        if (!transient(err)) throw err;
        state.apiErrors++;
      }
    };
    try {
      while (state.done.size < N) {
        if (state.failure) throw state.failure;
        if (Date.now() - t0 > timeoutMs) {
          throw new Error(
            `timed out after ${seconds(timeoutMs)}: ${state.done.size}/${N} SHIPPED on the sandbox; ` +
              `product statuses ${JSON.stringify(await statusCounts(http, connectionId).catch(() => 'unavailable'))}`,
          );
        }
        const tick = Date.now();
        try {
          const awaiting = await http.all<{ orderId: string }>(
            `/orders?connectionId=${connectionId}&status=AWAITING_SHIPMENT&limit=500`,
          );
          const listedAt = Date.now();
          for (const o of awaiting)
            if (!state.awaitingAt.has(o.orderId)) state.awaitingAt.set(o.orderId, listedAt);
          const toShip = awaiting.map((o) => o.orderId).filter((id) => !state.shipRequested.has(id));
          await mapLimit(toShip, 16, shipOne);
        } catch (err) {
          if (!transient(err)) throw err;
          state.apiErrors++;
        }
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
          sampleCpu();
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
    await syncing;
    if (state.failure) throw state.failure;
    sampleCpu();
    const benchCpu = process.cpuUsage(benchCpuBefore);
    if (options.faults)
      await sandbox.setFaults({ ...FAULTS, failureRate: 0, latencyMs: 0, rateLimitPerHour: 0 });

    // ---- What the sandbox received and the product shows ------------------------------------------------
    const calls = await sandbox.calls(partenaire);
    const accepted = (statut: string) =>
      calls.filter((c) => c.script === 'xml_maj_orders.php' && c.params.statut === statut && c.code === 1);
    const accepts = accepted('2');
    const ships = accepted('3');
    const acceptsPerOrder = countBy(accepts, (c) => c.params.oID);
    const shipsPerOrder = countBy(ships, (c) => c.params.oID);
    const shippedAt = new Map<string, number>();
    for (const c of ships) if (c.params.oID) shippedAt.set(c.params.oID, Date.parse(c.at));
    const durationMs = Math.max(...orderIds.map((id) => shippedAt.get(id) ?? Date.now())) - t0;
    const {
      shippedInProduct,
      storeOrders,
      storePerOrder,
      sandboxShipped,
      exactlyOne,
      toAwaiting,
      toShipped,
    } = await settledOrders({ http, sandbox, connectionId, orderIds, state, shippedAt });
    const history = await client.workflow
      .getHandle(orderWorkflowId(connectionId, orderIds[0]!))
      .fetchHistory();
    let workflowTasks = 0;
    for (const event of history.events ?? []) if (event.workflowTaskCompletedEventAttributes) workflowTasks++;

    // ---- Figures ----------------------------------------------------------------------------------------------
    const ordersPerSecond = N / (durationMs / 1000);
    const perOrder = (meter: CpuMeter) => `${Math.round((meter.total() * 1000) / N)} ms`;
    const benchSeconds = (benchCpu.user + benchCpu.system) / 1e6;
    const totalCpu = Object.values(cpu).reduce((sum, m) => sum + m.total(), 0) + benchSeconds;
    const lines = [
      `bench: ${N} orders at once through the cluster (Temporal server ${TEMPORAL_SERVER_VERSION} on PostgreSQL ${postgres.version}, ${NUM_HISTORY_SHARDS} shards; api; ${options.workers} worker process(es))${options.faults ? `; drill: faults (failure rate ${FAULTS.failureRate}, +${FAULTS.latencyMs} ms, -429 bursts) and crashes` : ''}; ${os.cpus().length} CPUs`,
      ...events.map((e) => `crash: ${e}`),
      `duration: ${seconds(durationMs)} (first sync to last order SHIPPED on the sandbox)`,
      `latency to AWAITING_SHIPMENT p50: ${seconds(percentile(toAwaiting, 0.5))}`,
      `latency to AWAITING_SHIPMENT p99: ${seconds(percentile(toAwaiting, 0.99))}`,
      `latency to SHIPPED p50: ${seconds(percentile(toShipped, 0.5))}`,
      `latency to SHIPPED p99: ${seconds(percentile(toShipped, 0.99))}`,
      `cpu per order: temporal server ${perOrder(cpu.temporal)}, workers ${perOrder(cpu.workers)}, api ${perOrder(cpu.api)}, postgres for temporal ${perOrder(cpu.pgTemporal)}, postgres for the product ${perOrder(cpu.pgProduct)}, postgres other ${perOrder(cpu.pgOther)}, bench (sandbox + driver) ${Math.round((benchSeconds * 1000) / N)} ms; total ${Math.round((totalCpu * 1000) / N)} ms`,
      `peak RSS: ${[...peakKb].map(([name, kb]) => `${name} ${megabytes(kb)}`).join(', ')}`,
      `per order: ${history.events?.length ?? 0} history events, ${workflowTasks} workflow tasks, ${(calls.length / N).toFixed(2)} Spartoo calls`,
      `sandbox calls: ${calls.length} (${state.syncs} "Synchronize Orders"), faults injected ${JSON.stringify(Object.fromEntries(countBy(calls, (c) => c.fault)))}; API calls that failed while something was down (tried again): ${state.apiErrors}`,
      `orders SHIPPED on the sandbox: ${sandboxShipped} of ${N}`,
      `orders SHIPPED in the product: ${shippedInProduct} of ${N}`,
      `store orders: ${storeOrders.length} (orders with exactly one: ${exactlyOne(storePerOrder)} of ${N})`,
      `accepts accepted by the sandbox: ${accepts.length} (orders with exactly one: ${exactlyOne(acceptsPerOrder)} of ${N})`,
      `ships accepted by the sandbox: ${ships.length} (orders with exactly one: ${exactlyOne(shipsPerOrder)} of ${N})`,
      `processes that ended by themselves, started again by the cluster: ${unexpected.length ? unexpected.join('; ') : 'none'}`,
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
    if (options.faults && events.length !== 3) problems.push(`${events.length} of the 3 crashes happened`);
    return { lines, problems };
  } finally {
    await finish();
  }
}
