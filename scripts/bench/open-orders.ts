import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { readMemoryBounds } from '../../runtime/memory';
import { createSandbox } from '../../spartoo/sandbox/app';
import { type ApiClient, sandboxAdmin } from './http';
import { benchCleanups, sleep } from './procs';
import { type BenchProduct, startBenchProduct } from './product';
import { autoAcceptedOrder, type BenchReport, PRODUCTS, productId, trackingNumber } from './run';
import { countBy, mapLimit, megabytes, rate, seconds } from './stats';

/**
 * `npm run bench -- --open-orders N [--burst B]` (issue 14, item 1): the product's memory with N orders
 * sitting in AWAITING_SHIPMENT, then B more arriving in a burst on top. The orders come in through the
 * product's own path (polls of connections of at most 1000 orders each, auto-accepted, imported); the
 * run samples the RSS of the product's processes as the open orders grow, then ships a sample of the
 * oldest ones (long evicted from the worker's sticky cache: each is replayed) and checks every order
 * was accepted and imported once and every shipped one confirmed once. Correctness problems fail the
 * run; memory and timings never do.
 */
export interface OpenOrdersBenchOptions {
  orders: number;
  /** Orders arriving on top once the N are open; default a tenth of N, at most 1000. */
  burst?: number;
  /** A PostgreSQL server (admin URL) on which the run creates its own database; unset: embedded PGlite. */
  postgresUrl?: string;
  log?: (line: string) => void;
}

/** The most orders one connection's poll starts (a merchant with more gets several connections here). */
const ORDERS_PER_CONNECTION = 1000;
/** The oldest open orders shipped at the end: replayed after eviction, each must be confirmed once. */
const SHIPPED_SAMPLE = 100;
const SAMPLE_MS = 1000;
/** How long the idle product is watched before any order. */
const IDLE_MS = 15_000;

interface Merchant {
  partenaire: string;
  connectionId: string;
  orderIds: string[];
}

