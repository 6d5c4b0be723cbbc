/**
 * The Spartoo seller webservices (spartoo-webservices.md) as typed calls. Every call POSTs form fields
 * with `partenaire` to one script and reads Spartoo's XML answer; failures are SpartooError (Spartoo's
 * negative code) or SpartooTransportError (no usable answer). The merchant code only ever travels in
 * the POST body: it is in no URL, no message and nothing thrown.
 */
import { SpartooError, SpartooTransportError, SpartooUnreadableDocumentError } from './errors';
import type {
  DeliverySlipProduct,
  OrdersExport,
  ReturnsExport,
  SpartooOrder,
  StockSize,
  UnreadableDocument,
} from './types';
import { formatOrdersExportDate, formatReturnsExportDate } from './values';
import {
  buildDeliverySlipXml,
  buildStockBatchXml,
  parseAcknowledgementXml,
  parseDeliverySlipXml,
  parseOrdersXml,
  parseReturnsXml,
  parseStockBatchXml,
} from './xml';

export const SPARTOO_SCRIPTS = {
  exportOrders: 'xml_export_orders.php',
  updateOrders: 'xml_maj_orders.php',
  exportReturns: 'xml_export_returns.php',
  updateReturns: 'xml_maj_returns.php',
  updateStock: 'xml_maj_stock.php',
  updateStockBatch: 'xml_maj_stock_batch.php',
  exportDeliverySlip: 'xml_export_bl.php',
} as const;

export interface SpartooClientOptions {
  /** Webservice root, e.g. `https://sws.spartoo.com/mp/` or the sandbox's `/mp/`. */
  baseUrl: string;
  /** The merchant code, sent as `partenaire`. */
  apiKey: string;
  timeoutMs?: number;
  /** Most sizes in one xml_maj_stock_batch.php request. */
  stockBatchSize?: number;
  fetch?: typeof globalThis.fetch;
}

/** Status changes a merchant may send (2 accept, 3 shipped, 41 refuse / cancel). */
export type MerchantOrderStatus = 2 | 3 | 41;
/** Return statuses a merchant may send (3 refused, 4 received / accepted). */
export type MerchantReturnStatus = 3 | 4;

export interface UpdateOrderStatusInput {
  oID: string;
  status: MerchantOrderStatus;
  /** Required with status 3. */
  trackingNumber?: string;
  /** The Spartoo shipping service, sent as `transporteur` with status 3 (a project assumption). */
  shippingService?: string;
}

export type ExportReturnsQuery = { since?: Date } | { oID: string } | { rID: string };

/** A file sent as an upload (multipart/form-data). */
export interface UploadFile {
  filename: string;
  contentType: string;
  bytes: Uint8Array;
}

export interface UpdateReturnInput {
  rID: string;
  status?: MerchantReturnStatus;
  /** The return label as a link, sent as `label_link`. */
  labelLink?: string;
  /** The return label as a file, uploaded as `label_file` (the request is then multipart). */
  labelFile?: UploadFile;
}

export interface StockBatchError {
  referencePartenaire: string;
  sizeReference: string;
  code: number;
  message: string;
}

export interface StockBatchResult {
  sizesSent: number;
  errors: StockBatchError[];
}

export interface SpartooClient {
  /**
   * Orders purchased on or after `since` (all when absent), optionally with one status; an order
   * that cannot be read is in `unreadable` and never hides the others.
   */
  exportOrders(query?: { since?: Date; status?: number }): Promise<OrdersExport>;
  /**
   * One order; SpartooError -6 when Spartoo does not know it, SpartooUnreadableDocumentError (not
   * retryable) when Spartoo's copy cannot be read.
   */
  getOrder(oID: string): Promise<SpartooOrder>;
  /** Accept (2), ship (3) or refuse / cancel (41); `alreadyDone` when the order already had that status. */
  updateOrderStatus(input: UpdateOrderStatusInput): Promise<{ alreadyDone: boolean }>;
  /** Returns by date, order or id; a return that cannot be read is in `unreadable`. */
  exportReturns(query?: ExportReturnsQuery, status?: number): Promise<ReturnsExport>;
  updateReturn(input: UpdateReturnInput): Promise<{ alreadyDone: boolean }>;
  /** One size's absolute quantity; `alreadyDone` when Spartoo already had that quantity (-18). */
  updateStock(size: StockSize): Promise<{ alreadyDone: boolean }>;
  /** Many sizes in requests of at most `stockBatchSize`; a size Spartoo already had (-18) is no error. */
  updateStockBatch(sizes: readonly StockSize[]): Promise<StockBatchResult>;
  /**
   * The delivery slip (bordereau) of one parcel of an order: the PDF's bytes. `products` are the
   * parcel's, by the line's parent reference (`products_reference`) with a quantity. SpartooError -6
   * for an unknown order, -7 for one not accepted yet (the sandbox's codes; Spartoo's are not public).
   * The slip holds the customer's address: keep it out of logs, histories and storage.
   */
  exportDeliverySlip(orderId: string, products: readonly DeliverySlipProduct[]): Promise<Uint8Array>;
}

