/**
 * Spartoo's XML documents in and out (spartoo-webservices.md). Parsing is fast-xml-parser into plain
 * objects, then zod: unknown tags are dropped, missing optional tags become '' / undefined. An answer
 * that is not well-formed XML with the expected frame (`<root>`, `<orders>`, a result code) is a
 * transport failure (retryable); within a good frame each `<order>` / `<return>` is read on its own,
 * and one that does not fit its shape is reported as unreadable, never as wrong data and never in the
 * way of the others.
 */
import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import { z } from 'zod';
import { ALREADY_DONE_CODES, SpartooError, SpartooTransportError, spartooErrorMessage } from './errors';
import type {
  DeliverySlipProduct,
  OrdersExport,
  ReturnsExport,
  SpartooCustomer,
  SpartooDelivery,
  SpartooOrder,
  SpartooOrderLine,
  SpartooRelayInfo,
  SpartooReturn,
  StockSize,
  UnreadableDocument,
} from './types';
import { parseSpartooDate, toCents } from './values';

export const CDATA = '#cdata';

/** Elements that are lists in Spartoo's documents: one element or many both parse to an array. */
const RESPONSE_LISTS = [
  'root.orders.order',
  'root.orders.order.products.product',
  'root.orders.order.errors.error',
  'root.returns.return',
  'root.returns.return.errors.error',
  'root.errors.error',
  'root.products.product',
  'root.products.product.errors.error',
];

/**
 * A parser that keeps every value as text (an order id "0012…" or a postcode "01000" must not become a
 * number, an amount must keep its digits) and reads CDATA as text.
 */
export function createSpartooXmlParser(listPaths: readonly string[]): XMLParser {
  const lists = new Set(listPaths);
  return new XMLParser({
    ignoreAttributes: true,
    parseTagValue: false,
    trimValues: true,
    ignoreDeclaration: true,
    ignorePiTags: true,
    isArray: (_name, jPath) => lists.has(String(jPath)),
  });
}

/** A builder that writes `{ [CDATA]: text }` as CDATA; everything else is escaped text. */
export function createSpartooXmlBuilder(): XMLBuilder {
  return new XMLBuilder({ cdataPropName: CDATA, ignoreAttributes: true, suppressEmptyNode: false });
}

export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

const responseParser = createSpartooXmlParser(RESPONSE_LISTS);
const builder = createSpartooXmlBuilder();

type XmlNode = Record<string, unknown>;

const isNode = (value: unknown): value is XmlNode =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Well-formed XML with a `<root>` element, as an object; anything else is a transport failure. */
export function readSpartooRoot(script: string, body: string): XmlNode {
  const xml = body.replace(/^\uFEFF/, '').trim();
  if (xml === '') throw new SpartooTransportError(script, 'invalid_xml', 'empty body');
  const validation = XMLValidator.validate(xml);
  if (validation !== true) {
    const { msg, line } = validation.err;
    throw new SpartooTransportError(script, 'invalid_xml', `${msg} (line ${line})`);
  }
  let doc: unknown;
  try {
    doc = responseParser.parse(xml);
  } catch (err) {
    throw new SpartooTransportError(script, 'invalid_xml', (err as Error).message);
  }
  const root = isNode(doc) ? doc.root : undefined;
  if (root === '') return {};
  if (!isNode(root)) throw new SpartooTransportError(script, 'unexpected_shape', 'no <root> element');
  return root;
}

export interface SpartooResult {
  code: number;
  description: string;
}

const INTEGER = /^[+-]?\d+$/;

/**
 * The code an element carries, in either of Spartoo's shapes: `<statut><id/><description/></statut>`
 * or `<errors>N</errors>` / `<errors><error><id/><description/></error></errors>` (the first error).
 */