export async function runOpenOrdersBench(options: OpenOrdersBenchOptions): Promise<BenchReport> {
  const log = options.log ?? (() => {});
  const N = options.orders;
  const B = options.burst ?? Math.min(1000, Math.ceil(N / 10));
  const { cleanups, finish } = benchCleanups(log);
  try {
    const product = await startBenchProduct({ postgresUrl: options.postgresUrl, cleanups, log });
    const memory = memoryWatch(product);
    log(`idle: watching the product for ${seconds(IDLE_MS)} before any order`);
    await memory.watchFor(IDLE_MS);
    const idle = memory.now();
    const heapIdle = await heapBreakdown(product.http);
    const sandboxApp = createSandbox({ seed: 20_240_301 });
    const sandboxAddress = await sandboxApp.listen({ port: 0, host: '127.0.0.1' });
    cleanups.push(() => sandboxApp.close());
    const sandbox = sandboxAdmin(sandboxApp);
    const { http } = product;
    await http.put(
      '/store/products',
      Array.from({ length: PRODUCTS }, (_, i) => ({
        id: productId(i),
        reference: 'BENCH',
        name: `Bench sneaker ${i}`,
        stock: 10 * (N + B) + 100,
        priceFinalInclTax: 49.9,
        priceOriginalInclTax: 59.9,
      })),
    );

    // ---- N open orders, through the connections' polls ------------------------------------------------
    const runTag = randomBytes(3).toString('hex').toUpperCase();
    const merchants: Merchant[] = [];
    for (let i = 0; i * ORDERS_PER_CONNECTION < N; i++) {
      const partenaire = `OPEN-${runTag}-${String(i).padStart(3, '0')}`;
      await sandbox.createMerchant(partenaire);
      const count = Math.min(ORDERS_PER_CONNECTION, N - i * ORDERS_PER_CONNECTION);
      const orderIds: string[] = [];
      for (let k = 0; k < count; k++)
        orderIds.push(await sandbox.createOrder(partenaire, autoAcceptedOrder(k)));
      merchants.push({ partenaire, connectionId: '', orderIds });
    }
    log(`sandbox: ${N} orders for ${merchants.length} merchants; creating their connections`);
    for (const [i, m] of merchants.entries()) {
      const created = await http.post<{ id: string }>('/connections', {
        name: `Merchant ${i}`,
        apiKey: m.partenaire,
        baseUrl: `${sandboxAddress}/mp/`,
        autoAccept: true,
        pollIntervalSeconds: 60,
        stockSyncIntervalSeconds: 86_400,
      });
      m.connectionId = created.id;
    }
    const growth: { open: number; rssKb: number }[] = [];
    const fillMs = await untilAwaiting(http, N, {
      timeoutMs: 600_000 + N * 500,
      log,
      watch: memory,
      onCount: (open) => growth.push({ open, rssKb: memory.now().total }),
    });
    const heapOpen = await heapBreakdown(http);
    await memory.watchFor(10_000);
    const open = memory.now();

    // ---- B more in a burst on top --------------------------------------------------------------------------
    log(`burst: ${B} orders on top of the ${N} open ones`);
    const burstIds: string[] = [];
    for (let k = 0; k < B; k++) {
      const m = merchants[k % merchants.length]!;
      const id = await sandbox.createOrder(m.partenaire, autoAcceptedOrder(k));
      m.orderIds.push(id);
      burstIds.push(id);
    }
    const b0 = Date.now();
    await mapLimit(merchants, 4, (m) => http.post(`/connections/${m.connectionId}/sync`));
    await untilAwaiting(http, N + B, { timeoutMs: 300_000 + B * 500, log, watch: memory });
    const burstMs = Date.now() - b0;
    await memory.watchFor(10_000);
    const afterBurst = memory.now();

    // ---- The oldest open orders shipped: replayed after eviction ---------------------------------------
    const sample = merchants[0]!.orderIds.slice(0, Math.min(SHIPPED_SAMPLE, N));
    log(`shipping the ${sample.length} oldest open orders`);
    const s0 = Date.now();
    await mapLimit(sample, 8, async (orderId) => {
      const m = merchants[0]!;
      const detail = await http.get<{ storeOrderId: string | null }>(
        `/connections/${m.connectionId}/orders/${orderId}`,
      );
      if (detail.storeOrderId === null) throw new Error(`order ${orderId} has no store order`);
      await http.post(`/store/orders/${detail.storeOrderId}/ship`, {
        carrier: 'Colissimo',
        trackingNumber: trackingNumber(orderId),
      });
    });
    const shippedOnSandbox = await untilShipped(sandbox, sample, 120_000 + sample.length * 500);
    const shipMs = Date.now() - s0;
    const last = memory.now();

    // ---- Exactly once --------------------------------------------------------------------------------------
    const all = merchants.flatMap((m) => m.orderIds);
    const calls = (await Promise.all(merchants.map((m) => sandbox.calls(m.partenaire)))).flat();
    const changes = (statut: string) =>
      calls.filter((c) => c.script === 'xml_maj_orders.php' && c.params.statut === statut && c.code === 1);
    const accepts = countBy(changes('2'), (c) => c.params.oID);
    const ships = countBy(changes('3'), (c) => c.params.oID);
    const storeOrders = countBy(
      await http.all<{ marketplaceOrderId: string }>('/store/orders?limit=500'),
      (o) => o.marketplaceOrderId,
    );
    const exactlyOne = (ids: string[], counts: Map<string, number>) =>
      ids.filter((id) => counts.get(id) === 1).length;
    // Embedded, the API's /metrics carries the worker's SDK series; the PostgreSQL layout's worker is apart.
    const metrics =
      product.layout === 'embedded'
        ? await stickyCacheMetrics(http)
        : 'not read (the worker is its own process)';

    const mb = (kb: number) => megabytes(kb);
    const bounds = readMemoryBounds();
    const lines = [
      `bench: ${N} open orders (${merchants.length} connections), then ${B} in a burst on top; database ${product.layout === 'postgres' ? 'PostgreSQL (worker and API each their own process)' : 'PGlite (embedded, npm start)'}; ${os.cpus().length} CPUs, ${Math.round(os.totalmem() / 2 ** 30)} GB`,
      `bounds: ${process.env.WORKER_CACHED_WORKFLOWS ?? bounds.cachedWorkflows} cached workflows${product.layout === 'embedded' ? `, PGlite shared buffers ${bounds.pgliteSharedBuffersMb} MB` : ''}`,
      `RSS idle (ready, no order): ${memory.describe(idle)}`,
      `${product.layout === 'embedded' ? 'product process' : 'API process'} idle: ${heapIdle}`,
      `RSS as the open orders grow: ${growth.map((g) => `${g.open}: ${mb(g.rssKb)}`).join(', ')}`,
      `RSS with ${N} open orders: ${memory.describe(open)}`,
      `${product.layout === 'embedded' ? 'product process' : 'API process'} with ${N} open orders: ${heapOpen}`,
      `RSS after the burst (${N + B} open): ${memory.describe(afterBurst)}`,
      `RSS at the end: ${memory.describe(last)}`,
      `peak RSS over the run: ${memory.describePeaks()}`,
      `open orders: ${N} AWAITING_SHIPMENT ${seconds(fillMs)} after the connections were created (${rate(N / (fillMs / 1000))} orders/s)`,
      `burst: ${B} more AWAITING_SHIPMENT ${seconds(burstMs)} after their "Synchronize Orders" (${rate(B / (burstMs / 1000))} orders/s)`,
      `oldest ${sample.length} shipped (replayed after eviction): SHIPPED on the sandbox ${seconds(shipMs)} after the first ship`,
      `sticky cache (worker's SDK metrics): ${metrics}`,
      `store orders: orders with exactly one: ${exactlyOne(all, storeOrders)} of ${all.length}`,
      `accepts accepted by the sandbox: orders with exactly one: ${exactlyOne(all, accepts)} of ${all.length}`,
      `ships accepted by the sandbox: sample orders with exactly one: ${exactlyOne(sample, ships)} of ${sample.length}, others ${[...ships.keys()].filter((id) => !sample.includes(id)).length}`,
    ];
    const problems: string[] = [];
    if (exactlyOne(all, storeOrders) !== all.length) problems.push('store orders are not one per order');
    if (exactlyOne(all, accepts) !== all.length) problems.push('accepts are not one per order');
    if (shippedOnSandbox !== sample.length || exactlyOne(sample, ships) !== sample.length)
      problems.push('the shipped sample is not confirmed once per order');
    return { lines, problems };
  } finally {
    await finish();
  }
}

