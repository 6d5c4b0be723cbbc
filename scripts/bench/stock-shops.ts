import type { FastifyInstance } from 'fastify';
import { STOCK_PAGE_SIZE } from '../../activities/stock';
import { createShopifyStore } from '../../store/shopify/adapter';
import { SHOPIFY_API_VERSION } from '../../store/shopify/api-version';
import { createShopifySandbox, DEFAULT_SECRET, DEFAULT_TOKEN } from '../../store/shopify/sandbox/app';
import type { StorePort } from '../../store/store';
import { createWooCommerceStore } from '../../store/woocommerce/adapter';
import {
  createWooCommerceSandbox,
  SANDBOX_CONSUMER_KEY,
  SANDBOX_CONSUMER_SECRET,
} from '../../store/woocommerce/sandbox/app';
import { seconds } from './stats';
import type { StockBenchReport } from './stock';

/**
 * `npm run bench -- --stock-sizes N --store shopify|woocommerce`: the shop adapters' side of the stock
 * push, beside the built-in store's (scripts/bench/stock.ts). N sizes in the shop's sandbox (in this
 * process), then the adapter's `catalogue()` read page after page exactly as the push reads it
 * (STOCK_PAGE_SIZE products a page, each read after the last one's cursor): the read dominates a push
 * from a shop, and Spartoo's side is the same whatever the store. Printed: the read's wall time, the
 * shop's requests, and (Shopify) how long its cost throttle held them back. Sizes missing, repeated or
 * with the wrong stock make the run fail; timings never do.
 */
export type BenchStore = 'builtin' | 'shopify' | 'woocommerce';

export interface ShopCatalogueBenchOptions {
  store: Exclude<BenchStore, 'builtin'>;
  sizes: number;
  log?: (line: string) => void;
}

/** Sizes per product: a shoe in ten sizes (Shopify variants, WooCommerce variations). */
const SIZES_PER_PRODUCT = 10;
const stockOf = (i: number) => (i * 7) % 50;
const sku = (i: number) => `SHOP-${String(i).padStart(7, '0')}`;

/** `--store X` taken out of argv (the rest goes to the other options). */
export function takeStoreOption(argv: string[]): { store?: BenchStore; rest: string[] } {
  const at = argv.findIndex((a) => a === '--store' || a.startsWith('--store='));
  if (at < 0) return { rest: argv };
  const inline = argv[at]!.startsWith('--store=');
  const value = inline ? argv[at]!.slice('--store='.length) : argv[at + 1];
  if (value !== 'builtin' && value !== 'shopify' && value !== 'woocommerce')
    throw new Error(`--store must be builtin, shopify or woocommerce, got "${value}"`);
  return { store: value, rest: argv.filter((_, i) => i !== at && (inline || i !== at + 1)) };
}

/** The adapter's fetch, counted and timed: what is left of the read's time is the adapter's own. */
function countingFetch() {
  const counter = { requests: 0, ms: 0 };
  const counted: typeof fetch = async (input, init) => {
    counter.requests++;
    const t0 = performance.now();
    try {
      return await fetch(input, init);
    } finally {
      counter.ms += performance.now() - t0;
    }
  };
  return { counter, fetch: counted };
}

async function inject(app: FastifyInstance, method: 'POST', url: string, payload: object, headers = {}) {
  const res = await app.inject({ method, url, payload, headers });
  if (res.statusCode >= 300) throw new Error(`sandbox ${method} ${url}: ${res.statusCode} ${res.body}`);
  return res.json();
}

/** Shopify: products of ten variants (admin route), its Standard plan's bucket (2000 points, 100 a second). */
async function shopify(sizes: number) {
  const app = createShopifySandbox({});
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  for (let start = 0; start < sizes; start += SIZES_PER_PRODUCT) {
    const count = Math.min(SIZES_PER_PRODUCT, sizes - start);
    await inject(app, 'POST', '/_sandbox/products', {
      title: `Sneaker ${start / SIZES_PER_PRODUCT}`,
      variants: Array.from({ length: count }, (_, k) => ({
        title: `${36 + k}`,
        sku: sku(start + k),
        price: '59.90',
        available: stockOf(start + k),
      })),
    });
  }
  const { counter, fetch } = countingFetch();
  const store = createShopifyStore(
    { shopUrl: url, accessToken: DEFAULT_TOKEN, webhookSecret: DEFAULT_SECRET },
    { publicUrl: 'http://127.0.0.1:9', fetch },
  );
  // No fault: the answer says the bucket the read starts with.
  const bucket = (await app.inject({ method: 'PUT', url: '/_sandbox/faults', payload: {} })).json() as {
    bucket: { maximumAvailable: number; restoreRate: number };
  };
  return {
    store,
    counter,
    close: () => app.close(),
    describe: `Shopify sandbox (Admin GraphQL ${SHOPIFY_API_VERSION}, cost bucket ${bucket.bucket.maximumAvailable} points restored at ${bucket.bucket.restoreRate} a second: the Standard plan's), products of ${SIZES_PER_PRODUCT} variants`,
  };
}

