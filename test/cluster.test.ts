import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { withDatabase } from '../scripts/cluster/postgres';
import { NUM_HISTORY_SHARDS } from '../scripts/cluster/temporal';
import { createSandbox } from '../spartoo/sandbox/app';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { freePort } from './support/global-setup';
import { type Launched, launch } from './support/processes';

const portFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/**
 * A TEMPORAL_PORT whose whole layout is free (7233-style: -300…-294 membership, +1, +2, +6, +10), below
 * the ephemeral range and within Temporal's SMALLINT membership ports.
 */
async function freeTemporalPort(): Promise<number> {
  for (;;) {
    const p = 11_000 + Math.floor(Math.random() * 20_000);
    const layout = [p, p + 1, p + 2, p + 6, p + 10, p - 300, p - 299, p - 298, p - 294];
    if ((await Promise.all(layout.map(portFree))).every(Boolean)) return p;
  }
}

async function freePortPair(): Promise<number> {
  for (;;) {
    const p = await freePort();
    if (await portFree(p + 1)) return p;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, read: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(300);
  }
}

/**
 * `npm run cluster` (scripts/cluster.ts) as a user runs it: the Temporal server on PostgreSQL with its
 * schema from temporal-sql-tool, the Temporal UI server, the api and two workers, each its own process.
 * Orders go through it end to end; then a Ctrl-C must stop every one of those processes.
 */
