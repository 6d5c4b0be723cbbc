import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type DatabaseHandle, openDatabase } from '../db/client';
import { storeProducts } from '../db/schema';
import { createStockLedger } from '../db/stock';
import { productKey, sortProductIds } from '../domain/product-keys';
import type { Address, StoreProduct } from '../domain/types';
import { createDatabaseStore } from '../store/database-store';
import { type DatabaseKind, databaseKinds, openTestDatabase } from './support/databases';

/**
 * A PostgreSQL database whose default collation is ICU's en-US, as a server initialised with an
 * en_US.UTF-8 locale has: "b1" sorts before "B1" and "a9" before "B1" there, unlike code points.
 */
async function openEnglishCollatedDatabase(): Promise<DatabaseHandle> {
  const adminUrl = inject('postgresUrl');
  const name = `spartoo_test_icu_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(
    `CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C.UTF-8' LOCALE_PROVIDER icu ICU_LOCALE 'en-US'`,
  );
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const handle = await openDatabase({ url: url.toString(), maxConnections: 2 });
  return {
    ...handle,
    async close() {
      await handle.close();
      const cleanup = new pg.Client({ connectionString: adminUrl });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.end();
    },
  };
}

type Kind = DatabaseKind | 'postgres (en-US collation)';
const kinds: Kind[] = inject('postgresUrl')
  ? ['pglite', 'postgres', 'postgres (en-US collation)']
  : ['pglite'];

const address: Address = {
  firstName: 'Camille',
  lastName: 'Durand',
  company: '',
  street: '1 rue de la Paix',
  suburb: '',
  city: 'Paris',
  postcode: '75002',
  state: '',
  country: 'FR',
};

/** Ids a locale and code points order differently: the winner by the rule is "B1". */
const SHARED_SKU_IDS = ['a9', 'b1', 'a10', 'B1'];