export function resultOf(node: unknown): SpartooResult | undefined {
  if (!isNode(node)) return undefined;
  const statut = node.statut;
  if (isNode(statut) && typeof statut.id === 'string' && INTEGER.test(statut.id)) {
    return { code: Number(statut.id), description: textOf(statut.description) };
  }
  const errors = node.errors;
  if (typeof errors === 'string' && INTEGER.test(errors)) return { code: Number(errors), description: '' };
  if (isNode(errors) && Array.isArray(errors.error)) {
    for (const error of errors.error) {
      if (isNode(error) && typeof error.id === 'string' && INTEGER.test(error.id)) {
        return { code: Number(error.id), description: textOf(error.description) };
      }
    }
  }
  return undefined;
}

const textOf = (value: unknown): string => (typeof value === 'string' ? value : '');

function throwIfError(script: string, result: SpartooResult | undefined): void {
  if (result && result.code < 0) throw new SpartooError(result.code, script, result.description);
}

/**
 * Messages for the issues zod words itself: what is wrong, never the value (a customer's name or
 * address must not reach a log or an order's error). Our own messages ('is required', 'must be an
 * integer', …) are set on the schemas and take precedence.
 */
const issueMessage: z.core.$ZodErrorMap = (issue) => {
  if (issue.code !== 'invalid_type') return 'is not valid';
  if (issue.input === undefined) return 'is required';
  return issue.expected === 'string' ? 'must be text, not nested tags' : `must be ${issue.expected}`;
};

/** `path: what is wrong; …` for the first three issues, and how many more there are. */
function describeIssues(error: z.ZodError, at: PropertyKey[] = []): string {
  const shown = error.issues
    .slice(0, 3)
    .map((issue) => `${[...at, ...issue.path].map(String).join('.') || '(root)'}: ${issue.message}`);
  const more = error.issues.length - shown.length;
  return more > 0 ? `${shown.join('; ')}; and ${more} more` : shown.join('; ');
}

function shapeError(script: string, error: z.ZodError, at: PropertyKey[] = []): SpartooTransportError {
  return new SpartooTransportError(script, 'unexpected_shape', describeIssues(error, at));
}

// ---------------------------------------------------------------------------------------------------
// zod shapes of the parsed documents

/** An element that may be empty (`<customers/>` parses to ''): empty reads as no children. */
const element = <T extends z.ZodRawShape>(shape: T) =>
  z.preprocess((v) => (v === '' || v === undefined ? {} : v), z.object(shape));

const text = z
  .string()
  .optional()
  .transform((v) => v ?? '');

const requiredText = z.string().trim().min(1, 'is required');

const integer = z
  .string()
  .trim()
  .regex(INTEGER, 'must be an integer')
  .transform((v) => Number(v));

/** An amount whose tag may be absent or empty: undefined then. */
const optionalAmountCents = z
  .string()
  .optional()
  .transform((value, ctx) => {
    if (value === undefined || value.trim() === '') return undefined;
    try {
      return toCents(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'is not an amount' });
      return z.NEVER;
    }
  });

/** A Spartoo date (Paris wall-clock time) as ISO UTC; '' when absent, empty or zero, unless required. */
const isoDate = (required: boolean) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      let date: Date | undefined;
      try {
        date = parseSpartooDate(value ?? '');
      } catch {
        ctx.addIssue({ code: 'custom', message: 'is not a date' });
        return z.NEVER;
      }
      if (date) return date.toISOString();
      if (!required) return '';
      ctx.addIssue({ code: 'custom', message: 'is required' });
      return z.NEVER;
    });
const requiredIsoDate = isoDate(true);

const errorList = element({
  error: z.array(element({ id: integer, description: text })).optional(),
}).transform((e) => e.error ?? []);

/** Per-item errors: tolerated as a list of `<error>`, a bare code, or absent. */
const itemErrors = z
  .union([z.string(), errorList])
  .optional()
  .transform((value) => {
    if (value === undefined || Array.isArray(value)) return value ?? [];
    const code = value.trim();
    if (!INTEGER.test(code) || Number(code) === 1) return [];
    return [{ id: Number(code), description: spartooErrorMessage(Number(code)) }];
  });

