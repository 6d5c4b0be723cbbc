import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import { openDatabase } from '../../db/client';
import type { OrderStatus } from '../../domain/statuses';
import { createSandbox } from '../../spartoo/sandbox/app';
import { formatSpartooDateTime } from '../../spartoo/values';
import { workflowsPath } from '../../workers/worker';
import { ensureTemporalCli } from '../temporal-cli';
import { startTemporalDevServer } from '../temporal-server';
import { apiClient, HttpError, type SandboxCall } from './http';
import { createScratchDatabase, redact } from './postgres';
import { benchCleanups, Child, sleep } from './procs';
import { countBy, mapLimit, seconds } from './stats';

/**
 * `npm run bench -- --hostile [--orders N]`: the drill of issue "Nothing lost, nothing stuck". The whole
 * product (as `npm start` runs it, or API and worker apart on PostgreSQL) against the sandbox failing a
 * fifth of its calls, slower, with -429 bursts (and, on PostgreSQL, three worker SIGKILLs), and N orders
 * that mix the data faults and Spartoo-side changes into the ordinary flow (MIX below). The drill plays
 * the merchant (ships, cancels, decides, repairs and retries through the API) and Spartoo (customer
 * cancellations, lost parcels) until every order is where its scenario says, then checks, one line
 * each, the final statuses on both sides, the parked unreadable orders, that nothing was imported or
 * sent twice, and the stock. Any failed check makes the run fail; timings never do.
 */
export interface HostileOptions {
  orders: number;
  /** A PostgreSQL server (admin URL): API and worker in their own processes, the worker SIGKILLed. */
  postgresUrl?: string;
  /** Progress, to stderr. */
  log?: (line: string) => void;
}

export interface HostileReport {
  lines: string[];
  problems: string[];
}

type Scenario =
  | 'ship'
  | 'duplicate-key'
  | 'out-of-stock'
  | 'late'
  | 'unreadable-parked'
  | 'unreadable-repaired'
  | 'unreadable-cancelled'
  | 'cancelled-before-seen'
  | 'cancelled-before-decision'
  | 'cancelled-racing-accept'
  | 'cancelled-after-import'
  | 'cancelled-ship-rejected'
  | 'merchant-cancel'
  | 'parcel-lost'
  | 'not-delivered'
  | 'refuse-racing-fetch'
  | 'accept-racing-fetch'
  | 'import-failed-fixed'
  | 'import-failed-cancelled';

/** The mix: a share of N each (at least `min`), the rest plain orders shipped by the merchant. */
const MIX: readonly { scenario: Scenario; share: number; min: number; what: string }[] = [
  {
    scenario: 'duplicate-key',
    share: 0.05,
    min: 2,
    what: 'line keyed by a sku two store products share: the lower product id is taken; shipped → SHIPPED',
  },
  {
    scenario: 'out-of-stock',
    share: 0.05,
    min: 4,
    what: 'five orders for each product of stock 2: two auto-accepted and shipped → SHIPPED, three OUT_OF_STOCK refused by hand → REFUSED',
  },
  {
    scenario: 'late',
    share: 0.05,
    min: 2,
    what: 'purchased 5 h before it appears, created after the first polls (the 14-day sweep finds it); shipped → SHIPPED',
  },
  {
    scenario: 'unreadable-parked',
    share: 0.03,
    min: 2,
    what: 'unreadable (no price / quantity "two" / empty date), left so → FETCH_FAILED, purchasedAt and total null, in lastPoll',
  },
  {
    scenario: 'unreadable-repaired',
    share: 0.03,
    min: 2,
    what: 'unreadable, repaired on Spartoo and retried through the API once parked; shipped → SHIPPED',
  },
  {
    scenario: 'unreadable-cancelled',
    share: 0.01,
    min: 1,
    what: 'unreadable (its status still readable), then the customer cancels (41) while parked → REFUSED',
  },
  {
    scenario: 'cancelled-before-seen',
    share: 0.01,
    min: 1,
    what: 'the customer cancels (41) before any poll sees it → never followed: not in the product',
  },
  {
    scenario: 'cancelled-before-decision',
    share: 0.03,
    min: 1,
    what: 'price under the threshold (waits for the merchant), then 41 on Spartoo → REFUSED',
  },
  {
    scenario: 'cancelled-racing-accept',
    share: 0.03,
    min: 1,
    what: '41 on Spartoo as the first sync returns, racing the auto-accept: REFUSED if Spartoo refused the accept (-7), else CANCELLED',
  },
  {
    scenario: 'cancelled-after-import',
    share: 0.03,
    min: 1,
    what: '41 on Spartoo once imported → CANCELLED, store order cancelled and restocked',
  },
  {
    scenario: 'cancelled-ship-rejected',
    share: 0.03,
    min: 1,
    what: '41 on Spartoo once imported, and the merchant ships at once: Spartoo refuses the 3 (-7, SHIPMENT_FAILED) until the poll sees the 41 → CANCELLED, restocked',
  },
  {
    scenario: 'merchant-cancel',
    share: 0.03,
    min: 1,
    what: 'the merchant cancels the store order (POST /store/orders/:id/cancel) → CANCELLED, restocked, 41 sent once',
  },
  {
    scenario: 'parcel-lost',
    share: 0.03,
    min: 1,
    what: 'shipped, then 45 on Spartoo as soon as it holds 3 (between polls) → PARCEL_LOST',
  },
  {
    scenario: 'not-delivered',
    share: 0.03,
    min: 1,
    what: 'shipped, then 47 on Spartoo once the product shows SHIPPED → NOT_DELIVERED',
  },
  {
    scenario: 'refuse-racing-fetch',
    share: 0.03,
    min: 1,
    what: 'auto-acceptable, refused by hand the moment it appears: 200 → REFUSED; 409 (the rule came first) → shipped → SHIPPED',
  },
  {
    scenario: 'accept-racing-fetch',
    share: 0.02,
    min: 1,
    what: 'price under the threshold, accepted by hand the moment it appears; shipped → SHIPPED',
  },
  {
    scenario: 'import-failed-fixed',
    share: 0.02,
    min: 1,
    what: 'unknown product, accepted by hand → IMPORT_FAILED; the product is added to the store and the import retried; shipped → SHIPPED',
  },
  {
    scenario: 'import-failed-cancelled',
    share: 0.01,
    min: 1,
    what: 'unknown product, accepted by hand → IMPORT_FAILED, then 41 on Spartoo → CANCELLED, nothing in the store',
  },
];
const SHIP_WHAT = 'auto-accepted, shipped by the merchant through the store API → SHIPPED';

/** Sandbox faults of `--faults`: a fifth of the calls fail (500, cut XML, answer lost after the change), +50 ms. */
const FAULTS = { failureRate: 0.2, latencyMs: 50, malformedRate: 0, timeoutRate: 0 };
const NO_FAULTS = { failureRate: 0, latencyMs: 0, malformedRate: 0, timeoutRate: 0, rateLimitPerHour: 0 };
const RATE_LIMIT_BURST_MS = 1500;
const ratePause = () => 3000 + Math.random() * 6000;
const WORKER_KILLS = 3;
/**
 * The first kill lands in the middle of the first poll; the next ones once a third, then two thirds,
 * of the orders are where they end, or this long after the last restart, whichever comes first.
 */
