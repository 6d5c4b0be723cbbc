/**
 * Verification and parsing of Shopify's webhooks (store/shopify/webhooks.ts), on bodies signed as
 * Shopify signs them: a wrong signature, a missing one, a body changed after signing, and a replay
 * (which verifies, and carries the same X-Shopify-Webhook-Id for the receiver to deduplicate).
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  parseShopifyWebhook,
  shopifyWebhookHeaders,
  spartooOrderOf,
  verifyShopifyWebhook,
} from '../store/shopify/webhooks';

const SECRET = 'shopify_app_secret';
const sign = (body: Buffer, secret = SECRET) => createHmac('sha256', secret).update(body).digest('base64');

const ORDER = {
  id: 5910000000123,
  admin_graphql_api_id: 'gid://shopify/Order/5910000000123',
  tags: 'Spartoo, spartoo:conn-1:SP-42',
  cancelled_at: null,
  updated_at: '2026-11-28T09:00:00Z',
  fulfillment_status: 'fulfilled',
  fulfillments: [
    {
      id: 1,
      status: 'success',
      created_at: '2026-11-28T08:59:00Z',
      tracking_company: 'Colissimo',
      tracking_number: '6A0001',
      tracking_numbers: ['6A0001'],
    },
  ],
};

function delivery(body: unknown, headers: Record<string, string> = {}) {
  const raw = Buffer.from(JSON.stringify(body));
  return {
    raw,
    headers: {
      'x-shopify-topic': 'orders/fulfilled',
      'x-shopify-hmac-sha256': sign(raw),
      'x-shopify-webhook-id': 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043',
      'x-shopify-event-id': '7fc62f8f-5ba1-4a55-8a2c-0b5e5a7e4c1e',
      'x-shopify-shop-domain': 'shop.myshopify.com',
      'x-shopify-api-version': '2026-10',
      'x-shopify-triggered-at': '2026-11-28T09:00:00Z',
      ...headers,
    },
  };
}

describe('verifyShopifyWebhook', () => {
  it('accepts the signature of the raw body, whatever the header case or container', () => {
    const { raw, headers } = delivery(ORDER);
    expect(verifyShopifyWebhook(raw, headers, SECRET)).toBe(true);
    const upper = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toUpperCase(), v]));
    expect(verifyShopifyWebhook(raw, upper, SECRET)).toBe(true);
    expect(verifyShopifyWebhook(raw, new Headers(headers), SECRET)).toBe(true);
  });

  it('refuses a wrong signature, another secret, a body changed after signing, and a re-serialised body', () => {
    const { raw, headers } = delivery(ORDER);
    expect(
      verifyShopifyWebhook(raw, { ...headers, 'x-shopify-hmac-sha256': sign(raw, 'other') }, SECRET),
    ).toBe(false);
    expect(verifyShopifyWebhook(raw, headers, 'other')).toBe(false);
    const tampered = Buffer.from(raw.toString().replace('6A0001', '6A0002'));
    expect(verifyShopifyWebhook(tampered, headers, SECRET)).toBe(false);
    // The signature is of the bytes sent: the same JSON pretty-printed is not the same body.
    const reformatted = Buffer.from(JSON.stringify(JSON.parse(raw.toString()), null, 2));
    expect(verifyShopifyWebhook(reformatted, headers, SECRET)).toBe(false);
  });

  it('refuses a missing, empty or malformed signature, and an empty secret', () => {
    const { raw, headers } = delivery(ORDER);
    const { 'x-shopify-hmac-sha256': _, ...unsigned } = headers;
    expect(verifyShopifyWebhook(raw, unsigned, SECRET)).toBe(false);
    expect(verifyShopifyWebhook(raw, { ...headers, 'x-shopify-hmac-sha256': '' }, SECRET)).toBe(false);
    expect(verifyShopifyWebhook(raw, { ...headers, 'x-shopify-hmac-sha256': 'not base64!' }, SECRET)).toBe(
      false,
    );
    expect(
      verifyShopifyWebhook(raw, { ...headers, 'x-shopify-hmac-sha256': sign(raw).slice(0, 20) }, SECRET),
    ).toBe(false);
    expect(verifyShopifyWebhook(raw, headers, '')).toBe(false);
  });

  it('verifies a replay too: the same delivery twice carries the same webhook id, which is what deduplicates it', () => {
    const first = delivery(ORDER);
    const replay = { raw: Buffer.from(first.raw), headers: { ...first.headers } };
    expect(verifyShopifyWebhook(first.raw, first.headers, SECRET)).toBe(true);
    expect(verifyShopifyWebhook(replay.raw, replay.headers, SECRET)).toBe(true);
    expect(shopifyWebhookHeaders(replay.headers).webhookId).toBe(
      shopifyWebhookHeaders(first.headers).webhookId,
    );
    expect(parseShopifyWebhook('orders/fulfilled', JSON.parse(replay.raw.toString()))).toEqual(
      parseShopifyWebhook('orders/fulfilled', JSON.parse(first.raw.toString())),
    );
    expect(shopifyWebhookHeaders(first.headers)).toEqual({
      topic: 'orders/fulfilled',
      webhookId: 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043',
      eventId: '7fc62f8f-5ba1-4a55-8a2c-0b5e5a7e4c1e',
      shopDomain: 'shop.myshopify.com',
      apiVersion: '2026-10',
      triggeredAt: '2026-11-28T09:00:00Z',
    });
  });
});

describe('parseShopifyWebhook', () => {
  it('orders/fulfilled of one of ours: shipped with carrier and tracking number, numeric id as a string', () => {
    expect(parseShopifyWebhook('orders/fulfilled', ORDER)).toEqual({
      storeOrderId: '5910000000123',
      marketplaceOrderId: 'SP-42',
      connectionId: 'conn-1',
      kind: 'shipped',
      shipment: { carrier: 'Colissimo', trackingNumber: '6A0001' },
      at: '2026-11-28T08:59:00Z',
    });
  });

  it('orders/cancelled (or any order topic with cancelled_at): cancelled', () => {
    const cancelled = {
      ...ORDER,
      cancelled_at: '2026-11-28T10:00:00Z',
      fulfillment_status: null,
      fulfillments: [],
    };
    expect(parseShopifyWebhook('orders/cancelled', cancelled)).toEqual({
      storeOrderId: '5910000000123',
      marketplaceOrderId: 'SP-42',
      connectionId: 'conn-1',
      kind: 'cancelled',
      at: '2026-11-28T10:00:00Z',
    });
    expect(parseShopifyWebhook('orders/updated', cancelled)?.kind).toBe('cancelled');
  });

  it('an order that is not ours, an unfulfilled update, another topic or a broken body: undefined', () => {
    expect(parseShopifyWebhook('orders/fulfilled', { ...ORDER, tags: 'wholesale, vip' })).toBeUndefined();
    expect(parseShopifyWebhook('orders/updated', { ...ORDER, fulfillment_status: null })).toBeUndefined();
    expect(parseShopifyWebhook('products/update', ORDER)).toBeUndefined();
    expect(parseShopifyWebhook('orders/fulfilled', null)).toBeUndefined();
    expect(parseShopifyWebhook('orders/fulfilled', 'text')).toBeUndefined();
  });

  it('a fulfilled order without tracking is shipped with no shipment', () => {
    const untracked = {
      ...ORDER,
      fulfillments: [{ ...ORDER.fulfillments[0], tracking_number: null, tracking_numbers: [] }],
    };
    const event = parseShopifyWebhook('orders/fulfilled', untracked);
    expect(event).toMatchObject({ kind: 'shipped', storeOrderId: '5910000000123' });
    expect(event?.shipment).toBeUndefined();
  });

  it('fulfillments/create names the shop order only (its payload has no tags)', () => {
    expect(
      parseShopifyWebhook('fulfillments/create', { ...ORDER.fulfillments[0], order_id: 5910000000123 }),
    ).toEqual({
      storeOrderId: '5910000000123',
      kind: 'shipped',
      shipment: { carrier: 'Colissimo', trackingNumber: '6A0001' },
      at: '2026-11-28T08:59:00Z',
    });
  });

  it('reads the connection and order from the tag, the order id being the last segment', () => {
    expect(spartooOrderOf('a, spartoo:conn:with:colons:ORD-1 ,b')).toEqual({
      connectionId: 'conn:with:colons',
      marketplaceOrderId: 'ORD-1',
    });
    expect(spartooOrderOf(['Spartoo'])).toBeUndefined();
  });
});
