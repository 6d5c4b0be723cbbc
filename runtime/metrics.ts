import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { OrderRepository } from '../db/orders';
import { ATTENTION_ORDER_STATUSES, ORDER_STATUSES } from '../domain/statuses';
import { SpartooError, SpartooTransportError, SpartooUnreadableDocumentError } from '../spartoo/errors';

/**
 * The product's Prometheus metrics (README "Operating"). One registry per process: the worker's counts
 * what its activities did (Spartoo calls, polls, stock pushes); the API's reads the orders from the
 * database at each scrape. `npm start` runs both in one process, on one registry.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'spartoo_sync_' });
  return {
    registry,
    spartooCalls: new Counter({
      name: 'spartoo_sync_spartoo_calls_total',
      help: 'Spartoo webservice calls, by script and result (1, a negative Spartoo code, or a transport failure)',
      labelNames: ['script', 'result'] as const,
      registers: [registry],
    }),
    spartooCallSeconds: new Histogram({
      name: 'spartoo_sync_spartoo_call_seconds',
      help: 'Duration of Spartoo webservice calls',
      labelNames: ['script'] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15],
      registers: [registry],
    }),
    cycles: new Counter({
      name: 'spartoo_sync_cycles_total',
      help: 'Connection cycles by kind (poll, stock) and outcome (ok, failed)',
      labelNames: ['kind', 'outcome'] as const,
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** Gauges read from the orders read model at each scrape (the API's registry). */
export function registerOrderGauges(metrics: Metrics, orders: OrderRepository): void {
  const registers = [metrics.registry];
  new Gauge({
    name: 'spartoo_sync_orders',
    help: 'Orders by status (every connection)',
    labelNames: ['status'] as const,
    registers,
    async collect() {
      const counts = await orders.countByStatus();
      for (const status of ORDER_STATUSES) this.set({ status }, counts[status] ?? 0);
    },
  });
  new Gauge({
    name: 'spartoo_sync_orders_needing_attention',
    help: 'Orders in a *_FAILED status, or reported lost or not delivered',
    registers,
    async collect() {
      const counts = await orders.countByStatus();
      this.set(ATTENTION_ORDER_STATUSES.reduce((sum, s) => sum + (counts[s] ?? 0), 0));
    },
  });
  new Gauge({
    name: 'spartoo_sync_oldest_waiting_decision_seconds',
    help: 'Age of the oldest order waiting for a manual decision (0 when none)',
    registers,
    async collect() {
      const oldest = await orders.oldestWaitingDecision();
      this.set(oldest ? Math.max(0, (Date.now() - oldest.getTime()) / 1000) : 0);
    },
  });
}

/** What a Spartoo call's outcome is called in the metrics: 1, Spartoo's code, or the kind of failure. */
export function spartooResult(err: unknown): string {
  if (err === undefined) return '1';
  if (err instanceof SpartooError) return String(err.code);
  if (err instanceof SpartooUnreadableDocumentError) return 'unreadable';
  if (err instanceof SpartooTransportError) return err.kind;
  return 'error';
}
