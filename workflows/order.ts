import { condition, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { OrderStatus } from '../db/orders';
import { act, bookkeeping, permanentFailure } from './activity-proxies';
import {
  acceptOrderUpdate,
  type OrderState,
  orderShippedSignal,
  orderStateQuery,
  refuseOrderUpdate,
  retryOrderUpdate,
  type Shipment,
  spartooStatusSeenSignal,
  storeOrderCancelledSignal,
} from './messages';
import { OrderStatusKey } from './search-attributes';

export interface OrderWorkflowInput {
  connectionId: string;
  orderId: string;
}

const SPARTOO_WAITING = 11;
const SPARTOO_ACCEPTED = 2;
const SPARTOO_SHIPPED = 3;
const SPARTOO_CANCELLED = 41;

/**
 * One Spartoo order (`spartoo-order/<connectionId>/<orderId>`): fetch → decide → accept or wait for
 * the merchant → import into the store → await shipment → send the tracking number → SHIPPED.
 * Spartoo-side changes seen by the polls are followed at every step before shipment.
 */
export async function orderWorkflow(input: OrderWorkflowInput): Promise<OrderState> {
  const ref = { connectionId: input.connectionId, orderId: input.orderId };
  const state: OrderState = {
    ...ref,
    status: 'WAITING_ACCEPTANCE',
    spartooStatus: SPARTOO_WAITING,
    auto: false,
    lastError: null,
  };
  let decision: 'accept' | 'refuse' | undefined;
  let retryRequested = false;
  let seenOnSpartoo: number | undefined;
  let shipment: Shipment | undefined;
  let cancelledInStore = false;

  const cancelledOnSpartoo = () => seenOnSpartoo === SPARTOO_CANCELLED;
  /** Waits for the status to move on (or 10 s), so a decision answers with its outcome. */
  const settled = async (from: string) => {
    await condition(() => state.status !== from, '10s');
    return state.status;
  };

  setHandler(orderStateQuery, () => state);
  setHandler(spartooStatusSeenSignal, (status) => {
    seenOnSpartoo = status;
  });
  setHandler(orderShippedSignal, (s) => {
    shipment = s;
  });
  setHandler(storeOrderCancelledSignal, () => {
    cancelledInStore = true;
  });
  const waitingOnly = () => {
    if (state.status !== 'WAITING_ACCEPTANCE' || decision) {
      throw new Error(`Order ${input.orderId} is ${state.status}, not WAITING_ACCEPTANCE`);
    }
  };
  setHandler(
    acceptOrderUpdate,
    async () => {
      decision = 'accept';
      return settled('WAITING_ACCEPTANCE');
    },
    { validator: waitingOnly },
  );
  setHandler(
    refuseOrderUpdate,
    async () => {
      decision = 'refuse';
      return settled('WAITING_ACCEPTANCE');
    },
    { validator: waitingOnly },
  );
  setHandler(
    retryOrderUpdate,
    async () => {
      const from = state.status;
      retryRequested = true;
      return settled(from);
    },
    {
      validator: () => {
        if (!state.status.endsWith('_FAILED') || retryRequested) {
          throw new Error(`Order ${input.orderId} is ${state.status}: only a failed order can be retried`);
        }
      },
    },
  );

  const setStatus = async (status: OrderStatus, lastError: string | null = null) => {
    state.status = status;
    state.lastError = lastError;
    upsertSearchAttributes([{ key: OrderStatusKey, value: status }]);
    await bookkeeping.recordOrderStatus({ ...ref, status, lastError });
  };
  const finish = async (status: OrderStatus) => {
    await setStatus(status);
    return state;
  };

  // 1. Fetch and decide.
  const fetched = await act.fetchOrder(ref);
  state.spartooStatus = fetched.spartooStatus;
  if (state.spartooStatus === SPARTOO_CANCELLED) return finish('REFUSED');
  if (state.spartooStatus === SPARTOO_SHIPPED || state.spartooStatus > 41) return finish('SHIPPED');

  if (state.spartooStatus === SPARTOO_WAITING) {
    if (fetched.decision?.accepted) {
      state.auto = true;
      decision = 'accept';
    } else {
      await setStatus('WAITING_ACCEPTANCE');
      await condition(
        () => decision !== undefined || seenOnSpartoo === SPARTOO_ACCEPTED || cancelledOnSpartoo(),
      );
    }
    if (cancelledOnSpartoo()) return finish('REFUSED');
    if (seenOnSpartoo === SPARTOO_ACCEPTED && decision === undefined) {
      state.spartooStatus = SPARTOO_ACCEPTED;
    } else if (decision === 'refuse') {
      state.spartooStatus = (await act.refuseOrder(ref)).spartooStatus;
      if (state.spartooStatus === SPARTOO_CANCELLED) return finish('REFUSED');
    } else {
      state.spartooStatus = (
        await act.acceptOrder({ ...ref, by: state.auto ? 'rule' : 'merchant' })
      ).spartooStatus;
      if (state.spartooStatus === SPARTOO_CANCELLED) return finish('REFUSED');
    }
  }

  // 2. Accepted on Spartoo: import into the store, once.
  await setStatus('ACCEPTED');
  for (;;) {
    if (cancelledOnSpartoo()) return finish('CANCELLED');
    try {
      state.storeOrderId = (await act.importOrder(ref)).storeOrderId;
      break;
    } catch (err) {
      const reason = permanentFailure(err);
      if (reason === undefined) throw err;
      await setStatus('IMPORT_FAILED', reason);
      await condition(() => retryRequested || cancelledOnSpartoo());
      retryRequested = false;
      if (!cancelledOnSpartoo()) await setStatus('ACCEPTED');
    }
  }

  // 3. Wait for the merchant to ship, or for a cancellation on either side.
  await setStatus('AWAITING_SHIPMENT');
  await condition(
    () =>
      shipment !== undefined || cancelledInStore || cancelledOnSpartoo() || seenOnSpartoo === SPARTOO_SHIPPED,
  );
  if (cancelledOnSpartoo()) {
    await act.cancelStoreOrder(ref);
    return finish('CANCELLED');
  }
  if (cancelledInStore) {
    state.spartooStatus = (await act.cancelOnSpartoo(ref)).spartooStatus;
    return finish('CANCELLED');
  }
  if (!shipment) return finish('SHIPPED'); // shipped through Spartoo's back office

  // 4. Send the tracking number.
  for (;;) {
    try {
      const sent = await act.confirmShipment({ ...ref, ...shipment });
      state.shippingService = sent.shippingService;
      state.spartooStatus = SPARTOO_SHIPPED;
      return finish('SHIPPED');
    } catch (err) {
      const reason = permanentFailure(err);
      if (reason === undefined) throw err;
      await setStatus('SHIPMENT_FAILED', reason);
      await condition(() => retryRequested);
      retryRequested = false;
      await setStatus('AWAITING_SHIPMENT');
    }
  }
}
