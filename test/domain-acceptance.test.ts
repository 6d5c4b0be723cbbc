import { describe, expect, it } from 'vitest';
import {
  type AcceptanceReason,
  type AcceptanceSettings,
  decideAcceptance,
  describeReason,
  lineKey,
  linePriceCents,
  minimumLinePriceCents,
  orderLineKeys,
  priceMeetsThreshold,
  productKey,
  thresholdTenThousandths,
} from '../domain/acceptance';
import type { StoreProduct } from '../domain/types';
import type { SpartooOrderLine } from '../spartoo/types';

function line(overrides: Partial<SpartooOrderLine> = {}): SpartooOrderLine {
  return {
    productsReference: 'REF',
    productsName: 'Sneaker',
    productsQty: 1,
    productsSpartoo: '123456',
    productsManufacturers: 'Brand',
    productsSize: '42',
    productsSizeReference: 'P1',
    productsColor: 'Black',
    priceUnitCents: 10000,
    priceUnitWithReduceCents: 10000,
    finalPriceCents: 10000,
    ...overrides,
  };
}

function product(overrides: Partial<StoreProduct> = {}): StoreProduct {
  return {
    id: 'P1',
    stock: 10,
    priceFinalInclTaxCents: 10000,
    priceOriginalInclTaxCents: 12000,
    ...overrides,
  };
}

const auto: AcceptanceSettings = {
  autoAccept: true,
  autoAcceptPriceAttribute: 'PRICE_FINAL_INCL_TAX',
  autoAcceptThreshold: 0.97,
  productIdentificationAttribute: 'id',
};

function decide(
  lines: SpartooOrderLine[],
  products: StoreProduct[],
  settings: Partial<AcceptanceSettings> = {},
) {
  return decideAcceptance({ order: { products: lines }, products, settings: { ...auto, ...settings } });
}

/** Decision for one line of price `linePrice` against one product of final price `storePrice`. */
function priceCase(linePrice: number, storePrice: number, threshold: number) {
  return decide(
    [line({ priceUnitWithReduceCents: linePrice })],
    [product({ priceFinalInclTaxCents: storePrice })],
    { autoAcceptThreshold: threshold },
  );
}

describe('productKey', () => {
  const p = product({
    id: ' P1 ',
    sku: '  SKU-1\t',
    ean: '3600000000001',
    attributes: { supplierRef: ' SUP-9 ', blank: '   ' },
  });

  it('reads id, sku and ean, trimmed', () => {
    expect(productKey(p, 'id')).toBe('P1');
    expect(productKey(p, 'sku')).toBe('SKU-1');
    expect(productKey(p, 'ean')).toBe('3600000000001');
  });

  it('reads attributes.<name>, trimmed', () => {
    expect(productKey(p, 'attributes.supplierRef')).toBe('SUP-9');
  });

  it('is undefined for absent, null or blank values', () => {
    expect(productKey(product({ sku: null }), 'sku')).toBeUndefined();
    expect(productKey(product({ ean: undefined }), 'ean')).toBeUndefined();
    expect(productKey(product({ sku: '   ' }), 'sku')).toBeUndefined();
    expect(productKey(p, 'attributes.blank')).toBeUndefined();
    expect(productKey(p, 'attributes.missing')).toBeUndefined();
    expect(productKey(product({ attributes: undefined }), 'attributes.supplierRef')).toBeUndefined();
  });

  it('does not see inherited properties through attributes.<name>', () => {
    expect(productKey(product({ attributes: {} }), 'attributes.constructor')).toBeUndefined();
    expect(productKey(product({ attributes: {} }), 'attributes.toString')).toBeUndefined();
  });

  it('is undefined for an attribute outside id / sku / ean / attributes.<name>', () => {
    expect(productKey(product({ reference: 'R' }), 'reference')).toBeUndefined();
    expect(productKey(product(), 'name')).toBeUndefined();
  });

  it('reads a Shopify metafield from the attributes its adapter fills, under the whole attribute name', () => {
    const variant = product({ attributes: { 'metafield.spartoo.ref': ' REF-9 ' } });
    expect(productKey(variant, 'metafield.spartoo.ref')).toBe('REF-9');
    expect(productKey(variant, 'metafield.spartoo.other')).toBeUndefined();
    expect(productKey(product({ attributes: {} }), 'metafield.constructor.x')).toBeUndefined();
  });

  it('accepts a number stored in free-form attributes', () => {
    const withNumber = product({ attributes: { ean: 3600000000001 as unknown as string } });
    expect(productKey(withNumber, 'attributes.ean')).toBe('3600000000001');
  });
});

