import type { ConnectionRepository } from '../db/connections';
import type { DecisionClaim, LogEntry, OrderRecord, OrderRepository, StepStatus } from '../db/orders';
import type { Reservation, ReservationLedger } from '../db/reservations';
import {
  type AcceptanceDecision,
  decideAcceptance,
  lineKey,
  linePriceCents,
  orderLineKeys,
} from '../domain/acceptance';
import { addressImportError, billingAddress, shippingAddress } from '../domain/address';
import { type AcceptanceDeadline, acceptanceDeadlineOf } from '../domain/deadline';
import { productsByKey } from '../domain/product-keys';
import { spartooShippingService, storeShippingMethod } from '../domain/shipping';
import { type OrderStatus, orderStatusFromSpartoo } from '../domain/statuses';
import type { StoreProduct } from '../domain/types';
import { SPARTOO_CALL_TIMEOUT_MS, type SpartooClient } from '../spartoo/client';
import { SpartooError } from '../spartoo/errors';
import { ORDER_STATUS, type SpartooOrder } from '../spartoo/types';
import type { StoreRegistry } from '../store/registry';
import { ImportRejectedError, StoreAccessError } from '../store/store';
import { ORDER_STEP_TIMEOUT_MS } from '../workflows/messages';
import { permanentOrRetry } from './failures';
import type { Notifier } from './notifications';
import { openSpartooSession } from './spartoo-session';

export interface OrderRef {
  connectionId: string;
  orderId: string;
}

/**
 * A step that writes its own outcome to the read model (workflows/order.ts: accept and confirm with
 * the patch `status-in-step-activity`, the import with `import-writes-status`) is told the status the
 * workflow holds (`statusFrom`) and answers the order's status after its write: the workflow records
 * the status itself only when that is not the step's.
 */
export interface StepStatusInput {
  statusFrom?: OrderStatus;
}

export interface OrderActivityDependencies {
  connections: ConnectionRepository;
  orders: OrderRepository;
  /** Every shop is reached through the store port, opened by the registry. */
  stores: StoreRegistry;
  reservations: ReservationLedger;
  spartooTimeoutMs?: number;
  /** Tells the merchant's webhooks and e-mail what a status change means (activities/notifications.ts). */
  notifier?: Pick<Notifier, 'orderStatusRecorded'>;
}

/** What an order takes of each store product (the product a line's key names, by the duplicate rule). */
export function orderReservations(
  order: SpartooOrder,
  products: StoreProduct[],
  attribute: string,
): Reservation[] {
  const byKey = productsByKey(products, attribute);
  return order.products.flatMap((line) => {
    const product = byKey.get(lineKey(line));
    return product ? [{ productId: product.id, quantity: line.productsQty }] : [];
  });
}

const codeOf = (err: unknown) => (err instanceof SpartooError ? String(err.code) : 'ERROR');

/**
 * Each Spartoo call and store action of the order workflow. Secrets are read here, by connection
 * id; every call lands in the order's communications log.
 */