const FIRST_KILL_AFTER_SYNC_MS = 1500;
const KILL_EVERY_MS = 15_000;
const POLL_INTERVAL_SECONDS = 10;
/** "Synchronize Orders" this often, so Spartoo-side changes are seen sooner than every 10 s. */
const SYNC_EVERY_MS = 4000;
const TICK_MS = 500;
/** No order moved and the drill did nothing for this long: the rest is stuck, the checks say where. */
const STALL_MS = 150_000;
const LATE_BY_MS = 5 * 60 * 60 * 1000;
const TASK_QUEUE = 'spartoo-sync';

const PLENTY = 20;
const PLENTY_STOCK = 1000;
const LOW_STOCK = 2;
const ORDERS_PER_LOW_PRODUCT = 5;
const NEW_PRODUCT_STOCK = 5;
const PRICE = '49.90';
const LOW_PRICE = '20.00';
const DUP_KEY = 'HSKU-DUP';
const DUP_WINNER = 'H-DUP-A';
const DUP_LOSER = 'H-DUP-B';

const plentyId = (i: number) => `H-P-${String(i).padStart(2, '0')}`;
const plentyKey = (i: number) => `HSKU-${String(i).padStart(2, '0')}`;
const lowId = (i: number) => `H-LOW-${i}`;
const lowKey = (i: number) => `HSKU-LOW-${i}`;
const newId = (i: number) => `H-NEW-${i}`;
const newKey = (i: number) => `HSKU-NEW-${i}`;
const tracking = (orderId: string) => `TRK-${orderId}`;

/** The three unreadable shapes, in turn: no price, a quantity in words, an empty purchase date. */
const CORRUPTIONS: readonly Record<string, string | null>[] = [
  { products_price_unit: null, products_price_unit_with_reduce: null },
  { products_qty: 'two' },
  { date_purchased: '' },
];

type Action =
  | 'ship'
  | 'spartoo-41'
  | 'spartoo-45'
  | 'spartoo-47'
  | 'repair'
  | 'retry'
  | 'accept'
  | 'refuse'
  | 'cancel'
  | 'add-product';

interface DrillOrder {
  id: string;
  scenario: Scenario;
  wave: 'main' | 'late';
  /** The line's key (the sku) and the store product that must take it (undefined: none, yet). */
  key: string;
  productId?: string;
  lowProduct?: number;
  newProduct?: number;
  corrupt?: Record<string, string | null>;
  did: Set<Action>;
  /** For orders whose path the product decides (stock, races): 'ship' or 'refuse', once known. */
  plan?: 'ship' | 'refuse' | 'unknown';
  status?: OrderStatus;
  /** Every status the grid showed for it. */
  trail: Set<OrderStatus>;
  errors: string[];
}

interface GridOrder {
  orderId: string;
  status: OrderStatus;
  spartooStatus: number | null;
  purchasedAt: string | null;
  total: number | null;
}

interface OrderDetail {
  status: OrderStatus;
  storeOrderId: number | null;
  lastError: string | null;
  decision: { auto: boolean; reasons: { code: string }[] } | null;
  log: { action: string; result: string; detail: string | null }[];
}

interface StoreOrder {
  id: number | string;
  marketplaceOrderId: string;
  status: 'OPEN' | 'SHIPPED' | 'CANCELLED';
  items: { productId: string; quantity: number }[];
  trackingNumber: string | null;
}

interface SandboxOrder {
  orders_id: string;
  orders_status_id: number;
  tracking_number: string;
}

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

