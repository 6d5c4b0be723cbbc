import type { FastifyInstance } from 'fastify';
import type { ConnectionRepository } from '../db/connections';
import type { StoreKindName } from '../domain/stores';
import { createSandbox } from '../spartoo/sandbox/app';
import type { DatabaseStore } from '../store/database-store';
import { createShopifySandbox, DEFAULT_SECRET, DEFAULT_TOKEN } from '../store/shopify/sandbox/app';
import {
  createWooCommerceSandbox,
  SANDBOX_CONSUMER_KEY,
  SANDBOX_CONSUMER_SECRET,
} from '../store/woocommerce/sandbox/app';

/** The demo merchant code: the sandbox's, never a real Spartoo key. */
export const DEMO_PARTNER = 'DEMO-PARTNER-0001';

const shoe = (
  id: string,
  reference: string,
  name: string,
  stock: number,
  price: number,
  original: number,
) => ({
  id,
  reference,
  name,
  stock,
  priceFinalInclTaxCents: Math.round(price * 100),
  priceOriginalInclTaxCents: Math.round(original * 100),
});

const DEMO_PRODUCTS = [
  ...[40, 41, 42, 43, 44].map((size) =>
    shoe(`RUN-${size}`, 'RUN', `Trail runner, size ${size}`, 12, 89.9, 109.9),
  ),
  ...[38, 39, 40, 41].map((size) =>
    shoe(`CHELSEA-${size}`, 'CHELSEA', `Chelsea boot, size ${size}`, 6, 129, 149),
  ),
  shoe('SANDAL-39', 'SANDAL', 'Leather sandal, size 39', 0, 59.9, 59.9),
];

const orderLine = (sizeRef: string, name: string, qty: number, price: string, original = price) => ({
  products_reference: sizeRef.split('-')[0],
  products_size_reference: sizeRef,
  products_name: name,
  products_size: sizeRef.split('-')[1],
  products_qty: String(qty),
  products_price_unit: original,
  products_price_unit_with_reduce: price,
});

/** Orders that show every path: auto-accepted, relay point, waiting with reasons, unknown product, out of stock. */
const DEMO_ORDERS = [
  { shipping_name: 'Colissimo', products: [orderLine('RUN-42', 'Trail runner', 1, '89.90', '109.90')] },
  {
    shipping_name: 'Mondial Relay',
    delivery: {
      delivery_firstname: 'Camille',
      delivery_lastname: 'Durand',
      relay_info: {
        relay_id: 'MR-075012',
        relay_type: 'MONDIAL_RELAY',
        relay_name: 'Tabac de la Gare',
        relay_address: '12 rue de Lyon',
        relay_city: 'Paris',
        relay_postcode: '75012',
        relay_country_iso: 'FR',
      },
    },
    products: [orderLine('CHELSEA-39', 'Chelsea boot', 1, '129.00', '149.00')],
  },
  { shipping_name: 'Chronopost', products: [orderLine('RUN-41', 'Trail runner', 2, '79.00', '109.90')] },
  { shipping_name: 'Colissimo', products: [orderLine('TRAIL-43', 'Mountain trail shoe', 1, '119.00')] },
  { shipping_name: 'DPD', products: [orderLine('SANDAL-39', 'Leather sandal', 1, '59.90')] },
];

/** What the demo needs of the running product: its API (used as a client would) and its repositories. */
export interface DemoTarget {
  app: FastifyInstance;
  apiToken: string;
  connections: ConnectionRepository;
  /** The built-in store, filled directly when the demo store is the built-in one. */
  store: DatabaseStore;
}

export interface DemoOptions {
  /** DEMO_STORE: where the demo's orders are imported (default the built-in store). */
  store?: StoreKindName;
  /** SHOPIFY_SANDBOX_PORT (3200) / WOOCOMMERCE_SANDBOX_PORT (3300). */
  shopifyPort?: number;
  wooCommercePort?: number;
}