const customersSchema = element({
  customers_firstname: text,
  customers_lastname: text,
  customers_company: text,
  customers_street_address: text,
  customers_suburb: text,
  customers_city: text,
  customers_postcode: text,
  customers_state: text,
  customers_country: text,
  customers_email_address: text,
  customers_telephone: text,
}).transform(
  (c): SpartooCustomer => ({
    firstname: c.customers_firstname,
    lastname: c.customers_lastname,
    company: c.customers_company,
    streetAddress: c.customers_street_address,
    suburb: c.customers_suburb,
    city: c.customers_city,
    postcode: c.customers_postcode,
    state: c.customers_state,
    country: c.customers_country,
    email: c.customers_email_address,
    telephone: c.customers_telephone,
  }),
);

const relayInfoSchema = element({
  relay_id: text,
  relay_type: text,
  relay_name: text,
  relay_address: text,
  relay_city: text,
  relay_postcode: text,
  relay_country_iso: text,
}).transform(
  (r): SpartooRelayInfo => ({
    relayId: r.relay_id,
    relayType: r.relay_type,
    relayName: r.relay_name,
    relayAddress: r.relay_address,
    relayCity: r.relay_city,
    relayPostcode: r.relay_postcode,
    relayCountryIso: r.relay_country_iso,
  }),
);

const deliverySchema = element({
  delivery_firstname: text,
  delivery_lastname: text,
  delivery_company: text,
  delivery_street_address: text,
  delivery_suburb: text,
  delivery_city: text,
  delivery_postcode: text,
  delivery_state: text,
  delivery_country: text,
  relay_info: z.unknown().optional(),
}).transform((d, ctx): SpartooDelivery => {
  const delivery: SpartooDelivery = {
    firstname: d.delivery_firstname,
    lastname: d.delivery_lastname,
    company: d.delivery_company,
    streetAddress: d.delivery_street_address,
    suburb: d.delivery_suburb,
    city: d.delivery_city,
    postcode: d.delivery_postcode,
    state: d.delivery_state,
    country: d.delivery_country,
  };
  // An empty <relay_info/> is a home delivery, not a relay point without an id.
  if (d.relay_info === undefined || d.relay_info === '') return delivery;
  const relay = relayInfoSchema.safeParse(d.relay_info);
  if (!relay.success) {
    for (const issue of relay.error.issues) ctx.addIssue({ ...issue, path: ['relay_info', ...issue.path] });
    return z.NEVER;
  }
  return { ...delivery, relayInfo: relay.data };
});

const productSchema = element({
  products_reference: text,
  products_name: text,
  products_qty: integer,
  products_spartoo: text,
  products_manufacturers: text,
  products_size: text,
  products_size_reference: text,
  products_color: text,
  products_price_unit: optionalAmountCents,
  products_price_unit_with_reduce: optionalAmountCents,
  products_final_price: optionalAmountCents,
}).transform((p, ctx): SpartooOrderLine => {
  const priceUnitCents = p.products_price_unit ?? p.products_price_unit_with_reduce;
  if (priceUnitCents === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['products_price_unit'],
      message: 'a line needs products_price_unit or products_price_unit_with_reduce',
    });
    return z.NEVER;
  }
  const paidUnitCents = p.products_price_unit_with_reduce ?? priceUnitCents;
  return {
    productsReference: p.products_reference,
    productsName: p.products_name,
    productsQty: p.products_qty,
    productsSpartoo: p.products_spartoo,
    productsManufacturers: p.products_manufacturers,
    productsSize: p.products_size,
    productsSizeReference: p.products_size_reference,
    productsColor: p.products_color,
    priceUnitCents,
    ...(p.products_price_unit_with_reduce === undefined
      ? {}
      : { priceUnitWithReduceCents: p.products_price_unit_with_reduce }),
    // Without a line total, the line is what was paid per unit times the quantity.
    finalPriceCents: p.products_final_price ?? paidUnitCents * p.products_qty,
  };
});

