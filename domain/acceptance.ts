import type { SpartooOrder, SpartooOrderLine } from '../spartoo/types';
import { formatCents } from './money';
import { productsByKey } from './product-keys';
import type { ConnectionSettings, PRICE_ATTRIBUTES } from './settings';
import type { StoreProduct } from './types';

/** Defined with the rule that picks among products sharing a key; exported here as it always was. */
export { productKey } from './product-keys';

/**
 * The acceptance rule of SPEC §3, exactly: integer cents, threshold in ten-thousandths, integer
 * comparison. Pure and deterministic (also runs inside Temporal workflow code).
 */

export type PriceAttribute = (typeof PRICE_ATTRIBUTES)[number];

export type AcceptanceSettings = Pick<
  ConnectionSettings,
  'autoAccept' | 'autoAcceptPriceAttribute' | 'autoAcceptThreshold' | 'productIdentificationAttribute'
>;

/** No store product has the line's key in the identification attribute. Only reason of its line. */
export interface UnknownProductReason {
  line: number;
  code: 'UNKNOWN_PRODUCT';
  /** The line's key ('' when the line has neither size reference nor reference). */
  key: string;
  /** The identification attribute searched (`id`, `sku`, `ean`, `attributes.<name>`). */
  attribute: string;
}

/** Stock below the quantity ordered over every line of the same product; reported on each of those lines. */
export interface OutOfStockReason {
  line: number;
  code: 'OUT_OF_STOCK';
  key: string;
  productId: string;
  stock: number;
  /** Sum of `products_qty` over all lines of this product. */
  quantityOrdered: number;
  /** The 1-based indexes of those lines. */
  lines: number[];
}

/** `linePriceCents × 10000 < storePriceCents × round(threshold × 10000)`. */
export interface PriceBelowThresholdReason {
  line: number;
  code: 'PRICE_BELOW_THRESHOLD';
  key: string;
  productId: string;
  linePriceCents: number;
  storePriceCents: number;
  threshold: number;
  /** Smallest line price that passes: ceil(storePriceCents × t4 / 10000). */
  minimumPriceCents: number;
  priceAttribute: PriceAttribute;
}

/** The product has no usable price in the attribute the rule compares with. */
export interface NoReferencePriceReason {
  line: number;
  code: 'NO_REFERENCE_PRICE';
  key: string;
  productId: string;
  priceAttribute: PriceAttribute;
}

/**
 * The order needs a person: automatic acceptance is off, or the order has no line to check.
 * Order-level, hence `line: 0`.
 */
export interface ManualAcceptanceReason {
  line: 0;
  code: 'MANUAL_ACCEPTANCE';
  cause: 'AUTO_ACCEPT_DISABLED' | 'NO_LINES';
}

export type AcceptanceReason =
  | UnknownProductReason
  | OutOfStockReason
  | PriceBelowThresholdReason
  | NoReferencePriceReason
  | ManualAcceptanceReason;

export type AcceptanceReasonCode = AcceptanceReason['code'];

/**
 * `auto`: the order was accepted by the rule, without a person; `accepted`: the rule accepts it.
 * This function only ever accepts automatically, so both are equal here; they differ later in the order
 * record when a person accepts (`auto: false, accepted: true`). `reasons` is empty iff accepted.
 */
export interface AcceptanceDecision {
  auto: boolean;
  accepted: boolean;
  reasons: AcceptanceReason[];
}

/** The line's key: `products_size_reference`, or `products_reference` when that is empty; trimmed. */
export function lineKey(line: SpartooOrderLine): string {
  const size = (line.productsSizeReference ?? '').trim();
  return size !== '' ? size : (line.productsReference ?? '').trim();
}

/** The distinct non-empty keys of an order, in line order: what the caller loads the products by. */
export function orderLineKeys(order: Pick<SpartooOrder, 'products'>): string[] {
  const keys = new Set<string>();
  for (const line of order.products) {
    const key = lineKey(line);
    if (key !== '') keys.add(key);
  }
  return [...keys];
}

/** The line price the rule compares: the unit price paid, or the unit price when Spartoo sent none. */
export function linePriceCents(line: SpartooOrderLine): number {
  return line.priceUnitWithReduceCents ?? line.priceUnitCents;
}

/**
 * t4 = round(threshold × 10000). Math.round absorbs float error (0.97 × 10000 = 9699.999999999998).
 * Throws RangeError outside (0, 10]: settings are validated by the schema, so that is a programming error.
 */
export function thresholdTenThousandths(threshold: number): number {
  const t4 = Math.round(threshold * 10000);
  if (!Number.isSafeInteger(t4) || t4 <= 0 || t4 > 100000) {
    throw new RangeError(`autoAcceptThreshold must be in (0, 10], got ${threshold}`);
  }
  return t4;
}

/**
 * Whether a line price passes: linePriceCents × 10000 ≥ storePriceCents × t4, in BigInt so the products
 * stay exact whatever the prices. Prices must be non-negative safe integers (callers check).
 */
export function priceMeetsThreshold(linePriceCents: number, storePriceCents: number, t4: number): boolean {
  return BigInt(linePriceCents) * 10000n >= BigInt(storePriceCents) * BigInt(t4);
}

/** Smallest line price that passes: ceil(storePriceCents × t4 / 10000), exact. */
export function minimumLinePriceCents(storePriceCents: number, t4: number): number {
  const product = BigInt(storePriceCents) * BigInt(t4);
  return Number((product + 9999n) / 10000n);
}