describe('npm run cluster', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'spartoo-sync-cluster-'));
  const suffix = Math.random().toString(36).slice(2, 8);
  const databases = {
    app: `spartoo_cluster_${suffix}`,
    temporal: `temporal_test_${suffix}`,
    visibility: `temporal_visibility_test_${suffix}`,
  };
  const token = 'cluster-test-token';
  let cluster: Launched | undefined;
  let apiUrl = '';
  let uiPort = 0;
  let metricsPort = 0;
  let temporalAddress = '';
  const sandbox = createSandbox({ seed: 7 });

  beforeAll(async () => {
    if (inject('clusterToolsError'))
      throw new Error(
        `This test needs the cluster's Temporal binaries, which npm test builds once with Go: ${inject('clusterToolsError')}`,
      );
    if (!inject('postgresUrl'))
      throw new Error('This test needs PostgreSQL (TEST_DATABASE_URL, or root with postgresql)');
    const [apiPort, temporalPort, temporalMetricsPort] = [
      await freePort(),
      await freeTemporalPort(),
      await freePort(),
    ];
    uiPort = await freePort();
    metricsPort = await freePortPair();
    apiUrl = `http://127.0.0.1:${apiPort}`;
    temporalAddress = `127.0.0.1:${temporalPort}`;
    cluster = launch('scripts/cluster.ts', {
      DATABASE_URL: withDatabase(inject('postgresUrl'), databases.app),
      TEMPORAL_DB: databases.temporal,
      TEMPORAL_VISIBILITY_DB: databases.visibility,
      PORT: String(apiPort),
      TEMPORAL_PORT: String(temporalPort),
      TEMPORAL_UI_PORT: String(uiPort),
      TEMPORAL_METRICS_PORT: String(temporalMetricsPort),
      METRICS_PORT: String(metricsPort),
      DATA_DIR: dataDir,
      API_TOKEN: token,
      LOG_LEVEL: 'warn',
      TEMPORAL_ADDRESS: '',
    });
    await cluster.waitForOutput(/Ready\. Ctrl-C stops everything\./, 400_000);
    await sandbox.listen({ port: 0, host: '127.0.0.1' });
  }, 420_000);

  afterAll(async () => {
    await cluster?.stop('SIGINT');
    await sandbox.close();
    const admin = new pg.Client({ connectionString: inject('postgresUrl') });
    await admin.connect();
    for (const name of Object.values(databases))
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
    rmSync(dataDir, { recursive: true, force: true });
  }, 120_000);

  it('prints its addresses and runs orders end to end on the PostgreSQL-backed Temporal server', async () => {
    const printed = cluster!.output();
    expect(printed).toContain(`Temporal UI  http://localhost:${uiPort}`);
    expect(printed).toMatch(
      new RegExp(`Temporal     ${temporalAddress}.*PostgreSQL, ${NUM_HISTORY_SHARDS} history shards`),
    );
    expect(printed).toContain(`Workers      2`);
    expect(printed).toContain(`API token    ${token}`);

    // Every role answers its probes; the UI server serves the Temporal UI.
    expect((await fetch(`${apiUrl}/health/ready`)).status).toBe(200);
    for (const port of [metricsPort, metricsPort + 1])
      expect((await fetch(`http://127.0.0.1:${port}/health/ready`)).status).toBe(200);
    const ui = await fetch(`http://127.0.0.1:${uiPort}/`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toMatch(/<html/i);

    // A merchant, its products, five orders: accepted, imported, shipped, confirmed to Spartoo.
    const admin = (method: 'GET' | 'POST', url: string, payload?: object) =>
      sandbox.inject({ method, url, ...(payload ? { payload } : {}) }).then((r) => r.json());
    const api = async <T>(method: string, route: string, body?: unknown): Promise<T> => {
      const res = await fetch(`${apiUrl}${route}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${text}`);
      return (text ? JSON.parse(text) : undefined) as T;
    };
    await admin('POST', '/_sandbox/merchants', { partenaire: 'CLUSTER' });
    await api('PUT', '/store/products', [
      {
        id: 'CL-1',
        reference: 'CL',
        name: 'Cluster sneaker',
        stock: 50,
        priceFinalInclTax: 49.9,
        priceOriginalInclTax: 59.9,
      },
    ]);
    const orderIds: string[] = [];
    for (let i = 0; i < 5; i++) {
      const { orders_id } = (await admin('POST', '/_sandbox/orders', {
        partenaire: 'CLUSTER',
        order: {
          products: [
            {
              products_reference: 'CL',
              products_size_reference: 'CL-1',
              products_qty: '1',
              products_price_unit: '49.90',
              products_price_unit_with_reduce: '49.90',
            },
          ],
        },
      })) as { orders_id: string };
      orderIds.push(orders_id);
    }
    const address = sandbox.server.address() as { port: number };
    const { id: connectionId } = await api<{ id: string }>('POST', '/connections', {
      name: 'Cluster',
      apiKey: 'CLUSTER',
      baseUrl: `http://127.0.0.1:${address.port}/mp/`,
      autoAccept: true,
      pollIntervalSeconds: 300,
    });
    await until('a poll that sees the five orders', async () => {
      const r = await api<{ ordersFound: number }>('POST', `/connections/${connectionId}/sync`);
      return r.ordersFound >= 5 ? true : undefined;
    });
    const shipped = new Set<string>();
    await until('every order shipped', async () => {
      for (const orderId of orderIds) {
        if (shipped.has(orderId)) continue;
        const order = await api<{ status: string; storeOrderId: string | number | null }>(
          'GET',
          `/connections/${connectionId}/orders/${orderId}`,
        );
        if (order.status === 'AWAITING_SHIPMENT' && order.storeOrderId !== null) {
          await api('POST', `/store/orders/${order.storeOrderId}/ship`, {
            carrier: 'Colissimo',
            trackingNumber: `TRK-${orderId}`,
          });
          shipped.add(orderId);
        }
      }
      return shipped.size === orderIds.length ? true : undefined;
    });
    for (const orderId of orderIds) {
      await until(`order ${orderId} SHIPPED`, async () => {
        const onSpartoo = (await admin('GET', `/_sandbox/orders/${orderId}`)) as { orders_status_id: number };
        const order = await api<{ status: string }>('GET', `/connections/${connectionId}/orders/${orderId}`);
        return onSpartoo.orders_status_id === 3 && order.status === 'SHIPPED' ? true : undefined;
      });
    }

    // Temporal keeps its state in PostgreSQL: histories in its database, the search attributes in
    // PostgreSQL visibility, where the UI and `temporal workflow list` find the orders by status.
    const connection = await Connection.connect({ address: temporalAddress });
    try {
      const client = new Client({ connection, namespace: 'default' });
      const listed = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
      for (const key of SEARCH_ATTRIBUTES)
        expect(Object.keys(listed.customAttributes ?? {})).toContain(key.name);
      const found = await until('the shipped orders in visibility', async () => {
        const ids: string[] = [];
        for await (const w of client.workflow.list({
          query: `ConnectionId = '${connectionId}' AND OrderStatus = 'SHIPPED'`,
        }))
          ids.push(w.workflowId);
        return ids.length === 5 ? ids : undefined;
      });
      expect(found).toHaveLength(5);
    } finally {
      await connection.close();
    }
    const temporalDb = new pg.Client({
      connectionString: withDatabase(inject('postgresUrl'), databases.temporal),
    });
    await temporalDb.connect();
    try {
      const { rows } = await temporalDb.query('select count(*)::int as n from executions');
      expect(rows[0].n).toBeGreaterThanOrEqual(6); // five orders and the connection
      const shards = await temporalDb.query('select count(*)::int as n from shards');
      expect(shards.rows[0].n).toBe(NUM_HISTORY_SHARDS);
    } finally {
      await temporalDb.end();
    }
    // Both workers polled the task queue: each counts its own workflow task polls.
    for (const port of [metricsPort, metricsPort + 1]) {
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metrics).toMatch(/temporal_workflow_task_schedule_to_start_latency/);
    }
  }, 240_000);

  it('stops every process it started on Ctrl-C (SIGINT), in order, and exits 0', async () => {
    const started = JSON.parse(readFileSync(path.join(dataDir, 'cluster', 'pids.json'), 'utf8')) as {
      name: string;
      pid: number;
    }[];
    expect(started.map((p) => p.name).sort()).toEqual(
      ['api', 'temporal-server', 'temporal-ui', 'worker-1', 'worker-2'].sort(),
    );
    for (const p of started) expect(existsSync(`/proc/${p.pid}`), `${p.name} running`).toBe(true);
    cluster!.child.kill('SIGINT');
    expect(await cluster!.exited).toBe(0);
    const out = cluster!.output();
    expect(out).toMatch(/SIGINT: stopping/);
    expect(out).toMatch(/stopped\.\s*$/);
    expect(out).not.toMatch(/ended by itself/);
    for (const p of started) {
      // Gone, or at most a zombie that its (now ended) parent left to init.
      let alive = false;
      try {
        alive = !/^State:\s+Z/m.test(readFileSync(`/proc/${p.pid}/status`, 'utf8'));
      } catch {}
      expect(alive, `${p.name} (pid ${p.pid}) still running`).toBe(false);
    }
  }, 120_000);
});
