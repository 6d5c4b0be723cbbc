import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startReceiver, startWooCommerceSandbox, type WooCommerceSandbox } from './support/woocommerce';

/**
 * The WooCommerce sandbox behaves as WooCommerce does (shop-platforms.md §B and §C, WooCommerce 1–10):
 * authentication and key permissions, error shapes, paging headers, SKU / GTIN lookups, order creation
 * rules, stock reduced once and restored on cancel, search, dates, and webhooks really sent.
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
  receiver.answer(200);
});

const order = (productId: number, extra: Record<string, unknown> = {}) => ({
  set_paid: true,
  billing: { first_name: 'Camille', last_name: 'Durand', email: 'camille@example.com' },
  line_items: [{ product_id: productId, quantity: 2 }],
  shipping_lines: [{ method_id: 'flat_rate', method_title: 'Colissimo', total: '4.90' }],
  ...extra,
});

describe('authentication (class-wc-rest-authentication.php)', () => {
  it('accepts the key by Basic auth and by consumer_key / consumer_secret query parameters', async () => {
    expect((await shop.rest('GET', '/products')).status).toBe(200);
    const query = await fetch(
      `${shop.url}/wp-json/wc/v3/products?consumer_key=${shop.key}&consumer_secret=${shop.secret}`,
    );
    expect(query.status).toBe(200);
  });

  it('answers an anonymous request with the route permission error (401 woocommerce_rest_cannot_view)', async () => {
    const answer = await shop.rest('GET', '/products', undefined, null);
    expect(answer.status).toBe(401);
    expect(answer.json).toEqual({
      code: 'woocommerce_rest_cannot_view',
      message: 'Sorry, you cannot list resources.',
      data: { status: 401 },
    });
    const create = await shop.rest('POST', '/orders', {}, null);
    expect(create.json).toMatchObject({ code: 'woocommerce_rest_cannot_create', data: { status: 401 } });
  });

  it('refuses a wrong secret with woocommerce_rest_authentication_error and WWW-Authenticate', async () => {
    const answer = await shop.rest('GET', '/products', undefined, shop.basic(shop.key, 'cs_wrong'));
    expect(answer.status).toBe(401);
    expect(answer.json).toEqual({
      code: 'woocommerce_rest_authentication_error',
      message: 'Consumer secret is invalid.',
      data: { status: 401 },
    });
    expect(answer.headers.get('www-authenticate')).toMatch(/^Basic realm="WooCommerce API/);
  });

  it('treats an unknown or revoked key as anonymous', async () => {
    const unknown = await shop.rest('GET', '/products', undefined, shop.basic('ck_unknown', 'cs_x'));
    expect(unknown.json.code).toBe('woocommerce_rest_cannot_view');
    await shop.admin('DELETE', `/keys/${shop.key}`);
    const revoked = await shop.rest('GET', '/orders');
    expect(revoked.status).toBe(401);
    expect(revoked.json.code).toBe('woocommerce_rest_cannot_view');
  });

  it('enforces the key permissions: read-only cannot write, write-only cannot read', async () => {
    await shop.admin('PATCH', `/keys/${shop.key}`, { permissions: 'read' });
    const write = await shop.rest('POST', '/products', { name: 'x' });
    expect(write.status).toBe(401);
    expect(write.json).toMatchObject({
      code: 'woocommerce_rest_authentication_error',
      message: 'The API key provided does not have write permissions.',
    });
    expect((await shop.rest('GET', '/products')).status).toBe(200);
    await shop.admin('PATCH', `/keys/${shop.key}`, { permissions: 'write' });
    expect((await shop.rest('GET', '/products')).json.message).toBe(
      'The API key provided does not have read permissions.',
    );
  });

  it('answers 403 when the key belongs to a user without the capability', async () => {
    await shop.admin('PATCH', `/keys/${shop.key}`, { capable: false });
    const answer = await shop.rest('GET', '/orders');
    expect(answer.status).toBe(403);
    expect(answer.json.code).toBe('woocommerce_rest_cannot_view');
  });

  it('with strictHttps, ignores Basic auth over plain http as WooCommerce does', async () => {
    await shop.admin('PUT', '/settings', { strictHttps: true });
    const answer = await shop.rest('GET', '/products');
    expect(answer.status).toBe(401);
    expect(answer.json.code).toBe('woocommerce_rest_cannot_view');
  });
});

describe('errors and arguments (WP_Error, WP_REST_Request)', () => {
  it('has WordPress error shapes: invalid ids (404 read, 400 update), unknown routes, bad arguments', async () => {
    expect(await shop.rest('GET', '/orders/999')).toMatchObject({
      status: 404,
      json: { code: 'woocommerce_rest_shop_order_invalid_id', message: 'Invalid ID.', data: { status: 404 } },
    });
    expect(await shop.rest('PUT', '/orders/999', { status: 'completed' })).toMatchObject({
      status: 400,
      json: { code: 'woocommerce_rest_shop_order_invalid_id', data: { status: 400 } },
    });
    expect(await shop.rest('GET', '/products/999')).toMatchObject({
      status: 404,
      json: { code: 'woocommerce_rest_product_invalid_id' },
    });
    expect(await shop.rest('GET', '/nowhere')).toMatchObject({
      status: 404,
      json: { code: 'rest_no_route', data: { status: 404 } },
    });
    const perPage = await shop.rest('GET', '/products?per_page=101');
    expect(perPage.status).toBe(400);
    expect(perPage.json).toMatchObject({
      code: 'rest_invalid_param',
      message: 'Invalid parameter(s): per_page',
      data: {
        status: 400,
        params: { per_page: 'per_page must be between 1 (inclusive) and 100 (inclusive)' },
      },
    });
    const price = await shop.rest('POST', '/products', { name: 'x', regular_price: 12.5 });
    expect(price.json).toMatchObject({
      code: 'rest_invalid_param',
      data: { params: { regular_price: 'regular_price is not of type string.' } },
    });
    const json = await shop.rest('POST', '/products', '{"name": ');
    expect(json).toMatchObject({ status: 400, json: { code: 'rest_invalid_json' } });
  });

  it('refuses a duplicated SKU or GTIN', async () => {
    await shop.addProduct({ sku: 'DUP', ean: '3000000000001' });
    expect((await shop.rest('POST', '/products', { name: 'b', sku: 'DUP' })).json).toMatchObject({
      code: 'product_invalid_sku',
      message: 'Invalid or duplicated SKU.',
      data: { status: 400 },
    });
    expect(
      (await shop.rest('POST', '/products', { name: 'c', global_unique_id: '3000000000001' })).json.code,
    ).toBe('product_invalid_global_unique_id');
  });

  it('sends variations to their own endpoint', async () => {
    const [, v] = await shop.addVariable('Boot', 'BOOT', [{ size: '40', sku: 'BOOT-40' }]);
    const answer = await shop.rest('PUT', `/products/${v.id}`, { regular_price: '1.00' });
    expect(answer.status).toBe(404);
    expect(answer.json.code).toBe('woocommerce_rest_invalid_product_id');
    expect((await shop.rest('GET', `/products/${v.id}`)).json).toMatchObject({
      type: 'variation',
      sku: 'BOOT-40',
    });
  });
});

describe('paging (WC_REST_CRUD_Controller::get_items)', () => {
  it('answers X-WP-Total, X-WP-TotalPages and Link prev / next', async () => {
    for (let i = 0; i < 25; i++) await shop.addProduct({ name: `P${i}`, sku: `PG-${i}` });
    const first = await shop.rest('GET', '/products?per_page=10&orderby=id&order=asc');
    expect(first.json).toHaveLength(10);
    expect(first.headers.get('x-wp-total')).toBe('25');
    expect(first.headers.get('x-wp-totalpages')).toBe('3');
    expect(first.headers.get('link')).toMatch(/<[^>]*page=2[^>]*>; rel="next"/);
    expect(first.headers.get('link')).not.toMatch(/rel="prev"/);
    const second = await shop.rest('GET', '/products?per_page=10&page=2&orderby=id&order=asc');
    expect(second.headers.get('link')).toMatch(/page=1[^>]*>; rel="prev"/);
    expect(second.headers.get('link')).toMatch(/page=3[^>]*>; rel="next"/);
    const last = await shop.rest('GET', '/products?per_page=10&page=3&orderby=id&order=asc');
    expect(last.json).toHaveLength(5);
    expect(last.headers.get('link')).not.toMatch(/rel="next"/);
    const ids = [...first.json, ...second.json, ...last.json].map((p: { id: number }) => p.id);
    expect(new Set(ids).size).toBe(25);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect((await shop.rest('GET', '/products')).json).toHaveLength(10);
    const offset = await shop.rest('GET', '/products?per_page=3&offset=23&orderby=id&order=asc');
    expect(offset.json.map((p: { sku: string }) => p.sku)).toEqual(['PG-23', 'PG-24']);
  });
});

describe('products (WC_REST_Products_Controller)', () => {
  it('looks up ?sku= exactly, variations included, and ?global_unique_id= the same way', async () => {
    await shop.addProduct({ sku: 'ABC', ean: '3000000000011' });
    await shop.addProduct({ sku: 'ABCD' });
    const [parent, v1] = await shop.addVariable('Boot', 'BOOT', [
      { size: '40', sku: 'BOOT-40', ean: '3000000000028' },
      { size: '41', sku: 'BOOT-41' },
    ]);
    const exact = await shop.ok('GET', '/products?sku=ABC');
    expect(exact.map((p: { sku: string }) => p.sku)).toEqual(['ABC']);
    const variations = await shop.ok('GET', '/products?sku=BOOT-40,BOOT-41');
    expect(variations.map((p: { type: string; parent_id: number }) => [p.type, p.parent_id])).toEqual([
      ['variation', parent.id],
      ['variation', parent.id],
    ]);
    const gtin = await shop.ok('GET', '/products?global_unique_id=3000000000028,3000000000011');
    expect(gtin.map((p: { id: number }) => p.id).sort()).toEqual([v1.id, exact[0].id].sort());
    // Without a SKU or GTIN filter, only products are listed, and a variable product shows its lowest price.
    const all = await shop.ok('GET', '/products?per_page=100');
    expect(all.every((p: { type: string }) => p.type !== 'variation')).toBe(true);
    expect(all.find((p: { id: number }) => p.id === parent.id)).toMatchObject({
      regular_price: '',
      price: '49.9',
      variations: [v1.id, expect.any(Number)],
    });
  });

  it('prices: price is the sale price while on sale, regular_price the original', async () => {
    const p = await shop.addProduct({ regularPrice: '59.90', salePrice: '49.90' });
    expect(p).toMatchObject({ price: '49.90', regular_price: '59.90', sale_price: '49.90', on_sale: true });
  });

  it('stock: inventory_delta adds, stock_quantity sets, manage_stock false blanks the quantity', async () => {
    const p = await shop.addProduct({ stock: 3 });
    expect((await shop.ok('PUT', `/products/${p.id}`, { inventory_delta: 2 })).stock_quantity).toBe(5);
    expect(
      (await shop.ok('PUT', `/products/${p.id}`, { stock_quantity: 1, inventory_delta: 9 })).stock_quantity,
    ).toBe(1);
    expect((await shop.ok('PUT', `/products/${p.id}`, { manage_stock: false })).stock_quantity).toBeNull();
  });
});

describe('orders (WC_REST_Orders_Controller)', () => {
  it('creates with set_paid: processing, paid, created_via kept, totals recalculated, 201 + Location', async () => {
    const p = await shop.addProduct({ regularPrice: '30.00', stock: 10 });
    const answer = await shop.rest(
      'POST',
      '/orders',
      order(p.id, { created_via: 'spartoo-sync', transaction_id: 'T-1' }),
    );
    expect(answer.status).toBe(201);
    expect(answer.headers.get('location')).toBe(`${shop.url}/wp-json/wc/v3/orders/${answer.json.id}`);
    expect(answer.json).toMatchObject({
      status: 'processing',
      created_via: 'spartoo-sync',
      transaction_id: 'T-1',
      total: '64.90',
      shipping_total: '4.90',
      line_items: [{ product_id: p.id, variation_id: 0, quantity: 2, total: '60.00', subtotal: '60.00' }],
      shipping_lines: [{ method_id: 'flat_rate', method_title: 'Colissimo', total: '4.90' }],
    });
    expect(answer.json.date_paid_gmt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
    // created_via is writable on create only.
    const updated = await shop.ok('PUT', `/orders/${answer.json.id}`, { created_via: 'other' });
    expect(updated.created_via).toBe('spartoo-sync');
    expect((await shop.ok('POST', '/orders', order(p.id))).created_via).toBe('rest-api');
  });

  it('resolves line items sku > product_id > variation_id; none is 400; an unknown product is not refused', async () => {
    const a = await shop.addProduct({ sku: 'A', regularPrice: '10.00' });
    const b = await shop.addProduct({ sku: 'B', regularPrice: '20.00' });
    const [, v] = await shop.addVariable('Boot', 'BOOT', [{ size: '40', sku: 'BOOT-40', price: '45.00' }]);
    const created = await shop.ok('POST', '/orders', {
      line_items: [
        { sku: 'B', product_id: a.id, quantity: 1 },
        { product_id: a.id, quantity: 1 },
        { variation_id: v.id, quantity: 1 },
        { product_id: 99999, quantity: 1, total: '5.00' },
      ],
    });
    expect(
      created.line_items.map((l: { product_id: number; variation_id: number; total: string }) => [
        l.product_id,
        l.variation_id,
        l.total,
      ]),
    ).toEqual([
      [b.id, 0, '20.00'],
      [a.id, 0, '10.00'],
      [v.parent_id, v.id, '45.00'],
      [0, 0, '5.00'],
    ]);
    expect(created.status).toBe('pending');
    expect((await shop.rest('POST', '/orders', { line_items: [{ quantity: 1 }] })).json).toMatchObject({
      code: 'woocommerce_rest_required_product_reference',
      data: { status: 400 },
    });
    expect(
      (await shop.rest('POST', '/orders', { shipping_lines: [{ method_title: 'x' }] })).json,
    ).toMatchObject({
      code: 'woocommerce_rest_invalid_shipping_item',
      message: 'Shipping method ID is required.',
    });
    expect((await shop.rest('POST', '/orders', { billing: { email: 'not an email' } })).json).toMatchObject({
      code: 'rest_invalid_param',
      data: { params: { billing: 'billing[email] is not a valid email address.' } },
    });
  });

  it('takes stock once on processing / completed, restores it on cancelled only; negative allowed', async () => {
    const p = await shop.addProduct({ stock: 1 });
    const unmanaged = await shop.addProduct({ stock: null });
    const o = await shop.ok('POST', '/orders', {
      set_paid: true,
      line_items: [
        { product_id: p.id, quantity: 3 },
        { product_id: unmanaged.id, quantity: 1 },
      ],
    });
    expect(await shop.stockOf(p.id)).toBe(-2);
    expect(await shop.stockOf(unmanaged.id)).toBeNull();
    await shop.ok('PUT', `/orders/${o.id}`, { status: 'on-hold' });
    await shop.ok('PUT', `/orders/${o.id}`, { status: 'completed' });
    expect(await shop.stockOf(p.id)).toBe(-2);
    await shop.ok('PUT', `/orders/${o.id}`, { status: 'cancelled' });
    expect(await shop.stockOf(p.id)).toBe(1);
    await shop.ok('PUT', `/orders/${o.id}`, { status: 'cancelled' });
    expect(await shop.stockOf(p.id)).toBe(1);
    const notes = await shop.ok('GET', `/orders/${o.id}/notes`);
    const texts = notes.map((n: { note: string }) => n.note);
    expect(texts.filter((t: string) => t.startsWith('Stock levels reduced'))).toHaveLength(1);
    expect(texts.filter((t: string) => t.startsWith('Stock levels increased'))).toHaveLength(1);

    // refunded keeps the stock taken; pending gives it back.
    const r = await shop.ok('POST', '/orders', {
      set_paid: true,
      line_items: [{ product_id: p.id, quantity: 1 }],
    });
    await shop.ok('PUT', `/orders/${r.id}`, { status: 'refunded' });
    expect(await shop.stockOf(p.id)).toBe(0);
    await shop.ok('PUT', `/orders/${r.id}`, { status: 'pending' });
    expect(await shop.stockOf(p.id)).toBe(1);
  });

  it('takes no stock while the store does not manage stock', async () => {
    const p = await shop.addProduct({ stock: 4 });
    await shop.admin('PUT', '/settings', { manageStock: false });
    await shop.ok('POST', '/orders', { set_paid: true, line_items: [{ product_id: p.id, quantity: 1 }] });
    await shop.admin('PUT', '/settings', { manageStock: true });
    expect(await shop.stockOf(p.id)).toBe(4);
  });

  it('searches like HPOS (transaction id included) or like posts storage (not)', async () => {
    const p = await shop.addProduct({ name: 'Red shoe' });
    const o = await shop.ok('POST', '/orders', order(p.id, { transaction_id: 'spartoo:ABC-1' }));
    const search = async (term: string) =>
      (await shop.ok('GET', `/orders?search=${encodeURIComponent(term)}`)).map((x: { id: number }) => x.id);
    expect(await search('spartoo:ABC-1')).toEqual([o.id]);
    expect(await search('Red sh')).toEqual([o.id]);
    expect(await search('Durand')).toEqual([o.id]);
    await shop.admin('PUT', '/settings', { orderStorage: 'cpt' });
    expect(await search('spartoo:ABC-1')).toEqual([]);
    expect(await search('Durand')).toEqual([o.id]);
  });

  it('filters by status, created_via and modified_after (exclusive, to the second)', async () => {
    const p = await shop.addProduct({});
    const a = await shop.ok('POST', '/orders', order(p.id, { created_via: 'spartoo-sync' }));
    await shop.ok('POST', '/orders', order(p.id));
    const mark = new Date(Date.now() + 10_000).toISOString();
    await shop.admin('POST', '/clock', { advanceMs: 10_000 });
    await shop.ok('PUT', `/orders/${a.id}`, { status: 'completed' });
    const ids = async (query: string) =>
      (await shop.ok('GET', `/orders?${query}`)).map((x: { id: number }) => x.id);
    expect(await ids('created_via=spartoo-sync')).toEqual([a.id]);
    expect(await ids('status=completed,cancelled')).toEqual([a.id]);
    expect(await ids('status[]=processing')).toHaveLength(1);
    // Modified in the very second of `mark`: modified_after is exclusive, so it is left out.
    expect(await ids(`modified_after=${mark.slice(0, 19)}&dates_are_gmt=true`)).toEqual([]);
    const before = new Date(Date.parse(mark) - 1000).toISOString();
    expect(await ids(`modified_after=${before}`)).toEqual([a.id]);
    expect((await shop.rest('GET', '/orders?modified_after=yesterday')).json.data.params.modified_after).toBe(
      'Invalid date.',
    );
  });
});

describe('webhooks (class-wc-webhook.php, webhooks controller)', () => {
  const subscribe = (topic: string, extra: Record<string, unknown> = {}) =>
    shop.rest('POST', '/webhooks', {
      name: 't',
      topic,
      delivery_url: `${receiver.url}/hook`,
      secret: 'whsec',
      ...extra,
    });

  it('creates active (whatever status says), never returns the secret, and pings unsigned first', async () => {
    const answer = await subscribe('order.updated', { status: 'paused' });
    expect(answer.status).toBe(201);
    expect(answer.json).toMatchObject({
      status: 'active',
      topic: 'order.updated',
      resource: 'order',
      event: 'updated',
    });
    expect(JSON.stringify(answer.json)).not.toContain('whsec');
    // The ping was sent before the create answered.
    expect(receiver.received).toHaveLength(1);
    const ping = receiver.received[0]!;
    expect(ping.rawBody.toString()).toBe(`webhook_id=${answer.json.id}`);
    expect(ping.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.keys(ping.headers).filter((h) => h.startsWith('x-wc-'))).toEqual([]);
    expect(ping.headers['user-agent']).toMatch(/^WooCommerce\/[\d.]+ Hookshot \(WordPress\/[\d.]+\)$/);
  });

  it('validates topics and URLs; deleting needs force=true', async () => {
    expect((await subscribe('order.shipped')).json).toMatchObject({
      code: 'woocommerce_rest_shop_webhook_invalid_topic',
      data: { status: 400 },
    });
    expect(
      (await shop.rest('POST', '/webhooks', { topic: 'order.updated', delivery_url: 'ftp://x' })).json.code,
    ).toBe('woocommerce_rest_shop_webhook_invalid_delivery_url');
    expect((await shop.rest('POST', '/webhooks', { topic: 'order.updated' })).json.code).toBe(
      'rest_missing_callback_param',
    );
    const { json } = await subscribe('order.updated');
    expect((await shop.rest('DELETE', `/webhooks/${json.id}`)).status).toBe(501);
    expect((await shop.rest('DELETE', `/webhooks/${json.id}?force=true`)).status).toBe(200);
    expect((await shop.rest('GET', `/webhooks/${json.id}`)).status).toBe(404);
  });

  it('sends order.updated after a create and after each change, signed, with every X-WC header', async () => {
    const { json: hook } = await subscribe('order.updated');
    const p = await shop.addProduct({});
    const o = await shop.ok('POST', '/orders', order(p.id));
    await shop.deliveries();
    await shop.ok('PUT', `/orders/${o.id}`, {
      status: 'completed',
      meta_data: [
        {
          key: '_wc_shipment_tracking_items',
          value: [{ tracking_provider: 'colissimo', tracking_number: '6A123' }],
        },
      ],
    });
    await shop.deliveries();
    const deliveries = receiver.received.filter((r) => r.headers['x-wc-webhook-topic']);
    expect(deliveries).toHaveLength(2);
    for (const d of deliveries) {
      const signature = createHmac('sha256', 'whsec').update(d.rawBody).digest('base64');
      expect(d.headers).toMatchObject({
        'content-type': 'application/json',
        'x-wc-webhook-source': `${shop.url}/`,
        'x-wc-webhook-topic': 'order.updated',
        'x-wc-webhook-resource': 'order',
        'x-wc-webhook-event': 'updated',
        'x-wc-webhook-signature': signature,
        'x-wc-webhook-id': String(hook.id),
        'x-wc-webhook-delivery-id': expect.stringMatching(/^[0-9a-f]{32}$/),
      });
    }
    const [created, completed] = deliveries.map((d) => JSON.parse(d.rawBody.toString()));
    expect(created).toMatchObject({ id: o.id, status: 'processing' });
    expect(completed).toMatchObject({ id: o.id, status: 'completed' });
    expect(completed.meta_data).toEqual([
      expect.objectContaining({
        key: '_wc_shipment_tracking_items',
        value: [{ tracking_provider: 'colissimo', tracking_number: '6A123' }],
      }),
    ]);
    // PHP's wp_json_encode: slashes escaped, so only the raw body verifies.
    expect(deliveries[1]!.rawBody.toString()).toContain('\\/');
  });

  it('fires order.created and order.updated for one create, and builds the payload at delivery time', async () => {
    await shop.close();
    shop = await startWooCommerceSandbox({ deliveryDelayMs: 150 });
    await subscribe('order.created');
    await subscribe('order.updated');
    const p = await shop.addProduct({});
    const o = await shop.ok('POST', '/orders', order(p.id));
    await shop.ok('PUT', `/orders/${o.id}`, { status: 'completed' });
    await shop.ok('PUT', `/orders/${o.id}`, { customer_note: 'leave at the door' });
    await shop.deliveries();
    const topics = receiver.received.filter((r) => r.headers['x-wc-webhook-topic']);
    // One pending delivery per webhook and order: the three changes made one order.updated.
    expect(topics.map((r) => r.headers['x-wc-webhook-topic']).sort()).toEqual([
      'order.created',
      'order.updated',
    ]);
    for (const r of topics)
      expect(JSON.parse(r.rawBody.toString())).toMatchObject({
        status: 'completed',
        customer_note: 'leave at the door',
      });
    await shop.close();
    shop = await startWooCommerceSandbox();
  });

  it('sends a resource gone by delivery time as {"id": N}', async () => {
    await shop.close();
    shop = await startWooCommerceSandbox({ deliveryDelayMs: 150 });
    await subscribe('order.updated');
    const p = await shop.addProduct({});
    const a = await shop.ok('POST', '/orders', order(p.id));
    await shop.ok('DELETE', `/orders/${a.id}?force=true`);
    await shop.deliveries();
    const bodies = receiver.received
      .filter((r) => r.headers['x-wc-webhook-topic'])
      .map((r) => r.rawBody.toString());
    expect(bodies).toEqual([`{"id":${a.id}}`]);
    await shop.close();
    shop = await startWooCommerceSandbox();
  });

  it('gives every delivery of a webhook within one second the same Delivery-ID (wp_hash( id . time() ))', async () => {
    await shop.close();
    shop = await startWooCommerceSandbox({ now: () => 1_800_000_000_000 });
    await subscribe('order.updated');
    const p = await shop.addProduct({});
    await shop.ok('POST', '/orders', order(p.id));
    await shop.ok('POST', '/orders', order(p.id));
    await shop.deliveries();
    await shop.admin('POST', '/clock', { advanceMs: 1000 });
    await shop.ok('POST', '/orders', order(p.id));
    await shop.deliveries();
    const ids = receiver.received
      .filter((r) => r.headers['x-wc-webhook-topic'])
      .map((r) => r.headers['x-wc-webhook-delivery-id']);
    expect(ids).toHaveLength(3);
    expect(ids[0]).toBe(ids[1]);
    expect(ids[2]).not.toBe(ids[0]);
    await shop.close();
    shop = await startWooCommerceSandbox();
  });

  it('counts failures, never retries, and disables the webhook at the 7th consecutive failure', async () => {
    const { json: hook } = await subscribe('order.updated');
    receiver.answer(500);
    const p = await shop.addProduct({});
    for (let i = 0; i < 7; i++) {
      await shop.ok('POST', '/orders', order(p.id));
      await shop.deliveries();
    }
    const [state] = await shop.admin('GET', '/webhooks');
    expect(state).toMatchObject({ id: hook.id, status: 'disabled', failureCount: 6 });
    const sent = receiver.received.filter((r) => r.headers['x-wc-webhook-topic']).length;
    expect(sent).toBe(7);
    await shop.ok('POST', '/orders', order(p.id));
    await shop.deliveries();
    expect(receiver.received.filter((r) => r.headers['x-wc-webhook-topic']).length).toBe(7);
    // Re-activated by the merchant: delivered again, and a success resets the count.
    receiver.answer(200);
    await shop.ok('PUT', `/webhooks/${hook.id}`, { status: 'active' });
    await shop.ok('POST', '/orders', order(p.id));
    await shop.deliveries();
    expect((await shop.admin('GET', '/webhooks'))[0]).toMatchObject({ status: 'active', failureCount: 0 });
  });

  it('the Shipment Tracking extension adds a tracking item and fires order.updated', async () => {
    await subscribe('order.updated');
    const p = await shop.addProduct({});
    const o = await shop.ok('POST', '/orders', order(p.id));
    await shop.deliveries();
    receiver.received.length = 0;
    const tracking = await fetch(
      `${shop.url}/wp-json/wc-shipment-tracking/v3/orders/${o.id}/shipment-trackings`,
      {
        method: 'POST',
        headers: { authorization: shop.basic(shop.key, shop.secret), 'content-type': 'application/json' },
        body: JSON.stringify({ tracking_provider: 'Colissimo', tracking_number: '6A999' }),
      },
    );
    expect(tracking.status).toBe(201);
    expect(await tracking.json()).toMatchObject({
      tracking_provider: 'colissimo',
      tracking_number: '6A999',
      tracking_link: expect.stringContaining('6A999'),
    });
    await shop.deliveries();
    const [delivery] = receiver.received;
    expect(JSON.parse(delivery!.rawBody.toString()).meta_data[0]).toMatchObject({
      key: '_wc_shipment_tracking_items',
      value: [expect.objectContaining({ tracking_provider: 'colissimo', tracking_number: '6A999' })],
    });
  });
});

describe('faults (/_sandbox/faults)', () => {
  it('a lost response makes the change and drops the answer; a 500 changes nothing', async () => {
    const p = await shop.addProduct({ stock: 5 });
    await shop.admin('PUT', '/faults', {
      next: [{ method: 'POST', pathPrefix: '/wp-json/wc/v3/orders', fault: 'lost_response' }],
    });
    await expect(shop.rest('POST', '/orders', order(p.id))).rejects.toThrow();
    expect(await shop.ok('GET', '/orders')).toHaveLength(1);
    expect(await shop.stockOf(p.id)).toBe(3);
    await shop.admin('PUT', '/faults', { next: [{ method: 'POST', fault: 'http_500' }] });
    const failed = await shop.rest('POST', '/orders', order(p.id));
    expect(failed).toMatchObject({ status: 500, json: { code: 'internal_server_error' } });
    expect(await shop.ok('GET', '/orders')).toHaveLength(1);
  });
});
