import type { FastifyInstance } from 'fastify';
import { createSandbox } from '../../spartoo/sandbox/app';
import { waitFor } from './wait';

export interface SandboxOrderLine {
  products_reference: string;
  products_size_reference?: string;
  products_name?: string;
  products_qty: string | number;
  products_price_unit: string;
  products_price_unit_with_reduce?: string;
  products_final_price?: string;
}

/** The stock push's webservices: faults given `scripts: STOCK_SCRIPTS` fail the push while polls answer. */
export const STOCK_SCRIPTS = ['xml_maj_stock.php', 'xml_maj_stock_batch.php'];

/** Calls one admin route of the sandbox at `address` (its root URL): status and JSON body, whatever they are. */
export async function callSandboxAdmin(address: string, method: string, path: string, body?: unknown) {
  const response = await fetch(new URL(path, address), {
    method,
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await response.text();
  // biome-ignore lint/suspicious/noExplicitAny: JSON of the admin routes
  const json: any = text ? JSON.parse(text) : undefined;
  return { status: response.status, json };
}

/** The Spartoo sandbox on a free port, played through its admin routes as a test plays Spartoo. */
export async function startSandbox() {
  const app: FastifyInstance = createSandbox();
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const admin = async <T = unknown>(method: string, path: string, body?: unknown): Promise<T> => {
    const { status, json } = await callSandboxAdmin(address, method, path, body);
    if (status >= 300) throw new Error(`sandbox ${method} ${path}: ${status} ${JSON.stringify(json)}`);
    return json as T;
  };
  const calls = (partenaire: string) =>
    admin<{ at: string; script: string; params: Record<string, string>; code: number; fault?: string }[]>(
      'GET',
      `/_sandbox/calls?partenaire=${encodeURIComponent(partenaire)}`,
    );
  /** The stock push's calls from this merchant, in order. */
  const stockCalls = async (partenaire: string) =>
    (await calls(partenaire)).filter((call) => STOCK_SCRIPTS.includes(call.script));
  return {
    app,
    baseUrl: `${address}/mp/`,
    createMerchant: (partenaire: string) => admin('POST', '/_sandbox/merchants', { partenaire }),
    async createOrder(partenaire: string, order: Record<string, unknown> = {}): Promise<string> {
      return (await admin<{ orders_id: string }>('POST', '/_sandbox/orders', { partenaire, order }))
        .orders_id;
    },
    order: (oID: string) =>
      admin<{ orders_status_id: number; tracking_number?: string; transporteur?: string }>(
        'GET',
        `/_sandbox/orders/${oID}`,
      ),
    setOrderStatus: (oID: string, statut: number) =>
      admin('POST', `/_sandbox/orders/${oID}/status`, { statut }),
    createReturn: async (partenaire: string, ret: Record<string, unknown>) =>
      (await admin<{ return_id: string }>('POST', '/_sandbox/returns', { partenaire, return: ret }))
        .return_id,
    getReturn: (rID: string) => admin<{ return_status: number }>('GET', `/_sandbox/returns/${rID}`),
    stock: (partenaire: string) =>
      admin<{ reference_partenaire: string; size_reference: string; quantity: number }[]>(
        'GET',
        `/_sandbox/stock?partenaire=${encodeURIComponent(partenaire)}`,
      ),
    setFaults: (faults: Record<string, unknown>) => admin('PUT', '/_sandbox/faults', faults),
    calls,
    /** Until the merchant's stock push has failed and been tried again (two stock calls or more). */
    stockPushRetrying: (partenaire: string) =>
      waitFor(
        () => stockCalls(partenaire),
        (list) => list.length >= 2,
      ),
    close: () => app.close(),
  };
}

export type Sandbox = Awaited<ReturnType<typeof startSandbox>>;
