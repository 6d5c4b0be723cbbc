import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextSlotMs, slotPhaseMs } from '../domain/cycle-slots';
import { connectionStateQuery, connectionWorkflowId, orderWorkflowId } from '../workflows/messages';
import { recordHistory, stockPushesOf } from './support/histories';
import { type Sandbox, STOCK_SCRIPTS, startSandbox } from './support/sandbox';
import { startTestStack, type TestStack } from './support/stack';
import { waitFor } from './support/wait';

const today = () => new Date().toISOString().slice(0, 10);
const line = (sizeReference: string, qty = 1, price = '49.90') => ({
  products_reference: 'BOOT',
  products_size_reference: sizeReference,
  products_name: `Boot ${sizeReference}`,
  products_qty: String(qty),
  products_price_unit: price,
  products_price_unit_with_reduce: price,
});

/** The connection workflow on a real Temporal dev server against the sandbox, with short intervals. */
describe('connection workflow', () => {
  let stack: TestStack;
  let sandbox: Sandbox;

  beforeAll(async () => {
    [stack, sandbox] = await Promise.all([startTestStack(), startSandbox()]);
    await stack.store.upsertProducts(
      ['BOOT-40', 'BOOT-41', 'BOOT-42'].map((id) => ({
        id,
        reference: 'BOOT',
        name: id,
        stock: 20,
        priceFinalInclTaxCents: 5000,
      })),
    );
  });
  afterAll(async () => {
    await stack?.close();
    await sandbox?.close();
  });

  const api = (method: string, url: string, payload?: unknown) =>
    stack.app.inject({ method: method as 'GET', url, headers: stack.auth, ...(payload ? { payload } : {}) });

  async function connection(
    settings: Record<string, unknown> = {},
    partenaire = `P-${randomUUID().slice(0, 8)}`,
  ) {
    await sandbox.createMerchant(partenaire);
    const res = await api('POST', '/connections', {
      name: 'Shop',
      apiKey: partenaire,
      baseUrl: sandbox.baseUrl,
      pollIntervalSeconds: 3600,
      stockSyncIntervalSeconds: 3600,
      ...settings,
    });
    expect(res.statusCode).toBe(201);
    return { id: res.json().id as string, partenaire };
  }

  const sync = async (id: string) => api('POST', `/connections/${id}/sync`);
  const status = async (connectionId: string, orderId: string) =>
    (await stack.orders.get(connectionId, orderId))?.status;

  it('turns Spartoo orders into order workflows, once each however often they are seen', async () => {
    const partenaire = `P-${randomUUID().slice(0, 8)}`;
    const ids = [
      await sandbox.createOrder(partenaire, { products: [line('BOOT-40')] }),
      await sandbox.createOrder(partenaire, { products: [line('BOOT-41')] }),
    ];
    const c = await connection({ autoAccept: true }, partenaire);
    // The first cycle polls at once; a manual sync after it finds the same orders and starts none.
    await waitFor(
      async () => Promise.all(ids.map((id) => status(c.id, id))),
      (s) => s.every((x) => x === 'AWAITING_SHIPMENT'),
    );
    for (const id of ids) expect(await status(c.id, id)).toBe('AWAITING_SHIPMENT');
    const again = await sync(c.id);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual({ ordersFound: 2, ordersStarted: 0, returnsFound: 0 });
    const third = await sync(c.id);
    expect(third.json().ordersStarted).toBe(0);
    for (const id of ids) {
      const runs = [];
      for await (const wf of stack.client.workflow.list({
        query: `WorkflowId = '${orderWorkflowId(c.id, id)}'`,
      })) {
        runs.push(wf.runId);
      }
      expect(runs.length).toBeLessThanOrEqual(1);
      expect((await stack.client.workflow.getHandle(orderWorkflowId(c.id, id)).describe()).status.name).toBe(
        'RUNNING',
      );
    }
    const { items } = (await api('GET', `/store/orders?connectionId=${c.id}`)).json();
    expect(items).toHaveLength(2);
    const shown = (await api('GET', `/connections/${c.id}`)).json();
    expect(shown.lastPoll).toMatchObject({
      ok: true,
      ordersFound: 2,
      ordersStarted: 0,
      at: expect.any(String),
    });
  });

  it('ignores orders created before "Sync Orders Created From"', async () => {
    const partenaire = `P-${randomUUID().slice(0, 8)}`;
    const old = await sandbox.createOrder(partenaire, {
      date_purchased: '2025-06-01 10:00:00',
      products: [line('BOOT-40')],
    });
    const recent = await sandbox.createOrder(partenaire, { products: [line('BOOT-40')] });
    const c = await connection({ syncOrdersCreatedFrom: today() }, partenaire);
    const res = await sync(c.id);
    expect(res.json()).toMatchObject({ ordersFound: 1 });
    await waitFor(
      () => status(c.id, recent),
      (s) => s === 'WAITING_ACCEPTANCE',
    );
    expect(await status(c.id, recent)).toBe('WAITING_ACCEPTANCE');
    expect(await stack.orders.get(c.id, old)).toBeUndefined();
  });

  it('with Stock only, pushes stock and never pulls or imports orders', async () => {
    const partenaire = `P-${randomUUID().slice(0, 8)}`;
    const orderId = await sandbox.createOrder(partenaire, { products: [line('BOOT-42')] });
    const c = await connection({ syncLevel: 'STOCK_ONLY', autoAccept: true }, partenaire);
    const pushed = await api('POST', `/connections/${c.id}/stock-sync`);
    expect(pushed.statusCode).toBe(200);
    const stock = await sandbox.stock(partenaire);
    expect(stock).toEqual(
      expect.arrayContaining([
        { reference_partenaire: 'BOOT', size_reference: 'BOOT-42', quantity: expect.any(Number) },
      ]),
    );
    const refused = await sync(c.id);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().detail).toMatch(/Stock only/i);
    expect(await stack.orders.get(c.id, orderId)).toBeUndefined();
    const exports = (await sandbox.calls(partenaire)).filter((call) => call.script.includes('export_orders'));
    expect(exports).toEqual([]);
  });

  it('when disabled, pushes and pulls nothing until enabled again', async () => {
    const partenaire = `P-${randomUUID().slice(0, 8)}`;
    await sandbox.createOrder(partenaire, { products: [line('BOOT-40')] });
    const c = await connection(
      { active: false, pollIntervalSeconds: 10, stockSyncIntervalSeconds: 10 },
      partenaire,
    );
    const disabledSync = await sync(c.id);
    expect(disabledSync.statusCode).toBe(409);
    expect((await api('POST', `/connections/${c.id}/stock-sync`)).statusCode).toBe(409);
    expect(await sandbox.calls(partenaire)).toEqual([]);

    const enabled = await api('PATCH', `/connections/${c.id}`, { active: true });
    expect(enabled.statusCode).toBe(200);
    const calls = await waitFor(
      () => sandbox.calls(partenaire),
      (list) => list.some((call) => call.script.includes('export_orders')),
    );
    expect(calls.some((call) => call.script.includes('export_orders'))).toBe(true);
  });

  it('"Push stock now" sends every size each time (full: true), in batches (issue 13, item 8)', async () => {
    const c = await connection();
    const firstRes = await api('POST', `/connections/${c.id}/stock-sync`);
    expect(firstRes.json()).toMatchObject({ errors: [], full: true });
    const first = firstRes.json();
    expect(first.sizesSent).toBeGreaterThanOrEqual(3);
    // Nothing changed: a manual push still sends everything (Spartoo's stock may be what is wrong).
    const again = (await api('POST', `/connections/${c.id}/stock-sync`)).json();
    expect(again).toEqual({ sizesSent: first.sizesSent, errors: [], full: true });

    const put = await api('PUT', '/store/products', [
      { id: 'BOOT-41', reference: 'BOOT', stock: 7, priceFinalInclTax: 50 },
    ]);
    expect(put.statusCode).toBe(200);
    const changed = (await api('POST', `/connections/${c.id}/stock-sync`)).json();
    expect(changed).toEqual({ sizesSent: first.sizesSent, errors: [], full: true });
    expect(await sandbox.stock(c.partenaire)).toEqual(
      expect.arrayContaining([{ reference_partenaire: 'BOOT', size_reference: 'BOOT-41', quantity: 7 }]),
    );
    expect((await api('GET', `/connections/${c.id}`)).json().lastStockSync).toMatchObject({
      ok: true,
      full: true,
      sizesSent: first.sizesSent,
    });
    // The automatic cycles stay incremental: activities/stock.ts, test/stock-push.test.ts.
  });

  it('follows a return: accept sends 4 to Spartoo and restocks once', async () => {
    const partenaire = `P-${randomUUID().slice(0, 8)}`;
    const orderId = await sandbox.createOrder(partenaire, { products: [line('BOOT-40')] });
    const c = await connection({ autoAccept: true }, partenaire);
    await waitFor(
      () => status(c.id, orderId),
      (s) => s === 'AWAITING_SHIPMENT',
    );
    const returnId = await sandbox.createReturn(partenaire, { order: orderId, return_reason: 'Too small' });
    const polled = (await sync(c.id)).json();
    expect(polled.returnsFound).toBe(1);
    const listed = await waitFor(
      async () => (await api('GET', `/returns?connectionId=${c.id}`)).json().items,
      (items) => items.length === 1 && items[0].status === 'WAITING_RECEPTION',
    );
    expect(listed[0]).toMatchObject({ returnId, orderId, status: 'WAITING_RECEPTION', reason: 'Too small' });
    const stockBefore = (await stack.store.getProduct('BOOT-40'))!.stock;
    await waitFor(
      () =>
        stack.client.workflow
          .getHandle(`spartoo-return/${c.id}/${returnId}`)
          .describe()
          .then((d) => d.status.name),
      (s) => s === 'RUNNING',
    );
    const accepted = await api('POST', `/connections/${c.id}/returns/${returnId}/accept`);
    expect(accepted.statusCode).toBe(200);
    expect(accepted.json()).toMatchObject({ status: 'ACCEPTED', restocked: true });
    expect((await sandbox.getReturn(returnId)).return_status).toBe(4);
    expect((await stack.store.getProduct('BOOT-40'))!.stock).toBe(stockBefore + 1);
    const twice = await api('POST', `/connections/${c.id}/returns/${returnId}/accept`);
    expect(twice.statusCode).toBe(409);
    expect((await stack.store.getProduct('BOOT-40'))!.stock).toBe(stockBefore + 1);
    await recordHistory(stack.client, `spartoo-return/${c.id}/${returnId}`, 'return-accepted');
  });

  it('polls on its own slots: every timer ends on phase + k × interval, the phase from its id (issue 14)', async () => {
    const c = await connection({ pollIntervalSeconds: 10 });
    // The first poll at once, then two on slots.
    const polls = await waitFor(
      async () =>
        (await sandbox.calls(c.partenaire)).filter(
          (call) => call.script === 'xml_export_orders.php' && !call.params.statut && !call.params.oID,
        ),
      (list) => list.length >= 3,
      60_000,
    );
    expect(polls.length).toBeGreaterThanOrEqual(3);
    expect((await api('DELETE', `/connections/${c.id}`)).statusCode).toBe(204);
    const handle = stack.client.workflow.getHandle(connectionWorkflowId(c.id));
    await handle.result();
    // Each timer ends exactly on a slot, whenever the cycle before it ran (the slot does not move with
    // its lateness): no wall-clock assertion. The workflow's clock when it starts the timer is its last
    // local activity's completion (recorded in the marker), every cycle ending with one.
    const phase = slotPhaseMs(c.id, 10_000);
    const ms = (t?: { seconds?: unknown; nanos?: number | null } | null) =>
      Number(t?.seconds ?? 0) * 1000 + Math.floor((t?.nanos ?? 0) / 1e6);
    let clock = 0;
    const ends: number[] = [];
    for (const event of (await handle.fetchHistory()).events ?? []) {
      const marker = event.markerRecordedEventAttributes;
      if (marker?.markerName === 'core_local_activity') {
        const data = marker.details?.data?.payloads?.[0]?.data;
        clock = ms(JSON.parse(Buffer.from(data ?? []).toString()).complete_time);
      }
      const timeout = event.timerStartedEventAttributes?.startToFireTimeout;
      if (timeout) ends.push(clock + ms(timeout));
    }
    expect(ends.length).toBeGreaterThanOrEqual(2);
    for (const end of ends) expect((((end - phase) % 10_000) + 10_000) % 10_000).toBe(0);
    await recordHistory(stack.client, connectionWorkflowId(c.id), 'connection-polls-on-slots');
  }, 90_000);

  it('pushes stock on its own slots beside the polls, when they come more often than polls (issue 14)', async () => {
    const c = await connection({ stockSyncIntervalSeconds: 10 });
    // The push no longer holds the loop: the loop sleeps towards its next poll (an hour away) and a
    // push that ends wakes it for the next stock slot, not five minutes later at the settings' reload.
    const pushedAt = new Set<string>();
    await waitFor(
      async () => {
        const at = (await api('GET', `/connections/${c.id}`)).json().lastStockSync?.at;
        if (at) pushedAt.add(at);
        return pushedAt.size;
      },
      (n) => n >= 3,
      60_000,
    );
    expect(pushedAt.size).toBeGreaterThanOrEqual(3);
    const polls = (await sandbox.calls(c.partenaire)).filter(
      (call) => call.script === 'xml_export_orders.php' && !call.params.statut && !call.params.oID,
    );
    expect(polls).toHaveLength(1);
    expect((await api('DELETE', `/connections/${c.id}`)).statusCode).toBe(204);
    const handle = stack.client.workflow.getHandle(connectionWorkflowId(c.id));
    await handle.result();
    await recordHistory(stack.client, connectionWorkflowId(c.id), 'connection-stock-push-beside-polls');
  }, 90_000);

  it('a push that outlasts its slot is followed by the next at once, not at the next wake', async () => {
    await sandbox.setFaults({ failureRate: 1, scripts: STOCK_SCRIPTS });
    let c: { id: string; partenaire: string };
    try {
      c = await connection({ stockSyncIntervalSeconds: 10 });
      // The first push retries (backing off 1, 2, 4, 8, 16 s) until its next slot has passed.
      const state = await waitFor(
        () => stack.client.workflow.getHandle(connectionWorkflowId(c.id)).query(connectionStateQuery),
        (s) => !!s.lastStockPushAt,
      );
      const slot = nextSlotMs(c.id, 10_000, Date.parse(state.lastStockPushAt!));
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, slot - Date.now()) + 1000));
      expect((await api('GET', `/connections/${c.id}`)).json().lastStockSync).toBeNull();
    } finally {
      await sandbox.setFaults({});
    }
    // The push's next attempt (at most 16 s away) completes it, past its slot; the next push follows.
    const pushes = await waitFor(
      () => stockPushesOf(stack.client, connectionWorkflowId(c.id)),
      (list) => list.length >= 2,
      45_000,
    );
    const [first, next] = pushes;
    expect(first).toMatchObject({ full: true, endedAt: expect.any(Number) });
    expect(first!.endedAt!).toBeGreaterThan(nextSlotMs(c.id, 10_000, first!.scheduledAt));
    // At once; without the wake at the push's end, at the settings' reload (5 minutes).
    expect(next!.scheduledAt - first!.endedAt!).toBeLessThan(3_000);
  }, 120_000);

  it('"Push stock now" pressed during a push under way is answered by a whole push after it', async () => {
    await sandbox.setFaults({ failureRate: 1, scripts: STOCK_SCRIPTS });
    try {
      const c = await connection();
      // The first cycle's push is retrying.
      await sandbox.stockPushRetrying(c.partenaire);
      const pressed = api('POST', `/connections/${c.id}/stock-sync`);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await sandbox.setFaults({});
      const answer = await pressed;
      expect(answer.statusCode).toBe(200);
      expect(answer.json()).toMatchObject({ errors: [], full: true });
      // The push under way ended, then the merchant's own push started.
      const [automatic, manual, ...more] = await stockPushesOf(stack.client, connectionWorkflowId(c.id));
      expect(more).toEqual([]);
      expect(manual).toMatchObject({ full: true, endedAt: expect.any(Number) });
      expect(manual!.scheduledAt).toBeGreaterThanOrEqual(automatic!.endedAt!);
    } finally {
      await sandbox.setFaults({});
    }
  });

  it('continues as new without losing its watermark', async () => {
    const partenaire = `P-${randomUUID().slice(0, 8)}`;
    await sandbox.createOrder(partenaire, { products: [line('BOOT-40')] });
    const created = await stack.connections.create({
      name: 'Long life',
      apiKey: partenaire,
      baseUrl: sandbox.baseUrl,
      pollIntervalSeconds: 3600,
      stockSyncIntervalSeconds: 3600,
    });
    await stack.workflows.startConnection(created.id, { maxCyclesPerRun: 2 });
    const handle = stack.client.workflow.getHandle(connectionWorkflowId(created.id));
    const firstRun = (await handle.describe()).runId;
    expect((await sync(created.id)).statusCode).toBe(200);
    const before = await handle.query(connectionStateQuery);
    expect(before.ordersWatermark).toEqual(expect.any(String));
    for (let i = 0; i < 3; i++) expect((await sync(created.id)).statusCode).toBe(200);
    const after = await waitFor(
      () => stack.client.workflow.getHandle(connectionWorkflowId(created.id)).query(connectionStateQuery),
      (s) => (s.runs ?? 0) >= 1,
    );
    expect(after.runs).toBeGreaterThanOrEqual(1);
    expect(Date.parse(after.ordersWatermark!)).toBeGreaterThanOrEqual(Date.parse(before.ordersWatermark!));
    expect(
      (await stack.client.workflow.getHandle(connectionWorkflowId(created.id)).describe()).runId,
    ).not.toBe(firstRun);
    const last = (await sync(created.id)).json();
    expect(last).toEqual({ ordersFound: 1, ordersStarted: 0, returnsFound: 0 });
    // A finished history replays to its end: delete the connection first.
    expect((await api('DELETE', `/connections/${created.id}`)).statusCode).toBe(204);
    await stack.client.workflow.getHandle(connectionWorkflowId(created.id)).result();
    await recordHistory(stack.client, connectionWorkflowId(created.id), 'connection-after-continue-as-new');
  });
});

