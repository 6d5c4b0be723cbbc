import { randomUUID } from 'node:crypto';
import { asc, eq, sql } from 'drizzle-orm';
import {
  type ConnectionSettings,
  type ConnectionSettingsInput,
  type ConnectionSettingsPatch,
  connectionSettingsSchema,
} from '../domain/settings';
import { BUILTIN_STORE_ID, type StoreProblem } from '../domain/stores';
import type { SecretBox } from '../runtime/secret-box';
import type { Database } from './client';
import { rowCache } from './embedded-cache';
import { type CycleResult, connections, stores } from './schema';
import { lockStoreForUse } from './stores';

/** A connection as the product shows it: settings with the key masked, never the key itself. */
export interface ConnectionRecord {
  id: string;
  settings: ConnectionSettings;
  apiKeyLast4: string;
  lastPoll: CycleResult | null;
  lastStockSync: CycleResult | null;
  /** What stops its store from working (read by get, list and update; absent elsewhere). */
  storeProblem?: StoreProblem | null;
  createdAt: Date;
  updatedAt: Date;
}

type Row = typeof connections.$inferSelect;

/** The connection's store, joined on its settings' `storeId`. */
const ofItsStore = sql`${stores.id} = ${connections.settings} ->> 'storeId'`;
const withStoreProblem = { row: connections, storeProblem: stores.problem };
const toRecordWithProblem = (r: { row: Row; storeProblem: StoreProblem | null }): ConnectionRecord => ({
  ...toRecord(r.row),
  storeProblem: r.storeProblem ?? null,
});

function toRecord(row: Row): ConnectionRecord {
  return {
    id: row.id,
    // A row written without a store (by a process older than stores, during a rolling upgrade) imports
    // into the built-in store, as the migration made every earlier connection do.
    settings: { ...row.settings, name: row.name, storeId: row.settings.storeId ?? BUILTIN_STORE_ID },
    apiKeyLast4: row.apiKeyLast4,
    lastPoll: row.lastPoll ?? null,
    lastStockSync: row.lastStockSync ?? null,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** Connections and their encrypted Spartoo keys. */
export function createConnectionRepository(db: Database, secrets: SecretBox) {
  // Every activity that calls Spartoo reads its connection: kept when embedded (db/embedded-cache.ts).
  const withKeys = rowCache<{ record: ConnectionRecord; apiKey: string }>(db, 'connections');
  return {
    /** Creates a connection; its store must exist (else UnknownStoreError, and nothing is saved). */
    async create(input: ConnectionSettingsInput, id: string = randomUUID()): Promise<ConnectionRecord> {
      const { apiKey, ...settings } = connectionSettingsSchema.parse(input);
      return withKeys.write(() =>
        db.transaction(async (tx) => {
          await lockStoreForUse(tx, settings.storeId);
          const [row] = await tx
            .insert(connections)
            .values({
              id,
              name: settings.name,
              apiKeyEncrypted: secrets.seal(apiKey),
              apiKeyLast4: apiKey.slice(-4),
              settings,
            })
            .returning();
          return toRecord(row!);
        }),
      );
    },

    async get(id: string): Promise<ConnectionRecord | undefined> {
      const [row] = await db
        .select(withStoreProblem)
        .from(connections)
        .leftJoin(stores, ofItsStore)
        .where(eq(connections.id, id));
      return row && toRecordWithProblem(row);
    },

    async list(): Promise<ConnectionRecord[]> {
      const rows = await db
        .select(withStoreProblem)
        .from(connections)
        .leftJoin(stores, ofItsStore)
        .orderBy(asc(connections.createdAt), asc(connections.id));
      return rows.map(toRecordWithProblem);
    },

    /**
     * Applies a validated partial change; the merged settings are validated again as a whole. A new
     * store must exist (else UnknownStoreError, and nothing is saved).
     */
    async update(id: string, patch: ConnectionSettingsPatch): Promise<ConnectionRecord | undefined> {
      return withKeys.write(() => updateSettings(id, patch));
    },

    async remove(id: string): Promise<boolean> {
      const deleted = await withKeys.write(() =>
        db.delete(connections).where(eq(connections.id, id)).returning({ id: connections.id }),
      );
      return deleted.length > 0;
    },

    /** A connection and its clear Spartoo key in one query: what every activity calling Spartoo needs. */
    async getWithApiKey(id: string): Promise<{ record: ConnectionRecord; apiKey: string } | undefined> {
      return withKeys.read(id, async () => {
        const [row] = await db.select().from(connections).where(eq(connections.id, id));
        return row && { record: toRecord(row), apiKey: secrets.open(row.apiKeyEncrypted) };
      });
    },

    async recordCycle(id: string, kind: 'poll' | 'stock', result: CycleResult): Promise<void> {
      await withKeys.write(() =>
        db
          .update(connections)
          .set(kind === 'poll' ? { lastPoll: result } : { lastStockSync: result })
          .where(eq(connections.id, id)),
      );
    },
  };

  /** Applies a validated partial change; the merged settings are validated again as a whole. */
  function updateSettings(id: string, patch: ConnectionSettingsPatch): Promise<ConnectionRecord | undefined> {
    return db.transaction(async (tx) => {
      const [row] = await tx.select().from(connections).where(eq(connections.id, id)).for('update');
      if (!row) return undefined;
      if (patch.storeId !== undefined) await lockStoreForUse(tx, patch.storeId);
      const { apiKey, ...changes } = patch;
      const settings = { ...row.settings, ...changes };
      const values: Partial<typeof connections.$inferInsert> = {
        name: settings.name,
        settings,
        updatedAt: new Date(),
      };
      if (apiKey !== undefined) {
        values.apiKeyEncrypted = secrets.seal(apiKey);
        values.apiKeyLast4 = apiKey.slice(-4);
      }
      const [updated] = await tx.update(connections).set(values).where(eq(connections.id, id)).returning();
      const record = toRecord(updated!);
      const [store] = await tx
        .select({ problem: stores.problem })
        .from(stores)
        .where(eq(stores.id, record.settings.storeId));
      return { ...record, storeProblem: store?.problem ?? null };
    });
  }
}

export type ConnectionRepository = ReturnType<typeof createConnectionRepository>;
