import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { ActivityDependencies } from '../activities';
import type { AppDependencies } from '../api/app';
import { type DatabaseHandle, openDatabase } from '../db/client';
import { type ConnectionRepository, createConnectionRepository } from '../db/connections';
import { createNotificationRepository, type NotificationRepository } from '../db/notifications';
import { createOrderRepository, type OrderRepository } from '../db/orders';
import { createReturnRepository, type ReturnRepository } from '../db/returns';
import { storeAdapters } from '../store/adapters';
import { createDatabaseStore, type DatabaseStore } from '../store/database-store';
import { createStoreRegistry, type StoreRegistry } from '../store/registry';
import { type Config, loadOrCreateSecret, newApiToken, newSecretKey } from './config';
import { type Metrics, registerOrderGauges } from './metrics';
import { type NotificationOptions, readEmailSettings } from './notifications';
import { createSecretBox } from './secret-box';
import { createWorkflowGateway } from './workflow-gateway';

export interface Services {
  database: DatabaseHandle;
  connections: ConnectionRepository;
  orders: OrderRepository;
  returns: ReturnRepository;
  /** The built-in store, for its own routes (`/store/*`) and the demo. */
  store: DatabaseStore;
  /** Every store, the built-in one included, through the store port: what activities and routes use. */
  stores: StoreRegistry;
  /** Webhooks, their deliveries, connection health (issue 13, items 5 and 11). */
  notifications: NotificationRepository;
  /** What the notification activities need: the secret box, the URL rule, e-mail (SMTP_URL…). */
  notificationOptions: NotificationOptions;
  apiToken: string;
  apiTokenGenerated: boolean;
  apiTokenFile?: string;
}

/** What both roles share: the database (migrated), the key that protects Spartoo keys, the API token. */
export async function openServices(config: Config, env: NodeJS.ProcessEnv = process.env): Promise<Services> {
  const secretKey = loadOrCreateSecret(env.SECRET_KEY, path.join(config.dataDir, 'secret.key'), newSecretKey);
  const token = loadOrCreateSecret(env.API_TOKEN, path.join(config.dataDir, 'api-token'), newApiToken);
  const database = await openDatabase(
    config.databaseUrl
      ? { url: config.databaseUrl }
      : {
          pgliteDir: path.join(config.dataDir, 'pg'),
          pgliteSharedBuffersMb: config.memory.pgliteSharedBuffersMb,
        },
  );
  const secrets = createSecretBox(secretKey.value);
  const store = createDatabaseStore(database.db);
  return {
    database,
    connections: createConnectionRepository(database.db, secrets),
    orders: createOrderRepository(database.db),
    returns: createReturnRepository(database.db),
    store,
    stores: createStoreRegistry({
      db: database.db,
      secrets,
      builtin: store,
      adapters: storeAdapters,
      publicUrl: config.publicUrl,
      urlPolicy: { allowCustomUrls: config.allowCustomUrls },
    }),
    notifications: createNotificationRepository(database.db, secrets),
    notificationOptions: {
      secrets,
      urlPolicy: { allowCustomUrls: config.allowCustomUrls },
      email: readEmailSettings(env),
      dashboardUrl: config.publicUrl,
    },
    apiToken: token.value,
    apiTokenGenerated: token.generated,
    apiTokenFile: token.file,
  };
}

/** What the worker's activities get from the services, whichever process runs the worker. */
export function workerDependencies(services: Services, client: Client, config: Config): ActivityDependencies {
  return {
    db: services.database.db,
    connections: services.connections,
    stores: services.stores,
    temporal: { client, taskQueue: config.taskQueue },
    spartooTimeoutMs: config.spartooTimeoutMs,
    notifications: services.notificationOptions,
    storeReconcileSeconds: config.storeReconcileSeconds,
    customerDataRetentionDays: config.customerDataRetentionDays,
  };
}

/**
 * Every active connection has its running workflow, and every shop store (Shopify, WooCommerce) its
 * reconciliation (one terminated from the Temporal UI, or lost with its namespace, starts again); run
 * by every entry point that starts a worker. Answers how many were started.
 */
export async function ensureConnectionWorkflows(
  services: Pick<Services, 'connections' | 'stores'>,
  client: Client,
  config: Pick<Config, 'taskQueue'>,
): Promise<number> {
  const gateway = createWorkflowGateway(client, config.taskQueue);
  const ids = (await services.connections.list()).map((c) => c.id);
  const shops = (await services.stores.records.list()).filter((s) => s.kind !== 'builtin').map((s) => s.id);
  // The periodic erasure of old customer data (one for the product; not counted: it is no connection's).
  await gateway.ensureRetention();
  return (await gateway.ensureConnections(ids)) + (await gateway.ensureStores(shops));
}

/** What the API gets from the services, whichever process runs it. */
export function appDependencies(
  services: Services,
  client: Client,
  config: Config,
  logLevel: string,
  metrics?: Metrics,
): AppDependencies {
  if (metrics) registerOrderGauges(metrics, services.orders);
  return {
    metrics,
    metricsPublic: config.metricsPublic,
    database: services.database,
    connections: services.connections,
    orders: services.orders,
    returns: services.returns,
    store: services.store,
    stores: services.stores,
    allowCustomUrls: config.allowCustomUrls,
    notifications: services.notifications,
    workflows: createWorkflowGateway(client, config.taskQueue),
    apiToken: services.apiToken,
    temporalUiUrl: config.temporalUiUrl,
    namespace: config.namespace,
    // The API token never reaches the logs.
    logger: { level: process.env.LOG_LEVEL ?? logLevel, redact: ['req.headers.authorization'] },
  };
}
