/**
 * The sandbox's seven Spartoo scripts: rules and answers as spartoo-webservices.md describes them, with
 * the project's [assumed] shapes where Spartoo publishes none. Each script takes the received form
 * fields (and uploaded files) and answers the children of `<root>`; the code goes in `<statut>`
 * (orders, returns, delivery slips) or in a bare `<errors>` (stock).
 *
 * Lenient where Spartoo is lenient, never silent: every request shape of the public PHP client
 * debuss/spartoo is served (a stock batch without the `<products>` wrapper is read like one with it),
 * and what the sandbox does not do is answered with an error code, never with 1.
 */
import { createHash } from 'node:crypto';
import { XMLValidator } from 'fast-xml-parser';
import { spartooErrorMessage } from '../errors';
import { formatSpartooDateTime, parseSpartooDate } from '../values';
import { CDATA, createSpartooXmlBuilder, createSpartooXmlParser, XML_DECLARATION } from '../xml';
import type { UploadedFile } from './form';
import { type PdfLine, renderPdf } from './pdf';
import {
  type Corruption,
  CUSTOMER_FIELDS,
  DELIVERY_FIELDS,
  type Fields,
  ORDER_CORRUPTIBLE_FIELDS,
  ORDER_STATUS_NAMES,
  PRODUCT_FIELDS,
  RELAY_FIELDS,
  RETURN_CORRUPTIBLE_FIELDS,
  RETURN_PRODUCT_FIELDS,
  RETURN_STATUS_NAMES,
  type SandboxOrder,
  type SandboxReturn,
  type SandboxState,
} from './state';

type XmlNode = Record<string, unknown>;

export interface ScriptResult {
  code: number;
  /** What went wrong, more precisely than the code table (a `<statut>` answer's description). */
  description?: string;
  /** Children of `<root>` besides the code. */
  content?: XmlNode;
}

export interface SpartooScript {
  /** Where the code goes: `<statut><id/><description/></statut>` or a bare `<errors>N</errors>`. */
  shape: 'statut' | 'errors';
  run(
    state: SandboxState,
    partenaire: string,
    params: Record<string, string>,
    files: Record<string, UploadedFile>,
  ): ScriptResult;
}

const builder = createSpartooXmlBuilder();
const catalogueParser = createSpartooXmlParser([
  'catalogue.products.product',
  'catalogue.products.product.size_list.size',
  // The PHP client debuss/spartoo leaves the <products> wrapper out.
  'catalogue.product',
  'catalogue.product.size_list.size',
]);
const slipRequestParser = createSpartooXmlParser(['root.products.product']);

/** The whole answer document for a code and content. */
export function renderAnswer(shape: SpartooScript['shape'], result: ScriptResult): string {
  const root =
    shape === 'statut'
      ? {
          ...result.content,
          statut: { id: result.code, description: result.description ?? spartooErrorMessage(result.code) },
        }
      : { errors: result.code, ...result.content };
  return XML_DECLARATION + builder.build({ root });
}

const present = (value: string | undefined): value is string => value !== undefined && value.trim() !== '';
const cdata = (value: string) => (value === '' ? '' : { [CDATA]: value });

/** Fields in Spartoo's tag order; free text in CDATA, as Spartoo writes it. */
function fieldsNode(order: readonly string[], fields: Fields, plain: readonly string[] = []): XmlNode {
  const node: XmlNode = {};
  for (const name of order) {
    const value = fields[name];
    if (value !== undefined) node[name] = plain.includes(name) ? value : cdata(value);
  }
  return node;
}

const PRODUCT_NUMBERS = [
  'products_qty',
  'products_spartoo',
  'products_price_unit',
  'products_price_unit_with_reduce',
  'products_final_price',
];

/**
 * Puts a test's raw text in place of the given tags' values (null: no such tag), as a broken export
 * would carry them. Written as text (escaped), so the document stays well-formed: a data fault, not a
 * transport one (those are the `malformedRate` fault).
 */
function corrupted(node: XmlNode, corruption: Corruption | undefined, fields: readonly string[]): XmlNode {
  if (!corruption) return node;
  for (const name of fields) {
    if (!(name in corruption)) continue;
    const raw = corruption[name];
    if (raw === null || raw === undefined) delete node[name];
    else node[name] = raw;
  }
  return node;
}