describe('lineKey', () => {
  it('is the size reference, trimmed', () => {
    expect(lineKey(line({ productsSizeReference: '  R1-42 ', productsReference: 'R1' }))).toBe('R1-42');
  });

  it('falls back to products_reference when the size reference is empty or blank', () => {
    expect(lineKey(line({ productsSizeReference: '', productsReference: ' R1 ' }))).toBe('R1');
    expect(lineKey(line({ productsSizeReference: '   ', productsReference: 'R1' }))).toBe('R1');
  });

  it('is empty when both are empty', () => {
    expect(lineKey(line({ productsSizeReference: '', productsReference: ' ' }))).toBe('');
  });

  it('orderLineKeys lists distinct non-empty keys in line order', () => {
    const lines = [
      line({ productsSizeReference: 'B' }),
      line({ productsSizeReference: ' A ' }),
      line({ productsSizeReference: 'B ' }),
      line({ productsSizeReference: '', productsReference: '' }),
    ];
    expect(orderLineKeys({ products: lines })).toEqual(['B', 'A']);
  });
});

describe('linePriceCents', () => {
  it('is the reduced unit price when present, including 0', () => {
    expect(linePriceCents(line({ priceUnitCents: 5000, priceUnitWithReduceCents: 4000 }))).toBe(4000);
    expect(linePriceCents(line({ priceUnitCents: 5000, priceUnitWithReduceCents: 0 }))).toBe(0);
  });

  it('is the unit price when the reduced price is absent', () => {
    expect(linePriceCents(line({ priceUnitCents: 5000, priceUnitWithReduceCents: undefined }))).toBe(5000);
  });
});

describe('threshold arithmetic', () => {
  it('rounds t4 instead of truncating float artefacts', () => {
    expect(0.57 * 10000).toBe(5699.999999999999); // the traps the rule avoids
    expect(0.07 * 10000).toBe(700.0000000000001);
    expect(thresholdTenThousandths(0.57)).toBe(5700);
    expect(thresholdTenThousandths(0.07)).toBe(700);
    expect(thresholdTenThousandths(0.97)).toBe(9700);
    expect(thresholdTenThousandths(1)).toBe(10000);
    expect(thresholdTenThousandths(0.9999)).toBe(9999);
    expect(thresholdTenThousandths(0.0001)).toBe(1);
    expect(thresholdTenThousandths(10)).toBe(100000);
    expect(thresholdTenThousandths(0.5555)).toBe(5555);
  });

  it('throws on thresholds the settings schema rejects', () => {
    expect(() => thresholdTenThousandths(0)).toThrow(RangeError);
    expect(() => thresholdTenThousandths(-1)).toThrow(RangeError);
    expect(() => thresholdTenThousandths(10.0001)).toThrow(RangeError);
    expect(() => thresholdTenThousandths(Number.NaN)).toThrow(RangeError);
  });

  it('compares exactly, beyond 2^53', () => {
    // 900 billion × 0.97: the products exceed Number.MAX_SAFE_INTEGER and floats round them together.
    const store = 90_000_000_000_533;
    const under = 87_300_000_000_517; // × 10000 = 873000000005170000 < 873000000005170100
    expect(under * 10000 >= store * 9700).toBe(true); // the float comparison gets it wrong
    expect(priceMeetsThreshold(under, store, 9700)).toBe(false);
    expect(priceMeetsThreshold(under + 1, store, 9700)).toBe(true);
    expect(minimumLinePriceCents(store, 9700)).toBe(under + 1);
  });

  it('minimumLinePriceCents is the ceiling', () => {
    expect(minimumLinePriceCents(10000, 9700)).toBe(9700);
    expect(minimumLinePriceCents(10001, 9700)).toBe(9701); // 9700.97 → 9701
    expect(minimumLinePriceCents(3, 1)).toBe(1); // 0.0003 → 1
    expect(minimumLinePriceCents(0, 9700)).toBe(0);
  });
});

