import { randomUUID } from 'node:crypto';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { createStockActivities, type StockPushInput, type StockPushProgress } from '../activities/stock';
import { createConnectionRepository } from '../db/connections';
import { storeProducts } from '../db/schema';
import { createStockLedger } from '../db/stock';
import type { StoreProduct } from '../domain/types';
import { createSecretBox } from '../runtime/secret-box';
import { createSandbox } from '../spartoo/sandbox/app';
import { renderAnswer } from '../spartoo/sandbox/webservices';
import { storeAdapters } from '../store/adapters';
import { createDatabaseStore } from '../store/database-store';
import { createStoreRegistry } from '../store/registry';
import type { StorePort } from '../store/store';
import { createWorker } from '../workers/worker';
import {
  connectionDeletedSignal,
  connectionStateQuery,
  connectionWorkflowId,
  pushStockUpdate,
  type StockPushResult,
} from '../workflows/messages';
import { openTestDatabase } from './support/databases';
import { callSandboxAdmin } from './support/sandbox';
import { startTestStack, type TestStack } from './support/stack';
import { waitFor } from './support/wait';

const BATCH_SCRIPT = 'xml_maj_stock_batch.php';

interface Call {
  script: string;
  code: number | null;
  fault?: string;
}

/**
 * The sandbox, with a hook that runs before each stock batch call is served (`onBatch(n)`, n counting
 * from 1): a test sets or lifts a fault at an exact call rather than racing the push.
 */
async function startStockSandbox() {
  const app: FastifyInstance = createSandbox();
  let received = 0;
  const hooks: {
    onBatch?: (n: number) => Promise<void> | void;
    /**
     * Fails a batch whose XML it picks, before the sandbox records or applies it: HTTP 500 (a lost
     * answer, resent by the push), or -429 after `afterMs` (the attempt fails).
     */
    failBatch?: (xml: string) => { fault: 'http_500' | 'rate_limited'; afterMs?: number } | undefined;
  } = {};
  // One hook after another, in the order the calls arrive: a fault set at call n is in place before call
  // n + 1 is served, with batches in flight as with one at a time.
  let turns = Promise.resolve();
  app.addHook('onRequest', async (request) => {
    if (!request.url.startsWith(`/mp/${BATCH_SCRIPT}`)) return;
    const n = ++received;
    const turn = turns.then(() => hooks.onBatch?.(n));
    turns = turn.catch(() => {});
    await turn;
  });
  /** Batch calls being served now, and the most at once. */
  const open = { now: 0, most: 0 };
  app.addHook('onRequest', async (request) => {
    if (!request.url.startsWith(`/mp/${BATCH_SCRIPT}`)) return;
    open.most = Math.max(open.most, ++open.now);
  });
  app.addHook('onResponse', async (request) => {
    if (request.url.startsWith(`/mp/${BATCH_SCRIPT}`)) open.now--;
  });
  app.addHook('preHandler', async (request, reply) => {
    const xml = (request.body as { fields?: Record<string, string> } | undefined)?.fields?.xml;
    if (!request.url.startsWith(`/mp/${BATCH_SCRIPT}`) || xml === undefined) return;
    const failure = hooks.failBatch?.(xml);
    if (!failure) return;
    await new Promise((resolve) => setTimeout(resolve, failure.afterMs ?? 0));
    if (failure.fault === 'http_500')
      return reply.code(500).type('text/html').send('<h1>500 Internal Server Error</h1>');
    return reply.type('text/xml').send(renderAnswer('errors', { code: -429 }));
  });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const admin = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const { status, json } = await callSandboxAdmin(address, method, path, body);
    if (status >= 300) throw new Error(`sandbox ${method} ${path}: ${status} ${JSON.stringify(json)}`);
    return json as T;
  };
  return {
    baseUrl: `${address}/mp/`,
    hooks,
    open,
    createMerchant: (partenaire: string) => admin('POST', '/_sandbox/merchants', { partenaire }),
    setFaults: (faults: Record<string, number>) => admin('PUT', '/_sandbox/faults', faults),
    /** The stock batch calls received for this merchant, in order. */
    batches: async (partenaire: string) =>
      (await admin<Call[]>('GET', `/_sandbox/calls?partenaire=${encodeURIComponent(partenaire)}`)).filter(
        (c) => c.script === BATCH_SCRIPT,
      ),
    stock: (partenaire: string) =>
      admin<{ reference_partenaire: string; size_reference: string; quantity: number }[]>(
        'GET',
        `/_sandbox/stock?partenaire=${encodeURIComponent(partenaire)}`,
      ),
    close: () => app.close(),
  };
}

