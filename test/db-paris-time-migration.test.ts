/**
 * Migration 0001_paris_time: rows stored while Spartoo's dates were read as UTC are re-read as Paris
 * wall-clock time, exactly as spartoo/values.ts now reads them (daylight-saving edges included), on
 * PGlite and on PostgreSQL, whatever the session's time zone.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres';
import { migrate as migrateNodePg } from 'drizzle-orm/node-postgres/migrator';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { spartooDateToIso } from '../spartoo/values';
import { type DatabaseKind, databaseKinds } from './support/databases';

const migrationsFolder = fileURLToPath(new URL('../db/migrations', import.meta.url));
const scratch = mkdtempSync(path.join(os.tmpdir(), 'spartoo-paris-time-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface JournalEntry {
  tag: string;
}

/** A copy of the migrations folder with only some of them: a database as an older product left it. */
function migrationsWhere(keep: (entry: JournalEntry) => boolean): string {
  const folder = mkdtempSync(path.join(scratch, 'migrations-'));
  mkdirSync(path.join(folder, 'meta'));
  const journal = JSON.parse(readFileSync(path.join(migrationsFolder, 'meta/_journal.json'), 'utf8'));
  journal.entries = journal.entries.filter(keep);
  writeFileSync(path.join(folder, 'meta/_journal.json'), JSON.stringify(journal));
  for (const { tag } of journal.entries as JournalEntry[]) {
    cpSync(path.join(migrationsFolder, `${tag}.sql`), path.join(folder, `${tag}.sql`));
  }
  return folder;
}

const BEFORE = {
  // What every database made by the product before this fix holds.
  'only 0000_init': (entry: JournalEntry) => entry.tag === '0000_init',
  // A database that ran a later migration first (0002, while 0001 was written): 0001's `when` is
  // later than 0002's, so drizzle still applies it there. (Migrations after 0002 were written after
  // 0001 shipped, with later `when`s: no database holds one of them without 0001.)
  'every migration but 0001': (entry: JournalEntry) =>
    entry.tag === '0000_init' || entry.tag === '0002_unreadable_orders_and_reservations',
};

/** Neither UTC nor Paris: the migration must not lean on the session's time zone. */
const SESSION_TIME_ZONE = 'America/New_York';

interface TestDatabase {
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  migrate(folder: string): Promise<void>;
  close(): Promise<void>;
}

async function openPglite(): Promise<TestDatabase> {
  const client = new PGlite();
  await client.exec(`SET TIME ZONE '${SESSION_TIME_ZONE}'`);
  const db = drizzlePglite(client);
  return {
    query: async <T>(text: string, params?: unknown[]) => (await client.query<T>(text, params)).rows,
    migrate: (folder) => migratePglite(db, { migrationsFolder: folder }),
    close: () => client.close(),
  };
}