describe('decideAcceptance: price rule', () => {
  it('accepts a line exactly at the threshold and refuses one cent under (0.97)', () => {
    expect(priceCase(9700, 10000, 0.97)).toEqual({ auto: true, accepted: true, reasons: [] });
    expect(priceCase(9699, 10000, 0.97)).toEqual({
      auto: false,
      accepted: false,
      reasons: [
        {
          line: 1,
          code: 'PRICE_BELOW_THRESHOLD',
          key: 'P1',
          productId: 'P1',
          linePriceCents: 9699,
          storePriceCents: 10000,
          threshold: 0.97,
          minimumPriceCents: 9700,
          priceAttribute: 'PRICE_FINAL_INCL_TAX',
        },
      ],
    });
  });

  it('0.97 of 49.90 is 48.403: 48.41 passes, 48.40 fails', () => {
    expect(priceCase(4841, 4990, 0.97).accepted).toBe(true);
    const refused = priceCase(4840, 4990, 0.97);
    expect(refused.accepted).toBe(false);
    expect(refused.reasons[0]).toMatchObject({ code: 'PRICE_BELOW_THRESHOLD', minimumPriceCents: 4841 });
  });

  it('threshold 1: the store price itself passes, one cent less fails', () => {
    expect(priceCase(4990, 4990, 1).accepted).toBe(true);
    expect(priceCase(4989, 4990, 1).accepted).toBe(false);
  });

  it('threshold 0.9999', () => {
    // 100.00 × 0.9999 = 99.99 exactly
    expect(priceCase(9999, 10000, 0.9999).accepted).toBe(true);
    expect(priceCase(9998, 10000, 0.9999).accepted).toBe(false);
    // 49.90 × 0.9999 = 49.895001 → 49.90 needed
    expect(priceCase(4990, 4990, 0.9999).accepted).toBe(true);
    expect(priceCase(4989, 4990, 0.9999).reasons[0]).toMatchObject({ minimumPriceCents: 4990 });
  });

  it('threshold 10: ten times the store price', () => {
    expect(priceCase(49900, 4990, 10).accepted).toBe(true);
    expect(priceCase(49899, 4990, 10).accepted).toBe(false);
  });

  it('threshold 0.0001: almost any price passes, but not 0 against a store price', () => {
    expect(priceCase(1, 10000, 0.0001).accepted).toBe(true); // 1 × 10000 ≥ 10000 × 1
    expect(priceCase(0, 10000, 0.0001).accepted).toBe(false);
    expect(priceCase(1, 10001, 0.0001).accepted).toBe(false); // needs 1.0001 cents → 2
    expect(priceCase(1, 10001, 0.0001).reasons[0]).toMatchObject({ minimumPriceCents: 2 });
  });

  it('uses the rounded t4 for float-unfriendly thresholds', () => {
    // 0.57 × 10000 = 5699.999999999999: truncating would accept 56.99 against 100.00
    expect(priceCase(5700, 10000, 0.57).accepted).toBe(true);
    expect(priceCase(5699, 10000, 0.57).accepted).toBe(false);
    // 0.07 × 10000 = 700.0000000000001: a float comparison would refuse exactly 7.00 against 100.00
    expect(priceCase(700, 10000, 0.07).accepted).toBe(true);
    expect(priceCase(699, 10000, 0.07).accepted).toBe(false);
    expect(priceCase(699, 10000, 0.07).reasons[0]).toMatchObject({ minimumPriceCents: 700 });
  });

  it('stays exact with big prices', () => {
    const store = 90_000_000_000_533;
    expect(priceCase(87_300_000_000_518, store, 0.97)).toEqual({ auto: true, accepted: true, reasons: [] });
    expect(priceCase(87_300_000_000_517, store, 0.97).reasons).toMatchObject([
      { code: 'PRICE_BELOW_THRESHOLD', minimumPriceCents: 87_300_000_000_518 },
    ]);
    // Threshold 10 and a store price near 2^53 / 10: the line price needed is itself near 2^53.
    expect(priceCase(9_007_199_254_740_990, 900_719_925_474_099, 10).accepted).toBe(true);
    expect(priceCase(9_007_199_254_740_989, 900_719_925_474_099, 10).accepted).toBe(false);
  });

  it('takes the unit price when the reduced price is absent', () => {
    const d = decide([line({ priceUnitCents: 9700, priceUnitWithReduceCents: undefined })], [product()]);
    expect(d.accepted).toBe(true);
    const under = decide([line({ priceUnitCents: 9699, priceUnitWithReduceCents: undefined })], [product()]);
    expect(under.reasons[0]).toMatchObject({ code: 'PRICE_BELOW_THRESHOLD', linePriceCents: 9699 });
  });

  it('compares the reduced price, not the unit price, when both are present', () => {
    const d = decide([line({ priceUnitCents: 20000, priceUnitWithReduceCents: 9000 })], [product()]);
    expect(d.reasons).toMatchObject([{ code: 'PRICE_BELOW_THRESHOLD', linePriceCents: 9000 }]);
  });

  it('compares with the original price when the setting says so', () => {
    const p = product({ priceFinalInclTaxCents: 10000, priceOriginalInclTaxCents: 12000 });
    const l = line({ priceUnitWithReduceCents: 10000 });
    expect(decide([l], [p]).accepted).toBe(true);
    const d = decide([l], [p], { autoAcceptPriceAttribute: 'PRICE_ORIGINAL_INCL_TAX' });
    expect(d.reasons).toEqual([
      expect.objectContaining({
        code: 'PRICE_BELOW_THRESHOLD',
        storePriceCents: 12000,
        minimumPriceCents: 11640,
        priceAttribute: 'PRICE_ORIGINAL_INCL_TAX',
      }),
    ]);
  });

  it('store price 0 accepts any line price, including 0', () => {
    expect(priceCase(0, 0, 0.97).accepted).toBe(true);
  });

  it('fails a line whose price is no integer of cents instead of accepting it', () => {
    expect(priceCase(Number.NaN, 10000, 0.97).reasons).toMatchObject([{ code: 'PRICE_BELOW_THRESHOLD' }]);
    expect(priceCase(9700.5, 10000, 0.97).reasons).toMatchObject([{ code: 'PRICE_BELOW_THRESHOLD' }]);
    expect(priceCase(-1, 0, 0.97).reasons).toMatchObject([{ code: 'PRICE_BELOW_THRESHOLD' }]);
  });
});

