import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Address } from '../domain/types';
import { ImportRejectedError, type ImportRequest, StoreAccessError } from '../store/store';
import { createWooCommerceStore, RESTOCK_META, transactionMarker } from '../store/woocommerce/adapter';
import { verifyWooCommerceWebhook } from '../store/woocommerce/webhooks';
import { startReceiver, startWooCommerceSandbox, type WooCommerceSandbox } from './support/woocommerce';

/**
 * The WooCommerce adapter against the sandbox, for what the shared store contract does not cover:
 * variations, what an import writes into the shop, lost answers on both order storages, WooCommerce's
 * refusals and access errors (with messages free of keys and customer data), restock lost answers,
 * the configured tracking meta key, webhook subscription and the catalogue of variable products.
 */
let shop: WooCommerceSandbox;
let receiver: Awaited<ReturnType<typeof startReceiver>>;

beforeAll(async () => {
  shop = await startWooCommerceSandbox();
  receiver = await startReceiver();
});
afterAll(async () => {
  await shop?.close();
  await receiver?.close();
});
beforeEach(async () => {
  await shop.admin('POST', '/reset');
  receiver.received.length = 0;
});

const storeFor = (
  overrides: {
    consumerKey?: string;
    consumerSecret?: string;
    url?: string;
    webhookSecret?: string;
    trackingMetaKey?: string;
  } = {},
  fetchImpl?: typeof fetch,
) =>
  createWooCommerceStore(
    {
      url: overrides.url ?? shop.url,
      consumerKey: overrides.consumerKey ?? shop.key,
      consumerSecret: overrides.consumerSecret ?? shop.secret,
      ...(overrides.webhookSecret ? { webhookSecret: overrides.webhookSecret } : {}),
      ...(overrides.trackingMetaKey ? { trackingMetaKey: overrides.trackingMetaKey } : {}),
    },
    { publicUrl: `${receiver.url}/`, storeId: 'store-1', ...(fetchImpl ? { fetch: fetchImpl } : {}) },
  );

const BUYER: Address = {
  firstName: 'Camille',
  lastName: 'Durand',
  company: '',
  street: '1 rue de la Paix',
  suburb: 'Bâtiment B',
  city: 'Paris',
  postcode: '75002',
  state: '',
  country: 'FR',
  email: 'camille.secret@example.com',
  phone: '+33600000000',
};
const RELAY: Address = {
  ...BUYER,
  company: 'Relais Tabac de la Gare',
  street: '12 avenue de la Gare',
  suburb: '',
  city: 'Lyon',
  postcode: '69002',
  relayPointId: 'MR-012345',
};

const request = (
  marketplaceOrderId: string,
  lines: { key: string; quantity: number; unitPriceCents?: number }[],
  attribute = 'sku',
): ImportRequest => {
  const items = lines.map((l, i) => ({
    line: i + 1,
    key: l.key,
    name: `Line ${i + 1}`,
    quantity: l.quantity,
    unitPriceCents: l.unitPriceCents ?? 4500,
  }));
  return {
    connectionId: 'conn-1',
    marketplaceOrderId,
    identificationAttribute: attribute,
    billingAddress: BUYER,
    shippingAddress: RELAY,
    shippingMethod: 'Mondial Relay',
    lines: items,
    totalCents: items.reduce((s, l) => s + l.quantity * l.unitPriceCents, 0) + 490,
  };
};

