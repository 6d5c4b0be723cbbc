/**
 * The Shopify sandbox on a free port, played through its admin routes as a test plays the merchant,
 * plus a webhook receiver that records what the sandbox posts (raw body and headers).
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SHOPIFY_API_VERSION } from '../../store/shopify/api-version';
import {
  createShopifySandbox,
  DEFAULT_SECRET,
  DEFAULT_TOKEN,
  type ShopifySandboxOptions,
} from '../../store/shopify/sandbox/app';

export const SHOPIFY_TOKEN = DEFAULT_TOKEN;
export const SHOPIFY_SECRET = DEFAULT_SECRET;

export interface SandboxVariantInput {
  sku?: string | null;
  barcode?: string | null;
  price: string | number;
  compareAtPrice?: string | number | null;
  available: number | Record<string, number>;
  inventoryPolicy?: 'DENY' | 'CONTINUE';
  metafields?: { namespace: string; key: string; value: string; type?: string }[];
}

export async function startShopifySandbox(options: ShopifySandboxOptions = {}) {
  const app = createShopifySandbox({ cancelJobDelayMs: 50, webhookRetryDelaysMs: [100, 200], ...options });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const admin = async <T = unknown>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(new URL(path, url), {
      method,
      ...(body === undefined
        ? {}
        : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (response.status >= 300)
      throw new Error(`Shopify sandbox ${method} ${path}: ${response.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
  return {
    app,
    url,
    endpoint: `${url}/admin/api/${SHOPIFY_API_VERSION}/graphql.json`,
    admin,
    /** A raw Admin GraphQL call: status, headers and JSON body, whatever they are. */
    async graphql(
      query: string,
      variables?: unknown,
      token: string | null = SHOPIFY_TOKEN,
      version = SHOPIFY_API_VERSION,
    ) {
      const response = await fetch(`${url}/admin/api/${version}/graphql.json`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token === null ? {} : { 'x-shopify-access-token': token }),
        },
        body: JSON.stringify({ query, variables }),
      });
      // biome-ignore lint/suspicious/noExplicitAny: a generic view of Shopify's JSON
      const body: any = await response.json();
      return { status: response.status, headers: response.headers, body };
    },
    async addProduct(title: string, variants: SandboxVariantInput[]) {
      return admin<{
        id: number;
        gid: string;
        variants: { id: number; gid: string; inventoryItemId: number; inventoryItemGid: string }[];
      }>('POST', '/_sandbox/products', { title, variants });
    },
    async available(variantId: string | number) {
      return (await admin<{ available: number }>('GET', `/_sandbox/variants/${variantId}`)).available;
    },
    variant: (variantId: string | number) =>
      admin<{
        available: number;
        inventory: { locationId: number; available: number; on_hand: number; committed: number }[];
        metafields: unknown[];
      }>('GET', `/_sandbox/variants/${variantId}`),
    // biome-ignore lint/suspicious/noExplicitAny: REST-style orders
    orders: () => admin<any[]>('GET', '/_sandbox/orders'),
    // biome-ignore lint/suspicious/noExplicitAny: REST-style order
    order: (id: string | number) => admin<any>('GET', `/_sandbox/orders/${id}`),
    fulfill: (id: string | number, shipment: { carrier: string; trackingNumber: string }) =>
      admin('POST', `/_sandbox/orders/${id}/fulfill`, {
        number: shipment.trackingNumber,
        company: shipment.carrier,
      }),
    cancel: (id: string | number, body: { restock?: boolean; reason?: string } = {}) =>
      admin('POST', `/_sandbox/orders/${id}/cancel`, body),
    setFaults: (faults: Record<string, unknown>) => admin('PUT', '/_sandbox/faults', faults),
    setToken: (token: { revoked?: boolean; scopes?: string[]; token?: string }) =>
      admin('PUT', '/_sandbox/token', token),
    addLocation: async (name: string) =>
      await admin<{ id: number; gid: string }>('POST', '/_sandbox/locations', { name }),
    calls: () =>
      admin<{ operations: string[]; status: number; fault?: string; throttled?: boolean }[]>(
        'GET',
        '/_sandbox/calls',
      ),
    webhooks: () =>
      admin<{
        subscriptions: { id: number; topic: string; uri: string }[];
        deliveries: {
          id: string;
          topic: string;
          uri: string;
          state: string;
          body: string;
          headers: Record<string, string>;
          attempts: unknown[];
        }[];
      }>('GET', '/_sandbox/webhooks'),
    resend: (deliveryId: string) => admin('POST', `/_sandbox/webhooks/deliveries/${deliveryId}/resend`),
    reset: () => admin('POST', '/_sandbox/reset'),
    close: () => app.close(),
  };
}

export type ShopifySandbox = Awaited<ReturnType<typeof startShopifySandbox>>;

export interface ReceivedWebhook {
  path: string;
  headers: IncomingHttpHeaders;
  raw: Buffer;
}

/** An HTTP server that records every POST and answers `status` (200 unless told). */
export async function startWebhookReceiver() {
  const received: ReceivedWebhook[] = [];
  let status = 200;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, raw: Buffer.concat(chunks) });
      res.statusCode = status;
      res.end();
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
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
