import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatSpartooDateTime } from '../spartoo/values';
import { orderWorkflowId } from '../workflows/messages';
import { recordHistory } from './support/histories';
import { type Sandbox, startSandbox } from './support/sandbox';
import { startTestStack, type TestStack } from './support/stack';
import { waitFor } from './support/wait';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver';

const HOUR = 3_600_000;

/**
 * Issue 13, item 4 (acceptance deadline) and item 7 (fix an address before import), through the real
 * Temporal dev server and the Spartoo sandbox. Orders are backdated (`date_purchased`) rather than
 * waited for; the deadline's events reach a webhook of the test.
 */
describe('acceptance deadline and address correction', () => {
  let stack: TestStack;
  let sandbox: Sandbox;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    [stack, sandbox, receiver] = await Promise.all([
      startTestStack(),
      startSandbox(),
      startWebhookReceiver(),
    ]);
    await stack.store.upsertProducts([
      { id: 'DL-1', name: 'Boot', stock: 100, priceFinalInclTaxCents: 5000 },
    ]);
    const hook = await api('POST', '/webhooks', {
      url: receiver.url('/deadline'),
      secret: 'whsec-deadline-0123456789',
      events: ['order.deadline_near', 'order.deadline_passed'],
    });
    expect(hook.statusCode).toBe(201);
  });
  afterAll(async () => {
    await stack?.close();
    await Promise.all([sandbox?.close(), receiver?.close()]);
  });

  const api = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown) =>
    stack.app.inject({ method, url, headers: stack.auth, ...(payload ? { payload } : {}) });

  async function connection(settings: Record<string, unknown> = {}) {
    const partenaire = `P-${randomUUID().slice(0, 8)}`;
    await sandbox.createMerchant(partenaire);
    const res = await api('POST', '/connections', {
      name: 'Deadlines',
      apiKey: partenaire,
      baseUrl: sandbox.baseUrl,
      pollIntervalSeconds: 3600,
      stockSyncIntervalSeconds: 3600,
      ...settings,
    });
    expect(res.statusCode).toBe(201);
    return { id: res.json().id as string, partenaire };
  }
  const line = {
    products_reference: 'REF',
    products_size_reference: 'DL-1',
    products_qty: '1',
    products_price_unit: '49.90',
  };
  const order = (partenaire: string, purchasedAgoMs: number, more: Record<string, unknown> = {}) =>
    sandbox.createOrder(partenaire, {
      products: [line],
      date_purchased: formatSpartooDateTime(new Date(Date.now() - purchasedAgoMs)),
      ...more,
    });
  const details = async (connectionId: string, orderId: string) =>
    (await api('GET', `/connections/${connectionId}/orders/${orderId}`)).json();
  // biome-ignore lint/suspicious/noExplicitAny: the order details as JSON
  const until = (connectionId: string, orderId: string, done: (d: any) => boolean) =>
    waitFor(() => details(connectionId, orderId), done);
  const events = (orderId: string, event: string) =>
    receiver.of(event).filter((r) => JSON.parse(r.body).orderId === orderId);

  it('settings: acceptanceDeadlineHours (default 48, decimals, null = none) and autoRefuseAtDeadline (default false)', async () => {
    const c = await connection();
    const shown = (await api('GET', `/connections/${c.id}`)).json();
    expect(shown).toMatchObject({ acceptanceDeadlineHours: 48, autoRefuseAtDeadline: false });
    const patched = await api('PATCH', `/connections/${c.id}`, {
      acceptanceDeadlineHours: null,
      autoRefuseAtDeadline: true,
    });
    expect(patched.json()).toMatchObject({ acceptanceDeadlineHours: null, autoRefuseAtDeadline: true });
    expect(
      (await api('PATCH', `/connections/${c.id}`, { acceptanceDeadlineHours: 0.5 })).json(),
    ).toMatchObject({
      acceptanceDeadlineHours: 0.5,
    });
    const bad = await api('PATCH', `/connections/${c.id}`, {
      acceptanceDeadlineHours: 0,
      autoRefuseAtDeadline: 'yes',
    });
    expect(bad.statusCode).toBe(400);
    const fields = bad.json().errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['acceptanceDeadlineHours', 'autoRefuseAtDeadline']));
    expect((await api('PATCH', `/connections/${c.id}`, { acceptanceDeadlineHours: 1000 })).statusCode).toBe(
      400,
    );
  });

  it('48 h deadline, purchased 6 s short of it: the reminder goes out at once (once), then the order is marked past its deadline; it can still be accepted', async () => {
    const c = await connection();
    const purchasedAgo = 48 * HOUR - 6_000;
    const orderId = await order(c.partenaire, purchasedAgo);
    await stack.workflows.startOrder(c.id, orderId);
    // The order shows WAITING_ACCEPTANCE from the moment it is saved; its deadline comes with the decision.
    const waiting = await until(
      c.id,
      orderId,
      (d) => d.status === 'WAITING_ACCEPTANCE' && d.acceptanceDeadline !== null,
    );
    const deadline = Date.parse(waiting.acceptanceDeadline);
    expect(Math.abs(deadline - (Date.now() + 6_000))).toBeLessThan(10_000);
    // The grid carries it too.
    const grid = (await api('GET', `/orders?connectionId=${c.id}`)).json().items[0];
    expect(grid).toMatchObject({ orderId, acceptanceDeadline: waiting.acceptanceDeadline });

    await waitFor(
      async () => events(orderId, 'order.deadline_near'),
      (e) => e.length > 0,
    );
    const passed = await until(c.id, orderId, (d) => d.deadlinePassed === true);
    expect(passed.status).toBe('WAITING_ACCEPTANCE');
    expect(Date.now()).toBeGreaterThanOrEqual(deadline - 1000);
    await waitFor(
      async () => events(orderId, 'order.deadline_passed'),
      (e) => e.length > 0,
    );
    const near = events(orderId, 'order.deadline_near');
    expect(near).toHaveLength(1);
    expect(JSON.parse(near[0]!.body)).toMatchObject({
      event: 'order.deadline_near',
      connectionId: c.id,
      orderId,
      deadline: waiting.acceptanceDeadline,
    });
    expect((await api('GET', `/orders?connectionId=${c.id}`)).json().items[0].deadlinePassed).toBe(true);

    // Past the deadline the merchant still decides (Spartoo may have cancelled it: then it is followed).
    expect((await api('POST', `/connections/${c.id}/orders/${orderId}/accept`)).statusCode).toBe(200);
    await until(c.id, orderId, (d) => d.status === 'AWAITING_SHIPMENT');
    expect(events(orderId, 'order.deadline_near')).toHaveLength(1);
    expect(events(orderId, 'order.deadline_passed')).toHaveLength(1);
    await recordHistory(stack.client, orderWorkflowId(c.id, orderId), 'order-deadline-passed-then-accepted');
  });

  it('autoRefuseAtDeadline with a deadline of 0.002 h (7.2 s): reminded at 75 %, refused at the deadline and logged as such', async () => {
    const c = await connection({ acceptanceDeadlineHours: 0.002, autoRefuseAtDeadline: true });
    const orderId = await order(c.partenaire, 0);
    await stack.workflows.startOrder(c.id, orderId);
    const waiting = await until(
      c.id,
      orderId,
      (d) => d.status === 'WAITING_ACCEPTANCE' && d.acceptanceDeadline !== null,
    );
    expect(waiting.deadlinePassed).toBe(false);
    const refused = await until(c.id, orderId, (d) => d.status === 'REFUSED');
    expect(refused.deadlinePassed).toBe(true);
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(waiting.acceptanceDeadline) - 1000);
    expect((await sandbox.order(orderId)).orders_status_id).toBe(41);
    const refusal = refused.log.find((e: { action: string }) => e.action.includes('refused at the deadline'));
    expect(refusal).toMatchObject({ direction: 'TO_SPARTOO', result: '1' });
    await waitFor(
      async () => events(orderId, 'order.deadline_passed'),
      (e) => e.length > 0,
    );
    expect(events(orderId, 'order.deadline_near')).toHaveLength(1);
    expect(JSON.parse(events(orderId, 'order.deadline_passed')[0]!.body)).toMatchObject({ autoRefuse: true });
    await recordHistory(stack.client, orderWorkflowId(c.id, orderId), 'order-refused-at-deadline');
  });

  it('no deadline (null): nothing is held, nothing is sent', async () => {
    const c = await connection({ acceptanceDeadlineHours: null });
    const orderId = await order(c.partenaire, 72 * HOUR);
    await stack.workflows.startOrder(c.id, orderId);
    const waiting = await until(c.id, orderId, (d) => d.status === 'WAITING_ACCEPTANCE');
    expect(waiting).toMatchObject({ acceptanceDeadline: null, deadlinePassed: false });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(events(orderId, 'order.deadline_passed')).toHaveLength(0);
    expect((await details(c.id, orderId)).deadlinePassed).toBe(false);
  });

  const corrected = {
    firstName: 'Zoé',
    lastName: 'Marchand',
    company: '',
    street: '12 rue Corrigée-Unique',
    suburb: '',
    city: 'Lyon',
    postcode: '69002',
    state: '',
    country: 'France',
    phone: '0600000000',
  };

  it('item 7: an IMPORT_FAILED order gets its shipping address corrected, the retry imports it; the log keeps what was before', async () => {
    const c = await connection({ autoAccept: true });
    const orderId = await order(c.partenaire, HOUR, {
      delivery: { delivery_street_address: '', delivery_city: 'Villeavant' },
    });
    await stack.workflows.startOrder(c.id, orderId);
    const failed = await until(c.id, orderId, (d) => d.status === 'IMPORT_FAILED');
    expect(failed.lastError).toMatch(/shipping address: missing street/);

    const bad = await api('PATCH', `/connections/${c.id}/orders/${orderId}/shipping-address`, {
      ...corrected,
      street: ' ',
      postcode: '',
      email: 'not-an-email',
      extra: 1,
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors.map((e: { field: string }) => e.field)).toEqual(
      expect.arrayContaining(['street', 'postcode', 'email', 'extra']),
    );
    const missing = await api('PATCH', `/connections/${c.id}/orders/${orderId}/shipping-address`, {
      lastName: 'X',
    });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().errors.map((e: { field: string }) => e.field)).toEqual(
      expect.arrayContaining(['street', 'city', 'postcode', 'country', 'firstName', 'company']),
    );

    const res = await api('PATCH', `/connections/${c.id}/orders/${orderId}/shipping-address`, corrected);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'IMPORT_FAILED', shippingAddressCorrected: true });
    expect(res.json().shippingAddress).toEqual(corrected);
    const entry = res.json().log.at(-1);
    expect(entry.action).toMatch(/shipping address corrected/);
    expect(entry.detail).toMatch(/^before: .*Villeavant.*; after: .*12 rue Corrigée-Unique/);

    expect((await api('POST', `/connections/${c.id}/orders/${orderId}/retry`)).statusCode).toBe(200);
    const imported = await until(c.id, orderId, (d) => d.status === 'AWAITING_SHIPMENT');
    const storeOrder = await stack.store.findStoreOrder(c.id, orderId);
    expect(storeOrder?.shippingAddress).toMatchObject({ street: corrected.street, city: 'Lyon' });
    expect(imported.shippingAddress).toMatchObject({ street: corrected.street });
    // Spartoo keeps its own: the correction went to the shop only.
    const calls = await sandbox.calls(c.partenaire);
    expect(JSON.stringify(calls)).not.toContain('Corrigée');
    // Customer data stays in the order's own records: the workflow's history never holds it.
    const history = await stack.client.workflow.getHandle(orderWorkflowId(c.id, orderId)).fetchHistory();
    const text = JSON.stringify(history, (_k, v) =>
      v instanceof Uint8Array ? Buffer.from(v).toString() : v,
    );
    expect(text).toContain('importOrder');
    expect(text).not.toContain('Corrig');

    // Imported: the address can no longer be corrected.
    const late = await api('PATCH', `/connections/${c.id}/orders/${orderId}/shipping-address`, corrected);
    expect(late.statusCode).toBe(409);
    expect(late.json().detail ?? late.json().title).toMatch(/AWAITING_SHIPMENT/);
  });

  it('item 7: 409 for an order waiting for acceptance, 404 for an unknown one', async () => {
    const c = await connection();
    const orderId = await order(c.partenaire, HOUR);
    await stack.workflows.startOrder(c.id, orderId);
    await until(c.id, orderId, (d) => d.status === 'WAITING_ACCEPTANCE');
    const res = await api('PATCH', `/connections/${c.id}/orders/${orderId}/shipping-address`, corrected);
    expect(res.statusCode).toBe(409);
    expect((await details(c.id, orderId)).shippingAddressCorrected).toBe(false);
    const unknown = await api('PATCH', `/connections/${c.id}/orders/NOPE/shipping-address`, corrected);
    expect(unknown.statusCode).toBe(404);
  });
});
