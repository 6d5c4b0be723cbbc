import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../api/app';
import type { Config } from '../runtime/config';
import { createMetrics } from '../runtime/metrics';
import { freeLoopbackPort, sdkMetricsTelemetry } from '../runtime/observability';
import {
  appDependencies,
  ensureConnectionWorkflows,
  openServices,
  type Services,
  workerDependencies,
} from '../runtime/services';
import { createWorker } from '../workers/worker';
import { ensureTemporalCli } from './temporal-cli';
import { type DevServer, startTemporalDevServer } from './temporal-server';

export interface Stack {
  services: Services;
  app: FastifyInstance;
  apiUrl: string;
  temporalUiUrl: string;
  stop(): Promise<void>;
}

type Log = (message: string) => void;

/**
 * The whole product in one process, as `npm start` runs it: the Temporal dev server (unless
 * TEMPORAL_ADDRESS names one), the database, the worker and the API.
 */
export async function startStack(config: Config, log: Log = console.log): Promise<Stack> {
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const step of stops.reverse())
      await step().catch((err) => log(`shutdown: ${(err as Error).message}`));
    stops.length = 0;
  };
  try {
    let address = config.temporalAddress;
    let temporalUiUrl = config.temporalUiUrl;
    if (!address) {
      const cli = await ensureTemporalCli(log);
      log(
        `Temporal: starting the dev server on port ${config.temporalPort} (UI ${config.temporalUiPort}) ...`,
      );
      const server: DevServer = await startTemporalDevServer({
        cli,
        port: config.temporalPort,
        uiPort: config.temporalUiPort,
        namespace: config.namespace,
        dbFile: path.join(config.dataDir, 'temporal.db'),
      });
      stops.push(() => server.stop());
      address = server.address;
      temporalUiUrl = config.temporalUiUrl;
    }

    const services = await openServices(config);
    stops.push(() => services.database.close());

    // Shutdown on Ctrl-C is ours, in order (API, worker, connections, server), not the Runtime's.
    const connection = await Connection.connect({ address });
    stops.push(() => connection.close());
    const client = new Client({ connection, namespace: config.namespace });

    const sdkMetricsPort = await freeLoopbackPort();
    Runtime.install({
      logger: new DefaultLogger('WARN'),
      shutdownSignals: [],
      telemetryOptions: sdkMetricsTelemetry(sdkMetricsPort),
    });
    // One process, one registry: the worker's counts and the API's gauges on the API's /metrics.
    const metrics = createMetrics();
    const nativeConnection = await NativeConnection.connect({ address });
    stops.push(() => nativeConnection.close());
    log('Worker: bundling workflows ...');
    const worker = await createWorker({
      connection: nativeConnection,
      namespace: config.namespace,
      taskQueue: config.taskQueue,
      dependencies: workerDependencies(services, client, config),
      metrics,
      maxCachedWorkflows: config.memory.cachedWorkflows,
    });
    const running = worker.run();
    stops.push(async () => {
      worker.shutdown();
      await running;
    });
    const restarted = await ensureConnectionWorkflows(services, client, config);
    if (restarted) log(`Worker: started the workflows of ${restarted} connection(s) that had none`);

    const app = await buildApp({
      ...appDependencies(services, client, { ...config, temporalUiUrl }, 'warn', metrics),
      sdkMetricsPort,
    });
    stops.push(() => app.close());
    await app.listen({ port: config.port, host: config.host });
    const apiUrl = `http://localhost:${config.port}`;
    return { services, app, apiUrl, temporalUiUrl, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