/** WooCommerce: variable products of ten variations (its REST API, as a merchant's shoes are). */
async function woocommerce(sizes: number) {
  const app = createWooCommerceSandbox({});
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const auth = {
    authorization: `Basic ${Buffer.from(`${SANDBOX_CONSUMER_KEY}:${SANDBOX_CONSUMER_SECRET}`).toString('base64')}`,
  };
  for (let start = 0; start < sizes; start += SIZES_PER_PRODUCT) {
    const count = Math.min(SIZES_PER_PRODUCT, sizes - start);
    const options = Array.from({ length: count }, (_, k) => `${36 + k}`);
    const parent = await inject(
      app,
      'POST',
      '/wp-json/wc/v3/products',
      {
        name: `Sneaker ${start / SIZES_PER_PRODUCT}`,
        type: 'variable',
        attributes: [{ name: 'Size', variation: true, visible: true, options }],
      },
      auth,
    );
    for (let k = 0; k < count; k++) {
      await inject(
        app,
        'POST',
        `/wp-json/wc/v3/products/${parent.id}/variations`,
        {
          sku: sku(start + k),
          regular_price: '59.90',
          manage_stock: true,
          stock_quantity: stockOf(start + k),
          attributes: [{ name: 'Size', option: options[k] }],
        },
        auth,
      );
    }
  }
  const { counter, fetch } = countingFetch();
  const store = createWooCommerceStore(
    { url, consumerKey: SANDBOX_CONSUMER_KEY, consumerSecret: SANDBOX_CONSUMER_SECRET },
    { publicUrl: 'http://127.0.0.1:9', storeId: 'bench', fetch },
  );
  return {
    store,
    counter,
    close: () => app.close(),
    describe: `WooCommerce sandbox (REST API v3, at most 100 a page), variable products of ${SIZES_PER_PRODUCT} variations`,
  };
}

/** The push's read: pages of STOCK_PAGE_SIZE, each after the last one's cursor; what it saw, checked. */
async function readCatalogue(store: StorePort, sizes: number, log: (line: string) => void) {
  const seen = new Map<string, { times: number; stock: number }>();
  let pages = 0;
  let largestPage = 0;
  const t0 = Date.now();
  for (let after: string | undefined, first = true; first || after !== undefined; first = false) {
    const page = await store.catalogue({ after, limit: STOCK_PAGE_SIZE });
    pages++;
    largestPage = Math.max(largestPage, page.products.length);
    for (const p of page.products)
      if (p.sku) seen.set(p.sku, { times: (seen.get(p.sku)?.times ?? 0) + 1, stock: p.stock });
    after = page.next;
    if (pages % 10 === 0) log(`  ${seconds(Date.now() - t0)}: ${seen.size} of ${sizes} sizes read`);
  }
  let right = 0;
  for (let i = 0; i < sizes; i++) {
    const read = seen.get(sku(i));
    if (read?.times === 1 && read.stock === stockOf(i)) right++;
  }
  return { ms: Date.now() - t0, pages, largestPage, right };
}

export async function runShopCatalogueBench(options: ShopCatalogueBenchOptions): Promise<StockBenchReport> {
  const log = options.log ?? (() => {});
  const N = options.sizes;
  log(`${options.store}: ${N} sizes in its sandbox`);
  const f0 = Date.now();
  const shop = options.store === 'shopify' ? await shopify(N) : await woocommerce(N);
  const fillMs = Date.now() - f0;
  try {
    log(`${options.store}: reading the catalogue as the stock push does`);
    const read = await readCatalogue(shop.store, N, log);
    const lines = [
      `bench: the stock push's catalogue read of ${N} sizes through the ${options.store} adapter; ${shop.describe}`,
      `shop filled: ${N} sizes in ${seconds(fillMs)} (in process, not measured)`,
      `catalogue read wall time: ${seconds(read.ms)} (${read.pages} page${read.pages === 1 ? '' : 's'} of at most ${STOCK_PAGE_SIZE}, the largest ${read.largestPage}; ${Math.round((N / read.ms) * 1000)} sizes/s)`,
      `catalogue read shop requests: ${shop.counter.requests} (${(N / Math.max(1, shop.counter.requests)).toFixed(1)} sizes a request), ${seconds(shop.counter.ms)} waiting for their answers; the rest is the adapter's own (its throttle's waits, reading the answers)`,
      `catalogue read sizes seen once with their stock: ${read.right} of ${N}`,
    ];
    const problems: string[] = [];
    if (read.right !== N) problems.push(`${N - read.right} sizes missing, read twice or with another stock`);
    if (read.largestPage > STOCK_PAGE_SIZE) problems.push(`a page of ${read.largestPage} products`);
    return { lines, problems };
  } finally {
    await shop.close();
  }
}