export function orderNode(order: SandboxOrder): XmlNode {
  const lines = order.products.map((p) =>
    corrupted(fieldsNode(PRODUCT_FIELDS, p, PRODUCT_NUMBERS), order.corrupt, PRODUCT_FIELDS),
  );
  const node: XmlNode = {
    orders_id: order.orders_id,
    customers: fieldsNode(CUSTOMER_FIELDS, order.customers),
    delivery: {
      ...fieldsNode(DELIVERY_FIELDS, order.delivery),
      ...(order.relay_info ? { relay_info: fieldsNode(RELAY_FIELDS, order.relay_info) } : {}),
    },
    payment_method: cdata(order.payment_method),
    payment_price: order.payment_price,
    shipping_price: order.shipping_price,
    shipping_name: cdata(order.shipping_name),
    order_total: order.order_total,
    orders_status_id: order.orders_status_id,
    orders_status_name: cdata(ORDER_STATUS_NAMES[order.orders_status_id] ?? ''),
    date_purchased: order.date_purchased,
    last_modified: order.last_modified,
    products: { product: lines },
  };
  return corrupted(node, order.corrupt, ORDER_CORRUPTIBLE_FIELDS);
}

export function returnNode(ret: SandboxReturn): XmlNode {
  const product = fieldsNode(RETURN_PRODUCT_FIELDS, ret.product, ['products_spartoo']);
  const node: XmlNode = {
    return_id: ret.return_id,
    return_date: ret.return_date,
    return_status: ret.return_status,
    return_status_name: cdata(RETURN_STATUS_NAMES[ret.return_status] ?? ''),
    return_reason: cdata(ret.return_reason),
    order: ret.order,
    product: corrupted(product, ret.corrupt, RETURN_PRODUCT_FIELDS),
  };
  return corrupted(node, ret.corrupt, RETURN_CORRUPTIBLE_FIELDS);
}

const itemError = (code: number) =>
  code === 1 ? '' : { error: { id: code, description: spartooErrorMessage(code) } };

const now = () => formatSpartooDateTime(new Date());

// ---------------------------------------------------------------------------------------------------
// Orders

/** The merchant's side of the order status table: the code Spartoo answers for `current` → `next`. */
export function merchantOrderTransition(current: number, next: number, trackingNumber: string): number {
  if (next === current) return -9;
  switch (next) {
    case 2:
      return current === 11 ? 1 : -7;
    case 3:
      return current === 2 && present(trackingNumber) ? 1 : -7;
    case 41:
      return current === 3 ? -7 : 1;
    default:
      // 11 is only the initial status; 45 and 47 are set by Spartoo alone.
      return -7;
  }
}

/** Spartoo's own side (customer cancellation, back office, carrier): true when allowed. */
export function spartooOrderTransition(current: number, next: number): boolean {
  switch (next) {
    case 41:
      return current !== 3 && current !== 41;
    case 2:
      return current === 11;
    case 45:
    case 47:
      return current === 3;
    default:
      return false;
  }
}

const exportOrders: SpartooScript = {
  shape: 'statut',
  run(state, partenaire, params) {
    const statut = present(params.statut) ? params.statut.trim() : undefined;
    const matchesStatut = (o: SandboxOrder) => statut === undefined || String(o.orders_status_id) === statut;
    if (present(params.oID)) {
      const order = state.orders.get(params.oID.trim());
      if (!order || order.partenaire !== partenaire) return { code: -6 };
      // With an oID the status filter is not applied: the caller asked for that order.
      return { code: 1, content: { orders: { order: [orderNode(order)] } } };
    }
    if (!present(params.date)) return { code: -3 };
    let since: Date | undefined;
    try {
      since = parseSpartooDate(params.date);
    } catch {
      since = undefined;
    }
    if (!since) return { code: -3 };
    const from = since.getTime();
    const orders = state
      .ordersOf(partenaire)
      .filter((o) => purchasedAt(o) >= from && matchesStatut(o))
      // A stable sort: orders of the same second stay in the order they were placed.
      .sort((a, b) => purchasedAt(a) - purchasedAt(b));
    return { code: 1, content: { orders: orders.length ? { order: orders.map(orderNode) } : '' } };
  },
};