const orderSchema = element({
  orders_id: requiredText,
  customers: customersSchema,
  delivery: deliverySchema,
  payment_method: text,
  payment_price: optionalAmountCents,
  shipping_price: optionalAmountCents,
  shipping_name: text,
  order_total: optionalAmountCents,
  orders_status_id: integer,
  orders_status_name: text,
  date_purchased: requiredIsoDate,
  last_modified: isoDate(false),
  products: element({ product: z.array(productSchema).optional() }).transform((p) => p.product ?? []),
  errors: itemErrors,
}).transform((o): SpartooOrder => {
  const paymentPriceCents = o.payment_price ?? 0;
  const shippingPriceCents = o.shipping_price ?? 0;
  const linesCents = o.products.reduce((sum, line) => sum + line.finalPriceCents, 0);
  return {
    ordersId: o.orders_id,
    customers: o.customers,
    delivery: o.delivery,
    paymentMethod: o.payment_method,
    paymentPriceCents,
    shippingPriceCents,
    shippingName: o.shipping_name,
    orderTotalCents: o.order_total ?? linesCents + shippingPriceCents + paymentPriceCents,
    ordersStatusId: o.orders_status_id,
    ordersStatusName: o.orders_status_name,
    datePurchased: o.date_purchased,
    lastModified: o.last_modified,
    products: o.products,
    errors: o.errors,
  };
});

const returnSchema = element({
  return_id: requiredText,
  return_date: requiredIsoDate,
  return_status: integer,
  return_status_name: text,
  return_reason: text,
  order: text,
  product: element({
    products_reference: text,
    products_name: text,
    products_spartoo: text,
    products_manufacturers: text,
    products_size: text,
    products_color: text,
  }),
}).transform(
  (r): SpartooReturn => ({
    returnId: r.return_id,
    returnDate: r.return_date,
    returnStatus: r.return_status,
    returnStatusName: r.return_status_name,
    returnReason: r.return_reason,
    orderId: r.order,
    product: {
      productsReference: r.product.products_reference,
      productsName: r.product.products_name,
      productsSpartoo: r.product.products_spartoo,
      productsManufacturers: r.product.products_manufacturers,
      productsSize: r.product.products_size,
      productsColor: r.product.products_color,
    },
  }),
);

// ---------------------------------------------------------------------------------------------------
// Responses of each script

/**
 * The `<order>` / `<return>` elements of a list (`<orders>`, `<returns>`): none for an empty list or
 * none at all when the root has a result code; anything else is not Spartoo's frame.
 */
function listItems(script: string, root: XmlNode, container: string, item: string): unknown[] {
  const list = root[container];
  if (list === undefined) {
    if (resultOf(root)) return [];
    throw new SpartooTransportError(script, 'unexpected_shape', `neither <${container}> nor a result code`);
  }
  if (list === '') return [];
  if (!isNode(list)) {
    throw new SpartooTransportError(script, 'unexpected_shape', `<${container}> is not a list`);
  }
  const items = list[item];
  return Array.isArray(items) ? items : [];
}

/** One document's own text field, when it is plain non-empty text. */
const ownText = (node: unknown, field: string): string | undefined => {
  const value = isNode(node) ? node[field] : undefined;
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
};

interface DocumentKind<T> {
  /** `order`, `return`: how a message names the document. */
  noun: string;
  schema: z.ZodType<T>;
  idField: string;
  dateField: string;
  statusField: string;
}

/**
 * Reads each item on its own: one that does not fit its shape becomes an UnreadableDocument with what
 * could still be read of it (id, date, status) and a message of field paths and reasons.
 */