describe.each(kinds)('the built-in store with duplicate keys (%s)', (kind) => {
  let database: DatabaseHandle;
  let store: ReturnType<typeof createDatabaseStore>;
  beforeAll(async () => {
    database =
      kind === 'postgres (en-US collation)'
        ? await openEnglishCollatedDatabase()
        : await openTestDatabase(kind);
    store = createDatabaseStore(database.db);
    await store.upsertProducts([
      ...SHARED_SKU_IDS.map((id, i) => ({ id, sku: 'SHOE', stock: 10 + i, priceFinalInclTaxCents: 1000 })),
      { id: 'c1', sku: ' BOOT ', ean: '3600000000001', stock: 4, priceFinalInclTaxCents: 1000 },
      { id: 'c2', sku: 'BOOT', ean: '3600000000002', stock: 6, priceFinalInclTaxCents: 1000 },
      { id: 'd1', sku: 'SOCK', stock: 1, priceFinalInclTaxCents: 100 },
    ]);
  });
  afterAll(async () => {
    await database?.close();
  });

  it('imports the line on the product with the lowest id, and takes only its stock', async () => {
    const { order, created } = await store.importOrder({
      connectionId: 'c',
      marketplaceOrderId: `o-${kind}`,
      identificationAttribute: 'sku',
      billingAddress: address,
      shippingAddress: address,
      shippingMethod: 'Colissimo',
      lines: [
        { line: 1, key: 'SHOE', name: 'Shoe', quantity: 2, unitPriceCents: 1000 },
        { line: 2, key: 'BOOT', name: 'Boot', quantity: 1, unitPriceCents: 1000 },
      ],
      totalCents: 3000,
    });
    expect(created).toBe(true);
    const imported = await store.getOrder(order.id);
    expect(imported!.items.map((i) => i.productId)).toEqual(['B1', 'c1']);
    const stocks = Object.fromEntries(
      await Promise.all(
        [...SHARED_SKU_IDS, 'c1', 'c2'].map(async (id) => [id, (await store.getProduct(id))!.stock]),
      ),
    );
    expect(stocks).toEqual({ a9: 10, b1: 11, a10: 12, B1: 13 - 2, c1: 4 - 1, c2: 6 });
  });

  it('a retried import finds the order created first, even once its product no longer has the key', async () => {
    const request = {
      connectionId: 'c',
      marketplaceOrderId: `retried-${kind}`,
      identificationAttribute: 'sku',
      billingAddress: address,
      shippingAddress: address,
      shippingMethod: 'Colissimo',
      lines: [{ line: 1, key: 'SOCK', name: 'Sock', quantity: 1, unitPriceCents: 100 }],
      totalCents: 100,
    };
    const first = await store.importOrder(request);
    expect(first.created).toBe(true);
    expect((await store.importOrder(request)).order.id).toBe(first.order.id);
    await store.upsertProducts([{ id: 'd1', sku: 'SOCK-RENAMED', stock: 0, priceFinalInclTaxCents: 100 }]);
    const again = await store.importOrder(request);
    expect(again).toMatchObject({ created: false, order: { id: first.order.id } });
    expect((await store.getProduct('d1'))!.stock).toBe(0);
  });

  it('takes the stock of two lines on one product once each, and once only when the same order is imported twice at once', async () => {
    await store.upsertProducts([
      { id: 'e1', sku: 'SANDAL', stock: 9, priceFinalInclTaxCents: 1000 },
      { id: 'e2', sku: 'CLOG', stock: 9, priceFinalInclTaxCents: 1000 },
    ]);
    const request = {
      connectionId: 'c',
      marketplaceOrderId: `two-lines-${kind}`,
      identificationAttribute: 'sku',
      billingAddress: address,
      shippingAddress: address,
      shippingMethod: 'Colissimo',
      lines: [
        { line: 1, key: 'SANDAL', name: 'Sandal 38', quantity: 2, unitPriceCents: 1000 },
        { line: 2, key: 'SANDAL', name: 'Sandal 39', quantity: 3, unitPriceCents: 1000 },
      ],
      totalCents: 5000,
    };
    const attempts = await Promise.all([store.importOrder(request), store.importOrder(request)]);
    expect(attempts.map((a) => a.created).sort()).toEqual([false, true]);
    expect(attempts[0].order.id).toBe(attempts[1].order.id);
    expect((await store.getProduct('e1'))!.stock).toBe(9 - 2 - 3);
    expect((await store.getProduct('e2'))!.stock).toBe(9);
    expect((await store.importOrder(request)).created).toBe(false);
    expect((await store.getProduct('e1'))!.stock).toBe(4);
  });

  it('lists the candidates of a key with the winner first', async () => {
    const products = await store.productsByKeys('sku', ['SHOE']);
    expect(products.map((p) => p.id)).toEqual(['B1', 'a10', 'a9', 'b1']);
  });

  it('lists the keys more than one product has, ids sorted by the rule', async () => {
    expect(await store.duplicateKeys('sku')).toEqual([
      { key: 'BOOT', productIds: ['c1', 'c2'], productCount: 2 },
      { key: 'SHOE', productIds: ['B1', 'a10', 'a9', 'b1'], productCount: 4 },
    ]);
    expect(await store.duplicateKeys('sku', { limit: 1, maxIds: 3 })).toEqual([
      { key: 'BOOT', productIds: ['c1', 'c2'], productCount: 2 },
    ]);
    expect((await store.duplicateKeys('sku', { maxIds: 3 }))[1]).toEqual({
      key: 'SHOE',
      productIds: ['B1', 'a10', 'a9'],
      productCount: 4,
    });
    expect(await store.duplicateKeys('ean')).toEqual([]);
    expect(await store.duplicateKeys('id')).toEqual([]);
  });

  it('orders ids in SQL (COLLATE "C") exactly as the rule does in JavaScript', async () => {
    const ids = ['x-a9', 'x-b1', 'x-a10', 'x-B1', 'x-é', 'x-z', 'x-Ａ', 'x-😀', 'x-𝒜', 'x- a', 'x-_', 'x-~'];
    await store.upsertProducts(ids.map((id) => ({ id, stock: 0 })));
    const rows = await database.db
      .select({ id: storeProducts.id })
      .from(storeProducts)
      .where(sql`${storeProducts.id} like 'x-%'`)
      .orderBy(sql`${storeProducts.id} collate "C"`);
    expect(rows.map((r) => r.id)).toEqual(sortProductIds(ids));
  });
});

