import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import pg from 'pg';
import { openDatabase } from '../../db/client';
import { workflowsPath } from '../../workers/worker';
import { ensureTemporalCli } from '../temporal-cli';
import { startTemporalDevServer } from '../temporal-server';
import { type ApiClient, apiClient } from './http';
import { createScratchDatabase, redact } from './postgres';
import { Child, sleep } from './procs';
import { findPid, freePort } from './run';

/**
 * The product under a bench, as `scripts/bench/run.ts` starts it: a Temporal dev server of the run's own
 * (SQLite file, as `npm start`), then `npm start`'s single process (worker, API, embedded PGlite), or
 * with a PostgreSQL server the production layout (a scratch database, the API and one worker, each its
 * own process). Every step registers its undoing in `cleanups` (run last first).
 */
export interface BenchProduct {
  layout: 'embedded' | 'postgres';
  http: ApiClient;
  /** The Temporal dev server's process, for its CPU (undefined if it could not be found). */
  temporalPid?: number;
  temporalAddress: string;
  /** The processes of the product: `npm start`'s one, or the worker then the API. */
  processes: Child[];
  /** A connection to the scratch database (PostgreSQL layout), for its activity. */
  stats?: pg.Client;
}

export async function startBenchProduct(options: {
  postgresUrl?: string;
  cleanups: (() => Promise<unknown>)[];
  log: (line: string) => void;
  /** Extra environment of the product's processes (e.g. LOG_LEVEL). */
  env?: NodeJS.ProcessEnv;
}): Promise<BenchProduct> {
  const { cleanups, log } = options;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'spartoo-bench-'));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));

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
  let stats: pg.Client | undefined;
  if (options.postgresUrl) {
    const scratch = await createScratchDatabase(options.postgresUrl);
    cleanups.push(() => scratch.drop());
    databaseUrl = scratch.url;
    log(`database: PostgreSQL ${redact(scratch.url)}`);
    // Migrated once here, so that the API and the worker starting together do not race to migrate.
    const migrated = await openDatabase({ url: databaseUrl, maxConnections: 1 });
    await migrated.close();
    const client = new pg.Client({ connectionString: databaseUrl });
    // Dropping the database at the end terminates this connection: not an error.
    client.on('error', () => {});
    await client.connect();
    cleanups.push(() => client.end());
    stats = client;
  } else {
    log('database: embedded PGlite (set TEST_DATABASE_URL or DATABASE_URL for PostgreSQL)');
  }

  const apiToken = randomBytes(18).toString('base64url');
  const { DATABASE_URL: _d, TEST_DATABASE_URL: _t, ...inherited } = process.env;
  const env: NodeJS.ProcessEnv = {
    ...inherited,
    TEMPORAL_ADDRESS: server.address,
    TEMPORAL_NAMESPACE: 'default',
    TASK_QUEUE: 'spartoo-sync',
    TEMPORAL_UI_URL: server.uiUrl,
    DATA_DIR: path.join(dir, 'data'),
    API_TOKEN: apiToken,
    SECRET_KEY: randomBytes(32).toString('base64'),
    PORT: String(apiPort),
    HOST: '127.0.0.1',
    DEMO: '0',
    // The connections' baseUrl is the sandbox's, on this machine.
    SPARTOO_ALLOW_CUSTOM_URL: '1',
    LOG_LEVEL: 'warn',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    ...options.env,
  };
  const processes = databaseUrl ? await startProductionLayout(dir, env, cleanups, log) : [];
  if (!databaseUrl) {
    // The embedded product exactly as `npm start` runs it: worker, API and PGlite in one process.
    const stack = new Child('stack', 'scripts/start.ts', env);
    cleanups.push(() => stack.stop());
    processes.push(stack);
    await stack.waitFor(/Ready\./, 180_000);
  }
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  await waitForHealth(apiUrl, processes.at(-1)!);
  return {
    layout: databaseUrl ? 'postgres' : 'embedded',
    http: apiClient(apiUrl, apiToken),
    temporalPid: findPid('start-dev', `--port ${temporalPort}`),
    temporalAddress: server.address,
    processes,
    stats,
  };
}

/** The worker (the workflows bundled once) and the API, each its own process. */
async function startProductionLayout(
  dir: string,
  env: NodeJS.ProcessEnv,
  cleanups: (() => Promise<unknown>)[],
  log: (line: string) => void,
): Promise<Child[]> {
  log('worker: bundling the workflows once');
  const bundle = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
  const bundlePath = path.join(dir, 'workflows.js');
  writeFileSync(bundlePath, bundle.code);
  const worker = new Child('worker', 'scripts/bench/product-worker.ts', {
    ...env,
    BENCH_WORKFLOW_BUNDLE: bundlePath,
  });
  cleanups.push(() => worker.stop());
  await worker.waitFor(/worker: ready/);
  const api = new Child('api', 'scripts/api.ts', env);
  cleanups.push(() => api.stop());
  return [worker, api];
}

async function waitForHealth(apiUrl: string, child: Child): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ok = await fetch(`${apiUrl}/health`)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`API did not answer /health:\n${child.text()}`);
    await sleep(200);
  }
}
