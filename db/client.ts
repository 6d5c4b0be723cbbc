import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { PGlite, type PGliteOptions, type QueryOptions, type Transaction, types } from '@electric-sql/pglite';
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

/**
 * The types Drizzle's PGlite driver reads as PostgreSQL's text and maps itself (timestamps, dates,
 * intervals, numeric[] and their arrays): the parsers it passes with every query.
 */
const DRIZZLE_TEXT_TYPES = [
  types.TIMESTAMP,
  types.TIMESTAMPTZ,
  types.INTERVAL,
  types.DATE,
  1231,
  1115,
  1185,
  1187,
  1182,
];
const asText = (value: string) => value;

/**
 * PGlite as Drizzle uses it, less a cost per query. Drizzle passes its parsers with every query, and
 * PGlite then copies its whole table of parsers (over 300 types, arrays included) into a new object to
 * read the rows: about 0.1 ms and a large object to collect, per query. The same parsers are set once
 * on the client (after its array types are loaded, which would replace those of the arrays) and
 * dropped from each query, so rows read the same (test/database-client.test.ts).
 */
class DrizzlePGlite extends PGlite {
  /** Set once the client's own parsers read those types as text (PGlite's start queries come first). */
  private typesAsText = false;

  constructor(dataDir?: string, options?: PGliteOptions) {
    super(dataDir, options);
    this.waitReady.then(
      () => {
        for (const type of DRIZZLE_TEXT_TYPES) this.parsers[type] = asText;
        this.typesAsText = true;
      },
      // A client that fails to start fails its queries, which say why.
      () => {},
    );
  }

  /** A query's options without its parsers, once the client's own read those types as text. */
  private withoutParsers(options?: QueryOptions): QueryOptions | undefined {
    return this.typesAsText && options?.parsers ? { ...options, parsers: undefined } : options;
  }

  override query<T>(query: string, params?: unknown[], options?: QueryOptions) {
    return super.query<T>(query, params, this.withoutParsers(options));
  }

  override transaction<T>(callback: (tx: Transaction) => Promise<T>): Promise<T> {
    return super.transaction((tx) => {
      // The transaction's other members (its `closed` getter among them) stay the original's.
      const wrapped: Transaction = Object.create(tx);
      wrapped.query = (query, params, options) => tx.query(query, params, this.withoutParsers(options));
      return callback(wrapped);
    });
  }
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
  const client = new DrizzlePGlite(options.pgliteDir, {
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