type Fields = Record<string, string | undefined>;
type Files = Record<string, UploadFile | undefined>;

const EPOCH = new Date(0);

/** How long one Spartoo call may take (`timeoutMs` unset). */
export const SPARTOO_CALL_TIMEOUT_MS = 15_000;

export function createSpartooClient(options: SpartooClientOptions): SpartooClient {
  const {
    apiKey,
    timeoutMs = SPARTOO_CALL_TIMEOUT_MS,
    stockBatchSize = 500,
    fetch: fetchImpl = globalThis.fetch,
  } = options;
  if (!Number.isInteger(stockBatchSize) || stockBatchSize < 1) {
    throw new RangeError('stockBatchSize must be a positive integer');
  }
  if (!(timeoutMs > 0)) throw new RangeError('timeoutMs must be positive');
  const baseUrl = options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`;

  /**
   * One script call: the raw body of a 200 answer, else a transport failure. Fields go url-encoded;
   * with a file, the whole form goes as multipart/form-data (as PHP's curl sends an upload).
   */
  async function post(script: string, fields: Fields, files: Files = {}): Promise<string> {
    const url = new URL(script, baseUrl).toString();
    const uploads = Object.entries(files).filter((f): f is [string, UploadFile] => f[1] !== undefined);
    let body: string | FormData;
    let contentType: Record<string, string> = {};
    if (uploads.length === 0) {
      const form = new URLSearchParams({ partenaire: apiKey });
      for (const [name, value] of Object.entries(fields)) if (value !== undefined) form.append(name, value);
      body = form.toString();
      contentType = { 'content-type': 'application/x-www-form-urlencoded' };
    } else {
      // fetch writes the multipart content type with its boundary.
      const form = new FormData();
      form.append('partenaire', apiKey);
      for (const [name, value] of Object.entries(fields)) if (value !== undefined) form.append(name, value);
      for (const [name, file] of uploads) {
        form.append(name, new Blob([new Uint8Array(file.bytes)], { type: file.contentType }), file.filename);
      }
      body = form;
    }
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      const response = await fetchImpl(url, {
        method: 'POST',
        headers: { ...contentType, accept: 'application/xml, text/xml;q=0.9, */*;q=0.1' },
        body,
        signal,
      });
      if (response.status !== 200) {
        await response.body?.cancel().catch(() => {});
        throw new SpartooTransportError(script, 'http_status', `HTTP ${response.status}`, {
          httpStatus: response.status,
        });
      }
      return decodeBody(new Uint8Array(await response.arrayBuffer()), response.headers.get('content-type'));
    } catch (err) {
      if (err instanceof SpartooTransportError) throw err;
      if (signal.aborted) {
        throw new SpartooTransportError(script, 'timeout', `no complete answer within ${timeoutMs} ms`);
      }
      throw new SpartooTransportError(script, 'network', describeNetworkError(err), { cause: err });
    }
  }

  /** Runs a call and makes sure nothing it throws carries the merchant code. */
  async function guarded<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw redact(err, apiKey);
    }
  }

  const client: SpartooClient = {
    exportOrders: (query = {}) =>
      guarded(async () => {
        const script = SPARTOO_SCRIPTS.exportOrders;
        const body = await post(script, {
          date: formatOrdersExportDate(query.since ?? EPOCH),
          statut: query.status === undefined ? undefined : String(query.status),
        });
        return parseOrdersXml(body, script);
      }),

    getOrder: (oID) =>
      guarded(async () => {
        const script = SPARTOO_SCRIPTS.exportOrders;
        const { orders, unreadable } = parseOrdersXml(await post(script, { oID }), script);
        const order = orders.find((o) => o.ordersId === oID);
        if (order) return order;
        const broken = askedFor(oID, orders.length, unreadable);
        if (broken) throw new SpartooUnreadableDocumentError(script, broken.error, oID);
        // An OK answer without the order is still "not found", in Spartoo's own terms.
        throw new SpartooError(-6, script);
      }),

    updateOrderStatus: (input) =>
      guarded(async () => {
        const shipping = input.status === 3;
        if (shipping && !input.trackingNumber?.trim()) {
          throw new TypeError('a tracking number is required to mark an order shipped (status 3)');
        }
        const script = SPARTOO_SCRIPTS.updateOrders;
        const body = await post(script, {
          oID: input.oID,
          statut: String(input.status),
          tracking_number: shipping ? input.trackingNumber?.trim() : undefined,
          transporteur: shipping ? input.shippingService : undefined,
        });
        return parseAcknowledgementXml(body, script);
      }),

    exportReturns: (query = {}, status) =>
      guarded(async () => {
        const script = SPARTOO_SCRIPTS.exportReturns;
        const target: Fields =
          'rID' in query
            ? { rID: query.rID }
            : 'oID' in query
              ? { oID: query.oID }
              : { date: formatReturnsExportDate(query.since ?? EPOCH) };
        const body = await post(script, {
          ...target,
          statut: status === undefined ? undefined : String(status),
        });
        return parseReturnsXml(body, script);
      }),

    updateReturn: (input) =>
      guarded(async () => {
        const script = SPARTOO_SCRIPTS.updateReturns;
        if (input.labelLink !== undefined && input.labelFile !== undefined) {
          throw new TypeError('a return label is a link or a file, not both');
        }
        const body = await post(
          script,
          {
            rID: input.rID,
            statut: input.status === undefined ? undefined : String(input.status),
            label_link: input.labelLink,
          },
          { label_file: input.labelFile },
        );
        return parseAcknowledgementXml(body, script);
      }),

    updateStock: (size) =>
      guarded(async () => {
        const script = SPARTOO_SCRIPTS.updateStock;
        const body = await post(script, {
          reference_partenaire: size.referencePartenaire,
          products_size_reference: size.sizeReference,
          products_quantity: String(size.quantity),
        });
        return parseAcknowledgementXml(body, script);
      }),

    updateStockBatch: (sizes) =>
      guarded(async () => {
        const script = SPARTOO_SCRIPTS.updateStockBatch;
        // The same size twice in one push: the last quantity is the store's current one.
        const latest = new Map<string, StockSize>();
        for (const size of sizes)
          latest.set(JSON.stringify([size.referencePartenaire, size.sizeReference]), size);
        const unique = [...latest.values()];
        const errors: StockBatchError[] = [];
        let sizesSent = 0;
        for (let start = 0; start < unique.length; start += stockBatchSize) {
          const chunk = unique.slice(start, start + stockBatchSize);
          const results = parseStockBatchXml(await post(script, { xml: buildStockBatchXml(chunk) }), script);
          sizesSent += chunk.length;
          for (const result of results) {
            if (result.code < 0 && result.code !== -18) errors.push(result);
          }
        }
        return { sizesSent, errors };
      }),

    exportDeliverySlip: (orderId, products) =>
      guarded(async () => {
        if (products.length === 0) throw new TypeError('a delivery slip needs at least one product');
        for (const p of products) {
          if (!Number.isInteger(p.quantity) || p.quantity < 1) {
            throw new TypeError(`quantity of ${p.referencePartenaire} must be a positive integer`);
          }
        }
        const script = SPARTOO_SCRIPTS.exportDeliverySlip;
        const body = await post(script, { xml: buildDeliverySlipXml(orderId, products) });
        return parseDeliverySlipXml(body, script);
      }),
  };
  return client;
}

/**
 * The unreadable document that is the one asked for: the one with its id, or, when the answer holds
 * nothing else, the one whose id could not be read.
 */
function askedFor(
  id: string,
  readCount: number,
  unreadable: readonly UnreadableDocument[],
): UnreadableDocument | undefined {
  const own = unreadable.find((u) => u.id === id);
  if (own) return own;
  const [only] = unreadable;
  return readCount === 0 && unreadable.length === 1 && only?.id === undefined ? only : undefined;
}

/**
 * The body as text in its declared charset (Content-Type, else the XML declaration): a PHP service may
 * well answer in ISO-8859-1, which fetch's text() would read as broken UTF-8.
 */
function decodeBody(bytes: Uint8Array, contentType: string | null): string {
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, 200));
  const charset =
    /charset="?([\w.:-]+)/i.exec(contentType ?? '')?.[1] ??
    /^\s*<\?xml[^>]*\bencoding=["']([\w.:-]+)["']/i.exec(head)?.[1] ??
    'utf-8';
  try {
    return new TextDecoder(charset).decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}

function describeNetworkError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  // fetch reports "fetch failed" and keeps the useful part (ECONNREFUSED, "other side closed") in cause.
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return `${err.message}${cause}`;
}

/** The same error with every occurrence of the merchant code masked. */
function redact(err: unknown, apiKey: string): unknown {
  if (apiKey === '' || !(err instanceof Error)) return err;
  const mask = (text: string) => text.replaceAll(apiKey, '••••');
  const causeText = err.cause instanceof Error ? `${err.cause.message} ${String(err.cause.cause ?? '')}` : '';
  if (!err.message.includes(apiKey) && !causeText.includes(apiKey) && !err.stack?.includes(apiKey))
    return err;
  if (err instanceof SpartooError) return new SpartooError(err.code, err.script, mask(err.description));
  if (err instanceof SpartooTransportError) {
    return new SpartooTransportError(err.script, err.kind, mask(err.detail), { httpStatus: err.httpStatus });
  }
  if (err instanceof SpartooUnreadableDocumentError) {
    return new SpartooUnreadableDocumentError(err.script, mask(err.message), err.documentId);
  }
  return new Error(mask(err.message));
}
