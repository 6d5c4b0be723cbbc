import { describe, expect, it } from 'vitest';
import {
  connectionSettingsPatchSchema,
  connectionSettingsSchema,
  DEFAULT_BASE_URL,
  maskSecret,
} from '../domain/settings';

const minimal = { name: 'Shop FR', apiKey: 'PARTNER-1234' };

/** Distinct paths of the issues, as 'a.b' strings (a field may fail several checks). */
function issuePaths(result: { success: boolean; error?: { issues: { path: PropertyKey[] }[] } }): string[] {
  expect(result.success).toBe(false);
  return [...new Set((result.error?.issues ?? []).map((issue) => issue.path.map(String).join('.')))];
}

function invalidPaths(input: Record<string, unknown>): string[] {
  return issuePaths(connectionSettingsSchema.safeParse({ ...minimal, ...input }));
}

describe('connectionSettingsSchema', () => {
  it('fills every default of SPEC §2', () => {
    expect(connectionSettingsSchema.parse(minimal)).toEqual({
      name: 'Shop FR',
      apiKey: 'PARTNER-1234',
      site: 'fr',
      baseUrl: DEFAULT_BASE_URL,
      active: true,
      syncLevel: 'ORDERS_AND_STOCK',
      autoAccept: false,
      autoAcceptPriceAttribute: 'PRICE_FINAL_INCL_TAX',
      autoAcceptThreshold: 0.97,
      useBillingAddressForShipping: false,
      productIdentificationAttribute: 'id',
      syncOrdersCreatedFrom: null,
      defaultShippingService: 'Colissimo',
      shippingServiceMap: {},
      storeShippingMethodMap: {},
      pollIntervalSeconds: 300,
      stockSyncIntervalSeconds: 600,
      storeId: 'builtin',
      acceptanceDeadlineHours: 48,
      autoRefuseAtDeadline: false,
    });
    expect(DEFAULT_BASE_URL).toBe('https://sws.spartoo.com/mp/');
  });

  it('keeps valid values and normalizes the base URL with a trailing slash', () => {
    const parsed = connectionSettingsSchema.parse({
      ...minimal,
      baseUrl: 'http://localhost:3100/mp',
      active: false,
      syncLevel: 'STOCK_ONLY',
      autoAccept: true,
      autoAcceptPriceAttribute: 'PRICE_ORIGINAL_INCL_TAX',
      autoAcceptThreshold: 0.9999,
      useBillingAddressForShipping: true,
      productIdentificationAttribute: 'attributes.supplier_ref',
      syncOrdersCreatedFrom: '2024-02-29',
      defaultShippingService: 'Colis Privé',
      shippingServiceMap: { 'La Poste': 'Colissimo' },
      storeShippingMethodMap: { 'Livraison standard': 'flat_rate' },
      pollIntervalSeconds: 10,
      stockSyncIntervalSeconds: 10,
    });
    expect(parsed.baseUrl).toBe('http://localhost:3100/mp/');
    expect(parsed.autoAcceptThreshold).toBe(0.9999);
    expect(parsed.productIdentificationAttribute).toBe('attributes.supplier_ref');
    expect(parsed.syncOrdersCreatedFrom).toBe('2024-02-29');
    expect(parsed.defaultShippingService).toBe('Colis Privé');
  });

  it('requires apiKey and name', () => {
    expect(invalidPaths({ apiKey: undefined })).toEqual(['apiKey']);
    expect(invalidPaths({ apiKey: '   ' })).toEqual(['apiKey']);
    expect(invalidPaths({ name: undefined })).toEqual(['name']);
  });

  it.each([0.0001, 0.97, 1, 9.9999, 10, 0.57, 0.07])('accepts threshold %d', (threshold) => {
    expect(
      connectionSettingsSchema.parse({ ...minimal, autoAcceptThreshold: threshold }).autoAcceptThreshold,
    ).toBe(threshold);
  });

  it.each([0, -0.5, 10.00001, 10.0001, 11, 0.12345, 0.00001, Number.NaN])(
    'rejects threshold %d',
    (threshold) => {
      expect(invalidPaths({ autoAcceptThreshold: threshold })).toContain('autoAcceptThreshold');
    },
  );

  it('rejects a threshold given as a string', () => {
    expect(invalidPaths({ autoAcceptThreshold: '0.97' })).toEqual(['autoAcceptThreshold']);
  });

  it.each([10, 11, 3600])('accepts poll interval %i', (seconds) => {
    expect(
      connectionSettingsSchema.parse({ ...minimal, pollIntervalSeconds: seconds }).pollIntervalSeconds,
    ).toBe(seconds);
  });

  it.each([9, 0, -1, 10.5])('rejects intervals of %d', (seconds) => {
    expect(invalidPaths({ pollIntervalSeconds: seconds })).toEqual(['pollIntervalSeconds']);
    expect(invalidPaths({ stockSyncIntervalSeconds: seconds })).toEqual(['stockSyncIntervalSeconds']);
  });

  it.each([
    '2026-02-30',
    '2025-02-29',
    '2026-13-01',
    '2026-00-10',
    '2026-1-5',
    '26-01-05',
    '2026-01-05T00:00:00Z',
    '',
  ])('rejects syncOrdersCreatedFrom %j', (date) => {
    expect(invalidPaths({ syncOrdersCreatedFrom: date })).toEqual(['syncOrdersCreatedFrom']);
  });

  it('accepts real days and null for syncOrdersCreatedFrom', () => {
    expect(connectionSettingsSchema.parse({ ...minimal, syncOrdersCreatedFrom: '2024-02-29' })).toMatchObject(
      {
        syncOrdersCreatedFrom: '2024-02-29',
      },
    );
    expect(
      connectionSettingsSchema.parse({ ...minimal, syncOrdersCreatedFrom: null }).syncOrdersCreatedFrom,
    ).toBe(null);
  });

  it.each(['id', 'sku', 'ean', 'attributes.color', 'attributes.supplier_ref', 'metafield.spartoo.ref'])(
    'accepts identification attribute %s',
    (attribute) => {
      expect(
        connectionSettingsSchema.parse({ ...minimal, productIdentificationAttribute: attribute }),
      ).toMatchObject({
        productIdentificationAttribute: attribute,
      });
    },
  );

  it.each([
    'reference',
    'name',
    'ID',
    'attributes.',
    'attributes',
    'attributes.a.b',
    'attributes.my ref',
    'metafield.spartoo',
    'metafield.a.b.c',
    ' sku',
    '',
  ])('rejects identification attribute %j', (attribute) => {
    expect(invalidPaths({ productIdentificationAttribute: attribute })).toEqual([
      'productIdentificationAttribute',
    ]);
  });

  it('rejects an unknown field, naming it', () => {
    const result = connectionSettingsSchema.safeParse({ ...minimal, autoAcceptTreshold: 0.9 });
    expect(result.success).toBe(false);
    const issue = result.error?.issues[0];
    expect(issue?.code).toBe('unrecognized_keys');
    expect(issue && 'keys' in issue ? issue.keys : []).toEqual(['autoAcceptTreshold']);
  });

  it('rejects an unknown default shipping service and an unknown mapped service', () => {
    expect(invalidPaths({ defaultShippingService: 'FedEx' })).toEqual(['defaultShippingService']);
    expect(invalidPaths({ defaultShippingService: 'colissimo' })).toEqual(['defaultShippingService']);
    expect(invalidPaths({ shippingServiceMap: { ok: 'DPD', fedex: 'FedEx' } })).toEqual([
      'shippingServiceMap.fedex',
    ]);
  });

  it('trims map keys and rejects blank ones', () => {
    expect(
      connectionSettingsSchema.parse({ ...minimal, shippingServiceMap: { ' UPS ': 'DPD' } }),
    ).toMatchObject({
      shippingServiceMap: { UPS: 'DPD' },
    });
    expect(invalidPaths({ shippingServiceMap: { '  ': 'DPD' } })).toEqual(['shippingServiceMap.  ']);
  });

  it('rejects blank store shipping methods', () => {
    expect(invalidPaths({ storeShippingMethodMap: { Standard: '  ' } })).toEqual([
      'storeShippingMethodMap.Standard',
    ]);
  });

  it('rejects bad enums and a non-http base URL', () => {
    expect(invalidPaths({ syncLevel: 'ORDERS_ONLY' })).toEqual(['syncLevel']);
    expect(invalidPaths({ autoAcceptPriceAttribute: 'PRICE' })).toEqual(['autoAcceptPriceAttribute']);
    expect(invalidPaths({ baseUrl: 'ftp://sws.spartoo.com/mp/' })).toEqual(['baseUrl']);
    expect(invalidPaths({ baseUrl: 'not a url' })).toEqual(['baseUrl']);
  });

  it('names every offending field at once', () => {
    const paths = invalidPaths({
      autoAcceptThreshold: 0,
      pollIntervalSeconds: 9,
      syncOrdersCreatedFrom: '2026-02-30',
      productIdentificationAttribute: 'reference',
      defaultShippingService: 'FedEx',
    });
    expect(new Set(paths)).toEqual(
      new Set([
        'autoAcceptThreshold',
        'pollIntervalSeconds',
        'syncOrdersCreatedFrom',
        'productIdentificationAttribute',
        'defaultShippingService',
      ]),
    );
  });
});