describe('products', () => {
  it('finds variations by id, sku, ean and meta; leaves variable parents out; maps prices and stock', async () => {
    const [parent, v40, v41] = await shop.addVariable('Boot', 'BOOT', [
      { size: '40', sku: 'BOOT-40', ean: '3000000000400', price: '89.90', stock: 4, meta: { ref: 'R-40' } },
      { size: '41', sku: 'BOOT-41', ean: '3000000000417', price: '89.90', stock: 0, meta: { ref: 'R-41' } },
    ]);
    await shop.ok('PUT', `/products/${parent.id}/variations/${v41.id}`, { sale_price: '69.90' });
    const unmanaged = await shop.addProduct({ sku: 'FREE', stock: null, regularPrice: '10.00' });
    const store = storeFor();

    const byId = await store.productsByKeys('id', [
      String(v40.id),
      String(parent.id),
      String(unmanaged.id),
      '999999',
      'abc',
    ]);
    expect(byId.map((p) => p.id)).toEqual([String(unmanaged.id), String(v40.id)].sort());
    const bySku = await store.productsByKeys('sku', ['BOOT-41', 'BOOT', 'BOOT-40']);
    expect(bySku).toEqual([
      {
        id: String(v40.id),
        sku: 'BOOT-40',
        ean: '3000000000400',
        reference: 'BOOT',
        name: 'Boot - 40',
        stock: 4,
        priceFinalInclTaxCents: 8990,
        priceOriginalInclTaxCents: 8990,
        attributes: { ref: 'R-40' },
      },
      expect.objectContaining({
        id: String(v41.id),
        stock: 0,
        priceFinalInclTaxCents: 6990,
        priceOriginalInclTaxCents: 8990,
      }),
    ]);
    expect((await store.productsByKeys('ean', ['3000000000417'])).map((p) => p.id)).toEqual([String(v41.id)]);
    expect((await store.productsByKeys('attributes.ref', [' R-41 ', 'R-40'])).map((p) => p.id)).toEqual([
      String(v40.id),
      String(v41.id),
    ]);
    expect(await store.productsByKeys('sku', ['FREE'])).toEqual([
      expect.objectContaining({ stock: 0, reference: 'FREE' }),
    ]);
  });

  it('catalogue: products by id with each variable product replaced by its variations, cursors resume', async () => {
    const a = await shop.addProduct({ sku: 'A' });
    const [, v1, v2, v3] = await shop.addVariable('Boot', 'BOOT', [
      { size: '40' },
      { size: '41' },
      { size: '42' },
    ]);
    const b = await shop.addProduct({ sku: 'B' });
    await shop.ok('POST', '/products', { name: 'Group', type: 'grouped' });
    const store = storeFor();
    const ids: string[] = [];
    const cursors: (string | undefined)[] = [];
    let after: string | undefined;
    do {
      const page = await store.catalogue({ after, limit: 2 });
      expect(page.products.length).toBeLessThanOrEqual(2);
      ids.push(...page.products.map((p) => p.id));
      cursors.push(page.next);
      after = page.next;
    } while (after);
    expect(ids).toEqual([a.id, v1.id, v2.id, v3.id, b.id].map(String));
    const resumed = await store.catalogue({ after: cursors[0], limit: 10 });
    expect(resumed.products.map((p) => p.id)).toEqual([v2.id, v3.id, b.id].map(String));
    expect(resumed.next).toBeUndefined();
    await expect(store.catalogue({ after: 'garbage', limit: 2 })).rejects.toThrow(/cursor/);
  });
});