const purchasedAt = (order: SandboxOrder) => parseSpartooDate(order.date_purchased)?.getTime() ?? 0;

const updateOrders: SpartooScript = {
  shape: 'statut',
  run(state, partenaire, params) {
    if (!present(params.oID) || !present(params.statut)) return { code: -5 };
    const oID = params.oID.trim();
    const order = state.orders.get(oID);
    if (!order || order.partenaire !== partenaire) return { code: -6 };
    const next = /^\d+$/.test(params.statut.trim()) ? Number(params.statut.trim()) : Number.NaN;
    const trackingNumber = params.tracking_number?.trim() ?? '';
    const code = Number.isNaN(next)
      ? -7
      : merchantOrderTransition(order.orders_status_id, next, trackingNumber);
    if (code === 1) {
      order.orders_status_id = next;
      order.last_modified = now();
      if (next === 3) {
        order.tracking_number = trackingNumber;
        order.transporteur = params.transporteur?.trim() ?? '';
      }
    }
    return {
      code,
      content: {
        orders: {
          order: {
            oID,
            statut: order.orders_status_id,
            tracking_number: cdata(order.tracking_number),
            errors: itemError(code),
          },
        },
      },
    };
  },
};

// ---------------------------------------------------------------------------------------------------
// Returns

export function merchantReturnTransition(current: number, next: number): number {
  if (next === current) return -9;
  if (next === 3) return current === 2 ? 1 : -7;
  if (next === 4) return current === 2 || current === 3 ? 1 : -7;
  return -7;
}

const exportReturns: SpartooScript = {
  shape: 'statut',
  run(state, partenaire, params) {
    const mine = [...state.returns.values()].filter((r) => r.partenaire === partenaire);
    const statut = present(params.statut) ? params.statut.trim() : undefined;
    let found: SandboxReturn[];
    if (present(params.rID)) {
      const ret = state.returns.get(params.rID.trim());
      if (!ret || ret.partenaire !== partenaire) return { code: -6 };
      found = [ret];
    } else if (present(params.oID)) {
      const order = state.orders.get(params.oID.trim());
      if (!order || order.partenaire !== partenaire) return { code: -6 };
      found = mine.filter((r) => r.order === order.orders_id);
    } else if (present(params.date) && /^\d+$/.test(params.date.trim())) {
      // Unlike orders, returns take a Unix timestamp.
      const from = Number(params.date.trim()) * 1000;
      found = mine.filter((r) => (parseSpartooDate(r.return_date)?.getTime() ?? 0) >= from);
    } else {
      return { code: -3 };
    }
    if (statut !== undefined && !present(params.rID)) {
      found = found.filter((r) => String(r.return_status) === statut);
    }
    return { code: 1, content: { returns: found.length ? { return: found.map(returnNode) } : '' } };
  },
};

/** Longest `label_link` the sandbox takes (-24 beyond) [assumed: a 255-character column]. */
export const LABEL_LINK_MAX_LENGTH = 255;
/** Largest `label_file` the sandbox takes (-25 beyond) [assumed]. */
export const LABEL_FILE_MAX_BYTES = 5 * 1024 * 1024;