/** A small seeded generator: the same N gives the same mix in the same order. */
function seeded(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** How many orders of each scenario for N (the rest plain); throws when N is too small for the mix. */
export function hostileMix(n: number): Map<Scenario, number> {
  const counts = new Map<Scenario, number>();
  let taken = 0;
  for (const m of MIX) {
    const count = Math.max(m.min, Math.round(m.share * n));
    counts.set(m.scenario, count);
    taken += count;
  }
  const minimum = MIX.reduce((sum, m) => sum + m.min, 0) + 5;
  if (n < minimum)
    throw new Error(`--hostile needs at least ${minimum} orders (one of each scenario), got ${n}`);
  counts.set('ship', n - taken);
  return counts;
}

/** The sandbox's admin side, in this process. */
function sandboxAdmin(app: FastifyInstance) {
  const call = async <T>(method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown): Promise<T> => {
    const res = await app.inject({
      method,
      url,
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
    if (res.statusCode >= 300) throw new HttpError(res.statusCode, `sandbox ${method} ${url}: ${res.body}`);
    return res.json() as T;
  };
  return {
    createMerchant: (partenaire: string) => call('POST', '/_sandbox/merchants', { partenaire }),
    createOrder: async (partenaire: string, order: object, corrupt?: object) =>
      (
        await call<{ orders_id: string }>('POST', '/_sandbox/orders', {
          partenaire,
          order,
          ...(corrupt ? { corrupt } : {}),
        })
      ).orders_id,
    order: (oID: string) => call<SandboxOrder>('GET', `/_sandbox/orders/${oID}`),
    orders: (partenaire: string) =>
      call<SandboxOrder[]>('GET', `/_sandbox/orders?partenaire=${encodeURIComponent(partenaire)}`),
    setStatus: (oID: string, statut: number) =>
      call<SandboxOrder>('POST', `/_sandbox/orders/${oID}/status`, { statut }),
    repair: (oID: string) => call('POST', `/_sandbox/orders/${oID}/repair`),
    setFaults: (faults: Record<string, number>) => call('PUT', '/_sandbox/faults', faults),
    calls: (partenaire: string) =>
      call<SandboxCall[]>('GET', `/_sandbox/calls?partenaire=${encodeURIComponent(partenaire)}`),
  };
}

/** What an order must end as, on both sides, and what the sandbox may have received for it. */
interface Expectation {
  /** Acceptable final statuses in the product; empty: the product must not know the order. */
  statuses: OrderStatus[];
  /** Acceptable Spartoo statuses at the end. */
  spartoo: number[];
  /** Changes that took effect on Spartoo (accepted calls, answer lost or not), per status sent. */
  accepts: number[];
  ships: number[];
  cancels: number[];
  /** Its store order at the end: none, or in that status (several: either). */
  store: ('none' | 'SHIPPED' | 'CANCELLED')[];
  /** The store stock it keeps taken at the end (a shipped order's line). */
  takesStock: boolean;
}

const SHIPPED_EXPECTED = (status: OrderStatus, spartoo: number): Expectation => ({
  statuses: [status],
  spartoo: [spartoo],
  accepts: [1],
  ships: [1],
  cancels: [0],
  store: ['SHIPPED'],
  takesStock: true,
});
const REFUSED_BY_MERCHANT: Expectation = {
  statuses: ['REFUSED'],
  spartoo: [41],
  accepts: [0],
  ships: [0],
  cancels: [1],
  store: ['none'],
  takesStock: false,
};
const REFUSED_BY_CUSTOMER: Expectation = { ...REFUSED_BY_MERCHANT, cancels: [0] };

export async function runHostileDrill(options: HostileOptions): Promise<HostileReport> {
  const log = options.log ?? (() => {});
  const N = options.orders;
  const mix = hostileMix(N);
  const layout = options.postgresUrl ? 'postgres' : 'embedded';
  const { cleanups, finish } = benchCleanups(log);

  try {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'spartoo-bench-hostile-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const setupStart = Date.now();

    // ---- Temporal, database, sandbox, the product ------------------------------------------------------
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
      const migrated = await openDatabase({ url: databaseUrl, maxConnections: 1 });
      await migrated.close();
    } else {
      log(
        'database: embedded PGlite (set TEST_DATABASE_URL or DATABASE_URL for PostgreSQL and worker kills)',
      );
    }

    const sandboxApp = createSandbox({ seed: 20_240_301 });
    const sandboxAddress = await sandboxApp.listen({ port: 0, host: '127.0.0.1' });
    cleanups.push(() => sandboxApp.close());
    const sandbox = sandboxAdmin(sandboxApp);

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
    let bundlePath = '';
    const startWorker = async () => {
      const child = new Child('worker', 'scripts/bench/product-worker.ts', {
        ...env,
        BENCH_WORKFLOW_BUNDLE: bundlePath,
      });
      workers.push(child);
      await child.waitFor(/worker: ready/);
      return child;
    };
    if (layout === 'postgres') {
      log('worker: bundling the workflows once');
      const bundle = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
      bundlePath = path.join(dir, 'workflows.js');
      writeFileSync(bundlePath, bundle.code);
      const api = new Child('api', 'scripts/api.ts', env);
      cleanups.push(() => api.stop());
      cleanups.push(async () => {
        for (const w of workers) await w.stop();
      });
      await startWorker();
    } else {
      const stack = new Child('stack', 'scripts/start.ts', env);
      cleanups.push(() => stack.stop());
      workers.push(stack);
      await stack.waitFor(/Ready\./, 180_000);
    }
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    for (const until = Date.now() + 60_000; ; ) {
      const ok = await fetch(`${apiUrl}/health`)
        .then((r) => r.ok)
        .catch(() => false);
      if (ok) break;
      if (Date.now() > until) throw new Error(`API did not answer /health:\n${workers[0]!.text()}`);
      await sleep(200);
    }
    const http = apiClient(apiUrl, apiToken);

    // ---- Catalogue: plenty of stock, a shared sku, small stocks ------------------------------------------
    const lowProducts = Math.ceil((mix.get('out-of-stock') ?? 0) / ORDERS_PER_LOW_PRODUCT);
    const product = (id: string, sku: string, stock: number) => ({
      id,
      sku,
      reference: 'HOSTILE',
      name: `Hostile sneaker ${id}`,
      stock,
      priceFinalInclTax: 49.9,
      priceOriginalInclTax: 59.9,
    });
    const initialStock = new Map<string, number>();
    const catalogue = [
      ...Array.from({ length: PLENTY }, (_, i) => product(plentyId(i), plentyKey(i), PLENTY_STOCK)),
      product(DUP_WINNER, DUP_KEY, PLENTY_STOCK),
      product(DUP_LOSER, DUP_KEY, PLENTY_STOCK),
      ...Array.from({ length: lowProducts }, (_, i) => product(lowId(i), lowKey(i), LOW_STOCK)),
    ];
    for (const p of catalogue) initialStock.set(p.id, p.stock);
    await http.put('/store/products', catalogue);

    const partenaire = `HOSTILE-${randomBytes(4).toString('hex').toUpperCase()}`;
    await sandbox.createMerchant(partenaire);
    const created = await http.post<{ id: string }>('/connections', {
      name: 'Hostile drill',
      apiKey: partenaire,
      baseUrl: `${sandboxAddress}/mp/`,
      autoAccept: true,
      productIdentificationAttribute: 'sku',
      pollIntervalSeconds: POLL_INTERVAL_SECONDS,
      stockSyncIntervalSeconds: 600,
    });
    const connectionId = created.id;
    for (const until = Date.now() + 60_000; ; ) {
      const c = await http.get<{ lastPoll: unknown; lastStockSync: unknown }>(`/connections/${connectionId}`);
      if (c.lastPoll && c.lastStockSync) break;
      if (Date.now() > until) throw new Error('the connection workflow did not run its first cycle');
      await sleep(200);
    }

    // ---- The orders: every scenario, shuffled ---------------------------------------------------------------
    const random = seeded(N * 7919 + 17);
    const scenarios: Scenario[] = [];
    for (const [scenario, count] of mix) for (let k = 0; k < count; k++) scenarios.push(scenario);
    for (let i = scenarios.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [scenarios[i], scenarios[j]] = [scenarios[j]!, scenarios[i]!];
    }
    const orders: DrillOrder[] = [];
    const byId = new Map<string, DrillOrder>();
    let plenty = 0;
    let low = 0;
    let fresh = 0;
    let corruption = 0;
    const plan = scenarios.map((scenario) => {
      const o: Omit<DrillOrder, 'id'> = {
        scenario,
        wave: scenario === 'late' ? 'late' : 'main',
        key: '',
        did: new Set(),
        trail: new Set(),
        errors: [],
      };
      if (scenario === 'duplicate-key') {
        o.key = DUP_KEY;
        o.productId = DUP_WINNER;
      } else if (scenario === 'out-of-stock') {
        o.lowProduct = Math.floor(low++ / ORDERS_PER_LOW_PRODUCT);
        o.key = lowKey(o.lowProduct);
        o.productId = lowId(o.lowProduct);
      } else if (scenario === 'import-failed-fixed' || scenario === 'import-failed-cancelled') {
        o.newProduct = fresh++;
        o.key = newKey(o.newProduct);
        if (scenario === 'import-failed-fixed') o.productId = newId(o.newProduct);
      } else {
        const i = plenty++ % PLENTY;
        o.key = plentyKey(i);
        o.productId = plentyId(i);
      }
      if (scenario.startsWith('unreadable-')) {
        // Its status stays readable whatever the shape: a cancellation can still be seen.
        o.corrupt = CORRUPTIONS[corruption++ % CORRUPTIONS.length];
      }
      return o;
    });
    const lowOrders = new Map<number, number>();
    for (const o of plan)
      if (o.lowProduct !== undefined) lowOrders.set(o.lowProduct, (lowOrders.get(o.lowProduct) ?? 0) + 1);

    const createOrder = async (o: Omit<DrillOrder, 'id'>, purchased?: Date) => {
      const underThreshold = ['cancelled-before-decision', 'accept-racing-fetch'].includes(o.scenario);
      const price = underThreshold ? LOW_PRICE : PRICE;
      const id = await sandbox.createOrder(
        partenaire,
        {
          ...(purchased ? { date_purchased: formatSpartooDateTime(purchased) } : {}),
          products: [
            {
              products_reference: 'HOSTILE',
              products_size_reference: o.key,
              products_name: `Hostile sneaker ${o.key}`,
              products_qty: '1',
              products_price_unit: price,
              products_price_unit_with_reduce: price,
            },
          ],
        },
        o.corrupt,
      );
      const order: DrillOrder = { ...o, id };
      orders.push(order);
      byId.set(id, order);
      return order;
    };

    await sandbox.setFaults({ ...FAULTS, rateLimitPerHour: 0 });
    const mainWave = plan.filter((o) => o.wave === 'main');
    const lateWave = plan.filter((o) => o.wave === 'late');
    log(`sandbox: ${mainWave.length} orders now, ${lateWave.length} late ones after the first polls`);
    for (const o of mainWave) {
      const order = await createOrder(o);
      // Cancelled by the customer before any poll: the product must never follow it.
      if (order.scenario === 'cancelled-before-seen') {
        await sandbox.setStatus(order.id, 41);
        order.did.add('spartoo-41');
      }
    }

    // ---- The run ------------------------------------------------------------------------------------------
    const t0 = Date.now();
    const setupMs = t0 - setupStart;
    const runTimeoutMs = 180_000 + N * 1000;
    const state = {
      finished: false,
      firstSyncSent: 0,
      mainSeen: false,
      lateCreated: false,
      syncs: 0,
      syncsFailed: 0,
      kills: 0,
      bursts: 0,
      lastChange: Date.now(),
      /** Orders where their scenario ends, as of the last listing. */
      settled: 0,
      failure: undefined as unknown,
    };
    const failed = (err: unknown) => {
      state.failure ??= err;
    };

    // "Synchronize Orders" until a poll has seen the main wave, then the late one, then every few seconds.
    const syncOnce = async () => {
      state.syncs++;
      state.firstSyncSent ||= Date.now();
      try {
        return await http.post<{ ordersFound: number }>(`/connections/${connectionId}/sync`);
      } catch (err) {
        state.syncsFailed++;
        // 502: the poll failed (-429, Spartoo down): the next one will do.
        if (err instanceof HttpError && err.status === 502) return undefined;
        throw err;
      }
    };
    const syncing = (async () => {
      while (!state.finished) {
        const result = await syncOnce();
        if (!state.mainSeen && result && result.ordersFound >= mainWave.length) {
          state.mainSeen = true;
          // Racing the auto-accept: Spartoo cancels these as the poll that saw them returns.
          await mapLimit(
            orders.filter((o) => o.scenario === 'cancelled-racing-accept'),
            8,
            (o) => spartooStatus(o, 41),
          );
          log(
            `  ${seconds(Date.now() - t0)}: a poll saw the ${mainWave.length} orders; ${lateWave.length} late orders now`,
          );
          for (const o of lateWave) await createOrder(o, new Date(Date.now() - LATE_BY_MS));
          state.lateCreated = true;
          continue;
        }
        if (state.mainSeen) await sleep(SYNC_EVERY_MS);
        else await sleep(500);
      }
    })().catch(failed);

    // -429 bursts for as long as the run lasts; on PostgreSQL the worker is SIGKILLed three times.
    const chaos = (async () => {
      let nextBurst = Date.now() + ratePause();
      let lastReady = 0;
      while (!state.finished) {
        if (Date.now() >= nextBurst) {
          state.bursts++;
          await sandbox.setFaults({ ...FAULTS, rateLimitPerHour: 1 });
          await sleep(RATE_LIMIT_BURST_MS);
          if (state.finished) break;
          await sandbox.setFaults({ ...FAULTS, rateLimitPerHour: 0 });
          nextBurst = Date.now() + ratePause();
        }
        const due =
          state.kills === 0
            ? state.firstSyncSent > 0 && Date.now() - state.firstSyncSent >= FIRST_KILL_AFTER_SYNC_MS
            : state.settled >= (state.kills * N) / WORKER_KILLS || Date.now() - lastReady >= KILL_EVERY_MS;
        if (layout === 'postgres' && state.kills < WORKER_KILLS && due) {
          const victim = workers.at(-1)!;
          log(`  ${seconds(Date.now() - t0)}: SIGKILL worker pid ${victim.pid}`);
          await victim.kill();
          state.kills++;
          await startWorker();
          lastReady = Date.now();
          log(`  ${seconds(Date.now() - t0)}: worker restarted (pid ${workers.at(-1)!.pid})`);
        }
        await sleep(100);
      }
    })().catch(failed);

    // ---- The merchant and Spartoo, order by order ---------------------------------------------------------
    const noteError = (o: DrillOrder, what: string, err: unknown) => {
      const message = `${what}: ${(err as Error).message}`.slice(0, 300);
      if (o.errors.length < 5) o.errors.push(message);
    };
    const detail = (o: DrillOrder) => http.get<OrderDetail>(`/connections/${connectionId}/orders/${o.id}`);
    async function spartooStatus(o: DrillOrder, statut: 41 | 45 | 47) {
      const action = `spartoo-${statut}` as Action;
      if (o.did.has(action)) return;
      try {
        await sandbox.setStatus(o.id, statut);
        o.did.add(action);
        state.lastChange = Date.now();
      } catch (err) {
        noteError(o, `Spartoo ${statut}`, err);
        // Spartoo cannot make that move (409): it will not be able to later either.
        if (err instanceof HttpError && err.status === 409) o.did.add(action);
      }
    }
    async function ship(o: DrillOrder) {
      if (o.did.has('ship')) return;
      const d = await detail(o);
      if (d.storeOrderId === null) return;
      try {
        await http.post(`/store/orders/${d.storeOrderId}/ship`, {
          carrier: 'Colissimo',
          trackingNumber: tracking(o.id),
        });
        o.did.add('ship');
        state.lastChange = Date.now();
      } catch (err) {
        noteError(o, 'ship', err);
        // The store order is no longer open (cancelled meanwhile): shipping it again cannot work.
        if (err instanceof HttpError && err.status === 409) o.did.add('ship');
      }
    }
    /** An update through the API; 409 (not applicable now) is answered false, other failures retried later. */
    async function decide(
      o: DrillOrder,
      decision: 'accept' | 'refuse' | 'retry',
    ): Promise<boolean | undefined> {
      try {
        await http.post(`/connections/${connectionId}/orders/${o.id}/${decision}`);
        state.lastChange = Date.now();
        return true;
      } catch (err) {
        if (err instanceof HttpError && (err.status === 409 || err.status === 404)) return false;
        noteError(o, decision, err);
        return undefined;
      }
    }
    /** The order workflow's own read failed on the unreadable copy: it is parked, not just listed so. */
    const parked = async (o: DrillOrder) =>
      (await detail(o)).log.some((e) => e.action === 'exportOrder' && e.detail?.startsWith(`order ${o.id}:`));
    const shipPath = async (o: DrillOrder) => {
      if (o.status === 'AWAITING_SHIPMENT') await ship(o);
    };
    async function drive(o: DrillOrder, sandboxOrders: Map<string, SandboxOrder>) {
      const s = o.status;
      if (s === undefined) return;
      switch (o.scenario) {
        case 'ship':
        case 'duplicate-key':
        case 'late':
        case 'accept-racing-fetch':
          return shipPath(o);
        case 'refuse-racing-fetch':
          return o.plan === 'refuse' ? undefined : shipPath(o);
        case 'out-of-stock': {
          if (o.plan === undefined && s !== 'WAITING_ACCEPTANCE') o.plan = 'ship';
          if (o.plan === undefined) {
            const d = await detail(o);
            if (!d.decision) return;
            if (d.decision.auto) o.plan = 'ship';
            else if (d.decision.reasons.some((r) => r.code === 'OUT_OF_STOCK')) o.plan = 'refuse';
            else o.plan = 'unknown';
          }
          if (o.plan === 'refuse' && s === 'WAITING_ACCEPTANCE' && !o.did.has('refuse')) {
            if (await decide(o, 'refuse')) o.did.add('refuse');
          }
          return o.plan === 'ship' ? shipPath(o) : undefined;
        }
        case 'unreadable-parked':
          return;
        case 'unreadable-repaired':
          // Repaired once its workflow has parked it (not while the poll's row alone says so).
          if (s === 'FETCH_FAILED' && !o.did.has('repair') && (await parked(o))) {
            await sandbox.repair(o.id);
            o.did.add('repair');
          }
          if (s === 'FETCH_FAILED' && o.did.has('repair') && !o.did.has('retry')) {
            if (await decide(o, 'retry')) o.did.add('retry');
          }
          return shipPath(o);
        case 'unreadable-cancelled':
          if (s === 'FETCH_FAILED' && !o.did.has('spartoo-41') && (await parked(o)))
            await spartooStatus(o, 41);
          return;
        case 'cancelled-before-seen':
        case 'cancelled-racing-accept':
          return;
        case 'cancelled-before-decision':
          if (s === 'WAITING_ACCEPTANCE' && !o.did.has('spartoo-41') && (await detail(o)).decision)
            await spartooStatus(o, 41);
          return;
        case 'cancelled-after-import':
          if (s === 'AWAITING_SHIPMENT') await spartooStatus(o, 41);
          return;
        case 'cancelled-ship-rejected':
          if (s === 'AWAITING_SHIPMENT' && !o.did.has('spartoo-41')) {
            await spartooStatus(o, 41);
            await ship(o);
          }
          return;
        case 'merchant-cancel':
          if (s === 'AWAITING_SHIPMENT' && !o.did.has('cancel')) {
            const d = await detail(o);
            if (d.storeOrderId === null) return;
            try {
              await http.post(`/store/orders/${d.storeOrderId}/cancel`);
              o.did.add('cancel');
              state.lastChange = Date.now();
            } catch (err) {
              noteError(o, 'cancel', err);
            }
          }
          return;
        case 'parcel-lost':
          await shipPath(o);
          // As soon as Spartoo holds 3, before the product's next poll.
          if (o.did.has('ship') && sandboxOrders.get(o.id)?.orders_status_id === 3)
            await spartooStatus(o, 45);
          return;
        case 'not-delivered':
          await shipPath(o);
          if (s === 'SHIPPED') await spartooStatus(o, 47);
          return;
        case 'import-failed-fixed':
          if (s === 'WAITING_ACCEPTANCE' && !o.did.has('accept') && (await detail(o)).decision) {
            if (await decide(o, 'accept')) o.did.add('accept');
          }
          if (s === 'IMPORT_FAILED' && !o.did.has('add-product')) {
            const i = o.newProduct!;
            await http.put('/store/products', [product(newId(i), newKey(i), NEW_PRODUCT_STOCK)]);
            initialStock.set(newId(i), NEW_PRODUCT_STOCK);
            o.did.add('add-product');
          }
          if (s === 'IMPORT_FAILED' && o.did.has('add-product') && !o.did.has('retry')) {
            if (await decide(o, 'retry')) o.did.add('retry');
          }
          return shipPath(o);
        case 'import-failed-cancelled':
          if (s === 'WAITING_ACCEPTANCE' && !o.did.has('accept') && (await detail(o)).decision) {
            if (await decide(o, 'accept')) o.did.add('accept');
          }
          if (s === 'IMPORT_FAILED') await spartooStatus(o, 41);
          return;
      }
    }

    // Decisions racing the fetch: sent the moment the order exists in the product (404 until then).
    const racing = (async () => {
      const racers = orders.filter(
        (o) => o.scenario === 'refuse-racing-fetch' || o.scenario === 'accept-racing-fetch',
      );
      await mapLimit(racers, racers.length || 1, async (o) => {
        const decision = o.scenario === 'refuse-racing-fetch' ? 'refuse' : 'accept';
        let uncertain = false;
        while (!state.finished) {
          try {
            await http.post(`/connections/${connectionId}/orders/${o.id}/${decision}`);
            o.did.add(decision);
            o.plan = decision === 'refuse' ? (uncertain ? 'unknown' : 'refuse') : 'ship';
            return;
          } catch (err) {
            if (err instanceof HttpError && err.status === 404) {
              await sleep(100);
              continue;
            }
            if (err instanceof HttpError && err.status === 409) {
              // Refuse: the rule accepted first (or an earlier attempt of ours went through: unknown).
              if (decision === 'refuse') {
                o.plan = uncertain ? 'unknown' : 'ship';
                return;
              }
              await sleep(500);
              continue;
            }
            // Anything else (a worker killed under the update): the attempt may or may not have landed.
            noteError(o, `${decision} racing the fetch`, err);
            uncertain = true;
            await sleep(500);
          }
        }
      });
    })().catch(failed);

    const gridById = new Map<string, GridOrder>();
    const isSettled = (o: DrillOrder) => {
      const want = settledStatuses(o);
      if (want === undefined) return false;
      return want.length === 0 ? !gridById.has(o.id) : o.status !== undefined && want.includes(o.status);
    };
    let lastProgress = 0;
    let outcome: 'settled' | 'timed out' | 'stalled' = 'timed out';
    try {
      for (;;) {
        if (state.failure) throw state.failure;
        const tick = Date.now();
        const grid = await http.all<GridOrder>(`/orders?connectionId=${connectionId}&limit=500`);
        for (const g of grid) {
          gridById.set(g.orderId, g);
          const o = byId.get(g.orderId);
          if (!o) continue;
          if (o.status !== g.status) state.lastChange = Date.now();
          o.status = g.status;
          o.trail.add(g.status);
        }
        const needSandbox = orders.some(
          (o) => o.scenario === 'parcel-lost' && o.did.has('ship') && !o.did.has('spartoo-45'),
        );
        const sandboxOrders = needSandbox
          ? new Map((await sandbox.orders(partenaire)).map((s) => [s.orders_id, s]))
          : new Map<string, SandboxOrder>();
        await mapLimit(orders, 8, async (o) => {
          try {
            await drive(o, sandboxOrders);
          } catch (err) {
            noteError(o, 'drive', err);
          }
        });
        state.settled = orders.filter(isSettled).length;
        // On PostgreSQL the run is not over before its three kills (the last one comes at once now).
        const settled =
          state.lateCreated &&
          orders.length === N &&
          state.settled === N &&
          (layout !== 'postgres' || state.kills >= WORKER_KILLS);
        if (settled) {
          outcome = 'settled';
          break;
        }
        if (Date.now() - t0 > runTimeoutMs) break;
        if (Date.now() - state.lastChange > STALL_MS) {
          outcome = 'stalled';
          break;
        }
        if (Date.now() - lastProgress > 5000) {
          lastProgress = Date.now();
          const counts = Object.fromEntries(countBy(grid, (g) => g.status));
          const done = state.settled;
          log(`  ${seconds(Date.now() - t0)}: ${done}/${N} where they should end; ${JSON.stringify(counts)}`);
        }
        await sleep(Math.max(0, TICK_MS - (Date.now() - tick)));
      }
    } finally {
      state.finished = true;
      await chaos;
      await syncing;
      await racing;
    }
    if (state.failure) throw state.failure;
    const runMs = Date.now() - t0;
    log(`run ${outcome} after ${seconds(runMs)}; checking`);

    // ---- The end: faults off, one more poll, then what each side holds ---------------------------------------
    await sandbox.setFaults(NO_FAULTS);
    for (let tries = 0; tries < 5; tries++) {
      if (await syncOnce()) break;
      await sleep(1000);
    }
    await sleep(2000);
    const grid = new Map(
      (await http.all<GridOrder>(`/orders?connectionId=${connectionId}&limit=500`)).map((g) => [
        g.orderId,
        g,
      ]),
    );
    for (const o of orders) {
      const g = grid.get(o.id);
      o.status = g?.status;
      if (g) o.trail.add(g.status);
    }
    const connection = await http.get<{
      lastPoll: { ok: boolean; unreadable?: { kind: string; id?: string; error: string }[] } | null;
      warnings?: { code: string; key: string; productIds: string[] }[];
    }>(`/connections/${connectionId}`);
    const storeOrders = await http.all<StoreOrder>(`/store/orders?connectionId=${connectionId}&limit=500`);
    const storeByOrder = new Map<string, StoreOrder[]>();
    for (const s of storeOrders)
      storeByOrder.set(s.marketplaceOrderId, [...(storeByOrder.get(s.marketplaceOrderId) ?? []), s]);
    const products = new Map(
      (await http.all<{ id: string; stock: number }>('/store/products?limit=500')).map((p) => [
        p.id,
        p.stock,
      ]),
    );
    const spartoo = new Map((await sandbox.orders(partenaire)).map((s) => [s.orders_id, s]));
    const calls = await sandbox.calls(partenaire);
    const statusCalls = calls.filter((c) => c.script === 'xml_maj_orders.php');
    const effective = (orderId: string, statut: string) =>
      statusCalls.filter((c) => c.params.oID === orderId && c.params.statut === statut && c.code === 1);
    // Plans the product decided and the drill did not see (a run that ended early): from the decision.
    for (const o of orders) {
      if (o.scenario === 'out-of-stock' && o.plan === undefined && grid.has(o.id)) {
        const d = await detail(o).catch(() => undefined);
        o.plan = d?.decision?.auto ? 'ship' : d?.decision ? 'refuse' : 'unknown';
      }
    }

    /** Where each order must be, now that races are decided (from the answers and the call log). */
    function expectation(o: DrillOrder): Expectation {
      switch (o.scenario) {
        case 'parcel-lost':
          return SHIPPED_EXPECTED('PARCEL_LOST', 45);
        case 'not-delivered':
          return SHIPPED_EXPECTED('NOT_DELIVERED', 47);
        case 'out-of-stock':
          return o.plan === 'ship' ? SHIPPED_EXPECTED('SHIPPED', 3) : REFUSED_BY_MERCHANT;
        case 'refuse-racing-fetch':
          // Unknown (an attempt failed in flight): whichever the product ended with, consistently.
          if (o.plan === 'refuse' || (o.plan === 'unknown' && o.status === 'REFUSED'))
            return REFUSED_BY_MERCHANT;
          return SHIPPED_EXPECTED('SHIPPED', 3);
        case 'unreadable-parked':
          return {
            statuses: ['FETCH_FAILED'],
            spartoo: [11],
            accepts: [0],
            ships: [0],
            cancels: [0],
            store: ['none'],
            takesStock: false,
          };
        case 'unreadable-cancelled':
        case 'cancelled-before-decision':
          return REFUSED_BY_CUSTOMER;
        case 'cancelled-before-seen':
          return { ...REFUSED_BY_CUSTOMER, statuses: [] };
        case 'cancelled-racing-accept': {
          const accepts = effective(o.id, '2');
          if (accepts.length === 0) return REFUSED_BY_CUSTOMER;
          const cancelled: Expectation = {
            ...REFUSED_BY_CUSTOMER,
            statuses: ['CANCELLED'],
            accepts: [1],
            store: ['none', 'CANCELLED'],
          };
          // Spartoo took the accept but its answer was lost, and the retry found 41 (-7): the product
          // cannot tell an accept that landed, so either name is right.
          if (accepts.every((c) => c.fault === 'lost_response'))
            cancelled.statuses = ['CANCELLED', 'REFUSED'];
          return cancelled;
        }
        case 'cancelled-after-import':
        case 'cancelled-ship-rejected':
          return { ...REFUSED_BY_CUSTOMER, statuses: ['CANCELLED'], accepts: [1], store: ['CANCELLED'] };
        case 'merchant-cancel':
          return { ...REFUSED_BY_MERCHANT, statuses: ['CANCELLED'], accepts: [1], store: ['CANCELLED'] };
        case 'import-failed-cancelled':
          return { ...REFUSED_BY_CUSTOMER, statuses: ['CANCELLED'], accepts: [1] };
        default:
          return SHIPPED_EXPECTED('SHIPPED', 3);
      }
    }
    /**
     * During the run: the statuses at which an order needs nothing more (a race not yet decided:
     * undefined; an empty list: the product must not have it).
     */
    function settledStatuses(o: DrillOrder): OrderStatus[] | undefined {
      switch (o.scenario) {
        case 'cancelled-racing-accept':
          return ['REFUSED', 'CANCELLED'];
        case 'refuse-racing-fetch':
          if (o.plan === undefined) return undefined;
          return o.plan === 'refuse' ? ['REFUSED'] : o.plan === 'ship' ? ['SHIPPED'] : ['REFUSED', 'SHIPPED'];
        case 'out-of-stock':
          if (o.plan === undefined) return undefined;
          return o.plan === 'refuse' ? ['REFUSED'] : ['SHIPPED'];
        default:
          return expectationStatic(o.scenario);
      }
    }

    // ---- Checks ---------------------------------------------------------------------------------------------------
    const lines: string[] = [];
    const problems: string[] = [];
    const check = (label: string, bad: string[], total: number, note = '') => {
      const ok = bad.length === 0;
      lines.push(
        `${ok ? 'ok  ' : 'FAIL'} ${label}: ${total - bad.length} of ${total}${note ? ` ${note}` : ''}`,
      );
      if (!ok) {
        for (const b of bad.slice(0, 10)) lines.push(`       ${b}`);
        if (bad.length > 10) lines.push(`       … and ${bad.length - 10} more`);
        problems.push(`${label}: ${bad.length} of ${total} wrong`);
      }
    };
    const who = (o: DrillOrder) => `order ${o.id} (${o.scenario})`;
    const expectations = new Map(orders.map((o) => [o.id, expectation(o)]));
    const exp = (o: DrillOrder) => expectations.get(o.id)!;

    // Unreadable orders that are repaired or cancelled on Spartoo must end as the others do.
    const followed = orders.filter((o) => o.scenario !== 'unreadable-parked' && exp(o).statuses.length > 0);
    check(
      'every readable order (and every unreadable one repaired or cancelled) in its expected final status in the product',
      followed
        .filter((o) => !o.status || !exp(o).statuses.includes(o.status))
        .map(
          (o) =>
            `${who(o)}: ${o.status ?? 'not in the product'}, expected ${exp(o).statuses.join(' or ')}; went through ${[...o.trail].join(' → ')}${o.errors.length ? `; drill: ${o.errors.join(' | ')}` : ''}`,
        ),
      followed.length,
    );
    const gone = orders.filter((o) => o.scenario === 'cancelled-before-seen');
    check(
      'orders the customer cancelled before any poll are not followed (not in the product)',
      gone.filter((o) => grid.has(o.id)).map((o) => `${who(o)}: in the product as ${o.status}`),
      gone.length,
    );

    const unreadable = orders.filter((o) => o.scenario === 'unreadable-parked');
    const details = new Map<string, OrderDetail | undefined>();
    for (const o of unreadable) details.set(o.id, await detail(o).catch(() => undefined));
    check(
      "every unreadable order parked and visible (FETCH_FAILED with the parser's message, purchasedAt and total null)",
      unreadable
        .filter((o) => {
          const g = grid.get(o.id);
          const d = details.get(o.id);
          return g?.status !== 'FETCH_FAILED' || g.purchasedAt !== null || g.total !== null || !d?.lastError;
        })
        .map(
          (o) =>
            `${who(o)}: ${JSON.stringify(grid.get(o.id) ?? null)} lastError ${JSON.stringify(details.get(o.id)?.lastError ?? null)}`,
        ),
      unreadable.length,
    );
    const named = new Set(
      (connection.lastPoll?.unreadable ?? []).filter((u) => u.kind === 'order').map((u) => u.id),
    );
    // The last poll names at most 20 (activities/poll.ts): all of them when there are no more.
    const unreadableLeft = [...grid.values()].filter((g) => g.status === 'FETCH_FAILED').length;
    check(
      `unreadable orders named in the connection's last poll (ok: ${connection.lastPoll?.ok ?? 'none'}; it names at most 20)`,
      unreadableLeft <= 20
        ? unreadable.filter((o) => !named.has(o.id)).map((o) => `${who(o)}: not named`)
        : [],
      unreadable.length,
    );

    const spartooBad = orders.filter((o) => {
      const s = spartoo.get(o.id);
      const e = exp(o);
      if (!s || !e.spartoo.includes(s.orders_status_id)) return true;
      return e.ships[0] === 1 && s.tracking_number !== tracking(o.id);
    });
    check(
      'Spartoo (the sandbox) ends with the right status for every order (3/45/47 with the tracking number, 41, 11)',
      spartooBad.map(
        (o) =>
          `${who(o)}: Spartoo holds ${spartoo.get(o.id)?.orders_status_id}, expected ${exp(o).spartoo.join(' or ')}`,
      ),
      orders.length,
    );

    const storeBad = orders.filter((o) => {
      const found = storeByOrder.get(o.id) ?? [];
      return found.length > 1 || !(exp(o).store as string[]).includes(found[0]?.status ?? 'none');
    });
    check(
      'nothing imported twice: store orders per Spartoo order as expected (one, shipped or cancelled, or none)',
      storeBad.map((o) => {
        const found = storeByOrder.get(o.id) ?? [];
        return `${who(o)}: ${found.length} store orders ${found.map((s) => s.status).join(', ')}, expected ${exp(o).store.join(' or ')}`;
      }),
      orders.length,
      `(${storeOrders.length} store orders in all)`,
    );

    const callCheck = (label: string, statut: string, want: (e: Expectation) => number[]) => {
      const bad = orders
        .filter((o) => !want(exp(o)).includes(effective(o.id, statut).length))
        .map(
          (o) =>
            `${who(o)}: ${effective(o.id, statut).length} taking effect, expected ${want(exp(o)).join(' or ')}`,
        );
      const took = statusCalls.filter((c) => c.params.statut === statut && c.code === 1);
      const lost = took.filter((c) => c.fault === 'lost_response').length;
      const again = statusCalls.filter((c) => c.params.statut === statut && c.code === -9).length;
      check(
        label,
        bad,
        orders.length,
        `(${took.length} took effect, ${lost} of them with the answer lost; ${again} answered -9)`,
      );
    };
    callCheck(
      'nothing accepted twice: accepts (2) taking effect on Spartoo per order as expected',
      '2',
      (e) => e.accepts,
    );
    callCheck(
      'nothing shipped twice: ships (3) taking effect on Spartoo per order as expected',
      '3',
      (e) => e.ships,
    );
    callCheck(
      'nothing cancelled twice: 41s the product sent taking effect per order as expected',
      '41',
      (e) => e.cancels,
    );
    // A -9 ("same status") is the answer to a change sent again after it took effect: never otherwise.
    const nines = statusCalls.filter((c) => c.code === -9);
    const idle = nines.filter((c) => {
      const before = statusCalls.filter(
        (d) =>
          d.params.oID === c.params.oID &&
          d.params.statut === c.params.statut &&
          d.code === 1 &&
          Date.parse(d.at) <= Date.parse(c.at),
      );
      const spartooSide = c.params.statut === '41' && byId.get(c.params.oID ?? '')?.did.has('spartoo-41');
      return before.length === 0 && !spartooSide;
    });
    check(
      'every -9 "already done" answer follows the same change taking effect (an idempotent retry)',
      idle.map(
        (c) =>
          `order ${c.params.oID}: statut ${c.params.statut} answered -9 at ${c.at} with nothing before it`,
      ),
      nines.length,
    );

    // Stock: what the scenarios keep taken, nothing more; a cancelled order's line back exactly once.
    const taken = new Map<string, number>();
    for (const o of orders)
      if (exp(o).takesStock && o.productId) taken.set(o.productId, (taken.get(o.productId) ?? 0) + 1);
    const stockBad: string[] = [];
    for (const [id, initial] of initialStock) {
      const want = initial - (taken.get(id) ?? 0);
      const got = products.get(id);
      if (got !== want)
        stockBad.push(
          `${id}: stock ${got}, expected ${want} (${initial} less ${taken.get(id) ?? 0} kept by orders)`,
        );
    }
    check(
      'stock of every product: its start less the orders that keep it (cancelled ones restocked once)',
      stockBad,
      initialStock.size,
    );
    const lowBad: string[] = [];
    for (const [i, count] of lowOrders) {
      const accepted = orders.filter((o) => o.lowProduct === i && effective(o.id, '2').length > 0).length;
      const want = Math.min(LOW_STOCK, count);
      if (accepted !== want || (products.get(lowId(i)) ?? -1) < 0)
        lowBad.push(
          `${lowId(i)} (stock ${LOW_STOCK}, ${count} orders): ${accepted} accepted, stock now ${products.get(lowId(i))}`,
        );
    }
    const negative = [...products].filter(([, stock]) => stock < 0);
    for (const [id, stock] of negative) lowBad.push(`${id}: stock ${stock}`);
    check(
      `small stocks: each product of stock ${LOW_STOCK} accepted for exactly ${LOW_STOCK} orders, the others OUT_OF_STOCK; no stock below 0`,
      lowBad,
      lowOrders.size,
    );

    const dupOrders = orders.filter((o) => o.scenario === 'duplicate-key');
    const dupBad = dupOrders
      .filter((o) =>
        (storeByOrder.get(o.id) ?? []).some((s) => s.items.some((it) => it.productId !== DUP_WINNER)),
      )
      .map((o) => `${who(o)}: store lines ${JSON.stringify(storeByOrder.get(o.id)?.map((s) => s.items))}`);
    const warning = connection.warnings?.find((w) => w.code === 'DUPLICATE_PRODUCT_KEY' && w.key === DUP_KEY);
    if (!warning || warning.productIds[0] !== DUP_WINNER)
      dupBad.push(`GET /connections/:id warnings: ${JSON.stringify(connection.warnings ?? null)}`);
    check(
      `duplicate key "${DUP_KEY}": every order took ${DUP_WINNER} (lowest id), ${DUP_LOSER} untouched, the connection warns`,
      dupBad,
      dupOrders.length,
    );

    if (layout === 'postgres') {
      check(
        `the worker SIGKILLed ${WORKER_KILLS} times during the run, the first in the middle of a poll`,
        Array.from(
          { length: Math.max(0, WORKER_KILLS - state.kills) },
          (_, k) => `kill ${state.kills + k + 1} missing`,
        ),
        WORKER_KILLS,
      );
    }

    // ---- What happened on the way -----------------------------------------------------------------------------
    const refuseRacers = orders.filter((o) => o.scenario === 'refuse-racing-fetch');
    const racingAccept = orders.filter((o) => o.scenario === 'cancelled-racing-accept');
    const shipRejected = orders.filter((o) => o.scenario === 'cancelled-ship-rejected');
    const faults = Object.fromEntries(countBy(calls, (c) => c.fault));
    const minus7 = statusCalls.filter((c) => c.code === -7).length;
    const header = [
      `hostile drill: ${N} orders; sandbox failing ${FAULTS.failureRate * 100} % of calls (HTTP 500, cut XML, answer lost after the change), +${FAULTS.latencyMs} ms, -429 bursts of ${RATE_LIMIT_BURST_MS / 1000} s every 3-9 s; ${
        layout === 'postgres'
          ? `PostgreSQL, API and worker apart, worker SIGKILLed ${state.kills} times`
          : 'PGlite (embedded, npm start), no worker kills (worker, API and PGlite are one process)'
      }; poll every ${POLL_INTERVAL_SECONDS} s and "Synchronize Orders" every ${SYNC_EVERY_MS / 1000} s; ${os.cpus().length} CPUs`,
      'mix:',
      ...[...mix]
        .filter(([, n]) => n > 0)
        .map(
          ([scenario, n]) =>
            `  ${String(n).padStart(4)} ${scenario}: ${MIX.find((m) => m.scenario === scenario)?.what ?? SHIP_WHAT}`,
        ),
      `setup: ${seconds(setupMs)} (Temporal, product, catalogue, connection, ${mainWave.length} orders on the sandbox)`,
      `run: ${outcome} in ${seconds(runMs)} (first sync to every order where its scenario ends; bound ${seconds(runTimeoutMs)})`,
      `syncs: ${state.syncs} ("Synchronize Orders", ${state.syncsFailed} answered 502), -429 bursts: ${state.bursts}, worker kills: ${state.kills}`,
      `sandbox calls: ${calls.length}, faults injected ${JSON.stringify(faults)}, status changes refused -7: ${minus7}`,
      `product statuses: ${JSON.stringify(Object.fromEntries(countBy([...grid.values()], (g) => g.status)))}`,
      `refuse racing the fetch: ${refuseRacers.filter((o) => o.plan === 'refuse').length} of ${refuseRacers.length} in before the rule (200 → REFUSED), ${refuseRacers.filter((o) => o.plan === 'ship').length} after it (409 → shipped)${refuseRacers.some((o) => o.plan === 'unknown') ? `, ${refuseRacers.filter((o) => o.plan === 'unknown').length} uncertain (an attempt failed in flight)` : ''}`,
      `41 racing the accept: ${racingAccept.filter((o) => o.status === 'REFUSED').length} REFUSED (before the accept), ${racingAccept.filter((o) => o.status === 'CANCELLED').length} CANCELLED (after it)`,
      `ship to an order Spartoo holds in 41: ${shipRejected.filter((o) => statusCalls.some((c) => c.params.oID === o.id && c.params.statut === '3' && c.code === -7)).length} of ${shipRejected.length} refused by Spartoo (-7), ${shipRejected.filter((o) => o.trail.has('SHIPMENT_FAILED')).length} seen in SHIPMENT_FAILED by the drill (listing every ${TICK_MS} ms) before the poll saw the 41`,
      `unreadable orders repaired and retried: ${orders.filter((o) => o.scenario === 'unreadable-repaired' && o.did.has('retry')).length} of ${mix.get('unreadable-repaired')}; late orders found: ${orders.filter((o) => o.wave === 'late' && grid.has(o.id)).length} of ${lateWave.length}`,
    ];
    const verdict = problems.length
      ? `hostile drill: FAILED (${problems.length} checks of ${lines.filter((l) => /^(ok|FAIL)/.test(l)).length})`
      : `hostile drill: passed (${lines.length} checks)`;
    return { lines: [...header, ...lines, verdict], problems };
  } finally {
    await finish();
  }
}

/** The final statuses of a scenario whose path does not depend on a race. */
function expectationStatic(scenario: Scenario): OrderStatus[] {
  switch (scenario) {
    case 'parcel-lost':
      return ['PARCEL_LOST'];
    case 'not-delivered':
      return ['NOT_DELIVERED'];
    case 'unreadable-parked':
      return ['FETCH_FAILED'];
    case 'unreadable-cancelled':
    case 'cancelled-before-decision':
      return ['REFUSED'];
    case 'cancelled-before-seen':
      return [];
    case 'cancelled-after-import':
    case 'cancelled-ship-rejected':
    case 'merchant-cancel':
    case 'import-failed-cancelled':
      return ['CANCELLED'];
    default:
      return ['SHIPPED'];
  }
}
