import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  isWooCommercePing,
  parseWooCommerceWebhook,
  verifyWooCommerceWebhook,
  wooCommerceDeliveryKey,
} from '../store/woocommerce/webhooks';
import { startReceiver, startWooCommerceSandbox, type WooCommerceSandbox } from './support/woocommerce';

const SECRET = 'whsec_test';
const sign = (body: Buffer | string, secret = SECRET) =>
  createHmac('sha256', secret).update(body).digest('base64');

const ours = (extra: Record<string, unknown>) => ({
  id: 123,
  status: 'processing',
  date_modified_gmt: '2026-11-28T10:00:05',
  date_completed_gmt: null,
  meta_data: [
    { id: 1, key: '_spartoo_order_id', value: 'SP-1' },
    { id: 2, key: '_spartoo_connection_id', value: 'conn-1' },
  ],
  ...extra,
});

describe('verifyWooCommerceWebhook: base64 HMAC-SHA256 of the raw body, constant time', () => {
  const body = Buffer.from('{"id":123,"link":"https:\\/\\/shop.example\\/"}');

  it('accepts the signature WooCommerce computes, header names in any case', () => {
    expect(verifyWooCommerceWebhook(body, { 'x-wc-webhook-signature': sign(body) }, SECRET)).toBe(true);
    expect(verifyWooCommerceWebhook(body, { 'X-WC-Webhook-Signature': sign(body) }, SECRET)).toBe(true);
    expect(verifyWooCommerceWebhook(body, { 'x-wc-webhook-signature': [sign(body)] }, SECRET)).toBe(true);
  });

  it('refuses a wrong signature, another secret, a tampered or re-serialised body', () => {
    expect(verifyWooCommerceWebhook(body, { 'x-wc-webhook-signature': sign('other') }, SECRET)).toBe(false);
    expect(verifyWooCommerceWebhook(body, { 'x-wc-webhook-signature': sign(body, 'cs_other') }, SECRET)).toBe(
      false,
    );
    const tampered = Buffer.from(body.toString().replace('123', '124'));
    expect(verifyWooCommerceWebhook(tampered, { 'x-wc-webhook-signature': sign(body) }, SECRET)).toBe(false);
    // JSON.stringify(JSON.parse(body)) drops PHP's "\/": the bytes differ, so does the signature.
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(body.toString())));
    expect(verifyWooCommerceWebhook(reserialised, { 'x-wc-webhook-signature': sign(body) }, SECRET)).toBe(
      false,
    );
    expect(verifyWooCommerceWebhook(body, { 'x-wc-webhook-signature': `${sign(body)}x` }, SECRET)).toBe(
      false,
    );
    expect(verifyWooCommerceWebhook(body, { 'x-wc-webhook-signature': 'not base64 at all!' }, SECRET)).toBe(
      false,
    );
  });

  it('refuses a missing signature or a missing secret', () => {
    expect(verifyWooCommerceWebhook(body, {}, SECRET)).toBe(false);
    expect(verifyWooCommerceWebhook(body, { 'x-wc-webhook-signature': '' }, SECRET)).toBe(false);
    expect(verifyWooCommerceWebhook(body, { 'x-wc-webhook-signature': sign(body, '') }, '')).toBe(false);
  });

  it('a replay verifies again: replays are caught by the delivery key, the same for the same bytes', () => {
    const headers = {
      'x-wc-webhook-signature': sign(body),
      'x-wc-webhook-id': '7',
      'x-wc-webhook-delivery-id': 'abc',
    };
    expect(verifyWooCommerceWebhook(body, headers, SECRET)).toBe(true);
    expect(verifyWooCommerceWebhook(Buffer.from(body), headers, SECRET)).toBe(true);
    expect(wooCommerceDeliveryKey(body, headers)).toBe(wooCommerceDeliveryKey(Buffer.from(body), headers));
    // Two deliveries within one second share their Delivery-ID (wp_hash( id . time() )) but not their body.
    const other = Buffer.from('{"id":124}');
    expect(wooCommerceDeliveryKey(other, headers)).not.toBe(wooCommerceDeliveryKey(body, headers));
    expect(wooCommerceDeliveryKey(body, { 'x-wc-webhook-id': '7' })).toBeUndefined();
  });
});

describe('isWooCommercePing', () => {
  it('recognises the unsigned creation ping only', () => {
    expect(
      isWooCommercePing(Buffer.from('webhook_id=12'), {
        'content-type': 'application/x-www-form-urlencoded',
      }),
    ).toBe(true);
    expect(isWooCommercePing(Buffer.from('webhook_id=12'), { 'x-wc-webhook-topic': 'order.updated' })).toBe(
      false,
    );
    expect(isWooCommercePing(Buffer.from('webhook_id=12'), { 'x-wc-webhook-signature': 'x' })).toBe(false);
    expect(isWooCommercePing(Buffer.from('{"id":12}'), {})).toBe(false);
    expect(isWooCommercePing(Buffer.from('webhook_id=12&x=1'), {})).toBe(false);
  });
});