/** PDF, PNG or JPEG, told by the file's first bytes rather than by its name. */
export function labelFileKind(bytes: Uint8Array): 'pdf' | 'png' | 'jpeg' | undefined {
  const head = Buffer.from(bytes.subarray(0, 8));
  if (head.subarray(0, 5).toString('latin1') === '%PDF-') return 'pdf';
  if (head.equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'jpeg';
  return undefined;
}

type LabelCheck =
  | { code: 1; label?: { link: string } | { file: NonNullable<SandboxReturn['label_file']> } }
  | { code: number; description: string };

/**
 * A return label as xml_maj_returns.php gets it: `label_link` (a URL) or `label_file` (an upload).
 * -22…-25 are Spartoo's "label upload problems"; which is which is the project's assumption, but for
 * -24, "link too long" (spartoo-webservices.md).
 */
function checkLabel(params: Record<string, string>, files: Record<string, UploadedFile>): LabelCheck {
  if (present(params.label_link)) {
    const link = params.label_link.trim();
    if (link.length > LABEL_LINK_MAX_LENGTH) {
      return {
        code: -24,
        description: `label_link too long: ${link.length} characters, ${LABEL_LINK_MAX_LENGTH} at most`,
      };
    }
    if (!/^https?:\/\/[^\s]+$/i.test(link)) {
      return { code: -23, description: 'label_link is not an http(s) URL' };
    }
    return { code: 1, label: { link } };
  }
  const upload = files.label_file;
  if (upload === undefined) {
    // A label_file field sent as text (not a file upload) carries no label.
    return present(params.label_file)
      ? { code: -22, description: 'label_file is not an uploaded file' }
      : { code: 1 };
  }
  if (upload.bytes.length === 0) return { code: -22, description: 'label_file is empty' };
  if (upload.bytes.length > LABEL_FILE_MAX_BYTES) {
    return {
      code: -25,
      description: `label_file too large: ${upload.bytes.length} bytes, ${LABEL_FILE_MAX_BYTES} at most`,
    };
  }
  if (!labelFileKind(upload.bytes)) {
    return { code: -23, description: 'label_file is not a PDF, PNG or JPEG file' };
  }
  return {
    code: 1,
    label: {
      file: {
        filename: upload.filename,
        content_type: upload.contentType,
        size: upload.bytes.length,
        sha256: createHash('sha256').update(upload.bytes).digest('hex'),
      },
    },
  };
}

const updateReturns: SpartooScript = {
  shape: 'statut',
  run(state, partenaire, params, files) {
    if (!present(params.rID)) return { code: -5 };
    const rID = params.rID.trim();
    const ret = state.returns.get(rID);
    if (!ret || ret.partenaire !== partenaire) return { code: -6 };
    const answer = (code: number, description?: string): ScriptResult => ({
      code,
      ...(description === undefined ? {} : { description }),
      content: { returns: { return: { rID, statut: ret.return_status, errors: itemError(code) } } },
    });
    // A refused label changes nothing, not even the status sent with it.
    const label = checkLabel(params, files);
    if (label.code !== 1) return answer(label.code, 'description' in label ? label.description : undefined);
    const given = 'label' in label ? label.label : undefined;
    let code = 1;
    if (present(params.statut)) {
      const next = /^\d+$/.test(params.statut.trim()) ? Number(params.statut.trim()) : Number.NaN;
      code = Number.isNaN(next) ? -7 : merchantReturnTransition(ret.return_status, next);
      if (code === 1) ret.return_status = next;
    } else if (given === undefined) {
      code = -5;
    }
    if (code === 1 && given !== undefined) {
      if ('link' in given) {
        ret.label_link = given.link;
        delete ret.label_file;
      } else {
        ret.label_file = given.file;
        ret.label_link = '';
      }
    }
    return answer(code);
  },
};

// ---------------------------------------------------------------------------------------------------
// Stock

/** The code for pushing `quantityText` to one size, and the push itself when it is accepted. */
function pushStock(
  state: SandboxState,
  partenaire: string,
  reference: string | undefined,
  sizeReference: string | undefined,
  quantityText: string | undefined,
): number {
  if (!present(reference)) return -12;
  if (!present(sizeReference)) return -13;
  // Spartoo holds whole, non-negative quantities; "2.5" or "-1" cannot be set.
  const quantityRaw = quantityText?.trim() ?? '';
  if (!/^\d+$/.test(quantityRaw)) return -16;
  const quantity = Number(quantityRaw);
  const sizes = state.stockOf(partenaire);
  const key = JSON.stringify([reference.trim(), sizeReference.trim()]);
  const current = sizes.get(key);
  if (current && current.quantity === quantity) return -18;
  sizes.set(key, { reference_partenaire: reference.trim(), size_reference: sizeReference.trim(), quantity });
  return 1;
}

const updateStock: SpartooScript = {
  shape: 'errors',
  run(state, partenaire, params) {
    return {
      code: pushStock(
        state,
        partenaire,
        params.reference_partenaire,
        params.products_size_reference,
        params.products_quantity,
      ),
    };
  },
};

const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const asNode = (value: unknown): XmlNode =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as XmlNode) : {};
const asText = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

