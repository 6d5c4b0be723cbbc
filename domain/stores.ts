import { z } from 'zod';
import { allowedUrl, type UrlPolicy, urlRefusal, withoutTrailingSlash } from './urls';

/**
 * The shops an order can land in, and what each needs to be reached (issue "Orders land in the
 * merchant's real shop"): the one source of validation for the API (`/stores`) and the store registry
 * (store/registry.ts). A store's settings are split in two: its `config` (kept in clear, shown) and its
 * secrets (encrypted at rest with SECRET_KEY, write-only, shown masked as `••••` + last 4).
 */

export const STORE_KINDS = ['builtin', 'shopify', 'woocommerce'] as const;
export type StoreKindName = (typeof STORE_KINDS)[number];

/** The one built-in store (the `/store/*` routes): created by the migration, never by the API. */
export const BUILTIN_STORE_ID = 'builtin';
export const BUILTIN_STORE_NAME = 'Built-in store';

export type BuiltinConfig = Record<string, never>;
export type BuiltinSecrets = Record<string, never>;

export interface ShopifyConfig {
  /** `https://<shop>.myshopify.com`, or a full base URL (a proxy, the sandbox); no trailing slash. */
  shopUrl: string;
  /** Locations whose available quantity is the stock (Shopify ids); absent: every location. */
  locationIds?: string[];
}
export interface ShopifySecrets {
  /** Admin API access token of the merchant's custom app (`shpat_…`). */
  accessToken: string;
  /** The app's API secret: webhooks are signed with it (`X-Shopify-Hmac-Sha256`). */
  webhookSecret: string;
}

export interface WooCommerceConfig {
  /** The site's root URL (WordPress home), no trailing slash; the REST API is under `/wp-json/wc/v3`. */
  url: string;
  /** Order meta key holding the tracking number; absent: the Shipment Tracking extension's items. */
  trackingMetaKey?: string;
}
export interface WooCommerceSecrets {
  consumerKey: string;
  consumerSecret: string;
  /** The webhooks' secret; absent: they are checked with the consumer secret, as WooCommerce does. */
  webhookSecret?: string;
}

export interface StoreConfigs {
  builtin: BuiltinConfig;
  shopify: ShopifyConfig;
  woocommerce: WooCommerceConfig;
}
export interface StoreSecretsOf {
  builtin: BuiltinSecrets;
  shopify: ShopifySecrets;
  woocommerce: WooCommerceSecrets;
}

/** What stops a store from working, shown on it and on its connections until it works again. */
export interface StoreProblem {
  /** `STORE_ACCESS`: the shop refused the credentials (token revoked, app uninstalled); `STORE_UNREACHABLE`: a check failed. */
  code: 'STORE_ACCESS' | 'STORE_UNREACHABLE';
  message: string;
  /** ISO time it was first seen. */
  since: string;
}

/** Which fields of each kind are configuration and which are secrets. */
export const STORE_FIELDS = {
  builtin: { config: [], secrets: [] },
  shopify: { config: ['shopUrl', 'locationIds'], secrets: ['accessToken', 'webhookSecret'] },
  woocommerce: {
    config: ['url', 'trackingMetaKey'],
    secrets: ['consumerKey', 'consumerSecret', 'webhookSecret'],
  },
} as const satisfies Record<StoreKindName, { config: readonly string[]; secrets: readonly string[] }>;

const SHOPIFY_DOMAIN = /^[a-z0-9][a-z0-9-]*\.myshopify\.com$/i;

/**
 * A Shopify shop: its `<shop>.myshopify.com` domain (with or without `https://`), or a full http(s) base
 * URL under the URL rule. Answered as a base URL without a trailing slash.
 */
function shopUrl(policy: UrlPolicy) {
  return z
    .string()
    .trim()
    .min(1, 'is required')
    .max(2000)
    .superRefine((value, ctx) => {
      if (value === '' || SHOPIFY_DOMAIN.test(value)) return;
      if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
        ctx.addIssue({
          code: 'custom',
          message: 'must be a <shop>.myshopify.com domain or a full http(s) URL',
        });
        return;
      }
      const refusal = urlRefusal(value, policy);
      if (refusal) ctx.addIssue({ code: 'custom', message: refusal });
    })
    .transform((value) =>
      SHOPIFY_DOMAIN.test(value) ? `https://${value.toLowerCase()}` : withoutTrailingSlash(value),
    );
}