describe('connection workflow against a failing Spartoo', () => {
  let stack: TestStack;
  let sandbox: Sandbox;
  beforeAll(async () => {
    [stack, sandbox] = await Promise.all([startTestStack(), startSandbox()]);
    await stack.store.upsertProducts(
      ['F-1', 'F-2', 'F-3', 'F-4', 'F-5'].map((id) => ({ id, stock: 10, priceFinalInclTaxCents: 1000 })),
    );
  });
  afterAll(async () => {
    await stack?.close();
    await sandbox?.close();
  });

  it('ends with the right state when 20% of calls fail, and reports -429 until the quota frees up', async () => {
    const partenaire = `P-${randomUUID().slice(0, 8)}`;
    const ids: string[] = [];
    for (const id of ['F-1', 'F-2', 'F-3', 'F-4', 'F-5']) {
      ids.push(
        await sandbox.createOrder(partenaire, {
          products: [{ ...line(id, 1, '10.00'), products_reference: id }],
        }),
      );
    }
    await sandbox.setFaults({ failureRate: 0.2, latencyMs: 20 });
    const res = await stack.app.inject({
      method: 'POST',
      url: '/connections',
      headers: stack.auth,
      payload: {
        name: 'Faulty',
        apiKey: partenaire,
        baseUrl: sandbox.baseUrl,
        autoAccept: true,
        pollIntervalSeconds: 10,
      },
    });
    const id = res.json().id as string;
    const statuses = await waitFor(
      () => Promise.all(ids.map(async (o) => (await stack.orders.get(id, o))?.status)),
      (s) => s.every((x) => x === 'AWAITING_SHIPMENT'),
      90_000,
      500,
    );
    expect(statuses).toEqual(ids.map(() => 'AWAITING_SHIPMENT'));
    for (const o of ids) expect((await sandbox.order(o)).orders_status_id).toBe(2);
    const storeOrders = (
      await stack.app.inject({ method: 'GET', url: `/store/orders?connectionId=${id}`, headers: stack.auth })
    ).json().items;
    expect(storeOrders.map((s: { marketplaceOrderId: string }) => s.marketplaceOrderId).sort()).toEqual(
      [...ids].sort(),
    );
    for (const p of ['F-1', 'F-2', 'F-3', 'F-4', 'F-5'])
      expect((await stack.store.getProduct(p))!.stock).toBe(9);

    // The connection's first stock push may still be running, and retries -429 for minutes under the
    // quota below: the syncs are answered beside it (workflows/connection.ts, patch stock-push-beside-polls).
    await sandbox.setFaults({ rateLimitPerHour: 1 });
    await stack.app.inject({ method: 'POST', url: `/connections/${id}/sync`, headers: stack.auth });
    const limited = await stack.app.inject({
      method: 'POST',
      url: `/connections/${id}/sync`,
      headers: stack.auth,
    });
    expect(limited.statusCode).toBe(502);
    expect(limited.json().detail).toContain('-429');
    const shown = (
      await stack.app.inject({ method: 'GET', url: `/connections/${id}`, headers: stack.auth })
    ).json();
    expect(shown.lastPoll).toMatchObject({ ok: false, error: expect.stringContaining('-429') });
    await sandbox.setFaults({});
    const ok = await stack.app.inject({
      method: 'POST',
      url: `/connections/${id}/sync`,
      headers: stack.auth,
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ ordersFound: 5, ordersStarted: 0 });
  });
});