type StockSandbox = Awaited<ReturnType<typeof startStockSandbox>>;

/**
 * From the `from`-th batch call on, the merchant's hourly quota is 1 (that call passes, the next ones get
 * -429), and `rejected` calls later it is lifted: a -429 burst in the middle of a push.
 */
function rateLimitBurst(sandbox: StockSandbox, from: number, rejected: number) {
  sandbox.hooks.onBatch = async (n) => {
    if (n === from) await sandbox.setFaults({ rateLimitPerHour: 1 });
    if (n === from + rejected + 1) await sandbox.setFaults({});
  };
}

const sizes = (count: number, prefix: string, stock = (i: number) => i % 17): StoreProduct[] =>
  Array.from({ length: count }, (_, i) => ({
    id: `${prefix}-${String(i).padStart(5, '0')}`,
    reference: `${prefix}-REF-${Math.floor(i / 4)}`,
    stock: stock(i),
  }));

/** Every product of `prefix` is on the sandbox with its store quantity, once. */
async function expectSandboxHolds(sandbox: StockSandbox, partenaire: string, products: StoreProduct[]) {
  const held = await sandbox.stock(partenaire);
  expect(held).toHaveLength(products.length);
  const byKey = new Map(held.map((s) => [s.size_reference, s]));
  for (const p of products) {
    expect(byKey.get(p.id)).toEqual({
      reference_partenaire: p.reference,
      size_reference: p.id,
      quantity: Math.max(0, p.stock),
    });
  }
}

/**
 * The activity alone (Temporal's mock activity environment: heartbeats and attempts played by the test),
 * against PGlite and the sandbox.
 */