type MemoryWatch = ReturnType<typeof memoryWatch>;

/** The RSS of each of the product's processes: now, and its peak (VmHWM) over the run. */
function memoryWatch(product: BenchProduct) {
  const now = () => {
    const each = product.processes.map((p) => p.sample().rssKb);
    return { each, total: each.reduce((a, b) => a + b, 0) };
  };
  const describe = (m: { each: number[]; total: number }) =>
    m.each.length === 1
      ? megabytes(m.total)
      : product.processes.map((p, i) => `${p.name} ${megabytes(m.each[i]!)}`).join(', ');
  return {
    now,
    describe,
    describePeaks: () =>
      product.processes.map((p) => `${p.name} ${megabytes(p.sample().peakRssKb)}`).join(', '),
    async watchFor(ms: number) {
      for (const until = Date.now() + ms; Date.now() < until; ) {
        now();
        await sleep(SAMPLE_MS);
      }
    },
  };
}

/** Waits until the product shows `total` orders AWAITING_SHIPMENT, sampling memory; answers how long. */
async function untilAwaiting(
  http: ApiClient,
  total: number,
  options: {
    timeoutMs: number;
    log: (line: string) => void;
    watch: MemoryWatch;
    onCount?: (n: number) => void;
  },
): Promise<number> {
  const start = Date.now();
  let nextMark = 0;
  for (;;) {
    const awaiting = await countAwaiting(http);
    if (options.onCount && awaiting >= nextMark) {
      options.onCount(awaiting);
      while (awaiting >= nextMark) nextMark += Math.max(1, Math.ceil(total / 5));
    }
    if (awaiting >= total) return Date.now() - start;
    if (Date.now() - start > options.timeoutMs)
      throw new Error(
        `only ${awaiting} of ${total} orders AWAITING_SHIPMENT after ${seconds(options.timeoutMs)}`,
      );
    options.log(
      `  ${seconds(Date.now() - start)}: ${awaiting} of ${total} AWAITING_SHIPMENT, RSS ${options.watch.describe(options.watch.now())}`,
    );
    await options.watch.watchFor(5000);
  }
}

async function countAwaiting(http: ApiClient): Promise<number> {
  return (await http.all<{ orderId: string }>('/orders?status=AWAITING_SHIPMENT&limit=500')).length;
}

/** Waits until the sandbox holds each order in status 3; answers how many are. */
async function untilShipped(
  sandbox: ReturnType<typeof sandboxAdmin>,
  orderIds: string[],
  timeoutMs: number,
): Promise<number> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    let shipped = 0;
    for (const id of orderIds) if ((await sandbox.order(id)).orders_status_id === 3) shipped++;
    if (shipped === orderIds.length || Date.now() > until) return shipped;
    await sleep(1000);
  }
}

/** The sum of a series' samples in the product's /metrics (embedded: worker and API in one process). */
async function metricsReader(http: ApiClient) {
  const text = await http.get<string>('/metrics').catch(() => '');
  return (name: string) =>
    typeof text !== 'string'
      ? Number.NaN
      : text
          .split('\n')
          .filter((l) => l.startsWith(name))
          .map((l) => Number(l.split(' ').at(-1)))
          .reduce((a, b) => a + b, 0);
}

/** The worker's sticky cache as the SDK counts it. */
async function stickyCacheMetrics(http: ApiClient): Promise<string> {
  const pick = await metricsReader(http);
  return `size ${pick('temporal_sticky_cache_size')}, forced evictions ${pick('temporal_sticky_cache_total_forced_eviction')}`;
}

/**
 * Where the main thread's memory is (prom-client's process metrics): the JavaScript heap, and memory
 * outside it (PGlite's WebAssembly memory, buffers). The rest of the RSS is code, the workflow thread's
 * heap (sticky cache) and tsx's loader thread.
 */
async function heapBreakdown(http: ApiClient): Promise<string> {
  const pick = await metricsReader(http);
  const mb = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MB`;
  return `main heap ${mb(pick('spartoo_sync_nodejs_heap_size_used_bytes'))} used of ${mb(pick('spartoo_sync_nodejs_heap_size_total_bytes'))}, external ${mb(pick('spartoo_sync_nodejs_external_memory_bytes'))}`;
}