async function openPostgres(): Promise<TestDatabase> {
  const adminUrl = inject('postgresUrl');
  const name = `spartoo_test_paris_${Math.random().toString(16).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.query(`ALTER DATABASE ${name} SET timezone TO '${SESSION_TIME_ZONE}'`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: 2 });
  const db = drizzleNodePg(pool);
  return {
    query: async <T>(text: string, params?: unknown[]) => (await pool.query(text, params)).rows as T[],
    migrate: (folder) => migrateNodePg(db, { migrationsFolder: folder }),
    async close() {
      await pool.end();
      const cleanup = new pg.Client({ connectionString: adminUrl });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.end();
    },
  };
}

const open = (kind: DatabaseKind) => (kind === 'pglite' ? openPglite() : openPostgres());

/** Spartoo wall-clock times: winter, summer, and every quarter hour around both 2026 clock changes. */
function wallTimes(): string[] {
  const walls = ['2024-01-15 12:00:00', '2024-07-01 12:00:00', '2024-03-10 14:00:00', '2026-12-31 23:30:00'];
  for (const day of ['2026-03-29', '2026-10-25']) {
    for (let minutes = 0; minutes <= 4 * 60; minutes += 15) {
      const hh = String(Math.floor(minutes / 60)).padStart(2, '0');
      const mm = String(minutes % 60).padStart(2, '0');
      walls.push(`${day} ${hh}:${mm}:00`);
    }
    walls.push(`${day} 01:59:59`, `${day} 02:59:59`);
  }
  return walls;
}

interface StoredDetail {
  spartoo: { datePurchased: string; lastModified: string; customers: unknown };
}

/** What the product stored for a wall time before: the wall clock read as UTC. */
const readAsUtc = (wall: string) => `${wall.replace(' ', 'T')}.000Z`;

describe.each(databaseKinds())('migration 0001_paris_time on %s', (kind) => {
  it.each(Object.keys(BEFORE) as (keyof typeof BEFORE)[])(
    're-reads stored Spartoo dates as Paris wall-clock time, as the client now does, from a database with %s',
    async (before) => {
      const db = await open(kind);
      try {
        await db.migrate(migrationsWhere(BEFORE[before]));
        const walls = wallTimes();
        for (const [i, wall] of walls.entries()) {
          const spartoo = {
            ordersId: `O${i}`,
            datePurchased: readAsUtc(wall),
            lastModified: i % 2 === 0 ? readAsUtc(wall) : '',
            customers: { firstname: 'Hélène' },
          };
          await db.query(
            `INSERT INTO orders (connection_id, order_id, status, spartoo_status, purchased_at, customer_name, total_cents, detail)
           VALUES ('c1', $1, 'WAITING_ACCEPTANCE', 11, $2::timestamptz, 'Hélène', 4990, $3::jsonb)`,
            [`O${i}`, readAsUtc(wall), JSON.stringify({ spartoo, shipments: [] })],
          );
          await db.query(
            `INSERT INTO returns (connection_id, return_id, order_id, status, spartoo_status, returned_at)
           VALUES ('c1', $1, $2, 'WAITING', 2, $3::timestamptz)`,
            [`R${i}`, `O${i}`, readAsUtc(wall)],
          );
        }
        // Rows without any Spartoo date are left as they are.
        await db.query(
          `INSERT INTO orders (connection_id, order_id, status, spartoo_status, purchased_at, detail)
         VALUES ('c1', 'NO-DETAIL', 'ACCEPTED', 2, '2024-07-01T12:00:00Z', '{}'::jsonb)`,
        );
        await db.query(
          `INSERT INTO returns (connection_id, return_id, order_id, status, spartoo_status)
         VALUES ('c1', 'NO-DATE', 'O0', 'WAITING', 2)`,
        );

        await db.migrate(migrationsFolder);

        const orders = await db.query<{ order_id: string; purchased_at: Date; detail: StoredDetail }>(
          'SELECT order_id, purchased_at, detail FROM orders',
        );
        const returns = await db.query<{ return_id: string; returned_at: Date | null }>(
          'SELECT return_id, returned_at FROM returns',
        );
        const orderById = new Map(orders.map((o) => [o.order_id, o]));
        const returnById = new Map(returns.map((r) => [r.return_id, r]));
        const wrong: string[] = [];
        for (const [i, wall] of walls.entries()) {
          const expected = spartooDateToIso(wall);
          const order = orderById.get(`O${i}`)!;
          const seen = {
            purchasedAt: order.purchased_at.toISOString(),
            datePurchased: order.detail.spartoo.datePurchased,
            lastModified: order.detail.spartoo.lastModified,
            returnedAt: returnById.get(`R${i}`)!.returned_at?.toISOString(),
          };
          const want = {
            purchasedAt: expected,
            datePurchased: expected,
            lastModified: i % 2 === 0 ? expected : '',
            returnedAt: expected,
          };
          if (JSON.stringify(seen) !== JSON.stringify(want)) wrong.push(`${wall}: ${JSON.stringify(seen)}`);
          expect(order.detail.spartoo.customers).toEqual({ firstname: 'Hélène' });
        }
        expect(wrong).toEqual([]);
        // Spot checks in plain words: 12:00 in Paris is 11:00 UTC in winter, 10:00 UTC in summer.
        expect(orderById.get('O0')!.purchased_at.toISOString()).toBe('2024-01-15T11:00:00.000Z');
        expect(orderById.get('O1')!.purchased_at.toISOString()).toBe('2024-07-01T10:00:00.000Z');
        expect(orderById.get('NO-DETAIL')).toMatchObject({ detail: {} });
        expect(orderById.get('NO-DETAIL')!.purchased_at.toISOString()).toBe('2024-07-01T10:00:00.000Z');
        expect(returnById.get('NO-DATE')!.returned_at).toBeNull();

        // The helpers are gone, the session kept its own time zone, and migrating again changes nothing.
        const helpers = await db.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM pg_proc WHERE proname LIKE 'spartoo_sync_0001_%'",
        );
        expect(helpers[0]!.n).toBe(0);
        const [zone] = await db.query<{ TimeZone: string; timezone: string }>('SHOW TIME ZONE');
        expect(Object.values(zone!)).toEqual([SESSION_TIME_ZONE]);
        await db.migrate(migrationsFolder);
        const again = await db.query<{ purchased_at: Date }>(
          "SELECT purchased_at FROM orders WHERE order_id = 'O1'",
        );
        expect(again[0]!.purchased_at.toISOString()).toBe('2024-07-01T10:00:00.000Z');
      } finally {
        await db.close();
      }
    },
  );
});
