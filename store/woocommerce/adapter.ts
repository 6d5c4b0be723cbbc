/**
 * The store port (store/store.ts) for a WooCommerce shop, over its REST API v3 (`<url>/wp-json/wc/v3`)
 * with a REST key: plain `fetch` and HTTP Basic auth (key as user name, secret as password), which
 * WooCommerce accepts over HTTPS; the official `@woocommerce/woocommerce-rest-api` client switches to
 * OAuth 1.0a on http, which the product does not need. Collections are read 100 at a time
 * (`per_page` ≤ 100) until `X-WP-TotalPages`.
 *
 * - Products: WooCommerce products and variations are both products here, named by their own id
 *   (a variation's id, not its parent's; variable, grouped and external products are not sellable
 *   themselves and are left out). Identification attributes: `id`; `sku` (`GET /products?sku=a,b`, exact,
 *   variations included); `ean` = `global_unique_id` (GTIN/EAN, WooCommerce ≥ 9.2, same filter);
 *   `attributes.<name>` = the product or variation meta key `<name>` (WooCommerce has no meta filter, so
 *   this reads the whole catalogue). Final price = `price` (the sale price while on sale), original =
 *   `regular_price`, both as the shop stores them (taxes included when the shop enters prices with
 *   tax). Stock = `stock_quantity` when `manage_stock`; a product whose stock WooCommerce does not
 *   manage counts 0, since the shop cannot vouch for any quantity.
 * - Import: `POST /orders` with `set_paid: true` (so WooCommerce moves the order to processing and takes
 *   the stock of managed products), billing and shipping (a relay point is the shipping company and
 *   address, its id in `address_2` and in the `_spartoo_relay_point_id` meta), one shipping line titled
 *   with the mapped method, line items by product / variation id at the prices paid, `created_via:
 *   spartoo-sync`, `transaction_id: spartoo:<order id>`, and the meta `_spartoo_order_id` and
 *   `_spartoo_connection_id`.
 * - Idempotency: `GET /orders` has no meta filter (`woocommerce_rest_orders_prepare_object_query` would
 *   need a plugin), so the order is found by `search` on its transaction id — searched by WooCommerce's
 *   HPOS order tables, the default storage since 8.2 — then, for shops still on posts storage, whose
 *   search skips the transaction id, among the latest 100 orders created via spartoo-sync; every candidate
 *   is confirmed by its two meta. This runs before creating and again after a lost answer.
 * - Restock once per key: the keys applied are kept on the product itself, in its `_spartoo_sync_restocks`
 *   meta, written in the same `PUT` as the stock change (`inventory_delta`), so both happen or neither.
 * - Errors: 401 / 403 (bad, revoked or read-only key, user without `manage_woocommerce`) and a missing
 *   WooCommerce REST API throw StoreAccessError; an unknown product or an order WooCommerce refuses (4xx)
 *   ImportRejectedError; network failures, timeouts, 5xx and 429 ordinary errors (retried). Messages
 *   name the call and WooCommerce's error code, never the keys, the addresses or the request body.
 */
import { productsByKey, sortProductIds } from '../../domain/product-keys';
import type { Address, StoreProduct } from '../../domain/types';
import {
  ImportRejectedError,
  type ImportRequest,
  type ShopOrder,
  type ShopOrderEvent,
  StoreAccessError,
  type StorePort,
} from '../store';
import { CONNECTION_META, MARKETPLACE_ORDER_META, orderShipment, parseWooCommerceWebhook } from './webhooks';

export interface WooCommerceStoreConfig {
  /** The shop's home URL, e.g. `https://shop.example.com` (the REST API is at `<url>/wp-json/wc/v3`). */
  url: string;
  consumerKey: string;
  consumerSecret: string;
  /** The secret of the webhooks the product subscribes; default: the consumer secret. */
  webhookSecret?: string;
  /** An order meta key holding the tracking number, instead of the Shipment Tracking extension's. */
  trackingMetaKey?: string;
}

