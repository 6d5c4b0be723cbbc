import { PGlite } from '@electric-sql/pglite';
import { and, eq, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Database, type DatabaseHandle, openDatabase } from '../db/client';
import * as schema from '../db/schema';
import { orders } from '../db/schema';
import { projectPath } from '../runtime/paths';

/**
 * The embedded database's client (db/client.ts DrizzlePGlite) reads the types Drizzle maps itself as
 * text once, on the client, instead of with every query: rows must read exactly as Drizzle's own
 * PGlite driver reads them, inside transactions too, and the queries must no longer carry parsers.
 */
describe('the embedded database client', () => {
  let product: DatabaseHandle;
  let plain: PGlite;
  let reference: Database;

  beforeAll(async () => {
    product = await openDatabase();
    plain = new PGlite();
    const migrated = drizzle(plain, { schema });
    await migrate(migrated, { migrationsFolder: projectPath('db/migrations') });
    reference = migrated as unknown as Database;
  });
  afterAll(async () => {
    await product.close();
    await plain.close();
  });

  const typed = sql`select
    timestamptz '2026-11-29 10:00:00.123+01' as "at",
    timestamp '2026-11-29 10:00:00' as "local",
    date '2026-11-29' as "day",
    interval '1 day 02:03:04' as "span",
    array[timestamptz '2026-11-29 10:00:00+01', null] as "ats",
    array[timestamp '2026-11-29 10:00:00'] as "locals",
    array[date '2026-11-29'] as "days",
    array[interval '5 minutes'] as "spans",
    array[1.50, 2]::numeric[] as "amounts",
    jsonb_build_object('a', 1, 'b', array[1, 2]) as "detail",
    42::int as "count",
    array['x', 'y'] as "words",
    true as "flag"`;

  it('reads every type as Drizzle’s own driver does, outside and inside a transaction', async () => {
    const rowsOf = async (db: Pick<Database, 'execute'>) =>
      ((await db.execute(typed)) as { rows: unknown[] }).rows;
    const expected = await rowsOf(reference);
    expect(await rowsOf(product.db)).toEqual(expected);
    // The types Drizzle maps itself come back as PostgreSQL's text, not parsed by PGlite.
    expect(expected[0]).toMatchObject({
      at: '2026-11-29 09:00:00.123+00',
      day: '2026-11-29',
      span: '1 day 02:03:04',
    });
    expect(await product.db.transaction((tx) => rowsOf(tx))).toEqual(expected);
  });

  it('reads a row of a table the same, its timestamps mapped to dates', async () => {
    const row = {
      connectionId: 'c1',
      orderId: 'o1',
      status: 'WAITING_ACCEPTANCE',
      purchasedAt: new Date('2026-11-29T09:00:00.123Z'),
      detail: { shipments: [], lastError: 'x' },
    };
    await reference.insert(orders).values(row);
    await product.db.insert(orders).values(row);
    const read = (db: Database) =>
      db
        .select()
        .from(orders)
        .where(and(eq(orders.connectionId, 'c1'), eq(orders.orderId, 'o1')));
    const [mine] = await read(product.db);
    const [theirs] = await read(reference);
    expect(mine).toEqual({ ...theirs, createdAt: mine!.createdAt, updatedAt: mine!.updatedAt });
    expect(mine!.purchasedAt).toEqual(row.purchasedAt);
    expect(mine!.createdAt).toBeInstanceOf(Date);
    const [inTransaction] = await product.db.transaction((tx) => read(tx as unknown as Database));
    expect(inTransaction).toEqual(mine);
  });

  it('sends no parsers with the queries (PGlite would copy its 300-odd parsers for each)', async () => {
    const query = vi.spyOn(PGlite.prototype, 'query');
    try {
      await product.db.select().from(orders);
      expect(query).toHaveBeenCalled();
      for (const [, , options] of query.mock.calls) expect(options?.parsers).toBeUndefined();
    } finally {
      query.mockRestore();
    }
  });
});