const name = z.string().trim().min(1, 'is required').max(200);
const secret = z.string().trim().min(1, 'is required').max(1000);
const locationIds = z.array(z.string().trim().min(1, 'is required').max(200)).max(100);
const metaKey = z.string().trim().min(1, 'is required').max(200);

/** The configuration (no secrets) of each kind, as kept and as adapters get it. */
export function storeConfigSchemas(policy: UrlPolicy) {
  return {
    builtin: z.strictObject({}),
    shopify: z.strictObject({ shopUrl: shopUrl(policy), locationIds: locationIds.optional() }),
    woocommerce: z.strictObject({ url: allowedUrl(policy), trackingMetaKey: metaKey.optional() }),
  };
}

/** The secrets of each kind, as adapters get them (opened from the database by the registry only). */
export const storeSecretSchemas = {
  builtin: z.strictObject({}),
  shopify: z.strictObject({ accessToken: secret, webhookSecret: secret }),
  woocommerce: z.strictObject({
    consumerKey: secret,
    consumerSecret: secret,
    webhookSecret: secret.optional(),
  }),
};

/** POST /stores: `{kind, name, …}` with the fields of that kind. */
export function storeCreateSchema(policy: UrlPolicy) {
  const config = storeConfigSchemas(policy);
  return z.discriminatedUnion(
    'kind',
    [
      z.strictObject({ kind: z.literal('builtin'), name: name.optional() }),
      z.strictObject({
        kind: z.literal('shopify'),
        name,
        ...config.shopify.shape,
        ...storeSecretSchemas.shopify.shape,
      }),
      z.strictObject({
        kind: z.literal('woocommerce'),
        name,
        ...config.woocommerce.shape,
        ...storeSecretSchemas.woocommerce.shape,
      }),
    ],
    { error: `must be one of ${STORE_KINDS.join(', ')}` },
  );
}
export type StoreCreateInput = z.infer<ReturnType<typeof storeCreateSchema>>;

/**
 * PATCH /stores/:id: any field of any kind, each optional; an optional field set to null is removed.
 * Which fields the store's kind has is checked against the store (`storePatchErrors`).
 */
export function storePatchSchema(policy: UrlPolicy) {
  return z.strictObject({
    name: name.optional(),
    shopUrl: shopUrl(policy).optional(),
    locationIds: locationIds.nullable().optional(),
    accessToken: secret.optional(),
    webhookSecret: secret.nullable().optional(),
    url: allowedUrl(policy).optional(),
    trackingMetaKey: metaKey.nullable().optional(),
    consumerKey: secret.optional(),
    consumerSecret: secret.optional(),
  });
}
export type StorePatch = z.infer<ReturnType<typeof storePatchSchema>>;

/** Fields that may be removed (set to null) from a store of each kind. */
const REMOVABLE: Record<StoreKindName, readonly string[]> = {
  builtin: [],
  shopify: ['locationIds'],
  woocommerce: ['trackingMetaKey', 'webhookSecret'],
};

/** What is wrong with a change for a store of `kind`: a field it does not have, or a required one removed. */
export function storePatchErrors(
  kind: StoreKindName,
  patch: StorePatch,
): { field: string; message: string }[] {
  const fields: readonly string[] = [...STORE_FIELDS[kind].config, ...STORE_FIELDS[kind].secrets, 'name'];
  return Object.entries(patch).flatMap(([field, value]) => {
    if (value === undefined) return [];
    if (!fields.includes(field)) return [{ field, message: `is not a field of a ${kind} store` }];
    if (value === null && !REMOVABLE[kind].includes(field))
      return [{ field, message: `is required for a ${kind} store and cannot be removed` }];
    return [];
  });
}

/** A store's fields split into its name, its configuration and its secrets. */
export function splitStoreFields(
  kind: StoreKindName,
  fields: Record<string, unknown>,
): { name?: string; config: Record<string, unknown>; secrets: Record<string, unknown> } {
  const pick = (names: readonly string[]) =>
    Object.fromEntries(names.filter((n) => fields[n] !== undefined).map((n) => [n, fields[n]]));
  return {
    name: typeof fields.name === 'string' ? fields.name : undefined,
    config: pick(STORE_FIELDS[kind].config),
    secrets: pick(STORE_FIELDS[kind].secrets),
  };
}