export interface WooCommerceStoreDeps {
  /** The product's public URL: webhooks are delivered to `${publicUrl}/hooks/woocommerce/${storeId}`. */
  publicUrl: string;
  storeId: string;
  fetch?: typeof fetch;
  /** Per request; default 30 s. */
  timeoutMs?: number;
}

export const CREATED_VIA = 'spartoo-sync';
export const RELAY_POINT_META = '_spartoo_relay_point_id';
export const RESTOCK_META = '_spartoo_sync_restocks';
/** How many restock keys a product remembers (the oldest are dropped). */
export const RESTOCK_KEYS_KEPT = 200;
export const SHIPPING_METHOD_ID = 'spartoo';
const PER_PAGE = 100;

/** The transaction id an imported order carries, searched to find it again. */
export const transactionMarker = (marketplaceOrderId: string) => `spartoo:${marketplaceOrderId}`;

/** A refusal by WooCommerce that is neither an access problem nor transient (a 4xx with its code). */
export class WooCommerceApiError extends Error {
  override name = 'WooCommerceApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

// biome-ignore lint/suspicious/noExplicitAny: WooCommerce JSON, read defensively
type Json = any;

interface Answer {
  status: number;
  json: Json;
  headers: Headers;
}

export function createWooCommerceStore(
  config: WooCommerceStoreConfig,
  deps: WooCommerceStoreDeps,
): StorePort & { readonly webhookUrl: string } {
  const root = config.url
    .trim()
    .replace(/\/+$/, '')
    .replace(/\/wp-json(\/wc\/v3)?$/, '');
  const api = `${root}/wp-json/wc/v3`;
  const doFetch = deps.fetch ?? globalThis.fetch;
  const timeoutMs = deps.timeoutMs ?? 30_000;
  const authorization = `Basic ${Buffer.from(`${config.consumerKey}:${config.consumerSecret}`).toString('base64')}`;
  const webhookUrl = `${deps.publicUrl.replace(/\/+$/, '')}/hooks/woocommerce/${encodeURIComponent(deps.storeId)}`;
  const webhookSecret = config.webhookSecret || config.consumerSecret;

  /** One REST call; throws StoreAccessError, WooCommerceApiError or a transient Error. */
  async function call(
    method: string,
    path: string,
    options: { query?: Record<string, string | number>; body?: unknown; base?: string } = {},
  ): Promise<Answer> {
    const url = new URL(`${options.base ?? api}${path}`);
    for (const [name, value] of Object.entries(options.query ?? {}))
      url.searchParams.set(name, String(value));
    const what = `WooCommerce ${method} ${path}`;
    let response: Response;
    try {
      response = await doFetch(url, {
        method,
        headers: {
          authorization,
          accept: 'application/json',
          'user-agent': 'spartoo-sync',
          ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
        redirect: 'follow',
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      const cause =
        e.name === 'TimeoutError'
          ? `no answer within ${timeoutMs} ms`
          : (e.cause?.code ?? e.cause?.message ?? e.message);
      throw new Error(`${what} failed: ${cause}`);
    }
    const text = await response.text().catch(() => '');
    let json: Json;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    const code = typeof json?.code === 'string' ? json.code : undefined;
    const message =
      typeof json?.message === 'string'
        ? json.message
            .replace(/<[^>]*>/g, ' ')
            .trim()
            .slice(0, 200)
        : '';
    const detail = `${response.status}${code ? ` ${code}` : ''}${message ? ` (${message})` : ''}`;
    if (response.status === 401 || response.status === 403) {
      throw new StoreAccessError(
        `${what}: WooCommerce refused the REST key, ${detail}. Check that the key exists, has Read/Write ` +
          'permissions, belongs to a shop manager, and that the shop is reached over HTTPS.',
      );
    }
    // No WordPress route, or no WordPress at all (a plain 404 page): not a shop we can reach.
    if (response.status === 404 && (code === 'rest_no_route' || code === undefined)) {
      throw new StoreAccessError(
        `${what}: no WooCommerce REST API at ${api} (${detail}). Is WooCommerce active and are ` +
          'permalinks enabled?',
      );
    }
    if (response.status >= 500 || response.status === 429 || response.status === 408) {
      throw new Error(`${what}: ${detail}`);
    }
    if (response.status >= 400) {
      throw new WooCommerceApiError(response.status, code ?? 'unknown', `${what}: ${detail}`);
    }
    if (json === undefined) throw new Error(`${what}: ${response.status} with a body that is not JSON`);
    return { status: response.status, json, headers: response.headers };
  }

  /** Every item of a collection, page after page (`per_page` 100) until `X-WP-TotalPages`. */
  async function all(
    path: string,
    query: Record<string, string | number>,
    maxPages = Infinity,
  ): Promise<Json[]> {
    const items: Json[] = [];
    for (let page = 1; page <= maxPages; page++) {
      const { json, headers } = await call('GET', path, { query: { ...query, per_page: PER_PAGE, page } });
      if (!Array.isArray(json)) throw new Error(`WooCommerce GET ${path}: the answer is not a list`);
      items.push(...json);
      const pages = Number(headers.get('x-wp-totalpages') ?? '1');
      if (json.length === 0 || page >= pages) break;
    }
    return items;
  }

  // ---- products ------------------------------------------------------------------------------------

  /** The parent of each variation read so far, for the line items of an import. */
  const parentIds = new Map<string, number>();

  const sellable = (p: Json) => p && !['variable', 'grouped', 'external'].includes(p.type);

  function toProduct(p: Json, parent?: Json): StoreProduct {
    const isVariation = p.type === 'variation';
    const managed = p.manage_stock === true || p.manage_stock === 'parent';
    const stock = managed && typeof p.stock_quantity === 'number' ? Math.trunc(p.stock_quantity) : 0;
    const attributes: Record<string, string> = {};
    for (const m of Array.isArray(p.meta_data) ? p.meta_data : []) {
      if (typeof m?.key !== 'string' || Object.hasOwn(attributes, m.key)) continue;
      if (typeof m.value === 'string' || typeof m.value === 'number') attributes[m.key] = String(m.value);
    }
    const options = Array.isArray(p.attributes)
      ? p.attributes.map((a: Json) => a?.option).filter((o: unknown) => typeof o === 'string' && o !== '')
      : [];
    const name =
      isVariation && parent?.name
        ? `${parent.name}${options.length ? ` - ${options.join(', ')}` : ''}`
        : p.name;
    const final = cents(p.price);
    if (isVariation && Number(p.parent_id) > 0) parentIds.set(String(p.id), Number(p.parent_id));
    return {
      id: String(p.id),
      sku: text(p.sku) ?? null,
      ean: text(p.global_unique_id) ?? null,
      reference: isVariation ? (text(parent?.sku) ?? String(p.parent_id)) : (text(p.sku) ?? String(p.id)),
      name: typeof name === 'string' ? name : null,
      stock,
      priceFinalInclTaxCents: final,
      priceOriginalInclTaxCents: cents(p.regular_price) ?? final,
      attributes,
    };
  }

  /** The parents of variations, by id (one `include` call per 100). */
  async function parentsOf(items: Json[]): Promise<Map<number, Json>> {
    const ids = [...new Set(items.filter((p) => p.type === 'variation').map((p) => Number(p.parent_id)))];
    const parents = new Map<number, Json>();
    for (let i = 0; i < ids.length; i += PER_PAGE) {
      const chunk = ids.slice(i, i + PER_PAGE);
      for (const p of await all('/products', { include: chunk.join(',') })) parents.set(Number(p.id), p);
    }
    return parents;
  }

  /** `GET /products?<filter>=a,b,…`, exact values, variations included; confirmed value by value. */
  async function byExactFilter(filter: 'sku' | 'global_unique_id', keys: string[]): Promise<Json[]> {
    const found: Json[] = [];
    const wanted = new Set(keys);
    // A value holding a comma is asked alone: WooCommerce splits the list on commas.
    const plain = keys.filter((k) => !k.includes(','));
    const chunks = [...chunk(plain, 50), ...keys.filter((k) => k.includes(',')).map((k) => [k])];
    for (const values of chunks) {
      for (const p of await all('/products', { [filter]: values.join(',') })) {
        if (wanted.has(String(p[filter] ?? '').trim())) found.push(p);
      }
    }
    return found;
  }

  async function byIds(keys: string[]): Promise<Json[]> {
    const ids = [...new Set(keys.filter((k) => /^\d+$/.test(k)).map(Number))];
    const found = new Map<number, Json>();
    for (const values of chunk(ids, PER_PAGE)) {
      for (const p of await all('/products', { include: values.join(',') })) found.set(Number(p.id), p);
    }
    // `include` lists products only: a variation is read by its id (GET /products/<id> serves both).
    for (const id of ids.filter((i) => !found.has(i))) {
      try {
        found.set(id, (await call('GET', `/products/${id}`)).json);
      } catch (err) {
        if (err instanceof WooCommerceApiError && err.status === 404) continue;
        throw err;
      }
    }
    return [...found.values()];
  }

  async function productsByKeys(attribute: string, keys: string[]): Promise<StoreProduct[]> {
    const wanted = [...new Set(keys.map((k) => k.trim()).filter((k) => k !== ''))];
    if (wanted.length === 0) return [];
    let products: StoreProduct[];
    if (attribute.startsWith('attributes.')) {
      const name = attribute.slice('attributes.'.length);
      const set = new Set(wanted);
      products = [];
      let after: string | undefined;
      do {
        const page = await catalogue({ after, limit: 500 });
        for (const p of page.products) {
          const value =
            p.attributes && Object.hasOwn(p.attributes, name) ? p.attributes[name]!.trim() : undefined;
          if (value !== undefined && set.has(value)) products.push(p);
        }
        after = page.next;
      } while (after);
    } else {
      let raw: Json[];
      if (attribute === 'id') raw = await byIds(wanted);
      else if (attribute === 'sku') raw = await byExactFilter('sku', wanted);
      else if (attribute === 'ean') raw = await byExactFilter('global_unique_id', wanted);
      else
        throw new Error(
          `Unknown identification attribute "${attribute}" (id, sku, ean or attributes.<name>)`,
        );
      raw = raw.filter(sellable);
      const parents = await parentsOf(raw);
      products = raw.map((p) => toProduct(p, parents.get(Number(p.parent_id))));
    }
    const byId = new Map(products.map((p) => [p.id, p]));
    return sortProductIds(byId.keys()).map((id) => byId.get(id)!);
  }

  /**
   * The catalogue a page at a time: products by id, each variable product replaced by its variations
   * (by id). The cursor `v1.<product offset>.<variation offset>` stays valid across restarts; products
   * added meanwhile come at the end (ids grow).
   */
  async function catalogue(page: { after?: string; limit: number }) {
    const limit = Math.max(1, Math.floor(page.limit));
    let [po, vo] = parseCursor(page.after);
    const out: StoreProduct[] = [];
    const next = () => `v1.${po}.${vo}`;
    while (out.length < limit) {
      const perPage = Math.min(PER_PAGE, limit - out.length);
      const { json: products } = await call('GET', '/products', {
        query: { orderby: 'id', order: 'asc', offset: po, per_page: perPage },
      });
      if (!Array.isArray(products) || products.length === 0) return { products: out };
      for (const p of products) {
        if (p.type === 'variable') {
          while (out.length < limit) {
            const want = Math.min(PER_PAGE, limit - out.length);
            const { json: variations } = await call('GET', `/products/${p.id}/variations`, {
              query: { orderby: 'id', order: 'asc', offset: vo, per_page: want },
            });
            const list: Json[] = Array.isArray(variations) ? variations : [];
            out.push(...list.map((v) => toProduct({ ...v, type: 'variation', parent_id: p.id }, p)));
            vo += list.length;
            if (list.length < want) {
              po += 1;
              vo = 0;
              break;
            }
          }
          if (out.length >= limit) return { products: out, next: next() };
        } else {
          po += 1;
          if (sellable(p)) out.push(toProduct(p));
          if (out.length >= limit) return { products: out, next: next() };
        }
      }
      if (products.length < perPage) return { products: out };
    }
    return { products: out, next: next() };
  }

  // ---- orders --------------------------------------------------------------------------------------

  const isOurs = (o: Json, connectionId: string, marketplaceOrderId: string) =>
    o &&
    o.status !== 'checkout-draft' &&
    o.status !== 'trash' &&
    metaText(o, MARKETPLACE_ORDER_META) === marketplaceOrderId &&
    metaText(o, CONNECTION_META) === connectionId;

  function toShopOrder(o: Json): ShopOrder {
    const status = o.status === 'completed' ? 'SHIPPED' : o.status === 'cancelled' ? 'CANCELLED' : 'OPEN';
    const shipment = status === 'SHIPPED' ? orderShipment(o, config.trackingMetaKey) : undefined;
    return {
      id: String(o.id),
      marketplaceOrderId: metaText(o, MARKETPLACE_ORDER_META) ?? '',
      status,
      ...(shipment ? { shipment } : {}),
    };
  }

  async function findRaw(connectionId: string, marketplaceOrderId: string): Promise<Json | undefined> {
    const searched = await all(
      '/orders',
      { search: transactionMarker(marketplaceOrderId), status: 'any', orderby: 'id', order: 'asc' },
      10,
    );
    const hit = searched.find((o) => isOurs(o, connectionId, marketplaceOrderId));
    if (hit) return hit;
    // Posts storage does not search transaction ids: the latest orders we created.
    const { json: latest } = await call('GET', '/orders', {
      query: { created_via: CREATED_VIA, status: 'any', orderby: 'date', order: 'desc', per_page: PER_PAGE },
    });
    return (Array.isArray(latest) ? latest : []).find((o: Json) =>
      isOurs(o, connectionId, marketplaceOrderId),
    );
  }

  async function findOrder(connectionId: string, marketplaceOrderId: string) {
    const raw = await findRaw(connectionId, marketplaceOrderId);
    return raw ? toShopOrder(raw) : undefined;
  }

  async function importOrder(request: ImportRequest) {
    const existing = await findRaw(request.connectionId, request.marketplaceOrderId);
    if (existing) return { order: toShopOrder(existing), created: false };

    const keys = [...new Set(request.lines.map((l) => l.key.trim()))];
    const byKey = productsByKey(
      await productsByKeys(request.identificationAttribute, keys),
      request.identificationAttribute,
    );
    const unknown = request.lines.filter((l) => !byKey.has(l.key.trim()));
    if (unknown.length) {
      throw new ImportRejectedError(
        `Unknown product: ${unknown.map((l) => `line ${l.line} "${l.key}"`).join(', ')} ` +
          `(no WooCommerce product or variation with ${request.identificationAttribute} equal to it)`,
      );
    }
    const linesCents = request.lines.reduce((sum, l) => sum + l.unitPriceCents * l.quantity, 0);
    const relay = request.shippingAddress.relayPointId?.trim();
    const shipping = address(request.shippingAddress, false);
    if (relay && !shipping.address_2) shipping.address_2 = `Relay point ${relay}`;
    const body = {
      set_paid: true,
      payment_method: 'spartoo',
      payment_method_title: 'Spartoo',
      transaction_id: transactionMarker(request.marketplaceOrderId),
      created_via: CREATED_VIA,
      billing: address(request.billingAddress, true),
      shipping,
      line_items: request.lines.map((l) => {
        const product = byKey.get(l.key.trim())!;
        const total = money(l.unitPriceCents * l.quantity);
        return { ...productRef(product), quantity: l.quantity, subtotal: total, total };
      }),
      shipping_lines: [
        {
          method_id: SHIPPING_METHOD_ID,
          method_title: request.shippingMethod,
          total: money(Math.max(0, request.totalCents - linesCents)),
        },
      ],
      meta_data: [
        { key: MARKETPLACE_ORDER_META, value: request.marketplaceOrderId },
        { key: CONNECTION_META, value: request.connectionId },
        ...(relay ? [{ key: RELAY_POINT_META, value: relay }] : []),
      ],
    };
    try {
      const { json } = await call('POST', '/orders', { body });
      return { order: toShopOrder(json), created: true };
    } catch (err) {
      if (err instanceof WooCommerceApiError) {
        throw new ImportRejectedError(`WooCommerce refused the order: ${err.message}`);
      }
      if (err instanceof StoreAccessError) throw err;
      // No answer: the order may have been created all the same.
      const found = await findRaw(request.connectionId, request.marketplaceOrderId).catch(() => undefined);
      if (found) return { order: toShopOrder(found), created: false };
      throw err;
    }
  }

  /** product_id, and variation_id for a variation (parents noted by toProduct as products are read). */
  function productRef(product: StoreProduct): { product_id: number; variation_id?: number } {
    const parent = parentIds.get(product.id);
    return parent
      ? { product_id: parent, variation_id: Number(product.id) }
      : { product_id: Number(product.id) };
  }

  async function cancelOrder(storeOrderId: string) {
    const id = orderId(storeOrderId);
    let order: Json;
    try {
      order = (await call('GET', `/orders/${id}`)).json;
    } catch (err) {
      if (err instanceof WooCommerceApiError && err.status === 404) {
        throw new Error(`WooCommerce order ${id} not found`);
      }
      throw err;
    }
    if (order.status === 'cancelled') return { changed: false };
    await call('PUT', `/orders/${id}`, { body: { status: 'cancelled' } });
    return { changed: true };
  }

  async function restock(productId: string, quantity: number, key: string) {
    if (!/^\d+$/.test(productId))
      throw new Error(`WooCommerce product id must be a number, got "${productId}"`);
    let product: Json;
    try {
      product = (await call('GET', `/products/${productId}`)).json;
    } catch (err) {
      if (err instanceof WooCommerceApiError && err.status === 404) {
        throw new Error(`WooCommerce product ${productId} not found`);
      }
      throw err;
    }
    const applied = metaValue(product, RESTOCK_META);
    const keys = Array.isArray(applied) ? applied.map(String) : [];
    if (keys.includes(key)) return { changed: false };
    if (!(product.manage_stock === true || product.manage_stock === 'parent')) return { changed: false };
    const path =
      product.type === 'variation'
        ? `/products/${product.parent_id}/variations/${product.id}`
        : `/products/${product.id}`;
    await call('PUT', path, {
      body: {
        inventory_delta: Math.trunc(quantity),
        meta_data: [{ key: RESTOCK_META, value: [...keys, key].slice(-RESTOCK_KEYS_KEPT) }],
      },
    });
    return { changed: true };
  }

  async function orderEventsSince(since: Date): Promise<ShopOrderEvent[]> {
    // `modified_after` is exclusive and compared to the second: one second earlier makes `since` inclusive.
    const after = new Date(Math.floor(since.getTime() / 1000) * 1000 - 1000).toISOString().slice(0, 19);
    const orders = await all('/orders', {
      modified_after: after,
      dates_are_gmt: 'true',
      status: 'completed,cancelled',
      created_via: CREATED_VIA,
      orderby: 'id',
      order: 'asc',
    });
    const events: ShopOrderEvent[] = [];
    for (const o of orders) {
      const event = parseWooCommerceWebhook(o, config.trackingMetaKey);
      if (event) events.push(event);
    }
    return events;
  }

  // ---- credentials and webhooks --------------------------------------------------------------------

  async function ourWebhooks(): Promise<Json[]> {
    const hooks = await all('/webhooks', { status: 'all' });
    return hooks.filter((w) => w.delivery_url === webhookUrl);
  }

  async function unsubscribe(): Promise<void> {
    for (const hook of await ourWebhooks()) {
      try {
        await call('DELETE', `/webhooks/${hook.id}`, { query: { force: 'true' } });
      } catch (err) {
        if (!(err instanceof WooCommerceApiError && err.status === 404)) throw err;
      }
    }
  }

  async function test() {
    const { json: index } = await call('GET', '/', { base: `${root}/wp-json` });
    const { headers } = await call('GET', '/products', { query: { per_page: 1 } });
    // The secret of an existing subscription cannot be read back: replace ours with a fresh one.
    await unsubscribe();
    await call('POST', '/webhooks', {
      body: {
        name: `Spartoo sync: order.updated (${deps.storeId})`,
        topic: 'order.updated',
        delivery_url: webhookUrl,
        secret: webhookSecret,
      },
    });
    const shopName =
      typeof index?.name === 'string' && index.name.trim() ? index.name.trim() : new URL(root).host;
    return { shopName, productCount: Number(headers.get('x-wp-total') ?? '0'), webhooksRegistered: 1 };
  }

  return {
    kind: 'woocommerce',
    webhookUrl,
    async productsByKeys(attribute, keys) {
      return productsByKeys(attribute, keys);
    },
    catalogue,
    importOrder,
    findOrder,
    cancelOrder,
    restock,
    orderEventsSince,
    test,
    unsubscribe,
  };
}

// ---- helpers ---------------------------------------------------------------------------------------

function chunk<T>(items: T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

function text(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/** "12.50" → 1250; undefined for blank or not a number. */
function cents(value: unknown): number | null {
  const t = text(value);
  if (t === undefined) return null;
  const n = Number(t);
  return Number.isFinite(n) ? Math.round(n * 100) : null;
}

/** 1250 → "12.50" (WooCommerce wants money as strings). */
function money(c: number): string {
  const sign = c < 0 ? '-' : '';
  const abs = Math.abs(Math.round(c));
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

function metaValue(o: Json, key: string): unknown {
  return Array.isArray(o?.meta_data) ? o.meta_data.find((m: Json) => m?.key === key)?.value : undefined;
}

function metaText(o: Json, key: string): string | undefined {
  return text(metaValue(o, key));
}

function parseCursor(after: string | undefined): [number, number] {
  if (!after) return [0, 0];
  const m = /^v1\.(\d+)\.(\d+)$/.exec(after);
  if (!m) throw new Error(`Not a WooCommerce catalogue cursor: "${after}"`);
  return [Number(m[1]), Number(m[2])];
}

function orderId(storeOrderId: string): number {
  if (!/^\d+$/.test(storeOrderId.trim()))
    throw new Error(`WooCommerce order id must be a number, got "${storeOrderId}"`);
  return Number(storeOrderId.trim());
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The product's Address as a WooCommerce billing / shipping address (email only when valid). */
function address(a: Address, billing: boolean): Record<string, string> {
  const out: Record<string, string> = {
    first_name: a.firstName,
    last_name: a.lastName,
    company: a.company,
    address_1: a.street,
    address_2: a.suburb,
    city: a.city,
    state: a.state,
    postcode: a.postcode,
    country: a.country,
    phone: a.phone ?? '',
  };
  // WordPress refuses an order whose billing email is malformed: leave such an email out.
  if (billing) out.email = a.email && EMAIL.test(a.email) ? a.email : '';
  return out;
}
