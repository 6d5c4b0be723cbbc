import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import pg from 'pg';
import { projectRoot } from '../../runtime/paths';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import type { ClusterTools } from '../temporal-cluster-tools';
import { type PostgresParts, withDatabase } from './postgres';
import { ManagedProcess } from './process';

const run = promisify(execFile);

/**
 * History shards of the cluster's Temporal server, fixed when its databases are created. 16: a shard is
 * the unit of the history service's concurrency (one owner, its own task queues and timers), and every
 * shard costs the server some work even when idle (its queues polled, its range lease renewed). 16 lets
 * the history service spread over a few hosts and leaves room above this product's peak (a few orders
 * a second, BENCHMARKS.md) while the idle cost stays small; the dev server runs 1, Temporal's dev config
 * 4, large installations 512 and more. docker-compose.yml sets the same (NUM_HISTORY_SHARDS). See
 * README "Operating" for when to choose more.
 */
export const NUM_HISTORY_SHARDS = 16;
/** Closed workflows stay readable (Temporal UI, the API's links) this long. */
export const NAMESPACE_RETENTION = '30d';

export const templatesDir = path.join(projectRoot, 'scripts', 'cluster');

/**
 * Fills a template's `${NAME}` placeholders: strings as quoted YAML (JSON strings are valid YAML), numbers
 * as they are. A placeholder with no value is an error, not an empty string.
 */
export function renderTemplate(template: string, values: Record<string, string | number>): string {
  return template.replace(/\$\{([A-Z0-9_]+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`template placeholder \${${name}} has no value`);
    return typeof value === 'number' ? String(value) : JSON.stringify(value);
  });
}

export interface TemporalPorts {
  frontend: number;
  history: number;
  matching: number;
  worker: number;
  frontendMembership: number;
  historyMembership: number;
  matchingMembership: number;
  workerMembership: number;
  frontendHttp: number;
  metrics: number;
}

/**
 * Temporal's own layout around the frontend port (7233 → history 7234, matching 7235, worker 7239, HTTP
 * 7243, membership 6933–6939), so that TEMPORAL_PORT moves them all; the server's Prometheus metrics on
 * TEMPORAL_METRICS_PORT (Temporal's default 8000).
 */
export function defaultTemporalPorts(frontend: number, metrics: number): TemporalPorts {
  // Membership ports are stored in a SMALLINT column (cluster_membership.rpc_port): at most 32767.
  if (frontend < 1324 || frontend > 32_767 + 294)
    throw new Error(
      `TEMPORAL_PORT ${frontend}: the cluster's layout needs 1324 to 33061 (membership ports at -300…-294)`,
    );
  return {
    frontend,
    history: frontend + 1,
    matching: frontend + 2,
    worker: frontend + 6,
    frontendMembership: frontend - 300,
    historyMembership: frontend - 299,
    matchingMembership: frontend - 298,
    workerMembership: frontend - 294,
    frontendHttp: frontend + 10,
    metrics,
  };
}

export interface TemporalDatabases {
  /** Server and credentials (the database field is ignored). */
  postgres: PostgresParts;
  name: string;
  visibilityName: string;
}

/**
 * Creates Temporal's two databases if missing and brings their schema to the server's version with
 * temporal-sql-tool, from the schema files of the server module (what Temporal's auto-setup does):
 * `create-database`, `setup-schema -v 0.0` on an empty database, then `update-schema -d …/versioned`.
 */
export async function setupTemporalSchema(
  tools: ClusterTools,
  databases: TemporalDatabases,
  log: (m: string) => void,
): Promise<void> {
  const { host, port, user, password } = databases.postgres;
  const adminUrl = `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${host}:${port}/postgres`;
  for (const [database, schema] of [
    [databases.name, 'temporal'],
    [databases.visibilityName, 'visibility'],
  ] as const) {
    const sqlTool = (...args: string[]) =>
      run(
        tools.sqlTool,
        [
          '--plugin',
          'postgres12',
          '--endpoint',
          host,
          '--port',
          String(port),
          '--user',
          user,
          '--password',
          password,
          '--database',
          database,
          ...args,
        ],
        { maxBuffer: 10 * 1024 * 1024 },
      ).catch((err: Error & { stderr?: string }) => {
        throw new Error(`temporal-sql-tool ${args[0]} on ${database}: ${err.stderr || err.message}`);
      });
    const state = await schemaState(withDatabase(adminUrl, database), adminUrl, database);
    if (state === 'missing') {
      log(`Temporal: creating database ${database}`);
      await sqlTool('create-database');
    }
    if (state !== 'versioned') await sqlTool('setup-schema', '-v', '0.0');
    await sqlTool('update-schema', '-d', path.join(tools.schemaDir, schema, 'versioned'));
  }
}

async function schemaState(url: string, adminUrl: string, database: string) {
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
  admin.on('error', () => {});
  await admin.connect();
  try {
    const { rowCount } = await admin.query('select 1 from pg_database where datname = $1', [database]);
    if (!rowCount) return 'missing' as const;
  } finally {
    await admin.end();
  }
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on('error', () => {});
  await client.connect();
  try {
    const { rows } = await client.query(
      "select to_regclass('public.schema_version') is not null as versioned",
    );
    return rows[0]?.versioned ? ('versioned' as const) : ('empty' as const);
  } finally {
    await client.end();
  }
}

export interface TemporalServerOptions {
  tools: ClusterTools;
  databases: TemporalDatabases;
  ports: TemporalPorts;
  /** DATA_DIR/cluster: the rendered config and the logs go there. */
  dir: string;
  logLevel?: string;
  numHistoryShards?: number;
}

