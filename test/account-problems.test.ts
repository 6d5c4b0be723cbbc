import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionStateQuery, connectionWorkflowId } from '../workflows/messages';
import { recordHistory } from './support/histories';
import { type Sandbox, STOCK_SCRIPTS, startSandbox } from './support/sandbox';
import { startTestStack, type TestStack } from './support/stack';
import { waitFor } from './support/wait';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver';

/**
 * Account problems (issue 13, item 11) on the real Temporal dev server against the sandbox, whose
 * Spartoo answers -2 (key refused) to a `partenaire` it does not know: the connection carries
 * `problem`, stops polling every 10 s (back-off to 15 min), tells `connection.failing` once, and is
 * back to normal after a successful poll or a change of its settings.
 */
describe('account problems', () => {
  let stack: TestStack;
  let sandbox: Sandbox;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    [stack, sandbox, receiver] = await Promise.all([
      startTestStack(),
      startSandbox(),
      startWebhookReceiver(),
    ]);
    const hook = await api('POST', '/webhooks', {
      url: receiver.url('/failing'),
      secret: 'whsec-0123456789abcdef',
      events: ['connection.failing'],
    });
    expect(hook.statusCode).toBe(201);
  });
  afterAll(async () => {
    await stack?.close();
    await Promise.all([sandbox?.close(), receiver?.close()]);
  });

  const api = (method: string, url: string, payload?: unknown) =>
    stack.app.inject({ method: method as 'GET', url, headers: stack.auth, ...(payload ? { payload } : {}) });
  const get = async (id: string) => (await api('GET', `/connections/${id}`)).json();
  const state = (id: string) =>
    stack.client.workflow.getHandle(connectionWorkflowId(id)).query(connectionStateQuery);
  const failingAbout = (id: string) =>
    receiver.received.map((r) => JSON.parse(r.body)).filter((b) => b.connectionId === id);

  /** A connection whose key Spartoo does not know (-2), polling every 10 s. */
  async function refusedConnection() {
    const partenaire = `P-${randomUUID().slice(0, 8)}`;
    const res = await api('POST', '/connections', {
      name: 'Refused key',
      apiKey: partenaire,
      baseUrl: sandbox.baseUrl,
      pollIntervalSeconds: 10,
      stockSyncIntervalSeconds: 10,
    });
    expect(res.statusCode).toBe(201);
    const id = res.json().id as string;
    const connection = await waitFor(
      () => get(id),
      (c) => c.problem !== null,
    );
    return { id, partenaire, connection };
  }

  it('-2: problem on the connection, polls backed off, connection.failing once; a successful poll clears it', async () => {
    const { id, partenaire, connection } = await refusedConnection();
    expect(connection.problem).toEqual({
      code: -2,
      message: 'Spartoo xml_export_orders.php answered -2: partenaire unknown',
      since: connection.lastPoll.at,
    });
    expect(connection.lastPoll).toMatchObject({ ok: false });
    const listed = (await api('GET', '/connections')).json().items.find((c: { id: string }) => c.id === id);
    expect(listed.problem).toEqual(connection.problem);

    const [told] = await waitFor(
      async () => failingAbout(id),
      (b) => b.length >= 1,
    );
    expect(told).toMatchObject({
      event: 'connection.failing',
      connectionId: id,
      connectionName: 'Refused key',
      kind: 'poll',
      reason: 'account',
      failures: 1,
      problem: connection.problem,
    });

    // Polling every 10 s would have polled again by now: backed off, it has not.
    expect((await state(id)).accountBackOff).toBe(true);
    await new Promise((r) => setTimeout(r, 14_000));
    const later = await get(id);
    expect(later.lastPoll.at).toBe(connection.lastPoll.at);
    expect(later.problem).toEqual(connection.problem);
    expect(failingAbout(id)).toHaveLength(1);

    // "Synchronize Orders" still polls at once: still refused, same problem (since kept), not told again.
    expect((await api('POST', `/connections/${id}/sync`)).statusCode).toBe(502);
    expect((await get(id)).problem).toEqual(connection.problem);
    await new Promise((r) => setTimeout(r, 500));
    expect(failingAbout(id)).toHaveLength(1);

    // The merchant's account works again: the next poll clears the problem and the back-off.
    await sandbox.createMerchant(partenaire);
    expect((await api('POST', `/connections/${id}/sync`)).statusCode).toBe(200);
    expect((await get(id)).problem).toBeNull();
    expect((await state(id)).accountBackOff).toBeUndefined();

    // A finished history replays to its end: delete the connection first.
    expect((await api('DELETE', `/connections/${id}`)).statusCode).toBe(204);
    await stack.client.workflow.getHandle(connectionWorkflowId(id)).result();
    await recordHistory(stack.client, connectionWorkflowId(id), 'connection-account-problem');
  }, 60_000);

  it('a new key (PATCH) ends the back-off: the connection polls again at once', async () => {
    const { id } = await refusedConnection();
    const partenaire = `P-${randomUUID().slice(0, 8)}`;
    await sandbox.createMerchant(partenaire);
    const patched = await api('PATCH', `/connections/${id}`, { apiKey: partenaire });
    expect(patched.statusCode).toBe(200);
    const fixed = await waitFor(
      () => get(id),
      (c) => c.problem === null,
      20_000,
    );
    expect(fixed.problem).toBeNull();
    expect(fixed.lastPoll.ok).toBe(true);
    expect(failingAbout(id)).toHaveLength(1);
  });

  it('a new key during a stock push sent with the old one: that push’s refusal does not bring the back-off back', async () => {
    // Last in this file: with a product in the store, pushes reach Spartoo (and are refused too).
    await stack.store.upsertProducts([
      { id: 'SHOE-1', name: 'Shoe', stock: 3, priceFinalInclTaxCents: 5000 },
    ]);
    await sandbox.setFaults({ latencyMs: 3000, scripts: STOCK_SCRIPTS });
    try {
      // The first poll is refused; the push that follows it waits 3 s for Spartoo's -2.
      const { id } = await refusedConnection();
      const partenaire = `P-${randomUUID().slice(0, 8)}`;
      await sandbox.createMerchant(partenaire);
      expect((await api('PATCH', `/connections/${id}`, { apiKey: partenaire })).statusCode).toBe(200);
      const fixed = await waitFor(
        () => get(id),
        (c) => c.problem === null && c.lastPoll.ok === true,
        25_000,
      );
      expect(fixed.problem).toBeNull();
      expect(fixed.lastPoll.ok).toBe(true);
      expect((await state(id)).accountBackOff).toBeUndefined();
    } finally {
      await sandbox.setFaults({});
    }
  }, 60_000);
});