type DemoProduct = (typeof DEMO_PRODUCTS)[number];
const euros = (cents: number) => (cents / 100).toFixed(2);

/** The demo products by model (RUN, CHELSEA, SANDAL), each size a variant keyed by its SKU. */
function models(): [string, DemoProduct[]][] {
  const byModel = new Map<string, DemoProduct[]>();
  for (const p of DEMO_PRODUCTS) byModel.set(p.reference, [...(byModel.get(p.reference) ?? []), p]);
  return [...byModel];
}
const modelName = (sizes: DemoProduct[]) => sizes[0]!.name.replace(/, size .*$/, '');

/**
 * The demo shop of DEMO_STORE: its sandbox on its port, the demo products in it (each size a variant whose
 * SKU is the product's id), and what `POST /stores` needs to reach it. In memory, like the Spartoo sandbox.
 */
async function startDemoShop(kind: 'shopify' | 'woocommerce', options: DemoOptions) {
  if (kind === 'shopify') {
    const shop = createShopifySandbox();
    const url = await shop.listen({ port: options.shopifyPort ?? 3200, host: '127.0.0.1' });
    const seed = async () => {
      for (const [, sizes] of models()) {
        const res = await shop.inject({
          method: 'POST',
          url: '/_sandbox/products',
          payload: {
            title: modelName(sizes),
            variants: sizes.map((p) => ({
              title: p.id.split('-')[1],
              sku: p.id,
              price: euros(p.priceFinalInclTaxCents),
              compareAtPrice: euros(p.priceOriginalInclTaxCents),
              available: p.stock,
            })),
          },
        });
        if (res.statusCode >= 300) throw new Error(`demo Shopify products: ${res.statusCode} ${res.body}`);
      }
    };
    const store = {
      kind,
      name: 'Demo Shopify (sandbox)',
      shopUrl: url,
      accessToken: DEFAULT_TOKEN,
      webhookSecret: DEFAULT_SECRET,
    };
    return { shop, url, admin: `${url}/_sandbox/orders`, store, seed };
  }
  const port = options.wooCommercePort ?? 3300;
  const shop = createWooCommerceSandbox({
    siteName: 'Demo WooCommerce',
    ...(port ? { homeUrl: `http://127.0.0.1:${port}` } : {}),
  });
  const url = await shop.listen({ port, host: '127.0.0.1' });
  const authorization = `Basic ${Buffer.from(`${SANDBOX_CONSUMER_KEY}:${SANDBOX_CONSUMER_SECRET}`).toString('base64')}`;
  const rest = async (path: string, payload: Record<string, unknown>) => {
    const res = await shop.inject({
      method: 'POST',
      url: `/wp-json/wc/v3${path}`,
      headers: { authorization },
      payload,
    });
    if (res.statusCode >= 300) throw new Error(`demo WooCommerce ${path}: ${res.statusCode} ${res.body}`);
    return res.json() as { id: number };
  };
  const seed = async () => {
    for (const [reference, sizes] of models()) {
      const parent = await rest('/products', {
        name: modelName(sizes),
        type: 'variable',
        sku: reference,
        attributes: [
          { name: 'Size', variation: true, visible: true, options: sizes.map((p) => p.id.split('-')[1]) },
        ],
      });
      for (const p of sizes) {
        const onSale = p.priceFinalInclTaxCents < p.priceOriginalInclTaxCents;
        await rest(`/products/${parent.id}/variations`, {
          sku: p.id,
          regular_price: euros(p.priceOriginalInclTaxCents),
          ...(onSale ? { sale_price: euros(p.priceFinalInclTaxCents) } : {}),
          manage_stock: true,
          stock_quantity: p.stock,
          attributes: [{ name: 'Size', option: p.id.split('-')[1] }],
        });
      }
    }
  };
  const store = {
    kind,
    name: 'Demo WooCommerce (sandbox)',
    url,
    consumerKey: SANDBOX_CONSUMER_KEY,
    consumerSecret: SANDBOX_CONSUMER_SECRET,
  };
  return { shop, url, admin: `${url}/wp-json/wc/v3/orders`, store, seed };
}