const updateStockBatch: SpartooScript = {
  shape: 'errors',
  run(state, partenaire, params) {
    if (!present(params.xml)) return { code: -11 };
    const xml = params.xml.trim();
    if (XMLValidator.validate(xml) !== true) return { code: -15 };
    let doc: XmlNode;
    try {
      doc = asNode(catalogueParser.parse(xml));
    } catch {
      return { code: -15 };
    }
    const catalogue = doc.catalogue;
    if (catalogue === undefined) return { code: -15 };
    // Spartoo's documented <catalogue><products><product>, and the PHP client debuss/spartoo's
    // <catalogue><product> without the wrapper: both are read, in the order given.
    const products = [
      ...asList(asNode(asNode(catalogue).products).product),
      ...asList(asNode(catalogue).product),
    ];
    // Nothing to set is no success: the sandbox did no work.
    if (products.length === 0) return { code: -11 };
    const results: XmlNode[] = [];
    for (const product of products) {
      const reference = asText(asNode(product).reference_partenaire);
      const sizes = asList(asNode(asNode(product).size_list).size);
      if (!present(reference) || sizes.length === 0) {
        const code = present(reference) ? -13 : -12;
        results.push({ reference_partenaire: cdata(reference ?? ''), size_reference: '', errors: code });
        continue;
      }
      for (const size of sizes) {
        const sizeReference = asText(asNode(size).size_reference);
        // A size without <size_quantity> (the PHP client drops a quantity of 0) is not set to 0 nor
        // skipped in silence: it is -16, "stock cannot be set to that quantity", like an empty
        // products_quantity in xml_maj_stock.php.
        const code = pushStock(
          state,
          partenaire,
          reference,
          sizeReference,
          asText(asNode(size).size_quantity),
        );
        results.push({
          reference_partenaire: cdata(reference),
          size_reference: cdata(sizeReference ?? ''),
          errors: code,
        });
      }
    }
    return { code: 1, content: { products: results.length ? { product: results } : '' } };
  },
};

// ---------------------------------------------------------------------------------------------------
// Delivery slips

/** Order statuses a delivery slip can be printed in: accepted (2), shipped (3) and after. */
const SLIP_STATUSES = new Set([2, 3, 45, 47]);

interface SlipLine {
  line: Fields;
  quantity: number;
}

/**
 * xml_export_bl.php: the slip of one parcel of an order, as a PDF in `<pdf>` (base64) [request shape
 * from the PHP client debuss/spartoo, `<root><order_id/><products><product><reference_partenaire/>
 * <product_quantity/></product>…</products></root>`; answer and codes assumed]. A product is an order
 * line's `products_reference` (else its `products_size_reference`); the quantities of a reference
 * that several lines share fill them in order, never past what was ordered.
 */
const exportDeliverySlip: SpartooScript = {
  shape: 'statut',
  run(state, partenaire, params) {
    if (!present(params.xml)) return { code: -11 };
    const xml = params.xml.trim();
    if (XMLValidator.validate(xml) !== true) return { code: -15 };
    let root: XmlNode;
    try {
      const doc = asNode(slipRequestParser.parse(xml));
      if (doc.root === undefined) return { code: -15, description: 'the xml has no <root> element' };
      root = asNode(doc.root);
    } catch {
      return { code: -15 };
    }
    const orderId = asText(root.order_id);
    if (!present(orderId)) return { code: -3, description: 'order_id missing' };
    const order = state.orders.get(orderId.trim());
    if (!order || order.partenaire !== partenaire) return { code: -6 };
    if (!SLIP_STATUSES.has(order.orders_status_id)) {
      return {
        code: -7,
        description:
          order.orders_status_id === 11
            ? `order ${order.orders_id} is not accepted yet (status 11): no delivery slip before status 2`
            : `order ${order.orders_id} is in status ${order.orders_status_id}: no delivery slip`,
      };
    }
    const asked = asList(asNode(root.products).product);
    if (asked.length === 0) return { code: -12, description: 'no product in the parcel' };
    const left = order.products.map((line) => Number(line.products_qty ?? 0));
    const parcel: SlipLine[] = [];
    for (const product of asked) {
      const reference = asText(asNode(product).reference_partenaire)?.trim();
      if (!present(reference)) return { code: -12 };
      const quantityText = asText(asNode(product).product_quantity)?.trim() ?? '';
      if (!/^\d+$/.test(quantityText) || Number(quantityText) < 1) {
        return { code: -16, description: `product_quantity of ${reference} must be a whole number from 1` };
      }
      let wanted = Number(quantityText);
      const matching = order.products
        .map((line, index) => ({ line, index }))
        .filter(({ line }) => line.products_reference === reference)
        .concat(
          order.products
            .map((line, index) => ({ line, index }))
            .filter(
              ({ line }) =>
                line.products_reference !== reference && line.products_size_reference === reference,
            ),
        );
      if (matching.length === 0) {
        return { code: -14, description: `product ${reference} is not in order ${order.orders_id}` };
      }
      const available = matching.reduce((sum, { index }) => sum + left[index]!, 0);
      if (wanted > available) {
        return {
          code: -16,
          description: `product ${reference}: ${wanted} asked, ${available} ordered and not yet in this parcel`,
        };
      }
      for (const { line, index } of matching) {
        const taken = Math.min(wanted, left[index]!);
        if (taken === 0) continue;
        left[index]! -= taken;
        wanted -= taken;
        const same = parcel.find((p) => p.line === line);
        if (same) same.quantity += taken;
        else parcel.push({ line, quantity: taken });
      }
    }
    const pdf = renderPdf(`Bordereau de livraison ${order.orders_id}`, slipLines(order, parcel));
    return { code: 1, content: { pdf: pdf.toString('base64') } };
  },
};