/** Renders the server's config from the repo's template and returns the (not yet started) process. */
export function temporalServerProcess(options: TemporalServerOptions): ManagedProcess {
  const { ports, databases } = options;
  const root = path.join(options.dir, 'temporal');
  mkdirSync(path.join(root, 'config'), { recursive: true });
  const config = renderTemplate(readFileSync(path.join(templatesDir, 'temporal-server.yaml'), 'utf8'), {
    LOG_LEVEL: options.logLevel ?? 'warn',
    NUM_HISTORY_SHARDS: options.numHistoryShards ?? NUM_HISTORY_SHARDS,
    DB_NAME: databases.name,
    VISIBILITY_DB_NAME: databases.visibilityName,
    DB_ADDRESS: `${databases.postgres.host}:${databases.postgres.port}`,
    DB_USER: databases.postgres.user,
    DB_PASSWORD: databases.postgres.password,
    METRICS_ADDRESS: `127.0.0.1:${ports.metrics}`,
    FRONTEND_PORT: ports.frontend,
    FRONTEND_MEMBERSHIP_PORT: ports.frontendMembership,
    FRONTEND_HTTP_PORT: ports.frontendHttp,
    MATCHING_PORT: ports.matching,
    MATCHING_MEMBERSHIP_PORT: ports.matchingMembership,
    HISTORY_PORT: ports.history,
    HISTORY_MEMBERSHIP_PORT: ports.historyMembership,
    WORKER_PORT: ports.worker,
    WORKER_MEMBERSHIP_PORT: ports.workerMembership,
    FRONTEND_ADDRESS: `127.0.0.1:${ports.frontend}`,
    FRONTEND_HTTP_ADDRESS: `127.0.0.1:${ports.frontendHttp}`,
    DYNAMIC_CONFIG_FILE: path.join(templatesDir, 'dynamicconfig.yaml'),
  });
  writeFileSync(path.join(root, 'config', 'cluster.yaml'), config);
  return new ManagedProcess({
    name: 'temporal-server',
    command: options.tools.server,
    args: ['--root', root, '--config', 'config', '--env', 'cluster', '--allow-no-auth', 'start'],
    env: process.env,
    logFile: path.join(options.dir, 'logs', 'temporal-server.log'),
    stopSignal: 'SIGTERM',
  });
}

/** The frontend answers and the namespace can be described: the server can take work. */
export async function temporalReady(address: string, namespace?: string): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: 1000 });
  try {
    const health = await connection.healthService.check({});
    if (health.status !== 1) return false; // SERVING
    if (namespace) await connection.workflowService.describeNamespace({ namespace });
    return true;
  } catch {
    return false;
  } finally {
    await connection.close();
  }
}

/**
 * The namespace and SPEC §4's search attributes (Keyword), created with the Temporal CLI when missing,
 * as an operator would (`temporal operator namespace create`, `… search-attribute create`).
 */
export async function setupNamespace(
  cli: string,
  address: string,
  namespace: string,
  log: (m: string) => void,
) {
  const temporal = (...args: string[]) =>
    run(cli, [...args, '--address', address], { maxBuffer: 10 * 1024 * 1024 }).catch(
      (err: Error & { stderr?: string }) => {
        throw new Error(`temporal ${args.slice(0, 3).join(' ')}: ${err.stderr || err.message}`);
      },
    );
  const described = await temporal('operator', 'namespace', 'describe', '--namespace', namespace).then(
    () => true,
    () => false,
  );
  if (!described) {
    log(`Temporal: creating namespace ${namespace} (retention ${NAMESPACE_RETENTION})`);
    await temporal(
      'operator',
      'namespace',
      'create',
      '--namespace',
      namespace,
      '--retention',
      NAMESPACE_RETENTION,
    );
  }
  // A new namespace takes a moment to reach every service's cache.
  for (let i = 0; ; i++) {
    const listed = await temporal(
      'operator',
      'search-attribute',
      'list',
      '--namespace',
      namespace,
      '--output',
      'json',
    )
      .then((r) => r.stdout)
      .catch((err: Error) => {
        if (i >= 60) throw err;
        return undefined;
      });
    if (listed !== undefined) {
      const missing = SEARCH_ATTRIBUTES.filter((key) => !listed.includes(`"${key.name}"`));
      if (missing.length === 0) return;
      log(`Temporal: creating search attributes ${missing.map((k) => k.name).join(', ')} (Keyword)`);
      const args = ['operator', 'search-attribute', 'create', '--namespace', namespace];
      for (const key of missing) args.push('--name', key.name, '--type', 'Keyword');
      await temporal(...args);
      return;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

export interface TemporalUiOptions {
  tools: ClusterTools;
  temporalAddress: string;
  port: number;
  namespace: string;
  /** The dashboard's origin, allowed by CORS. */
  apiOrigin: string;
  dir: string;
}

export function temporalUiProcess(options: TemporalUiOptions): ManagedProcess {
  const root = path.join(options.dir, 'temporal-ui');
  mkdirSync(path.join(root, 'config'), { recursive: true });
  writeFileSync(
    path.join(root, 'config', 'cluster.yaml'),
    renderTemplate(readFileSync(path.join(templatesDir, 'temporal-ui.yaml'), 'utf8'), {
      TEMPORAL_ADDRESS: options.temporalAddress,
      PORT: options.port,
      NAMESPACE: options.namespace,
      API_ORIGIN: options.apiOrigin,
    }),
  );
  return new ManagedProcess({
    name: 'temporal-ui',
    command: options.tools.ui,
    args: ['--root', root, '--config', 'config', '--env', 'cluster', 'start'],
    env: process.env,
    logFile: path.join(options.dir, 'logs', 'temporal-ui.log'),
  });
}
