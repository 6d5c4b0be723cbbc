/**
 * WooCommerce webhooks as the product receives them at `POST /hooks/woocommerce/:storeId`
 * (class-wc-webhook.php in woocommerce/woocommerce):
 * - a delivery is a JSON POST whose `X-WC-Webhook-Signature` is `base64( hmac_sha256( raw body, secret ) )`,
 *   the secret being the one given when the webhook was created (the adapter gives the store's
 *   `webhookSecret`, else its consumer secret). The body is PHP's `wp_json_encode` output (`\/`, `\uXXXX`),
 *   so the signature must be checked on the raw bytes, never on re-serialised JSON;
 * - the creation ping is `webhook_id=N`, form-encoded, unsigned, with no `X-WC-*` header; WooCommerce
 *   only counts an exact 200 as success;
 * - WooCommerce never retries, but `X-WC-Webhook-Delivery-ID` is `wp_hash( webhook id . time() )`: two
 *   different deliveries of one webhook within the same second share it. `wooCommerceDeliveryKey`
 *   therefore adds a digest of the body, so a replay (same bytes) is recognised and two orders changed in
 *   the same second are not mistaken for one.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { ShopOrderEvent } from '../store';

export type WebhookHeaders = Record<string, string | string[] | undefined>;

/** The meta keys an imported order carries (adapter.ts writes them). */
export const MARKETPLACE_ORDER_META = '_spartoo_order_id';
export const CONNECTION_META = '_spartoo_connection_id';
/** The Shipment Tracking extension's order meta (a list of tracking items). */
export const SHIPMENT_TRACKING_META = '_wc_shipment_tracking_items';

function header(headers: WebhookHeaders, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted) continue;
    const first = Array.isArray(value) ? value[0] : value;
    return typeof first === 'string' ? first : undefined;
  }
  return undefined;
}

/**
 * True when `X-WC-Webhook-Signature` is the base64 HMAC-SHA256 of `rawBody` keyed with `secret`.
 * Constant-time; false when the header, the secret or the body is missing.
 */
