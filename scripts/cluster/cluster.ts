import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadOrCreateSecret, newApiToken, newSecretKey } from '../../runtime/config';
import { buildProduct } from '../build';
import type { ClusterTools } from '../temporal-cluster-tools';
import { ensureDatabase, postgresParts } from './postgres';
import { httpOk, ManagedProcess, nodeScript } from './process';
import {
  NUM_HISTORY_SHARDS,
  setupNamespace,
  setupTemporalSchema,
  type TemporalPorts,
  temporalReady,
  temporalServerProcess,
  temporalUiProcess,
} from './temporal';

export interface ClusterOptions {
  cli: string;
  tools: ClusterTools;
  /** The product's database (created if missing); Temporal's two go on the same server, same user. */
  databaseUrl: string;
  temporalDatabase?: string;
  temporalVisibilityDatabase?: string;
  ports: { api: number; ui?: number; temporal: TemporalPorts; workerMetrics: number };
  workers: number;
  namespace: string;
  taskQueue: string;
  /** The roles' DATA_DIR (API token and secret key files); the cluster's own files go to DATA_DIR/cluster. */
  dataDir: string;
  apiToken?: string;
  secretKey?: string;
  /** Added to every role's environment (LOG_LEVEL, …). */
  roleEnv?: NodeJS.ProcessEnv;
  log?: (message: string) => void;
  /**
   * Called when a process ends that nobody stopped (a crash); the cluster then starts it again, as a
   * supervisor (systemd, Docker's restart policy) would: after 1 s, doubling to 30 s while it keeps
   * ending within a minute of its start. The Temporal server, for one, exits when it loses its
   * database at the wrong moment and expects to be restarted.
   */
  onUnexpectedExit?: (process: ManagedProcess, how: string, restartInMs: number) => void;
}

export interface Cluster {
  temporalAddress: string;
  apiUrl: string;
  uiUrl?: string;
  apiToken: string;
  apiTokenFile?: string;
  dir: string;
  server: ManagedProcess;
  ui?: ManagedProcess;
  api: ManagedProcess;
  workers: ManagedProcess[];
  /** Starts a stopped or killed process again and waits until it is ready. */
  restart(process: ManagedProcess): Promise<void>;
  /** API, then workers (they drain), then the UI, then the server. */
  stop(): Promise<void>;
}

/**
 * The production topology on this machine, every part its own process: the Temporal server on
 * PostgreSQL (schema by temporal-sql-tool), the Temporal UI server, the api role and N worker roles.
 */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  return launchCluster(options).ready;
}

/** startCluster, with a stop() that also works while the cluster is still starting (Ctrl-C at start). */
export function launchCluster(options: ClusterOptions): { ready: Promise<Cluster>; stop(): Promise<void> } {
  const dir = path.join(options.dataDir, 'cluster');
  const started: ManagedProcess[] = [];
  let stopped = false;
  let stopping: Promise<void> | undefined;
  const stopAll = () =>
    (stopping ??= (async () => {
      stopped = true;
      const byName = (prefix: string) => started.filter((p) => p.name.startsWith(prefix));
      for (const group of [byName('api'), byName('worker'), byName('temporal-ui'), byName('temporal-server')])
        await Promise.all(group.map((p) => p.stop()));
      writePids(dir, []);
    })());
  const launch = (p: ManagedProcess) => {
    if (stopped) throw new Error('the cluster was stopped while starting');
    let delayMs = 0;
    let startedAt = Date.now();
    p.onUnexpectedExit = (proc, how) => {
      if (stopped) return;
      delayMs = Date.now() - startedAt > 60_000 ? 1000 : Math.min(30_000, Math.max(1000, delayMs * 2));
      options.onUnexpectedExit?.(proc, how, delayMs);
      setTimeout(() => {
        if (stopped || proc.running) return;
        startedAt = Date.now();
        proc.start();
        writePids(dir, started);
      }, delayMs).unref();
    };
    p.start();
    started.push(p);
    writePids(dir, started);
  };
  const ready = start(options, dir, launch, started, stopAll);
  ready.catch(() => {});
  return { ready, stop: stopAll };
}

