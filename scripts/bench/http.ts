import type { FastifyInstance } from 'fastify';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The product's API over HTTP, as a merchant's store or script uses it. */
export function apiClient(baseUrl: string, token: string) {
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok)
      throw new HttpError(res.status, `API ${method} ${path}: ${res.status} ${text.slice(0, 500)}`);
    // JSON answers parsed; text ones (GET /metrics) as they are.
    const json = res.headers.get('content-type')?.includes('json');
    return (text ? (json ? JSON.parse(text) : text) : undefined) as T;
  };
  return {
    get: <T>(path: string) => call<T>('GET', path),
    post: <T>(path: string, body?: unknown) => call<T>('POST', path, body),
    put: <T>(path: string, body?: unknown) => call<T>('PUT', path, body),
    /** Every item of a paged list (`{items, nextCursor}`). */
    async all<T>(path: string): Promise<T[]> {
      const items: T[] = [];
      let cursor: string | null = null;
      do {
        const sep = path.includes('?') ? '&' : '?';
        const page: { items: T[]; nextCursor: string | null } = await call(
          'GET',
          cursor ? `${path}${sep}cursor=${encodeURIComponent(cursor)}` : path,
        );
        items.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor);
      return items;
    },
  };
}

export type ApiClient = ReturnType<typeof apiClient>;

/** Products per PUT /store/products (the route's body limit holds 5000 sizes). */
export const UPLOAD_CHUNK = 5000;

/** Puts `count` products in the built-in store, `product(i)` each, UPLOAD_CHUNK a request. */
export async function putProducts(http: ApiClient, count: number, product: (i: number) => object) {
  for (let start = 0; start < count; start += UPLOAD_CHUNK) {
    const chunk = Array.from({ length: Math.min(UPLOAD_CHUNK, count - start) }, (_, k) => product(start + k));
    await http.put('/store/products', chunk);
  }
}

/** The sandbox's admin side, in the bench's own process (no socket needed). */
export function sandboxAdmin(app: FastifyInstance) {
  const call = async <T>(method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown): Promise<T> => {
    const res = await app.inject({
      method,
      url,
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
    if (res.statusCode >= 300) throw new HttpError(res.statusCode, `sandbox ${method} ${url}: ${res.body}`);
    return res.json() as T;
  };
  return {
    createMerchant: (partenaire: string) => call('POST', '/_sandbox/merchants', { partenaire }),
    createOrder: async (partenaire: string, order: Record<string, unknown>) =>
      (await call<{ orders_id: string }>('POST', '/_sandbox/orders', { partenaire, order })).orders_id,
    order: (oID: string) =>
      call<{ orders_status_id: number; tracking_number: string }>('GET', `/_sandbox/orders/${oID}`),
    setFaults: (faults: Record<string, number>) => call('PUT', '/_sandbox/faults', faults),
    calls: (partenaire: string) =>
      call<SandboxCall[]>('GET', `/_sandbox/calls?partenaire=${encodeURIComponent(partenaire)}`),
  };
}

export interface SandboxCall {
  at: string;
  script: string;
  params: Record<string, string>;
  code: number | null;
  fault?: string;
}
