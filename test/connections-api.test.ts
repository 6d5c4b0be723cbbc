import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connections } from '../db/schema';
import { connectionWorkflowId } from '../workflows/messages';
import { databaseKinds } from './support/databases';
import { startTestStack, type TestStack } from './support/stack';
import { waitFor } from './support/wait';

const validSettings = { name: 'My Spartoo FR', apiKey: 'PARTNER-SECRET-1234' };

describe.each(databaseKinds())('connections over HTTP (%s)', (kind) => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ database: kind });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('answers /health 200 with Temporal and the database up, without a token', async () => {
    const res = await stack.app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok', temporal: 'up', database: 'up' });
  });

  it('refuses requests without the token, or with a wrong one, with 401 problem+json', async () => {
    const none = await stack.app.inject({ method: 'GET', url: '/connections' });
    expect(none.statusCode).toBe(401);
    expect(none.headers['content-type']).toContain('application/problem+json');
    expect(none.json()).toMatchObject({ status: 401, title: 'Unauthorized' });
    const wrong = await stack.app.inject({
      method: 'GET',
      url: '/connections',
      headers: { authorization: 'Bearer nope' },
    });
    expect(wrong.statusCode).toBe(401);
  });

  it('serves the OpenAPI document at /docs without a token', async () => {
    const res = await stack.app.inject({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    expect(Object.keys(res.json().paths)).toContain('/connections/{id}');
  });

  it('creates a connection with its key encrypted and its workflow running, then deletes both', async () => {
    const created = await stack.app.inject({
      method: 'POST',
      url: '/connections',
      headers: stack.auth,
      payload: validSettings,
    });
    expect(created.statusCode).toBe(201);
    const body = created.json();
    expect(body).toMatchObject({
      name: 'My Spartoo FR',
      apiKey: '••••1234',
      baseUrl: 'https://sws.spartoo.com/mp/',
      active: true,
      syncLevel: 'ORDERS_AND_STOCK',
      autoAccept: false,
      autoAcceptThreshold: 0.97,
      defaultShippingService: 'Colissimo',
      pollIntervalSeconds: 300,
      workflowId: connectionWorkflowId(body.id),
    });
    expect(body.temporalUiUrl).toContain(encodeURIComponent(connectionWorkflowId(body.id)));
    expect(JSON.stringify(body)).not.toContain('PARTNER-SECRET');

    const [row] = await stack.database.db.select().from(connections).where(eq(connections.id, body.id));
    expect(row).toBeDefined();
    expect(row!.apiKeyEncrypted).not.toContain('PARTNER-SECRET');
    expect(JSON.stringify(row!.settings)).not.toContain('PARTNER-SECRET');
    expect((await stack.connections.getWithApiKey(body.id))?.apiKey).toBe('PARTNER-SECRET-1234');

    const handle = stack.client.workflow.getHandle(connectionWorkflowId(body.id));
    expect((await handle.describe()).status.name).toBe('RUNNING');

    const listed = await stack.app.inject({ method: 'GET', url: '/connections', headers: stack.auth });
    expect(listed.json().items.map((c: { id: string }) => c.id)).toContain(body.id);

    const patched = await stack.app.inject({
      method: 'PATCH',
      url: `/connections/${body.id}`,
      headers: stack.auth,
      payload: { autoAccept: true, autoAcceptThreshold: 0.9, apiKey: 'NEW-KEY-9876' },
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ autoAccept: true, autoAcceptThreshold: 0.9, apiKey: '••••9876' });
    expect((await stack.connections.getWithApiKey(body.id))?.apiKey).toBe('NEW-KEY-9876');

    const deleted = await stack.app.inject({
      method: 'DELETE',
      url: `/connections/${body.id}`,
      headers: stack.auth,
    });
    expect(deleted.statusCode).toBe(204);
    expect(await stack.database.db.select().from(connections).where(eq(connections.id, body.id))).toEqual([]);
    const ended = await waitFor(
      async () => (await handle.describe()).status.name,
      (s) => s !== 'RUNNING',
    );
    expect(ended).toBe('COMPLETED');
    const gone = await stack.app.inject({
      method: 'GET',
      url: `/connections/${body.id}`,
      headers: stack.auth,
    });
    expect(gone.statusCode).toBe(404);
  });

  it('rejects invalid settings with 400 naming every bad field, and saves nothing', async () => {
    const before = (await stack.connections.list()).length;
    const res = await stack.app.inject({
      method: 'POST',
      url: '/connections',
      headers: stack.auth,
      payload: {
        name: 'Bad',
        autoAcceptThreshold: 0,
        pollIntervalSeconds: 5,
        syncLevel: 'EVERYTHING',
        syncOrdersCreatedFrom: '2026-02-30',
        defaultShippingService: 'Pigeon',
        colour: 'blue',
      },
    });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    const fields = res.json().errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        'apiKey',
        'autoAcceptThreshold',
        'pollIntervalSeconds',
        'syncLevel',
        'syncOrdersCreatedFrom',
        'defaultShippingService',
        'colour',
      ]),
    );
    expect((await stack.connections.list()).length).toBe(before);
  });

  it('rejects an invalid partial change with 400 and keeps the settings', async () => {
    const created = (
      await stack.app.inject({
        method: 'POST',
        url: '/connections',
        headers: stack.auth,
        payload: validSettings,
      })
    ).json();
    const res = await stack.app.inject({
      method: 'PATCH',
      url: `/connections/${created.id}`,
      headers: stack.auth,
      payload: { autoAcceptThreshold: 0.123456 },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toEqual([expect.objectContaining({ field: 'autoAcceptThreshold' })]);
    expect((await stack.connections.get(created.id))!.settings.autoAcceptThreshold).toBe(0.97);
  });

  it('answers malformed JSON with 400, not 500', async () => {
    const res = await stack.app.inject({
      method: 'POST',
      url: '/connections',
      headers: { ...stack.auth, 'content-type': 'application/json' },
      payload: '{"name": ',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ status: 400 });
  });
});