async function start(
  options: ClusterOptions,
  dir: string,
  launch: (p: ManagedProcess) => void,
  started: ManagedProcess[],
  stopAll: () => Promise<void>,
): Promise<Cluster> {
  const log = options.log ?? (() => {});
  try {
    await stopLeftovers(dir, log);
    // The api and workers run from their bundles, as `npm run api` / `npm run worker` run them.
    await buildProduct();
    const postgres = postgresParts(options.databaseUrl);
    await ensureDatabase(options.databaseUrl);
    const databases = {
      postgres,
      name: options.temporalDatabase ?? 'temporal',
      visibilityName: options.temporalVisibilityDatabase ?? 'temporal_visibility',
    };
    log(`Temporal: schema of ${databases.name} and ${databases.visibilityName} (temporal-sql-tool)`);
    await setupTemporalSchema(options.tools, databases, log);

    const ports = options.ports.temporal;
    const temporalAddress = `127.0.0.1:${ports.frontend}`;
    log(`Temporal: starting the server on ${temporalAddress} (${NUM_HISTORY_SHARDS} history shards)`);
    const server = temporalServerProcess({ tools: options.tools, databases, ports, dir });
    launch(server);
    await server.waitUntil('answering', () => temporalReady(temporalAddress), 120_000);
    await setupNamespace(options.cli, temporalAddress, options.namespace, log);
    await server.waitUntil('serving the namespace', () => temporalReady(temporalAddress, options.namespace));

    const apiUrl = `http://localhost:${options.ports.api}`;
    let ui: ManagedProcess | undefined;
    let uiUrl: string | undefined;
    if (options.ports.ui !== undefined) {
      uiUrl = `http://localhost:${options.ports.ui}`;
      ui = temporalUiProcess({
        tools: options.tools,
        temporalAddress,
        port: options.ports.ui,
        namespace: options.namespace,
        apiOrigin: apiUrl,
        dir,
      });
      launch(ui);
    }

    const secretKey = loadOrCreateSecret(
      options.secretKey,
      path.join(options.dataDir, 'secret.key'),
      newSecretKey,
    ).value;
    const token = loadOrCreateSecret(options.apiToken, path.join(options.dataDir, 'api-token'), newApiToken);
    const roleEnv = (extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv => ({
      ...process.env,
      LOG_LEVEL: 'info',
      ...options.roleEnv,
      TEMPORAL_ADDRESS: temporalAddress,
      TEMPORAL_NAMESPACE: options.namespace,
      TASK_QUEUE: options.taskQueue,
      ...(uiUrl ? { TEMPORAL_UI_URL: uiUrl } : {}),
      DATABASE_URL: options.databaseUrl,
      DATA_DIR: options.dataDir,
      API_TOKEN: token.value,
      SECRET_KEY: secretKey,
      METRICS_HOST: '127.0.0.1',
      METRICS_PORT: String(options.ports.workerMetrics),
      ...extra,
    });

    // The API first: it migrates the database, so that the workers starting together do not race to.
    const api = new ManagedProcess({
      name: 'api',
      ...nodeScript('scripts/api.ts', roleEnv({ PORT: String(options.ports.api), HOST: '127.0.0.1' })),
      logFile: path.join(dir, 'logs', 'api.log'),
    });
    log(`api: starting on port ${options.ports.api}`);
    launch(api);
    const apiReady = () => httpOk(`http://127.0.0.1:${options.ports.api}/health/ready`);
    await api.waitUntil('ready', apiReady, 120_000);

    const workers = Array.from({ length: options.workers }, (_, i) => {
      const index = i + 1;
      return new ManagedProcess({
        name: `worker-${index}`,
        ...nodeScript('workers/main.ts', roleEnv({ WORKER_INDEX: String(index) })),
        logFile: path.join(dir, 'logs', `worker-${index}.log`),
      });
    });
    const workerReady = (w: ManagedProcess) => () =>
      httpOk(`http://127.0.0.1:${options.ports.workerMetrics + workers.indexOf(w)}/health/ready`);
    log(`workers: starting ${workers.length} (each bundles the workflows first)`);
    for (const w of workers) launch(w);
    await Promise.all(workers.map((w) => w.waitUntil('ready', workerReady(w), 240_000)));
    if (ui) await ui.waitUntil('serving', () => httpOk(`http://127.0.0.1:${options.ports.ui}/`), 60_000);

    const readiness = new Map<ManagedProcess, () => Promise<boolean>>([
      [server, () => temporalReady(temporalAddress, options.namespace)],
      [api, apiReady],
      ...workers.map((w) => [w, workerReady(w)] as [ManagedProcess, () => Promise<boolean>]),
      ...(ui
        ? [
            [ui, () => httpOk(`http://127.0.0.1:${options.ports.ui}/`)] as [
              ManagedProcess,
              () => Promise<boolean>,
            ],
          ]
        : []),
    ]);
    return {
      temporalAddress,
      apiUrl,
      uiUrl,
      apiToken: token.value,
      apiTokenFile: token.file,
      dir,
      server,
      ui,
      api,
      workers,
      async restart(p) {
        if (!p.running) p.start();
        writePids(dir, started);
        await p.waitUntil('ready after a restart', readiness.get(p)!, 240_000);
      },
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** pids.json: what this launcher started, so that a launcher killed without cleanup is cleaned up next time. */
function writePids(dir: string, processes: ManagedProcess[]) {
  const live = processes
    .filter((p) => p.running)
    .map((p) => ({ name: p.name, pid: p.pid, cmdline: cmdline(p.pid!) }));
  try {
    writeFileSync(path.join(dir, 'pids.json'), JSON.stringify(live, null, 2));
  } catch {}
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

/** Processes of an earlier launcher that was killed (SIGKILL, a closed terminal) and could not stop them. */
async function stopLeftovers(dir: string, log: (m: string) => void) {
  let previous: { name: string; pid: number; cmdline: string }[] = [];
  try {
    previous = JSON.parse(readFileSync(path.join(dir, 'pids.json'), 'utf8'));
  } catch {
    return;
  }
  for (const p of previous) {
    if (!p.cmdline || cmdline(p.pid) !== p.cmdline) continue;
    log(`cluster: stopping ${p.name} (pid ${p.pid}) left running by an earlier run`);
    try {
      process.kill(p.pid, 'SIGTERM');
    } catch {}
    for (let i = 0; i < 100 && cmdline(p.pid) === p.cmdline; i++)
      await new Promise((r) => setTimeout(r, 200));
    if (cmdline(p.pid) === p.cmdline) process.kill(p.pid, 'SIGKILL');
  }
}
