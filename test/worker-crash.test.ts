import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Launched, launch } from './support/processes';
import { type Sandbox, startSandbox } from './support/sandbox';
import { startTestStack, type TestStack } from './support/stack';
import { waitFor } from './support/wait';

/** Rows of a raw query (node-postgres and PGlite both answer `{ rows }`). */
const rows = <T>(result: unknown) => (result as { rows: T[] }).rows;

/**
 * The worker runs as its own process (`npm run worker`) and is killed with SIGKILL in the middle of
 * an import: after a restart there is exactly one store order and the stock was taken once.
 * A PostgreSQL server is needed (two processes share the database); CI and root machines have one.
 */
describe('worker killed during an import', () => {
  let stack: TestStack;
  let sandbox: Sandbox;
  let worker: Launched | undefined;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'spartoo-sync-worker-'));

  beforeAll(async () => {
    if (!inject('postgresUrl')) {
      throw new Error(
        'This test needs PostgreSQL: set TEST_DATABASE_URL, or run it as root with postgresql installed',
      );
    }
    [stack, sandbox] = await Promise.all([
      startTestStack({ database: 'postgres', worker: false }),
      startSandbox(),
    ]);
    // Every import now takes 3 s inside its transaction, so the kill lands in the middle of one.
    await stack.database.db.execute(sql`
      create function slow_import() returns trigger language plpgsql as $$
      begin perform pg_sleep(3); return new; end $$`);
    await stack.database.db.execute(sql`
      create trigger slow_import before insert on store_orders for each row execute function slow_import()`);
    await stack.store.upsertProducts([{ id: 'CRASH-1', stock: 10, priceFinalInclTaxCents: 1000 }]);
  });
  afterAll(async () => {
    await worker?.stop('SIGKILL');
    await stack?.close();
    await sandbox?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const startWorkerProcess = async () => {
    const launched = launch('workers/main.ts', {
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      DATABASE_URL: stack.database.url!,
      TASK_QUEUE: stack.taskQueue,
      SECRET_KEY: 'test-secret-key',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
    });
    await launched.waitForOutput(/worker: polling task queue/);
    return launched;
  };

  it('leaves exactly one store order, and takes the stock once', async () => {
    worker = await startWorkerProcess();
    const partenaire = `P-${randomUUID().slice(0, 8)}`;
    const orderId = await sandbox.createOrder(partenaire, {
      products: [
        {
          products_reference: 'CRASH',
          products_size_reference: 'CRASH-1',
          products_qty: '2',
          products_price_unit: '10.00',
          products_price_unit_with_reduce: '10.00',
        },
      ],
    });
    const res = await stack.app.inject({
      method: 'POST',
      url: '/connections',
      headers: stack.auth,
      payload: { name: 'Crash', apiKey: partenaire, baseUrl: sandbox.baseUrl, autoAccept: true },
    });
    expect(res.statusCode).toBe(201);
    const connectionId = res.json().id as string;

    // The import starts once the order is accepted; kill the worker while it sleeps in its transaction.
    await waitFor(
      async () => (await stack.orders.get(connectionId, orderId))?.status,
      (s) => s === 'ACCEPTED',
      30_000,
      50,
    );
    expect((await stack.orders.get(connectionId, orderId))?.status).toBe('ACCEPTED');
    const importing = await waitFor(
      async () =>
        rows<{ n: number }>(
          await stack.database.db.execute(
            sql`select count(*)::int as n from pg_stat_activity where state = 'active' and query ilike '%insert into "store_orders"%' and query not ilike '%pg_stat_activity%'`,
          ),
        )[0]!,
      (r) => r.n > 0,
      30_000,
      50,
    );
    expect(importing.n).toBeGreaterThan(0);
    await worker.stop('SIGKILL');

    worker = await startWorkerProcess();
    const imported = await waitFor(
      async () => (await stack.orders.get(connectionId, orderId))?.status,
      (s) => s === 'AWAITING_SHIPMENT',
      90_000,
      500,
    );
    expect(imported).toBe('AWAITING_SHIPMENT');
    const storeOrders = await stack.database.db.execute(
      sql`select id from store_orders where connection_id = ${connectionId} and marketplace_order_id = ${orderId}`,
    );
    expect(rows(storeOrders)).toHaveLength(1);
    // The kill interrupted the first attempt: the import that completed was the retry.
    const history = await stack.client.workflow
      .getHandle(`spartoo-order/${connectionId}/${orderId}`)
      .fetchHistory();
    const events = history.events ?? [];
    const scheduled = events.find(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'importOrder',
    );
    const started = events.find(
      (e) =>
        e.activityTaskStartedEventAttributes?.scheduledEventId?.toString() === scheduled?.eventId?.toString(),
    );
    expect(started?.activityTaskStartedEventAttributes?.attempt).toBe(2);
    expect((await stack.store.getProduct('CRASH-1'))!.stock).toBe(8);
    expect((await sandbox.order(orderId)).orders_status_id).toBe(2);
    // Two worker starts and the 35 s activity timeout before the retry (workflows/activity-proxies.ts).
  }, 150_000);
});
