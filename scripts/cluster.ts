import { readConfig } from '../runtime/config';
import { launchCluster } from './cluster/cluster';
import { machinePostgres, redact, withDatabase } from './cluster/postgres';
import { defaultTemporalPorts, NUM_HISTORY_SHARDS } from './cluster/temporal';
import { ensureTemporalCli } from './temporal-cli';
import { ensureClusterTools } from './temporal-cluster-tools';

// `npm run cluster`: the production topology on this machine, each part its own process: PostgreSQL
// (DATABASE_URL, else this machine's, as the tests start it), the Temporal server on PostgreSQL, the
// Temporal UI server, the api role and two worker roles (WORKERS=n for another count). Ctrl-C stops them
// all, in order. README "Operating" describes it.
const config = readConfig(process.env);
const workers = Number(process.env.WORKERS || 2);
const temporalMetricsPort = Number(process.env.TEMPORAL_METRICS_PORT || 8000);
// Temporal's two databases, on DATABASE_URL's server with its user (created if missing).
const temporalDatabase = process.env.TEMPORAL_DB || 'temporal';
const temporalVisibilityDatabase = process.env.TEMPORAL_VISIBILITY_DB || 'temporal_visibility';
const log = (message: string) => console.log(message);

let launched: ReturnType<typeof launchCluster> | undefined;
let stopping = false;
const shutdown = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping the api, the workers, the Temporal UI and the Temporal server ...`);
  await launched?.stop();
  console.log('stopped.');
  process.exit(0);
};
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));

try {
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`WORKERS must be a positive integer`);
  const cli = await ensureTemporalCli(log);
  const tools = await ensureClusterTools(log);
  const databaseUrl = config.databaseUrl ?? withDatabase(await machinePostgres(), 'spartoo_sync');
  console.log(`spartoo-sync cluster: state in ${redact(databaseUrl)} (and ${config.dataDir})`);
  if (stopping) await new Promise(() => {});
  launched = launchCluster({
    cli,
    tools,
    databaseUrl,
    temporalDatabase,
    temporalVisibilityDatabase,
    apiToken: process.env.API_TOKEN || undefined,
    secretKey: process.env.SECRET_KEY || undefined,
    ports: {
      api: config.port,
      ui: config.temporalUiPort,
      temporal: defaultTemporalPorts(config.temporalPort, temporalMetricsPort),
      workerMetrics: config.metricsPort,
    },
    workers,
    namespace: config.namespace,
    taskQueue: config.taskQueue,
    dataDir: config.dataDir,
    roleEnv: { LOG_LEVEL: process.env.LOG_LEVEL || 'info' },
    log,
    onUnexpectedExit: (p, how, restartInMs) => {
      console.error(
        `cluster: ${p.name} (pid ${p.pid}) ended by itself (${how}); starting it again in ${restartInMs / 1000} s. Its log: ${p.spec.logFile}`,
      );
    },
  });
  const cluster = await launched.ready;
  const workerPorts = cluster.workers.map((_, i) => config.metricsPort + i).join(', ');
  console.log('');
  console.log(`  Dashboard    ${cluster.apiUrl}/`);
  console.log(
    `  API          ${cluster.apiUrl}   (docs: ${cluster.apiUrl}/docs, metrics: ${cluster.apiUrl}/metrics)`,
  );
  console.log(`  Temporal UI  ${cluster.uiUrl}`);
  console.log(
    `  Temporal     ${cluster.temporalAddress}   (PostgreSQL, ${NUM_HISTORY_SHARDS} history shards; metrics http://127.0.0.1:${temporalMetricsPort}/metrics)`,
  );
  console.log(
    `  Workers      ${cluster.workers.length}   (metrics and health on http://127.0.0.1:${workerPorts})`,
  );
  console.log(
    `  PostgreSQL   ${redact(databaseUrl)}   (Temporal: ${temporalDatabase}, ${temporalVisibilityDatabase})`,
  );
  console.log(
    `  API token    ${cluster.apiToken}${cluster.apiTokenFile ? `   (kept in ${cluster.apiTokenFile})` : ''}`,
  );
  console.log(`  Logs         ${cluster.dir}/logs/`);
  console.log('');
  console.log('Ready. Ctrl-C stops everything.');
} catch (err) {
  console.error(`spartoo-sync cluster could not start: ${(err as Error).message}`);
  // Ctrl-C during the start: shutdown() stops what started and exits.
  if (stopping) await new Promise(() => {});
  await launched?.stop();
  process.exit(1);
}
