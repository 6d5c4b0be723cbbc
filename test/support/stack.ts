import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { inject } from 'vitest';
import { buildApp } from '../../api/app';
import type { DatabaseHandle } from '../../db/client';
import { type ConnectionRepository, createConnectionRepository } from '../../db/connections';
import { createNotificationRepository, type NotificationRepository } from '../../db/notifications';
import { createOrderRepository, type OrderRepository } from '../../db/orders';
import { createReturnRepository, type ReturnRepository } from '../../db/returns';
import type { EmailSettings, NotificationOptions } from '../../runtime/notifications';
import { createSecretBox } from '../../runtime/secret-box';
import { createWorkflowGateway, type WorkflowGateway } from '../../runtime/workflow-gateway';
import { storeAdapters } from '../../store/adapters';
import { createDatabaseStore, type DatabaseStore } from '../../store/database-store';
import { createStoreRegistry, type StoreRegistry } from '../../store/registry';
import { createWorker } from '../../workers/worker';
import type { DeliveryRetry } from '../../workflows/notification-messages';
import { type DatabaseKind, openTestDatabase } from './databases';

let runtimeInstalled = false;

export interface TestStack {
  app: FastifyInstance;
  client: Client;
  database: DatabaseHandle & { url?: string };
  connections: ConnectionRepository;
  orders: OrderRepository;
  returns: ReturnRepository;
  /** The built-in store (its own methods, as its routes use them). */
  store: DatabaseStore;
  /** Every store through the store port, as the activities and the API get them. */
  stores: StoreRegistry;
  workflows: WorkflowGateway;
  /** Webhooks, deliveries and attempts, connection health. */
  notifications: NotificationRepository;
  apiToken: string;
  taskQueue: string;
  worker: Worker;
  auth: { authorization: string };
  /** Stops the worker (as a crash or a deploy would) and starts a new one on the same queue. */
  restartWorker(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The product as `npm start` wires it, on the run's real Temporal dev server: database, worker on a
 * task queue of its own, API (used through app.inject).
 */
export async function startTestStack(
  options: {
    database?: DatabaseKind;
    /** false: another process runs the worker */
    worker?: boolean;
    /** E-mail (a local SMTP server of the test) and the deliveries' retry policy (default: seconds apart). */
    notifications?: { email?: EmailSettings; retry?: Partial<DeliveryRetry> };
    /** PUBLIC_URL: where the shops' sandboxes deliver webhooks (the test's API listening on a real port). */
    publicUrl?: string;
    /** STORE_RECONCILE_SECONDS of the worker (default 300). */
    storeReconcileSeconds?: number;
    /** The API's logger (default none), e.g. `{ level: 'info', stream }` to read its lines. */
    logger?: FastifyServerOptions['logger'];
  } = {},
): Promise<TestStack> {
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
    runtimeInstalled = true;
  }
  const address = inject('temporalAddress');
  const database = await openTestDatabase(options.database ?? 'pglite');
  const secrets = createSecretBox('test-secret-key');
  const connections = createConnectionRepository(database.db, secrets);
  const orders = createOrderRepository(database.db);
  const returns = createReturnRepository(database.db);
  const store = createDatabaseStore(database.db);
  // The tests' shops (sandboxes) run on this machine: custom URLs allowed, as SPARTOO_ALLOW_CUSTOM_URL=1.
  const stores = createStoreRegistry({
    db: database.db,
    secrets,
    builtin: store,
    adapters: storeAdapters,
    urlPolicy: { allowCustomUrls: true },
    ...(options.publicUrl ? { publicUrl: options.publicUrl } : {}),
  });
  const notifications = createNotificationRepository(database.db, secrets);
  const notificationOptions: NotificationOptions = {
    secrets,
    urlPolicy: { allowCustomUrls: true },
    email: options.notifications?.email,
    retry: {
      initialIntervalMs: 500,
      maximumIntervalMs: 2000,
      maximumAttempts: 4,
      ...options.notifications?.retry,
    },
    timeoutMs: 3000,
  };
  const taskQueue = `test-${randomUUID()}`;
  const nativeConnection = await NativeConnection.connect({ address });
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace: 'default' });
  const workflowBundle = { code: inject('workflowBundleCode') };
  const startWorker = async () => {
    if (options.worker === false) return undefined;
    const worker = await createWorker({
      connection: nativeConnection,
      namespace: 'default',
      taskQueue,
      workflowBundle,
      dependencies: {
        db: database.db,
        connections,
        stores,
        temporal: { client, taskQueue },
        spartooTimeoutMs: 5000,
        notifications: notificationOptions,
        storeReconcileSeconds: options.storeReconcileSeconds,
      },
    });
    const running = worker.run();
    return { worker, running };
  };
  let current = await startWorker();

  const workflows = createWorkflowGateway(client, taskQueue);
  const apiToken = `token-${randomUUID()}`;
  const app = await buildApp({
    database,
    connections,
    orders,
    returns,
    store,
    stores,
    allowCustomUrls: true,
    notifications,
    workflows,
    apiToken,
    temporalUiUrl: inject('temporalUiUrl'),
    namespace: 'default',
    ...(options.logger ? { logger: options.logger } : {}),
  });

  return {
    app,
    client,
    database,
    connections,
    orders,
    returns,
    store,
    stores,
    workflows,
    notifications,
    apiToken,
    taskQueue,
    get worker() {
      if (!current) throw new Error('this stack runs no worker');
      return current.worker;
    },
    auth: { authorization: `Bearer ${apiToken}` },
    async restartWorker() {
      current?.worker.shutdown();
      await current?.running;
      current = await startWorker();
    },
    async close() {
      await app.close();
      current?.worker.shutdown();
      await current?.running;
      await nativeConnection.close();
      await connection.close();
      await database.close();
    },
  };
}
