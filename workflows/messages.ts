import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { OrderStatus } from '../domain/statuses';

/**
 * Signal, update and query definitions shared by the workflows and the API (the only workflow module
 * the API imports). Signals carry facts; updates carry decisions that must answer; queries read.
 */

export const connectionWorkflowId = (connectionId: string) => `spartoo-connection/${connectionId}`;
export const orderWorkflowId = (connectionId: string, orderId: string) =>
  `spartoo-order/${connectionId}/${orderId}`;
export const returnWorkflowId = (connectionId: string, returnId: string) =>
  `spartoo-return/${connectionId}/${returnId}`;

/**
 * Failure types, by who throws them. Activities → workflows: a permanent refusal the workflow parks
 * the order on. Workflows → API: why an update failed after it was accepted (502) or did not apply (409).
 */
export const FAILURE = {
  spartooRejected: 'SpartooRejected',
  spartooUnreadable: 'SpartooUnreadable',
  importRejected: 'ImportRejected',
  /** The store refuses the product's access (token revoked, app uninstalled): see the store's problem. */
  storeAccess: 'StoreAccess',
  connectionGone: 'ConnectionGone',
  pollFailed: 'PollFailed',
  stockPushFailed: 'StockPushFailed',
  notApplicable: 'NotApplicable',
} as const;

/** Spartoo codes that are about the merchant's account, not the order: retried on a long back-off. */
export const ACCOUNT_ERROR_CODES: readonly number[] = [-1, -2, -428];

/** The connection was deleted: its workflow ends cleanly. */
export const connectionDeletedSignal = defineSignal('connectionDeleted');
/** Settings were changed: the workflow reloads them now rather than at its next cycle. */
export const settingsChangedSignal = defineSignal('settingsChanged');

// ---- order workflow -------------------------------------------------------------------------

/**
 * How long one attempt of an order's activity may take (workflows/activity-proxies.ts): a status change
 * Spartoo refuses with -7 makes a second call to read the status it holds, two calls of at most 15 s.
 */
export const ORDER_STEP_TIMEOUT_MS = 35_000;

/**
 * The order workflow's patches (README "Changing a running workflow"), oldest first; a new one goes at
 * the end. A run started with `patchesAtStart: n` takes the first n without asking `patched()`: no
 * marker and no `TemporalChangeVersion` upsert, two history events a patch (issue 14, item 4).
 */
export const ORDER_PATCHES = [
  'follow-after-shipment',
  'decision-during-fetch-wins',
  'acceptance-deadline',
  /** Accept and confirm write their own status to the read model (issue 14, item 4). */
  'status-in-step-activity',
  /**
   * The import writes AWAITING_SHIPMENT itself too, and a merchant's cancel of the store order it
   * created is heard while the workflow has not yet taken the import's outcome (issue 14, item 4).
   */
  'import-writes-status',
  /**
   * An order the acceptance rule accepts is accepted on Spartoo by the fetch itself, once the rule has
   * claimed the decision; a merchant's decision claims it first (issue 14, item 4).
   */
  'accept-in-fetch',
] as const;
export type OrderPatch = (typeof ORDER_PATCHES)[number];

export interface OrderWorkflowInput {
  connectionId: string;
  orderId: string;
  /**
   * How many of ORDER_PATCHES the run was started with (the workflow gateway starts every order with
   * all of them). Unset in runs started before it existed: those ask `patched()` for each, as always.
   */
  patchesAtStart?: number;
}

export interface Shipment {
  carrier: string;
  trackingNumber: string;
}

/** What a query of an order workflow answers: its state as the workflow knows it. */
export interface OrderState {
  connectionId: string;
  orderId: string;
  status: OrderStatus;
  spartooStatus: number;
  auto: boolean;
  /** The shop's id of the imported order (a number in histories recorded before stores). */
  storeOrderId?: string;
  shippingService?: string;
  lastError: string | null;
}

