import type { Database } from '../db/client';
import type { ConnectionRepository } from '../db/connections';
import { createOrderRepository } from '../db/orders';
import { createDatabaseStore } from '../store/database-store';
import { createOrderActivities } from './orders';

/** What the activities may touch; the worker wires the real ones, tests their own. */
export interface ActivityDependencies {
  db: Database;
  connections: ConnectionRepository;
  spartooTimeoutMs?: number;
}

export function createActivities(deps: ActivityDependencies) {
  const orders = createOrderRepository(deps.db);
  const store = createDatabaseStore(deps.db);
  return {
    ...createOrderActivities({
      connections: deps.connections,
      orders,
      store,
      spartooTimeoutMs: deps.spartooTimeoutMs,
    }),
  };
}

export type Activities = ReturnType<typeof createActivities>;