describe('parseWooCommerceWebhook', () => {
  it('completed is shipped, with the Shipment Tracking extension items (the last one, provider named)', () => {
    const event = parseWooCommerceWebhook(
      ours({
        status: 'completed',
        date_completed_gmt: '2026-11-28T10:00:00',
        meta_data: [
          ...ours({}).meta_data,
          {
            key: '_wc_shipment_tracking_items',
            value: [
              { tracking_provider: 'colissimo', custom_tracking_provider: '', tracking_number: 'OLD' },
              { tracking_provider: 'mondial-relay', custom_tracking_provider: '', tracking_number: 'MR-9' },
            ],
          },
        ],
      }),
    );
    expect(event).toEqual({
      storeOrderId: '123',
      marketplaceOrderId: 'SP-1',
      connectionId: 'conn-1',
      kind: 'shipped',
      shipment: { carrier: 'Mondial Relay', trackingNumber: 'MR-9' },
      at: '2026-11-28T10:00:00.000Z',
    });
  });

  it('a custom provider keeps its name; a configured meta key wins; no tracking leaves the shipment out', () => {
    const custom = parseWooCommerceWebhook(
      ours({
        status: 'completed',
        meta_data: [
          ...ours({}).meta_data,
          {
            key: '_wc_shipment_tracking_items',
            value: [
              { tracking_provider: '', custom_tracking_provider: 'Coursier Express', tracking_number: 'CE1' },
            ],
          },
          { key: '_my_tracking', value: 'XYZ-1' },
        ],
      }),
    );
    expect(custom?.shipment).toEqual({ carrier: 'Coursier Express', trackingNumber: 'CE1' });
    const configured = parseWooCommerceWebhook(
      ours({
        status: 'completed',
        meta_data: [...ours({}).meta_data, { key: '_my_tracking', value: 'XYZ-1' }],
      }),
      '_my_tracking',
    );
    expect(configured).toMatchObject({ kind: 'shipped', shipment: { carrier: '', trackingNumber: 'XYZ-1' } });
    const object = parseWooCommerceWebhook(
      ours({
        status: 'completed',
        meta_data: [...ours({}).meta_data, { key: 'track', value: { carrier: 'DPD', number: '42' } }],
      }),
      'track',
    );
    expect(object?.shipment).toEqual({ carrier: 'DPD', trackingNumber: '42' });
    const bare = parseWooCommerceWebhook(ours({ status: 'completed' }));
    expect(bare).toMatchObject({ kind: 'shipped', at: '2026-11-28T10:00:05.000Z' });
    expect(bare).not.toHaveProperty('shipment');
  });

  it('cancelled is cancelled; other statuses, orders not ours and garbage are nothing', () => {
    expect(parseWooCommerceWebhook(ours({ status: 'cancelled' }))).toEqual({
      storeOrderId: '123',
      marketplaceOrderId: 'SP-1',
      connectionId: 'conn-1',
      kind: 'cancelled',
      at: '2026-11-28T10:00:05.000Z',
    });
    for (const status of ['pending', 'processing', 'on-hold', 'refunded', 'failed']) {
      expect(parseWooCommerceWebhook(ours({ status }))).toBeUndefined();
    }
    expect(parseWooCommerceWebhook({ id: 5, status: 'completed', meta_data: [] })).toBeUndefined();
    expect(parseWooCommerceWebhook({ id: 5 })).toBeUndefined();
    expect(parseWooCommerceWebhook('webhook_id=5')).toBeUndefined();
    expect(parseWooCommerceWebhook(null)).toBeUndefined();
    expect(parseWooCommerceWebhook([ours({ status: 'cancelled' })])).toBeUndefined();
  });
});

describe('deliveries from the sandbox', () => {
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

  it('verify with the webhook secret, parse to the shop event; the ping is recognised', async () => {
    await shop.ok('POST', '/webhooks', {
      topic: 'order.updated',
      delivery_url: `${receiver.url}/hooks`,
      secret: SECRET,
    });
    const p = await shop.addProduct({ name: 'Bottes « été »/hiver' });
    const order = await shop.ok('POST', '/orders', {
      set_paid: true,
      line_items: [{ product_id: p.id, quantity: 1 }],
      meta_data: [
        { key: '_spartoo_order_id', value: 'SP-77' },
        { key: '_spartoo_connection_id', value: 'conn-9' },
      ],
    });
    await shop.deliveries();
    await shop.admin('POST', `/orders/${order.id}/ship`, { trackingNumber: '6A0001', provider: 'colissimo' });
    await shop.deliveries();
    const [ping, created, shipped] = receiver.received;
    expect(isWooCommercePing(ping!.rawBody, ping!.headers)).toBe(true);
    expect(verifyWooCommerceWebhook(ping!.rawBody, ping!.headers, SECRET)).toBe(false);
    for (const delivery of [created!, shipped!]) {
      expect(isWooCommercePing(delivery.rawBody, delivery.headers)).toBe(false);
      expect(verifyWooCommerceWebhook(delivery.rawBody, delivery.headers, SECRET)).toBe(true);
      expect(verifyWooCommerceWebhook(delivery.rawBody, delivery.headers, shop.secret)).toBe(false);
    }
    expect(created!.rawBody.toString()).toContain('\\u00ab');
    expect(parseWooCommerceWebhook(JSON.parse(created!.rawBody.toString()))).toBeUndefined();
    expect(parseWooCommerceWebhook(JSON.parse(shipped!.rawBody.toString()))).toMatchObject({
      storeOrderId: String(order.id),
      marketplaceOrderId: 'SP-77',
      connectionId: 'conn-9',
      kind: 'shipped',
      shipment: { carrier: 'Colissimo', trackingNumber: '6A0001' },
    });
  });
});
