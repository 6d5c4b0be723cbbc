/**
 * The Shopify sandbox as any Admin API client sees it: plain HTTP and JSON, no project adapter
 * involved. Each test is one of the behaviours shop-platforms.md §C asks of it (Shopify 1–10).
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { verifyShopifyWebhook } from '../store/shopify/webhooks';
import {
  SHOPIFY_SECRET,
  type ShopifySandbox,
  startShopifySandbox,
  startWebhookReceiver,
} from './support/shopify';

let sandbox: ShopifySandbox;
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;

beforeAll(async () => {
  sandbox = await startShopifySandbox({ webhookRetryDelaysMs: [50, 50] });
  receiver = await startWebhookReceiver();
});
afterAll(async () => {
  await sandbox.close();
  await receiver.close();
});
beforeEach(async () => {
  await sandbox.reset();
  receiver.received.length = 0;
  receiver.answer(200);
});

const CREATE = `mutation Create($order: OrderCreateOrderInput!, $options: OrderCreateOptionsInput) {
  orderCreate(order: $order, options: $options) {
    order { id legacyResourceId name tags displayFulfillmentStatus }
    userErrors { field message code } } }`;

async function product(sku = 'SKU-1', available = 5) {
  const created = await sandbox.addProduct('Shoe', [
    { sku, barcode: '3401234567890', price: '49.90', available },
  ]);
  return created.variants[0]!;
}

function order(variantGid: string, quantity = 1, extra: Record<string, unknown> = {}) {
  return {
    lineItems: [
      { variantId: variantGid, quantity, priceSet: { shopMoney: { amount: '49.90', currencyCode: 'EUR' } } },
    ],
    shippingLines: [{ title: 'Colissimo', priceSet: { shopMoney: { amount: '4.90', currencyCode: 'EUR' } } }],
    financialStatus: 'PAID',
    tags: ['spartoo:c1:o1'],
    ...extra,
  };
}

async function waitFor<T>(read: () => Promise<T>, ok: (value: T) => boolean, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('transport and authentication (§C 1)', () => {
  it('answers 401 with Shopify’s body without a token, with a wrong one, and once the token is revoked', async () => {
    const query = '{ shop { name } }';
    for (const token of [null, 'shpat_wrong']) {
      const answer = await sandbox.graphql(query, undefined, token);
      expect(answer.status).toBe(401);
      expect(answer.body).toEqual({
        errors: '[API] Invalid API key or access token (unrecognized login or wrong password)',
      });
    }
    expect((await sandbox.graphql(query)).status).toBe(200);
    await sandbox.setToken({ revoked: true });
    expect((await sandbox.graphql(query)).status).toBe(401);
  });

  it('answers 402 for a frozen shop, 423 for a locked one, 404 for a closed one or an unknown version', async () => {
    const query = '{ shop { name } }';
    await sandbox.admin('PUT', '/_sandbox/shop', { state: 'frozen' });
    expect((await sandbox.graphql(query)).status).toBe(402);
    await sandbox.admin('PUT', '/_sandbox/shop', { state: 'locked' });
    expect((await sandbox.graphql(query)).status).toBe(423);
    await sandbox.admin('PUT', '/_sandbox/shop', { state: 'unavailable' });
    expect((await sandbox.graphql(query)).status).toBe(404);
    await sandbox.admin('PUT', '/_sandbox/shop', { state: 'active' });
    expect((await sandbox.graphql(query, undefined, undefined, 'v1')).status).toBe(404);
  });

  it('serves an old dated version as the oldest supported one (falls forward), and says which', async () => {
    const answer = await sandbox.graphql('{ shop { name } }', undefined, undefined, '2023-01');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-shopify-api-version')).toBe('2026-01');
    const current = await sandbox.graphql('{ shop { name } }');
    expect(current.headers.get('x-shopify-api-version')).toBe('2026-10');
  });

  it('answers unknown fields, arguments and bad variables with 200 and GraphQL errors in Shopify’s words', async () => {
    const field = await sandbox.graphql('{ shop { nickname } }');
    expect(field.status).toBe(200);
    expect(field.body.data).toBeUndefined();
    expect(field.body.errors[0]).toMatchObject({
      message: "Field 'nickname' doesn't exist on type 'Shop'",
      extensions: { code: 'undefinedField', typeName: 'Shop', fieldName: 'nickname' },
    });
    const operation = await sandbox.graphql(
      'mutation { productDelete(id: "gid://shopify/Product/1") { deletedProductId } }',
    );
    expect(operation.body.errors[0].message).toBe("Field 'productDelete' doesn't exist on type 'Mutation'");
    const argument = await sandbox.graphql('{ productVariants(first: 1, sku: "x") { nodes { id } } }');
    expect(argument.body.errors[0].message).toBe("Field 'productVariants' doesn't accept argument 'sku'");

    // The American spelling is not Shopify's (§C 3): a schema error, nothing created.
    const variant = await product();
    const misspelt = await sandbox.graphql(CREATE, {
      order: order(variant.gid),
      options: { inventoryBehavior: 'DECREMENT_OBEYING_POLICY' },
    });
    expect(misspelt.status).toBe(200);
    expect(misspelt.body.errors[0].message).toBe(
      'Variable $options of type OrderCreateOptionsInput was provided invalid value for inventoryBehavior (Field is not defined on OrderCreateOptionsInput)',
    );
    expect(misspelt.body.errors[0].extensions.problems).toEqual([
      { path: ['inventoryBehavior'], explanation: 'Field is not defined on OrderCreateOptionsInput' },
    ]);
    expect(await sandbox.orders()).toEqual([]);
  });

  it('denies a field the token has no scope for (ACCESS_DENIED), the rest of the query answered', async () => {
    await sandbox.setToken({ scopes: ['read_products'] });
    const answer = await sandbox.graphql('{ shop { name } orders(first: 1) { nodes { id } } }');
    expect(answer.status).toBe(200);
    expect(answer.body.errors[0]).toMatchObject({
      message: 'Access denied for orders field. Required access: `read_orders` access scope.',
      extensions: { code: 'ACCESS_DENIED' },
    });
  });
});

describe('cost and throttling (§C 2)', () => {
  it('reports extensions.cost on every answer: requested from first/last, actual from what was answered', async () => {
    await product('A');
    const answer = await sandbox.graphql('{ productVariants(first: 10) { nodes { id sku } } }');
    expect(answer.body.extensions.cost).toEqual({
      requestedQueryCost: 12, // 2 + 10 objects
      actualQueryCost: 3, // 2 + the 1 there is
      throttleStatus: { maximumAvailable: 2000, currentlyAvailable: expect.any(Number), restoreRate: 100 },
    });
    const mutation = await sandbox.graphql(CREATE, { order: order((await product('B')).gid) });
    expect(mutation.body.extensions.cost.requestedQueryCost).toBe(10);
  });

  it('refuses a query over 1000 points whole (MAX_COST_EXCEEDED)', async () => {
    const answer = await sandbox.graphql(
      '{ productVariants(first: 250) { nodes { inventoryItem { inventoryLevels(first: 5) { nodes { id } } } } } }',
    );
    expect(answer.status).toBe(200);
    expect(answer.body.data).toBeUndefined();
    expect(answer.body.errors[0].extensions).toMatchObject({ code: 'MAX_COST_EXCEEDED', maxCost: 1000 });
    expect(answer.body.extensions.cost.actualQueryCost).toBeNull();
  });

  it('throttles a query the bucket cannot pay for, without data, until the bucket refills', async () => {
    await sandbox.setFaults({ bucket: { maximumAvailable: 100, restoreRate: 50, currentlyAvailable: 20 } });
    const query = '{ productVariants(first: 30) { nodes { id } } }'; // 32 points
    const throttled = await sandbox.graphql(query);
    expect(throttled.status).toBe(200);
    expect(throttled.body).toEqual({
      errors: [
        { message: 'Throttled', extensions: { code: 'THROTTLED', documentation: expect.any(String) } },
      ],
      extensions: {
        cost: {
          requestedQueryCost: 32,
          actualQueryCost: null,
          throttleStatus: { maximumAvailable: 100, currentlyAvailable: expect.any(Number), restoreRate: 50 },
        },
      },
    });
    await new Promise((r) => setTimeout(r, 300)); // 20 + 0.3 s × 50 = 35 points
    const served = await sandbox.graphql(query);
    expect(served.body.data.productVariants.nodes).toEqual([]);
    // Only the actual cost is kept: 2 for an empty page, the rest refunded.
    expect(served.body.extensions.cost.actualQueryCost).toBe(2);

    await sandbox.setFaults({ throttledStatus: 429, bucket: { currentlyAvailable: 0 } });
    expect((await sandbox.graphql(query)).status).toBe(429);
  });
});

describe('orders (§C 3, 4, 6, 8, 10)', () => {
  it('creates two orders for the same input: orderCreate has no deduplication', async () => {
    const variant = await product();
    const first = await sandbox.graphql(CREATE, { order: order(variant.gid) });
    const second = await sandbox.graphql(CREATE, { order: order(variant.gid) });
    const ids = [first, second].map((a) => a.body.data.orderCreate.order.id);
    expect(ids[0]).not.toBe(ids[1]);
    expect(ids[0]).toMatch(/^gid:\/\/shopify\/Order\/\d+$/);
    expect(await sandbox.orders()).toHaveLength(2);
  });

  it('claims no stock by default (BYPASS), decrements when asked, and refuses a short DENY variant when obeying policy', async () => {
    const variant = await product('S', 2);
    await sandbox.graphql(CREATE, { order: order(variant.gid, 1) });
    expect(await sandbox.available(variant.id)).toBe(2);
    await sandbox.graphql(CREATE, {
      order: order(variant.gid, 1),
      options: { inventoryBehaviour: 'DECREMENT_IGNORING_POLICY' },
    });
    expect(await sandbox.available(variant.id)).toBe(1);
    const refused = await sandbox.graphql(CREATE, {
      order: order(variant.gid, 5),
      options: { inventoryBehaviour: 'DECREMENT_OBEYING_POLICY' },
    });
    expect(refused.body.data.orderCreate).toMatchObject({
      order: null,
      userErrors: [{ code: 'INVENTORY_CLAIM_FAILED' }],
    });
    await sandbox.graphql(CREATE, {
      order: order(variant.gid, 5),
      options: { inventoryBehaviour: 'DECREMENT_IGNORING_POLICY' },
    });
    expect(await sandbox.available(variant.id)).toBe(-4);
  });

  it('answers an unknown variant with userErrors and a null order', async () => {
    const answer = await sandbox.graphql(CREATE, { order: order('gid://shopify/ProductVariant/999') });
    expect(answer.body.data.orderCreate).toEqual({
      order: null,
      userErrors: [
        {
          field: ['order', 'lineItems', '0', 'variantId'],
          message: 'Variant does not exist',
          code: 'INVALID',
        },
      ],
    });
  });

  it('cancels asynchronously, restocks only with restock: true, refuses a repeat, and never un-cancels', async () => {
    const variant = await product('C', 5);
    const create = async () =>
      (
        await sandbox.graphql(CREATE, {
          order: order(variant.gid, 2),
          options: { inventoryBehaviour: 'DECREMENT_IGNORING_POLICY' },
        })
      ).body.data.orderCreate.order.id as string;
    const cancel = (orderId: string, restock: boolean) =>
      sandbox.graphql(
        `mutation($id: ID!, $restock: Boolean!) { orderCancel(orderId: $id, reason: CUSTOMER, restock: $restock) {
          job { id done } orderCancelUserErrors { field message code } } }`,
        { id: orderId, restock },
      );
    const state = async (orderId: string) =>
      (await sandbox.graphql('query($id: ID!) { order(id: $id) { cancelledAt } }', { id: orderId })).body.data
        .order;

    const kept = await create();
    const answer = await cancel(kept, false);
    const job = answer.body.data.orderCancel.job;
    expect(job.done).toBe(false);
    expect((await state(kept)).cancelledAt).toBeNull(); // the job has not run yet
    expect((await cancel(kept, false)).body.data.orderCancel).toMatchObject({
      job: null,
      orderCancelUserErrors: [{ code: 'INVALID' }],
    });
    await waitFor(
      () => state(kept),
      (o) => o.cancelledAt !== null,
    );
    expect(
      (await sandbox.graphql('query($id: ID!) { job(id: $id) { done } }', { id: job.id })).body.data.job.done,
    ).toBe(true);
    expect(await sandbox.available(variant.id)).toBe(3); // not restocked

    const restocked = await create();
    await cancel(restocked, true);
    await waitFor(
      () => state(restocked),
      (o) => o.cancelledAt !== null,
    );
    expect(await sandbox.available(variant.id)).toBe(3); // 1 after both orders, +2 back
    expect((await cancel(restocked, true)).body.data.orderCancel.orderCancelUserErrors[0].message).toMatch(
      /already been cancelled/,
    );
    await expect(
      sandbox.fulfill(Number(restocked.split('/').at(-1)), { carrier: 'UPS', trackingNumber: '1Z' }),
    ).rejects.toThrow(/422/);
  });

  it('shows fulfilments as trackingInfo and displayFulfillmentStatus, with GIDs, and finds orders by tag and updated_at', async () => {
    const variant = await product();
    const created = (await sandbox.graphql(CREATE, { order: order(variant.gid) })).body.data.orderCreate
      .order;
    await sandbox.fulfill(created.legacyResourceId, { carrier: 'Colissimo', trackingNumber: '6A123' });
    const found = await sandbox.graphql(
      `{ orders(first: 5, query: "tag:'spartoo:c1:o1' AND updated_at:>'2020-01-01T00:00:00Z'") { nodes {
          id legacyResourceId displayFulfillmentStatus fulfillments(first: 1) { status trackingInfo(first: 1) { number company } } } } }`,
    );
    expect(found.body.data.orders.nodes).toEqual([
      {
        id: created.id,
        legacyResourceId: created.legacyResourceId,
        displayFulfillmentStatus: 'FULFILLED',
        fulfillments: [{ status: 'SUCCESS', trackingInfo: [{ number: '6A123', company: 'Colissimo' }] }],
      },
    ]);
    expect(typeof created.legacyResourceId).toBe('string');
    const none = await sandbox.graphql(`{ orders(first: 5, query: "tag:other") { nodes { id } } }`);
    expect(none.body.data.orders.nodes).toEqual([]);
  });
});

describe('search and inventory (§C 5, 7)', () => {
  it('tokenizes sku: a search finds more than the exact value, which the caller must check', async () => {
    await product('ABC-1');
    await product('ABC-1-X');
    await product('ABC-10');
    const answer = await sandbox.graphql(
      '{ productVariants(first: 10, query: "sku:\\"ABC-1\\"") { nodes { sku } } }',
    );
    expect(answer.body.data.productVariants.nodes.map((n: { sku: string }) => n.sku).sort()).toEqual([
      'ABC-1',
      'ABC-1-X',
    ]);
    const warned = await sandbox.graphql(
      '{ productVariants(first: 1, query: "colour:red") { nodes { sku } } }',
    );
    expect(warned.body.extensions.search[0].warnings).toEqual([
      { field: 'colour', message: 'Invalid search field for this query.' },
    ]);
  });

  it('requires @idempotent on inventoryAdjustQuantities, replays a repeated key, refuses a key reused differently', async () => {
    const variant = await product('I', 1);
    const [location] = await sandbox.admin<{ gid: string }[]>('GET', '/_sandbox/locations');
    const adjust = (delta: number, directive: string) =>
      sandbox.graphql(
        `mutation($input: InventoryAdjustQuantitiesInput!) { inventoryAdjustQuantities(input: $input) ${directive} {
          inventoryAdjustmentGroup { id changes { delta quantityAfterChange } } userErrors { code message } } }`,
        {
          input: {
            name: 'available',
            reason: 'restock',
            changes: [{ delta, inventoryItemId: variant.inventoryItemGid, locationId: location!.gid }],
          },
        },
      );
    const missing = await adjust(2, '');
    expect(missing.body.errors[0].message).toMatch(/@idempotent directive is required/);
    expect(await sandbox.available(variant.id)).toBe(1);

    const first = await adjust(2, '@idempotent(key: "5b9b1a5e-0000-4000-8000-000000000001")');
    const again = await adjust(2, '@idempotent(key: "5b9b1a5e-0000-4000-8000-000000000001")');
    expect(again.body.data).toEqual(first.body.data);
    expect(await sandbox.available(variant.id)).toBe(3);
    const reused = await adjust(5, '@idempotent(key: "5b9b1a5e-0000-4000-8000-000000000001")');
    expect(reused.body.data.inventoryAdjustQuantities.userErrors[0].code).toBe(
      'IDEMPOTENCY_KEY_PARAMETER_MISMATCH',
    );
    expect(await sandbox.available(variant.id)).toBe(3);
  });
});

describe('webhooks (§C 9)', () => {
  const subscribe = (topic: string, uri: string) =>
    sandbox.graphql(
      `mutation($topic: WebhookSubscriptionTopic!, $uri: String!) {
        webhookSubscriptionCreate(topic: $topic, webhookSubscription: { uri: $uri, format: JSON }) {
          webhookSubscription { id topic uri } userErrors { field message } } }`,
      { topic, uri },
    );

  it('signs each delivery (base64 HMAC-SHA256 of the raw body) with the full header set and numeric ids', async () => {
    const uri = `${receiver.url}/hooks/shopify/s1`;
    expect(
      (await subscribe('ORDERS_FULFILLED', uri)).body.data.webhookSubscriptionCreate.webhookSubscription,
    ).toMatchObject({
      id: expect.stringMatching(/^gid:\/\/shopify\/WebhookSubscription\/\d+$/),
      topic: 'ORDERS_FULFILLED',
      uri,
    });
    expect(
      (await subscribe('ORDERS_FULFILLED', uri)).body.data.webhookSubscriptionCreate.userErrors[0].message,
    ).toBe('Address for this topic has already been taken');
    await subscribe('ORDERS_CANCELLED', uri);
    const variant = await product();
    const created = (await sandbox.graphql(CREATE, { order: order(variant.gid) })).body.data.orderCreate
      .order;
    await sandbox.fulfill(created.legacyResourceId, { carrier: 'DHL', trackingNumber: 'JD0001' });

    const [hook] = await waitFor(
      async () => receiver.received,
      (r) => r.length >= 1,
    );
    expect(hook!.path).toBe('/hooks/shopify/s1');
    const expected = createHmac('sha256', SHOPIFY_SECRET).update(hook!.raw).digest('base64');
    expect(hook!.headers['x-shopify-hmac-sha256']).toBe(expected);
    expect(verifyShopifyWebhook(hook!.raw, hook!.headers, SHOPIFY_SECRET)).toBe(true);
    expect(hook!.headers).toMatchObject({
      'x-shopify-topic': 'orders/fulfilled',
      'x-shopify-shop-domain': 'spartoo-sandbox.myshopify.com',
      'x-shopify-api-version': '2026-10',
      'x-shopify-webhook-id': expect.any(String),
      'x-shopify-event-id': expect.any(String),
      'x-shopify-triggered-at': expect.any(String),
    });
    const payload = JSON.parse(hook!.raw.toString('utf8'));
    expect(payload).toMatchObject({
      id: Number(created.legacyResourceId),
      admin_graphql_api_id: created.id,
      tags: 'spartoo:c1:o1',
      fulfillment_status: 'fulfilled',
      fulfillments: [{ tracking_number: 'JD0001', tracking_company: 'DHL', status: 'success' }],
    });
    expect(receiver.received).toHaveLength(1); // orders/cancelled did not fire
  });

  it('retries a failed delivery with the original payload and ids, then removes the subscription', async () => {
    receiver.answer(500);
    await subscribe('ORDERS_CANCELLED', `${receiver.url}/hooks/shopify/s2`);
    const variant = await product();
    const created = (await sandbox.graphql(CREATE, { order: order(variant.gid) })).body.data.orderCreate
      .order;
    await sandbox.cancel(created.legacyResourceId);
    const attempts = await waitFor(
      async () => receiver.received,
      (r) => r.length >= 3,
    );
    expect(attempts).toHaveLength(3); // the first try and two retries (this sandbox's schedule)
    expect(new Set(attempts.map((a) => a.headers['x-shopify-webhook-id'])).size).toBe(1);
    expect(new Set(attempts.map((a) => a.raw.toString('base64'))).size).toBe(1);
    const after = await waitFor(
      () => sandbox.webhooks(),
      (w) => w.subscriptions.length === 0,
    );
    expect(after.subscriptions).toEqual([]);
    expect(after.deliveries[0]).toMatchObject({ state: 'failed', topic: 'orders/cancelled' });
  });

  it('delivers at least once: a duplicate carries the same ids; each subscription gets its own copy of an event', async () => {
    await sandbox.setFaults({ duplicateWebhooks: true });
    await subscribe('ORDERS_CANCELLED', `${receiver.url}/a`);
    await subscribe('ORDERS_CANCELLED', `${receiver.url}/b`);
    const variant = await product();
    const created = (await sandbox.graphql(CREATE, { order: order(variant.gid) })).body.data.orderCreate
      .order;
    await sandbox.cancel(created.legacyResourceId);
    const all = await waitFor(
      async () => receiver.received,
      (r) => r.length >= 4,
    );
    const byPath = (p: string) => all.filter((h) => h.path === p);
    for (const path of ['/a', '/b']) {
      expect(byPath(path)).toHaveLength(2);
      expect(byPath(path)[0]!.headers['x-shopify-webhook-id']).toBe(
        byPath(path)[1]!.headers['x-shopify-webhook-id'],
      );
    }
    expect(byPath('/a')[0]!.headers['x-shopify-webhook-id']).not.toBe(
      byPath('/b')[0]!.headers['x-shopify-webhook-id'],
    );
    expect(byPath('/a')[0]!.headers['x-shopify-event-id']).toBe(
      byPath('/b')[0]!.headers['x-shopify-event-id'],
    );
  });
});
