import { appendFileSync, writeFileSync } from 'node:fs';
import v8 from 'node:v8';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import pg from 'pg';
import { readConfig } from '../../runtime/config';
import { requireProductionServices } from '../../runtime/production';
import { openServices, workerDependencies } from '../../runtime/services';
import { createWorker, workerTuning } from '../../workers/worker';

// The product's worker as `npm run worker` runs it (workers/main.ts: same services, same activities,
// same createWorker), started by the bench as a child process it can SIGKILL. The one difference:
// the workflow bundle is built once by the bench (BENCH_WORKFLOW_BUNDLE) rather than at each start,
// so that a restart after a kill takes a second, not a webpack build.
// BENCH_QUERY_STATS=<file>: every SQL statement the worker sends, counted by text, written there on
// a clean stop (the round trips behind BENCHMARKS.md).
const queryStats = new Map<string, number>();
if (process.env.BENCH_QUERY_STATS) {
  const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const first = args[0] as string | { text?: string };
    const text = (typeof first === 'string' ? first : (first?.text ?? '?'))
      .replace(/\s+/g, ' ')
      .slice(0, 120);
    queryStats.set(text, (queryStats.get(text) ?? 0) + 1);
    return query.apply(this, args);
  } as typeof pg.Client.prototype.query;
}

// BENCH_MEM_TRACE=<file>: the worker's RSS and its main thread's V8 heap, space by space, appended
// every 250 ms (how BENCHMARKS.md's memory spikes were found; the workflow thread's heap is the rest).
if (process.env.BENCH_MEM_TRACE) {
  const file = process.env.BENCH_MEM_TRACE;
  const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
  setInterval(() => {
    const { rss, heapTotal, heapUsed, external } = process.memoryUsage();
    const spaces = v8
      .getHeapSpaceStatistics()
      .filter((space) => space.space_size > 0)
      .map((space) => `${space.space_name} ${mb(space.space_size)}/${mb(space.space_used_size)}`);
    const line = [
      `rss ${mb(rss)}`,
      `heap ${mb(heapTotal)}/${mb(heapUsed)}`,
      `external ${mb(external)}`,
      ...spaces,
    ];
    appendFileSync(file, `${new Date().toISOString()} ${line.join(', ')}\n`);
  }, 250).unref();
}

// BENCH_WORKER_TUNING='{"maxCachedWorkflows":500}': worker options tried on top of workers/worker.ts's.
Object.assign(workerTuning, JSON.parse(process.env.BENCH_WORKER_TUNING || '{}'));

try {
  const config = readConfig();
  const { temporalAddress } = requireProductionServices(config, 'worker');
  const codePath = process.env.BENCH_WORKFLOW_BUNDLE;
  const services = await openServices(config);
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const connection = await NativeConnection.connect({ address: temporalAddress });
  const clientConnection = await Connection.connect({ address: temporalAddress });
  const client = new Client({ connection: clientConnection, namespace: config.namespace });
  const worker = await createWorker({
    connection,
    namespace: config.namespace,
    taskQueue: config.taskQueue,
    ...(codePath ? { workflowBundle: { codePath } } : {}),
    dependencies: workerDependencies(services, client, config),
    maxCachedWorkflows: config.memory.cachedWorkflows,
  });
  console.log(`worker: ready on ${config.taskQueue}`);
  await worker.run();
  await connection.close();
  await clientConnection.close();
  await services.database.close();
  if (process.env.BENCH_QUERY_STATS) {
    const sorted = [...queryStats].sort((a, b) => b[1] - a[1]);
    writeFileSync(process.env.BENCH_QUERY_STATS, JSON.stringify(Object.fromEntries(sorted), null, 2));
  }
} catch (err) {
  console.error(`worker could not start: ${(err as Error).message}`);
  process.exit(1);
}
