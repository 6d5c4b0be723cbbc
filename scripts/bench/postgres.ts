import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface ScratchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/**
 * A fresh database for one bench run on the PostgreSQL server of `adminUrl` (whose user may create
 * databases), dropped at the end: a run never sees another run's orders.
 */
export async function createScratchDatabase(adminUrl: string): Promise<ScratchDatabase> {
  const name = `spartoo_bench_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
  admin.on('error', () => {});
  try {
    await admin.connect();
  } catch (err) {
    throw new Error(`PostgreSQL at ${redact(adminUrl)} does not answer: ${(err as Error).message}`);
  }
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    async drop() {
      const cleanup = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
      cleanup.on('error', () => {});
      await cleanup.connect();
      try {
        await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await cleanup.end();
      }
    },
  };
}

/** The URL without its password, for messages. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(invalid URL)';
  }
}

export interface DatabaseActivity {
  /** Transactions committed or rolled back (each statement outside a transaction is one). */
  transactions: number;
  rowsInserted: number;
  rowsUpdated: number;
  /** CPU seconds of the server processes serving this database (from /proc). */
  backendPids: number[];
}

/** What PostgreSQL counted for a database so far (its statistics lag by up to a second). */
export async function databaseActivity(client: pg.Client): Promise<DatabaseActivity> {
  await client.query('select pg_stat_clear_snapshot()');
  const { rows } = await client.query(
    `select xact_commit + xact_rollback as xacts, tup_inserted, tup_updated
       from pg_stat_database where datname = current_database()`,
  );
  const pids = await client.query(
    'select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
  );
  return {
    transactions: Number(rows[0]?.xacts ?? 0),
    rowsInserted: Number(rows[0]?.tup_inserted ?? 0),
    rowsUpdated: Number(rows[0]?.tup_updated ?? 0),
    backendPids: pids.rows.map((r) => Number(r.pid)),
  };
}
