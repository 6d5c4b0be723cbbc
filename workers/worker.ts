import {
  type NativeConnection,
  type WorkerOptions as TemporalWorkerOptions,
  Worker,
  type WorkflowBundleOption,
} from '@temporalio/worker';
import { type ActivityDependencies, createActivities } from '../activities';
import { recordActivityMetrics } from '../activities/observe';
import { readMemoryBounds } from '../runtime/memory';
import type { Metrics } from '../runtime/metrics';
import { bundleWorkflowsApart } from './bundle';

export { workflowsPath } from './bundle';

/**
 * Concurrency settings, shared with the benchmark's baseline worker. The SDK's defaults measured best
 * (BENCHMARKS.md): fewer pollers or activity slots changed nothing. The sticky cache is bounded apart
 * (WORKER_CACHED_WORKFLOWS, runtime/memory.ts).
 */
export const workerTuning: Partial<TemporalWorkerOptions> = {};

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  dependencies: ActivityDependencies;
  /** Where the activities count Spartoo calls and cycles (GET /metrics); unset: not counted. */
  metrics?: Metrics;
  /** A prebuilt bundle (tests build it once); unset: bundled from workflows/ at start, apart. */
  workflowBundle?: WorkflowBundleOption;
  /** Workflows kept in the sticky cache (Config.memory); unset: from the environment and the machine. */
  maxCachedWorkflows?: number;
}

/** The worker with every workflow and every activity wired to its dependencies. */
export async function createWorker(options: WorkerOptions): Promise<Worker> {
  recordActivityMetrics(options.metrics);
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    workflowBundle: options.workflowBundle ?? (await bundleWorkflowsApart()),
    activities: createActivities(options.dependencies),
    maxCachedWorkflows: options.maxCachedWorkflows ?? readMemoryBounds().cachedWorkflows,
    ...workerTuning,
  });
}
