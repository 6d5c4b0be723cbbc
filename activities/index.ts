import type { ConnectionRepository } from '../db/connections';
import type { Database } from '../db/client';

/** What the activities may touch; the worker wires the real ones, tests their own. */
export interface ActivityDependencies {
  db: Database;
  connections: ConnectionRepository;
}

export function createActivities(_deps: ActivityDependencies) {
  return {};
}

export type Activities = ReturnType<typeof createActivities>;
