/**
 * The Shopify store adapter (issue 11): the store port (store/store.ts) over Shopify's Admin GraphQL
 * API, version 2026-10 (api-version.ts says why), with the official client
 * `@shopify/admin-api-client` and a custom app's access token.
 *
 * - Transport: the client always builds `https://<host>/admin/api/<version>/graphql.json` (it forces
 *   https and keeps only the origin of `storeDomain`). A store configured with a full base URL, such
 *   as the sandbox's `http://127.0.0.1:3200`, is reached through the client's `customFetchApi` hook:
 *   it rewrites that https origin back to the configured base (scheme, host, port, path) and hands
 *   the request to `deps.fetch` (or the global fetch). A `*.myshopify.com` domain stays https.
 * - Throttle (https://shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits): each answer's
 *   `extensions.cost.throttleStatus` is kept; a request waits first when the bucket, refilled at
 *   `restoreRate` since, holds less than what the same operation cost last time; a THROTTLED answer
 *   (HTTP 200 or 429) waits for `(requested − currentlyAvailable) / restoreRate` and tries again, a
 *   few times, then fails as a transient error.
 * - Errors: 401, 402, 403, 404, 423 and ACCESS_DENIED are StoreAccessError (token revoked, app
 *   uninstalled, scope missing, shop frozen or gone); an unknown product or a refused order
 *   (userErrors) is ImportRejectedError; 5xx, network failures and throttling are ordinary errors.
 *   No message carries the token or customer data (names, addresses, emails, phones).
 * - Products are variants: `StoreProduct.id` is the variant's numeric id (`legacyResourceId`, as in
 *   webhooks and the admin's URLs); identification attributes `id`, `sku`, `ean` (barcode) and
 *   `metafield.<namespace>.<key>`; stock is `available` at the configured locations (every active
 *   location when none: the variant's `inventoryQuantity`); final price `price`, original
 *   `compareAtPrice`, else `price`.
 * - Import: `orderCreate` with `inventoryBehaviour: DECREMENT_IGNORING_POLICY` (stock is taken even
 *   when short, as the built-in store does: a hand-accepted order may oversell), paid with a
 *   Spartoo transaction, taxes included, both addresses (a relay point as the shipping address, its id
 *   in `address2` and a custom attribute), one shipping line titled with the mapped method, source
 *   `spartoo` with the Spartoo order id as `sourceIdentifier` and `poNumber`, and the tags `Spartoo`
 *   and `spartoo:<connectionId>:<orderId>`. orderCreate has no idempotency key, so the tag is the
 *   key: the import searches for it first, and searches again after a failed call whose answer may
 *   have been lost, before any second orderCreate.
 * - Cancel: `orderCancel` (restock, no refund: Spartoo refunds the buyer, no customer email), then
 *   waits for its job; an order already cancelled (here or by the merchant) changes nothing.
 * - Restock once per key: the variant keeps a metafield per key applied
 *   (`spartoo_sync_restocks.r_<sha256(key)>`, which the merchant can see in the admin) and the
 *   adjustment itself is sent with `@idempotent(key:)` derived from the product and the key, so a
 *   retry between the adjustment and the metafield is replayed by Shopify, not applied twice.
 */
import { createHash } from 'node:crypto';
import { type AdminApiClient, createAdminApiClient } from '@shopify/admin-api-client';
import { compareProductIds } from '../../domain/product-keys';
import type { Address, StoreProduct } from '../../domain/types';
import {
  ImportRejectedError,
  type ImportRequest,
  type ShopOrder,
  type ShopOrderEvent,
  StoreAccessError,
  type StorePort,
} from '../store';
import { SHOPIFY_API_VERSION } from './api-version';
import { countryCode } from './countries';
import { orderTag, SPARTOO_TAG, spartooOrderOf } from './webhooks';

export interface ShopifyStoreConfig {
  /** `my-shop.myshopify.com`, `https://my-shop.myshopify.com`, or a full base URL (the sandbox). */
  shopUrl: string;
  /** The custom app's Admin API access token (`shpat_…`). */
  accessToken: string;
  /** The app's API secret key, which signs webhooks (verified by webhooks.ts, not used here). */
  webhookSecret: string;
  /** Locations whose stock counts (GIDs or numeric ids); none: every active location. */
  locationIds?: string[];
}

export interface ShopifyStoreDeps {
  /** Where the product is reached from outside (`PUBLIC_URL`): the base of the webhook addresses. */
  publicUrl: string;
  /** The store's id in the product: webhooks are subscribed at `${publicUrl}/hooks/shopify/<storeId>`. */
  storeId?: string;
  fetch?: typeof fetch;
  /**
   * Identification attributes (`metafield.<ns>.<key>`) the connections on this store use: the
   * catalogue carries their values in `attributes` so the stock push can key each product.
   */
  catalogueAttributes?: string[];
  /** Operational messages (never a token nor customer data). */
  log?: (message: string) => void;
  /** THROTTLED answers retried before giving up (default 5), and the longest single wait (default 30 s). */
  throttle?: { attempts?: number; maxWaitMs?: number };
  /** How long `cancelOrder` waits for Shopify's cancel job (default 20 s). */
  cancelJobTimeoutMs?: number;
}

