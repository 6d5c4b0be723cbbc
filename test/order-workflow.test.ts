import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderShippedSignal, orderWorkflowId } from '../workflows/messages';
import { recordHistory } from './support/histories';
import { type Sandbox, startSandbox } from './support/sandbox';
import { startTestStack, type TestStack } from './support/stack';
import { waitFor } from './support/wait';

/**
 * Every path of SPEC §4 on a real Temporal dev server against the sandbox. Until the connection
 * workflow polls, the test starts order workflows itself and signals what a poll would see.
 */
describe('order workflow', () => {
  let stack: TestStack;
  let sandbox: Sandbox;

  beforeAll(async () => {
    [stack, sandbox] = await Promise.all([startTestStack(), startSandbox()]);
    await stack.store.upsertProducts([
      {
        id: 'SKU-42',
        name: 'Sneaker 42',
        stock: 50,
        priceFinalInclTaxCents: 5000,
        priceOriginalInclTaxCents: 6000,
      },
      {
        id: 'SKU-43',
        name: 'Sneaker 43',
        stock: 50,
        priceFinalInclTaxCents: 5000,
        priceOriginalInclTaxCents: 6000,
      },
    ]);
  });
  afterAll(async () => {
    await stack?.close();
    await sandbox?.close();
  });

  async function connection(settings: Record<string, unknown> = {}) {
    const partenaire = `P-${randomUUID().slice(0, 8)}`;
    const res = await stack.app.inject({
      method: 'POST',
      url: '/connections',
      headers: stack.auth,
      payload: { name: 'Test', apiKey: partenaire, baseUrl: sandbox.baseUrl, ...settings },
    });
    expect(res.statusCode).toBe(201);
    return { id: res.json().id as string, partenaire };
  }

  const line = (sizeReference: string, qty: number, price: string) => ({
    products_reference: 'SNEAKER',
    products_size_reference: sizeReference,
    products_name: `Sneaker ${sizeReference}`,
    products_qty: String(qty),
    products_price_unit: price,
    products_price_unit_with_reduce: price,
    products_final_price: (Number(price) * qty).toFixed(2),
  });

  async function newOrder(partenaire: string, products = [line('SKU-42', 1, '49.90')], extra = {}) {
    return sandbox.createOrder(partenaire, { products, ...extra });
  }

  const details = async (connectionId: string, orderId: string) => {
    const res = await stack.app.inject({
      method: 'GET',
      url: `/connections/${connectionId}/orders/${orderId}`,
      headers: stack.auth,
    });
    return res.statusCode === 200 ? res.json() : { status: `HTTP ${res.statusCode}` };
  };
  const untilStatus = (connectionId: string, orderId: string, status: string) =>
    waitFor(
      () => details(connectionId, orderId),
      (d) => d.status === status,
    );
  const post = (url: string, payload?: unknown) =>
    stack.app.inject({ method: 'POST', url, headers: stack.auth, ...(payload ? { payload } : {}) });

  async function ship(storeOrderId: string, carrier: string, trackingNumber: string) {
    const res = await post(`/store/orders/${storeOrderId}/ship`, { carrier, trackingNumber });
    expect(res.statusCode).toBe(200);
  }

  it('auto-accepts, imports, and sends the tracking number with the mapped service when shipped', async () => {
    const c = await connection({ autoAccept: true, shippingServiceMap: { 'my-courier': 'GLS' } });
    const orderId = await newOrder(c.partenaire, [line('SKU-42', 2, '49.90')]);
    const stockBefore = (await stack.store.getProduct('SKU-42'))!.stock;
    await stack.workflows.startOrder(c.id, orderId);

    const waiting = await untilStatus(c.id, orderId, 'AWAITING_SHIPMENT');
    expect(waiting).toMatchObject({
      status: 'AWAITING_SHIPMENT',
      spartooStatus: 2,
      decision: { auto: true, reasons: [] },
    });
    expect(waiting.storeOrderId).toMatch(/^\d+$/);
    expect(waiting.items[0]).toMatchObject({ quantity: 2, unitPricePaid: 49.9, total: 99.8 });
    expect(waiting.workflowId).toBe(orderWorkflowId(c.id, orderId));
    expect((await sandbox.order(orderId)).orders_status_id).toBe(2);
    expect((await stack.store.getProduct('SKU-42'))!.stock).toBe(stockBefore - 2);

    await ship(waiting.storeOrderId, 'My-Courier', 'TRACK-001');
    const shipped = await untilStatus(c.id, orderId, 'SHIPPED');
    expect(shipped.shippingService).toBe('GLS');
    expect(shipped.shipments).toEqual([
      expect.objectContaining({ trackingNumber: 'TRACK-001', shippingService: 'GLS' }),
    ]);
    expect(await sandbox.order(orderId)).toMatchObject({
      orders_status_id: 3,
      tracking_number: 'TRACK-001',
      transporteur: 'GLS',
    });
    const directions = shipped.log.map((e: { direction: string }) => e.direction);
    expect(directions).toEqual(expect.arrayContaining(['FROM_SPARTOO', 'TO_SPARTOO', 'TO_STORE']));
    const status = (await stack.client.workflow.getHandle(orderWorkflowId(c.id, orderId)).describe()).status
      .name;
    // SHIPPED is followed for 60 days (Spartoo's 45 / 47), then the workflow completes.
    expect(status).toBe('RUNNING');
    // Issue 14, item 4: the rule's acceptance is sent by the fetch itself (patch accept-in-fetch), and
    // accept, import and confirm wrote their statuses themselves: three activities, no local activity.
    // The patches were taken at start (ORDER_PATCHES, patchesAtStart): no patch marker, no
    // TemporalChangeVersion upsert.
    const history = await stack.client.workflow.getHandle(orderWorkflowId(c.id, orderId)).fetchHistory();
    const events = history.events ?? [];
    const activities = events.flatMap(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? [],
    );
    expect(activities).toEqual(['fetchOrder', 'importOrder', 'confirmShipment']);
    const markers = events.flatMap((e) => e.markerRecordedEventAttributes?.markerName ?? []);
    expect(markers).toEqual([]);
    const upserted = events.flatMap((e) =>
      Object.keys(e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {}),
    );
    expect(upserted).toEqual(['OrderStatus', 'OrderStatus', 'OrderStatus']);
    // 30 events when nothing overlaps: started, 5 workflow tasks, 3 activities, 3 upserts, the shipment
    // signal, the 60-day timer. Not counted as a whole: on a loaded machine a workflow task times out and
    // is tried again (a count of 36 saw 40), and the connection's first poll may find the order too and
    // tell its workflow the status it saw (`spartooStatusSeen`; a full run saw 16 events other than
    // tasks for 15). The shape is what the commands are, and the merchant's one shipment.
    const shipments = events.filter(
      (e) => e.workflowExecutionSignaledEventAttributes?.signalName === orderShippedSignal.name,
    );
    expect(shipments).toHaveLength(1);
    await recordHistory(stack.client, orderWorkflowId(c.id, orderId), 'order-auto-accepted-shipped');
  });

  it('waits for a manual decision with the reasons, then is accepted by hand (409 when asked twice)', async () => {
    const c = await connection({ autoAccept: true, autoAcceptThreshold: 1 });
    const orderId = await newOrder(c.partenaire, [line('SKU-42', 1, '49.99')]);
    await stack.workflows.startOrder(c.id, orderId);
    const waiting = await untilStatus(c.id, orderId, 'WAITING_ACCEPTANCE');
    await waitFor(
      () => details(c.id, orderId),
      (d) => d.decision !== null,
    );
    const decided = await details(c.id, orderId);
    expect(decided.decision).toEqual({
      auto: false,
      reasons: [
        expect.objectContaining({
          line: 1,
          code: 'PRICE_BELOW_THRESHOLD',
          linePrice: 49.99,
          storePrice: 50,
          threshold: 1,
          message: expect.any(String),
        }),
      ],
    });
    expect(waiting.spartooStatus).toBe(11);

    const refuseShipped = await post(`/store/orders/999999/ship`, { carrier: 'x', trackingNumber: 'y' });
    expect(refuseShipped.statusCode).toBe(404);

    const accepted = await post(`/connections/${c.id}/orders/${orderId}/accept`);
    expect(accepted.statusCode).toBe(200);
    expect(['ACCEPTED', 'AWAITING_SHIPMENT']).toContain(accepted.json().status);
    const again = await post(`/connections/${c.id}/orders/${orderId}/accept`);
    expect(again.statusCode).toBe(409);
    expect(again.json().status).toBe(409);
    await untilStatus(c.id, orderId, 'AWAITING_SHIPMENT');
    expect((await sandbox.order(orderId)).orders_status_id).toBe(2);
    const retry = await post(`/connections/${c.id}/orders/${orderId}/retry`);
    expect(retry.statusCode).toBe(409);
    await recordHistory(stack.client, orderWorkflowId(c.id, orderId), 'order-manual-accept');
  });

  it('is refused by hand: Spartoo gets 41 and nothing is imported', async () => {
    const c = await connection();
    const orderId = await newOrder(c.partenaire);
    await stack.workflows.startOrder(c.id, orderId);
    // A poll may show the order before the workflow has decided: wait for the decision.
    const waiting = await waitFor(
      () => details(c.id, orderId),
      (d) => d.status === 'WAITING_ACCEPTANCE' && d.decision !== null,
    );
    expect(waiting.decision).toMatchObject({
      auto: false,
      reasons: [expect.objectContaining({ code: 'MANUAL_ACCEPTANCE' })],
    });
    const refused = await post(`/connections/${c.id}/orders/${orderId}/refuse`);
    expect(refused.statusCode).toBe(200);
    expect(refused.json().status).toBe('REFUSED');
    expect((await sandbox.order(orderId)).orders_status_id).toBe(41);
    expect(await stack.store.findOrder(c.id, orderId)).toBeUndefined();
    await recordHistory(stack.client, orderWorkflowId(c.id, orderId), 'order-refused');
  });

  it('follows an acceptance made on Spartoo while waiting', async () => {
    const c = await connection();
    const orderId = await newOrder(c.partenaire);
    await stack.workflows.startOrder(c.id, orderId);
    await untilStatus(c.id, orderId, 'WAITING_ACCEPTANCE');
    await sandbox.setOrderStatus(orderId, 2);
    await stack.client.workflow.getHandle(orderWorkflowId(c.id, orderId)).signal('spartooStatusSeen', 2);
    const imported = await untilStatus(c.id, orderId, 'AWAITING_SHIPMENT');
    expect(imported.storeOrderId).toMatch(/^\d+$/);
    const accepts = (await sandbox.calls(c.partenaire)).filter((call) => call.params.statut === '2');
    expect(accepts).toEqual([]);
  });

  it('follows a cancellation on Spartoo before acceptance (REFUSED) and after import (CANCELLED, restocked)', async () => {
    const c = await connection();
    const before = await newOrder(c.partenaire);
    await stack.workflows.startOrder(c.id, before);
    await untilStatus(c.id, before, 'WAITING_ACCEPTANCE');
    await sandbox.setOrderStatus(before, 41);
    await stack.client.workflow.getHandle(orderWorkflowId(c.id, before)).signal('spartooStatusSeen', 41);
    await untilStatus(c.id, before, 'REFUSED');

    const auto = await connection({ autoAccept: true });
    const after = await newOrder(auto.partenaire, [line('SKU-43', 3, '49.90')]);
    const stock = (await stack.store.getProduct('SKU-43'))!.stock;
    await stack.workflows.startOrder(auto.id, after);
    const imported = await untilStatus(auto.id, after, 'AWAITING_SHIPMENT');
    expect((await stack.store.getProduct('SKU-43'))!.stock).toBe(stock - 3);
    await sandbox.setOrderStatus(after, 41);
    await stack.client.workflow.getHandle(orderWorkflowId(auto.id, after)).signal('spartooStatusSeen', 41);
    await untilStatus(auto.id, after, 'CANCELLED');
    expect((await stack.store.getOrder(imported.storeOrderId))!.status).toBe('CANCELLED');
    expect((await stack.store.getProduct('SKU-43'))!.stock).toBe(stock);
    await recordHistory(stack.client, orderWorkflowId(auto.id, after), 'order-cancelled-on-spartoo');
  });

  it('cancelled by the merchant in the store: restocked and 41 sent to Spartoo', async () => {
    const c = await connection({ autoAccept: true });
    const orderId = await newOrder(c.partenaire);
    await stack.workflows.startOrder(c.id, orderId);
    const imported = await untilStatus(c.id, orderId, 'AWAITING_SHIPMENT');
    const res = await post(`/store/orders/${imported.storeOrderId}/cancel`);
    expect(res.statusCode).toBe(200);
    expect(res.json().status).toBe('CANCELLED');
    await untilStatus(c.id, orderId, 'CANCELLED');
    expect((await sandbox.order(orderId)).orders_status_id).toBe(41);
  });

  it('parks an unknown product in IMPORT_FAILED, and imports it on retry once the product exists', async () => {
    const c = await connection();
    const orderId = await newOrder(c.partenaire, [line('SKU-NEW-1', 1, '20.00')]);
    await stack.workflows.startOrder(c.id, orderId);
    await untilStatus(c.id, orderId, 'WAITING_ACCEPTANCE');
    await post(`/connections/${c.id}/orders/${orderId}/accept`);
    const failed = await untilStatus(c.id, orderId, 'IMPORT_FAILED');
    expect(failed.lastError).toContain('SKU-NEW-1');
    expect(failed.storeOrderId).toBeNull();

    const put = await stack.app.inject({
      method: 'PUT',
      url: '/store/products',
      headers: stack.auth,
      payload: [{ id: 'SKU-NEW-1', stock: 5, priceFinalInclTax: 20 }],
    });
    expect(put.json()).toEqual({ upserted: 1 });
    const retried = await post(`/connections/${c.id}/orders/${orderId}/retry`);
    expect(retried.statusCode).toBe(200);
    const imported = await untilStatus(c.id, orderId, 'AWAITING_SHIPMENT');
    expect(imported.lastError).toBeNull();
    expect((await stack.store.getProduct('SKU-NEW-1'))!.stock).toBe(4);
    await recordHistory(stack.client, orderWorkflowId(c.id, orderId), 'order-import-failed-retried');
  });

  it('sends the default service for an unmapped carrier', async () => {
    const c = await connection({ autoAccept: true, defaultShippingService: 'Chronopost' });
    const orderId = await newOrder(c.partenaire);
    await stack.workflows.startOrder(c.id, orderId);
    const imported = await untilStatus(c.id, orderId, 'AWAITING_SHIPMENT');
    await ship(imported.storeOrderId, 'Van of my cousin', 'TRACK-777');
    const shipped = await untilStatus(c.id, orderId, 'SHIPPED');
    expect(shipped.shippingService).toBe('Chronopost');
    expect(await sandbox.order(orderId)).toMatchObject({
      transporteur: 'Chronopost',
      tracking_number: 'TRACK-777',
    });
  });

  it('parks a shipment Spartoo rejects in SHIPMENT_FAILED, and sends it again on retry', async () => {
    const c = await connection({ autoAccept: true });
    const orderId = await newOrder(c.partenaire);
    await stack.workflows.startOrder(c.id, orderId);
    const imported = await untilStatus(c.id, orderId, 'AWAITING_SHIPMENT');
    // The merchant's key is changed to a wrong one: Spartoo answers -2 (unknown partenaire), permanently.
    await stack.app.inject({
      method: 'PATCH',
      url: `/connections/${c.id}`,
      headers: stack.auth,
      payload: { apiKey: 'WRONG-KEY' },
    });
    await ship(imported.storeOrderId, 'Colissimo', 'TRACK-900');
    const failed = await untilStatus(c.id, orderId, 'SHIPMENT_FAILED');
    expect(failed.lastError).toContain('-2');
    expect(failed.lastError).not.toContain('WRONG-KEY');
    await stack.app.inject({
      method: 'PATCH',
      url: `/connections/${c.id}`,
      headers: stack.auth,
      payload: { apiKey: c.partenaire },
    });
    const retried = await post(`/connections/${c.id}/orders/${orderId}/retry`);
    expect(retried.statusCode).toBe(200);
    await untilStatus(c.id, orderId, 'SHIPPED');
    expect(await sandbox.order(orderId)).toMatchObject({ orders_status_id: 3, tracking_number: 'TRACK-900' });
    await recordHistory(stack.client, orderWorkflowId(c.id, orderId), 'order-shipment-failed-retried');
  });

  it('starting the same order twice runs one workflow and imports once', async () => {
    const c = await connection({ autoAccept: true });
    const orderId = await newOrder(c.partenaire);
    await Promise.all([stack.workflows.startOrder(c.id, orderId), stack.workflows.startOrder(c.id, orderId)]);
    await untilStatus(c.id, orderId, 'AWAITING_SHIPMENT');
    await stack.workflows.startOrder(c.id, orderId);
    const { items } = (
      await stack.app.inject({
        method: 'GET',
        url: `/store/orders?connectionId=${c.id}`,
        headers: stack.auth,
      })
    ).json();
    expect(
      items.filter((o: { marketplaceOrderId: string }) => o.marketplaceOrderId === orderId),
    ).toHaveLength(1);
  });

  it('lists orders newest first with paging, filtered by connection and status', async () => {
    const c = await connection();
    const ids = [];
    for (const day of ['2026-01-01 10:00:00', '2026-01-02 10:00:00', '2026-01-03 10:00:00']) {
      const id = await newOrder(c.partenaire, [line('SKU-42', 1, '49.90')], { date_purchased: day });
      ids.push(id);
      await stack.workflows.startOrder(c.id, id);
    }
    for (const id of ids) await untilStatus(c.id, id, 'WAITING_ACCEPTANCE');
    const page1 = (
      await stack.app.inject({
        method: 'GET',
        url: `/orders?connectionId=${c.id}&limit=2`,
        headers: stack.auth,
      })
    ).json();
    expect(page1.items.map((o: { orderId: string }) => o.orderId)).toEqual([ids[2], ids[1]]);
    expect(page1.items[0]).toMatchObject({
      status: 'WAITING_ACCEPTANCE',
      total: expect.any(Number),
      connectionId: c.id,
    });
    const page2 = (
      await stack.app.inject({
        method: 'GET',
        url: `/orders?connectionId=${c.id}&limit=2&cursor=${page1.nextCursor}`,
        headers: stack.auth,
      })
    ).json();
    expect(page2.items.map((o: { orderId: string }) => o.orderId)).toEqual([ids[0]]);
    expect(page2.nextCursor).toBeNull();
    const none = (
      await stack.app.inject({
        method: 'GET',
        url: `/orders?connectionId=${c.id}&status=SHIPPED`,
        headers: stack.auth,
      })
    ).json();
    expect(none.items).toEqual([]);
    const counts = (
      await stack.app.inject({
        method: 'GET',
        url: `/orders/counts?connectionId=${c.id}`,
        headers: stack.auth,
      })
    ).json().counts;
    expect(counts).toMatchObject({ WAITING_ACCEPTANCE: 3, SHIPPED: 0, IMPORT_FAILED: 0 });
    const bad = await stack.app.inject({ method: 'GET', url: '/orders?status=LOST', headers: stack.auth });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].field).toBe('querystring.status');
  });
});