/** A poll saw the order with this Spartoo status (a change made on Spartoo's side, or the first sight). */
export const spartooStatusSeenSignal = defineSignal<[number]>('spartooStatusSeen');
/** The merchant shipped the store order. */
export const orderShippedSignal = defineSignal<[Shipment]>('orderShipped');
/** The store order was cancelled in the shop (already cancelled and restocked there): Spartoo gets 41. */
export const storeOrderCancelledSignal = defineSignal('storeOrderCancelled');
/** The merchant asks the product to cancel an imported order: store order cancelled and restocked, Spartoo 41. */
export const cancelOrderUpdate = defineUpdate<string>('cancelOrder');

/** Manual decisions: validated by the workflow (409 when the order is not waiting), answer the new status. */
export const acceptOrderUpdate = defineUpdate<string>('acceptOrder');
export const refuseOrderUpdate = defineUpdate<string>('refuseOrder');
export const retryOrderUpdate = defineUpdate<string>('retryOrder');

export const orderStateQuery = defineQuery<OrderState>('orderState');

// ---- connection workflow ------------------------------------------------------------------

export interface PollResult {
  ordersFound: number;
  ordersStarted: number;
  returnsFound: number;
}

export interface StockPushResult {
  sizesSent: number;
  /** Every size was sent (a manual push always is), not only those that changed. */
  full?: boolean;
  errors: { referencePartenaire: string; sizeReference: string; code: number; message: string }[];
}

/** What a connection workflow carries from one run to the next (continue-as-new). */
export interface ConnectionCarry {
  /** Orders purchased from here on (minus an overlap) are polled: ISO time. */
  ordersWatermark?: string;
  /** Returns created from here on are polled: ISO time. */
  returnsWatermark?: string;
  lastPollAt?: string;
  lastStockPushAt?: string;
  /** When the last full stock push finished (set only then). */
  lastFullStockPushAt?: string;
  /**
   * When the full stock push under way began, until it finishes: the next cycle's push skips what was
   * sent since (activities/stock.ts), so a push that failed half-way never starts over.
   */
  fullStockPushStartedAt?: string;
  /** Where the polls' reading of old open orders one by one goes on from (activities/poll.ts). */
  oldOpenCursor?: string;
  /** Manual "Synchronize Orders" / "Push stock now" asked for but not yet run. */
  pendingPoll?: boolean;
  pendingStockPush?: boolean;
  runs?: number;
  /**
   * The connection has an account problem (Spartoo -1, -2, -428, recorded by recordCycle): it polls and
   * pushes every max(15 min, interval) until a poll succeeds or its settings change.
   */
  accountBackOff?: boolean;
}

export interface ConnectionState extends ConnectionCarry {
  connectionId: string;
  cycles: number;
}

/** "Synchronize Orders": a poll now; answers its counts (409 when the connection does not pull orders). */
export const syncOrdersUpdate = defineUpdate<PollResult>('syncOrders');
/** "Push stock now": answers what was sent. */
export const pushStockUpdate = defineUpdate<StockPushResult>('pushStock');
export const connectionStateQuery = defineQuery<ConnectionState>('connectionState');

// ---- return workflow ----------------------------------------------------------------------

export interface ReturnState {
  connectionId: string;
  returnId: string;
  status: string;
  spartooStatus: number;
  lastError: string | null;
}

export const spartooReturnStatusSeenSignal = defineSignal<[number]>('spartooReturnStatusSeen');
/**
 * A return label sent with the accept (issue 13, item 2): a link, or the id of a file the API keeps
 * in the database (return_labels), never the file itself.
 */
export interface ReturnLabelRef {
  labelId?: string;
  labelUrl?: string;
}
/** Why an accept with a label failed: Spartoo refused the label (-22…-25); details `[{code, description}]`. */
export const RETURN_LABEL_REJECTED = 'ReturnLabelRejected';
/**
 * Accept (Spartoo 4): the argument is the label, `{}` for none (histories recorded before labels have
 * no argument: the handler takes it as optional).
 */
export const acceptReturnUpdate = defineUpdate<string, [ReturnLabelRef]>('acceptReturn');
export const refuseReturnUpdate = defineUpdate<string>('refuseReturn');
export const returnStateQuery = defineQuery<ReturnState>('returnState');
