import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../db/client';
import { createConnectionRepository } from '../db/connections';
import type { ShopifyConfig, ShopifySecrets } from '../domain/stores';
import { createSecretBox } from '../runtime/secret-box';
import { storeAdapters } from '../store/adapters';
import { createDatabaseStore } from '../store/database-store';
import { createStoreRegistry, type StoreAdapterDeps } from '../store/registry';
import { StoreAccessError, type StorePort } from '../store/store';
import { openTestDatabase } from './support/databases';

/** A stand-in Shopify adapter: records what it was opened with; its token can be revoked. */
function fakeShopify() {
  const opened: { config: ShopifyConfig; secrets: ShopifySecrets; deps: StoreAdapterDeps }[] = [];
  let revoked = false;
  const factory = (config: ShopifyConfig, secrets: ShopifySecrets, deps: StoreAdapterDeps): StorePort => {
    opened.push({ config, secrets, deps });
    const guard = async <T>(value: T) => {
      if (revoked) throw new StoreAccessError('Shopify answered 401: the access token was revoked');
      return value;
    };
    return {
      kind: 'shopify',
      productsByKeys: () => guard([]),
      catalogue: () => guard({ products: [] }),
      importOrder: () => Promise.reject(new Error('not in this test')),
      findOrder: () => guard(undefined),
      cancelOrder: () => guard({ changed: false }),
      restock: () => guard({ changed: false }),
      orderEventsSince: () => guard([]),
      test: () => guard({ shopName: 'Fake shop', productCount: 0, webhooksRegistered: 3 }),
      // An adapter's own extra (a webhook check, say) is reachable through the registry.
      ownExtra: () => 'extra',
    } as StorePort;
  };
  return {
    opened,
    factory,
    revoke: (value: boolean) => {
      revoked = value;
    },
  };
}

describe('the store registry', () => {
  let database: DatabaseHandle;
  const secrets = createSecretBox('test-secret-key');
  const shopify = fakeShopify();
  let registry: ReturnType<typeof createStoreRegistry>;

  beforeAll(async () => {
    database = await openTestDatabase('pglite');
    registry = createStoreRegistry({
      db: database.db,
      secrets,
      builtin: createDatabaseStore(database.db),
      // Only the kinds this test plays: woocommerce stays without an adapter here.
      adapters: { builtin: storeAdapters.builtin, shopify: shopify.factory },
      publicUrl: 'http://localhost:3000/',
      urlPolicy: { allowCustomUrls: true },
    });
  });
  afterAll(async () => {
    await database?.close();
  });

  it('answers the built-in store for `builtin` and for a connection that names no other', async () => {
    const port = await registry.forStore('builtin');
    expect(port.kind).toBe('builtin');
    expect(await port.test()).toEqual({ shopName: 'Built-in store', productCount: 0, webhooksRegistered: 0 });
    const connections = createConnectionRepository(database.db, secrets);
    const connection = await connections.create({ name: 'C', apiKey: 'KEY-1' });
    expect((await registry.forConnection(connection.id)).kind).toBe('builtin');
  });

  it('opens a store with its validated configuration and clear secrets, once while unchanged', async () => {
    await registry.records.create({
      id: 'shop-1',
      kind: 'shopify',
      name: 'My shop',
      config: { shopUrl: 'http://127.0.0.1:3200' },
      secrets: { accessToken: 'shpat_token1234', webhookSecret: 'whsec_5678' },
    });
    const port = await registry.forStore('shop-1');
    expect(await port.test()).toMatchObject({ shopName: 'Fake shop' });
    expect((port as unknown as { ownExtra(): string }).ownExtra()).toBe('extra');
    await registry.forStore('shop-1');
    expect(shopify.opened).toHaveLength(1);
    expect(shopify.opened[0]).toMatchObject({
      config: { shopUrl: 'http://127.0.0.1:3200' },
      secrets: { accessToken: 'shpat_token1234', webhookSecret: 'whsec_5678' },
      deps: { storeId: 'shop-1', name: 'My shop', publicUrl: 'http://localhost:3000' },
    });
    // Settings changed (here, or by the API in another process): opened again with the new ones.
    await registry.records.update('shop-1', { secrets: { accessToken: 'shpat_new_9999' } });
    await registry.forStore('shop-1');
    expect(shopify.opened).toHaveLength(2);
    expect(shopify.opened[1]!.secrets).toEqual({
      accessToken: 'shpat_new_9999',
      webhookSecret: 'whsec_5678',
    });
    expect((await registry.records.get('shop-1'))!.secretHints).toEqual({
      accessToken: '9999',
      webhookSecret: '5678',
    });
  });

  it('records a revoked token as the store’s problem, and clears it once the shop answers again', async () => {
    shopify.revoke(true);
    const port = await registry.forStore('shop-1');
    await expect(port.productsByKeys('sku', ['X'])).rejects.toBeInstanceOf(StoreAccessError);
    const problem = (await registry.records.get('shop-1'))!.problem;
    expect(problem).toEqual({
      code: 'STORE_ACCESS',
      message: 'Shopify answered 401: the access token was revoked',
      since: expect.any(String),
    });
    // Seen again: the problem keeps its first time.
    await expect((await registry.forStore('shop-1')).test()).rejects.toBeInstanceOf(StoreAccessError);
    expect((await registry.records.get('shop-1'))!.problem!.since).toBe(problem!.since);

    shopify.revoke(false);
    await (await registry.forStore('shop-1')).catalogue({ limit: 10 });
    expect((await registry.records.get('shop-1'))!.problem).toBeNull();
  });

  it('refuses clearly a store that does not exist, of a kind without an adapter, or no longer valid', async () => {
    await expect(registry.forStore('nope')).rejects.toThrow(
      new StoreAccessError('Store nope does not exist'),
    );
    await registry.records.create({
      id: 'woo-1',
      kind: 'woocommerce',
      name: 'Woo',
      config: { url: 'https://shop.example.com' },
      secrets: { consumerKey: 'ck', consumerSecret: 'cs' },
    });
    await expect(registry.forStore('woo-1')).rejects.toThrow(
      /Store woo-1 is a woocommerce store, and this version of the product has no adapter for that kind/,
    );

    const strict = createStoreRegistry({
      db: database.db,
      secrets,
      builtin: registry.builtin,
      adapters: { builtin: storeAdapters.builtin, shopify: shopify.factory },
    });
    await expect(strict.forStore('shop-1')).rejects.toThrow(
      /Store shop-1 cannot be used as configured: shopUrl must be a public address.*SPARTOO_ALLOW_CUSTOM_URL=1/,
    );
  });
});
