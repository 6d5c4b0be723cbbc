import {
  ApplicationFailure,
  condition,
  patched,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { AcceptanceDeadline } from '../domain/deadline';
import { type OrderStatus, orderStatusFromSpartoo, SHIPPED_ON_SPARTOO } from '../domain/statuses';
import { ORDER_STATUS } from '../spartoo/types';
import { act, bookkeeping, parkableFailure } from './activity-proxies';
import {
  acceptOrderUpdate,
  cancelOrderUpdate,
  ORDER_PATCHES,
  type OrderPatch,
  type OrderState,
  type OrderWorkflowInput,
  orderShippedSignal,
  orderStateQuery,
  refuseOrderUpdate,
  retryOrderUpdate,
  type Shipment,
  spartooStatusSeenSignal,
  storeOrderCancelledSignal,
} from './messages';
import { OrderStatusKey } from './search-attributes';

/** After shipment, Spartoo's 45 (parcel lost) and 47 (not delivered) are followed this long. */
export const FOLLOW_AFTER_SHIPMENT_MS = 60 * 24 * 60 * 60 * 1000;
/** Account problems (-1, -2, -428) are retried on their own from this back-off, doubling to the max. */
const ACCOUNT_RETRY_FIRST_MS = 15 * 60 * 1000;
const ACCOUNT_RETRY_MAX_MS = 6 * 60 * 60 * 1000;

/**
 * One Spartoo order (`spartoo-order/<connectionId>/<orderId>`): fetch → decide → accept or wait for
 * the merchant → import into the store → await shipment → send the tracking number → SHIPPED, then
 * Spartoo's 45 / 47 for 60 days. Every step that fails for good parks the order in its `*_FAILED`
 * status until the merchant retries; the workflow itself never fails. What Spartoo says (seen by the
 * polls) is followed at every waiting point.
 */
export async function orderWorkflow(input: OrderWorkflowInput): Promise<OrderState> {
  const ref = { connectionId: input.connectionId, orderId: input.orderId };
  /** Whether a patch is in effect: taken at start (`patchesAtStart`), else asked of `patched()`. */
  const patch = (id: OrderPatch) => ORDER_PATCHES.indexOf(id) < (input.patchesAtStart ?? 0) || patched(id);
  /** The rule accepts in the fetch once it has claimed the decision; a merchant's decision claims first. */
  const acceptInFetch = patch('accept-in-fetch');
  const state: OrderState = {
    ...ref,
    status: 'WAITING_ACCEPTANCE',
    spartooStatus: ORDER_STATUS.WAITING_ACCEPTANCE,
    auto: false,
    lastError: null,
  };
  let decision: 'accept' | 'refuse' | undefined;
  let retryRequested = false;
  let cancelRequested = false;
  let seen: number | undefined;
  let shipment: Shipment | undefined;
  let cancelledInStore = false;
  /** The order was refused by the workflow at its acceptance deadline (autoRefuseAtDeadline). */
  let refusedAtDeadline = false;
  /** The import runs (patch import-writes-status): a merchant's cancel of its store order is taken. */
  let importing = false;

  const cancelledOnSpartoo = () => seen === ORDER_STATUS.CANCELLED;
  const shippedOnSpartoo = () => seen !== undefined && SHIPPED_ON_SPARTOO.has(seen);
  /**
   * Waits for the status to move on from `from` (or 10 s), so a request answers with its outcome;
   * `passing`: a status the request goes through on its way, not its outcome.
   */
  const settled = async (from: string, passing?: OrderStatus) => {
    await condition(() => state.status !== from && state.status !== passing, '10s');
    return state.status;
  };

  setHandler(orderStateQuery, () => state);
  setHandler(spartooStatusSeenSignal, (status) => {
    seen = status;
  });
  setHandler(orderShippedSignal, (s) => {
    shipment = s;
  });
  setHandler(storeOrderCancelledSignal, () => {
    cancelledInStore = true;
  });
  // A decision sent while the order is still being fetched (status WAITING_ACCEPTANCE from the start)
  // is taken, and wins over the acceptance rule.
  /** A merchant's decision is being claimed (acceptInFetch): a second one is refused meanwhile. */
  let claiming = false;
  const waitingOnly = () => {
    if (state.status !== 'WAITING_ACCEPTANCE' || decision || claiming) {
      throw new Error(`Order ${input.orderId} is ${state.status}, not WAITING_ACCEPTANCE`);
    }
  };
  const decide = (d: 'accept' | 'refuse') => async () => {
    if (acceptInFetch) {
      // The rule may be accepting in the fetch: the merchant's decision is taken only if claimed first.
      claiming = true;
      const claimed = await bookkeeping.claimDecisionForMerchant(ref).finally(() => {
        claiming = false;
      });
      if (!claimed) {
        throw ApplicationFailure.nonRetryable(
          `Order ${input.orderId} was accepted by the acceptance rule while it was fetched`,
        );
      }
    }
    decision = d;
    return settled('WAITING_ACCEPTANCE');
  };
  setHandler(acceptOrderUpdate, decide('accept'), { validator: waitingOnly });
  setHandler(refuseOrderUpdate, decide('refuse'), { validator: waitingOnly });
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
  setHandler(
    cancelOrderUpdate,
    async () => {
      const from = state.status;
      cancelRequested = true;
      // Sent while the import ran, the cancel passes AWAITING_SHIPMENT on its way: its outcome is after.
      return settled(from, 'AWAITING_SHIPMENT');
    },
    {
      validator: () => {
        // The store order exists once the import created it, which may be before the workflow has
        // taken the import's outcome (importing): the cancel is then carried out right after.
        const cancellable =
          ['AWAITING_SHIPMENT', 'SHIPMENT_FAILED'].includes(state.status) ||
          (importing && state.status === 'ACCEPTED');
        if (!cancellable || cancelRequested) {
          throw new Error(
            `Order ${input.orderId} is ${state.status}: only an order waiting for shipment can be cancelled`,
          );
        }
      },
    },
  );

  /** The workflow's own copy of the status and its search attribute (the Temporal UI's filter). */
  const holdStatus = (status: OrderStatus, lastError: string | null) => {
    state.status = status;
    state.lastError = lastError;
    upsertSearchAttributes([{ key: OrderStatusKey, value: status }]);
  };
  const setStatus = async (status: OrderStatus, lastError: string | null = null) => {
    holdStatus(status, lastError);
    await bookkeeping.recordOrderStatus({ ...ref, status, lastError });
  };
  /**
   * With the patch status-in-step-activity, accept and confirm are told the status the workflow holds
   * and write their outcome (ACCEPTED, SHIPPED) to the read model in their own statement (activities/orders.ts
   * `StepStatusInput`), instead of a local activity after them: one marker and one round trip less
   * each. A step that answers another status (Spartoo moved first, an older activity, a read model
   * not in `statusFrom`) leaves the write to the local activity, as before the patch. The read model
   * then runs ahead of the workflow for a moment, which is harmless for these two: no merchant action
   * depends on the workflow holding ACCEPTED or SHIPPED. With the patch import-writes-status the
   * import writes AWAITING_SHIPMENT too: a merchant who saw it (or the store order) may cancel before
   * the workflow holds it, so the cancel is also taken while the import runs (`importing`).
   */
  const statusFrom = () => (patch('status-in-step-activity') ? { statusFrom: state.status } : {});
  const stepDone = async (status: OrderStatus, recorded: OrderStatus | undefined) =>
    recorded === status ? holdStatus(status, null) : setStatus(status);
  const finish = async (status: OrderStatus) => {
    await setStatus(status);
    return state;
  };

  /**
   * Runs one step. A permanent failure parks the order in `failed` (with the reason) until the
   * merchant retries, or until `interrupted()` (Spartoo moved on): then it answers undefined. An
   * account problem is also retried on its own, on a back-off that doubles up to 6 h.
   */
  async function step<T>(
    failed: OrderStatus,
    run: () => Promise<T>,
    interrupted: () => boolean = () => false,
  ): Promise<T | undefined> {
    let backOffMs = ACCOUNT_RETRY_FIRST_MS;
    for (;;) {
      try {
        return await run();
      } catch (err) {
        const failure = parkableFailure(err);
        if (!failure) throw err;
        const resumeIn = state.status;
        await setStatus(failed, failure.message);
        const ready = () => retryRequested || interrupted();
        if (failure.account) {
          await condition(ready, backOffMs);
          backOffMs = Math.min(backOffMs * 2, ACCOUNT_RETRY_MAX_MS);
        } else {
          await condition(ready);
        }
        retryRequested = false;
        if (interrupted()) return undefined;
        await setStatus(resumeIn);
      }
    }
  }

  /**
   * Shipped (3): then Spartoo's 45 / 47 are followed for 60 days after shipment. `recorded`: the
   * status the confirmation wrote itself (statusFrom).
   */
  async function shipped(status: OrderStatus = 'SHIPPED', recorded?: OrderStatus): Promise<OrderState> {
    await stepDone(status, recorded);
    if (!patch('follow-after-shipment')) return state;
    const until = Date.now() + FOLLOW_AFTER_SHIPMENT_MS;
    const laterStatus = () => (seen === undefined ? undefined : orderStatusFromSpartoo(seen));
    for (;;) {
      const left = until - Date.now();
      const moved = () => {
        const s = laterStatus();
        return (s === 'PARCEL_LOST' || s === 'NOT_DELIVERED') && s !== state.status;
      };
      if (left <= 0 || !(await condition(moved, left))) return state;
      state.spartooStatus = seen as number;
      await setStatus(laterStatus() as OrderStatus);
    }
  }

  /**
   * Waits for the decision until Spartoo's acceptance deadline (issue 13, item 4): a reminder at 75 %
   * (`order.deadline_near`, once, right away when that time is already gone), then at the deadline
   * the mark and `order.deadline_passed`, and the refusal when the connection refuses at the deadline.
   * Answers whether the workflow refuses the order itself.
   */
  async function untilDeadline(deadline: AcceptanceDeadline, waited: () => boolean): Promise<boolean> {
    const left = (iso: string) => Date.parse(iso) - Date.now();
    const waitUntil = async (iso: string) => left(iso) > 0 && (await condition(waited, left(iso)));
    const notify = (event: 'order.deadline_near' | 'order.deadline_passed') =>
      act.notifyEvent({
        event,
        key: `${input.connectionId}/${input.orderId}`,
        ...ref,
        details: { deadline: deadline.at, autoRefuse: deadline.autoRefuse },
      });
    if ((await waitUntil(deadline.remindAt)) || waited()) return false;
    if (left(deadline.at) > 0) {
      await notify('order.deadline_near');
      if ((await waitUntil(deadline.at)) || waited()) return false;
    }
    await bookkeeping.recordDeadlinePassed(ref);
    await notify('order.deadline_passed');
    if (waited() || !deadline.autoRefuse) return false;
    decision = 'refuse';
    return true;
  }

  /** Spartoo cancelled an imported order: the store order is cancelled and restocked. */
  async function cancelledBySpartoo(): Promise<OrderState> {
    await step('CANCEL_FAILED', () => act.cancelStoreOrder(ref));
    state.spartooStatus = ORDER_STATUS.CANCELLED;
    return finish('CANCELLED');
  }

  /** The store order is cancelled (by the shop, or by this workflow first): Spartoo gets 41. */
  async function cancelOnSpartoo(): Promise<OrderState> {
    if (cancelRequested) await step('CANCEL_FAILED', () => act.cancelStoreOrder(ref));
    const sent = await step('CANCEL_FAILED', () => act.cancelOnSpartoo(ref), cancelledOnSpartoo);
    state.spartooStatus = sent?.spartooStatus ?? ORDER_STATUS.CANCELLED;
    return finish('CANCELLED');
  }

  /** The status the acceptance wrote itself (statusFrom): ACCEPTED, or undefined. */
  let acceptedRecorded: OrderStatus | undefined;

  // 1. Fetch and decide (and, with acceptInFetch, accept what the rule accepts).
  const fetched = await step(
    'FETCH_FAILED',
    () => act.fetchOrder(acceptInFetch ? { ...ref, acceptByRule: { statusFrom: state.status } } : ref),
    cancelledOnSpartoo,
  );
  if (!fetched) return finish('REFUSED');
  if (fetched.accepted) {
    // Accepted by the rule in the fetch: it claimed the decision first, so no merchant's was taken.
    // Spartoo's status is then what the acceptance answered.
    state.auto = true;
    decision = 'accept';
    acceptedRecorded = fetched.accepted.status;
  }
  state.spartooStatus = fetched.accepted?.spartooStatus ?? fetched.spartooStatus;
  if (state.spartooStatus === ORDER_STATUS.CANCELLED) return finish('REFUSED');
  if (SHIPPED_ON_SPARTOO.has(state.spartooStatus))
    return shipped(orderStatusFromSpartoo(state.spartooStatus));

  if (!fetched.accepted && state.spartooStatus === ORDER_STATUS.WAITING_ACCEPTANCE) {
    // The merchant's decision, when it came during the fetch, wins over the rule's acceptance (with
    // acceptInFetch, whoever claimed the decision first holds it).
    const ruleAccepts = acceptInFetch
      ? fetched.claim === 'RULE'
      : fetched.decision?.accepted && (decision === undefined || !patch('decision-during-fetch-wins'));
    if (ruleAccepts) {
      state.auto = true;
      decision = 'accept';
    } else {
      await setStatus('WAITING_ACCEPTANCE');
      const waited = () =>
        decision !== undefined ||
        seen === ORDER_STATUS.ACCEPTED ||
        cancelledOnSpartoo() ||
        shippedOnSpartoo();
      if (patch('acceptance-deadline') && fetched.acceptanceDeadline) {
        refusedAtDeadline = await untilDeadline(fetched.acceptanceDeadline, waited);
      }
      await condition(waited);
    }
    const movedOnSpartoo = () => cancelledOnSpartoo() || seen === ORDER_STATUS.ACCEPTED || shippedOnSpartoo();
    if (decision === 'refuse' && !movedOnSpartoo()) {
      const refused = await step(
        'REFUSE_FAILED',
        () => act.refuseOrder(refusedAtDeadline ? { ...ref, by: 'deadline' } : ref),
        movedOnSpartoo,
      );
      state.spartooStatus = refused?.spartooStatus ?? (seen as number);
    } else if (decision === 'accept' && !movedOnSpartoo()) {
      const by = state.auto ? 'rule' : 'merchant';
      const accepted = await step(
        'ACCEPT_FAILED',
        () => act.acceptOrder({ ...ref, by, ...statusFrom() }),
        movedOnSpartoo,
      );
      state.spartooStatus = accepted?.spartooStatus ?? (seen as number);
      acceptedRecorded = accepted?.status;
    } else {
      state.spartooStatus = seen as number;
    }
    if (state.spartooStatus === ORDER_STATUS.CANCELLED) return finish('REFUSED');
    if (SHIPPED_ON_SPARTOO.has(state.spartooStatus))
      return shipped(orderStatusFromSpartoo(state.spartooStatus));
  }

  // 2. Accepted on Spartoo: import into the store, once.
  await stepDone('ACCEPTED', acceptedRecorded);
  if (cancelledOnSpartoo()) return finish('CANCELLED');
  importing = patch('import-writes-status');
  const imported = await step(
    'IMPORT_FAILED',
    () => act.importOrder(importing ? { ...ref, statusFrom: state.status } : ref),
    () => cancelledOnSpartoo() || shippedOnSpartoo() || cancelRequested,
  );
  importing = false;
  if (!imported) {
    if (cancelledOnSpartoo()) return finish('CANCELLED');
    return cancelRequested ? cancelOnSpartoo() : shipped(orderStatusFromSpartoo(seen as number));
  }
  state.storeOrderId = imported.storeOrderId;

  // 3. Wait for the merchant to ship, or for a cancellation on either side.
  await stepDone('AWAITING_SHIPMENT', imported.status);
  const interrupted = () => cancelledOnSpartoo() || shippedOnSpartoo() || cancelRequested || cancelledInStore;
  await condition(() => shipment !== undefined || interrupted());
  let sent: { shippingService: string; status?: OrderStatus } | undefined;
  if (!interrupted()) {
    // 4. Send the tracking number (the newest the merchant gave, on a retry).
    sent = await step(
      'SHIPMENT_FAILED',
      () => act.confirmShipment({ ...ref, ...(shipment as Shipment), ...statusFrom() }),
      interrupted,
    );
  }
  if (sent) {
    state.shippingService = sent.shippingService;
    state.spartooStatus = ORDER_STATUS.SHIPPED;
    return shipped('SHIPPED', sent.status);
  }
  if (cancelledOnSpartoo()) return cancelledBySpartoo();
  if (cancelRequested || cancelledInStore) return cancelOnSpartoo();
  state.spartooStatus = seen as number; // shipped through Spartoo's back office
  return shipped(orderStatusFromSpartoo(state.spartooStatus));
}