/** The port, plus what deleting a store needs. */
export interface ShopifyStore extends StorePort {
  readonly kind: 'shopify';
  /** The address Shopify posts this store's webhooks to. */
  readonly webhookUrl: string | undefined;
  /** Deletes this store's webhook subscriptions (a store deleted); answers how many. */
  unsubscribeWebhooks(): Promise<number>;
}

/** Topics the product follows: a shipment (with tracking) and a cancellation. */
const TOPICS = ['ORDERS_FULFILLED', 'ORDERS_CANCELLED'] as const;
const CURRENCY = 'EUR';
const LEDGER_NAMESPACE = 'spartoo_sync_restocks';
const MAX_COST = 1000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const toCents = (amount: string | null | undefined) =>
  amount === null || amount === undefined || amount === '' ? null : Math.round(Number(amount) * 100);
const amount = (cents: number) => (cents / 100).toFixed(2);
const gid = (type: string, id: string) => (id.startsWith('gid://') ? id : `gid://shopify/${type}/${id}`);
/** A search value in double quotes, with Shopify's backslash escapes. */
const quoted = (value: string) => `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

interface VariantNode {
  id: string;
  legacyResourceId: string;
  sku: string | null;
  barcode: string | null;
  price: string;
  compareAtPrice: string | null;
  displayName: string;
  inventoryQuantity?: number | null;
  inventoryItem?: Record<string, { quantities: { name: string; quantity: number }[] } | null>;
  [alias: string]: unknown;
}

interface OrderNode {
  id: string;
  legacyResourceId: string;
  tags: string[];
  updatedAt: string;
  cancelledAt: string | null;
  displayFulfillmentStatus: string;
  fulfillments: {
    createdAt: string;
    status: string;
    trackingInfo: { number: string | null; company: string | null }[];
  }[];
}

const ORDER_FIELDS = `id legacyResourceId tags updatedAt cancelledAt displayFulfillmentStatus
  fulfillments(first: 5) { createdAt status trackingInfo(first: 1) { number company } }`;

/** A GraphQL failure that says the answer may never have come back (the request may have run). */
class TransientShopifyError extends Error {
  override name = 'TransientShopifyError';
}

export function createShopifyStore(config: ShopifyStoreConfig, deps: ShopifyStoreDeps): ShopifyStore {
  const base = baseUrl(config.shopUrl);
  const clientOrigin = (() => {
    const u = new URL(base);
    u.protocol = 'https';
    return u.origin;
  })();
  const fetchImpl = deps.fetch ?? fetch;
  const log = deps.log ?? (() => undefined);
  const token = config.accessToken;
  const redact = (text: string) => (token ? text.split(token).join('•••') : text);

  const client: AdminApiClient = createAdminApiClient({
    storeDomain: base,
    apiVersion: SHOPIFY_API_VERSION,
    accessToken: token,
    retries: 0, // throttling and failures are handled below, where they are understood
    // The client only speaks https to the shop's origin; send its request where the store really is.
    customFetchApi: (url, init) => {
      const target = String(url).startsWith(clientOrigin)
        ? base + String(url).slice(clientOrigin.length)
        : String(url);
      return fetchImpl(target, init as RequestInit);
    },
    // Its logger sees requests with their headers (the token): only the version warning is passed on.
    logger: (entry) => {
      if (entry.type === 'Unsupported_Api_Version')
        log(`Shopify API version ${SHOPIFY_API_VERSION} is no longer supported`);
    },
  });

  const locationIds = config.locationIds?.length
    ? [...new Set(config.locationIds.map((id) => gid('Location', id.trim())))]
    : undefined;
  for (const id of locationIds ?? []) {
    if (!/^gid:\/\/shopify\/Location\/\d+$/.test(id)) throw new Error(`Invalid Shopify location id "${id}"`);
  }
  const webhookUrl = deps.storeId
    ? `${deps.publicUrl.replace(/\/+$/, '')}/hooks/shopify/${encodeURIComponent(deps.storeId)}`
    : undefined;

  // ---- the one way to Shopify: throttle, errors ----

  const bucket = { available: Number.POSITIVE_INFINITY, restoreRate: 50, at: 0 };
  const lastCost = new Map<string, number>();
  const throttleAttempts = deps.throttle?.attempts ?? 5;
  const maxWaitMs = deps.throttle?.maxWaitMs ?? 30_000;

  async function call<T>(operation: string, query: string, variables?: Record<string, unknown>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      // Wait first when the bucket cannot hold what this operation cost last time.
      const expected = lastCost.get(operation) ?? 0;
      const projected = Math.min(
        Number.MAX_SAFE_INTEGER,
        bucket.available + ((Date.now() - bucket.at) / 1000) * bucket.restoreRate,
      );
      if (projected < expected)
        await sleep(Math.min(maxWaitMs, ((expected - projected) / bucket.restoreRate) * 1000));

      let response: Awaited<ReturnType<AdminApiClient['request']>>;
      try {
        response = await client.request(query, { variables });
      } catch (err) {
        throw new TransientShopifyError(`Shopify ${operation}: ${redact((err as Error).message)}`);
      }
      const cost = (response.extensions as { cost?: CostExtension } | undefined)?.cost;
      if (cost) remember(operation, cost);
      const errors = response.errors;
      const status = errors?.networkStatusCode;
      if (status !== undefined && status !== 200) {
        if (status === 429) {
          const body = await readBody(errors?.response);
          if (body?.extensions?.cost) remember(operation, body.extensions.cost);
          if (attempt < throttleAttempts) {
            await sleep(throttleWait(body?.extensions?.cost, errors?.response?.headers.get('Retry-After')));
            continue;
          }
          throw new TransientShopifyError(
            `Shopify throttled ${operation} (HTTP 429) ${attempt} times in a row`,
          );
        }
        throw httpError(operation, status);
      }
      if (errors && status === undefined) {
        throw new TransientShopifyError(`Shopify ${operation}: ${redact(errors.message ?? 'no answer')}`);
      }
      const graphQLErrors = (errors?.graphQLErrors ?? []) as GraphQLErrorShape[];
      if (graphQLErrors.some((e) => e.extensions?.code === 'THROTTLED')) {
        if (attempt < throttleAttempts) {
          await sleep(throttleWait(cost));
          continue;
        }
        throw new TransientShopifyError(
          `Shopify throttled ${operation} (THROTTLED) ${attempt} times in a row`,
        );
      }
      const denied = graphQLErrors.find((e) => e.extensions?.code === 'ACCESS_DENIED');
      if (denied) {
        throw new StoreAccessError(
          `Shopify denied ${operation}: the app lacks a scope (${String(denied.extensions?.requiredAccess ?? 'access denied')})`,
        );
      }
      if (graphQLErrors.length) {
        const codes = graphQLErrors.map((e) => e.extensions?.code).filter(Boolean);
        if (codes.includes('INTERNAL_SERVER_ERROR'))
          throw new TransientShopifyError(`Shopify failed ${operation} (internal error)`);
        if (codes.includes('SHOP_INACTIVE'))
          throw new StoreAccessError(`Shopify: the shop is inactive (${operation})`);
        throw new Error(`Shopify refused ${operation}: ${graphQLErrors.map((e) => e.message).join('; ')}`);
      }
      if (!response.data) throw new TransientShopifyError(`Shopify ${operation}: no data in the answer`);
      return response.data as T;
    }
  }

  function remember(operation: string, cost: CostExtension) {
    if (cost.requestedQueryCost) lastCost.set(operation, cost.requestedQueryCost);
    const s = cost.throttleStatus;
    if (s) {
      bucket.available = s.currentlyAvailable;
      bucket.restoreRate = s.restoreRate || bucket.restoreRate;
      bucket.at = Date.now();
    }
  }

  function throttleWait(cost: CostExtension | undefined, retryAfter?: string | null): number {
    if (retryAfter && Number(retryAfter) > 0) return Math.min(maxWaitMs, Number(retryAfter) * 1000);
    const s = cost?.throttleStatus;
    if (!s) return Math.min(maxWaitMs, 1000);
    const missing = Math.max(1, (cost.requestedQueryCost ?? 0) - s.currentlyAvailable);
    return Math.min(maxWaitMs, Math.ceil((missing / Math.max(1, s.restoreRate)) * 1000) + 50);
  }

  // ---- products ----

  const metafieldOf = (attribute: string) => {
    const m = /^metafield\.([^.\s]+)\.([^.\s]+)$/.exec(attribute);
    return m ? { namespace: m[1]!, key: m[2]! } : undefined;
  };
  const catalogueMetafields = (deps.catalogueAttributes ?? []).flatMap((attribute) => {
    const m = metafieldOf(attribute);
    return m ? [{ attribute, ...m }] : [];
  });

  /** The variant selection: stock per configured location, or over all; the metafields asked for. */
  function variantFields(metafields: { namespace: string; key: string }[]): string {
    const stock = locationIds
      ? `inventoryItem { ${locationIds
          .map(
            (id, i) =>
              `l${i}: inventoryLevel(locationId: "${id}") { quantities(names: ["available"]) { name quantity } }`,
          )
          .join(' ')} }`
      : 'inventoryQuantity';
    const fields = metafields
      .map(
        (m, i) =>
          `m${i}: metafield(namespace: ${JSON.stringify(m.namespace)}, key: ${JSON.stringify(m.key)}) { value }`,
      )
      .join(' ');
    return `id legacyResourceId sku barcode price compareAtPrice displayName ${stock} ${fields}`;
  }

  /** What one variant costs in a query with `variantFields` (objects 1, inventory levels 2 each). */
  const variantCost = (metafields: number) => 1 + metafields + (locationIds ? 1 + 2 * locationIds.length : 0);
  const pageSize = (metafields: number) =>
    Math.max(1, Math.min(250, Math.floor((MAX_COST - 2) / variantCost(metafields))));

  function toProduct(node: VariantNode, metafields: { attribute: string }[]): StoreProduct {
    const stock = locationIds
      ? locationIds.reduce((sum, _id, i) => {
          const level = node.inventoryItem?.[`l${i}`];
          return sum + (level?.quantities.find((q) => q.name === 'available')?.quantity ?? 0);
        }, 0)
      : (node.inventoryQuantity ?? 0);
    const attributes: Record<string, string> = {};
    metafields.forEach((m, i) => {
      const value = (node[`m${i}`] as { value?: string } | null | undefined)?.value;
      if (typeof value === 'string') attributes[m.attribute] = value;
    });
    const price = toCents(node.price);
    return {
      id: node.legacyResourceId,
      sku: node.sku,
      ean: node.barcode,
      reference: node.sku,
      name: node.displayName,
      stock,
      priceFinalInclTaxCents: price,
      priceOriginalInclTaxCents: toCents(node.compareAtPrice) ?? price,
      attributes,
    };
  }

  /** Products whose attribute equals one of the keys, each with the key it has. */
  async function lookup(
    attribute: string,
    keys: string[],
  ): Promise<{ product: StoreProduct; key: string }[]> {
    const wanted = [...new Set(keys.map((k) => k.trim()).filter((k) => k !== ''))];
    if (wanted.length === 0) return [];
    const metafield = metafieldOf(attribute);
    const found: { product: StoreProduct; key: string }[] = [];
    const metafields = metafield ? [{ attribute, ...metafield }] : [];
    const fields = variantFields(metafields);

    if (attribute === 'id') {
      const ids = wanted.filter((k) => /^\d+$/.test(k) || /^gid:\/\/shopify\/ProductVariant\/\d+$/.test(k));
      const size = pageSize(0);
      for (let i = 0; i < ids.length; i += size) {
        const chunk = ids.slice(i, i + size);
        const data = await call<{ nodes: (VariantNode | null)[] }>(
          'productsByKeys',
          `query VariantsById($ids: [ID!]!) { nodes(ids: $ids) { ... on ProductVariant { ${fields} } } }`,
          { ids: chunk.map((k) => gid('ProductVariant', k)) },
        );
        data.nodes.forEach((node, j) => {
          if (node?.legacyResourceId) found.push({ product: toProduct(node, metafields), key: chunk[j]! });
        });
      }
      return found;
    }

    const field = attribute === 'sku' ? 'sku' : attribute === 'ean' ? 'barcode' : undefined;
    const searchField =
      field ?? (metafield ? `metafields.${metafield.namespace}.${metafield.key}` : undefined);
    if (!searchField) {
      throw new ImportRejectedError(
        `The identification attribute "${attribute}" does not exist in a Shopify store: use id, sku, ean or metafield.<namespace>.<key>`,
      );
    }
    const keyValue = (node: VariantNode, product: StoreProduct) =>
      (field === 'sku'
        ? node.sku
        : field === 'barcode'
          ? node.barcode
          : product.attributes?.[attribute]
      )?.trim();
    const wantedSet = new Set(wanted);
    for (let i = 0; i < wanted.length; i += 25) {
      // Shopify's search is tokenized (sku:ABC-1 also finds ABC-10-X): each hit is checked exactly.
      const query = wanted
        .slice(i, i + 25)
        .map((k) => `${searchField}:${quoted(k)}`)
        .join(' OR ');
      let after: string | null = null;
      do {
        const data: { productVariants: { nodes: VariantNode[]; pageInfo: PageInfo } } = await call(
          'productsByKeys',
          `query VariantsByKey($query: String!, $first: Int!, $after: String) {
            productVariants(first: $first, after: $after, query: $query) {
              nodes { ${fields} } pageInfo { hasNextPage endCursor } } }`,
          { query, first: pageSize(metafields.length), after },
        );
        for (const node of data.productVariants.nodes) {
          const product = toProduct(node, metafields);
          const value = keyValue(node, product);
          if (value !== undefined && wantedSet.has(value)) found.push({ product, key: value });
        }
        after = data.productVariants.pageInfo.hasNextPage ? data.productVariants.pageInfo.endCursor : null;
      } while (after);
    }
    return found;
  }

  // ---- orders ----

  function toShopOrder(node: OrderNode): ShopOrder | undefined {
    const ours = spartooOrderOf(node.tags);
    if (!ours) return undefined;
    const shipped = shipmentOf(node);
    return {
      id: node.legacyResourceId,
      marketplaceOrderId: ours.marketplaceOrderId,
      status: node.cancelledAt
        ? 'CANCELLED'
        : node.displayFulfillmentStatus === 'FULFILLED'
          ? 'SHIPPED'
          : 'OPEN',
      ...(shipped?.shipment && !node.cancelledAt ? { shipment: shipped.shipment } : {}),
    };
  }

  async function findOrder(connectionId: string, marketplaceOrderId: string): Promise<ShopOrder | undefined> {
    const tag = orderTag(connectionId, marketplaceOrderId);
    const data = await call<{ orders: { nodes: OrderNode[] } }>(
      'findOrder',
      `query OrderByTag($query: String!) { orders(first: 10, query: $query, sortKey: ID) { nodes { ${ORDER_FIELDS} } } }`,
      { query: `tag:${quoted(tag)}` },
    );
    // The first order carrying exactly this tag (there is one; were there two, the oldest is the one).
    const node = data.orders.nodes.find((o) => o.tags.some((t) => t.toLowerCase() === tag.toLowerCase()));
    return node && toShopOrder(node);
  }

  /** After a call whose answer may be lost: did it create the order? Search a few times. */
  async function findAfterLostAnswer(request: ImportRequest): Promise<ShopOrder | undefined> {
    for (const wait of [0, 500, 1500]) {
      await sleep(wait);
      try {
        const found = await findOrder(request.connectionId, request.marketplaceOrderId);
        if (found) return found;
      } catch (err) {
        if (err instanceof StoreAccessError) throw err;
      }
    }
    return undefined;
  }

  async function importOrder(request: ImportRequest): Promise<{ order: ShopOrder; created: boolean }> {
    const existing = await findOrder(request.connectionId, request.marketplaceOrderId);
    if (existing) return { order: existing, created: false };

    const hits = await lookup(
      request.identificationAttribute,
      request.lines.map((l) => l.key),
    );
    // Among variants sharing a key, the lowest id wins (domain/product-keys.ts).
    const byKey = new Map<string, StoreProduct>();
    for (const { product, key } of hits) {
      const current = byKey.get(key);
      if (!current || compareProductIds(product.id, current.id) < 0) byKey.set(key, product);
    }
    const unknown = request.lines.filter((l) => !byKey.has(l.key.trim()));
    if (unknown.length) {
      throw new ImportRejectedError(
        `Unknown product: ${unknown.map((l) => `line ${l.line} "${l.key}"`).join(', ')} ` +
          `(no Shopify variant with ${request.identificationAttribute} equal to it)`,
      );
    }

    const linesCents = request.lines.reduce((sum, l) => sum + l.unitPriceCents * l.quantity, 0);
    const shippingCents = Math.max(0, request.totalCents - linesCents);
    const tag = orderTag(request.connectionId, request.marketplaceOrderId);
    const relay = request.shippingAddress.relayPointId?.trim();
    const email = request.billingAddress.email?.trim() || request.shippingAddress.email?.trim();
    const order = {
      currency: CURRENCY,
      financialStatus: 'PAID',
      taxesIncluded: true,
      lineItems: request.lines.map((l) => ({
        variantId: gid('ProductVariant', byKey.get(l.key.trim())!.id),
        quantity: l.quantity,
        priceSet: { shopMoney: { amount: amount(l.unitPriceCents), currencyCode: CURRENCY } },
      })),
      shippingLines: [
        {
          title: request.shippingMethod,
          code: request.shippingMethod,
          source: 'spartoo',
          priceSet: { shopMoney: { amount: amount(shippingCents), currencyCode: CURRENCY } },
        },
      ],
      transactions: [
        {
          kind: 'SALE',
          status: 'SUCCESS',
          gateway: 'Spartoo',
          amountSet: { shopMoney: { amount: amount(request.totalCents), currencyCode: CURRENCY } },
        },
      ],
      billingAddress: mailingAddress(request.billingAddress, 'billing'),
      shippingAddress: mailingAddress(request.shippingAddress, 'shipping'),
      ...(email && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) ? { email } : {}),
      tags: [SPARTOO_TAG, tag],
      sourceName: 'spartoo',
      sourceIdentifier: request.marketplaceOrderId,
      poNumber: request.marketplaceOrderId,
      note: `Spartoo order ${request.marketplaceOrderId}${relay ? `, relay point ${relay}` : ''}`,
      customAttributes: [
        { key: 'Spartoo order', value: request.marketplaceOrderId },
        ...(relay ? [{ key: 'Relay point', value: relay }] : []),
      ],
    };

    let data: { orderCreate: { order: OrderNode | null; userErrors: UserErrorShape[] } | null };
    try {
      data = await call(
        'orderCreate',
        `mutation ImportOrder($order: OrderCreateOrderInput!, $options: OrderCreateOptionsInput) {
          orderCreate(order: $order, options: $options) {
            order { ${ORDER_FIELDS} } userErrors { field message code } } }`,
        {
          order,
          options: {
            inventoryBehaviour: 'DECREMENT_IGNORING_POLICY',
            sendReceipt: false,
            sendFulfillmentReceipt: false,
          },
        },
      );
    } catch (err) {
      // The order may exist though the answer never came (or said 5xx after the change).
      if (err instanceof TransientShopifyError || (err instanceof Error && /HTTP 5\d\d/.test(err.message))) {
        const created = await findAfterLostAnswer(request);
        if (created) return { order: created, created: true };
      }
      throw err;
    }
    const payload = data.orderCreate;
    if (!payload?.order || payload.userErrors.length) {
      throw new ImportRejectedError(
        `Shopify refused the order: ${describeUserErrors(payload?.userErrors ?? [])}`,
      );
    }
    const created = toShopOrder(payload.order);
    if (!created) throw new Error('Shopify created the order without its Spartoo tag');
    return { order: created, created: true };
  }

  async function orderState(storeOrderId: string) {
    const data = await call<{
      order: { id: string; cancelledAt: string | null; displayFulfillmentStatus: string } | null;
    }>(
      'cancelOrder',
      'query OrderState($id: ID!) { order(id: $id) { id cancelledAt displayFulfillmentStatus } }',
      { id: gid('Order', storeOrderId) },
    );
    return data.order;
  }

  async function cancelOrder(storeOrderId: string): Promise<{ changed: boolean }> {
    const before = await orderState(storeOrderId);
    if (!before)
      throw new ImportRejectedError(`Shopify order ${storeOrderId} does not exist (deleted in the shop?)`);
    if (before.cancelledAt) return { changed: false };
    const data = await call<{
      orderCancel: {
        job: { id: string; done: boolean } | null;
        orderCancelUserErrors: UserErrorShape[];
      } | null;
    }>(
      'cancelOrder',
      `mutation CancelOrder($orderId: ID!, $staffNote: String) {
        orderCancel(orderId: $orderId, reason: OTHER, restock: true, notifyCustomer: false,
          refundMethod: { originalPaymentMethodsRefund: false }, staffNote: $staffNote) {
          job { id done } orderCancelUserErrors { field message code } } }`,
      { orderId: before.id, staffNote: 'Cancelled on Spartoo (spartoo-sync)' },
    );
    const payload = data.orderCancel;
    const deadline = Date.now() + (deps.cancelJobTimeoutMs ?? 20_000);
    if (!payload?.job || payload.orderCancelUserErrors.length) {
      // Refused: already cancelled, or being cancelled by an earlier call whose answer was lost.
      for (let wait = 100; Date.now() < deadline; wait = Math.min(wait * 2, 2000)) {
        const now = await orderState(storeOrderId);
        if (now?.cancelledAt) return { changed: false };
        if (now?.displayFulfillmentStatus === 'FULFILLED') break;
        await sleep(wait);
      }
      throw new ImportRejectedError(
        `Shopify refused to cancel order ${storeOrderId}: ${describeUserErrors(payload?.orderCancelUserErrors ?? [])}`,
      );
    }
    // Cancellation is a job: the order is cancelled (and restocked) once it is done.
    for (let wait = 100, done = payload.job.done; !done; wait = Math.min(wait * 2, 2000)) {
      if (Date.now() > deadline)
        throw new TransientShopifyError(`Shopify's cancel job for order ${storeOrderId} is still running`);
      await sleep(wait);
      const job = await call<{ job: { done: boolean } | null }>(
        'cancelOrder',
        'query CancelJob($id: ID!) { job(id: $id) { done } }',
        {
          id: payload.job.id,
        },
      );
      done = job.job?.done ?? false;
    }
    return { changed: true };
  }

  async function restock(productId: string, quantity: number, key: string): Promise<{ changed: boolean }> {
    const ledgerKey = `r_${createHash('sha256').update(key).digest('hex').slice(0, 40)}`;
    const variantId = gid('ProductVariant', productId);
    const data = await call<{
      productVariant: {
        id: string;
        ledger: { value: string } | null;
        inventoryItem: {
          id: string;
          inventoryLevels: { nodes: { location: { id: string; isActive: boolean } }[] };
        };
      } | null;
    }>(
      'restock',
      `query RestockTarget($id: ID!, $ns: String!, $key: String!) {
        productVariant(id: $id) {
          id ledger: metafield(namespace: $ns, key: $key) { value }
          inventoryItem { id inventoryLevels(first: 20) { nodes { location { id isActive } } } } } }`,
      { id: variantId, ns: LEDGER_NAMESPACE, key: ledgerKey },
    );
    const variant = data.productVariant;
    if (!variant) throw new ImportRejectedError(`Shopify variant ${productId} does not exist`);
    if (variant.ledger) return { changed: false };
    if (quantity <= 0) return { changed: false };
    const stocked = variant.inventoryItem.inventoryLevels.nodes
      .map((n) => n.location)
      .filter((l) => l.isActive);
    const locationId =
      locationIds?.find((id) => stocked.some((l) => l.id === id)) ?? locationIds?.[0] ?? stocked[0]?.id;
    if (!locationId)
      throw new ImportRejectedError(`Shopify variant ${productId} is stocked at no active location`);

    const adjusted = await call<{
      inventoryAdjustQuantities: {
        inventoryAdjustmentGroup: { id: string } | null;
        userErrors: UserErrorShape[];
      } | null;
    }>(
      'restock',
      `mutation Restock($input: InventoryAdjustQuantitiesInput!, $idempotencyKey: String!) {
        inventoryAdjustQuantities(input: $input) @idempotent(key: $idempotencyKey) {
          inventoryAdjustmentGroup { id } userErrors { field message code } } }`,
      {
        input: {
          name: 'available',
          reason: 'restock',
          referenceDocumentUri: `spartoo-sync://restock/${encodeURIComponent(key)}`,
          changes: [{ delta: quantity, inventoryItemId: variant.inventoryItem.id, locationId }],
        },
        idempotencyKey: uuidFrom(`restock:${productId}:${key}`),
      },
    );
    const result = adjusted.inventoryAdjustQuantities;
    if (!result?.inventoryAdjustmentGroup || result.userErrors.length) {
      throw new ImportRejectedError(
        `Shopify refused the restock of variant ${productId}: ${describeUserErrors(result?.userErrors ?? [])}`,
      );
    }
    const recorded = await call<{ metafieldsSet: { userErrors: UserErrorShape[] } | null }>(
      'restock',
      `mutation RecordRestock($metafields: [MetafieldsSetInput!]!) {
        metafieldsSet(metafields: $metafields) { userErrors { field message code } } }`,
      {
        metafields: [
          {
            ownerId: variant.id,
            namespace: LEDGER_NAMESPACE,
            key: ledgerKey,
            type: 'json',
            value: JSON.stringify({ key, quantity, at: new Date().toISOString() }),
          },
        ],
      },
    );
    if (recorded.metafieldsSet?.userErrors.length) {
      // The adjustment is made; a retry replays it (same idempotency key) and records again.
      throw new Error(
        `Shopify did not record restock ${ledgerKey}: ${describeUserErrors(recorded.metafieldsSet.userErrors)}`,
      );
    }
    return { changed: true };
  }

  async function orderEventsSince(since: Date): Promise<ShopOrderEvent[]> {
    const events: ShopOrderEvent[] = [];
    const query = `tag:${quoted(SPARTOO_TAG)} AND updated_at:>=${quoted(since.toISOString())}`;
    let after: string | null = null;
    do {
      const data: { orders: { nodes: OrderNode[]; pageInfo: PageInfo } } = await call(
        'orderEventsSince',
        `query UpdatedOrders($query: String!, $after: String) {
          orders(first: 50, after: $after, query: $query, sortKey: UPDATED_AT) {
            nodes { ${ORDER_FIELDS} } pageInfo { hasNextPage endCursor } } }`,
        { query, after },
      );
      for (const node of data.orders.nodes) {
        const ours = spartooOrderOf(node.tags);
        if (!ours) continue;
        const base = { storeOrderId: node.legacyResourceId, ...ours };
        if (node.cancelledAt) {
          events.push({ ...base, kind: 'cancelled', at: node.cancelledAt });
        } else if (node.displayFulfillmentStatus === 'FULFILLED') {
          const shipped = shipmentOf(node);
          events.push({
            ...base,
            kind: 'shipped',
            ...(shipped?.shipment ? { shipment: shipped.shipment } : {}),
            at: shipped?.at ?? node.updatedAt,
          });
        }
      }
      after = data.orders.pageInfo.hasNextPage ? data.orders.pageInfo.endCursor : null;
    } while (after);
    return events;
  }

  async function ourSubscriptions() {
    const subs: { id: string; topic: string; uri: string }[] = [];
    let after: string | null = null;
    do {
      const data: {
        webhookSubscriptions: { nodes: { id: string; topic: string; uri: string }[]; pageInfo: PageInfo };
      } = await call(
        'webhooks',
        `query Subscriptions($after: String) {
            webhookSubscriptions(first: 100, after: $after) { nodes { id topic uri } pageInfo { hasNextPage endCursor } } }`,
        { after },
      );
      subs.push(...data.webhookSubscriptions.nodes);
      after = data.webhookSubscriptions.pageInfo.hasNextPage
        ? data.webhookSubscriptions.pageInfo.endCursor
        : null;
    } while (after);
    return subs.filter((s) => s.uri === webhookUrl);
  }

  async function subscribe(): Promise<number> {
    if (!webhookUrl) return 0;
    const existing = await ourSubscriptions();
    let registered = TOPICS.filter((topic) => existing.some((s) => s.topic === topic)).length;
    for (const topic of TOPICS.filter((t) => !existing.some((s) => s.topic === t))) {
      const data = await call<{
        webhookSubscriptionCreate: {
          webhookSubscription: { id: string } | null;
          userErrors: UserErrorShape[];
        };
      }>(
        'webhooks',
        `mutation Subscribe($topic: WebhookSubscriptionTopic!, $uri: String!) {
          webhookSubscriptionCreate(topic: $topic, webhookSubscription: { uri: $uri, format: JSON }) {
            webhookSubscription { id } userErrors { field message } } }`,
        { topic, uri: webhookUrl },
      );
      if (data.webhookSubscriptionCreate.webhookSubscription) registered++;
      else
        log(
          `Shopify refused the ${topic} webhook: ${describeUserErrors(data.webhookSubscriptionCreate.userErrors)}`,
        );
    }
    return registered;
  }

  return {
    kind: 'shopify',
    webhookUrl,

    async productsByKeys(attribute, keys) {
      const hits = await lookup(attribute, keys);
      const byId = new Map(hits.map((h) => [h.product.id, h.product]));
      return [...byId.values()].sort((a, b) => compareProductIds(a.id, b.id));
    },

    async catalogue({ after, limit }) {
      const products: StoreProduct[] = [];
      let cursor = after ?? null;
      const fields = variantFields(catalogueMetafields);
      for (;;) {
        const want = Math.min(limit - products.length, pageSize(catalogueMetafields.length));
        const data: {
          productVariants: { edges: { cursor: string; node: VariantNode }[]; pageInfo: PageInfo };
        } = await call(
          'catalogue',
          `query Catalogue($first: Int!, $after: String) {
            productVariants(first: $first, after: $after, sortKey: ID) {
              edges { cursor node { ${fields} } } pageInfo { hasNextPage endCursor } } }`,
          { first: want, after: cursor },
        );
        const { edges, pageInfo } = data.productVariants;
        for (const edge of edges) products.push(toProduct(edge.node, catalogueMetafields));
        cursor = edges.at(-1)?.cursor ?? cursor;
        if (!pageInfo.hasNextPage) return { products };
        if (products.length >= limit) return { products, next: cursor ?? undefined };
      }
    },

    importOrder,
    findOrder,
    cancelOrder,
    restock,
    orderEventsSince,

    async test() {
      const data = await call<{ shop: { name: string }; productVariantsCount: { count: number } | null }>(
        'test',
        'query ShopCheck { shop { name } productVariantsCount(limit: null) { count } }',
      );
      const webhooksRegistered = await subscribe();
      return {
        shopName: data.shop.name,
        productCount: data.productVariantsCount?.count ?? 0,
        webhooksRegistered,
      };
    },

    async unsubscribeWebhooks() {
      if (!webhookUrl) return 0;
      let deleted = 0;
      for (const sub of await ourSubscriptions()) {
        await call(
          'webhooks',
          'mutation Unsubscribe($id: ID!) { webhookSubscriptionDelete(id: $id) { deletedWebhookSubscriptionId } }',
          {
            id: sub.id,
          },
        );
        deleted++;
      }
      return deleted;
    },
  };
}