function readEach<T>(
  items: unknown[],
  kind: DocumentKind<T>,
): { read: T[]; unreadable: UnreadableDocument[] } {
  const read: T[] = [];
  const unreadable: UnreadableDocument[] = [];
  items.forEach((item, index) => {
    const parsed = kind.schema.safeParse(item, { error: issueMessage });
    if (parsed.success) {
      // A copy: the parser's values are slices of the whole answer's text, which any one of them kept
      // alive; a poll holding a thousand orders held their 2.5 MB answer with them (BENCHMARKS.md
      // "Memory with thousands of open orders").
      read.push(structuredClone(parsed.data));
      return;
    }
    const id = ownText(item, kind.idField);
    const label = id === undefined ? `${kind.noun} #${index + 1} of the answer` : `${kind.noun} ${id}`;
    const date = requiredIsoDate.safeParse(ownText(item, kind.dateField));
    const status = integer.safeParse(ownText(item, kind.statusField));
    unreadable.push({
      ...(id === undefined ? {} : { id }),
      error: `${label}: ${describeIssues(parsed.error)}`,
      ...(date.success ? { datePurchased: date.data } : {}),
      ...(status.success ? { statusId: status.data } : {}),
    });
  });
  return { read, unreadable };
}

const ORDER: DocumentKind<SpartooOrder> = {
  noun: 'order',
  schema: orderSchema,
  idField: 'orders_id',
  dateField: 'date_purchased',
  statusField: 'orders_status_id',
};

const RETURN: DocumentKind<SpartooReturn> = {
  noun: 'return',
  schema: returnSchema,
  idField: 'return_id',
  dateField: 'return_date',
  statusField: 'return_status',
};

/**
 * xml_export_orders.php: the orders, and the ones that could not be read; none for `<orders/>`.
 * Throws SpartooError on a negative code, SpartooTransportError when the answer is not Spartoo's frame.
 */
export function parseOrdersXml(body: string, script = 'xml_export_orders.php'): OrdersExport {
  const root = readSpartooRoot(script, body);
  throwIfError(script, resultOf(root));
  const { read, unreadable } = readEach(listItems(script, root, 'orders', 'order'), ORDER);
  return { orders: read, unreadable };
}

/**
 * xml_export_returns.php: the returns, and the ones that could not be read; none for `<returns/>`.
 * Throws SpartooError on a negative code, SpartooTransportError when the answer is not Spartoo's frame.
 */
export function parseReturnsXml(body: string, script = 'xml_export_returns.php'): ReturnsExport {
  const root = readSpartooRoot(script, body);
  throwIfError(script, resultOf(root));
  const { read, unreadable } = readEach(listItems(script, root, 'returns', 'return'), RETURN);
  return { returns: read, unreadable };
}

function itemResults(root: XmlNode): SpartooResult[] {
  const results: SpartooResult[] = [];
  for (const [container, item] of [
    ['orders', 'order'],
    ['returns', 'return'],
  ] as const) {
    const list = root[container];
    if (!isNode(list) || !Array.isArray(list[item])) continue;
    for (const entry of list[item]) {
      const result = resultOf(entry);
      if (result) results.push(result);
    }
  }
  return results;
}

/**
 * The answer to a change (xml_maj_orders.php, xml_maj_returns.php, xml_maj_stock.php): the root code,
 * or an item's when the root has none or says OK. -9 / -18 mean the change is already in effect.
 */
export function parseAcknowledgementXml(body: string, script: string): { alreadyDone: boolean } {
  const root = readSpartooRoot(script, body);
  const results = [resultOf(root), ...itemResults(root)].filter((r): r is SpartooResult => r !== undefined);
  if (results.length === 0) throw new SpartooTransportError(script, 'unexpected_shape', 'no result code');
  const failure = results.find((r) => r.code < 0);
  if (!failure) return { alreadyDone: false };
  if (ALREADY_DONE_CODES.has(failure.code)) return { alreadyDone: true };
  throw new SpartooError(failure.code, script, failure.description);
}

export interface StockBatchItemResult {
  referencePartenaire: string;
  sizeReference: string;
  code: number;
  message: string;
}

const batchProductSchema = element({
  reference_partenaire: text,
  size_reference: text,
  products_size_reference: text,
});