describe('stock push activity', () => {
  const BATCH = 100;
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let sandbox: StockSandbox;
  let activities: ReturnType<typeof createStockActivities>;
  /**
   * One batch at a time: the tests that count calls exactly and time a -429 burst by call number. The
   * batches in flight (the default) have their own tests below, with faults chosen by a batch's content.
   */
  let sequential: ReturnType<typeof createStockActivities>;
  let connections: ReturnType<typeof createConnectionRepository>;
  let store: ReturnType<typeof createDatabaseStore>;

  beforeAll(async () => {
    database = await openTestDatabase('pglite');
    const secrets = createSecretBox('test-secret-key');
    connections = createConnectionRepository(database.db, secrets);
    store = createDatabaseStore(database.db);
    const deps = {
      connections,
      stores: createStoreRegistry({ db: database.db, secrets, builtin: store, adapters: storeAdapters }),
      stock: createStockLedger(database.db),
      spartooTimeoutMs: 5000,
      stockBatchSize: BATCH,
    };
    activities = createStockActivities(deps);
    sequential = createStockActivities({ ...deps, stockBatchesInFlight: 1 });
  });
  afterAll(async () => {
    await database?.close();
  });
  afterEach(async () => {
    await sandbox?.close();
  });

  /** A merchant on a fresh sandbox, its connection, and `products` in a store of their own. */
  async function setUp(products: StoreProduct[], settings: Record<string, unknown> = {}) {
    sandbox = await startStockSandbox();
    const partenaire = `P-${randomUUID().slice(0, 8)}`;
    await sandbox.createMerchant(partenaire);
    await database.db.delete(storeProducts);
    await store.upsertProducts(products);
    const connection = await connections.create({
      name: 'Stock',
      apiKey: partenaire,
      baseUrl: sandbox.baseUrl,
      ...settings,
    });
    return { partenaire, connectionId: connection.id };
  }

  /** One activity attempt; `heartbeats` gets every heartbeat it sends. */
  function attempt(
    input: StockPushInput,
    info: { attempt?: number; heartbeatDetails?: unknown } = {},
    with_ = activities,
  ) {
    const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 30_000, ...info });
    const heartbeats: StockPushProgress[] = [];
    env.on('heartbeat', (d: StockPushProgress) => heartbeats.push(d));
    return { env, heartbeats, run: () => env.run(with_.pushStock, input) };
  }
  const oneAtATime = (input: StockPushInput, info: { attempt?: number; heartbeatDetails?: unknown } = {}) =>
    attempt(input, info, sequential);

  it('sends one batch per call, records each, and heartbeats the last product done', async () => {
    const products = sizes(1250, 'A');
    const { partenaire, connectionId } = await setUp(products);
    const first = attempt({ connectionId, full: false });
    expect(await first.run()).toEqual({ sizesSent: 1250, errors: [] });
    const batches = await sandbox.batches(partenaire);
    expect(batches).toHaveLength(13);
    expect(batches.every((c) => c.code === 1)).toBe(true);
    await expectSandboxHolds(sandbox, partenaire, products);
    // The last batch's products are on the second page (read after A-00999), up to A-01249.
    expect(first.heartbeats.at(-1)).toEqual({
      page: 'A-00999',
      after: 'A-01249',
      sizesSent: 1250,
      batches: 13,
      errors: [],
      since: expect.any(String),
    });
    // A batch's heartbeat names the last product it holds: a retry starts after it.
    expect(first.heartbeats.find((h) => h.batches === 1)).toMatchObject({ after: 'A-00099', sizesSent: 100 });

    // Nothing changed: nothing is sent. One size changed: only it.
    expect(await attempt({ connectionId, full: false }).run()).toEqual({ sizesSent: 0, errors: [] });
    await store.upsertProducts([{ ...products[700]!, stock: 99 }]);
    expect(await attempt({ connectionId, full: false }).run()).toEqual({ sizesSent: 1, errors: [] });
    expect(await sandbox.batches(partenaire)).toHaveLength(14);
  });

  it('after a -429 mid-push, the next attempt resumes from the heartbeat instead of starting over', async () => {
    const products = sizes(1000, 'B');
    const { partenaire, connectionId } = await setUp(products);
    // The 4th batch passes, the 5th gets -429: the attempt fails retryably with 4 batches recorded.
    rateLimitBurst(sandbox, 4, 1);
    const input = { connectionId, full: true, fullSince: new Date().toISOString() };
    const first = oneAtATime(input);
    const failure = await first.run().catch((err: unknown) => err);
    expect(failure).toMatchObject({ name: 'SpartooError', code: -429, retryable: true });
    expect(first.heartbeats.at(-1)).toMatchObject({ after: 'B-00399', sizesSent: 400, batches: 4 });

    const second = oneAtATime(input, { attempt: 2, heartbeatDetails: first.heartbeats.at(-1) });
    expect(await second.run()).toEqual({ sizesSent: 1000, errors: [] });
    const batches = await sandbox.batches(partenaire);
    expect(batches.filter((c) => c.code === -429)).toHaveLength(1);
    // 10 batches of 100 were accepted, each once: nothing was sent twice.
    expect(batches.filter((c) => c.code === 1)).toHaveLength(10);
    await expectSandboxHolds(sandbox, partenaire, products);
  });

  it('a full push an earlier cycle left half-done goes on from where it stopped, then a new one sends all', async () => {
    const products = sizes(800, 'C');
    const { partenaire, connectionId } = await setUp(products);
    const fullSince = new Date().toISOString();
    rateLimitBurst(sandbox, 3, 100);
    await expect(oneAtATime({ connectionId, full: true, fullSince }).run()).rejects.toMatchObject({
      code: -429,
    });
    await sandbox.setFaults({});
    sandbox.hooks.onBatch = undefined;

    // The next cycle: a new activity, no heartbeat, the same full push.
    expect(await attempt({ connectionId, full: true, fullSince }).run()).toEqual({
      sizesSent: 500,
      errors: [],
    });
    expect((await sandbox.batches(partenaire)).filter((c) => c.code === 1)).toHaveLength(8);
    await expectSandboxHolds(sandbox, partenaire, products);

    // Six hours later, the next full push sends everything again.
    const later = new Date(Date.now() + 1000).toISOString();
    await new Promise((r) => setTimeout(r, 1100));
    expect(await attempt({ connectionId, full: true, fullSince: later }).run()).toEqual({
      sizesSent: 800,
      errors: [],
    });
  });

  it('stops at a cancellation, with the batches sent so far recorded', async () => {
    const products = sizes(1000, 'D');
    const { partenaire, connectionId } = await setUp(products);
    const run = oneAtATime({ connectionId, full: false });
    run.env.on('heartbeat', (d: StockPushProgress) => {
      if (d.batches === 3) run.env.cancel();
    });
    await expect(run.run()).rejects.toBeInstanceOf(CancelledFailure);
    expect(await sandbox.batches(partenaire)).toHaveLength(3);
    // What was sent is in the ledger: the next push sends only the rest.
    expect(await attempt({ connectionId, full: false }).run()).toEqual({ sizesSent: 700, errors: [] });
    await expectSandboxHolds(sandbox, partenaire, products);
  });

  it('sends a key several products share once, with the stock of the lowest id', async () => {
    const products: StoreProduct[] = [
      { id: 'b1', sku: 'SHOE', reference: 'R', stock: 1 },
      { id: 'a9', sku: 'SHOE', reference: 'R', stock: 2 },
      { id: 'B1', sku: 'SHOE', reference: 'R', stock: 3 },
      { id: 'a10', sku: 'SHOE', reference: 'R', stock: 4 },
      { id: 'x1', sku: 'BOOT', reference: 'R1', stock: 5 },
      { id: 'x2', sku: 'BOOT', reference: 'R2', stock: 6 },
      { id: 'y', sku: 'SOCK', stock: 7 },
    ];
    const { partenaire, connectionId } = await setUp(products, { productIdentificationAttribute: 'sku' });
    expect(await attempt({ connectionId, full: true }).run()).toEqual({ sizesSent: 3, errors: [] });
    expect(
      (await sandbox.stock(partenaire)).sort((a, b) => a.size_reference.localeCompare(b.size_reference)),
    ).toEqual([
      { reference_partenaire: 'R1', size_reference: 'BOOT', quantity: 5 },
      { reference_partenaire: 'R', size_reference: 'SHOE', quantity: 3 },
      { reference_partenaire: 'SOCK', size_reference: 'SOCK', quantity: 7 },
    ]);
    expect(await attempt({ connectionId, full: false }).run()).toEqual({ sizesSent: 0, errors: [] });
  });

  it('pushes from a shop with opaque catalogue cursors and no duplicate-key query, resuming mid-page', async () => {
    // The built-in store's products behind another kind's port: cursors it makes up, no duplicateKeys.
    const secrets = createSecretBox('test-secret-key');
    const encode = (cursor: string | undefined) => cursor && Buffer.from(`c:${cursor}`).toString('base64url');
    const decode = (cursor: string | undefined) =>
      cursor && Buffer.from(cursor, 'base64url').toString().replace(/^c:/, '');
    const opaqueShop: StorePort = {
      kind: 'shopify',
      productsByKeys: (attribute, keys) => store.productsByKeys(attribute, keys),
      async catalogue(page) {
        const read = await store.catalogue({ after: decode(page.after), limit: page.limit });
        return { products: read.products, next: encode(read.next) };
      },
      importOrder: (request) => store.importOrder(request),
      findOrder: (connectionId, orderId) => store.findOrder(connectionId, orderId),
      cancelOrder: (id) => store.cancelOrder(id),
      restock: (id, quantity, key) => store.restock(id, quantity, key),
      orderEventsSince: (since) => store.orderEventsSince(since),
      test: () => store.test(),
    };
    const registry = createStoreRegistry({
      db: database.db,
      secrets,
      builtin: store,
      adapters: { ...storeAdapters, shopify: () => opaqueShop },
    });
    const shopId = `shop-${randomUUID()}`;
    await registry.records.create({
      id: shopId,
      kind: 'shopify',
      name: 'Opaque',
      config: { shopUrl: 'opaque.myshopify.com' },
      secrets: { accessToken: 'shpat_x', webhookSecret: 'whsec_x' },
    });
    const shopActivities = createStockActivities({
      connections,
      stores: registry,
      stock: createStockLedger(database.db),
      spartooTimeoutMs: 5000,
      stockBatchSize: BATCH,
      // The -429 burst is timed by call number: one batch at a time.
      stockBatchesInFlight: 1,
    });
    const products = sizes(1250, 'O').map((p) => ({ ...p, sku: p.id }));
    // Shares O-00005's sku with a higher id: never sent.
    const loser = { id: 'Z-loser', sku: 'O-00005', reference: 'Z', stock: 99 };
    const { partenaire, connectionId } = await setUp([...products, loser], {
      productIdentificationAttribute: 'sku',
      storeId: shopId,
    });
    // The 11th batch (the first of the second page) passes, the 12th gets -429.
    rateLimitBurst(sandbox, 11, 1);
    const input = { connectionId, full: true, fullSince: new Date().toISOString() };
    const run = (info: { attempt?: number; heartbeatDetails?: unknown } = {}) => {
      const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 30_000, ...info });
      const heartbeats: StockPushProgress[] = [];
      env.on('heartbeat', (d: StockPushProgress) => heartbeats.push(d));
      return { heartbeats, result: env.run(shopActivities.pushStock, input) };
    };
    const first = run();
    await expect(first.result).rejects.toMatchObject({ code: -429 });
    const stopped = first.heartbeats.at(-1)!;
    expect(stopped).toMatchObject({
      page: encode('O-00999'),
      after: 'O-01099',
      sizesSent: 1100,
      batches: 11,
    });

    const second = run({ attempt: 2, heartbeatDetails: stopped });
    expect(await second.result).toEqual({ sizesSent: 1250, errors: [] });
    const batches = await sandbox.batches(partenaire);
    expect(batches.filter((c) => c.code === 1)).toHaveLength(13);
    await expectSandboxHolds(
      sandbox,
      partenaire,
      products.map((p) => ({ ...p })),
    );
  });

  /** The push kinds a retried attempt resumes: an earlier cycle's full push, "Push stock now", incremental. */
  const kinds: [string, (connectionId: string) => StockPushInput][] = [
    [
      'a full push with fullSince',
      (connectionId) => ({ connectionId, full: true, fullSince: new Date().toISOString() }),
    ],
    ['"Push stock now" (full, no fullSince)', (connectionId) => ({ connectionId, full: true })],
    ['an incremental push', (connectionId) => ({ connectionId, full: false })],
  ];

  it.each(kinds)(
    'with batches in flight, %s: a batch left unanswered holds the cursor back, the retry sends it alone',
    async (_kind, inputOf) => {
      const products = sizes(1000, 'F');
      const { partenaire, connectionId } = await setUp(products);
      // In the first attempt, the 5th batch (F-00400…F-00499) gets -429 a second late, once the others
      // behind it are answered: out of order.
      let failing = true;
      sandbox.hooks.failBatch = (xml) =>
        failing && xml.includes('F-00450') ? { fault: 'rate_limited', afterMs: 1000 } : undefined;
      const input = inputOf(connectionId);
      const first = attempt(input);
      await expect(first.run()).rejects.toMatchObject({ name: 'SpartooError', code: -429 });
      // Never past F-00399 while F-00400… is unanswered; the batches answered after it are counted.
      expect(first.heartbeats.every((h) => h.after === undefined || h.after <= 'F-00399')).toBe(true);
      const stopped = first.heartbeats.at(-1)!;
      expect(stopped).toMatchObject({ page: undefined, after: 'F-00399', sizesSent: 900, batches: 9 });

      failing = false;
      const second = attempt(input, { attempt: 2, heartbeatDetails: stopped });
      expect(await second.run()).toEqual({ sizesSent: 1000, errors: [] });
      // Each batch answered once: the retry sent the 5th alone.
      const answered = (await sandbox.batches(partenaire)).filter((c) => c.code === 1);
      expect(answered).toHaveLength(10);
      await expectSandboxHolds(sandbox, partenaire, products);
    },
  );

  it('sends at most 3 calls at once, and a batch pausing before a resend leaves its call to the others', async () => {
    const products = sizes(1500, 'K');
    const { partenaire, connectionId } = await setUp(products);
    await sandbox.setFaults({ latencyMs: 40 });
    // The first batch's first two tries fail: it pauses 0.5 s, then 1 s, while the others go on.
    let failures = 0;
    sandbox.hooks.failBatch = (xml) =>
      xml.includes('K-00050') && failures++ < 2 ? { fault: 'http_500' } : undefined;
    const run = attempt({ connectionId, full: false });
    const sent: { batches: number; after?: string }[] = [];
    run.env.on('heartbeat', (d: StockPushProgress) => sent.push({ batches: d.batches, after: d.after }));
    expect(await run.run()).toEqual({ sizesSent: 1500, errors: [] });
    expect(sandbox.open.most).toBe(3);
    // Five batches were answered behind the first while it paused: the cursor stayed before it.
    expect(sent.find((h) => h.batches === 5)?.after).toBeUndefined();
    expect((await sandbox.batches(partenaire)).filter((c) => c.code === 1)).toHaveLength(15);
    await expectSandboxHolds(sandbox, partenaire, products);
  });

  it('with batches in flight, a cancellation waits for those in flight and records what was answered', async () => {
    const products = sizes(1000, 'G');
    const { partenaire, connectionId } = await setUp(products);
    const run = attempt({ connectionId, full: false });
    run.env.on('heartbeat', (d: StockPushProgress) => {
      if (d.batches === 3) run.env.cancel();
    });
    await expect(run.run()).rejects.toBeInstanceOf(CancelledFailure);
    const answered = run.heartbeats.at(-1)!.sizesSent;
    expect(answered).toBeGreaterThanOrEqual(300);
    // What was answered is in the ledger: the next push sends exactly the rest.
    expect(await attempt({ connectionId, full: false }).run()).toEqual({
      sizesSent: 1000 - answered,
      errors: [],
    });
    await expectSandboxHolds(sandbox, partenaire, products);
  });

  it('reads the catalogue in pages; an incremental push reads only the products that differ from the ledger', async () => {
    const products = sizes(2500, 'H');
    const { partenaire, connectionId } = await setUp(products);
    const catalogue = vi.spyOn(store, 'catalogue');
    const changes = vi.spyOn(store, 'stockChanges');
    try {
      expect(await attempt({ connectionId, full: true }).run()).toEqual({ sizesSent: 2500, errors: [] });
      // Pages of at most 1000, each read after the last one's cursor: never the catalogue at once.
      expect(catalogue.mock.calls.map(([page]) => page)).toEqual([
        { after: undefined, limit: 1000 },
        { after: 'H-00999', limit: 1000 },
        { after: 'H-01999', limit: 1000 },
      ]);
      expect(changes).not.toHaveBeenCalled();

      catalogue.mockClear();
      const changed = [3, 1500, 2499].map((i) => ({ ...products[i]!, stock: 40 + i }));
      await store.upsertProducts(changed);
      expect(await attempt({ connectionId, full: false }).run()).toEqual({ sizesSent: 3, errors: [] });
      expect(catalogue).not.toHaveBeenCalled();
      const read = await Promise.all(changes.mock.results.map((r) => r.value));
      expect(read.flatMap((page) => page.products.map((p: StoreProduct) => p.id))).toEqual([
        'H-00003',
        'H-01500',
        'H-02499',
      ]);
      await expectSandboxHolds(
        sandbox,
        partenaire,
        products.map((p, i) => changed.find((c) => c.id === p.id) ?? products[i]!),
      );
    } finally {
      catalogue.mockRestore();
      changes.mockRestore();
    }
  });
});