interface CostExtension {
  requestedQueryCost?: number;
  actualQueryCost?: number | null;
  throttleStatus?: { maximumAvailable: number; currentlyAvailable: number; restoreRate: number };
}
interface GraphQLErrorShape {
  message: string;
  extensions?: { code?: string; requiredAccess?: string };
}
interface UserErrorShape {
  field?: string[] | null;
  message: string;
  code?: string | null;
}
interface PageInfo {
  hasNextPage: boolean;
  endCursor: string | null;
}

/** `my-shop` → `https://my-shop.myshopify.com`; a domain → https; a URL kept (no trailing slash). */
export function baseUrl(shopUrl: string): string {
  const trimmed = shopUrl.trim().replace(/\/+$/, '');
  const withScheme = /^https?:\/\//i.test(trimmed)
    ? trimmed
    : `https://${trimmed.includes('.') || trimmed.includes(':') ? trimmed : `${trimmed}.myshopify.com`}`;
  const url = new URL(withScheme);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

async function readBody(
  response: Response | undefined,
): Promise<{ extensions?: { cost?: CostExtension } } | undefined> {
  try {
    return response
      ? ((await response.clone().json()) as { extensions?: { cost?: CostExtension } })
      : undefined;
  } catch {
    return undefined;
  }
}

function httpError(operation: string, status: number): Error {
  if (status === 401) {
    return new StoreAccessError(
      'Shopify refused the access token (401): it was revoked, or the app uninstalled',
    );
  }
  if (status === 403)
    return new StoreAccessError(`Shopify forbade ${operation} (403): the app lacks a scope`);
  if (status === 402) return new StoreAccessError('Shopify: the shop is frozen (402, unpaid)');
  if (status === 423) return new StoreAccessError('Shopify: the shop is locked (423)');
  if (status === 404)
    return new StoreAccessError('Shopify answered 404: no shop at this address (check the shop URL)');
  if (status >= 500) return new TransientShopifyError(`Shopify answered HTTP ${status} to ${operation}`);
  return new Error(`Shopify answered HTTP ${status} to ${operation}`);
}

function describeUserErrors(errors: UserErrorShape[]): string {
  if (errors.length === 0) return 'no reason given';
  return errors
    .map(
      (e) => `${e.field?.length ? `${e.field.join('.')}: ` : ''}${e.message}${e.code ? ` (${e.code})` : ''}`,
    )
    .join('; ');
}

function shipmentOf(node: OrderNode) {
  const done = [...node.fulfillments]
    .filter((f) => f.status === 'SUCCESS')
    .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
  for (const f of done) {
    const info = f.trackingInfo.find((t) => t.number);
    if (info?.number)
      return { at: f.createdAt, shipment: { carrier: info.company ?? '', trackingNumber: info.number } };
  }
  return done[0] ? { at: done[0].createdAt, shipment: undefined } : undefined;
}

/**
 * A Spartoo address as Shopify's MailingAddressInput: the country as its ISO code (a country Shopify
 * cannot know refuses the import, naming which address, not its content); a relay point's id in
 * `address2`; phone only when it looks like one (Shopify refuses the order for a malformed phone).
 */
function mailingAddress(a: Address, which: 'billing' | 'shipping') {
  const code = countryCode(a.country ?? '');
  if (!code) throw new ImportRejectedError(`The ${which} address's country is not a country Shopify knows`);
  const relay = a.relayPointId?.trim();
  const address2 = [a.suburb?.trim(), relay ? `Relay point ${relay}` : ''].filter(Boolean).join(', ');
  const phone = a.phone?.trim();
  const state = a.state?.trim();
  return {
    firstName: a.firstName || null,
    lastName: a.lastName || null,
    company: a.company || null,
    address1: a.street || null,
    address2: address2 || null,
    city: a.city || null,
    zip: a.postcode || null,
    countryCode: code,
    ...(state && /^[A-Z0-9]{1,3}$/.test(state) ? { provinceCode: state } : {}),
    ...(phone && /^\+?\d{6,15}$/.test(phone.replace(/[\s().-]/g, '')) ? { phone } : {}),
  };
}

/** A UUID-shaped key derived from `text` (Shopify recommends UUIDs for idempotency keys). */
function uuidFrom(text: string): string {
  const h = createHash('sha256').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((Number.parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
