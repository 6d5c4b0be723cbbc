import { randomUUID } from 'node:crypto';
import { asc, eq, sql } from 'drizzle-orm';
import { BUILTIN_STORE_ID, type StoreKindName, type StoreProblem } from '../domain/stores';
import type { SecretBox } from '../runtime/secret-box';
import type { Database } from './client';
import { rowCache } from './embedded-cache';
import { connections, stores } from './schema';

/** A store as the product shows it: its configuration and the last 4 characters of each secret. */
export interface StoreRecord {
  id: string;
  kind: StoreKindName;
  name: string;
  config: Record<string, unknown>;
  /** The last 4 characters of each secret it has, by field. */
  secretHints: Record<string, string>;
  problem: StoreProblem | null;
  createdAt: Date;
  /** When its name, configuration or secrets last changed (not its problem). */
  updatedAt: Date;
}

/** A connection named a store that does not exist. */
export class UnknownStoreError extends Error {
  override name = 'UnknownStoreError';
  constructor(readonly storeId: string) {
    super(`Store ${storeId} does not exist`);
  }
}

type Row = typeof stores.$inferSelect;
type Secrets = Record<string, string>;

const toRecord = (row: Row): StoreRecord => ({
  id: row.id,
  kind: row.kind as StoreKindName,
  name: row.name,
  config: row.config,
  secretHints: row.secretHints,
  problem: row.problem ?? null,
  createdAt: row.createdAt,
  updatedAt: row.updatedAt,
});

const hintsOf = (secrets: Secrets) =>
  Object.fromEntries(Object.entries(secrets).map(([field, value]) => [field, value.slice(-4)]));

/** Connections whose settings name the store. */
async function usersOf(db: Pick<Database, 'select'>, storeId: string): Promise<string[]> {
  const rows = await db
    .select({ id: connections.id })
    .from(connections)
    .where(sql`${connections.settings} ->> 'storeId' = ${storeId}`)
    .orderBy(asc(connections.id));
  return rows.map((r) => r.id);
}

/**
 * Makes sure a store exists, inside the caller's transaction, and keeps it from being deleted until that
 * transaction ends (a connection being saved with it; see `remove`).
 */
export async function lockStoreForUse(tx: Pick<Database, 'select'>, storeId: string): Promise<void> {
  const [row] = await tx
    .select({ id: stores.id })
    .from(stores)
    .where(eq(stores.id, storeId))
    .for('key share');
  if (!row) throw new UnknownStoreError(storeId);
}

