import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createWooCommerceSandbox,
  SANDBOX_CONSUMER_KEY,
  SANDBOX_CONSUMER_SECRET,
  type WooCommerceSandboxOptions,
} from '../../store/woocommerce/sandbox/app';

// biome-ignore lint/suspicious/noExplicitAny: JSON of the sandbox's answers
export type Json = any;

export interface RestAnswer {
  status: number;
  json: Json;
  headers: Headers;
}

/** The WooCommerce sandbox on a free port, with its REST API and admin side at hand. */
export async function startWooCommerceSandbox(options: WooCommerceSandboxOptions = {}) {
  const app = createWooCommerceSandbox(options);
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const basic = (key: string, secret: string) =>
    `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}`;

  /** A REST call with the default key (or `auth`: another Authorization header, or null for none). */
  async function rest(
    method: string,
    path: string,
    body?: unknown,
    auth?: string | null,
  ): Promise<RestAnswer> {
    const headers: Record<string, string> = {};
    const authorization = auth === undefined ? basic(SANDBOX_CONSUMER_KEY, SANDBOX_CONSUMER_SECRET) : auth;
    if (authorization) headers.authorization = authorization;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${url}/wp-json/wc/v3${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, json: text ? JSON.parse(text) : undefined, headers: response.headers };
  }

  async function admin(method: string, path: string, body?: unknown): Promise<Json> {
    const response = await fetch(`${url}/_sandbox${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (response.status >= 300) throw new Error(`sandbox ${method} ${path}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  }

  async function ok(method: string, path: string, body?: unknown): Promise<Json> {
    const answer = await rest(method, path, body);
    if (answer.status >= 300) {
      throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(answer.json)}`);
    }
    return answer.json;
  }

  return {
    app,
    url,
    key: SANDBOX_CONSUMER_KEY,
    secret: SANDBOX_CONSUMER_SECRET,
    basic,
    rest,
    admin,
    ok,
    /** A simple product with managed stock; answers its REST JSON. */
    addProduct: (p: {
      name?: string;
      sku?: string;
      ean?: string;
      regularPrice?: string;
      salePrice?: string;
      stock?: number | null;
      meta?: Record<string, unknown>;
    }) =>
      ok('POST', '/products', {
        name: p.name ?? 'Product',
        type: 'simple',
        ...(p.sku !== undefined ? { sku: p.sku } : {}),
        ...(p.ean !== undefined ? { global_unique_id: p.ean } : {}),
        regular_price: p.regularPrice ?? '59.90',
        ...(p.salePrice !== undefined ? { sale_price: p.salePrice } : {}),
        ...(p.stock === null
          ? { manage_stock: false }
          : { manage_stock: true, stock_quantity: p.stock ?? 10 }),
        meta_data: Object.entries(p.meta ?? {}).map(([key, value]) => ({ key, value })),
      }),
    /** A variable product and its variations (managed stock each); answers [parent, ...variations]. */
    async addVariable(
      name: string,
      sku: string,
      variations: {
        size: string;
        sku?: string;
        ean?: string;
        price?: string;
        stock?: number;
        meta?: Record<string, unknown>;
      }[],
    ): Promise<Json[]> {
      const parent = await ok('POST', '/products', {
        name,
        type: 'variable',
        sku,
        attributes: [
          { name: 'Size', variation: true, visible: true, options: variations.map((v) => v.size) },
        ],
      });
      const created: Json[] = [parent];
      for (const v of variations) {
        created.push(
          await ok('POST', `/products/${parent.id}/variations`, {
            ...(v.sku !== undefined ? { sku: v.sku } : {}),
            ...(v.ean !== undefined ? { global_unique_id: v.ean } : {}),
            regular_price: v.price ?? '49.90',
            manage_stock: true,
            stock_quantity: v.stock ?? 5,
            attributes: [{ name: 'Size', option: v.size }],
            meta_data: Object.entries(v.meta ?? {}).map(([key, value]) => ({ key, value })),
          }),
        );
      }
      return created;
    },
    async stockOf(id: string | number): Promise<number | null> {
      const product = await ok('GET', `/products/${id}`);
      return product.stock_quantity;
    },
    /** Waits until every queued webhook delivery has been sent. */
    async deliveries(): Promise<Json[]> {
      await admin('POST', '/deliveries/wait', {});
      return admin('GET', '/deliveries');
    },
    close: () => app.close(),
  };
}

export type WooCommerceSandbox = Awaited<ReturnType<typeof startWooCommerceSandbox>>;

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
}

/** A webhook receiver on a free port: records every request and answers `status` (200 unless told). */
export async function startReceiver() {
  const received: ReceivedRequest[] = [];
  let status = 200;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        rawBody: Buffer.concat(chunks),
      });
      res.statusCode = status;
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    answer(code: number) {
      status = code;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