/**
 * The push as the connection workflow runs it on a real Temporal server: the retry policy, the
 * heartbeats and the resume are Temporal's, the batches small so that a few thousand sizes make many calls.
 */
describe('stock push through the connection workflow', () => {
  const BATCH = 50;
  const SIZES = 3000;
  let stack: TestStack;
  let sandbox: StockSandbox;
  let worker: { worker: Worker; running: Promise<void>; connection: NativeConnection } | undefined;

  beforeAll(async () => {
    [stack, sandbox] = await Promise.all([startTestStack({ worker: false }), startStockSandbox()]);
    const connection = await NativeConnection.connect({ address: inject('temporalAddress') });
    const w = await createWorker({
      connection,
      namespace: 'default',
      taskQueue: stack.taskQueue,
      workflowBundle: { code: inject('workflowBundleCode') },
      dependencies: {
        db: stack.database.db,
        connections: stack.connections,
        stores: stack.stores,
        temporal: { client: stack.client, taskQueue: stack.taskQueue },
        spartooTimeoutMs: 5000,
        stockBatchSize: BATCH,
      },
    });
    worker = { worker: w, running: w.run(), connection };
  });
  afterAll(async () => {
    worker?.worker.shutdown();
    await worker?.running;
    await worker?.connection.close();
    await stack?.close();
    await sandbox?.close();
  });

  it('a -429 burst in the middle of a large push: it resumes, sends each batch about once, and completes', async () => {
    const products = sizes(SIZES, 'W');
    await stack.store.upsertProducts(products);
    const partenaire = `P-${randomUUID().slice(0, 8)}`;
    await sandbox.createMerchant(partenaire);
    // Batch 20 passes, the next 2 calls (two attempts, Temporal backing off between) get -429, then it lifts.
    rateLimitBurst(sandbox, 20, 2);
    const res = await stack.app.inject({
      method: 'POST',
      url: '/connections',
      headers: stack.auth,
      payload: {
        name: 'Big catalogue',
        apiKey: partenaire,
        baseUrl: sandbox.baseUrl,
        syncLevel: 'STOCK_ONLY',
        stockSyncIntervalSeconds: 3600,
      },
    });
    expect(res.statusCode).toBe(201);
    const id = res.json().id as string;
    // Its first cycle pushes the whole catalogue.
    const shown = await waitFor(
      async () =>
        (await stack.app.inject({ method: 'GET', url: `/connections/${id}`, headers: stack.auth })).json(),
      (c) => !!c.lastStockSync,
      90_000,
      250,
    );
    expect(shown.lastStockSync).toMatchObject({ ok: true, full: true, sizesSent: SIZES, errors: 0 });

    const batches = await sandbox.batches(partenaire);
    const expected = SIZES / BATCH;
    expect(batches.filter((c) => c.code === -429)).toHaveLength(2);
    // Each batch once, give or take the one a retry may send again: not the 2× of a push starting over.
    const accepted = batches.filter((c) => c.code === 1).length;
    expect(accepted).toBeGreaterThanOrEqual(expected);
    expect(accepted).toBeLessThanOrEqual(expected + 2);
    await expectSandboxHolds(sandbox, partenaire, products);
    const state = await stack.client.workflow.getHandle(connectionWorkflowId(id)).query(connectionStateQuery);
    expect(state.lastFullStockPushAt).toEqual(expect.any(String));
    expect(state.fullStockPushStartedAt).toBeUndefined();
  }, 120_000);
});

