import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { openTestDatabase } from './support/databases';
import { freePort } from './support/global-setup';
import { launch } from './support/processes';
import { startSandbox } from './support/sandbox';

const customer = {
  customers_firstname: 'Zephyrine',
  customers_lastname: 'Logtestova',
  customers_street_address: '17 rue des Secrets Bien Gardes',
  customers_email_address: 'zephyrine.logtestova@example.org',
  customers_telephone: '+33 6 98 76 54 32',
};

/**
 * Issue "Production for real", logs: one JSON line per event, with the workflow, connection and order
 * ids where known, and never the customer's name, address, e-mail or phone, nor a secret — checked on
 * the logs of the api and worker roles over a full run (an order shipped, another parked).
 */
describe('logs of a full run', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'spartoo-sync-logs-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('hold no customer data and no secret, one JSON object per line with ids', async () => {
    if (!inject('postgresUrl'))
      throw new Error('This test needs PostgreSQL (TEST_DATABASE_URL, or root with postgresql)');
    const [database, sandbox, port, metricsPort] = await Promise.all([
      openTestDatabase('postgres'),
      startSandbox(),
      freePort(),
      freePort(),
    ]);
    const partenaire = 'LOGS-SECRET-KEY-7391';
    const env = {
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      DATABASE_URL: database.url!,
      TASK_QUEUE: `logs-${port}`,
      SECRET_KEY: 'logs-secret',
      API_TOKEN: 'logs-api-token-secret',
      DATA_DIR: dataDir,
      PORT: String(port),
      METRICS_PORT: String(metricsPort),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'debug',
    };
    const worker = launch('workers/main.ts', env);
    const api = launch('scripts/api.ts', env);
    const base = `http://127.0.0.1:${port}`;
    const headers = { authorization: `Bearer ${env.API_TOKEN}`, 'content-type': 'application/json' };
    const call = async (method: string, url: string, body?: unknown) => {
      const res = await fetch(`${base}${url}`, {
        method,
        headers: body ? headers : { authorization: headers.authorization },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      return {
        status: res.status,
        json: (await res.json().catch(() => undefined)) as Record<string, unknown>,
      };
    };
    const untilStatus = async (connectionId: string, orderId: string, status: string) => {
      for (let i = 0; i < 300; i++) {
        const { json } = await call('GET', `/connections/${connectionId}/orders/${orderId}`);
        if (json?.status === status) return json;
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error(`order ${orderId} never reached ${status}`);
    };
    try {
      await worker.waitForOutput(/polling task queue/);
      for (let i = 0; i < 100 && (await fetch(`${base}/health`).catch(() => undefined))?.status !== 200; i++)
        await new Promise((r) => setTimeout(r, 200));
      await sandbox.createMerchant(partenaire);
      const line = {
        products_reference: 'LOG',
        products_size_reference: 'LOG-1',
        products_qty: '1',
        products_price_unit: '30.00',
      };
      const shipped = await sandbox.createOrder(partenaire, { customers: customer, products: [line] });
      const parked = await sandbox.createOrder(partenaire, {
        customers: customer,
        products: [{ ...line, products_size_reference: 'UNKNOWN-1' }],
      });
      expect(
        (await call('PUT', '/store/products', [{ id: 'LOG-1', stock: 5, priceFinalInclTax: 30 }])).status,
      ).toBe(200);
      const created = await call('POST', '/connections', {
        name: 'Logs',
        apiKey: partenaire,
        baseUrl: sandbox.baseUrl,
        autoAccept: true,
        pollIntervalSeconds: 3600,
      });
      expect(created.status).toBe(201);
      const connectionId = created.json.id as string;
      const imported = await untilStatus(connectionId, shipped, 'AWAITING_SHIPMENT');
      expect(
        (
          await call('POST', `/store/orders/${imported.storeOrderId}/ship`, {
            carrier: 'GLS',
            trackingNumber: 'LOG-T1',
          })
        ).status,
      ).toBe(200);
      await untilStatus(connectionId, shipped, 'SHIPPED');
      await untilStatus(connectionId, parked, 'WAITING_ACCEPTANCE');
      const accepted = await call('POST', `/connections/${connectionId}/orders/${parked}/accept`);
      expect(accepted.status, JSON.stringify(accepted.json)).toBe(200);
      await untilStatus(connectionId, parked, 'IMPORT_FAILED');
    } finally {
      await api.stop('SIGTERM');
      await worker.stop('SIGTERM');
      await sandbox.close();
      await database.close();
    }

    const logs = `${worker.output()}\n${api.output()}`;
    for (const secret of [...Object.values(customer), 'Zephyrine', 'Logtestova', partenaire, env.API_TOKEN]) {
      expect(logs).not.toContain(secret);
    }
    // One JSON object per event (the roles' start-up banner lines aside), with ids where known.
    const lines = worker
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'));
    expect(lines.length).toBeGreaterThan(5);
    const events = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(
      events.some((e) => typeof e.workflowId === 'string' && typeof e.orderId === 'string' && e.connectionId),
    ).toBe(true);
  }, 180_000);
});