describe('import', () => {
  it('writes the order WooCommerce-style: paid, addresses with the relay point, shipping line, lines at the prices paid, meta', async () => {
    const p = await shop.addProduct({ sku: 'S1', regularPrice: '59.90', stock: 5 });
    const [, v] = await shop.addVariable('Boot', 'BOOT', [{ size: '40', sku: 'BOOT-40', stock: 3 }]);
    const { order, created } = await storeFor().importOrder(
      request('SP-1', [
        { key: 'S1', quantity: 2, unitPriceCents: 4500 },
        { key: 'BOOT-40', quantity: 1, unitPriceCents: 7990 },
      ]),
    );
    expect(created).toBe(true);
    expect(order).toEqual({ id: expect.stringMatching(/^\d+$/), marketplaceOrderId: 'SP-1', status: 'OPEN' });
    const held = await shop.ok('GET', `/orders/${order.id}`);
    expect(held).toMatchObject({
      status: 'processing',
      created_via: 'spartoo-sync',
      transaction_id: transactionMarker('SP-1'),
      payment_method_title: 'Spartoo',
      total: '174.80',
      billing: {
        first_name: 'Camille',
        address_1: '1 rue de la Paix',
        address_2: 'Bâtiment B',
        email: 'camille.secret@example.com',
        country: 'FR',
      },
      shipping: {
        company: 'Relais Tabac de la Gare',
        address_1: '12 avenue de la Gare',
        address_2: 'Relay point MR-012345',
        city: 'Lyon',
      },
      shipping_lines: [{ method_id: 'spartoo', method_title: 'Mondial Relay', total: '4.90' }],
      line_items: [
        { product_id: p.id, variation_id: 0, quantity: 2, total: '90.00', subtotal: '90.00' },
        { product_id: v.parent_id, variation_id: v.id, quantity: 1, total: '79.90' },
      ],
    });
    expect(held.meta_data.map((m: { key: string; value: string }) => [m.key, m.value])).toEqual([
      ['_spartoo_order_id', 'SP-1'],
      ['_spartoo_connection_id', 'conn-1'],
      ['_spartoo_relay_point_id', 'MR-012345'],
    ]);
    expect(await shop.stockOf(p.id)).toBe(3);
    expect(await shop.stockOf(v.id)).toBe(2);
  });

  it('leaves out a malformed email rather than have WordPress refuse the order', async () => {
    await shop.addProduct({ sku: 'S1' });
    const r = request('SP-mail', [{ key: 'S1', quantity: 1 }]);
    r.billingAddress = { ...BUYER, email: 'not-an-email' };
    const { order } = await storeFor().importOrder(r);
    expect((await shop.ok('GET', `/orders/${order.id}`)).billing.email).toBe('');
  });

  it.each(['hpos', 'cpt'] as const)(
    'a lost answer on %s storage: the retry finds the order, one order and one stock taking',
    async (storage) => {
      await shop.admin('PUT', '/settings', { orderStorage: storage });
      const p = await shop.addProduct({ sku: 'S1', stock: 5 });
      // Older orders, so that a search alone would not be enough on posts storage.
      const store = storeFor();
      await store.importOrder(request('SP-older', [{ key: 'S1', quantity: 1 }]));
      await shop.admin('PUT', '/faults', {
        next: [{ method: 'POST', pathPrefix: '/wp-json/wc/v3/orders', fault: 'lost_response' }],
      });
      const result = await store.importOrder(request('SP-lost', [{ key: 'S1', quantity: 2 }]));
      expect(result.created).toBe(false);
      const again = await store.importOrder(request('SP-lost', [{ key: 'S1', quantity: 2 }]));
      expect(again).toEqual(result);
      const orders = await shop.ok('GET', '/orders?per_page=100');
      expect(
        orders.filter((o: { transaction_id: string }) => o.transaction_id === transactionMarker('SP-lost')),
      ).toHaveLength(1);
      expect(await shop.stockOf(p.id)).toBe(2);
      expect(await store.findOrder('conn-1', 'SP-lost')).toEqual(result.order);
      expect(await store.findOrder('conn-other', 'SP-lost')).toBeUndefined();
    },
  );

  it('a 500 creates nothing and throws an ordinary (retried) error; the retry creates the order', async () => {
    await shop.addProduct({ sku: 'S1', stock: 5 });
    const store = storeFor();
    await shop.admin('PUT', '/faults', {
      next: [{ method: 'POST', pathPrefix: '/wp-json/wc/v3/orders', fault: 'http_500' }],
    });
    const error = await store.importOrder(request('SP-500', [{ key: 'S1', quantity: 1 }])).catch((e) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(ImportRejectedError);
    expect(error).not.toBeInstanceOf(StoreAccessError);
    expect(error.message).toMatch(/500 internal_server_error/);
    expect((await store.importOrder(request('SP-500', [{ key: 'S1', quantity: 1 }]))).created).toBe(true);
  });

  it('an order WooCommerce refuses (a 4xx) is an ImportRejectedError naming its code', async () => {
    await shop.addProduct({ sku: 'S1' });
    const refusing: typeof fetch = async (input, init) => {
      if (init?.method === 'POST' && String(input).endsWith('/orders')) {
        return new Response(
          JSON.stringify({
            code: 'woocommerce_rest_invalid_shipping_item',
            message: 'Shipping method ID is required.',
            data: { status: 400 },
          }),
          { status: 400, headers: { 'content-type': 'application/json' } },
        );
      }
      return fetch(input, init);
    };
    const error = await storeFor({}, refusing)
      .importOrder(request('SP-400', [{ key: 'S1', quantity: 1 }]))
      .catch((e) => e);
    expect(error).toBeInstanceOf(ImportRejectedError);
    expect(error.message).toMatch(/400 woocommerce_rest_invalid_shipping_item/);
  });
});

describe('access errors', () => {
  it('a revoked key, a read-only key, a user without the capability, a wrong secret and a missing API are StoreAccessError', async () => {
    await shop.addProduct({ sku: 'S1' });
    const cases: [string, () => Promise<unknown>][] = [
      ['wrong secret', () => storeFor({ consumerSecret: 'cs_wrong' }).productsByKeys('sku', ['S1'])],
      ['no such site', () => storeFor({ url: `${shop.url}/not-wordpress` }).productsByKeys('sku', ['S1'])],
    ];
    for (const [what, call] of cases) {
      const error = await call().catch((e: Error) => e);
      expect(error, what).toBeInstanceOf(StoreAccessError);
      expect((error as Error).message, what).not.toContain('cs_wrong');
    }
    await shop.admin('PATCH', `/keys/${shop.key}`, { permissions: 'read' });
    const readOnly = await storeFor()
      .importOrder(request('SP-ro', [{ key: 'S1', quantity: 1 }]))
      .catch((e) => e);
    expect(readOnly).toBeInstanceOf(StoreAccessError);
    expect(readOnly.message).toMatch(/401 woocommerce_rest_authentication_error/);
    await shop.admin('PATCH', `/keys/${shop.key}`, { permissions: 'read_write', capable: false });
    const forbidden = await storeFor()
      .test()
      .catch((e) => e);
    expect(forbidden).toBeInstanceOf(StoreAccessError);
    expect(forbidden.message).toMatch(/403 woocommerce_rest_cannot_view/);
    await shop.admin('DELETE', `/keys/${shop.key}`);
    const revoked = await storeFor()
      .orderEventsSince(new Date())
      .catch((e) => e);
    expect(revoked).toBeInstanceOf(StoreAccessError);
  });

  it('network failures are ordinary errors, and no error message carries keys or customer data', async () => {
    const closed = await startReceiver();
    await closed.close();
    const down = createWooCommerceStore(
      { url: closed.url, consumerKey: 'ck_live_1234', consumerSecret: 'cs_live_5678' },
      { publicUrl: 'http://x', storeId: 's' },
    );
    const error = await down.importOrder(request('SP-net', [{ key: 'S1', quantity: 1 }])).catch((e) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(StoreAccessError);
    expect(error.message).toMatch(/ECONNREFUSED/);
    await shop.addProduct({ sku: 'S1' });
    await shop.admin('PUT', '/faults', { next: [{ method: 'POST', fault: 'http_500' }] });
    const messages = [
      error.message,
      (
        await storeFor()
          .importOrder(request('SP-x', [{ key: 'S1', quantity: 1 }]))
          .catch((e) => e)
      ).message,
      (
        await storeFor()
          .importOrder(request('SP-y', [{ key: 'NOPE', quantity: 1 }]))
          .catch((e) => e)
      ).message,
      (
        await storeFor({ consumerSecret: 'cs_bad_secret' })
          .test()
          .catch((e) => e)
      ).message,
    ].join('\n');
    for (const secret of [
      'ck_live_1234',
      'cs_live_5678',
      shop.secret,
      'cs_bad_secret',
      'camille',
      'Durand',
      'Paix',
      '+336',
    ]) {
      expect(messages).not.toContain(secret);
    }
  });
});

describe('cancel, restock and shop events', () => {
  it('restocks a variation once per key, also when the answer was lost', async () => {
    const [, v] = await shop.addVariable('Boot', 'BOOT', [{ size: '40', sku: 'BOOT-40', stock: 1 }]);
    const store = storeFor();
    await shop.admin('PUT', '/faults', { next: [{ method: 'PUT', fault: 'lost_response' }] });
    await expect(store.restock(String(v.id), 2, 'return-1')).rejects.toThrow();
    expect(await shop.stockOf(v.id)).toBe(3);
    expect(await store.restock(String(v.id), 2, 'return-1')).toEqual({ changed: false });
    expect(await shop.stockOf(v.id)).toBe(3);
    expect(await store.restock(String(v.id), 1, 'return-2')).toEqual({ changed: true });
    expect(await shop.stockOf(v.id)).toBe(4);
    const held = await shop.ok('GET', `/products/${v.id}`);
    expect(held.meta_data.find((m: { key: string }) => m.key === RESTOCK_META).value).toEqual([
      'return-1',
      'return-2',
    ]);
    const unmanaged = await shop.addProduct({ stock: null });
    expect(await store.restock(String(unmanaged.id), 1, 'return-3')).toEqual({ changed: false });
  });

  it('orderEventsSince reads a configured tracking meta key, and only our orders', async () => {
    await shop.addProduct({ sku: 'S1' });
    const store = storeFor({ trackingMetaKey: '_tracking_number' });
    const { order } = await store.importOrder(request('SP-ev', [{ key: 'S1', quantity: 1 }]));
    const foreign = await shop.ok('POST', '/orders', {
      set_paid: true,
      line_items: [{ sku: 'S1', quantity: 1 }],
    });
    const since = new Date(Math.floor(Date.now() / 1000) * 1000);
    await shop.admin('POST', `/orders/${order.id}/ship`, {
      trackingNumber: 'XYZ-1',
      metaKey: '_tracking_number',
    });
    await shop.ok('PUT', `/orders/${foreign.id}`, { status: 'completed' });
    const events = await store.orderEventsSince(since);
    expect(events).toEqual([
      {
        storeOrderId: order.id,
        marketplaceOrderId: 'SP-ev',
        connectionId: 'conn-1',
        kind: 'shipped',
        shipment: { carrier: '', trackingNumber: 'XYZ-1' },
        at: expect.any(String),
      },
    ]);
    expect(await store.findOrder('conn-1', 'SP-ev')).toMatchObject({
      status: 'SHIPPED',
      shipment: { trackingNumber: 'XYZ-1' },
    });
  });

  it('cancels a shipped order too (WooCommerce restores its stock), once', async () => {
    const p = await shop.addProduct({ sku: 'S1', stock: 3 });
    const store = storeFor();
    const { order } = await store.importOrder(request('SP-c', [{ key: 'S1', quantity: 2 }]));
    await shop.admin('POST', `/orders/${order.id}/ship`, { trackingNumber: 'T' });
    expect(await store.cancelOrder(order.id)).toEqual({ changed: true });
    expect(await store.cancelOrder(order.id)).toEqual({ changed: false });
    expect(await shop.stockOf(p.id)).toBe(3);
    await expect(store.cancelOrder('999999')).rejects.toThrow(/not found/);
  });
});

describe('test() and webhooks', () => {
  it('names the shop, counts products, subscribes order.updated at PUBLIC_URL/hooks/woocommerce/<storeId>, signed with the consumer secret', async () => {
    await shop.addProduct({ sku: 'S1' });
    await shop.addVariable('Boot', 'BOOT', [{ size: '40' }, { size: '41' }]);
    const store = storeFor();
    expect(await store.test()).toEqual({
      shopName: 'WooCommerce Sandbox',
      productCount: 2,
      webhooksRegistered: 1,
    });
    expect(await store.test()).toMatchObject({ webhooksRegistered: 1 });
    const hooks = await shop.ok('GET', '/webhooks');
    expect(hooks).toEqual([
      expect.objectContaining({
        topic: 'order.updated',
        status: 'active',
        delivery_url: `${receiver.url}/hooks/woocommerce/store-1`,
      }),
    ]);
    const pings = receiver.received.filter((r) => r.rawBody.toString().startsWith('webhook_id='));
    expect(pings).toHaveLength(2);
    expect(pings.every((r) => r.path === '/hooks/woocommerce/store-1')).toBe(true);

    const { order } = await store.importOrder(request('SP-hook', [{ key: 'S1', quantity: 1 }]));
    // The import's delivery is sent before the cancel: one still pending would take the cancel's place
    // (one pending delivery per webhook and order, store/woocommerce/sandbox/deliveries.ts), which on a
    // loaded machine left a single delivery here.
    await shop.deliveries();
    await shop.admin('POST', `/orders/${order.id}/cancel`);
    await shop.deliveries();
    const deliveries = receiver.received.filter((r) => r.headers['x-wc-webhook-topic'] === 'order.updated');
    expect(deliveries.length).toBeGreaterThanOrEqual(2);
    for (const d of deliveries)
      expect(verifyWooCommerceWebhook(d.rawBody, d.headers, shop.secret)).toBe(true);

    await store.unsubscribe?.();
    expect(await shop.ok('GET', '/webhooks')).toEqual([]);
  });

  it('signs with the webhookSecret when the store has one, and keeps other subscriptions', async () => {
    await shop.ok('POST', '/webhooks', {
      topic: 'product.updated',
      delivery_url: 'https://elsewhere.example/hook',
      secret: 'theirs',
    });
    const store = storeFor({ webhookSecret: 'whsec_store' });
    await store.test();
    await shop.addProduct({ sku: 'S1' });
    const { order } = await store.importOrder(request('SP-sec', [{ key: 'S1', quantity: 1 }]));
    await shop.admin('POST', `/orders/${order.id}/cancel`);
    await shop.deliveries();
    const d = receiver.received.find((r) => r.headers['x-wc-webhook-topic'] === 'order.updated')!;
    expect(verifyWooCommerceWebhook(d.rawBody, d.headers, 'whsec_store')).toBe(true);
    expect(verifyWooCommerceWebhook(d.rawBody, d.headers, shop.secret)).toBe(false);
    await store.unsubscribe?.();
    expect((await shop.ok('GET', '/webhooks')).map((w: { delivery_url: string }) => w.delivery_url)).toEqual([
      'https://elsewhere.example/hook',
    ]);
  });
});