describe('decideAcceptance: reference price', () => {
  it.each([
    ['PRICE_FINAL_INCL_TAX', { priceFinalInclTaxCents: undefined }],
    ['PRICE_FINAL_INCL_TAX', { priceFinalInclTaxCents: null }],
    ['PRICE_ORIGINAL_INCL_TAX', { priceOriginalInclTaxCents: undefined }],
    ['PRICE_ORIGINAL_INCL_TAX', { priceOriginalInclTaxCents: null }],
  ] as const)('%s missing → NO_REFERENCE_PRICE (%o)', (attribute, missing) => {
    const d = decide([line()], [product(missing)], { autoAcceptPriceAttribute: attribute });
    expect(d).toEqual({
      auto: false,
      accepted: false,
      reasons: [
        { line: 1, code: 'NO_REFERENCE_PRICE', key: 'P1', productId: 'P1', priceAttribute: attribute },
      ],
    });
  });

  it('only the compared attribute matters', () => {
    const p = product({ priceFinalInclTaxCents: 10000, priceOriginalInclTaxCents: null });
    expect(decide([line()], [p]).accepted).toBe(true);
  });

  it('treats a store price that is no non-negative integer of cents as missing', () => {
    for (const bad of [Number.NaN, 99.5, -100]) {
      const d = decide([line()], [product({ priceFinalInclTaxCents: bad })]);
      expect(d.reasons).toMatchObject([{ code: 'NO_REFERENCE_PRICE' }]);
    }
  });
});

