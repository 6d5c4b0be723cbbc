import { fileURLToPath } from 'node:url';
import {
  type NativeConnection,
  type WorkerOptions as TemporalWorkerOptions,
  Worker,
  type WorkflowBundleOption,
} from '@temporalio/worker';
import { type ActivityDependencies, createActivities } from '../activities';
import { recordActivityMetrics } from '../activities/observe';
import type { Metrics } from '../runtime/metrics';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/**
 * Concurrency and sticky-cache settings, shared with the benchmark's baseline worker. The SDK's defaults
 * measured best (BENCHMARKS.md): fewer pollers or activity slots changed nothing, and a sticky cache
 * smaller than the orders in flight (default: about 600 workflows per GiB of heap) costs replays.
 */
export const workerTuning: Partial<TemporalWorkerOptions> = {};

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  dependencies: ActivityDependencies;
  /** Where the activities count Spartoo calls and cycles (GET /metrics); unset: not counted. */
  metrics?: Metrics;
  /** A prebuilt bundle (tests build it once); unset: bundled from workflows/ at start. */
  workflowBundle?: WorkflowBundleOption;
}

/** The worker with every workflow and every activity wired to its dependencies. */
export async function createWorker(options: WorkerOptions): Promise<Worker> {
  recordActivityMetrics(options.metrics);
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath }),
    activities: createActivities(options.dependencies),
    ...workerTuning,
  });
}
