import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres';
import { migrate as migrateNodePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import { projectPath } from '../runtime/paths';
import * as schema from './schema';

export type Schema = typeof schema;
/** The one type the rest of the code sees: PGlite and PostgreSQL behind the same Drizzle API. */
export type Database = PgDatabase<PgQueryResultHKT, Schema>;

export interface DatabaseHandle {
  db: Database;
  kind: 'pglite' | 'postgres';
  ping(): Promise<void>;
  close(): Promise<void>;
}

const migrationsFolder = projectPath('db/migrations');

export interface DatabaseOptions {
  /** `postgres://…`: a PostgreSQL server. Unset: embedded PGlite. */
  url?: string;
  /** PGlite data folder; unset with no url: in memory (tests). */
  pgliteDir?: string;
  /** Pool size for PostgreSQL. */
  maxConnections?: number;
  /** PGlite's buffer cache (runtime/memory.ts); unset: PostgreSQL's 128 MB. */
  pgliteSharedBuffersMb?: number;
}

/**
 * Creates a new PGlite data folder in a short-lived child process: initdb runs a second WebAssembly
 * Postgres whose memory (about 500 MB) a process never gives back, so the product's own process would
 * keep it for its whole life.
 */
async function initPgliteDir(dir: string): Promise<void> {
  if (existsSync(path.join(dir, 'PG_VERSION'))) return;
  const pglite = import.meta.resolve('@electric-sql/pglite');
  const script = `const { PGlite } = await import(${JSON.stringify(pglite)});
const db = new PGlite(${JSON.stringify(dir)}); await db.waitReady; await db.close();`;
  await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script]);
}

/** Opens the database and brings its schema up to date (migrations are idempotent). */
export async function openDatabase(options: DatabaseOptions = {}): Promise<DatabaseHandle> {
  if (options.url) {
    const pool = new pg.Pool({ connectionString: options.url, max: options.maxConnections ?? 10 });
    // An idle connection that the server drops (PostgreSQL restarted, failed over, or an idle timeout)
    // is an 'error' event on the pool: without a listener it would end the process. The pool replaces
    // the connection on its next use; queries in flight fail on their own and are retried by Temporal.
    pool.on('error', (err) => {
      console.warn(`database: an idle connection was closed (${err.message}); the pool reconnects`);
    });
    const db = drizzleNodePg(pool, { schema });
    await migrateNodePg(db, { migrationsFolder });
    return {
      db: db as unknown as Database,
      kind: 'postgres',
      ping: async () => void (await db.execute(sql`select 1`)),
      close: () => pool.end(),
    };
  }
  if (options.pgliteDir) {
    mkdirSync(options.pgliteDir, { recursive: true });
    await initPgliteDir(options.pgliteDir);
  }
  const client = new PGlite(options.pgliteDir, {
    ...(options.pgliteSharedBuffersMb
      ? {
          startParams: [
            ...PGlite.defaultStartParams,
            '-c',
            `shared_buffers=${options.pgliteSharedBuffersMb}MB`,
          ],
        }
      : {}),
  });
  const db = drizzlePglite(client, { schema });
  await migratePglite(db, { migrationsFolder });
  return {
    db: db as unknown as Database,
    kind: 'pglite',
    ping: async () => void (await db.execute(sql`select 1`)),
    close: () => client.close(),
  };
}