/**
 * The connection workflow's side of a full push that fails: its activities played by the test, so that
 * the next cycle's input and the carry can be checked without waiting for a real retry policy to run out.
 */
describe('a full stock push that a cycle could not finish', () => {
  let client: TestStack['client'];
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ worker: false });
    client = stack.client;
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('goes on in the next cycle from the same start, and counts as the last full push only once finished', async () => {
    const pushes: StockPushInput[] = [];
    const cycles: { ok: boolean; full?: boolean }[] = [];
    const taskQueue = `stock-carry-${randomUUID()}`;
    const connection = await NativeConnection.connect({ address: inject('temporalAddress') });
    const worker = await Worker.create({
      connection,
      namespace: 'default',
      taskQueue,
      workflowBundle: { code: inject('workflowBundleCode') },
      activities: {
        async loadConnectionSettings() {
          return {
            active: true,
            syncLevel: 'STOCK_ONLY',
            pollIntervalSeconds: 3600,
            // Automatic cycles every second (settings are not validated here: the test plays them).
            stockSyncIntervalSeconds: 1,
          };
        },
        async recordCycle(input: { result: { ok: boolean; full?: boolean } }) {
          cycles.push(input.result);
        },
        async pushStock(input: StockPushInput): Promise<StockPushResult> {
          pushes.push(input);
          // The first cycle's push gives up (as after its retry policy ran out); the next ones finish.
          if (pushes.length === 1)
            throw ApplicationFailure.nonRetryable('Spartoo answered -429 for too long');
          return { sizesSent: 5, errors: [] };
        },
      },
    });
    const running = worker.run();
    try {
      const connectionId = randomUUID();
      const handle = await client.workflow.start('connectionWorkflow', {
        workflowId: connectionWorkflowId(connectionId),
        taskQueue,
        args: [{ connectionId }],
      });
      await waitFor(
        async () => cycles.length,
        (n) => n >= 1,
      );
      expect(cycles[0]).toMatchObject({ ok: false });
      expect(pushes[0]).toEqual({ connectionId, full: true, fullSince: expect.any(String) });
      const unfinished = await handle.query(connectionStateQuery);
      expect(unfinished.lastFullStockPushAt).toBeUndefined();
      expect(unfinished.fullStockPushStartedAt).toBe(pushes[0]!.fullSince);

      // The next automatic cycle: the same full push goes on, from the same start.
      await waitFor(
        async () => cycles.length,
        (n) => n >= 3,
      );
      expect(pushes[1]).toEqual({ connectionId, full: true, fullSince: pushes[0]!.fullSince });
      expect(cycles[1]).toMatchObject({ ok: true, full: true });
      // The full push done, the next automatic one is incremental.
      expect(pushes[2]).toEqual({ connectionId, full: false });
      const finished = await handle.query(connectionStateQuery);
      expect(finished.lastFullStockPushAt).toEqual(expect.any(String));
      expect(finished.fullStockPushStartedAt).toBeUndefined();

      // "Push stock now" (issue 13, item 8): every size, from the start, and the answer says so.
      const manual = await handle.executeUpdate(pushStockUpdate);
      expect(manual).toEqual({ sizesSent: 5, errors: [], full: true });
      expect(pushes.at(-1)).toEqual({ connectionId, full: true });
      await handle.signal(connectionDeletedSignal);
      await handle.result();
    } finally {
      worker.shutdown();
      await running;
      await connection.close();
    }
  });
});
