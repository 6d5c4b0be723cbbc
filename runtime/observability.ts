import { createServer, type Server } from 'node:http';
import { createServer as netServer } from 'node:net';
import type { Metrics } from './metrics';

/** A free loopback port for the Temporal SDK's own Prometheus exporter, which this server merges. */
export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = netServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Runtime options that make the Temporal SDK export its metrics (task latency, schedule-to-start…). */
export const sdkMetricsTelemetry = (port: number) => ({
  metrics: {
    prometheus: { bindAddress: `127.0.0.1:${port}`, countersTotalSuffix: true, useSecondsForDurations: true },
  },
});

export interface WorkerObservability {
  metrics: Metrics;
  /** Port of the SDK's exporter on 127.0.0.1; its series are appended to /metrics. */
  sdkMetricsPort?: number;
  /** The process can do its work (worker running, database reachable). */
  ready(): Promise<boolean>;
}

/** The Temporal SDK's series, from its exporter on 127.0.0.1 ('' when off or unreachable). */
export async function sdkMetrics(port: number | undefined): Promise<string> {
  if (!port) return '';
  try {
    const response = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(3000) });
    return response.ok ? await response.text() : '';
  } catch {
    return '';
  }
}

/**
 * A worker's own little HTTP server (METRICS_HOST:METRICS_PORT, no token: bind it to a private
 * address): `/metrics` (the product's and the Temporal SDK's series), `/health/live` (the process
 * answers) and `/health/ready` (it can work), so an orchestrator restarts a wedged worker without
 * killing one that is just starting.
 */
export async function startWorkerObservability(
  options: WorkerObservability & { host: string; port: number },
): Promise<Server> {
  const server = createServer(async (request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    try {
      if (path === '/metrics') {
        const own = await options.metrics.registry.metrics();
        response.writeHead(200, { 'content-type': options.metrics.registry.contentType });
        response.end(`${own}\n${await sdkMetrics(options.sdkMetricsPort)}`);
      } else if (path === '/health/live') {
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      } else if (path === '/health/ready' || path === '/health') {
        const ready = await options.ready().catch(() => false);
        response
          .writeHead(ready ? 200 : 503, { 'content-type': 'application/json' })
          .end(JSON.stringify({ status: ready ? 'ok' : 'not ready' }));
      } else {
        response.writeHead(404, { 'content-type': 'application/json' }).end('{"status":"not found"}');
      }
    } catch {
      response.writeHead(500).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return server;
}
