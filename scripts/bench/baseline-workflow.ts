import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';

/**
 * The benchmark's baseline (bench only, not part of the product's worker): a workflow doing nothing
 * but the same sequence of activities and local activities as an order's history, with the order
 * workflow's timeouts and retry policies, so that its throughput is the floor Temporal itself sets
 * on this machine.
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

/** `steps`: 'A' an activity, 'L' a local activity, in order. */
export async function baselineWorkflow(steps: string): Promise<number> {
  for (const step of steps) {
    if (step === 'L') await local.noop();
    else await act.noop();
  }
  return steps.length;
}
