/**
 * Shopify's webhooks as the product receives them at `POST /hooks/shopify/:storeId` (issue 11):
 * - verification: `X-Shopify-Hmac-Sha256` is the base64 HMAC-SHA256 of the raw body keyed with the
 *   app's secret (the store's `webhookSecret`); compared in constant time; a missing or malformed
 *   header is a failure (shopify-app-js `lib/utils/hmac-validator.ts`, `lib/webhooks/validate.ts`);
 * - deduplication: Shopify delivers at least once; a retry carries the same `X-Shopify-Webhook-Id`
 *   and every subscription's copy of one event the same `X-Shopify-Event-Id`
 *   (https://shopify.dev/apps/build/webhooks/ignore-duplicates): `shopifyWebhookHeaders` reads them
 *   for the receiver, which keeps the ids it has handled;
 * - payloads are REST-style, numeric ids (shop-platforms.md A6): `parseShopifyWebhook` turns
 *   `orders/*` and `fulfillments/*` into the port's ShopOrderEvent.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ShopOrderEvent } from '../store';

type Headers = Record<string, string | string[] | undefined> | { get(name: string): string | null };

function header(headers: Headers, name: string): string | undefined {
  if (typeof (headers as { get?: unknown }).get === 'function') {
    return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  }
  const record = headers as Record<string, string | string[] | undefined>;
  const key = Object.keys(record).find((k) => k.toLowerCase() === name.toLowerCase());
  const value = key === undefined ? undefined : record[key];
  return Array.isArray(value) ? value[0] : value;
}

/** True only when the body carries a valid signature of `secret`; a missing one is false. */
export function verifyShopifyWebhook(rawBody: Buffer, headers: Headers, secret: string): boolean {
  const given = header(headers, 'x-shopify-hmac-sha256')?.trim();
  if (!given || !secret) return false;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(given)) return false;
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  const received = Buffer.from(given, 'base64');
  return received.length === expected.length && timingSafeEqual(received, expected);
}

/** The delivery's identity and context, as the receiver needs them to deduplicate and log. */
export function shopifyWebhookHeaders(headers: Headers) {
  return {
    topic: header(headers, 'x-shopify-topic'),
    webhookId: header(headers, 'x-shopify-webhook-id'),
    eventId: header(headers, 'x-shopify-event-id'),
    shopDomain: header(headers, 'x-shopify-shop-domain'),
    apiVersion: header(headers, 'x-shopify-api-version'),
    triggeredAt: header(headers, 'x-shopify-triggered-at'),
  };
}

/** The tag an imported order carries: it names the connection and the Spartoo order. */
export const SPARTOO_TAG = 'Spartoo';
export const orderTag = (connectionId: string, marketplaceOrderId: string) =>
  `spartoo:${connectionId}:${marketplaceOrderId}`;

/** The connection and Spartoo order named by an order's tags; undefined: not one of ours. */
export function spartooOrderOf(
  tags: string | string[] | null | undefined,
): { connectionId: string; marketplaceOrderId: string } | undefined {
  const list = Array.isArray(tags) ? tags : (tags ?? '').split(',');
  for (const raw of list) {
    const match = /^spartoo:(.+):([^:]+)$/i.exec(raw.trim());
    if (match) return { connectionId: match[1]!, marketplaceOrderId: match[2]! };
  }
  return undefined;
}

interface RestFulfillment {
  id?: number;
  order_id?: number;
  status?: string;
  created_at?: string;
  updated_at?: string;
  tracking_company?: string | null;
  tracking_number?: string | null;
  tracking_numbers?: string[];
}

interface RestOrder {
  id?: number;
  tags?: string;
  cancelled_at?: string | null;
  updated_at?: string;
  fulfillment_status?: string | null;
  fulfillments?: RestFulfillment[];
}

/** The shipment of the newest successful fulfilment with a tracking number. */
function shipmentOf(fulfillments: RestFulfillment[]) {
  const done = fulfillments
    .filter((f) => (f.status ?? 'success') === 'success')
    .sort((a, b) => Date.parse(b.created_at ?? '') - Date.parse(a.created_at ?? ''));
  for (const f of done) {
    const number = f.tracking_number ?? f.tracking_numbers?.[0];
    if (number)
      return { fulfillment: f, shipment: { carrier: f.tracking_company ?? '', trackingNumber: number } };
  }
  return done[0] ? { fulfillment: done[0], shipment: undefined } : undefined;
}

/**
 * What a webhook says the merchant did, in the port's words; undefined when it says nothing the
 * product follows or the order is not one of ours (no `spartoo:` tag). Order topics
 * (`orders/fulfilled`, `orders/cancelled`, `orders/updated`…): cancelled when `cancelled_at` is set,
 * else shipped once `fulfillment_status` is `fulfilled` (with carrier and tracking number when a
 * fulfilment has one). `fulfillments/create|update` carry no tags: the event names the shop order
 * only (`marketplaceOrderId` undefined), for a receiver that knows its store order ids.
 */
export function parseShopifyWebhook(topic: string, body: unknown): ShopOrderEvent | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const t = topic.trim().toLowerCase();
  if (t.startsWith('fulfillments/')) {
    const f = body as RestFulfillment;
    if (typeof f.order_id !== 'number' || (f.status ?? 'success') !== 'success') return undefined;
    const found = shipmentOf([f]);
    return {
      storeOrderId: String(f.order_id),
      kind: 'shipped',
      ...(found?.shipment ? { shipment: found.shipment } : {}),
      at: f.created_at ?? f.updated_at ?? new Date().toISOString(),
    };
  }
  if (!t.startsWith('orders/')) return undefined;
  const order = body as RestOrder;
  if (typeof order.id !== 'number' && typeof order.id !== 'string') return undefined;
  const ours = spartooOrderOf(order.tags);
  if (!ours) return undefined;
  const base = { storeOrderId: String(order.id), ...ours };
  if (order.cancelled_at) return { ...base, kind: 'cancelled', at: order.cancelled_at };
  if (order.fulfillment_status !== 'fulfilled') return undefined;
  const found = shipmentOf(order.fulfillments ?? []);
  return {
    ...base,
    kind: 'shipped',
    ...(found?.shipment ? { shipment: found.shipment } : {}),
    at: found?.fulfillment.created_at ?? order.updated_at ?? new Date().toISOString(),
  };
}