describe('decideAcceptance: products', () => {
  it('UNKNOWN_PRODUCT is the only reason of its line', () => {
    const d = decide([line({ productsSizeReference: 'NOPE', priceUnitWithReduceCents: 1 })], [product()]);
    expect(d).toEqual({
      auto: false,
      accepted: false,
      reasons: [{ line: 1, code: 'UNKNOWN_PRODUCT', key: 'NOPE', attribute: 'id' }],
    });
  });

  it('a line without any reference is unknown with an empty key', () => {
    const d = decide([line({ productsSizeReference: '', productsReference: '' })], [product({ id: '' })]);
    expect(d.reasons).toEqual([{ line: 1, code: 'UNKNOWN_PRODUCT', key: '', attribute: 'id' }]);
  });

  it('matches products_reference when the size reference is empty', () => {
    const d = decide(
      [line({ productsSizeReference: '', productsReference: 'PARENT' })],
      [product({ id: 'PARENT' })],
    );
    expect(d.accepted).toBe(true);
  });

  it('does not fall back to products_reference when the size reference is set but unknown', () => {
    const d = decide(
      [line({ productsSizeReference: 'CHILD', productsReference: 'PARENT' })],
      [product({ id: 'PARENT' })],
    );
    expect(d.reasons).toMatchObject([{ code: 'UNKNOWN_PRODUCT', key: 'CHILD' }]);
  });

  it.each([
    ['id', { id: 'K-1' }, { id: ' K-1\t' }],
    ['sku', { id: 'X', sku: 'K-1' }, { id: 'X', sku: '  K-1 ' }],
    ['ean', { id: 'X', ean: 'K-1' }, { id: 'X', ean: '\tK-1' }],
    [
      'attributes.supplierRef',
      { id: 'X', attributes: { supplierRef: 'K-1' } },
      { id: 'X', attributes: { supplierRef: ' K-1 ' } },
    ],
  ] as const)('identifies by %s, trimmed on both sides', (attribute, fields, padded) => {
    const l = line({ productsSizeReference: ' K-1 ' });
    for (const p of [product(fields), product(padded)]) {
      expect(decide([l], [p], { productIdentificationAttribute: attribute })).toEqual({
        auto: true,
        accepted: true,
        reasons: [],
      });
    }
    // The same product is unknown when another attribute is the identification attribute.
    const other = attribute === 'ean' ? 'sku' : 'ean';
    expect(decide([l], [product(fields)], { productIdentificationAttribute: other }).reasons).toEqual([
      { line: 1, code: 'UNKNOWN_PRODUCT', key: 'K-1', attribute: other },
    ]);
  });

  it('identification is case-sensitive string equality', () => {
    const d = decide([line({ productsSizeReference: 'p1' })], [product({ id: 'P1' })]);
    expect(d.reasons).toMatchObject([{ code: 'UNKNOWN_PRODUCT' }]);
  });

  it('when two products share a key, the smallest id wins, whatever the input order', () => {
    const a = product({ id: 'A', sku: 'SHARED', stock: 0 });
    const b = product({ id: 'B', sku: 'SHARED', stock: 100 });
    const l = line({ productsSizeReference: 'SHARED' });
    for (const products of [
      [a, b],
      [b, a],
    ]) {
      const d = decide([l], products, { productIdentificationAttribute: 'sku' });
      expect(d.reasons).toMatchObject([{ code: 'OUT_OF_STOCK', productId: 'A' }]);
    }
  });

  it('ignores candidate products that match no line', () => {
    const d = decide([line()], [product({ id: 'OTHER', stock: 0 }), product()]);
    expect(d.accepted).toBe(true);
  });
});

