import type { Metrics } from '../runtime/metrics';
import { spartooResult } from '../runtime/metrics';
import type { SpartooClient } from '../spartoo/client';
import { SPARTOO_SCRIPTS } from '../spartoo/client';

/**
 * The process's metrics, as the activities record them (Prometheus metrics are process-wide by
 * nature): set once by the worker's wiring (workers/worker.ts), absent in unit tests.
 */
let metrics: Metrics | undefined;

export function recordActivityMetrics(m: Metrics | undefined): void {
  metrics = m;
}

export function countCycle(kind: 'poll' | 'stock', ok: boolean): void {
  metrics?.cycles.inc({ kind, outcome: ok ? 'ok' : 'failed' });
}

const SCRIPT_OF: Record<keyof SpartooClient, string> = {
  exportOrders: SPARTOO_SCRIPTS.exportOrders,
  getOrder: SPARTOO_SCRIPTS.exportOrders,
  updateOrderStatus: SPARTOO_SCRIPTS.updateOrders,
  exportReturns: SPARTOO_SCRIPTS.exportReturns,
  updateReturn: SPARTOO_SCRIPTS.updateReturns,
  updateStock: SPARTOO_SCRIPTS.updateStock,
  updateStockBatch: SPARTOO_SCRIPTS.updateStockBatch,
  exportDeliverySlip: SPARTOO_SCRIPTS.exportDeliverySlip,
};

/** The client with each call counted by script and result, and timed. */
export function observedSpartoo(client: SpartooClient): SpartooClient {
  const m = metrics;
  if (!m) return client;
  const wrapped = {} as Record<string, unknown>;
  for (const [name, script] of Object.entries(SCRIPT_OF)) {
    const call = (client as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)[name]!;
    wrapped[name] = async (...args: unknown[]) => {
      const end = m.spartooCallSeconds.startTimer({ script });
      try {
        const value = await call(...args);
        const done = (value as { alreadyDone?: boolean } | undefined)?.alreadyDone;
        m.spartooCalls.inc({ script, result: done ? '-9' : '1' });
        return value;
      } catch (err) {
        m.spartooCalls.inc({ script, result: spartooResult(err) });
        throw err;
      } finally {
        end();
      }
    };
  }
  return wrapped as unknown as SpartooClient;
}
