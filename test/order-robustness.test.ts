import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSpartooClient } from '../spartoo/client';
import { orderWorkflowId } from '../workflows/messages';
import { recordHistory } from './support/histories';
import { type Sandbox, startSandbox } from './support/sandbox';
import { startTestStack, type TestStack } from './support/stack';
import { waitFor } from './support/wait';

/**
 * Issue "Nothing lost, nothing stuck", order workflow items (4, 8, 11, 12, 2, 13): permanent errors
 * park the order, Spartoo's statuses are followed at every waiting point, a decision during the fetch
 * wins, the last unit is never accepted twice, the merchant's cancel is owned by the workflow.
 * Real Temporal dev server, real sandbox; the test signals what a poll would see.
 */
/** A GLS parcel as the confirmation records it (db/orders.ts `appendShipment`). */
const glsParcel = (trackingNumber: string, at: string) => ({
  carrier: 'GLS',
  trackingNumber,
  shippingService: 'GLS',
  at,
});

describe('order workflow: nothing lost, nothing stuck', () => {
  let stack: TestStack;
  let sandbox: Sandbox;

  beforeAll(async () => {
    [stack, sandbox] = await Promise.all([startTestStack(), startSandbox()]);
    await stack.store.upsertProducts([
      { id: 'BOOT-1', name: 'Boot', stock: 100, priceFinalInclTaxCents: 5000 },
      { id: 'LAST-ONE', name: 'Last unit', stock: 1, priceFinalInclTaxCents: 5000 },
    ]);
  });
  afterAll(async () => {
    await sandbox?.setFaults({});
    await stack?.close();
    await sandbox?.close();
  });

  const api = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) =>
    stack.app.inject({ method, url, headers: stack.auth, ...(payload ? { payload } : {}) });

  async function connection(settings: Record<string, unknown> = {}) {
    const partenaire = `P-${randomUUID().slice(0, 8)}`;
    await sandbox.createMerchant(partenaire);
    const res = await api('POST', '/connections', {
      name: 'Robust',
      apiKey: partenaire,
      baseUrl: sandbox.baseUrl,
      pollIntervalSeconds: 3600,
      stockSyncIntervalSeconds: 3600,
      ...settings,
    });
    expect(res.statusCode).toBe(201);
    return { id: res.json().id as string, partenaire };
  }
  const line = (sizeReference: string, qty = 1, price = '49.90') => ({
    products_reference: 'REF',
    products_size_reference: sizeReference,
    products_name: sizeReference,
    products_qty: String(qty),
    products_price_unit: price,
    products_price_unit_with_reduce: price,
  });
  const details = async (connectionId: string, orderId: string) => {
    const res = await api('GET', `/connections/${connectionId}/orders/${orderId}`);
    return res.statusCode === 200 ? res.json() : { status: `HTTP ${res.statusCode}` };
  };
  const untilStatus = (connectionId: string, orderId: string, status: string) =>
    waitFor(
      () => details(connectionId, orderId),
      (d) => d.status === status,
    );
  /** What a poll does when it sees a new Spartoo status. */
  const pollSees = async (connectionId: string, orderId: string, status: number, onSpartoo = true) => {
    if (onSpartoo) await sandbox.setOrderStatus(orderId, status);
    await stack.client.workflow
      .getHandle(orderWorkflowId(connectionId, orderId))
      .signal('spartooStatusSeen', status);
  };
  const workflowStatus = async (connectionId: string, orderId: string) =>
    (await stack.client.workflow.getHandle(orderWorkflowId(connectionId, orderId)).describe()).status.name;
  async function imported(settings: Record<string, unknown> = {}, products = [line('BOOT-1')]) {
    const c = await connection({ autoAccept: true, ...settings });
    const orderId = await sandbox.createOrder(c.partenaire, { products });
    await stack.workflows.startOrder(c.id, orderId);
    const order = await untilStatus(c.id, orderId, 'AWAITING_SHIPMENT');
    return { c, orderId, storeOrderId: order.storeOrderId as string };
  }

  it('item 4: an order Spartoo does not know parks in FETCH_FAILED (the workflow keeps running, retry works)', async () => {
    const c = await connection();
    const orderId = `MISSING-${randomUUID().slice(0, 8)}`;
    await stack.workflows.startOrder(c.id, orderId);
    const failed = await untilStatus(c.id, orderId, 'FETCH_FAILED');
    expect(failed.lastError).toMatch(/not found|-6/i);
    expect(failed.purchasedAt).toBeNull();
    expect(failed.total).toBeNull();
    expect(await workflowStatus(c.id, orderId)).toBe('RUNNING');
    const retried = await api('POST', `/connections/${c.id}/orders/${orderId}/retry`);
    expect(retried.statusCode).toBe(200);
    expect((await untilStatus(c.id, orderId, 'FETCH_FAILED')).status).toBe('FETCH_FAILED');
    expect(await workflowStatus(c.id, orderId)).toBe('RUNNING');
    await recordHistory(stack.client, orderWorkflowId(c.id, orderId), 'order-fetch-failed-retried');
  });

  it('item 4: a key Spartoo refuses (-2) parks the acceptance in ACCEPT_FAILED with the reason; retry after the fix accepts', async () => {
    const c = await connection();
    const orderId = await sandbox.createOrder(c.partenaire, { products: [line('BOOT-1')] });
    await stack.workflows.startOrder(c.id, orderId);
    await untilStatus(c.id, orderId, 'WAITING_ACCEPTANCE');
    expect((await api('PATCH', `/connections/${c.id}`, { apiKey: 'UNKNOWN-KEY' })).statusCode).toBe(200);
    await api('POST', `/connections/${c.id}/orders/${orderId}/accept`);
    const failed = await untilStatus(c.id, orderId, 'ACCEPT_FAILED');
    expect(failed.lastError).toMatch(/-2|unknown/);
    expect(failed.lastError).not.toContain('UNKNOWN-KEY');
    expect(await workflowStatus(c.id, orderId)).toBe('RUNNING');

    expect((await api('PATCH', `/connections/${c.id}`, { apiKey: c.partenaire })).statusCode).toBe(200);
    expect((await api('POST', `/connections/${c.id}/orders/${orderId}/retry`)).statusCode).toBe(200);
    await untilStatus(c.id, orderId, 'AWAITING_SHIPMENT');
    expect((await sandbox.order(orderId)).orders_status_id).toBe(2);
    await recordHistory(stack.client, orderWorkflowId(c.id, orderId), 'order-accept-failed-retried');
  });

  it('item 4: a connection deleted under a waiting order parks it instead of failing the workflow', async () => {
    const c = await connection();
    const orderId = await sandbox.createOrder(c.partenaire, { products: [line('BOOT-1')] });
    await stack.workflows.startOrder(c.id, orderId);
    await untilStatus(c.id, orderId, 'WAITING_ACCEPTANCE');
    expect((await api('DELETE', `/connections/${c.id}`)).statusCode).toBe(204);
    await api('POST', `/connections/${c.id}/orders/${orderId}/refuse`);
    const failed = await untilStatus(c.id, orderId, 'REFUSE_FAILED');
    expect(failed.lastError).toContain('no longer exists');
    expect(await workflowStatus(c.id, orderId)).toBe('RUNNING');
  });

  it('item 11: a refusal sent while the order is being fetched wins over the auto-accept rule', async () => {
    const c = await connection({ autoAccept: true });
    const orderId = await sandbox.createOrder(c.partenaire, { products: [line('BOOT-1')] });
    await sandbox.setFaults({ latencyMs: 1500 });
    try {
      await stack.workflows.startOrder(c.id, orderId);
      // What POST …/refuse does once the poll has recorded the order: the fetch is still running.
      expect(await stack.workflows.decideOrder(c.id, orderId, 'refuse')).toBe('REFUSED');
    } finally {
      await sandbox.setFaults({});
    }
    const order = await waitFor(
      () => details(c.id, orderId),
      (d) => ['REFUSED', 'AWAITING_SHIPMENT'].includes(d.status),
    );
    expect(order.status).toBe('REFUSED');
    expect((await sandbox.order(orderId)).orders_status_id).toBe(41);
    expect(await stack.store.findOrder(c.id, orderId)).toBeUndefined();
    await recordHistory(stack.client, orderWorkflowId(c.id, orderId), 'order-refused-during-fetch');
  });

  it('issue 14, item 4: once the rule has claimed an order in the fetch, a merchant decision is refused (409) and the acceptance stands', async () => {
    const c = await connection({ autoAccept: true });
    const orderId = await sandbox.createOrder(c.partenaire, { products: [line('BOOT-1')] });
    await sandbox.setFaults({ latencyMs: 1500 });
    try {
      await stack.workflows.startOrder(c.id, orderId);
      // The rule's decision is recorded (and claimed) before the fetch accepts on Spartoo, 1.5 s later.
      await waitFor(
        () => details(c.id, orderId),
        (d) => d.decision?.auto === true,
      );
      await expect(stack.workflows.decideOrder(c.id, orderId, 'refuse')).rejects.toThrow(
        /accepted by the acceptance rule/,
      );
    } finally {
      await sandbox.setFaults({});
    }
    expect((await untilStatus(c.id, orderId, 'AWAITING_SHIPMENT')).decision).toMatchObject({ auto: true });
    expect((await sandbox.order(orderId)).orders_status_id).toBe(2);
    const accepts = (await sandbox.calls(c.partenaire)).filter(
      (call) => call.params.oID === orderId && call.params.statut === '2',
    );
    expect(accepts).toHaveLength(1);
  });

  it('issue 14, item 4: a fetch retried after its acceptance took effect keeps the order accepted; a 41 since cancels it', async () => {
    const c = await connection({ autoAccept: true });
    const stock = (await stack.store.getProduct('BOOT-1'))!.stock;
    const orderId = await sandbox.createOrder(c.partenaire, { products: [line('BOOT-1')] });
    // What a fetch attempt lost after Spartoo took its acceptance leaves (a worker killed): the claim
    // and ACCEPTED; then the customer cancels on Spartoo (41).
    await stack.orders.recordStatus(c.id, orderId, 'WAITING_ACCEPTANCE', null);
    await stack.orders.update(c.id, orderId, {
      claim: 'RULE',
      detail: { decision: { auto: true, accepted: true, reasons: [], decidedBy: 'RULE' } },
    });
    await stack.orders.update(c.id, orderId, {
      spartooStatus: 2,
      step: { from: 'WAITING_ACCEPTANCE', to: 'ACCEPTED' },
    });
    await sandbox.setOrderStatus(orderId, 2);
    await sandbox.setOrderStatus(orderId, 41);
    await stack.workflows.startOrder(c.id, orderId);
    await pollSees(c.id, orderId, 41, false);
    expect((await untilStatus(c.id, orderId, 'CANCELLED')).status).toBe('CANCELLED');
    expect((await sandbox.order(orderId)).orders_status_id).toBe(41);
    expect((await stack.store.getProduct('BOOT-1'))!.stock).toBe(stock);
    await recordHistory(stack.client, orderWorkflowId(c.id, orderId), 'order-fetch-accepted-then-cancelled');
  });

  it('a merchant acceptance retried after it took effect keeps the order accepted; a 41 since cancels it', async () => {
    const c = await connection();
    const stock = (await stack.store.getProduct('BOOT-1'))!.stock;
    const orderId = await sandbox.createOrder(c.partenaire, { products: [line('BOOT-1')] });
    await stack.workflows.startOrder(c.id, orderId);
    await untilStatus(c.id, orderId, 'WAITING_ACCEPTANCE');
    // The connection's first poll is over (the next one is an hour away): the 41 below reaches the
    // workflow only when the test says a poll saw it, after the acceptance.
    await waitFor(
      async () => (await api('GET', `/connections/${c.id}`)).json(),
      (connection) => connection.lastPoll != null,
    );
    // What an acceptance attempt lost after Spartoo took it leaves (a worker killed, an answer lost):
    // Spartoo's 2 and ACCEPTED written by the step; then the customer cancels on Spartoo (41), so the
    // retried attempt is answered -7.
    await stack.orders.update(c.id, orderId, {
      spartooStatus: 2,
      step: { from: 'WAITING_ACCEPTANCE', to: 'ACCEPTED' },
    });
    await sandbox.setOrderStatus(orderId, 2);
    await sandbox.setOrderStatus(orderId, 41);
    expect((await api('POST', `/connections/${c.id}/orders/${orderId}/accept`)).statusCode).toBe(200);
    // Accepted, then cancelled by the customer: CANCELLED (not REFUSED), its stock given back.
    await untilStatus(c.id, orderId, 'AWAITING_SHIPMENT');
    await pollSees(c.id, orderId, 41, false);
    expect((await untilStatus(c.id, orderId, 'CANCELLED')).status).toBe('CANCELLED');
    expect((await sandbox.order(orderId)).orders_status_id).toBe(41);
    expect((await stack.store.getProduct('BOOT-1'))!.stock).toBe(stock);
    await recordHistory(stack.client, orderWorkflowId(c.id, orderId), 'order-accept-retried-then-cancelled');
  });

  it('item 12: two orders for the last unit are never both auto-accepted', async () => {
    const c = await connection({ autoAccept: true });
    const first = await sandbox.createOrder(c.partenaire, { products: [line('LAST-ONE')] });
    const second = await sandbox.createOrder(c.partenaire, { products: [line('LAST-ONE')] });
    await Promise.all([stack.workflows.startOrder(c.id, first), stack.workflows.startOrder(c.id, second)]);
    const settled = await Promise.all(
      [first, second].map((id) =>
        waitFor(
          () => details(c.id, id),
          (d) =>
            d.status === 'AWAITING_SHIPMENT' ||
            (d.status === 'WAITING_ACCEPTANCE' && d.decision?.auto === false),
        ),
      ),
    );
    const statuses = settled.map((o) => o.status).sort();
    expect(statuses).toEqual(['AWAITING_SHIPMENT', 'WAITING_ACCEPTANCE']);
    const waiting = settled.find((o) => o.status === 'WAITING_ACCEPTANCE');
    expect(waiting.decision.reasons.map((r: { code: string }) => r.code)).toEqual(['OUT_OF_STOCK']);
    expect((await stack.store.getProduct('LAST-ONE'))!.stock).toBe(0);
  });

  it('item 8: a 41 seen while the shipment is parked in SHIPMENT_FAILED cancels and restocks', async () => {
    const { c, orderId, storeOrderId } = await imported();
    const stock = (await stack.store.getProduct('BOOT-1'))!.stock;
    // Spartoo refuses 3 on a cancelled order (-7): the shipment parks.
    await sandbox.setOrderStatus(orderId, 41);
    await api('POST', `/store/orders/${storeOrderId}/ship`, { carrier: 'GLS', trackingNumber: 'T-41' });
    await untilStatus(c.id, orderId, 'SHIPMENT_FAILED');
    await pollSees(c.id, orderId, 41, false);
    const cancelled = await untilStatus(c.id, orderId, 'CANCELLED');
    expect(cancelled.status).toBe('CANCELLED');
    expect((await stack.store.getOrder(storeOrderId))!.status).toBe('CANCELLED');
    expect((await stack.store.getProduct('BOOT-1'))!.stock).toBe(stock + 1);
    await recordHistory(stack.client, orderWorkflowId(c.id, orderId), 'order-shipment-failed-then-cancelled');
  });

  it('item 8: 2 → 3 → 45 between two polls while awaiting shipment ends as PARCEL_LOST', async () => {
    const { c, orderId } = await imported();
    // Shipped in Spartoo's back office, then lost, all between two polls: the poll sees 45 only.
    const spartoo = createSpartooClient({ baseUrl: sandbox.baseUrl, apiKey: c.partenaire });
    await spartoo.updateOrderStatus({ oID: orderId, status: 3, trackingNumber: 'BACK-OFFICE' });
    await pollSees(c.id, orderId, 45);
    expect((await untilStatus(c.id, orderId, 'PARCEL_LOST')).status).toBe('PARCEL_LOST');
    // Followed for 60 days after shipment.
    expect(await workflowStatus(c.id, orderId)).toBe('RUNNING');
  });

  it('item 8 and SPEC §10: a shipped order that Spartoo later marks 47 is NOT_DELIVERED', async () => {
    const { c, orderId, storeOrderId } = await imported();
    await api('POST', `/store/orders/${storeOrderId}/ship`, { carrier: 'GLS', trackingNumber: 'T-47' });
    const shipped = await untilStatus(c.id, orderId, 'SHIPPED');
    expect(shipped.shipments).toHaveLength(1);
    await pollSees(c.id, orderId, 47);
    expect((await untilStatus(c.id, orderId, 'NOT_DELIVERED')).status).toBe('NOT_DELIVERED');
    await recordHistory(stack.client, orderWorkflowId(c.id, orderId), 'order-shipped-then-not-delivered');
  });

  it('item 2: the merchant cancel is owned by the workflow: store cancelled and restocked, Spartoo 41, a repeat is 200', async () => {
    const { c, orderId, storeOrderId } = await imported();
    const stock = (await stack.store.getProduct('BOOT-1'))!.stock;
    const res = await api('POST', `/store/orders/${storeOrderId}/cancel`);
    expect(res.statusCode).toBe(200);
    expect(res.json().status).toBe('CANCELLED');
    await untilStatus(c.id, orderId, 'CANCELLED');
    expect((await sandbox.order(orderId)).orders_status_id).toBe(41);
    expect((await stack.store.getProduct('BOOT-1'))!.stock).toBe(stock + 1);
    const again = await api('POST', `/store/orders/${storeOrderId}/cancel`);
    expect(again.statusCode).toBe(200);
    expect((await stack.store.getProduct('BOOT-1'))!.stock).toBe(stock + 1);
    await recordHistory(stack.client, orderWorkflowId(c.id, orderId), 'order-cancelled-by-merchant');
  });

  it('item 2: a store order cancelled without Spartoo being told (a lost signal) is cancelled on Spartoo by a repeated cancel', async () => {
    const { c, orderId, storeOrderId } = await imported();
    // What the old route left behind when its signal failed: store cancelled, workflow still waiting.
    await stack.store.cancelOrder(storeOrderId);
    const res = await api('POST', `/store/orders/${storeOrderId}/cancel`);
    expect(res.statusCode).toBe(200);
    await untilStatus(c.id, orderId, 'CANCELLED');
    expect((await sandbox.order(orderId)).orders_status_id).toBe(41);
  });

  it('item 13: a shipment confirmed twice (an answer lost) is listed once', async () => {
    const { c, orderId } = await imported();
    const shipment = glsParcel('T-TWICE', new Date().toISOString());
    await stack.orders.appendShipment(c.id, orderId, shipment);
    await stack.orders.appendShipment(c.id, orderId, shipment);
    expect((await stack.orders.get(c.id, orderId))!.detail.shipments).toHaveLength(1);
  });

  it('issue 14, item 4: a step writes its status only from the one the workflow held; a late attempt changes nothing', async () => {
    const { c, orderId } = await imported();
    const shipment = glsParcel('T-STEP', '2026-01-01T00:00:00Z');
    await stack.orders.update(c.id, orderId, { status: 'SHIPMENT_FAILED', detail: { lastError: 'refused' } });
    // A late attempt of the import (the workflow held ACCEPTED then) leaves the failure and its reason.
    const late = await stack.orders.update(c.id, orderId, {
      step: { from: 'ACCEPTED', to: 'AWAITING_SHIPMENT' },
    });
    expect(late).toBe('SHIPMENT_FAILED');
    const notFrom = await stack.orders.appendShipment(c.id, orderId, shipment, {
      spartooStatus: 3,
      step: { from: 'AWAITING_SHIPMENT', to: 'SHIPPED' },
    });
    expect(notFrom).toBe('SHIPMENT_FAILED');
    expect((await stack.orders.get(c.id, orderId))!.detail).toMatchObject({ lastError: 'refused' });
    // The retried confirmation (the workflow holds SHIPMENT_FAILED): SHIPPED, the reason cleared, one parcel.
    const log = { direction: 'TO_SPARTOO' as const, action: 'ship (3) T-STEP via GLS', result: '1' };
    const shipped = await stack.orders.appendShipment(c.id, orderId, shipment, {
      spartooStatus: 3,
      step: { from: 'SHIPMENT_FAILED', to: 'SHIPPED' },
      log,
    });
    expect(shipped).toBe('SHIPPED');
    // The call's log entry went with it, in the same statement.
    const entries = (await stack.orders.readLog(c.id, orderId)).filter((e) => e.action === log.action);
    expect(entries).toHaveLength(1);
    const after = (await stack.orders.get(c.id, orderId))!;
    expect(after).toMatchObject({ status: 'SHIPPED', spartooStatus: 3 });
    expect(after.detail.lastError).toBeNull();
    expect(after.detail.shipments).toHaveLength(1);
  });
});
