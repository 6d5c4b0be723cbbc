import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { buildProduct } from '../../scripts/build';
import { ensureTemporalCli } from '../../scripts/temporal-cli';
import { ensureClusterTools } from '../../scripts/temporal-cluster-tools';
import { startTemporalDevServer } from '../../scripts/temporal-server';
import { workflowsPath } from '../../workers/worker';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalUiUrl: string;
    workflowBundleCode: string;
    postgresUrl: string;
    /** Why the cluster's binaries could not be provisioned ('' when they are there). */
    clusterToolsError: string;
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const script = (name: string) => fileURLToPath(new URL(`../../scripts/${name}`, import.meta.url));

/**
 * What the tests need from Debian on a machine that lacks it (Chromium, PostgreSQL), so that
 * `npm test` alone passes on a fresh machine, as `.ci/run` does; only as root, only what is missing.
 */
function installTestTools(): void {
  if (process.getuid?.() !== 0 || process.env.SPARTOO_TEST_NO_INSTALL === '1') return;
  try {
    execFileSync('bash', [script('install-test-tools.sh')], { stdio: ['ignore', 'inherit', 'inherit'] });
  } catch {
    console.warn('Could not install the test tools: the tests that need them will say so.');
  }
}

/**
 * PostgreSQL for the tests that need a real server: TEST_DATABASE_URL, else this machine's own
 * cluster started by scripts/ci-postgres.sh (as root), else none (those tests say so).
 */
function localPostgres(): string {
  if (process.getuid?.() !== 0) return '';
  try {
    return execFileSync('bash', [script('ci-postgres.sh'), '--no-install'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return '';
  }
}

/**
 * One real Temporal dev server for the whole run (on free ports, state in a temp folder), and the
 * workflow bundle built once; each test file runs its own worker on its own task queue.
 */
export default async function setup(project: TestProject) {
  const cli = await ensureTemporalCli((m) => console.log(m));
  installTestTools();
  // The Temporal server, temporal-sql-tool and UI server of `npm run cluster` (test/cluster.test.ts):
  // built with Go once per machine into the tool cache, like the CLI (minutes the first time).
  let clusterToolsError = '';
  try {
    await ensureClusterTools((m) => console.log(m));
  } catch (err) {
    clusterToolsError = (err as Error).message;
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'spartoo-sync-test-'));
  const [port, uiPort] = [await freePort(), await freePort()];
  const server = await startTemporalDevServer({
    cli,
    port,
    uiPort,
    namespace: 'default',
    dbFile: path.join(dir, 'temporal.db'),
  });
  // The product's processes the tests launch run from their bundles, as their npm scripts run them.
  await buildProduct();
  const bundle = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
  project.provide('temporalAddress', server.address);
  project.provide('temporalUiUrl', server.uiUrl);
  project.provide('workflowBundleCode', bundle.code);
  project.provide('clusterToolsError', clusterToolsError);
  project.provide('postgresUrl', process.env.TEST_DATABASE_URL || localPostgres());
  return async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