export function verifyWooCommerceWebhook(rawBody: Buffer, headers: WebhookHeaders, secret: string): boolean {
  const signature = header(headers, 'x-wc-webhook-signature')?.trim();
  if (!signature || !secret || !Buffer.isBuffer(rawBody)) return false;
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  const given = Buffer.from(signature, 'base64');
  // Buffer.from(base64) ignores junk; require the canonical encoding so "same bytes" means "same header".
  if (given.toString('base64') !== signature) return false;
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** True for WooCommerce's unsigned creation ping: body `webhook_id=N` and no topic or signature header. */
export function isWooCommercePing(rawBody: Buffer, headers: WebhookHeaders): boolean {
  if (header(headers, 'x-wc-webhook-topic') || header(headers, 'x-wc-webhook-signature')) return false;
  return /^webhook_id=\d+$/.test(rawBody.toString('utf8').trim());
}

/**
 * A key that is the same for a replay of a delivery and different for two deliveries: webhook id,
 * delivery id and a digest of the raw body. Undefined when the delivery headers are missing.
 */
export function wooCommerceDeliveryKey(rawBody: Buffer, headers: WebhookHeaders): string | undefined {
  const deliveryId = header(headers, 'x-wc-webhook-delivery-id');
  const webhookId = header(headers, 'x-wc-webhook-id');
  if (!deliveryId || !webhookId) return undefined;
  const digest = createHash('sha256').update(rawBody).digest('hex').slice(0, 32);
  return `${webhookId}:${deliveryId}:${digest}`;
}

// biome-ignore lint/suspicious/noExplicitAny: WooCommerce JSON, read defensively
type Json = any;

function metaValue(order: Json, key: string): unknown {
  if (!Array.isArray(order?.meta_data)) return undefined;
  const entry = order.meta_data.find((m: Json) => m && m.key === key);
  return entry?.value;
}

function text(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/** One tracking entry in the shapes a meta value may take; the carrier may be unknown (''). */
function trackingFrom(value: unknown): { carrier: string; trackingNumber: string } | undefined {
  if (typeof value === 'string' || typeof value === 'number') {
    const number = text(value);
    if (!number) return undefined;
    // A JSON string holding the same shapes (some plugins store it so).
    if (number.startsWith('[') || number.startsWith('{')) {
      try {
        return trackingFrom(JSON.parse(number));
      } catch {
        return { carrier: '', trackingNumber: number };
      }
    }
    return { carrier: '', trackingNumber: number };
  }
  if (Array.isArray(value)) {
    for (let i = value.length - 1; i >= 0; i--) {
      const found = trackingFrom(value[i]);
      if (found) return found;
    }
    return undefined;
  }
  if (typeof value === 'object' && value !== null) {
    const v = value as Record<string, unknown>;
    const number = text(v.tracking_number) ?? text(v.trackingNumber) ?? text(v.number);
    if (!number) return undefined;
    const slug = text(v.tracking_provider);
    const carrier =
      text(v.custom_tracking_provider) ??
      (slug ? providerName(slug) : undefined) ??
      text(v.carrier) ??
      text(v.company) ??
      text(v.provider) ??
      '';
    return { carrier, trackingNumber: number };
  }
  return undefined;
}

/**
 * The Shipment Tracking extension stores a known provider as its slug (`sanitize_title` of its name):
 * the carriers Spartoo knows get their names back; another slug is written out in words.
 */
const PROVIDER_NAMES: Record<string, string> = {
  colissimo: 'Colissimo',
  chronopost: 'Chronopost',
  'mondial-relay': 'Mondial Relay',
  'relais-colis': 'Relais Colis',
  dpd: 'DPD',
  'dpd-fr': 'DPD',
  gls: 'GLS',
  ups: 'UPS',
  dhl: 'DHL',
  'dhl-express': 'DHL',
  tnt: 'TNT',
  'colis-prive': 'Colis Privé',
  'la-poste': 'La Poste',
  laposte: 'La Poste',
};

function providerName(slug: string): string {
  const known = PROVIDER_NAMES[slug.toLowerCase()];
  if (known) return known;
  if (!/^[a-z0-9-]+$/.test(slug)) return slug;
  return slug
    .split('-')
    .filter((w) => w !== '')
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join(' ');
}

/**
 * The shipment recorded on an order: the last entry of the Shipment Tracking extension's
 * `_wc_shipment_tracking_items` (carrier = the custom provider's name, else the provider's name from its
 * slug), or the
 * value of `trackingMetaKey` when the store names one (a tracking number, an object with
 * `tracking_number` / `carrier`, or a list of them), which wins.
 */
export function orderShipment(
  order: Json,
  trackingMetaKey?: string,
): { carrier: string; trackingNumber: string } | undefined {
  if (trackingMetaKey && trackingMetaKey !== SHIPMENT_TRACKING_META) {
    const custom = trackingFrom(metaValue(order, trackingMetaKey));
    if (custom) return custom;
  }
  return trackingFrom(metaValue(order, SHIPMENT_TRACKING_META));
}

/** A WooCommerce date (`Y-m-d\TH:i:s`, the `_gmt` fields in UTC) as ISO; undefined when absent. */
export function wooDate(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const withZone = /[zZ]|[+-]\d{2}:?\d{2}$/.test(value) ? value : `${value}Z`;
  const ms = Date.parse(withZone);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/**
 * What the merchant did to one of our orders, from an order as WooCommerce shows it (a webhook payload
 * or a `GET /orders` item): status `completed` is shipped (with the tracking found, if any), `cancelled`
 * is cancelled. Undefined when the order is not one the product imported (no Spartoo order id meta) or
 * nothing happened yet.
 */
export function parseWooCommerceWebhook(body: unknown, trackingMetaKey?: string): ShopOrderEvent | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const order = body as Json;
  const id = order.id;
  if (
    !(typeof id === 'number' && Number.isSafeInteger(id)) &&
    !(typeof id === 'string' && /^\d+$/.test(id))
  ) {
    return undefined;
  }
  const marketplaceOrderId = text(metaValue(order, MARKETPLACE_ORDER_META));
  if (!marketplaceOrderId) return undefined;
  const connectionId = text(metaValue(order, CONNECTION_META));
  const modified =
    wooDate(order.date_modified_gmt) ?? wooDate(order.date_modified) ?? new Date().toISOString();
  const base = { storeOrderId: String(id), marketplaceOrderId, ...(connectionId ? { connectionId } : {}) };
  if (order.status === 'completed') {
    const shipment = orderShipment(order, trackingMetaKey);
    return {
      ...base,
      kind: 'shipped',
      ...(shipment ? { shipment } : {}),
      at: wooDate(order.date_completed_gmt) ?? modified,
    };
  }
  if (order.status === 'cancelled') return { ...base, kind: 'cancelled', at: modified };
  return undefined;
}