describe('connectionSettingsPatchSchema', () => {
  it('accepts the empty patch and fills no default', () => {
    expect(connectionSettingsPatchSchema.parse({})).toEqual({});
  });

  it('accepts subsets, keeping only the given fields', () => {
    expect(connectionSettingsPatchSchema.parse({ autoAccept: true, autoAcceptThreshold: 1 })).toEqual({
      autoAccept: true,
      autoAcceptThreshold: 1,
    });
    expect(connectionSettingsPatchSchema.parse({ syncOrdersCreatedFrom: null })).toEqual({
      syncOrdersCreatedFrom: null,
    });
    expect(connectionSettingsPatchSchema.parse({ baseUrl: 'http://localhost:3100/mp' })).toEqual({
      baseUrl: 'http://localhost:3100/mp/',
    });
  });

  it('validates the fields it gets like the full schema', () => {
    const result = connectionSettingsPatchSchema.safeParse({
      autoAcceptThreshold: 0.12345,
      stockSyncIntervalSeconds: 9,
      syncOrdersCreatedFrom: '2026-02-30',
      productIdentificationAttribute: 'attributes.',
      shippingServiceMap: { x: 'FedEx' },
    });
    expect(new Set(issuePaths(result))).toEqual(
      new Set([
        'autoAcceptThreshold',
        'stockSyncIntervalSeconds',
        'syncOrdersCreatedFrom',
        'productIdentificationAttribute',
        'shippingServiceMap.x',
      ]),
    );
  });

  it('rejects unknown fields', () => {
    const result = connectionSettingsPatchSchema.safeParse({ foo: 1 });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.code).toBe('unrecognized_keys');
  });
});

describe('maskSecret', () => {
  it('shows only the last 4 characters', () => {
    expect(maskSecret('PARTNER-1234')).toBe('••••1234');
    expect(maskSecret('abc')).toBe('••••abc');
  });
});
