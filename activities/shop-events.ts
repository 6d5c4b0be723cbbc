import { heartbeat, log } from '@temporalio/activity';
import type { ShopEventOrder, ShopHookRepository } from '../db/shop-hooks';
import { FINISHED_ORDER_STATUSES } from '../domain/statuses';
import type { WorkflowGateway } from '../runtime/workflow-gateway';
import type { StoreRegistry } from '../store/registry';
import type { ShopOrderEvent } from '../store/store';
import type { StoreReconcileResult } from '../workflows/store-messages';
import { permanentOrRetry } from './failures';

/** Default STORE_RECONCILE_SECONDS: how often a shop's recent orders are read again. */
export const DEFAULT_STORE_RECONCILE_SECONDS = 300;
/** Each reconciliation reads again from this long before the last one began (clock skew, late indexing). */
export const RECONCILE_OVERLAP_MS = 60 * 60 * 1000;
/** A store's first reconciliation (a new store, or a workflow started again) looks back this far. */
export const FIRST_RECONCILE_LOOKBACK_MS = 3 * 24 * 60 * 60 * 1000;

/**
 * What became of one shop event:
 * - `signalled`: the order workflow was told (orderShipped / storeOrderCancelled);
 * - `unknown`: no order of the product was imported into this store as that shop order;
 * - `done`: the order already ended, or already has that tracking number: nothing to tell;
 * - `no-tracking`: shipped without a tracking number, which Spartoo needs: the next fulfilment with
 *   one (its webhook, or the reconciliation) is the shipment.
 */
export type ShopEventOutcome = 'signalled' | 'unknown' | 'done' | 'no-tracking';

export interface ShopEventDeps {
  hooks: ShopHookRepository;
  workflows: Pick<WorkflowGateway, 'orderShipped' | 'storeOrderCancelled'>;
}

/** The orders of the product a shop event is about: by its Spartoo ids, else by the shop order's id. */
async function ordersOf(hooks: ShopHookRepository, storeId: string, event: ShopOrderEvent) {
  let found: ShopEventOrder[];
  if (event.connectionId && event.marketplaceOrderId) {
    const order = await hooks.order(event.connectionId, event.marketplaceOrderId);
    found = order ? [order] : [];
  } else {
    found = await hooks.ordersByStoreOrder(storeId, event.storeOrderId);
    if (event.marketplaceOrderId) found = found.filter((o) => o.orderId === event.marketplaceOrderId);
  }
  // Imported into this store as this shop order (both recorded by the import; absent: not yet recorded).
  return found.filter(
    (o) =>
      (o.storeId === undefined || o.storeId === storeId) &&
      (o.storeOrderId === undefined || o.storeOrderId === event.storeOrderId),
  );
}

/**
 * What the merchant did in the shop, told to the order workflows: shipped → `orderShipped` with the
 * carrier and tracking number, cancelled → `storeOrderCancelled`. The one mapping of the webhook routes
 * (api/routes/shop-hooks.ts) and the reconciliation (reconcileStore below). Repeated events are harmless:
 * an order that ended, or already sent that tracking number, is not signalled again, and the order
 * workflow takes a repeated signal as the same fact.
 */
export async function applyShopEvent(
  deps: ShopEventDeps,
  storeId: string,
  event: ShopOrderEvent,
): Promise<{ outcome: ShopEventOutcome; orders: { connectionId: string; orderId: string }[] }> {
  const found = await ordersOf(deps.hooks, storeId, event);
  const refs = found.map((o) => ({ connectionId: o.connectionId, orderId: o.orderId }));
  if (found.length === 0) return { outcome: 'unknown', orders: refs };
  const shipment = event.shipment;
  if (event.kind === 'shipped' && !shipment?.trackingNumber) return { outcome: 'no-tracking', orders: refs };
  let signalled = false;
  for (const order of found) {
    if (FINISHED_ORDER_STATUSES.includes(order.status)) continue;
    if (event.kind === 'shipped') {
      if (order.trackingNumbers.includes(shipment!.trackingNumber)) continue;
      await deps.workflows.orderShipped(order.connectionId, order.orderId, {
        carrier: shipment!.carrier,
        trackingNumber: shipment!.trackingNumber,
      });
    } else {
      await deps.workflows.storeOrderCancelled(order.connectionId, order.orderId);
    }
    signalled = true;
  }
  return { outcome: signalled ? 'signalled' : 'done', orders: refs };
}

export interface ShopEventActivityDeps extends ShopEventDeps {
  stores: StoreRegistry;
  /** STORE_RECONCILE_SECONDS (default 300). */
  reconcileSeconds?: number;
}

export function createShopEventActivities(deps: ShopEventActivityDeps) {
  const intervalSeconds = deps.reconcileSeconds ?? DEFAULT_STORE_RECONCILE_SECONDS;
  return {
    /**
     * One reconciliation of a shop store (workflows/store.ts): the shipments and cancellations of its
     * orders updated since the watermark (less an overlap; the first time, the last 3 days), mapped as
     * the webhooks are. Answers the next watermark (when this read began) and the period to wait.
     */
    async reconcileStore(input: { storeId: string; watermark?: string }): Promise<StoreReconcileResult> {
      const record = await deps.stores.records.get(input.storeId);
      if (!record || record.kind === 'builtin') {
        return { gone: true, intervalSeconds, events: 0, signalled: 0, unknown: 0 };
      }
      const began = new Date();
      const since = input.watermark
        ? new Date(Date.parse(input.watermark) - RECONCILE_OVERLAP_MS)
        : new Date(began.getTime() - FIRST_RECONCILE_LOOKBACK_MS);
      // A refused access is the store's problem (the registry records it), not worth retrying now.
      const events = await permanentOrRetry(async () =>
        (await deps.stores.forStore(input.storeId)).orderEventsSince(since),
      );
      let signalled = 0;
      let unknown = 0;
      for (const event of events) {
        heartbeat();
        const { outcome } = await applyShopEvent(deps, input.storeId, event);
        if (outcome === 'signalled') signalled++;
        if (outcome === 'unknown') unknown++;
      }
      if (signalled || unknown) {
        // Ids and counts only: never a customer's data.
        log.info('store reconciled', { storeId: input.storeId, events: events.length, signalled, unknown });
      }
      return { watermark: began.toISOString(), intervalSeconds, events: events.length, signalled, unknown };
    },
  };
}
