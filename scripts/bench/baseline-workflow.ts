import {
  condition,
  defineSignal,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
} from '@temporalio/workflow';

/**
 * The benchmark's baselines (bench only, not part of the product's worker), with the order workflow's
 * timeouts and retry policies, so that their throughput is the floor Temporal itself sets on this machine.
 */
interface NoopActivities {
  noop(): Promise<void>;
}

const act = proxyActivities<NoopActivities>({
  startToCloseTimeout: '20s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '60s' },
});
const local = proxyLocalActivities<NoopActivities>({
  startToCloseTimeout: '15s',
  retry: { initialInterval: '500ms', maximumInterval: '10s' },
});

/**
 * Same shape: nothing but the sequence of activities and local activities of an order's history
 * (`steps`: 'A' an activity, 'L' a local activity, in order). It follows the product's own shape.
 */
export async function baselineWorkflow(steps: string): Promise<number> {
  for (const step of steps) {
    if (step === 'L') await local.noop();
    else await act.noop();
  }
  return steps.length;
}

export const shippedSignal = defineSignal('shipped');

/**
 * The fixed reference (issue 14, item 4), which does not change with the product: an order's essential
 * work, three no-op activities (fetch, accept, import), the merchant's shipment as one signal, then a
 * fourth (the tracking number sent).
 */
export async function referenceWorkflow(): Promise<void> {
  let shipped = false;
  setHandler(shippedSignal, () => {
    shipped = true;
  });
  await act.noop();
  await act.noop();
  await act.noop();
  await condition(() => shipped);
  await act.noop();
}
