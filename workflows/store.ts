import {
  ActivityFailure,
  condition,
  continueAsNew,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  type StoreCarry,
  type StoreState,
  type StoreWorkflowInput,
  storeDeletedSignal,
  storeStateQuery,
} from './store-messages';

/** A reconciliation reads a shop's recent orders: retried a little, then the next cycle tries again. */
const reconcile = proxyActivities<Activities>({
  startToCloseTimeout: '5m',
  heartbeatTimeout: '1m',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 3 },
});

const DEFAULT_INTERVAL_SECONDS = 300;
const DEFAULT_MAX_CYCLES = 100;

/**
 * One per shop store (`spartoo-store/<storeId>`; the built-in store has none: its routes signal the
 * orders directly). Webhooks can be lost or late: every STORE_RECONCILE_SECONDS it reads the shipments
 * and cancellations of the shop's orders updated since its watermark (activities/shop-events.ts, the
 * same mapping as the webhook routes), carries the watermark, continues as new every 100 cycles (or
 * when Temporal suggests it), and ends when the store is deleted (a signal, or the store found gone).
 */
export async function storeWorkflow(input: StoreWorkflowInput): Promise<void> {
  const carry: StoreCarry = { ...input.carry };
  const state: StoreState = { storeId: input.storeId, cycles: 0 };
  let deleted = false;
  setHandler(storeStateQuery, () => ({ ...state, ...carry }));
  setHandler(storeDeletedSignal, () => {
    deleted = true;
  });

  const maxCycles = input.maxCyclesPerRun ?? DEFAULT_MAX_CYCLES;
  while (!deleted) {
    try {
      const result = await reconcile.reconcileStore({ storeId: input.storeId, watermark: carry.watermark });
      if (result.gone) return;
      carry.watermark = result.watermark;
      carry.intervalSeconds = result.intervalSeconds;
      state.lastCycle = {
        at: new Date().toISOString(),
        events: result.events,
        signalled: result.signalled,
        unknown: result.unknown,
      };
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      // The shop is down or refuses the access (shown as the store's problem): the watermark stays.
      state.lastCycle = { at: new Date().toISOString(), error: err.cause?.message ?? err.message };
    }
    state.cycles++;
    await condition(() => deleted, (carry.intervalSeconds ?? DEFAULT_INTERVAL_SECONDS) * 1000);
    if (deleted) return;
    if (state.cycles >= maxCycles || workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof storeWorkflow>({ ...input, carry });
    }
  }
}
