import { describe, expect, it } from 'vitest';
import { decideAcceptance } from '../domain/acceptance';
import {
  compareProductIds,
  duplicateKeyTracker,
  productsByKey,
  sortProductIds,
  winningProductId,
} from '../domain/product-keys';
import type { StoreProduct } from '../domain/types';

const product = (id: string, overrides: Partial<StoreProduct> = {}): StoreProduct => ({
  id,
  stock: 10,
  priceFinalInclTaxCents: 1000,
  ...overrides,
});

/** The lowest product id wins a shared key: by code point (UTF-8 bytes, SQL's COLLATE "C"), never by locale. */
describe('the product that a shared key names', () => {
  it('orders ids by code unit: digits by character, upper case before lower case', () => {
    // A locale would say a9 < a10 (numeric) or b1 < B1 (case-insensitive first); code units say neither.
    expect(sortProductIds(['a9', 'b1', 'a10', 'B1'])).toEqual(['B1', 'a10', 'a9', 'b1']);
    expect(compareProductIds('a10', 'a9')).toBeLessThan(0);
    expect(compareProductIds('B1', 'b1')).toBeLessThan(0);
    expect(compareProductIds('b1', 'B1')).toBeGreaterThan(0);
    expect(compareProductIds('a', 'a')).toBe(0);
    expect(compareProductIds('a', 'a0')).toBeLessThan(0);
    expect(winningProductId(['a9', 'b1', 'a10', 'B1'])).toBe('B1');
    expect(winningProductId([])).toBeUndefined();
  });

  it('puts characters above U+FFFF after U+E000–U+FFFF, as UTF-8 bytes (and COLLATE "C") do', () => {
    // UTF-16 code units would put the surrogate pair of 😀 (U+1F600) before Ａ (U+FF21).
    expect('😀' < 'Ａ').toBe(true);
    expect(sortProductIds(['😀', 'Ａ', 'z', 'é'])).toEqual(['z', 'é', 'Ａ', '😀']);
    expect(compareProductIds('x😀', 'xＡ')).toBeGreaterThan(0);
    expect(compareProductIds('𝒜', '😀')).toBeLessThan(0);
  });

  it('picks per key the lowest id, whatever the order it is given the products in', () => {
    const products = [
      product('a9', { sku: 'SHOE' }),
      product('b1', { sku: 'SHOE' }),
      product('a10', { sku: 'SHOE' }),
      product('B1', { sku: ' SHOE ' }),
      product('c1', { sku: 'BOOT' }),
      product('c0', { sku: '' }),
    ];
    for (const order of [products, [...products].reverse()]) {
      const byKey = productsByKey(order, 'sku');
      expect([...byKey.keys()].sort()).toEqual(['BOOT', 'SHOE']);
      expect(byKey.get('SHOE')!.id).toBe('B1');
      expect(byKey.get('BOOT')!.id).toBe('c1');
    }
  });

  it('is the product the acceptance rule checks a line against', () => {
    const decision = decideAcceptance({
      order: {
        products: [
          {
            productsReference: 'REF',
            productsName: 'Shoe',
            productsQty: 2,
            productsSpartoo: '1',
            productsManufacturers: 'Brand',
            productsSize: '42',
            productsSizeReference: 'SHOE',
            productsColor: 'Black',
            priceUnitCents: 1000,
            priceUnitWithReduceCents: 1000,
            finalPriceCents: 2000,
          },
        ],
      },
      // Only the winner is out of stock: an order accepted on a loser's stock would be oversold.
      products: [product('😀', { sku: 'SHOE', stock: 50 }), product('Ａ', { sku: 'SHOE', stock: 1 })],
      settings: {
        autoAccept: true,
        autoAcceptPriceAttribute: 'PRICE_FINAL_INCL_TAX',
        autoAcceptThreshold: 0.97,
        productIdentificationAttribute: 'sku',
      },
    });
    expect(decision.accepted).toBe(false);
    expect(decision.reasons).toEqual([expect.objectContaining({ code: 'OUT_OF_STOCK', productId: 'Ａ' })]);
  });
});

describe('duplicate keys found page by page (a shop without a duplicate-key query)', () => {
  it('names every product that shares its key with a lower id, whatever the page order', () => {
    const pages = [
      [product('b1', { sku: 'SHOE' }), product('x', { sku: 'SOCK' })],
      [product('a10', { sku: ' SHOE ' }), product('y', { sku: '' }), product('z')],
      [product('B1', { sku: 'SHOE' }), product('a9', { sku: 'SHOE' }), product('w', { sku: 'BOOT' })],
    ];
    for (const order of [pages, [...pages].reverse()]) {
      const tracker = duplicateKeyTracker('sku');
      for (const page of order) tracker.add(page);
      expect(sortProductIds(tracker.losers())).toEqual(['a10', 'a9', 'b1']);
    }
  });
});
