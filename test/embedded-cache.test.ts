import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database, DatabaseHandle } from '../db/client';
import { createConnectionRepository } from '../db/connections';
import { rowCache } from '../db/embedded-cache';
import { createStoreRepository } from '../db/stores';
import { createSecretBox } from '../runtime/secret-box';
import { databaseKinds, openTestDatabase } from './support/databases';

/**
 * The connection and store rows every activity reads are kept in memory when the database is the
 * embedded PGlite (db/embedded-cache.ts, issue 14, item 4): one process opens it and the repositories
 * are their tables' only writers, so what they write is seen at once; on PostgreSQL nothing is kept.
 */
describe('rows kept in memory for the embedded database', () => {
  const secrets = createSecretBox('test-secret-key');

  /** A change made behind the repositories' back: what a kept row does not see. */
  const sneak = (db: Database, statement: ReturnType<typeof sql>) => db.execute(statement);

  for (const kind of databaseKinds()) {
    describe(kind, () => {
      let database: DatabaseHandle;
      beforeAll(async () => {
        database = await openTestDatabase(kind);
      });
      afterAll(async () => {
        await database?.close();
      });

      it(`a connection's key and settings: ${kind === 'pglite' ? 'kept' : 'read each time'}, and every write through the repository is seen at once`, async () => {
        const connections = createConnectionRepository(database.db, secrets);
        // A second repository on the same database (the API's and the worker's) shares what is kept.
        const other = createConnectionRepository(database.db, secrets);
        const c = await connections.create({ name: 'Shop', apiKey: 'KEY-ONE-1111' });
        expect((await other.getWithApiKey(c.id))?.apiKey).toBe('KEY-ONE-1111');
        await sneak(database.db, sql`update connections set name = 'Renamed behind' where id = ${c.id}`);
        const read = await other.getWithApiKey(c.id);
        expect(read?.record.settings.name).toBe(kind === 'pglite' ? 'Shop' : 'Renamed behind');

        await connections.update(c.id, { apiKey: 'KEY-TWO-2222', autoAccept: true });
        const updated = await other.getWithApiKey(c.id);
        expect(updated?.apiKey).toBe('KEY-TWO-2222');
        expect(updated?.record.settings.autoAccept).toBe(true);
        await connections.recordCycle(c.id, 'poll', {
          at: new Date().toISOString(),
          ok: true,
          ordersFound: 3,
        });
        expect((await other.getWithApiKey(c.id))?.record.lastPoll).toMatchObject({ ordersFound: 3 });
        expect(await connections.remove(c.id)).toBe(true);
        expect(await other.getWithApiKey(c.id)).toBeUndefined();
      });

      it(`a store's secrets and problem: ${kind === 'pglite' ? 'kept' : 'read each time'}, every write seen at once`, async () => {
        const stores = createStoreRepository(database.db, secrets);
        const other = createStoreRepository(database.db, secrets);
        await stores.create({
          id: 'shop-c',
          kind: 'shopify',
          name: 'S',
          config: {},
          secrets: { token: 'T1' },
        });
        expect((await other.withSecrets('shop-c'))?.secrets).toEqual({ token: 'T1' });
        await sneak(database.db, sql`update stores set name = 'Renamed behind' where id = 'shop-c'`);
        expect((await other.withSecrets('shop-c'))?.record.name).toBe(
          kind === 'pglite' ? 'S' : 'Renamed behind',
        );
        await stores.setProblem('shop-c', { code: 'STORE_ACCESS', message: 'revoked' });
        expect((await other.withSecrets('shop-c'))?.record.problem).toMatchObject({ code: 'STORE_ACCESS' });
        await stores.clearProblem('shop-c');
        expect((await other.withSecrets('shop-c'))?.record.problem).toBeNull();
        await stores.update('shop-c', { secrets: { token: 'T2' } });
        expect((await other.withSecrets('shop-c'))?.secrets).toEqual({ token: 'T2' });
        expect((await stores.remove('shop-c')).removed).toBe(true);
        expect(await other.withSecrets('shop-c')).toBeUndefined();
      });
    });
  }

  it('a read that overlapped a write is not kept; what is kept cannot be changed by a caller', async () => {
    const database = await openTestDatabase('pglite');
    try {
      const cache = rowCache<{ value: { n: number } }>(database.db, 'overlap');
      let loads = 0;
      let release: () => void = () => {};
      const slow = cache.read('k', async () => {
        loads++;
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        return { value: { n: 1 } };
      });
      await cache.write(async () => {});
      release();
      expect(await slow).toEqual({ value: { n: 1 } });
      const load = async () => {
        loads++;
        return { value: { n: 2 } };
      };
      const kept = await cache.read('k', load);
      expect(kept?.value.n).toBe(2);
      expect((await cache.read('k', load))?.value.n).toBe(2);
      expect(loads).toBe(2);
      expect(() => {
        (kept as { value: { n: number } }).value.n = 3;
      }).toThrow(TypeError);
    } finally {
      await database.close();
    }
  });
});