/**
 * `npm start`'s demo: the Spartoo sandbox on SANDBOX_PORT and, when the database has no connection
 * yet, a connection to it with store products and a handful of orders, so orders flow within a minute.
 * With DEMO_STORE=shopify or woocommerce, that shop's sandbox is started too (SHOPIFY_SANDBOX_PORT /
 * WOOCOMMERCE_SANDBOX_PORT), the demo products are put in it, a store of that kind is created through
 * `POST /stores` (its webhooks subscribed at PUBLIC_URL) and the demo connection imports into it.
 */
export async function startDemo(
  target: DemoTarget,
  sandboxPort: number,
  log: (m: string) => void,
  options: DemoOptions = {},
) {
  const sandbox: FastifyInstance = createSandbox();
  const sandboxUrl = await sandbox.listen({ port: sandboxPort, host: '127.0.0.1' });
  const admin = (url: string, payload: Record<string, unknown>) =>
    sandbox.inject({ method: 'POST', url, payload });
  await admin('/_sandbox/merchants', { partenaire: DEMO_PARTNER });
  log(`Demo: Spartoo sandbox on ${sandboxUrl}/mp/ (admin: ${sandboxUrl}/_sandbox/)`);
  const kind = options.store ?? 'builtin';
  const demoShop =
    kind === 'builtin'
      ? undefined
      : await startDemoShop(kind, options).catch(async (err) => {
          await sandbox.close();
          throw err;
        });
  const shop = demoShop?.shop;
  const close = async () => {
    await shop?.close();
    await sandbox.close();
  };
  if (demoShop) log(`Demo: ${kind} sandbox on ${demoShop.url} (its orders: ${demoShop.admin})`);

  const { connections, store } = target;
  if ((await connections.list()).length > 0) {
    log(
      'Demo: the database already has connections, nothing seeded (the sandbox starts empty after a restart).',
    );
    return { sandbox, sandboxUrl, shop, seeded: false, close };
  }
  const api = (method: 'POST', url: string, payload: Record<string, unknown>) =>
    target.app.inject({ method, url, headers: { authorization: `Bearer ${target.apiToken}` }, payload });
  let storeSettings: Record<string, unknown> = {};
  if (demoShop) {
    await demoShop.seed();
    const created = await api('POST', '/stores', demoShop.store);
    if (created.statusCode !== 201) throw new Error(`demo store: ${created.statusCode} ${created.body}`);
    const problem = created.json().problem as { message: string } | null;
    if (problem) log(`Demo: the ${kind} store has a problem: ${problem.message}`);
    storeSettings = { storeId: created.json().id, productIdentificationAttribute: 'sku' };
  } else {
    await store.upsertProducts(DEMO_PRODUCTS);
  }
  for (const order of DEMO_ORDERS)
    await admin('/_sandbox/orders', { partenaire: DEMO_PARTNER, order: order as object });
  const res = await api('POST', '/connections', {
    name: 'Spartoo FR (demo sandbox)',
    apiKey: DEMO_PARTNER,
    baseUrl: `${sandboxUrl}/mp/`,
    autoAccept: true,
    pollIntervalSeconds: 10,
    stockSyncIntervalSeconds: 60,
    shippingServiceMap: { 'La Poste Colissimo': 'Colissimo' },
    ...storeSettings,
  });
  if (res.statusCode !== 201) throw new Error(`demo connection: ${res.statusCode} ${res.body}`);
  log(
    `Demo: connection "${res.json().name}" created with ${DEMO_PRODUCTS.length} products ` +
      `(in the ${demoShop ? `${kind} sandbox` : 'built-in store'}) and ${DEMO_ORDERS.length} orders; ` +
      'they appear within seconds (GET /orders, or the dashboard).',
  );
  return { sandbox, sandboxUrl, shop, seeded: true, close };
}