/** What the slip says: the order, where it goes, and the parcel's products. */
function slipLines(order: SandboxOrder, parcel: readonly SlipLine[]): PdfLine[] {
  const d = order.delivery;
  const relay = order.relay_info;
  const join = (...parts: (string | undefined)[]) => parts.filter((p) => present(p)).join(' ');
  const units = parcel.reduce((sum, p) => sum + p.quantity, 0);
  return [
    { text: 'Bordereau de livraison / Delivery slip', bold: true, size: 16 },
    { text: '' },
    { text: `Commande / Order: ${order.orders_id}`, bold: true, size: 12 },
    { text: `Date: ${order.date_purchased}` },
    { text: `Transporteur / Carrier: ${order.shipping_name}` },
    { text: '' },
    { text: 'Livrer à / Ship to', bold: true },
    { text: join(d.delivery_firstname, d.delivery_lastname) },
    ...(present(d.delivery_company) ? [{ text: d.delivery_company }] : []),
    { text: d.delivery_street_address ?? '' },
    ...(present(d.delivery_suburb) ? [{ text: d.delivery_suburb }] : []),
    { text: join(d.delivery_postcode, d.delivery_city) },
    { text: join(d.delivery_state, d.delivery_country) },
    ...(relay
      ? [{ text: `Point relais / Relay point: ${join(relay.relay_name, `(${relay.relay_id ?? ''})`)}` }]
      : []),
    { text: '' },
    { text: 'Qté / Qty   Référence   Taille / Size   Article / Product', bold: true },
    ...parcel.map(({ line, quantity }) => ({
      text: `${quantity} x   ${line.products_reference ?? ''}   ${join(line.products_size_reference, line.products_size ? `(${line.products_size})` : '')}   ${line.products_name ?? ''}`,
    })),
    { text: '' },
    { text: `Colis / Parcel: ${units} article${units > 1 ? 's' : ''}`, bold: true },
  ];
}

export const SCRIPTS: Readonly<Record<string, SpartooScript>> = {
  'xml_export_orders.php': exportOrders,
  'xml_maj_orders.php': updateOrders,
  'xml_export_returns.php': exportReturns,
  'xml_maj_returns.php': updateReturns,
  'xml_maj_stock.php': updateStock,
  'xml_maj_stock_batch.php': updateStockBatch,
  'xml_export_bl.php': exportDeliverySlip,
};

/** Runs a script for a merchant code, after the checks every script makes (-1 missing, -2 unknown). */
export function runScript(
  state: SandboxState,
  script: SpartooScript,
  params: Record<string, string>,
  files: Record<string, UploadedFile> = {},
): ScriptResult {
  const partenaire = params.partenaire?.trim() ?? '';
  if (partenaire === '') return { code: -1 };
  if (!state.merchants.has(partenaire)) return { code: -2 };
  return script.run(state, partenaire, params, files);
}