describe('decideAcceptance: stock', () => {
  it('stock equal to the quantity passes; one less fails', () => {
    expect(decide([line({ productsQty: 3 })], [product({ stock: 3 })]).accepted).toBe(true);
    expect(decide([line({ productsQty: 3 })], [product({ stock: 2 })]).reasons).toEqual([
      { line: 1, code: 'OUT_OF_STOCK', key: 'P1', productId: 'P1', stock: 2, quantityOrdered: 3, lines: [1] },
    ]);
  });

  it('sums the quantity over lines of the same product and flags each of them (stock 3, lines 2 + 2)', () => {
    const d = decide(
      [
        line({ productsQty: 2 }),
        line({ productsSizeReference: 'P2' }),
        line({ productsQty: 2, productsSizeReference: ' P1 ' }),
      ],
      [product({ stock: 3 }), product({ id: 'P2' })],
    );
    expect(d.accepted).toBe(false);
    expect(d.reasons).toEqual([
      {
        line: 1,
        code: 'OUT_OF_STOCK',
        key: 'P1',
        productId: 'P1',
        stock: 3,
        quantityOrdered: 4,
        lines: [1, 3],
      },
      {
        line: 3,
        code: 'OUT_OF_STOCK',
        key: 'P1',
        productId: 'P1',
        stock: 3,
        quantityOrdered: 4,
        lines: [1, 3],
      },
    ]);
  });

  it('split quantities within stock pass (stock 4, lines 2 + 2)', () => {
    const d = decide([line({ productsQty: 2 }), line({ productsQty: 2 })], [product({ stock: 4 })]);
    expect(d.accepted).toBe(true);
  });

  it('sums per product, not per key: two keys resolving to different products are separate', () => {
    const d = decide(
      [line({ productsQty: 3 }), line({ productsSizeReference: 'P2', productsQty: 3 })],
      [product({ stock: 3 }), product({ id: 'P2', stock: 3 })],
    );
    expect(d.accepted).toBe(true);
  });

  it('stock 0 and negative stock fail', () => {
    expect(decide([line()], [product({ stock: 0 })]).reasons).toMatchObject([
      { code: 'OUT_OF_STOCK', stock: 0 },
    ]);
    expect(decide([line()], [product({ stock: -2 })]).reasons).toMatchObject([{ code: 'OUT_OF_STOCK' }]);
  });

  it('NaN stock fails rather than passes', () => {
    expect(decide([line()], [product({ stock: Number.NaN })]).reasons).toMatchObject([
      { code: 'OUT_OF_STOCK' },
    ]);
  });
});

describe('decideAcceptance: several failures', () => {
  it('reports every failed check of a line: stock then price', () => {
    const d = decide([line({ productsQty: 5, priceUnitWithReduceCents: 100 })], [product({ stock: 1 })]);
    expect(d.reasons.map((r) => r.code)).toEqual(['OUT_OF_STOCK', 'PRICE_BELOW_THRESHOLD']);
    expect(d.reasons.every((r) => r.line === 1)).toBe(true);
  });

  it('reports OUT_OF_STOCK together with NO_REFERENCE_PRICE', () => {
    const d = decide([line({ productsQty: 5 })], [product({ stock: 1, priceFinalInclTaxCents: null })]);
    expect(d.reasons.map((r) => r.code)).toEqual(['OUT_OF_STOCK', 'NO_REFERENCE_PRICE']);
  });

  it('reports every failed line in line order; passing lines give nothing', () => {
    const d = decide(
      [
        line({ productsSizeReference: 'X' }),
        line(),
        line({ productsSizeReference: 'P2', priceUnitWithReduceCents: 1 }),
        line({ productsSizeReference: 'P3' }),
      ],
      [product(), product({ id: 'P2' }), product({ id: 'P3', priceFinalInclTaxCents: null })],
    );
    expect(d.reasons.map((r) => [r.line, r.code])).toEqual([
      [1, 'UNKNOWN_PRODUCT'],
      [3, 'PRICE_BELOW_THRESHOLD'],
      [4, 'NO_REFERENCE_PRICE'],
    ]);
    expect(d.auto).toBe(false);
  });

  it('accepts an order whose every line passes', () => {
    const d = decide(
      [line({ productsQty: 2 }), line({ productsSizeReference: 'P2', priceUnitWithReduceCents: 4900 })],
      [product(), product({ id: 'P2', priceFinalInclTaxCents: 4990 })],
    );
    expect(d).toEqual({ auto: true, accepted: true, reasons: [] });
  });
});