/** The stores and their encrypted secrets; the registry (store/registry.ts) is the only reader of clear secrets. */
export function createStoreRepository(db: Database, secrets: SecretBox) {
  const seal = (values: Secrets) =>
    Object.keys(values).length ? secrets.seal(JSON.stringify(values)) : null;
  const open = (sealed: string | null): Secrets => (sealed ? JSON.parse(secrets.open(sealed)) : {});
  // The import and the acceptance open the connection's store: kept when embedded (db/embedded-cache.ts).
  const withSecrets = rowCache<{ record: StoreRecord; secrets: Secrets }>(db, 'stores');

  return {
    async create(input: {
      id?: string;
      kind: StoreKindName;
      name: string;
      config: Record<string, unknown>;
      secrets: Secrets;
    }): Promise<StoreRecord> {
      const [row] = await withSecrets.write(() =>
        db
          .insert(stores)
          .values({
            id: input.id ?? randomUUID(),
            kind: input.kind,
            name: input.name,
            config: input.config,
            secretsEncrypted: seal(input.secrets),
            secretHints: hintsOf(input.secrets),
          })
          .returning(),
      );
      return toRecord(row!);
    },

    async get(id: string): Promise<StoreRecord | undefined> {
      const [row] = await db.select().from(stores).where(eq(stores.id, id));
      return row && toRecord(row);
    },

    /** The built-in store first, then by creation. */
    async list(): Promise<StoreRecord[]> {
      const rows = await db
        .select()
        .from(stores)
        .orderBy(sql`${stores.id} <> ${BUILTIN_STORE_ID}`, asc(stores.createdAt), asc(stores.id));
      return rows.map(toRecord);
    },

    /** A store and its clear secrets: for the registry, which opens adapters; never for a response or a log. */
    async withSecrets(id: string): Promise<{ record: StoreRecord; secrets: Secrets } | undefined> {
      return withSecrets.read(id, async () => {
        const [row] = await db.select().from(stores).where(eq(stores.id, id));
        return row && { record: toRecord(row), secrets: open(row.secretsEncrypted) };
      });
    },

    /**
     * Applies a change already validated against the store's kind: the name, the whole new configuration,
     * and the secrets that change (a string replaces one, null removes it; the others stay).
     */
    async update(
      id: string,
      change: { name?: string; config?: Record<string, unknown>; secrets?: Record<string, string | null> },
    ): Promise<StoreRecord | undefined> {
      return withSecrets.write(() => updateStore(id, change));
    },

    /** The connections of every store, by store id. */
    async usage(): Promise<Map<string, string[]>> {
      const rows = await db
        .select({ id: connections.id, storeId: sql<string | null>`${connections.settings} ->> 'storeId'` })
        .from(connections)
        .orderBy(asc(connections.id));
      const byStore = new Map<string, string[]>();
      for (const { id, storeId } of rows) {
        const key = storeId ?? BUILTIN_STORE_ID;
        byStore.set(key, [...(byStore.get(key) ?? []), id]);
      }
      return byStore;
    },

    /** Connections that import into the store. */
    async usedBy(id: string): Promise<string[]> {
      return usersOf(db, id);
    },

    /**
     * Deletes a store no connection uses: answers the connections that still do (then nothing is
     * deleted), or whether it existed. The store's row is locked first, so a connection being saved with
     * it at the same time (lockStoreForUse) either finishes first and is counted, or fails after.
     */
    async remove(id: string): Promise<{ removed: boolean; usedBy: string[] }> {
      return withSecrets.write(() => removeUnused(id));
    },

    /** Records what stops the store; `since` stays that of the first sighting while the code is the same. */
    async setProblem(id: string, problem: Omit<StoreProblem, 'since'>): Promise<void> {
      const now = new Date().toISOString();
      await withSecrets.write(() =>
        db
          .update(stores)
          .set({
            problem: sql`jsonb_build_object('code', ${problem.code}::text, 'message', ${problem.message}::text,
            'since', coalesce(case when ${stores.problem} ->> 'code' = ${problem.code}::text
                                   then ${stores.problem} ->> 'since' end, ${now}::text))`,
          })
          .where(eq(stores.id, id)),
      );
    },

    /** The store works again. */
    async clearProblem(id: string): Promise<void> {
      await withSecrets.write(() =>
        db
          .update(stores)
          .set({ problem: null })
          .where(sql`${stores.id} = ${id} and ${stores.problem} is not null`),
      );
    },
  };

  /** A change already validated: the name, the configuration, the secrets that change. */
  function updateStore(
    id: string,
    change: { name?: string; config?: Record<string, unknown>; secrets?: Record<string, string | null> },
  ): Promise<StoreRecord | undefined> {
    return db.transaction(async (tx) => {
      const [row] = await tx.select().from(stores).where(eq(stores.id, id)).for('update');
      if (!row) return undefined;
      const values: Partial<typeof stores.$inferInsert> = { updatedAt: new Date() };
      if (change.name !== undefined) values.name = change.name;
      if (change.config !== undefined) values.config = change.config;
      if (change.secrets && Object.keys(change.secrets).length) {
        const merged: Secrets = open(row.secretsEncrypted);
        for (const [field, value] of Object.entries(change.secrets)) {
          if (value === null) delete merged[field];
          else merged[field] = value;
        }
        values.secretsEncrypted = seal(merged);
        values.secretHints = hintsOf(merged);
      }
      const [updated] = await tx.update(stores).set(values).where(eq(stores.id, id)).returning();
      return toRecord(updated!);
    });
  }

  /** Deletes the store unless a connection uses it (remove). */
  function removeUnused(id: string): Promise<{ removed: boolean; usedBy: string[] }> {
    return db.transaction(async (tx) => {
      const [row] = await tx.select({ id: stores.id }).from(stores).where(eq(stores.id, id)).for('update');
      if (!row) return { removed: false, usedBy: [] };
      const users = await usersOf(tx, id);
      if (users.length) return { removed: false, usedBy: users };
      await tx.delete(stores).where(eq(stores.id, id));
      return { removed: true, usedBy: [] };
    });
  }
}

export type StoreRepository = ReturnType<typeof createStoreRepository>;
