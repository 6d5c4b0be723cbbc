import { fileURLToPath } from 'node:url';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { readMemoryBounds } from '../../runtime/memory';
import { workerTuning } from '../../workers/worker';

// The baseline's worker (a child process of the bench): the minimal workflow of baseline-workflow.ts
// and a no-op activity, on a task queue of its own, with the product worker's tuning and cache bound.
const address = process.env.TEMPORAL_ADDRESS;
const taskQueue = process.env.TASK_QUEUE;
if (!address || !taskQueue) {
  console.error('baseline worker: TEMPORAL_ADDRESS and TASK_QUEUE are required');
  process.exit(1);
}
// The same tuning as the product's worker, experiments (BENCH_WORKER_TUNING) included.
Object.assign(workerTuning, JSON.parse(process.env.BENCH_WORKER_TUNING || '{}'));
Runtime.install({ logger: new DefaultLogger('WARN') });
const connection = await NativeConnection.connect({ address });
const worker = await Worker.create({
  connection,
  namespace: process.env.TEMPORAL_NAMESPACE || 'default',
  taskQueue,
  workflowsPath: fileURLToPath(new URL('./baseline-workflow.ts', import.meta.url)),
  activities: { async noop() {} },
  maxCachedWorkflows: readMemoryBounds().cachedWorkflows,
  ...workerTuning,
});
console.log(`baseline worker: ready on ${taskQueue}`);
await worker.run();
await connection.close();