describe.each(databaseKinds())('the built-in store’s stock changes against the ledger (%s)', (kind) => {
  let database: DatabaseHandle;
  let store: ReturnType<typeof createDatabaseStore>;
  beforeAll(async () => {
    database = await openTestDatabase(kind);
    store = createDatabaseStore(database.db);
  });
  afterAll(async () => {
    await database?.close();
  });

  /** What the stock push records of a product (activities/stock.ts): its key, reference and quantity. */
  const asPushed = (products: StoreProduct[], attribute: string) =>
    products.flatMap((p) => {
      const key = productKey(p, attribute);
      return key === undefined
        ? []
        : [
            {
              sizeReference: key,
              referencePartenaire: p.reference?.trim() || key,
              quantity: Math.max(0, p.stock),
            },
          ];
    });

  /** Every page of stockChanges, `limit` at a time, as the push reads them. */
  async function changes(connectionId: string, attribute: string, limit: number) {
    const ids: string[] = [];
    for (let after: string | undefined, first = true; first || after !== undefined; first = false) {
      const page = await store.stockChanges({ connectionId, attribute, after, limit });
      expect(page.products.length).toBeLessThanOrEqual(limit);
      ids.push(...page.products.map((p) => p.id));
      after = page.next;
    }
    return ids;
  }

  it('leaves out what the ledger holds as it is, keeps what changed, and keeps what SQL cannot be sure of', async () => {
    const products: StoreProduct[] = [
      { id: 's-1', reference: 'R1', stock: 3, attributes: { ref: 'K1' } },
      { id: 's-2', reference: ' ', stock: -2, attributes: { ref: ' K2 ' } },
      // A JSON number: its text in SQL may differ from JavaScript's; always a candidate.
      { id: 's-3', reference: 'R3', stock: 1, attributes: { ref: 12 as unknown as string } },
      // A no-break space that JavaScript trims and PostgreSQL does not: a candidate.
      { id: 's-4', reference: 'R4', stock: 1, attributes: { ref: 'K4\u00a0' } },
      { id: 's-5', reference: 'R5', stock: 5, attributes: { ref: 'K5' } },
      { id: 's-6', reference: 'R6', stock: 6, attributes: {} },
    ];
    await store.upsertProducts(products);
    const ledger = createStockLedger(database.db);
    const connectionId = `c-${kind}`;
    expect(await changes(connectionId, 'attributes.ref', 2)).toEqual(products.map((p) => p.id));
    await ledger.recordSent(connectionId, asPushed(products, 'attributes.ref'));
    // s-6 has no key: a candidate the push skips.
    expect(await changes(connectionId, 'attributes.ref', 2)).toEqual(['s-3', 's-4', 's-6']);

    await store.upsertProducts([
      { ...products[0]!, stock: 4 },
      { ...products[4]!, reference: 'R5-new' },
    ]);
    expect(await changes(connectionId, 'attributes.ref', 2)).toEqual(['s-1', 's-3', 's-4', 's-5', 's-6']);
    // Another connection's ledger is not this one's; another attribute's keys are not these.
    expect(await changes(`${connectionId}-other`, 'attributes.ref', 10)).toHaveLength(6);
    expect(await changes(connectionId, 'id', 10)).toHaveLength(6);
  });
});
