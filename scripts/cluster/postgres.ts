import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { projectRoot } from '../../runtime/paths';
import { sleep } from './process';

const run = promisify(execFile);

export interface PostgresParts {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

export function postgresParts(url: string): PostgresParts {
  const u = new URL(url);
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:')
    throw new Error(`not a postgres:// URL: ${u.protocol}`);
  return {
    host: u.hostname || '127.0.0.1',
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database: decodeURIComponent(u.pathname.slice(1)) || 'postgres',
  };
}

/** The same server and credentials, another database. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** The URL without its password, for messages. */
export function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

/**
 * This machine's PostgreSQL, started as the tests start it (scripts/ci-postgres.sh: Debian's cluster,
 * a `spartoo_test` role that may create databases; installed from Debian's archive if missing). Root only.
 */
export async function machinePostgres(): Promise<string> {
  if (process.getuid?.() !== 0) {
    throw new Error(
      'Without DATABASE_URL, npm run cluster starts this machine’s PostgreSQL with scripts/ci-postgres.sh, ' +
        'which needs root. Set DATABASE_URL=postgres://user:password@host:5432/spartoo_sync (a user that may ' +
        'create databases: the cluster creates Temporal’s two databases on the same server).',
    );
  }
  const { stdout } = await run('bash', [path.join(projectRoot, 'scripts', 'ci-postgres.sh')], {
    maxBuffer: 1024 * 1024,
  });
  return stdout.trim();
}

/** Creates the database if it does not exist (the URL's user needs CREATEDB for that). */
export async function ensureDatabase(url: string): Promise<void> {
  const { database } = postgresParts(url);
  const admin = new pg.Client({
    connectionString: withDatabase(url, 'postgres'),
    connectionTimeoutMillis: 5000,
  });
  admin.on('error', () => {});
  await admin.connect();
  try {
    const { rowCount } = await admin.query('select 1 from pg_database where datname = $1', [database]);
    if (!rowCount) await admin.query(`CREATE DATABASE "${database.replaceAll('"', '""')}"`);
  } finally {
    await admin.end();
  }
}

export async function waitForPostgres(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.query('select 1');
      await client.end();
      return;
    } catch (err) {
      await client.end().catch(() => {});
      if (Date.now() > deadline)
        throw new Error(`PostgreSQL at ${redact(url)} does not answer: ${(err as Error).message}`);
      await sleep(250);
    }
  }
}

export interface OwnPostgres {
  /** Admin URL (role spartoo_test, CREATEDB) on the cluster's port. */
  url: string;
  version: string;
  name: string;
  port: number;
  /** Processes of this cluster (postmaster and backends), for CPU and memory figures. */
  pids(): { pid: number; database?: string }[];
  /** `pg_ctlcluster … stop -m immediate` (a crash: no checkpoint, recovery at start), then start. */
  crashRestart(downMs?: number): Promise<void>;
  drop(): Promise<void>;
}

/**
 * A PostgreSQL cluster of its own (Debian's pg_createcluster) on another port, so that the drill can
 * crash and restart it without taking another test's server down. Root, with postgresql installed.
 */
export async function createOwnPostgres(port: number): Promise<OwnPostgres> {
  if (process.getuid?.() !== 0)
    throw new Error('a PostgreSQL cluster of its own needs root (pg_createcluster)');
  let version: string;
  try {
    version = readdirSync('/usr/lib/postgresql')
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(a) - Number(b))
      .at(-1)!;
    if (!version) throw new Error('none');
  } catch {
    throw new Error(
      'PostgreSQL is not installed (apt-get install postgresql, or bash scripts/install-test-tools.sh)',
    );
  }
  const name = `spartoo-drill-${port}`;
  await run('pg_createcluster', [
    version,
    name,
    '-p',
    String(port),
    '--',
    '--auth-local=peer',
    '--auth-host=md5',
  ]);
  const ctl = (...args: string[]) => run('pg_ctlcluster', [version, name, ...args]);
  const drop = async () => {
    await run('pg_dropcluster', ['--stop', version, name]).catch(() => {});
  };
  try {
    await ctl('start');
    await run('runuser', [
      '-u',
      'postgres',
      '--',
      'psql',
      '-q',
      '-p',
      String(port),
      '-v',
      'ON_ERROR_STOP=1',
      '-c',
      "CREATE ROLE spartoo_test LOGIN CREATEDB PASSWORD 'spartoo_test'",
    ]);
    const url = `postgres://spartoo_test:spartoo_test@127.0.0.1:${port}/postgres`;
    await waitForPostgres(url);
    // Process titles read "postgres: 15/spartoo-drill-NNNN: user database 127.0.0.1(…) state".
    const title = `postgres: ${version}/${name}`;
    const postmaster = `/usr/lib/postgresql/${version}/bin/postgres`;
    return {
      url,
      version,
      name,
      port,
      pids() {
        const found: { pid: number; database?: string }[] = [];
        for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
          try {
            const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
            if (cmd.startsWith(title)) {
              const m = /^postgres: \S+: \S+ (\S+) \d+\.\d+\.\d+\.\d+\(/.exec(cmd);
              found.push({ pid: Number(pid), database: m?.[1] });
            } else if (cmd.startsWith(postmaster) && cmd.includes(`/${version}/${name}`)) {
              found.push({ pid: Number(pid) });
            }
          } catch {}
        }
        return found;
      },
      async crashRestart(downMs = 3000) {
        await ctl('stop', '-m', 'immediate');
        await sleep(downMs);
        await ctl('start');
        await waitForPostgres(url);
      },
      drop,
    };
  } catch (err) {
    await drop();
    throw err;
  }
}
