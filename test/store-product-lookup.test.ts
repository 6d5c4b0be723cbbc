import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DatabaseHandle } from '../db/client';
import { attributeKeyIndex, createDatabaseStore } from '../store/database-store';
import { databaseKinds, openTestDatabase } from './support/databases';

/** A raw query as a driver ran it: its text and parameters. */
interface RawQuery {
  text: string;
  params: unknown[];
}

/**
 * The built-in store finds an order's products by the identification attribute, trimmed
 * (store/database-store.ts `keyColumn`). With a merchant's catalogue of 100 000 sizes a lookup that reads
 * the whole table cost 45 ms of CPU on PGlite, twice an order: the lookup by id, sku or ean must be
 * served by an index (migration 0009), by an attribute of `attributes` by the index its first lookup
 * creates (`attributeKeyIndex`). Checked on the query the store itself sends, with sequential
 * scans discouraged so that the plan names an index only when one matches the expression.
 */
describe.each(databaseKinds())('the built-in store’s product lookup (%s)', (kind) => {
  let handle: DatabaseHandle;
  let store: ReturnType<typeof createDatabaseStore>;

  beforeAll(async () => {
    handle = await openTestDatabase(kind);
    store = createDatabaseStore(handle.db);
    await store.upsertProducts(
      Array.from({ length: 2000 }, (_, i) => ({
        id: `P${i}`,
        sku: `SKU${i}`,
        ean: String(3_000_000_000_000 + i),
        reference: 'R',
        name: `Sneaker ${i}`,
        stock: 5,
        priceFinalInclTaxCents: 4990,
        priceOriginalInclTaxCents: 4990,
        attributes: { size: String(i) },
      })),
    );
  });
  afterAll(() => handle.close());

  /** The query productsByKeys sends, caught at the driver (drizzle passes node-postgres a config object). */
  async function lookupQuery(attribute: string, key: string): Promise<RawQuery> {
    const seen: RawQuery[] = [];
    type Method = (...args: unknown[]) => unknown;
    const catching = (prototype: object, method: string) => {
      const target = prototype as Record<string, Method>;
      const original = target[method]!;
      return vi.spyOn(target, method).mockImplementation(function (this: unknown, ...args: unknown[]) {
        const [first, params] = args as [string | { text: string }, unknown[] | undefined];
        seen.push({ text: typeof first === 'string' ? first : first.text, params: params ?? [] });
        return original.apply(this, args);
      });
    };
    const spy =
      kind === 'pglite' ? catching(PGlite.prototype, 'query') : catching(pg.Pool.prototype, 'query');
    try {
      await store.productsByKeys(attribute, [key]);
    } finally {
      spy.mockRestore();
    }
    const query = seen.find((q) => q.text.includes('from "store_products" where'));
    if (!query) throw new Error(`no product lookup among ${seen.length} queries`);
    return query;
  }

  it.each([
    ['id', 'P7'],
    ['sku', 'SKU7'],
    ['ean', '3000000000007'],
  ])('finds the products by %s through an index', async (attribute, key) => {
    const products = await store.productsByKeys(attribute, [key]);
    expect(products.map((p) => p.id)).toEqual(['P7']);
    const query = await lookupQuery(attribute, key);
    expect(await planOf(handle, query)).toContain(`store_products_${attribute}_trim_idx`);
  });

  it('finds the products by an attribute of `attributes` through the index its first lookup created', async () => {
    expect((await store.productsByKeys('attributes.size', ['7'])).map((p) => p.id)).toEqual(['P7']);
    const query = await lookupQuery('attributes.size', '7');
    expect(await planOf(handle, query)).toContain(attributeKeyIndex('attributes.size').name);
  });

  it('names the index of any attribute name, quotes and backslashes included', async () => {
    const attribute = `attributes.it's\\"odd"`;
    const name = attribute.slice('attributes.'.length);
    await store.upsertProducts([
      {
        id: 'ODD',
        reference: 'R',
        name: 'Odd',
        stock: 1,
        priceFinalInclTaxCents: 100,
        attributes: { [name]: ' x ' },
      },
    ]);
    expect((await store.productsByKeys(attribute, ['x'])).map((p) => p.id)).toEqual(['ODD']);
    const query = await lookupQuery(attribute, 'x');
    expect(await planOf(handle, query)).toContain(attributeKeyIndex(attribute).name);
    expect(attributeKeyIndex(attribute).name).not.toBe(attributeKeyIndex('attributes.size').name);
  });

  it('compares an attribute trimmed, as before the index: several keys, other attributes, odd characters', async () => {
    await store.upsertProducts(
      (
        [
          { id: 'PAD', attributes: { size: '  44 ½ ', colour: 'red' } },
          { id: 'QUOTE', attributes: { size: 'Taille "L" \\ 2' } },
          { id: 'OTHER', attributes: { colour: '44 ½' } },
          { id: 'NONE', attributes: {} },
        ] as { id: string; attributes: Record<string, string> }[]
      ).map((p) => ({ ...p, reference: 'R', name: p.id, stock: 1, priceFinalInclTaxCents: 100 })),
    );
    const found = await store.productsByKeys('attributes.size', ['44 ½', 'Taille "L" \\ 2', '12', 'nope']);
    expect(found.map((p) => p.id)).toEqual(['P12', 'PAD', 'QUOTE']);
    expect((await store.productsByKeys('attributes.colour', ['red'])).map((p) => p.id)).toEqual(['PAD']);
    expect(await store.productsByKeys('attributes.size', [' 44 ½'])).toEqual([]);
  });
});

/** The plan of a query with sequential scans discouraged, as JSON text. */
async function planOf(handle: DatabaseHandle, query: RawQuery): Promise<string> {
  const client = (handle.db as unknown as { $client: PGlite | pg.Pool }).$client;
  const explain = `explain (format json) ${query.text}`;
  if (client instanceof PGlite) {
    await client.exec('set enable_seqscan = off');
    try {
      return JSON.stringify((await client.query(explain, query.params)).rows);
    } finally {
      await client.exec('reset enable_seqscan');
    }
  }
  const connection = await client.connect();
  try {
    await connection.query('set enable_seqscan = off');
    return JSON.stringify((await connection.query(explain, query.params)).rows);
  } finally {
    await connection.query('reset enable_seqscan');
    connection.release();
  }
}
