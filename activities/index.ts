import type { Client } from '@temporalio/client';
import type { Database } from '../db/client';
import type { ConnectionRepository } from '../db/connections';
import { createCustomerDataEraser } from '../db/customer-data';
import { createNotificationRepository } from '../db/notifications';
import { createOrderRepository } from '../db/orders';
import { createReservationLedger } from '../db/reservations';
import { createReturnLabelRepository } from '../db/return-labels';
import { createReturnRepository } from '../db/returns';
import { createShopHookRepository } from '../db/shop-hooks';
import { createStockLedger } from '../db/stock';
import type { NotificationOptions } from '../runtime/notifications';
import { createWorkflowGateway } from '../runtime/workflow-gateway';
import type { StoreRegistry } from '../store/registry';
import { createConnectionActivities } from './connection';
import { withCleanFailures } from './failures';
import { createNotifier } from './notifications';
import { createOrderActivities } from './orders';
import { createRetentionActivities } from './retention';
import { createReturnActivities } from './returns';
import { createShopEventActivities } from './shop-events';
import { createStockActivities } from './stock';

/** What the activities may touch; the worker wires the real ones, tests their own. */
export interface ActivityDependencies {
  db: Database;
  connections: ConnectionRepository;
  /** Every shop (the built-in store among them) through the store port; wired once (runtime/services.ts). */
  stores: StoreRegistry;
  /** The polls start and signal order and return workflows through it. */
  temporal: { client: Client; taskQueue: string };
  spartooTimeoutMs?: number;
  /** Sizes per Spartoo stock call (default and most: 500); tests and benchmarks make it small. */
  stockBatchSize?: number;
  /** Webhooks and e-mail (activities/notifications.ts); unset: nothing is notified. */
  notifications?: NotificationOptions;
  /** STORE_RECONCILE_SECONDS: the period of each shop store's reconciliation (default 300). */
  storeReconcileSeconds?: number;
  /** CUSTOMER_DATA_RETENTION_DAYS: finished orders lose their customer data after it (default 365). */
  customerDataRetentionDays?: number;
}

export function createActivities(deps: ActivityDependencies) {
  const orders = createOrderRepository(deps.db);
  const returns = createReturnRepository(deps.db);
  const reservations = createReservationLedger(deps.db);
  const workflows = createWorkflowGateway(deps.temporal.client, deps.temporal.taskQueue);
  const notifier = createNotifier({
    notifications: createNotificationRepository(deps.db, deps.notifications?.secrets),
    orders,
    connections: deps.connections,
    startDelivery: (id) => workflows.startNotification(id),
    options: deps.notifications,
  });
  const common = {
    connections: deps.connections,
    orders,
    stores: deps.stores,
    spartooTimeoutMs: deps.spartooTimeoutMs,
  };
  // Whatever an activity throws, a database error reaches Temporal without the query's parameters.
  return withCleanFailures({
    ...createOrderActivities({ ...common, reservations, notifier }),
    ...createReturnActivities({ ...common, returns, labels: createReturnLabelRepository(deps.db) }),
    ...createConnectionActivities({ ...common, returns, temporal: deps.temporal, notifier }),
    ...createStockActivities({
      ...common,
      stock: createStockLedger(deps.db),
      stockBatchSize: deps.stockBatchSize,
    }),
    ...createShopEventActivities({
      stores: deps.stores,
      hooks: createShopHookRepository(deps.db),
      workflows,
      reconcileSeconds: deps.storeReconcileSeconds,
    }),
    ...notifier.activities,
    ...createRetentionActivities({
      eraser: createCustomerDataEraser(deps.db, deps.stores.builtin),
      retentionDays: deps.customerDataRetentionDays,
    }),
  });
}

export type Activities = ReturnType<typeof createActivities>;
