/**
 * The Shopify adapter against the Shopify sandbox, beyond the store contract: what Shopify does that
 * the built-in store never does (throttling, lost answers, revoked tokens, locations, webhooks), and
 * what the imported order looks like in the shop.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Address } from '../domain/types';
import { baseUrl, createShopifyStore, type ShopifyStoreDeps } from '../store/shopify/adapter';
import { parseShopifyWebhook, verifyShopifyWebhook } from '../store/shopify/webhooks';
import { ImportRejectedError, type ImportRequest, StoreAccessError } from '../store/store';
import {
  SHOPIFY_SECRET,
  SHOPIFY_TOKEN,
  type ShopifySandbox,
  startShopifySandbox,
  startWebhookReceiver,
} from './support/shopify';

let sandbox: ShopifySandbox;
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;

beforeAll(async () => {
  sandbox = await startShopifySandbox();
  receiver = await startWebhookReceiver();
});
afterAll(async () => {
  await sandbox.close();
  await receiver.close();
});
beforeEach(async () => {
  await sandbox.reset();
  receiver.received.length = 0;
});

const store = (deps: Partial<ShopifyStoreDeps> = {}, locationIds?: string[]) =>
  createShopifyStore(
    { shopUrl: sandbox.url, accessToken: SHOPIFY_TOKEN, webhookSecret: SHOPIFY_SECRET, locationIds },
    { publicUrl: receiver.url, storeId: 'st_1', throttle: { attempts: 6 }, ...deps },
  );

const BUYER: Address = {
  firstName: 'Léa',
  lastName: 'Martin',
  company: '',
  street: '3 place Bellecour',
  suburb: 'Bâtiment B',
  city: 'Lyon',
  postcode: '69002',
  state: '',
  country: 'France',
  email: 'lea.martin@example.com',
  phone: '06 12 34 56 78',
};
const RELAY: Address = {
  ...BUYER,
  company: 'Tabac Bellecour',
  street: '10 rue Victor Hugo',
  suburb: '',
  country: 'FR',
  relayPointId: 'MR-998877',
  email: undefined,
  phone: undefined,
};

function request(
  orderId: string,
  lines: { key: string; quantity: number; cents?: number }[],
  attribute = 'sku',
): ImportRequest {
  const items = lines.map((l, i) => ({
    line: i + 1,
    key: l.key,
    name: `Line ${i + 1}`,
    quantity: l.quantity,
    unitPriceCents: l.cents ?? 3990,
  }));
  return {
    connectionId: 'conn-1',
    marketplaceOrderId: orderId,
    identificationAttribute: attribute,
    billingAddress: BUYER,
    shippingAddress: RELAY,
    shippingMethod: 'Mondial Relay',
    lines: items,
    totalCents: items.reduce((s, l) => s + l.quantity * l.unitPriceCents, 0) + 490,
  };
}

async function variant(sku: string, available: number | Record<string, number> = 10) {
  return (await sandbox.addProduct(`Product ${sku}`, [{ sku, price: '39.90', available }])).variants[0]!;
}

describe('the order as the shop holds it', () => {
  it('is paid, takes stock, carries both addresses, the relay point, the shipping line, tags and source', async () => {
    const v = await variant('SH-1', 5);
    const { order, created } = await store().importOrder(request('SP-100', [{ key: 'SH-1', quantity: 2 }]));
    expect(created).toBe(true);
    expect(order).toEqual({
      id: expect.stringMatching(/^\d+$/),
      marketplaceOrderId: 'SP-100',
      status: 'OPEN',
    });
    expect(await sandbox.available(v.id)).toBe(3);

    const held = await sandbox.order(order.id);
    expect(held).toMatchObject({
      financial_status: 'paid',
      currency: 'EUR',
      taxes_included: true,
      tags: 'Spartoo, spartoo:conn-1:SP-100',
      source_name: 'spartoo',
      source_identifier: 'SP-100',
      po_number: 'SP-100',
      email: 'lea.martin@example.com',
      total_price: '84.7',
      line_items: [{ variant_id: v.id, quantity: 2, price: '39.9' }],
      shipping_lines: [{ title: 'Mondial Relay', price: '4.9' }],
      billing_address: {
        first_name: 'Léa',
        address1: '3 place Bellecour',
        address2: 'Bâtiment B',
        country_code: 'FR',
        zip: '69002',
      },
      shipping_address: {
        company: 'Tabac Bellecour',
        address1: '10 rue Victor Hugo',
        address2: 'Relay point MR-998877',
        city: 'Lyon',
        country_code: 'FR',
      },
      note_attributes: [
        { name: 'Spartoo order', value: 'SP-100' },
        { name: 'Relay point', value: 'MR-998877' },
      ],
      cancelled_at: null,
    });
  });

  it('refuses a country Shopify cannot know, without naming the customer, and creates nothing', async () => {
    await variant('SH-2');
    const bad = {
      ...request('SP-101', [{ key: 'SH-2', quantity: 1 }]),
      shippingAddress: { ...RELAY, country: 'Atlantis' },
    };
    const error = await store()
      .importOrder(bad)
      .catch((e: Error) => e);
    expect(error).toBeInstanceOf(ImportRejectedError);
    expect((error as Error).message).toBe("The shipping address's country is not a country Shopify knows");
    expect(await sandbox.orders()).toEqual([]);
  });
});

describe('lost answers and retries', () => {
  it('a lost orderCreate answer: the import finds the order it created instead of creating a second', async () => {
    await variant('LA-1', 5);
    await sandbox.setFaults({ next: [{ operation: 'orderCreate', kind: 'lost_response' }] });
    const { order, created } = await store().importOrder(request('SP-200', [{ key: 'LA-1', quantity: 1 }]));
    expect(created).toBe(true);
    expect(await sandbox.orders()).toHaveLength(1);
    expect((await sandbox.orders())[0].id).toBe(Number(order.id));
    // The activity's own retry finds it too.
    expect(await store().importOrder(request('SP-200', [{ key: 'LA-1', quantity: 1 }]))).toMatchObject({
      created: false,
      order: { id: order.id },
    });
    expect(await sandbox.orders()).toHaveLength(1);
  });

  it('a 500 before orderCreate ran is a transient error; the retry creates the order once', async () => {
    const v = await variant('LA-2', 5);
    await sandbox.setFaults({ next: [{ operation: 'orderCreate', kind: 'http_500' }] });
    const error = await store()
      .importOrder(request('SP-201', [{ key: 'LA-2', quantity: 1 }]))
      .catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(ImportRejectedError);
    expect(error).not.toBeInstanceOf(StoreAccessError);
    expect(await sandbox.orders()).toHaveLength(0);
    expect((await store().importOrder(request('SP-201', [{ key: 'LA-2', quantity: 1 }]))).created).toBe(true);
    expect(await sandbox.available(v.id)).toBe(4);
  });

  it('a restock whose record failed after the adjustment is replayed by Shopify (same idempotency key), not applied twice', async () => {
    const v = await variant('RS-1', 1);
    await sandbox.setFaults({ next: [{ operation: 'metafieldsSet', kind: 'http_500' }] });
    await expect(store().restock(String(v.id), 2, 'return-1')).rejects.toThrow(/HTTP 500/);
    expect(await sandbox.available(v.id)).toBe(3);
    expect(await store().restock(String(v.id), 2, 'return-1')).toEqual({ changed: true });
    expect(await sandbox.available(v.id)).toBe(3);
    expect(await store().restock(String(v.id), 2, 'return-1')).toEqual({ changed: false });
    expect((await sandbox.variant(v.id)).metafields).toEqual([
      expect.objectContaining({ namespace: 'spartoo_sync_restocks', type: 'json' }),
    ]);
  });

  it('a cancel whose answer was lost: the repeat sees the order cancelled and changes nothing more', async () => {
    const v = await variant('CA-1', 4);
    const { order } = await store().importOrder(request('SP-202', [{ key: 'CA-1', quantity: 3 }]));
    await sandbox.setFaults({ next: [{ operation: 'orderCancel', kind: 'lost_response' }] });
    await expect(store().cancelOrder(order.id)).rejects.toThrow();
    expect(await store().cancelOrder(order.id)).toEqual({ changed: false });
    expect(await sandbox.available(v.id)).toBe(4);
    expect((await sandbox.order(order.id)).cancelled_at).not.toBeNull();
  });
});

describe('throttling and access', () => {
  it('backs off on THROTTLED using throttleStatus, and succeeds', async () => {
    await variant('TH-1');
    await sandbox.setFaults({ bucket: { maximumAvailable: 300, restoreRate: 200, currentlyAvailable: 0 } });
    const found = await store().productsByKeys('sku', ['TH-1']);
    expect(found.map((p) => p.sku)).toEqual(['TH-1']);
    const calls = await sandbox.calls();
    expect(calls.some((c) => c.throttled)).toBe(true);
    expect(calls.at(-1)!.throttled).toBeFalsy();
  });

  it('gives up after its attempts with an ordinary (retryable) error, also on HTTP 429', async () => {
    await sandbox.setFaults({
      throttledStatus: 429,
      next: Array.from({ length: 3 }, () => ({ kind: 'throttled' as const })),
    });
    const error = await store({ throttle: { attempts: 3, maxWaitMs: 20 } })
      .test()
      .catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(StoreAccessError);
    expect((error as Error).message).toMatch(/throttled/);
  });

  it('a revoked token or a missing scope is a StoreAccessError that names neither the token nor the customer', async () => {
    await variant('AC-1');
    await sandbox.setToken({ revoked: true });
    const revoked = await store()
      .importOrder(request('SP-300', [{ key: 'AC-1', quantity: 1 }]))
      .catch((e: Error) => e);
    expect(revoked).toBeInstanceOf(StoreAccessError);
    expect((revoked as Error).message).toMatch(/401/);
    await sandbox.setToken({ revoked: false, scopes: ['read_products', 'read_inventory'] });
    const scope = await store()
      .importOrder(request('SP-300', [{ key: 'AC-1', quantity: 1 }]))
      .catch((e: Error) => e);
    expect(scope).toBeInstanceOf(StoreAccessError);
    expect((scope as Error).message).toMatch(/read_orders/);
    for (const error of [revoked, scope] as Error[]) {
      for (const secret of [SHOPIFY_TOKEN, 'Martin', 'lea.martin', 'Bellecour'])
        expect(error.message).not.toContain(secret);
    }
  });

  it('a network failure is an ordinary error without the token', async () => {
    await sandbox.setFaults({ next: [{ kind: 'network' }] });
    const error = await store()
      .findOrder('conn-1', 'SP-1')
      .catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(StoreAccessError);
    expect((error as Error).message).not.toContain(SHOPIFY_TOKEN);
  });
});

describe('locations', () => {
  it('counts stock at the configured locations only (all active ones when none), and restocks there', async () => {
    const [first] = await sandbox.admin<{ id: number; gid: string }[]>('GET', '/_sandbox/locations');
    const second = await sandbox.addLocation('Warehouse');
    const v = await variant('LO-1', { [String(first!.id)]: 2, [String(second.id)]: 7 });
    expect((await store().productsByKeys('id', [String(v.id)]))[0]!.stock).toBe(9);
    const warehouse = store({}, [String(second.id)]);
    expect((await warehouse.productsByKeys('sku', ['LO-1']))[0]!.stock).toBe(7);
    expect((await warehouse.catalogue({ limit: 10 })).products[0]!.stock).toBe(7);
    await warehouse.restock(String(v.id), 3, 'ret-9');
    expect((await sandbox.variant(v.id)).inventory).toEqual([
      expect.objectContaining({ locationId: first!.id, available: 2 }),
      expect.objectContaining({ locationId: second.id, available: 10 }),
    ]);
  });
});

describe('lookups', () => {
  it('checks tokenized search hits exactly, and takes the lowest id among variants sharing a key', async () => {
    const a = await variant('DUP-1');
    await variant('DUP-1-X');
    const b = await variant('DUP-1');
    const found = await store().productsByKeys('sku', ['DUP-1']);
    expect(found.map((p) => p.id)).toEqual([String(a.id), String(b.id)]);
    const { order } = await store().importOrder(request('SP-400', [{ key: 'DUP-1', quantity: 1 }]));
    expect((await sandbox.order(order.id)).line_items[0].variant_id).toBe(a.id);
  });

  it('refuses an attribute a Shopify store does not have', async () => {
    await expect(store().productsByKeys('attributes.colour', ['red'])).rejects.toBeInstanceOf(
      ImportRejectedError,
    );
  });
});

describe('webhooks', () => {
  it('test() subscribes orders/fulfilled and orders/cancelled once at PUBLIC_URL/hooks/shopify/<storeId>; unsubscribe removes them', async () => {
    const s = store();
    expect((await s.test()).webhooksRegistered).toBe(2);
    expect((await s.test()).webhooksRegistered).toBe(2);
    const { subscriptions } = await sandbox.webhooks();
    expect(subscriptions.map((x) => [x.topic, x.uri]).sort()).toEqual([
      ['ORDERS_CANCELLED', `${receiver.url}/hooks/shopify/st_1`],
      ['ORDERS_FULFILLED', `${receiver.url}/hooks/shopify/st_1`],
    ]);
    expect(await s.unsubscribeWebhooks()).toBe(2);
    expect((await sandbox.webhooks()).subscriptions).toEqual([]);
  });

  it('a shipment in the shop arrives as a signed orders/fulfilled webhook that parses to the shipped event', async () => {
    await variant('WH-1');
    const s = store();
    await s.test();
    const { order } = await s.importOrder(request('SP-500', [{ key: 'WH-1', quantity: 1 }]));
    await sandbox.fulfill(order.id, { carrier: 'Chronopost', trackingNumber: 'XY123' });
    const deadline = Date.now() + 5000;
    while (receiver.received.length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    const [hook] = receiver.received;
    expect(verifyShopifyWebhook(hook!.raw, hook!.headers, SHOPIFY_SECRET)).toBe(true);
    expect(
      parseShopifyWebhook(String(hook!.headers['x-shopify-topic']), JSON.parse(hook!.raw.toString())),
    ).toEqual({
      storeOrderId: order.id,
      marketplaceOrderId: 'SP-500',
      connectionId: 'conn-1',
      kind: 'shipped',
      shipment: { carrier: 'Chronopost', trackingNumber: 'XY123' },
      at: expect.any(String),
    });
  });
});

describe('shop URL', () => {
  it('takes a shop name, a myshopify domain or a full base URL', () => {
    expect(baseUrl('my-shop')).toBe('https://my-shop.myshopify.com');
    expect(baseUrl('my-shop.myshopify.com/')).toBe('https://my-shop.myshopify.com');
    expect(baseUrl('https://my-shop.myshopify.com')).toBe('https://my-shop.myshopify.com');
    expect(baseUrl('http://127.0.0.1:3200/')).toBe('http://127.0.0.1:3200');
    expect(baseUrl('http://localhost:3200/shops/a')).toBe('http://localhost:3200/shops/a');
  });
});
