import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type DatabaseHandle, openDatabase } from '../db/client';
import { storeProducts } from '../db/schema';
import { sortProductIds } from '../domain/product-keys';
import type { Address } from '../domain/types';
import { createDatabaseStore } from '../store/database-store';
import { type DatabaseKind, openTestDatabase } from './support/databases';

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
