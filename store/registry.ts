import { eq, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { connections } from '../db/schema';
import { createStoreRepository, type StoreRecord, type StoreRepository } from '../db/stores';
import {
  BUILTIN_STORE_ID,
  type StoreConfigs,
  type StoreKindName,
  type StoreSecretsOf,
  storeConfigSchemas,
  storeSecretSchemas,
} from '../domain/stores';
import type { UrlPolicy } from '../domain/urls';
import type { SecretBox } from '../runtime/secret-box';
import type { DatabaseStore } from './database-store';
import { StoreAccessError, type StoreKind, type StorePort } from './store';

/** What every adapter may use besides its own configuration and secrets. */
export interface StoreAdapterDeps {
  /** The store's id (e.g. for its webhook address `${publicUrl}/hooks/<kind>/${storeId}`). */
  storeId: string;
  name: string;
  db: Database;
  /** The built-in store (the `builtin` factory answers it). */
  builtin: DatabaseStore;
  /** Where the shop reaches this product's API (PUBLIC_URL), without a trailing slash. */
  publicUrl: string;
  /** The URL rule (domain/urls.ts) the shop's URL passed, for any other URL the adapter would call. */
  urlPolicy: UrlPolicy;
}

/**
 * Opens a store of one kind: its configuration (in clear) and secrets (opened from the database) as
 * domain/stores.ts shapes them, already validated. Called again only when the store's settings change.
 */
export type StoreAdapterFactory<K extends StoreKindName> = (
  config: StoreConfigs[K],
  secrets: StoreSecretsOf[K],
  deps: StoreAdapterDeps,
) => StorePort;

/** The adapters by kind (store/adapters.ts). */
export type StoreAdapters = { [K in StoreKindName]?: StoreAdapterFactory<K> };

export interface StoreRegistry {
  /** The stores as records (the API's `/stores`); clear secrets never leave the registry but to adapters. */
  readonly records: StoreRepository;
  /** The built-in store with its own routes' extras (`/store/*`). */
  readonly builtin: DatabaseStore;
  /**
   * The port of a store. A store that cannot be opened (gone, a kind without an adapter, a configuration
   * no longer valid) is a StoreAccessError. Whatever the port's methods throw as a StoreAccessError is
   * recorded as the store's `problem`, and the problem is cleared by the next call that succeeds.
   */
  forStore(storeId: string): Promise<StorePort>;
  /** The port of the store a connection imports into (its settings' `storeId`). */
  forConnection(connectionId: string): Promise<StorePort>;
}

export interface StoreRegistryOptions {
  db: Database;
  secrets: SecretBox;
  builtin: DatabaseStore;
  adapters: StoreAdapters;
  /** Default `http://localhost:3000`. */
  publicUrl?: string;
  /** Default: custom URLs refused. */
  urlPolicy?: UrlPolicy;
}

// The port's StoreKind and the kinds domain/stores.ts validates are one list: this fails to compile otherwise.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const kindsAgree: Same<StoreKind, StoreKindName> = true;
void kindsAgree;

/**
 * Where every consumer gets a shop from: the stores table says which kind and settings a store has;
 * `adapters` says how to open each kind. Adapters are kept while the store's settings are unchanged
 * (their own state, such as a rate-limit budget, lasts), and opened again after a change, in this
 * process or another one (the record's `updatedAt` is compared on every call).
 */
export function createStoreRegistry(options: StoreRegistryOptions): StoreRegistry {
  const records = createStoreRepository(options.db, options.secrets);
  const urlPolicy = options.urlPolicy ?? { allowCustomUrls: false };
  const publicUrl = (options.publicUrl ?? 'http://localhost:3000').replace(/\/+$/, '');
  const opened = new Map<string, { updatedAt: number; port: StorePort }>();

  function open(record: StoreRecord, secrets: Record<string, string>): StorePort {
    const factory = options.adapters[record.kind] as StoreAdapterFactory<StoreKindName> | undefined;
    if (!factory) {
      throw new StoreAccessError(
        `Store ${record.id} is a ${record.kind} store, and this version of the product has no adapter for that kind`,
      );
    }
    const config = storeConfigSchemas(urlPolicy)[record.kind].safeParse(record.config);
    const secretValues = storeSecretSchemas[record.kind].safeParse(secrets);
    const invalid = [...(config.error?.issues ?? []), ...(secretValues.error?.issues ?? [])];
    if (invalid.length || !config.success || !secretValues.success) {
      const reasons = invalid.map((i) => `${i.path.join('.') || 'settings'} ${i.message}`).join('; ');
      throw new StoreAccessError(`Store ${record.id} cannot be used as configured: ${reasons}`);
    }
    return factory(config.data as never, secretValues.data as never, {
      storeId: record.id,
      name: record.name,
      db: options.db,
      builtin: options.builtin,
      publicUrl,
      urlPolicy,
    });
  }

  /**
   * The port with its problem kept up to date: a StoreAccessError is recorded on the store, and a call
   * that succeeds clears a problem the store had. Everything else (an adapter's own extras) passes through.
   */
  function watched(port: StorePort, record: StoreRecord): StorePort {
    let hasProblem = record.problem !== null;
    const succeeded = async () => {
      if (!hasProblem) return;
      hasProblem = false;
      await records.clearProblem(record.id).catch(() => {});
    };
    const failed = async (err: unknown) => {
      if (!(err instanceof StoreAccessError)) return;
      hasProblem = true;
      await records.setProblem(record.id, { code: 'STORE_ACCESS', message: err.message }).catch(() => {});
    };
    return new Proxy(port, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          const result = value.apply(target, args);
          if (!(result instanceof Promise)) return result;
          return result.then(
            async (answer) => {
              await succeeded();
              return answer;
            },
            async (err) => {
              await failed(err);
              throw err;
            },
          );
        };
      },
    });
  }

  async function forStore(storeId: string): Promise<StorePort> {
    const found = await records.withSecrets(storeId);
    if (!found) throw new StoreAccessError(`Store ${storeId} does not exist`);
    const { record, secrets } = found;
    const cached = opened.get(storeId);
    let port = cached?.updatedAt === record.updatedAt.getTime() ? cached.port : undefined;
    if (!port) {
      port = open(record, secrets);
      opened.set(storeId, { updatedAt: record.updatedAt.getTime(), port });
    }
    return watched(port, record);
  }

  return {
    records,
    builtin: options.builtin,
    forStore,
    async forConnection(connectionId: string) {
      const [row] = await options.db
        .select({ storeId: sql<string | null>`${connections.settings} ->> 'storeId'` })
        .from(connections)
        .where(eq(connections.id, connectionId));
      if (!row) throw new Error(`Connection ${connectionId} not found`);
      return forStore(row.storeId ?? BUILTIN_STORE_ID);
    },
  };
}
