import type { Client } from '@temporalio/client';
import type { Database } from '../db/client';
import type { ConnectionRepository } from '../db/connections';
import { createOrderRepository } from '../db/orders';
import { createReturnRepository } from '../db/returns';
import { createStockLedger } from '../db/stock';
import { createDatabaseStore } from '../store/database-store';
import { createConnectionActivities } from './connection';
import { createOrderActivities } from './orders';
import { createReturnActivities } from './returns';

/** What the activities may touch; the worker wires the real ones, tests their own. */
export interface ActivityDependencies {
  db: Database;
  connections: ConnectionRepository;
  /** The polls start and signal order and return workflows through it. */
  temporal: { client: Client; taskQueue: string };
  spartooTimeoutMs?: number;
}

export function createActivities(deps: ActivityDependencies) {
  const orders = createOrderRepository(deps.db);
  const returns = createReturnRepository(deps.db);
  const store = createDatabaseStore(deps.db);
  const common = { connections: deps.connections, orders, store, spartooTimeoutMs: deps.spartooTimeoutMs };
  return {
    ...createOrderActivities(common),
    ...createReturnActivities({ ...common, returns }),
    ...createConnectionActivities({
      ...common,
      returns,
      stock: createStockLedger(deps.db),
      temporal: deps.temporal,
    }),
  };
}

export type Activities = ReturnType<typeof createActivities>;