function isCents(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function referencePriceCents(product: StoreProduct, attribute: PriceAttribute): number | null | undefined {
  return attribute === 'PRICE_FINAL_INCL_TAX'
    ? product.priceFinalInclTaxCents
    : product.priceOriginalInclTaxCents;
}

/**
 * Decides SPEC §3 for one order.
 * - `products`: candidate store products (any superset of the matching ones). When several share a key,
 *   the one with the lowest `id` is the line's product (domain/product-keys.ts: the same product the
 *   import and the stock push take).
 * - A line reports every check that can be evaluated and fails, in the order stock, price: an unknown
 *   product gives only UNKNOWN_PRODUCT; a product without reference price gives NO_REFERENCE_PRICE (and
 *   OUT_OF_STOCK if that fails too). Reasons are sorted by line.
 * - Stock is compared with the quantity summed over all lines resolving to the same product (by id), and
 *   OUT_OF_STOCK is reported on each of those lines.
 * - A line price that is not a non-negative integer of cents fails the price check (never auto-accept on
 *   garbage); a store price that is not one is treated as missing (NO_REFERENCE_PRICE).
 * - autoAccept off → not accepted, one reason `{ line: 0, code: 'MANUAL_ACCEPTANCE', cause:
 *   'AUTO_ACCEPT_DISABLED' }`; an order without lines is never auto-accepted (cause 'NO_LINES').
 */
export function decideAcceptance(input: {
  order: Pick<SpartooOrder, 'products'>;
  products: readonly StoreProduct[];
  settings: AcceptanceSettings;
}): AcceptanceDecision {
  const { order, products, settings } = input;
  if (!settings.autoAccept) return manual('AUTO_ACCEPT_DISABLED');
  if (order.products.length === 0) return manual('NO_LINES');

  const attribute = settings.productIdentificationAttribute;
  const priceAttribute = settings.autoAcceptPriceAttribute;
  const t4 = thresholdTenThousandths(settings.autoAcceptThreshold);

  const byKey = productsByKey(products, attribute);

  const lines = order.products.map((line, index) => {
    const key = lineKey(line);
    return { line, index: index + 1, key, product: key === '' ? undefined : byKey.get(key) };
  });

  const ordered = new Map<string, { quantity: number; lines: number[] }>();
  for (const { line, index, product } of lines) {
    if (!product) continue;
    const entry = ordered.get(product.id) ?? { quantity: 0, lines: [] };
    entry.quantity += line.productsQty;
    entry.lines.push(index);
    ordered.set(product.id, entry);
  }

  const reasons: AcceptanceReason[] = [];
  for (const { line, index, key, product } of lines) {
    if (!product) {
      reasons.push({ line: index, code: 'UNKNOWN_PRODUCT', key, attribute });
      continue;
    }
    const total = ordered.get(product.id)!;
    // Written as a negation so NaN stock or quantities fail instead of passing.
    if (!(product.stock >= total.quantity)) {
      reasons.push({
        line: index,
        code: 'OUT_OF_STOCK',
        key,
        productId: product.id,
        stock: product.stock,
        quantityOrdered: total.quantity,
        lines: [...total.lines],
      });
    }
    const storePrice = referencePriceCents(product, priceAttribute);
    if (!isCents(storePrice)) {
      reasons.push({ line: index, code: 'NO_REFERENCE_PRICE', key, productId: product.id, priceAttribute });
      continue;
    }
    const linePrice = linePriceCents(line);
    if (!isCents(linePrice) || !priceMeetsThreshold(linePrice, storePrice, t4)) {
      reasons.push({
        line: index,
        code: 'PRICE_BELOW_THRESHOLD',
        key,
        productId: product.id,
        linePriceCents: linePrice,
        storePriceCents: storePrice,
        threshold: settings.autoAcceptThreshold,
        minimumPriceCents: minimumLinePriceCents(storePrice, t4),
        priceAttribute,
      });
    }
  }

  const accepted = reasons.length === 0;
  return { auto: accepted, accepted, reasons };
}

function manual(cause: ManualAcceptanceReason['cause']): AcceptanceDecision {
  return { auto: false, accepted: false, reasons: [{ line: 0, code: 'MANUAL_ACCEPTANCE', cause }] };
}

const PRICE_ATTRIBUTE_LABELS: Record<PriceAttribute, string> = {
  PRICE_FINAL_INCL_TAX: 'final price incl. tax',
  PRICE_ORIGINAL_INCL_TAX: 'original price incl. tax',
};

/** One short English sentence for the UI. Amounts in currency units with 2 decimals, no currency sign. */
export function describeReason(reason: AcceptanceReason): string {
  switch (reason.code) {
    case 'MANUAL_ACCEPTANCE':
      return reason.cause === 'NO_LINES'
        ? 'The order has no product line: accept or refuse it manually.'
        : 'Automatic acceptance is off: accept or refuse the order manually.';
    case 'UNKNOWN_PRODUCT':
      return reason.key === ''
        ? `Line ${reason.line}: no product reference (size reference and reference are both empty).`
        : `Line ${reason.line}: no store product has ${reason.attribute} "${reason.key}".`;
    case 'OUT_OF_STOCK': {
      const over = reason.lines.length > 1 ? ` (lines ${reason.lines.join(', ')})` : '';
      return `Line ${reason.line}: product ${reason.productId} has ${reason.stock} in stock, ${reason.quantityOrdered} ordered${over}.`;
    }
    case 'PRICE_BELOW_THRESHOLD':
      return (
        `Line ${reason.line}: price ${formatCents(reason.linePriceCents)} is below ` +
        `${formatCents(reason.minimumPriceCents)} (${reason.threshold} × ` +
        `${PRICE_ATTRIBUTE_LABELS[reason.priceAttribute]} ${formatCents(reason.storePriceCents)}).`
      );
    case 'NO_REFERENCE_PRICE':
      return `Line ${reason.line}: product ${reason.productId} has no ${PRICE_ATTRIBUTE_LABELS[reason.priceAttribute]} to compare with.`;
  }
}
