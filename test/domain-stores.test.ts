import { describe, expect, it } from 'vitest';
import {
  splitStoreFields,
  storeConfigSchemas,
  storeCreateSchema,
  storePatchErrors,
  storePatchSchema,
} from '../domain/stores';
import { isLocalHost, urlRefusal } from '../domain/urls';

const strict = { allowCustomUrls: false };
const custom = { allowCustomUrls: true };

describe('the URL rule', () => {
  it('refuses anything but http(s), and credentials in the URL', () => {
    expect(urlRefusal('ftp://shop.example.com', strict)).toBe('must be an http(s) URL');
    expect(urlRefusal('file:///etc/passwd', custom)).toBe('must be an http(s) URL');
    expect(urlRefusal('not a url', custom)).toBe('must be an http(s) URL');
    expect(urlRefusal('https://user:pw@shop.example.com', custom)).toBe(
      'must not contain a user name or password',
    );
    expect(urlRefusal('https://shop.example.com/wp', strict)).toBeUndefined();
    expect(urlRefusal('http://shop.example.com', strict)).toBeUndefined();
  });

  it('refuses loopback, private and local-network addresses unless the operator allows custom URLs', () => {
    const local = [
      'http://localhost:3200',
      'http://LOCALHOST.:3200',
      'http://shop.localhost',
      'http://127.0.0.1',
      'http://127.1.2.3',
      'http://0x7f.1', // 127.0.0.1 written otherwise
      'http://2130706433',
      'http://0.0.0.0',
      'http://10.1.2.3',
      'http://172.16.0.1',
      'http://172.31.255.255',
      'http://192.168.1.10',
      'http://169.254.169.254/latest/meta-data', // cloud metadata
      'http://100.64.0.1',
      'http://[::1]:8080',
      'http://[::]',
      'http://[::ffff:127.0.0.1]',
      'http://[fd12:3456::1]',
      'http://[fe80::1]',
      'http://intranet',
      'http://nas.local',
      'http://db.internal',
      'http://router.home.arpa',
    ];
    for (const url of local) {
      expect(urlRefusal(url, strict), url).toMatch(/SPARTOO_ALLOW_CUSTOM_URL=1/);
      expect(urlRefusal(url, custom), url).toBeUndefined();
    }
    for (const url of [
      'https://8.8.8.8',
      'https://172.32.0.1',
      'https://[2001:db8::1]',
      'https://my-shop.myshopify.com',
    ])
      expect(urlRefusal(url, strict), url).toBeUndefined();
    expect(isLocalHost('example.com')).toBe(false);
  });
});

describe('store settings', () => {
  const shopify = { kind: 'shopify', name: 'My Shopify', accessToken: 'shpat_abcd', webhookSecret: 'whsec' };

  it('takes a Shopify shop as its myshopify.com domain or a full base URL', () => {
    const schema = storeCreateSchema(strict);
    expect(schema.parse({ ...shopify, shopUrl: 'My-Shop.myshopify.com' })).toMatchObject({
      shopUrl: 'https://my-shop.myshopify.com',
    });
    expect(schema.parse({ ...shopify, shopUrl: 'https://proxy.example.com/shops/a/' })).toMatchObject({
      shopUrl: 'https://proxy.example.com/shops/a',
    });
    const bare = schema.safeParse({ ...shopify, shopUrl: 'shop.example.com' });
    expect(bare.error?.issues).toEqual([
      expect.objectContaining({
        path: ['shopUrl'],
        message: 'must be a <shop>.myshopify.com domain or a full http(s) URL',
      }),
    ]);
    const sandbox = {
      ...shopify,
      shopUrl: 'http://127.0.0.1:3200',
      locationIds: ['gid://shopify/Location/1'],
    };
    expect(schema.safeParse(sandbox).error?.issues[0]?.message).toMatch(/SPARTOO_ALLOW_CUSTOM_URL=1/);
    expect(storeCreateSchema(custom).parse(sandbox)).toMatchObject({ shopUrl: 'http://127.0.0.1:3200' });
  });

  it('names every bad field of a WooCommerce store, and an unknown kind', () => {
    const schema = storeCreateSchema(strict);
    const bad = schema.safeParse({
      kind: 'woocommerce',
      name: '',
      url: 'ftp://shop',
      consumerKey: '',
      accessToken: 'x',
    });
    expect(bad.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual(
      expect.arrayContaining([
        ['name', 'is required'],
        ['url', 'must be an http(s) URL'],
        ['consumerKey', 'is required'],
        ['consumerSecret', expect.any(String)],
        ['', expect.stringContaining('accessToken')],
      ]),
    );
    expect(schema.safeParse({ kind: 'magento', name: 'M' }).error?.issues).toEqual([
      expect.objectContaining({ path: ['kind'], message: 'must be one of builtin, shopify, woocommerce' }),
    ]);
  });

  it('splits a store into configuration and secrets', () => {
    const input = storeCreateSchema(strict).parse({
      kind: 'woocommerce',
      name: 'Woo',
      url: 'https://shop.example.com/',
      consumerKey: 'ck_1',
      consumerSecret: 'cs_1',
      trackingMetaKey: '_tracking',
    });
    expect(splitStoreFields('woocommerce', input)).toEqual({
      name: 'Woo',
      config: { url: 'https://shop.example.com', trackingMetaKey: '_tracking' },
      secrets: { consumerKey: 'ck_1', consumerSecret: 'cs_1' },
    });
    expect(storeConfigSchemas(strict).woocommerce.parse({ url: 'https://shop.example.com' })).toEqual({
      url: 'https://shop.example.com',
    });
  });

  it("checks a change against the store's kind: its own fields only, required ones never removed", () => {
    const patch = storePatchSchema(strict).parse({
      name: 'Renamed',
      consumerKey: 'ck_2',
      locationIds: null,
      webhookSecret: null,
    });
    expect(storePatchErrors('shopify', patch)).toEqual([
      { field: 'webhookSecret', message: 'is required for a shopify store and cannot be removed' },
      { field: 'consumerKey', message: 'is not a field of a shopify store' },
    ]);
    expect(storePatchErrors('woocommerce', patch)).toEqual([
      { field: 'locationIds', message: 'is not a field of a woocommerce store' },
    ]);
    expect(storePatchErrors('builtin', { name: 'Mine' })).toEqual([]);
    expect(storePatchErrors('builtin', { url: 'https://x.example.com' })).toEqual([
      { field: 'url', message: 'is not a field of a builtin store' },
    ]);
  });
});
