import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime } from '@temporalio/worker';
import { readConfig } from '../runtime/config';
import { createTemporalLogger } from '../runtime/logging';
import { createMetrics } from '../runtime/metrics';
import { freeLoopbackPort, sdkMetricsTelemetry, startWorkerObservability } from '../runtime/observability';
import { requireProductionServices } from '../runtime/production';
import { ensureConnectionWorkflows, openServices, workerDependencies } from '../runtime/services';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { createWorker } from './worker';

// `npm run worker`: the worker role alone, against TEMPORAL_ADDRESS and DATABASE_URL (production).
try {
  const config = readConfig();
  const { temporalAddress } = requireProductionServices(config, 'worker');
  const services = await openServices(config);
  await registerSearchAttributes(temporalAddress, config.namespace);
  const sdkMetricsPort = await freeLoopbackPort();
  Runtime.install({
    logger: createTemporalLogger(),
    telemetryOptions: sdkMetricsTelemetry(sdkMetricsPort),
  });
  const connection = await NativeConnection.connect({ address: temporalAddress });
  const clientConnection = await Connection.connect({ address: temporalAddress });
  const client = new Client({ connection: clientConnection, namespace: config.namespace });
  const metrics = createMetrics();
  const worker = await createWorker({
    connection,
    namespace: config.namespace,
    taskQueue: config.taskQueue,
    dependencies: workerDependencies(services, client, config),
    metrics,
    maxCachedWorkflows: config.memory.cachedWorkflows,
  });
  // Worker n serves its metrics and health on METRICS_PORT + n - 1.
  const metricsPort = config.metricsPort + config.workerIndex - 1;
  const observability = await startWorkerObservability({
    host: config.metricsHost,
    port: metricsPort,
    metrics,
    sdkMetricsPort,
    ready: async () => {
      if (worker.getState() !== 'RUNNING') return false;
      await services.database.ping();
      return true;
    },
  });
  console.log(`worker: metrics and health on http://${config.metricsHost}:${metricsPort}`);
  console.log(`worker: polling task queue ${config.taskQueue} on ${temporalAddress}`);
  // The Runtime drains the worker on SIGINT / SIGTERM; run() then resolves.
  const running = worker.run();
  const restarted = await ensureConnectionWorkflows(services, client, config);
  if (restarted) console.log(`worker: started the workflows of ${restarted} connection(s) that had none`);
  await running;
  observability.close();
  await connection.close();
  await clientConnection.close();
  await services.database.close();
} catch (err) {
  console.error(`worker could not start: ${(err as Error).message}`);
  process.exit(1);
}

/** SPEC §4's search attributes must exist on a production server; adding them twice is harmless. */
async function registerSearchAttributes(address: string, namespace: string) {
  const connection = await Connection.connect({ address });
  try {
    const existing = await connection.operatorService.listSearchAttributes({ namespace });
    const missing = SEARCH_ATTRIBUTES.filter((key) => !(key.name in (existing.customAttributes ?? {})));
    if (missing.length === 0) return;
    await connection.operatorService.addSearchAttributes({
      namespace,
      // 2 = INDEXED_VALUE_TYPE_KEYWORD
      searchAttributes: Object.fromEntries(missing.map((key) => [key.name, 2])),
    });
  } finally {
    await connection.close();
  }
}
