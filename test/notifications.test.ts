import { createHmac, randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../activities';
import type { AppDependencies } from '../api/app';
import { errorHandler } from '../api/problem';
import { webhookRoutes } from '../api/routes/webhooks';
import { notificationDeliveries, webhooks } from '../db/schema';
import { orderWorkflowId } from '../workflows/messages';
import { notificationWorkflowId } from '../workflows/notification-messages';
import { recordHistory } from './support/histories';
import { type Sandbox, startSandbox } from './support/sandbox';
import { startTestStack, type TestStack } from './support/stack';
import { waitFor } from './support/wait';
import {
  type ReceivedWebhook,
  startSmtpServer,
  startWebhookReceiver,
  type WebhookReceiver,
} from './support/webhook-receiver';

const SECRET = 'whsec-0123456789abcdef';
/** The customer of every order here: none of it may reach a webhook or an e-mail. */
const CUSTOMER = {
  customers_firstname: 'Gwendoline',
  customers_lastname: 'Quimperlé',
  customers_street_address: '17 rue des Glycines',
  customers_telephone: '0611223344',
  customers_email_address: 'gwendoline@example.test',
};
const CUSTOMER_TRACES = ['Gwendoline', 'Quimperl', 'Glycines', '0611223344', 'gwendoline@'];

const signed = (r: ReceivedWebhook, secret = SECRET) =>
  r.headers['x-spartoo-sync-signature'] === createHmac('sha256', secret).update(r.body).digest('hex');

/**
 * Notifications (issue 13, item 5) end to end: webhooks through the API, events raised by the
 * workflows' bookkeeping, deliveries by their own workflow on the real Temporal dev server with retries,
 * received by an HTTP server and an SMTP server of the test (nothing leaves this machine).
 */
describe('notifications', () => {
  let stack: TestStack;
  let sandbox: Sandbox;
  let receiver: WebhookReceiver;
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;

  beforeAll(async () => {
    [smtp, receiver, sandbox] = await Promise.all([
      startSmtpServer(),
      startWebhookReceiver(),
      startSandbox(),
    ]);
    stack = await startTestStack({
      notifications: {
        email: { smtpUrl: smtp.url, from: 'spartoo-sync <notify@shop.test>', to: ['merchant@shop.test'] },
      },
    });
    await stack.store.upsertProducts([
      { id: 'SKU-42', name: 'Sneaker 42', stock: 50, priceFinalInclTaxCents: 5000 },
    ]);
  });
  afterAll(async () => {
    await stack?.close();
    await Promise.all([sandbox?.close(), receiver?.close(), smtp?.close()]);
  });

  const api = (method: string, url: string, payload?: unknown) =>
    stack.app.inject({ method: method as 'GET', url, headers: stack.auth, ...(payload ? { payload } : {}) });

  async function webhook(events: string[], path = `/hook-${randomUUID().slice(0, 6)}`) {
    const res = await api('POST', '/webhooks', { url: receiver.url(path), secret: SECRET, events });
    expect(res.statusCode).toBe(201);
    return { id: res.json().id as string, path };
  }
  const at = (path: string) => receiver.received.filter((r) => r.path === path);

  async function connection(settings: Record<string, unknown> = {}) {
    const partenaire = `P-${randomUUID().slice(0, 8)}`;
    await sandbox.createMerchant(partenaire);
    const res = await api('POST', '/connections', {
      name: 'Boutique Azur',
      apiKey: partenaire,
      baseUrl: sandbox.baseUrl,
      pollIntervalSeconds: 3600,
      stockSyncIntervalSeconds: 3600,
      ...settings,
    });
    expect(res.statusCode).toBe(201);
    const id = res.json().id as string;
    // The first cycle (poll and stock push) is done before the test plays Spartoo.
    await waitFor(
      async () => (await stack.connections.get(id))?.lastStockSync,
      (s) => !!s,
    );
    return { id, partenaire };
  }
  const line = (sizeReference: string) => ({
    products_reference: 'SNEAKER',
    products_size_reference: sizeReference,
    products_qty: '1',
    products_price_unit: '49.90',
    products_price_unit_with_reduce: '49.90',
  });
  const newOrder = (partenaire: string, sku = 'SKU-42') =>
    sandbox.createOrder(partenaire, { products: [line(sku)], customers: CUSTOMER });
  const status = async (connectionId: string, orderId: string) =>
    (await stack.orders.get(connectionId, orderId))?.status;
  const untilStatus = (connectionId: string, orderId: string, wanted: string) =>
    waitFor(
      () => status(connectionId, orderId),
      (s) => s === wanted,
    );

  it('POST /webhooks answers 201 without the secret, which is stored sealed; GET lists, DELETE removes', async () => {
    const created = await api('POST', '/webhooks', {
      url: receiver.url('/crud'),
      secret: SECRET,
      events: ['order.needs_decision', 'return.received'],
    });
    expect(created.statusCode).toBe(201);
    const hook = created.json();
    expect(hook).toEqual({
      id: expect.any(String),
      url: receiver.url('/crud'),
      events: ['order.needs_decision', 'return.received'],
      secret: '••••cdef',
      createdAt: expect.any(String),
    });
    expect(created.body).not.toContain(SECRET);
    const [row] = await stack.database.db.select().from(webhooks);
    expect(JSON.stringify(row)).not.toContain(SECRET);

    expect((await api('GET', `/webhooks/${hook.id}`)).json()).toEqual(hook);
    expect((await api('GET', '/webhooks')).json().items).toContainEqual(hook);
    expect((await api('GET', '/webhooks')).body).not.toContain(SECRET);
    expect((await api('DELETE', `/webhooks/${hook.id}`)).statusCode).toBe(204);
    expect((await api('GET', `/webhooks/${hook.id}`)).statusCode).toBe(404);
    expect((await api('DELETE', `/webhooks/${hook.id}`)).statusCode).toBe(404);
    expect((await api('GET', `/webhooks/${hook.id}/deliveries`)).statusCode).toBe(404);
  });

  it('refuses bad input with a 400 naming the field, and private URLs unless SPARTOO_ALLOW_CUSTOM_URL=1', async () => {
    const bad = async (payload: unknown) => {
      const res = await api('POST', '/webhooks', payload);
      expect(res.statusCode).toBe(400);
      return res.json() as { detail: string; errors: { field: string; message: string }[] };
    };
    const base = { url: receiver.url('/x'), secret: SECRET, events: ['connection.failing'] };
    expect((await bad({ ...base, url: 'file:///etc/passwd' })).errors).toEqual([
      { field: 'url', message: 'must be an http(s) URL' },
    ]);
    expect((await bad({ ...base, secret: 'short' })).errors[0]!.field).toBe('secret');
    expect((await bad({ ...base, events: ['order.eaten'] })).errors[0]!.field).toBe('events.0');
    expect((await bad({ ...base, events: [] })).errors[0]!.field).toBe('events');
    expect((await bad({ ...base, url: 'http://user:pw@hooks.example.com/' })).errors[0]!.message).toContain(
      'user name or password',
    );

    // The API as production runs it (no SPARTOO_ALLOW_CUSTOM_URL): the rule of domain/urls.ts.
    const strict = Fastify();
    strict.setValidatorCompiler(validatorCompiler);
    strict.setSerializerCompiler(serializerCompiler);
    strict.setErrorHandler(errorHandler);
    await strict.register(webhookRoutes, {
      notifications: stack.notifications,
      workflows: stack.workflows,
      allowCustomUrls: false,
    } as unknown as AppDependencies);
    for (const url of [
      'http://127.0.0.1:8080/hook',
      'http://169.254.169.254/latest',
      'https://intranet/hook',
    ]) {
      const res = await strict.inject({ method: 'POST', url: '/webhooks', payload: { ...base, url } });
      expect(res.statusCode, url).toBe(400);
      expect(res.json().detail).toContain('SPARTOO_ALLOW_CUSTOM_URL=1');
    }
    const ok = await strict.inject({
      method: 'POST',
      url: '/webhooks',
      payload: { ...base, url: 'https://hooks.example.com/spartoo' },
    });
    expect(ok.statusCode).toBe(201);
    await stack.notifications.removeWebhook(ok.json().id);
    await strict.close();
  });

  it('POST /webhooks/:id/ping sends a signed test delivery and answers its first attempt', async () => {
    const hook = await webhook(['connection.failing']);
    const res = await api('POST', `/webhooks/${hook.id}/ping`);
    expect(res.statusCode).toBe(200);
    const ping = res.json();
    expect(ping).toMatchObject({
      event: 'ping',
      status: 'delivered',
      attempt: { attempt: 1, status: 'delivered', responseStatus: 200, error: null },
    });
    const [received] = at(hook.path);
    expect(received!.headers).toMatchObject({
      'content-type': 'application/json',
      'x-spartoo-sync-event': 'ping',
      'x-spartoo-sync-delivery': ping.id,
    });
    expect(received!.headers['x-spartoo-sync-signature']).toMatch(/^[0-9a-f]{64}$/);
    expect(signed(received!)).toBe(true);
    expect(JSON.parse(received!.body)).toEqual({ event: 'ping', at: expect.any(String), webhookId: hook.id });
  });

  it('order.needs_decision: a 500 is retried by Temporal with the same delivery id, body and signature', async () => {
    const hook = await webhook(['order.needs_decision', 'order.import_failed']);
    const other = await webhook(['return.received']);
    // The first attempt of every delivery to this path fails.
    receiver.answerWith((r, seenBefore) => (r.path === hook.path && seenBefore === 0 ? 500 : 200));
    try {
      const c = await connection();
      const orderId = await newOrder(c.partenaire);
      await stack.workflows.startOrder(c.id, orderId);
      await untilStatus(c.id, orderId, 'WAITING_ACCEPTANCE');
      const received = await waitFor(
        async () => at(hook.path),
        (r) => r.length >= 2,
      );
      expect(received.map((r) => r.answered)).toEqual([500, 200]);
      const [first, second] = received as [ReceivedWebhook, ReceivedWebhook];
      expect(second.headers['x-spartoo-sync-delivery']).toBe(first.headers['x-spartoo-sync-delivery']);
      expect(second.body).toBe(first.body);
      expect(signed(first) && signed(second)).toBe(true);
      expect(second.headers['x-spartoo-sync-event']).toBe('order.needs_decision');
      const body = JSON.parse(second.body);
      expect(body).toEqual({
        event: 'order.needs_decision',
        at: expect.any(String),
        connectionId: c.id,
        connectionName: 'Boutique Azur',
        orderId,
        status: 'WAITING_ACCEPTANCE',
        spartooStatus: 11,
        reasons: ['MANUAL_ACCEPTANCE'],
      });
      for (const trace of CUSTOMER_TRACES) expect(second.body).not.toContain(trace);
      // Not subscribed: nothing.
      expect(at(other.path)).toEqual([]);

      // Both attempts are listed, newest first, a page at a time.
      const deliveryId = String(first.headers['x-spartoo-sync-delivery']);
      const page1 = (await api('GET', `/webhooks/${hook.id}/deliveries?limit=1`)).json();
      expect(page1.items).toEqual([
        {
          id: deliveryId,
          event: 'order.needs_decision',
          at: expect.any(String),
          attempt: 2,
          status: 'delivered',
          responseStatus: 200,
          error: null,
        },
      ]);
      expect(page1.nextCursor).toEqual(expect.any(String));
      const page2 = (
        await api('GET', `/webhooks/${hook.id}/deliveries?limit=1&cursor=${page1.nextCursor}`)
      ).json();
      expect(page2.items).toEqual([
        expect.objectContaining({
          id: deliveryId,
          attempt: 1,
          status: 'failed',
          responseStatus: 500,
          error: 'HTTP 500',
        }),
      ]);
      expect(page2.nextCursor).toBeNull();
      expect((await api('GET', `/webhooks/${hook.id}/deliveries?cursor=nonsense`)).statusCode).toBe(400);
      const workflow = stack.client.workflow.getHandle(notificationWorkflowId(deliveryId));
      expect(await workflow.result()).toBe('delivered');
      await recordHistory(stack.client, notificationWorkflowId(deliveryId), 'notification-retried');

      // The merchant's decision is no new "needs decision".
      expect((await api('POST', `/connections/${c.id}/orders/${orderId}/refuse`)).statusCode).toBe(200);
      await untilStatus(c.id, orderId, 'REFUSED');
      await new Promise((r) => setTimeout(r, 1000));
      expect(at(hook.path)).toHaveLength(2);
    } finally {
      receiver.answerWith(() => 200);
    }
  });

  it('order.import_failed once however often the same failure repeats; order.cancelled_on_spartoo only when Spartoo cancelled', async () => {
    const hook = await webhook(['order.import_failed', 'order.cancelled_on_spartoo']);
    const c = await connection();
    const orderId = await newOrder(c.partenaire, 'SKU-UNKNOWN');
    await stack.workflows.startOrder(c.id, orderId);
    await untilStatus(c.id, orderId, 'WAITING_ACCEPTANCE');
    await api('POST', `/connections/${c.id}/orders/${orderId}/accept`);
    await untilStatus(c.id, orderId, 'IMPORT_FAILED');
    const [failed] = await waitFor(
      async () => at(hook.path),
      (r) => r.length >= 1,
    );
    expect(JSON.parse(failed!.body)).toMatchObject({
      event: 'order.import_failed',
      orderId,
      status: 'IMPORT_FAILED',
      error: expect.stringContaining('SKU-UNKNOWN'),
    });
    // The merchant retries without fixing it: the same failure again is not told twice.
    expect((await api('POST', `/connections/${c.id}/orders/${orderId}/retry`)).statusCode).toBe(200);
    await untilStatus(c.id, orderId, 'IMPORT_FAILED');
    await new Promise((r) => setTimeout(r, 1000));
    expect(
      at(hook.path).filter((r) => r.headers['x-spartoo-sync-event'] === 'order.import_failed'),
    ).toHaveLength(1);

    // Spartoo cancels it (41): told. The merchant cancels another one (the product sends 41): not told.
    await sandbox.setOrderStatus(orderId, 41);
    await stack.client.workflow.getHandle(orderWorkflowId(c.id, orderId)).signal('spartooStatusSeen', 41);
    await untilStatus(c.id, orderId, 'CANCELLED');
    const cancelled = await waitFor(
      async () =>
        at(hook.path).filter((r) => r.headers['x-spartoo-sync-event'] === 'order.cancelled_on_spartoo'),
      (r) => r.length >= 1,
    );
    expect(JSON.parse(cancelled[0]!.body)).toMatchObject({ orderId, status: 'CANCELLED', spartooStatus: 41 });

    const auto = await connection({ autoAccept: true });
    const mine = await newOrder(auto.partenaire);
    await stack.workflows.startOrder(auto.id, mine);
    await untilStatus(auto.id, mine, 'AWAITING_SHIPMENT');
    const storeOrderId = (await stack.orders.get(auto.id, mine))!.detail.storeOrderId;
    expect((await api('POST', `/store/orders/${storeOrderId}/cancel`)).statusCode).toBe(200);
    await untilStatus(auto.id, mine, 'CANCELLED');
    await new Promise((r) => setTimeout(r, 1000));
    const aboutMine = at(hook.path).filter((r) => JSON.parse(r.body).orderId === mine);
    expect(aboutMine).toEqual([]);
  });

  it('return.received when a poll first sees a return, once', async () => {
    const hook = await webhook(['return.received']);
    const c = await connection({ autoAccept: true });
    const orderId = await newOrder(c.partenaire);
    await stack.workflows.startOrder(c.id, orderId);
    await untilStatus(c.id, orderId, 'AWAITING_SHIPMENT');
    const returnId = await sandbox.createReturn(c.partenaire, { order: orderId, return_reason: 'Too small' });
    expect((await api('POST', `/connections/${c.id}/sync`)).json()).toMatchObject({ returnsFound: 1 });
    const [received] = await waitFor(
      async () => at(hook.path),
      (r) => r.length >= 1,
    );
    expect(JSON.parse(received!.body)).toEqual({
      event: 'return.received',
      at: expect.any(String),
      connectionId: c.id,
      connectionName: 'Boutique Azur',
      returnId,
      orderId,
      status: 'WAITING_RECEPTION',
      spartooStatus: 2,
    });
    expect((await api('POST', `/connections/${c.id}/sync`)).statusCode).toBe(200);
    await new Promise((r) => setTimeout(r, 1000));
    expect(at(hook.path)).toHaveLength(1);
  });

  it('connection.failing once a poll failed 3 times in a row, once per streak', async () => {
    const hook = await webhook(['connection.failing']);
    const c = await connection();
    await sandbox.setFaults({ failureRate: 1 });
    try {
      for (let i = 1; i <= 3; i++) {
        expect((await api('POST', `/connections/${c.id}/sync`)).statusCode, `sync ${i}`).toBe(502);
        if (i < 3) expect(at(hook.path), `after ${i}`).toEqual([]);
      }
    } finally {
      await sandbox.setFaults({});
    }
    const [failing] = await waitFor(
      async () => at(hook.path),
      (r) => r.length >= 1,
    );
    expect(JSON.parse(failing!.body)).toMatchObject({
      event: 'connection.failing',
      connectionId: c.id,
      kind: 'poll',
      reason: 'failures',
      failures: 3,
      problem: null,
      error: expect.any(String),
    });
    // A success ends the streak.
    expect((await api('POST', `/connections/${c.id}/sync`)).statusCode).toBe(200);
    expect(at(hook.path)).toHaveLength(1);
    expect((await api('GET', `/connections/${c.id}`)).json().problem).toBeNull();
  }, 90_000);

  it('e-mails the same events to NOTIFY_EMAIL with ids and statuses, never the customer', async () => {
    const mails = await waitFor(
      async () => smtp.mails.filter((m) => m.raw.includes('order.needs_decision')),
      (m) => m.length >= 1,
    );
    const mail = mails[0]!;
    // Headers unfolded, quoted-printable soft line breaks joined.
    const text = mail.raw.replace(/\r\n[ \t]+/g, ' ').replace(/=\r\n/g, '');
    expect(mail.to).toEqual(['merchant@shop.test']);
    expect(mail.from).toBe('notify@shop.test');
    expect(text).toMatch(
      /^Subject: \[spartoo-sync\] Order waiting for your decision: order \S+ \(Boutique Azur\)/m,
    );
    expect(text).toContain('Status: WAITING_ACCEPTANCE');
    expect(text).toContain('This e-mail holds no customer data');
    for (const trace of CUSTOMER_TRACES) expect(mail.raw).not.toContain(trace);
    // Each e-mail is a delivery of its own, recorded like a webhook's.
    const rows = await stack.database.db.select().from(notificationDeliveries);
    expect(rows).toContainEqual(
      expect.objectContaining({
        channel: 'email',
        event: 'order.needs_decision',
        status: 'delivered',
        attempts: 1,
      }),
    );
  });

  it('notifyEvent (the acceptance deadline code) sends an event once per key', async () => {
    const hook = await webhook(['order.deadline_near']);
    const activities = createActivities({
      db: stack.database.db,
      connections: stack.connections,
      stores: stack.stores,
      temporal: { client: stack.client, taskQueue: stack.taskQueue },
      notifications: { secrets: { seal: (s) => s, open: (s) => s }, urlPolicy: { allowCustomUrls: true } },
    });
    const input = {
      event: 'order.deadline_near' as const,
      key: `deadline_near/c/${randomUUID()}`,
      connectionId: 'no-such-connection',
      orderId: '1234',
      details: { deadline: '2026-12-01T10:00:00.000Z' },
    };
    // These activities have no e-mail set up: the webhook's delivery only.
    expect(await activities.notifyEvent(input)).toEqual({ deliveries: 1 });
    await activities.notifyEvent(input);
    const [received] = await waitFor(
      async () => at(hook.path),
      (r) => r.length >= 1,
    );
    expect(JSON.parse(received!.body)).toMatchObject({
      event: 'order.deadline_near',
      orderId: '1234',
      deadline: '2026-12-01T10:00:00.000Z',
    });
    await new Promise((r) => setTimeout(r, 1000));
    expect(at(hook.path)).toHaveLength(1);
  });
});