describe('decideAcceptance: manual acceptance', () => {
  it('autoAccept false → manual, whatever the lines', () => {
    const expected = {
      auto: false,
      accepted: false,
      reasons: [{ line: 0, code: 'MANUAL_ACCEPTANCE', cause: 'AUTO_ACCEPT_DISABLED' }],
    };
    expect(decide([line()], [product()], { autoAccept: false })).toEqual(expected);
    expect(decide([line({ productsSizeReference: 'X' })], [], { autoAccept: false })).toEqual(expected);
  });

  it('autoAccept false does not even need a valid threshold', () => {
    expect(decide([line()], [product()], { autoAccept: false, autoAcceptThreshold: 0 }).accepted).toBe(false);
  });

  it('an order without lines is never auto-accepted', () => {
    expect(decide([], [product()])).toEqual({
      auto: false,
      accepted: false,
      reasons: [{ line: 0, code: 'MANUAL_ACCEPTANCE', cause: 'NO_LINES' }],
    });
  });

  it('throws on an invalid threshold when the rule runs', () => {
    expect(() => decide([line()], [product()], { autoAcceptThreshold: 0 })).toThrow(RangeError);
  });
});

describe('describeReason', () => {
  const cases: [AcceptanceReason, string][] = [
    [
      { line: 0, code: 'MANUAL_ACCEPTANCE', cause: 'AUTO_ACCEPT_DISABLED' },
      'Automatic acceptance is off: accept or refuse the order manually.',
    ],
    [
      { line: 0, code: 'MANUAL_ACCEPTANCE', cause: 'NO_LINES' },
      'The order has no product line: accept or refuse it manually.',
    ],
    [
      { line: 2, code: 'UNKNOWN_PRODUCT', key: 'R1-42', attribute: 'sku' },
      'Line 2: no store product has sku "R1-42".',
    ],
    [
      { line: 1, code: 'UNKNOWN_PRODUCT', key: '', attribute: 'id' },
      'Line 1: no product reference (size reference and reference are both empty).',
    ],
    [
      {
        line: 3,
        code: 'OUT_OF_STOCK',
        key: 'P1',
        productId: 'P1',
        stock: 3,
        quantityOrdered: 4,
        lines: [1, 3],
      },
      'Line 3: product P1 has 3 in stock, 4 ordered (lines 1, 3).',
    ],
    [
      { line: 1, code: 'OUT_OF_STOCK', key: 'P1', productId: 'P1', stock: 0, quantityOrdered: 1, lines: [1] },
      'Line 1: product P1 has 0 in stock, 1 ordered.',
    ],
    [
      {
        line: 1,
        code: 'PRICE_BELOW_THRESHOLD',
        key: 'P1',
        productId: 'P1',
        linePriceCents: 4840,
        storePriceCents: 4990,
        threshold: 0.97,
        minimumPriceCents: 4841,
        priceAttribute: 'PRICE_FINAL_INCL_TAX',
      },
      'Line 1: price 48.40 is below 48.41 (0.97 × final price incl. tax 49.90).',
    ],
    [
      {
        line: 4,
        code: 'NO_REFERENCE_PRICE',
        key: 'P3',
        productId: 'P3',
        priceAttribute: 'PRICE_ORIGINAL_INCL_TAX',
      },
      'Line 4: product P3 has no original price incl. tax to compare with.',
    ],
  ];

  it.each(cases)('%o', (reason, sentence) => {
    expect(describeReason(reason)).toBe(sentence);
  });

  it('describes every reason decideAcceptance produces', () => {
    const d = decide(
      [line({ productsSizeReference: 'X' }), line({ productsQty: 9, priceUnitWithReduceCents: 1 })],
      [product({ stock: 1 })],
    );
    for (const reason of d.reasons) expect(describeReason(reason)).toMatch(/^Line \d+: .+\.$/);
  });
});
