/**
 * Migration 0003_stores on a database an older product left: the built-in store exists, every connection
 * imports into it, restocked returns are remembered by the built-in store's restock ledger, and store
 * order ids kept in the read model become decimal strings with the store named.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import { afterAll, describe, expect, it } from 'vitest';

const migrationsFolder = fileURLToPath(new URL('../db/migrations', import.meta.url));
const scratch = mkdtempSync(path.join(os.tmpdir(), 'spartoo-stores-migration-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The migrations folder up to `lastIdx`: what the product held before stores (2), or with them (3). */
function migrationsThrough(lastIdx: number): string {
  const folder = path.join(scratch, `through-${lastIdx}`);
  mkdirSync(path.join(folder, 'meta'), { recursive: true });
  const journal = JSON.parse(readFileSync(path.join(migrationsFolder, 'meta/_journal.json'), 'utf8'));
  journal.entries = journal.entries.filter((e: { idx: number }) => e.idx <= lastIdx);
  writeFileSync(path.join(folder, 'meta/_journal.json'), JSON.stringify(journal));
  for (const { tag } of journal.entries as { tag: string }[])
    cpSync(path.join(migrationsFolder, `${tag}.sql`), path.join(folder, `${tag}.sql`));
  return folder;
}

describe('migration 0003_stores', () => {
  it('creates the built-in store and moves connections, restocks and store order ids to it', async () => {
    const client = new PGlite();
    try {
      const db = drizzle(client);
      await migrate(db, { migrationsFolder: migrationsThrough(2) });
      await client.exec(`
        INSERT INTO connections (id, name, api_key_encrypted, api_key_last4, settings)
        VALUES ('c1', 'Old', 'sealed', '1234', '{"name": "Old", "pollIntervalSeconds": 300}');
        INSERT INTO returns (connection_id, return_id, order_id, status, spartoo_status, restocked_at)
        VALUES ('c1', 'r1', 'o1', 'ACCEPTED', 4, '2026-11-01T10:00:00Z'),
               ('c1', 'r2', 'o1', 'WAITING', 2, NULL);
        INSERT INTO orders (connection_id, order_id, status, detail)
        VALUES ('c1', 'o1', 'AWAITING_SHIPMENT', '{"storeOrderId": 42, "shipments": []}'),
               ('c1', 'o2', 'WAITING_ACCEPTANCE', '{"shipments": []}');
      `);

      // 0003 alone: later migrations change these rows in their own ways.
      await migrate(db, { migrationsFolder: migrationsThrough(3) });

      const query = async (text: string) => (await client.query<Record<string, unknown>>(text)).rows;
      expect(await query('SELECT id, kind, name, config, secrets_encrypted, problem FROM stores')).toEqual([
        {
          id: 'builtin',
          kind: 'builtin',
          name: 'Built-in store',
          config: {},
          secrets_encrypted: null,
          problem: null,
        },
      ]);
      expect(await query('SELECT settings FROM connections')).toEqual([
        { settings: { name: 'Old', pollIntervalSeconds: 300, storeId: 'builtin' } },
      ]);
      expect(await query('SELECT key, product_id, quantity FROM store_restocks')).toEqual([
        { key: 'return/c1/r1', product_id: null, quantity: 1 },
      ]);
      expect(await query('SELECT order_id, detail FROM orders ORDER BY order_id')).toEqual([
        { order_id: 'o1', detail: { storeOrderId: '42', storeId: 'builtin', shipments: [] } },
        { order_id: 'o2', detail: { shipments: [] } },
      ]);
    } finally {
      await client.close();
    }
  });
});
