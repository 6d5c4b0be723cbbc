import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stores } from '../db/schema';
import type { ShopifyConfig, ShopifySecrets } from '../domain/stores';
import { storeAdapters } from '../store/adapters';
import type { StoreAdapterDeps } from '../store/registry';
import { StoreAccessError, type StorePort } from '../store/store';
import { type Sandbox, startSandbox } from './support/sandbox';
import { startTestStack, type TestStack } from './support/stack';
import { waitFor } from './support/wait';

/**
 * A stand-in shop of kind `shopify` for the API's side of stores: the built-in store's tables behind it,
 * and a hand to revoke its token, cut it off, or see its webhooks removed. Set in this test process's
 * adapters map (the registry reads the map when it opens a store), so whatever the real Shopify adapter
 * does, these tests exercise the API, the registry and the activities only.
 */
function stubShop() {
  const state = {
    /** Every call answers 401, as after the merchant revoked the app's token. */
    revoked: false,
    /** Only orders are refused (a token without the write_orders scope). */
    refuseImports: false,
    unreachable: false,
    unsubscribed: [] as string[],
    opened: [] as ShopifySecrets[],
  };
  const factory = (_config: ShopifyConfig, secrets: ShopifySecrets, deps: StoreAdapterDeps): StorePort => {
    state.opened.push(secrets);
    const shop = deps.builtin;
    const guard = async <T>(run: () => Promise<T>): Promise<T> => {
      if (state.revoked)
        throw new StoreAccessError('Shopify answered 401 Unauthorized: the access token was revoked');
      if (state.unreachable) throw new Error('connect ECONNREFUSED 127.0.0.1:1');
      return run();
    };
    return {
      kind: 'shopify',
      productsByKeys: (attribute, keys) => guard(() => shop.productsByKeys(attribute, keys)),
      catalogue: (page) => guard(() => shop.catalogue(page)),
      importOrder: (request) =>
        guard(() => {
          if (state.refuseImports)
            throw new StoreAccessError(
              'Shopify answered 403 Forbidden: the token lacks the write_orders scope',
            );
          return shop.importOrder(request);
        }),
      findOrder: (connectionId, orderId) => guard(() => shop.findOrder(connectionId, orderId)),
      cancelOrder: (id) => guard(() => shop.cancelOrder(id)),
      restock: (id, quantity, key) => guard(() => shop.restock(id, quantity, key)),
      orderEventsSince: (since) => guard(() => shop.orderEventsSince(since)),
      test: () => guard(async () => ({ shopName: 'Stub shop', productCount: 2, webhooksRegistered: 3 })),
      unsubscribe: () => guard(async () => void state.unsubscribed.push(deps.storeId)),
    };
  };
  return { state, factory };
}

const TOKEN = 'shpat_SECRET_TOKEN_1234';
const WEBHOOK_SECRET = 'whsec_SECRET_5678';