export function createOrderActivities(deps: OrderActivityDependencies) {
  const { connections, orders, stores, reservations } = deps;

  const connection = (connectionId: string) =>
    openSpartooSession(connections, connectionId, deps.spartooTimeoutMs);

  /**
   * Runs one Spartoo call and logs it, whatever its outcome. `record`: writes a success's entry
   * together with what follows from it, in one statement (db/orders.ts `log`).
   */
  async function logged<T, R = T>(
    ref: OrderRef,
    action: string,
    direction: 'TO_SPARTOO' | 'FROM_SPARTOO',
    call: () => Promise<T>,
    result: (value: T) => string = () => '1',
    record?: (value: T, entry: LogEntry) => Promise<R>,
  ): Promise<R> {
    let value: T;
    try {
      value = await call();
    } catch (err) {
      await orders.log(ref.connectionId, ref.orderId, {
        direction,
        action,
        result: codeOf(err),
        detail: (err as Error).message,
      });
      throw err;
    }
    const entry = { direction, action, result: result(value) };
    if (record) return record(value, entry);
    await orders.log(ref.connectionId, ref.orderId, entry);
    return value as unknown as R;
  }

  /** The order's Spartoo copy: the saved one (read here unless the caller has read the record). */
  async function spartooOrder(ref: OrderRef, record?: OrderRecord): Promise<SpartooOrder> {
    const saved = (record ?? (await orders.get(ref.connectionId, ref.orderId)))?.detail.spartoo;
    if (saved) return saved;
    const { spartoo } = await connection(ref.connectionId);
    const order = await logged(ref, 'exportOrder', 'FROM_SPARTOO', () => spartoo.getOrder(ref.orderId));
    await orders.saveSpartooOrder(ref.connectionId, order, orderStatusFromSpartoo(order.ordersStatusId));
    return order;
  }

  /** After Spartoo refused a transition (-7), what status it holds now. */
  async function currentSpartooStatus(ref: OrderRef, spartoo: SpartooClient): Promise<number> {
    const order = await logged(ref, 'exportOrder', 'FROM_SPARTOO', () => spartoo.getOrder(ref.orderId));
    await orders.saveSpartooOrder(ref.connectionId, order, orderStatusFromSpartoo(order.ordersStatusId));
    return order.ordersStatusId;
  }

  /** The decision shown on the order is the merchant's, who decided by hand. */
  async function decidedByMerchant(ref: OrderRef) {
    const decision = (await orders.get(ref.connectionId, ref.orderId))?.detail.decision;
    if (decision) {
      await orders.update(ref.connectionId, ref.orderId, {
        detail: { decision: { ...decision, decidedBy: 'MERCHANT' } },
      });
    }
  }

  /** A manual acceptance takes what the order needs, whatever the rule said of the stock. */
  async function reserveForMerchant(ref: OrderRef) {
    await decidedByMerchant(ref);
    const order = await permanentOrRetry(() => spartooOrder(ref));
    const { settings } = await connection(ref.connectionId);
    const attribute = settings.productIdentificationAttribute;
    // A store that refuses the product's access parks the acceptance (ACCEPT_FAILED) with the reason.
    const products = await permanentOrRetry(async () =>
      (await stores.forStore(settings.storeId)).productsByKeys(attribute, orderLineKeys(order)),
    );
    await reservations.reserve(ref.connectionId, ref.orderId, orderReservations(order, products, attribute));
  }

  /** The step's status write (`StepStatusInput`), when the workflow asked for one. */
  const stepOf = (input: StepStatusInput, to: OrderStatus): StepStatus | undefined =>
    input.statusFrom ? { from: input.statusFrom, to } : undefined;

  /** After a step wrote `to`: what the local activity would have notified (activities/notifications.ts). */
  async function stepRecorded(ref: OrderRef, step: StepStatus | undefined, after: OrderStatus | undefined) {
    if (!step || after !== step.to) return {};
    await deps.notifier?.orderStatusRecorded({ ...ref, status: step.to, lastError: null });
    return { status: after };
  }

  async function changeStatus(
    ref: OrderRef,
    status: 2 | 41,
    action: string,
    step?: StepStatus,
  ): Promise<{ spartooStatus: number; status?: OrderStatus }> {
    const { spartoo } = await connection(ref.connectionId);
    return permanentOrRetry(async () => {
      try {
        const after = await logged(
          ref,
          action,
          'TO_SPARTOO',
          () => spartoo.updateOrderStatus({ oID: ref.orderId, status }),
          (r) => (r.alreadyDone ? '-9 (already done)' : '1'),
          (_, log) =>
            orders.update(ref.connectionId, ref.orderId, {
              spartooStatus: status,
              log,
              ...(step ? { step } : {}),
            }),
        );
        return { spartooStatus: status, ...(await stepRecorded(ref, step, after)) };
      } catch (err) {
        if (err instanceof SpartooError && err.code === -7) {
          // The step's status is written only with Spartoo's acceptance of the change: found, an earlier
          // attempt's change took effect and its answer was lost. What Spartoo holds since (a customer's
          // 41) is news the polls tell the workflow, not this step's outcome (a cancellation is not a
          // refusal), and stays unrecorded here so that the next poll sees it as new.
          if (step && (await orders.get(ref.connectionId, ref.orderId))?.status === step.to)
            return { spartooStatus: status, ...(await stepRecorded(ref, step, step.to)) };
          // Someone else moved the order first (customer cancellation, back-office acceptance): follow it.
          return { spartooStatus: await currentSpartooStatus(ref, spartoo) };
        }
        throw err;
      }
    });
  }

  return {
    /**
     * Gets the order (from the poll's copy, else from Spartoo) and applies the acceptance rule to the
     * store's stock less what other accepted orders not yet imported have reserved; an accepted
     * order reserves its own in the same step (db/reservations.ts). A waiting order also gets its
     * acceptance deadline (the purchase time plus the connection's hours; no customer data, no secret),
     * kept on the order and held by the workflow.
     * With `acceptByRule` (patch accept-in-fetch), an order the rule accepts has its decision claimed
     * for the rule in the statement that records it (`claim`: who holds it), unless the merchant
     * claimed it first; claimed, it is also accepted on Spartoo here when the attempt has the time left
     * (`accepted`, as acceptOrder answers). An acceptance that fails here is left to the workflow's
     * accept step, which parks it in ACCEPT_FAILED as before.
     */
    async fetchOrder(ref: OrderRef & { acceptByRule?: StepStatusInput }): Promise<{
      spartooStatus: number;
      decision?: AcceptanceDecision;
      acceptanceDeadline?: AcceptanceDeadline;
      claim?: DecisionClaim;
      accepted?: { spartooStatus: number; status?: OrderStatus };
    }> {
      const started = Date.now();
      const record = await orders.get(ref.connectionId, ref.orderId);
      // An earlier attempt claimed the order for the rule and Spartoo took its acceptance (ACCEPTED is
      // written only then), then the attempt was lost (a worker killed): the order is accepted, whatever
      // Spartoo has said since (a 41 then is a cancellation, which the polls tell the workflow).
      if (ref.acceptByRule && record?.detail.decisionClaim === 'RULE' && record.status === 'ACCEPTED')
        return { spartooStatus: ORDER_STATUS.ACCEPTED, claim: 'RULE' };
      const order = await permanentOrRetry(() => spartooOrder(ref, record));
      if (order.ordersStatusId !== ORDER_STATUS.WAITING_ACCEPTANCE)
        return { spartooStatus: order.ordersStatusId };
      const { settings } = await connection(ref.connectionId);
      const attribute = settings.productIdentificationAttribute;
      // A store that refuses the product's access parks the order (FETCH_FAILED) with the reason.
      const store = await permanentOrRetry(() => stores.forStore(settings.storeId));
      const decision = await reservations.decideAndReserve(ref, async (reservedByOthers) => {
        const products = await permanentOrRetry(() => store.productsByKeys(attribute, orderLineKeys(order)));
        const reserved = await reservedByOthers(products.map((p) => p.id));
        const available = products.map((p) => ({ ...p, stock: p.stock - (reserved.get(p.id) ?? 0) }));
        const result = decideAcceptance({ order, products: available, settings });
        return { result, reserve: result.accepted ? orderReservations(order, products, attribute) : [] };
      });
      const deadline = acceptanceDeadlineOf(order.datePurchased, settings);
      const shown = {
        detail: {
          decision: { ...decision, decidedBy: 'RULE' as const },
          acceptanceDeadline: deadline?.at ?? null,
        },
      };
      const answer = {
        spartooStatus: order.ordersStatusId,
        decision,
        ...(deadline ? { acceptanceDeadline: deadline } : {}),
      };
      if (!ref.acceptByRule || !decision.accepted) {
        await orders.update(ref.connectionId, ref.orderId, shown);
        return answer;
      }
      if (!(await orders.update(ref.connectionId, ref.orderId, { ...shown, claim: 'RULE' }))) {
        // The merchant decided while the order was fetched: the rule's decision is shown, theirs is taken.
        await orders.update(ref.connectionId, ref.orderId, shown);
        return { ...answer, claim: 'MERCHANT' };
      }
      // The acceptance (up to two Spartoo calls) must fit in what is left of this attempt's time (a
      // fetch that read Spartoo slowly leaves it to the accept step).
      const callMs = deps.spartooTimeoutMs ?? SPARTOO_CALL_TIMEOUT_MS;
      if (Date.now() - started + 2 * callMs + 1000 > ORDER_STEP_TIMEOUT_MS)
        return { ...answer, claim: 'RULE' };
      const step = stepOf(ref.acceptByRule, 'ACCEPTED');
      const accepted = await changeStatus(ref, ORDER_STATUS.ACCEPTED, 'accept (2) by rule', step).catch(
        () => undefined,
      );
      return { ...answer, claim: 'RULE', ...(accepted ? { accepted } : {}) };
    },

    /**
     * A merchant's decision on a waiting order is taken only when the rule has not taken it first (a
     * local activity of the decision's update, patch accept-in-fetch): whether the merchant holds it.
     */
    async claimDecisionForMerchant(ref: OrderRef): Promise<boolean> {
      return orders.claimDecision(ref.connectionId, ref.orderId, 'MERCHANT');
    },

    /** With `statusFrom`, an acceptance Spartoo took also records ACCEPTED. */
    async acceptOrder(ref: OrderRef & StepStatusInput & { by: 'rule' | 'merchant' }) {
      if (ref.by === 'merchant') await reserveForMerchant(ref);
      const step = stepOf(ref, 'ACCEPTED');
      return changeStatus(ref, ORDER_STATUS.ACCEPTED, `accept (2) by ${ref.by}`, step);
    },

    /** `by: 'deadline'`: refused by the workflow at the acceptance deadline (autoRefuseAtDeadline). */
    async refuseOrder(ref: OrderRef & { by?: 'merchant' | 'deadline' }) {
      if (ref.by === 'deadline') {
        return changeStatus(ref, ORDER_STATUS.CANCELLED, 'refuse (41): refused at the deadline');
      }
      await decidedByMerchant(ref);
      return changeStatus(ref, ORDER_STATUS.CANCELLED, 'refuse (41) by merchant');
    },

    /** The acceptance deadline passed while the order waited: the order shows it (a local activity). */
    async recordDeadlinePassed(ref: OrderRef) {
      await orders.update(ref.connectionId, ref.orderId, { detail: { deadlinePassed: true } });
    },

    /** The merchant cancelled the store order: Spartoo gets 41. */
    async cancelOnSpartoo(ref: OrderRef) {
      return changeStatus(ref, ORDER_STATUS.CANCELLED, 'cancel (41)');
    },

    /**
     * Creates the shop order once (the marketplace order id is the key) in the connection's store, which
     * takes its stock; records which store and shop order. A store that refuses the product's access
     * (StoreAccessError) parks the order in IMPORT_FAILED and shows as the store's problem. With
     * `statusFrom`, also records AWAITING_SHIPMENT.
     */
    async importOrder(
      ref: OrderRef & StepStatusInput,
    ): Promise<{ storeOrderId: string; status?: OrderStatus }> {
      const record = await orders.get(ref.connectionId, ref.orderId);
      const order = await permanentOrRetry(() => spartooOrder(ref, record));
      const { settings } = await connection(ref.connectionId);
      const storeId = settings.storeId;
      // The merchant's correction (PATCH …/shipping-address) wins over the address mapped from Spartoo.
      const correction = record?.detail.shippingAddressCorrection;
      const step = stepOf(ref, 'AWAITING_SHIPMENT');
      return permanentOrRetry(async () => {
        const billing = billingAddress(order);
        const shipping = correction ?? shippingAddress(order, settings);
        const invalid = addressImportError({ billing, shipping });
        try {
          if (invalid) throw new ImportRejectedError(invalid);
          const store = await stores.forStore(storeId);
          const { order: storeOrder, created } = await store.importOrder({
            connectionId: ref.connectionId,
            marketplaceOrderId: ref.orderId,
            identificationAttribute: settings.productIdentificationAttribute,
            billingAddress: billing,
            shippingAddress: shipping,
            shippingMethod: storeShippingMethod(order.shippingName, settings.storeShippingMethodMap),
            lines: order.products.map((line, i) => ({
              line: i + 1,
              key: lineKey(line),
              name: line.productsName,
              quantity: line.productsQty,
              unitPriceCents: linePriceCents(line),
            })),
            totalCents: order.orderTotalCents,
          });
          // The store has taken the stock: the reservation is released in the same statement.
          const after = await orders.update(ref.connectionId, ref.orderId, {
            alongside: reservations.releasing(ref.connectionId, ref.orderId),
            detail: { storeOrderId: storeOrder.id, storeId },
            ...(step ? { step } : {}),
            log: {
              direction: 'TO_STORE',
              action: 'importOrder',
              result: created
                ? `created store order ${storeOrder.id} in store ${storeId}`
                : `already imported as ${storeOrder.id} in store ${storeId}`,
            },
          });
          return { storeOrderId: storeOrder.id, ...(await stepRecorded(ref, step, after)) };
        } catch (err) {
          if (err instanceof ImportRejectedError || err instanceof StoreAccessError) {
            await orders.log(ref.connectionId, ref.orderId, {
              direction: 'FROM_STORE',
              action: 'importOrder',
              result: err instanceof StoreAccessError ? 'NO_ACCESS' : 'REJECTED',
              detail: err.message,
            });
          }
          throw err;
        }
      });
    },

    /**
     * The order is cancelled (by Spartoo, or by the merchant through the product): cancel the shop order
     * and put its stock back, once, in the store it was imported into.
     */
    async cancelStoreOrder(ref: OrderRef): Promise<void> {
      const detail = (await orders.get(ref.connectionId, ref.orderId))?.detail;
      await permanentOrRetry(async () => {
        // Imported before the read model said so (a worker lost in between): the connection's store has it.
        const storeId = detail?.storeId ?? (await connection(ref.connectionId)).settings.storeId;
        const store = await stores.forStore(storeId);
        const storeOrderId =
          detail?.storeOrderId !== undefined
            ? String(detail.storeOrderId)
            : (await store.findOrder(ref.connectionId, ref.orderId))?.id;
        if (storeOrderId === undefined) return;
        const { changed } = await store.cancelOrder(storeOrderId);
        await orders.log(ref.connectionId, ref.orderId, {
          direction: 'TO_STORE',
          action: 'cancelOrder',
          result: changed ? `cancelled store order ${storeOrderId}, restocked` : 'already cancelled',
        });
      });
    },

    /**
     * Sends 3 with the tracking number and the Spartoo service mapped from the store's carrier; with
     * `statusFrom`, also records SHIPPED.
     */
    async confirmShipment(
      ref: OrderRef & StepStatusInput & { carrier: string; trackingNumber: string },
    ): Promise<{ shippingService: string; status?: OrderStatus }> {
      const { settings, spartoo } = await connection(ref.connectionId);
      const { service } = spartooShippingService(ref.carrier, settings);
      const step = stepOf(ref, 'SHIPPED');
      return permanentOrRetry(async () => {
        const parcel = { trackingNumber: ref.trackingNumber, shippingService: service };
        const after = await logged(
          ref,
          `ship (3) ${ref.trackingNumber} via ${service}`,
          'TO_SPARTOO',
          () => spartoo.updateOrderStatus({ oID: ref.orderId, status: ORDER_STATUS.SHIPPED, ...parcel }),
          (r) => (r.alreadyDone ? '-9 (already done)' : '1'),
          (_, log) =>
            orders.appendShipment(
              ref.connectionId,
              ref.orderId,
              { carrier: ref.carrier, ...parcel, at: new Date().toISOString() },
              { spartooStatus: ORDER_STATUS.SHIPPED, log, ...(step ? { step } : {}) },
            ),
        );
        return { shippingService: service, ...(await stepRecorded(ref, step, after)) };
      });
    },

    /** The workflow's status, copied to the read model (a local activity: cheap, once per change). */
    async recordOrderStatus(ref: OrderRef & { status: OrderStatus; lastError?: string | null }) {
      await orders.recordStatus(ref.connectionId, ref.orderId, ref.status, ref.lastError);
      // Its notification (order.needs_decision, order.import_failed…), once per status change.
      await deps.notifier?.orderStatusRecorded(ref);
    },
  };
}