/** xml_maj_stock_batch.php: throws on a negative root code, else every size's code (1 when none given). */
export function parseStockBatchXml(body: string, script = 'xml_maj_stock_batch.php'): StockBatchItemResult[] {
  const root = readSpartooRoot(script, body);
  const result = resultOf(root);
  throwIfError(script, result);
  const products = isNode(root.products) && Array.isArray(root.products.product) ? root.products.product : [];
  if (!result && products.length === 0) {
    throw new SpartooTransportError(script, 'unexpected_shape', 'no result code');
  }
  return products.map((product, index) => {
    const parsed = batchProductSchema.safeParse(product, { error: issueMessage });
    if (!parsed.success) throw shapeError(script, parsed.error, ['products', 'product', index]);
    const own = resultOf(product) ?? { code: 1, description: '' };
    return {
      referencePartenaire: parsed.data.reference_partenaire,
      sizeReference: parsed.data.size_reference || parsed.data.products_size_reference,
      code: own.code,
      message: own.description || spartooErrorMessage(own.code),
    };
  });
}

/**
 * xml_export_bl.php: the delivery slip's PDF bytes from `<pdf>`. Base64 is the project's assumption
 * (spartoo-webservices.md: Spartoo documents a PDF in `<pdf>`, not its encoding); whitespace in it
 * (a line-wrapped encoding) is ignored. Throws SpartooError on a negative code, and
 * SpartooTransportError when there is no `<pdf>` or it does not decode to a PDF.
 */
export function parseDeliverySlipXml(body: string, script = 'xml_export_bl.php'): Uint8Array {
  const root = readSpartooRoot(script, body);
  throwIfError(script, resultOf(root));
  const pdf = root.pdf;
  const encoded = typeof pdf === 'string' ? pdf.replace(/\s+/g, '') : '';
  if (encoded === '') throw new SpartooTransportError(script, 'unexpected_shape', 'no <pdf> in the answer');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) {
    throw new SpartooTransportError(script, 'unexpected_shape', '<pdf> is not base64');
  }
  const bytes = new Uint8Array(Buffer.from(encoded, 'base64'));
  if (Buffer.from(bytes.subarray(0, 5)).toString('latin1') !== '%PDF-') {
    throw new SpartooTransportError(script, 'unexpected_shape', '<pdf> does not hold a PDF document');
  }
  return bytes;
}

// ---------------------------------------------------------------------------------------------------
// Documents we send

/** Free text we send goes in CDATA (the builder splits a "]]>" inside it). */
const cdata = (value: string) => ({ [CDATA]: value });

/**
 * The `xml` field of xml_maj_stock_batch.php: sizes grouped under their reference_partenaire, in the
 * order the references first appear.
 */
export function buildStockBatchXml(sizes: readonly StockSize[]): string {
  const byReference = new Map<string, StockSize[]>();
  for (const size of sizes) {
    const group = byReference.get(size.referencePartenaire);
    if (group) group.push(size);
    else byReference.set(size.referencePartenaire, [size]);
  }
  const product = [...byReference].map(([reference, group]) => ({
    reference_partenaire: cdata(reference),
    size_list: {
      size: group.map((s) => ({ size_reference: cdata(s.sizeReference), size_quantity: String(s.quantity) })),
    },
  }));
  return XML_DECLARATION + builder.build({ catalogue: { products: { product } } });
}

/**
 * The `xml` field of xml_export_bl.php, as the PHP client debuss/spartoo writes it: the order and one
 * parcel's products, `<root><order_id/><products><product><reference_partenaire/><product_quantity/>
 * </product>…</products></root>`.
 */
export function buildDeliverySlipXml(orderId: string, products: readonly DeliverySlipProduct[]): string {
  const product = products.map((p) => ({
    reference_partenaire: cdata(p.referencePartenaire),
    product_quantity: String(p.quantity),
  }));
  return XML_DECLARATION + builder.build({ root: { order_id: orderId, products: { product } } });
}