describe('stores over HTTP', () => {
  let stack: TestStack;
  let sandbox: Sandbox;
  const shop = stubShop();
  const realShopify = storeAdapters.shopify;
  const said: string[] = [];

  beforeAll(async () => {
    storeAdapters.shopify = shop.factory;
    [stack, sandbox] = await Promise.all([startTestStack(), startSandbox()]);
    await stack.store.upsertProducts([
      { id: 'STUB-1', sku: 'STUB-SKU-1', stock: 5, priceFinalInclTaxCents: 1000 },
    ]);
  });
  afterAll(async () => {
    storeAdapters.shopify = realShopify;
    await stack?.close();
    await sandbox?.close();
    // No answer ever carried a secret in clear.
    for (const body of said) {
      expect(body).not.toContain('SECRET_TOKEN');
      expect(body).not.toContain('whsec_SECRET');
    }
  });

  const call = async (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) => {
    const res = await stack.app.inject({
      method,
      url,
      headers: stack.auth,
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
    said.push(res.body);
    return { status: res.statusCode, body: res.body ? res.json() : undefined };
  };
  const newShop = (extra: Record<string, unknown> = {}) =>
    call('POST', '/stores', {
      kind: 'shopify',
      name: 'My Shopify',
      shopUrl: 'http://127.0.0.1:3200',
      accessToken: TOKEN,
      webhookSecret: WEBHOOK_SECRET,
      ...extra,
    });

  it('lists the one built-in store, which cannot be created or deleted', async () => {
    const { body } = await call('GET', '/stores');
    expect(body.items[0]).toEqual({
      id: 'builtin',
      kind: 'builtin',
      name: 'Built-in store',
      problem: null,
      connectionIds: [],
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(await call('POST', '/stores', { kind: 'builtin', name: 'Another' })).toMatchObject({
      status: 409,
      body: { detail: expect.stringContaining('exactly one built-in store') },
    });
    expect((await call('DELETE', '/stores/builtin')).status).toBe(409);
    expect(await call('POST', '/stores/builtin/test')).toEqual({
      status: 200,
      body: { ok: true, shopName: 'Built-in store', productCount: expect.any(Number), webhooksRegistered: 0 },
    });
  });

  it('connects a shop: secrets encrypted and masked, the shop checked at once', async () => {
    const created = await newShop({
      shopUrl: 'http://127.0.0.1:3200/',
      locationIds: ['gid://shopify/Location/1'],
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      kind: 'shopify',
      name: 'My Shopify',
      shopUrl: 'http://127.0.0.1:3200',
      locationIds: ['gid://shopify/Location/1'],
      accessToken: '••••1234',
      webhookSecret: '••••5678',
      problem: null,
      connectionIds: [],
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    // The adapter got the secrets in clear; the database holds them sealed.
    expect(shop.state.opened.at(-1)).toEqual({ accessToken: TOKEN, webhookSecret: WEBHOOK_SECRET });
    const [row] = await stack.database.db.select().from(stores).where(eq(stores.id, created.body.id));
    expect(JSON.stringify(row)).not.toContain('SECRET');
    expect((await call('GET', `/stores/${created.body.id}`)).body).toEqual(created.body);
    expect((await call('GET', '/stores')).body.items.map((s: { id: string }) => s.id)).toContain(
      created.body.id,
    );
  });

  it('answers bad input with 400 naming each field, never 500', async () => {
    const bad = await call('POST', '/stores', {
      kind: 'shopify',
      name: '',
      shopUrl: 'shop.example.com',
      webhookSecret: WEBHOOK_SECRET,
      colour: 'red',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual(
      expect.arrayContaining([
        { field: 'name', message: 'is required' },
        { field: 'shopUrl', message: 'must be a <shop>.myshopify.com domain or a full http(s) URL' },
        { field: 'accessToken', message: expect.any(String) },
        { field: 'colour', message: 'is not a known field' },
      ]),
    );
    const kind = await call('POST', '/stores', { kind: 'magento', name: 'M' });
    expect(kind).toMatchObject({
      status: 400,
      body: { errors: [{ field: 'kind', message: 'must be one of builtin, shopify, woocommerce' }] },
    });
    const woo = await call('POST', '/stores', {
      kind: 'woocommerce',
      name: 'Woo',
      url: 'https://user:pw@shop.example.com',
      consumerKey: 'ck',
      consumerSecret: 'cs',
    });
    expect(woo.body.errors).toEqual([{ field: 'url', message: 'must not contain a user name or password' }]);
    const malformed = await stack.app.inject({
      method: 'POST',
      url: '/stores',
      headers: { ...stack.auth, 'content-type': 'application/json' },
      payload: '{"kind": "shopify",',
    });
    expect(malformed.statusCode).toBe(400);
  });

  it('changes a store in part: secrets replaced, checked again; fields of another kind refused', async () => {
    const { body: created } = await newShop();
    const opened = shop.state.opened.length;
    const renamed = await call('PATCH', `/stores/${created.id}`, {
      name: 'Renamed',
      accessToken: 'shpat_NEW_SECRET_TOKEN_9999',
    });
    expect(renamed).toMatchObject({ status: 200, body: { name: 'Renamed', accessToken: '••••9999' } });
    expect(shop.state.opened.length).toBe(opened + 1);
    expect(shop.state.opened.at(-1)).toEqual({
      accessToken: 'shpat_NEW_SECRET_TOKEN_9999',
      webhookSecret: WEBHOOK_SECRET,
    });
    const wrong = await call('PATCH', `/stores/${created.id}`, { consumerKey: 'ck', webhookSecret: null });
    expect(wrong).toMatchObject({
      status: 400,
      body: {
        errors: [
          { field: 'webhookSecret', message: 'is required for a shopify store and cannot be removed' },
          { field: 'consumerKey', message: 'is not a field of a shopify store' },
        ],
      },
    });
    expect((await call('PATCH', `/stores/${created.id}`, { locationIds: null })).body).not.toHaveProperty(
      'locationIds',
    );
    expect((await call('PATCH', '/stores/builtin', { name: 'Our warehouse' })).body.name).toBe(
      'Our warehouse',
    );
    expect((await call('PATCH', '/stores/nope', { name: 'x' })).status).toBe(404);
  });

  it('tests a store: 200 with what the shop said, or 502 naming what failed, shown as its problem', async () => {
    const { body: created } = await newShop();
    expect(await call('POST', `/stores/${created.id}/test`)).toEqual({
      status: 200,
      body: { ok: true, shopName: 'Stub shop', productCount: 2, webhooksRegistered: 3 },
    });
    shop.state.unreachable = true;
    try {
      const down = await call('POST', `/stores/${created.id}/test`);
      expect(down).toMatchObject({
        status: 502,
        body: { detail: `Store ${created.id} could not be checked: connect ECONNREFUSED 127.0.0.1:1` },
      });
      expect((await call('GET', `/stores/${created.id}`)).body.problem).toMatchObject({
        code: 'STORE_UNREACHABLE',
        message: 'connect ECONNREFUSED 127.0.0.1:1',
      });
    } finally {
      shop.state.unreachable = false;
    }
    expect((await call('POST', `/stores/${created.id}/test`)).status).toBe(200);
    expect((await call('GET', `/stores/${created.id}`)).body.problem).toBeNull();
    expect((await call('POST', '/stores/nope/test')).status).toBe(404);
  });

  it('gives connections a store: default builtin, an unknown one refused; a used store is not deleted', async () => {
    const { body: created } = await newShop();
    const plain = await call('POST', '/connections', { name: 'Plain', apiKey: 'KEY-PLAIN-1' });
    expect(plain.body).toMatchObject({ storeId: 'builtin', storeProblem: null });
    expect(await call('POST', '/connections', { name: 'X', apiKey: 'KEY-X', storeId: 'nope' })).toMatchObject(
      {
        status: 400,
        body: { errors: [{ field: 'storeId', message: expect.stringContaining('is not a store') }] },
      },
    );
    expect((await call('PATCH', `/connections/${plain.body.id}`, { storeId: 'nope' })).status).toBe(400);
    expect((await call('GET', `/connections/${plain.body.id}`)).body.storeId).toBe('builtin');

    const moved = await call('PATCH', `/connections/${plain.body.id}`, { storeId: created.id });
    expect(moved).toMatchObject({ status: 200, body: { storeId: created.id } });
    expect((await call('GET', `/stores/${created.id}`)).body.connectionIds).toEqual([plain.body.id]);
    const refused = await call('DELETE', `/stores/${created.id}`);
    expect(refused).toMatchObject({ status: 409, body: { detail: expect.stringContaining(plain.body.id) } });

    await call('PATCH', `/connections/${plain.body.id}`, { storeId: 'builtin' });
    expect((await call('DELETE', `/stores/${created.id}`)).status).toBe(204);
    expect(shop.state.unsubscribed).toEqual([created.id]);
    expect((await call('GET', `/stores/${created.id}`)).status).toBe(404);
    await call('DELETE', `/connections/${plain.body.id}`);
  });

  it('documents the stores routes in the OpenAPI document', async () => {
    const res = await stack.app.inject({ method: 'GET', url: '/docs/json' });
    expect(Object.keys(res.json().paths)).toEqual(
      expect.arrayContaining(['/stores', '/stores/{id}', '/stores/{id}/test']),
    );
  });

  it('a token the shop refuses parks the order with the reason and shows on the store and its connection', async () => {
    const { body: created } = await newShop();
    const partenaire = `P-${randomUUID().slice(0, 8)}`;
    const connection = await call('POST', '/connections', {
      name: 'Shopify orders',
      apiKey: partenaire,
      baseUrl: sandbox.baseUrl,
      storeId: created.id,
      productIdentificationAttribute: 'sku',
    });
    expect(connection.status).toBe(201);
    const c = connection.body.id as string;
    const line = {
      products_reference: 'STUB',
      products_size_reference: 'STUB-SKU-1',
      products_qty: '1',
      products_price_unit: '10.00',
      products_price_unit_with_reduce: '10.00',
    };
    const details = (orderId: string) =>
      call('GET', `/connections/${c}/orders/${orderId}`).then((r) => r.body);
    const waitingOrder = async () => {
      const orderId = await sandbox.createOrder(partenaire, { products: [line] });
      await stack.workflows.startOrder(c, orderId);
      await waitFor(
        () => details(orderId),
        (d) => d.status === 'WAITING_ACCEPTANCE',
      );
      return orderId;
    };
    const problemOf = (message: string) => ({ code: 'STORE_ACCESS', message, since: expect.any(String) });

    // Import refused (the token cannot write orders): IMPORT_FAILED with the reason.
    const orderId = await waitingOrder();
    shop.state.refuseImports = true;
    try {
      expect((await call('POST', `/connections/${c}/orders/${orderId}/accept`)).status).toBe(200);
      const failed = await waitFor(
        () => details(orderId),
        (d) => d.status === 'IMPORT_FAILED',
      );
      const reason = 'Shopify answered 403 Forbidden: the token lacks the write_orders scope';
      expect(failed.lastError).toBe(reason);
      expect(failed.log).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ direction: 'FROM_STORE', action: 'importOrder', result: 'NO_ACCESS' }),
        ]),
      );
      expect((await call('GET', `/stores/${created.id}`)).body.problem).toEqual(problemOf(reason));
      expect((await call('GET', `/connections/${c}`)).body.storeProblem).toEqual(problemOf(reason));
      const listed = (await call('GET', '/connections')).body.items.find((i: { id: string }) => i.id === c);
      expect(listed.storeProblem).toEqual(problemOf(reason));
    } finally {
      shop.state.refuseImports = false;
    }

    // The merchant gives the app its scope, tests the store and retries: imported into that store.
    expect((await call('POST', `/stores/${created.id}/test`)).status).toBe(200);
    expect((await call('GET', `/connections/${c}`)).body.storeProblem).toBeNull();
    expect((await call('POST', `/connections/${c}/orders/${orderId}/retry`)).status).toBe(200);
    const imported = await waitFor(
      () => details(orderId),
      (d) => d.status === 'AWAITING_SHIPMENT',
    );
    expect(imported).toMatchObject({ storeId: created.id, storeOrderId: expect.stringMatching(/^\d+$/) });

    // Token revoked altogether: even the acceptance cannot read the shop's stock; it parks with the reason.
    const second = await waitingOrder();
    shop.state.revoked = true;
    try {
      await call('POST', `/connections/${c}/orders/${second}/accept`);
      const parked = await waitFor(
        () => details(second),
        (d) => d.status === 'ACCEPT_FAILED',
      );
      expect(parked.lastError).toBe('Shopify answered 401 Unauthorized: the access token was revoked');
      expect((await call('GET', `/connections/${c}`)).body.storeProblem).toEqual(
        problemOf('Shopify answered 401 Unauthorized: the access token was revoked'),
      );
    } finally {
      shop.state.revoked = false;
    }
  });
});
