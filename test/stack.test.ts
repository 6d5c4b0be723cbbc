import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from './support/global-setup';
import { launch, processRunning } from './support/processes';
import { waitFor } from './support/wait';

/** `npm start` as a new user runs it: everything up, Ctrl-C stops all of it, a second start keeps the data. */
describe('npm start (embedded stack)', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'spartoo-sync-stack-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('starts everything, answers /health, stops cleanly on Ctrl-C and keeps its data across restarts', async () => {
    const [port, temporalPort, uiPort, sandboxPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    const env = {
      DATA_DIR: dataDir,
      PORT: String(port),
      TEMPORAL_PORT: String(temporalPort),
      TEMPORAL_UI_PORT: String(uiPort),
      SANDBOX_PORT: String(sandboxPort),
      DEMO: '1',
    };
    const api = `http://127.0.0.1:${port}`;

    const first = launch('scripts/start.ts', env);
    await first.waitForOutput(/Ready\./);
    const token = readFileSync(path.join(dataDir, 'api-token'), 'utf8').trim();
    expect(first.output()).toContain(token);
    expect(first.output()).toContain(`http://localhost:${uiPort}`);

    const health = await fetch(`${api}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', temporal: 'up', database: 'up' });
    expect((await fetch(`http://127.0.0.1:${uiPort}/`)).status).toBe(200);

    // The demo: a sandbox connection whose orders show every path, within seconds.
    const auth = { authorization: `Bearer ${token}` };
    const demoOrders = await waitFor(
      async () =>
        ((await (await fetch(`${api}/orders`, { headers: auth })).json()) as { items: { status: string }[] })
          .items,
      (items) => items.length === 5 && items.filter((o) => o.status === 'AWAITING_SHIPMENT').length === 2,
    );
    expect(demoOrders.map((o) => o.status).sort()).toEqual([
      'AWAITING_SHIPMENT',
      'AWAITING_SHIPMENT',
      'WAITING_ACCEPTANCE',
      'WAITING_ACCEPTANCE',
      'WAITING_ACCEPTANCE',
    ]);

    const created = await fetch(`${api}/connections`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Kept', apiKey: 'KEEP-ME-0001' }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };

    expect(await first.stop('SIGINT')).toBe(0);
    expect(first.output()).toContain('stopped.');
    expect(processRunning(`--port ${temporalPort}`)).toBe(false);

    const second = launch('scripts/start.ts', env);
    try {
      await second.waitForOutput(/Ready\./);
      const again = await fetch(`${api}/connections/${id}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(again.status).toBe(200);
      expect(await again.json()).toMatchObject({ name: 'Kept', apiKey: '••••0001' });
      // A restart seeds nothing twice.
      const all = (await (
        await fetch(`${api}/connections`, { headers: { authorization: `Bearer ${token}` } })
      ).json()) as {
        items: unknown[];
      };
      expect(all.items).toHaveLength(2);
    } finally {
      expect(await second.stop('SIGTERM')).toBe(0);
    }
    expect(processRunning(`--port ${temporalPort}`)).toBe(false);
    // Two starts, each building the workflow bundle in a child process (workers/bundle.ts): ~20 s on a
    // quiet machine, more than a minute when other work shares the two cores.
  }, 180_000);
});
