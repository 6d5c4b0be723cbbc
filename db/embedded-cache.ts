import { PGlite } from '@electric-sql/pglite';
import type { Database } from './client';

/** The embedded PGlite: one process opens it (`npm start`; the single-role commands need DATABASE_URL). */
export const isEmbedded = (db: Database) =>
  (db as unknown as { $client?: unknown }).$client instanceof PGlite;

/**
 * Rows every activity reads again and again (a connection and its Spartoo key, a store and its
 * secrets), kept in memory when the database is the embedded PGlite: only this process opens it, and
 * the repository reading them is their table's only writer, which clears them at every write (before
 * and after it; a read that overlapped a write is not kept). On PostgreSQL other processes write
 * (the cluster's API): nothing is kept and every read goes to the database.
 */
export interface RowCache<V> {
  read(key: string, load: () => Promise<V | undefined>): Promise<V | undefined>;
  write<T>(change: () => Promise<T>): Promise<T>;
}

/** At most this many rows a table: an agency's connections, then the cache starts again. */
const MAX_ROWS = 5000;

const caches = new WeakMap<Database, Map<string, RowCache<unknown>>>();

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

function createRowCache<V>(): RowCache<V> {
  const rows = new Map<string, V>();
  let generation = 0;
  const clear = () => {
    generation++;
    rows.clear();
  };
  return {
    async read(key, load) {
      const kept = rows.get(key);
      if (kept !== undefined) return kept;
      const before = generation;
      const value = await load();
      if (value !== undefined && generation === before) {
        if (rows.size >= MAX_ROWS) rows.clear();
        rows.set(key, deepFreeze(value));
      }
      return value;
    },
    async write(change) {
      clear();
      try {
        return await change();
      } finally {
        clear();
      }
    },
  };
}

const passThrough: RowCache<never> = {
  read: (_key, load) => load(),
  write: (change) => change(),
};

/** The cache of one table's rows for this database: shared by every repository opened on it. */
export function rowCache<V>(db: Database, table: string): RowCache<V> {
  if (!isEmbedded(db)) return passThrough as RowCache<V>;
  const byTable = caches.get(db) ?? new Map<string, RowCache<unknown>>();
  caches.set(db, byTable);
  const cache = byTable.get(table) ?? createRowCache<unknown>();
  byTable.set(table, cache);
  return cache as RowCache<V>;
}
