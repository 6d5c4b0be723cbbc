import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { openTestDatabase } from './support/databases';
import { freePort } from './support/global-setup';
import { launch } from './support/processes';

/** `npm run api` and `npm run worker`: one role each, against an external Temporal and PostgreSQL. */
describe('production roles', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'spartoo-sync-roles-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('refuse to start without TEMPORAL_ADDRESS and DATABASE_URL, naming both', async () => {
    for (const script of ['scripts/api.ts', 'workers/main.ts']) {
      const role = launch(script, { TEMPORAL_ADDRESS: '', DATABASE_URL: '', DATA_DIR: dataDir });
      expect(await role.exited).toBe(1);
      expect(role.output()).toMatch(/needs TEMPORAL_ADDRESS .* and DATABASE_URL/);
    }
  });

  it('api and worker run apart: a connection created through the api runs on the worker', async () => {
    if (!inject('postgresUrl'))
      throw new Error('This test needs PostgreSQL (TEST_DATABASE_URL, or root with postgresql)');
    const database = await openTestDatabase('postgres');
    const port = await freePort();
    const metricsPort = await freePort();
    const env = {
      METRICS_PORT: String(metricsPort),
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      DATABASE_URL: database.url!,
      TASK_QUEUE: `roles-${port}`,
      SECRET_KEY: 'roles-secret',
      API_TOKEN: 'roles-token',
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
    };
    // Started from a folder of their own, as a service manager may (the worker's workflow bundle is
    // built from the project's folder whatever the working directory: workers/bundle.ts).
    const worker = launch('workers/main.ts', env, { cwd: dataDir });
    const api = launch('scripts/api.ts', env, { cwd: dataDir });
    try {
      await worker.waitForOutput(/worker: polling task queue/);
      const base = `http://127.0.0.1:${port}`;
      let health: Response | undefined;
      for (let i = 0; i < 100 && !health; i++) {
        health = await fetch(`${base}/health`).catch(() => undefined);
        if (!health) await new Promise((r) => setTimeout(r, 200));
      }
      expect(health?.status).toBe(200);
      expect((await fetch(`${base}/connections`)).status).toBe(401);
      const auth = { authorization: 'Bearer roles-token', 'content-type': 'application/json' };
      const created = await fetch(`${base}/connections`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ name: 'Prod', apiKey: 'PROD-KEY-4242', baseUrl: 'http://127.0.0.1:9/mp/' }),
      });
      expect(created.status).toBe(201);
      const { id } = (await created.json()) as { id: string };
      // The worker ran the connection's first cycle: its (failed, nothing listens there) poll is recorded.
      let lastPoll: { ok: boolean } | null = null;
      for (let i = 0; i < 150 && !lastPoll; i++) {
        lastPoll = (
          (await (await fetch(`${base}/connections/${id}`, { headers: auth })).json()) as {
            lastPoll: { ok: boolean } | null;
          }
        ).lastPoll;
        if (!lastPoll) await new Promise((r) => setTimeout(r, 200));
      }
      expect(lastPoll).toMatchObject({ ok: false });

      // Metrics and health (issue "Production for real"): the worker's own server, no token.
      const workerBase = `http://127.0.0.1:${metricsPort}`;
      expect((await fetch(`${workerBase}/health/live`)).status).toBe(200);
      expect((await fetch(`${workerBase}/health/ready`)).status).toBe(200);
      const workerMetrics = await (await fetch(`${workerBase}/metrics`)).text();
      // The failed poll: counted as a cycle, its Spartoo call by script and result (nothing listens).
      expect(workerMetrics).toMatch(/spartoo_sync_cycles_total\{kind="poll",outcome="failed"\} [1-9]/);
      expect(workerMetrics).toMatch(
        /spartoo_sync_spartoo_calls_total\{script="xml_export_orders\.php",result="network"\} [1-9]/,
      );
      expect(workerMetrics).toMatch(
        /spartoo_sync_spartoo_call_seconds_bucket\{le="[^"]+",script="xml_export_orders\.php"\}/,
      );
      // The Temporal SDK's own series (task latency, schedule-to-start, sticky cache…).
      expect(workerMetrics).toMatch(/temporal_workflow_task_schedule_to_start_latency/);
      expect(workerMetrics).toMatch(/temporal_sticky_cache_size/);
      // The API's: bearer token required; orders by status from the read model.
      expect((await fetch(`${base}/metrics`)).status).toBe(401);
      expect((await fetch(`${base}/health/live`)).status).toBe(200);
      expect((await fetch(`${base}/health/ready`)).status).toBe(200);
      const apiMetrics = await (await fetch(`${base}/metrics`, { headers: auth })).text();
      expect(apiMetrics).toMatch(/spartoo_sync_orders\{status="WAITING_ACCEPTANCE"\} 0/);
      expect(apiMetrics).toMatch(/spartoo_sync_oldest_waiting_decision_seconds 0/);
      expect(apiMetrics).toMatch(/spartoo_sync_process_resident_memory_bytes [1-9]/);
      expect(
        (
          await fetch(`${base}/connections/${id}`, {
            method: 'DELETE',
            headers: { authorization: auth.authorization },
          })
        ).status,
      ).toBe(204);
    } finally {
      expect(await api.stop('SIGTERM')).toBe(0);
      await worker.stop('SIGTERM');
      await database.close();
    }
  });
});
