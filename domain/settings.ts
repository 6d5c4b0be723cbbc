import { z } from 'zod';
import { SPARTOO_SHIPPING_SERVICES } from './shipping-services';
import { BUILTIN_STORE_ID } from './stores';
import { CUSTOM_URL_VARIABLE, type UrlPolicy, urlRefusal } from './urls';

/** Connection settings of SPEC §2 (the seed's "Orders configuration"): the single source of validation. */

const shippingService = z.enum(SPARTOO_SHIPPING_SERVICES);

export const SYNC_LEVELS = ['ORDERS_AND_STOCK', 'STOCK_ONLY'] as const;
export const PRICE_ATTRIBUTES = ['PRICE_FINAL_INCL_TAX', 'PRICE_ORIGINAL_INCL_TAX'] as const;

/**
 * Spartoo's country sites and their webservice hosts (`https://sws.spartoo.<tld>/mp/`), exactly the
 * hosts ../shared/spartoo-webservices.md documents: `.com` is the French site. The codes are this
 * project's (ISO country codes where the site is a country's; `eu` and `net` as their domains).
 */
export const SPARTOO_SITE_DOMAINS = {
  fr: 'com',
  uk: 'co.uk',
  it: 'it',
  de: 'de',
  es: 'es',
  eu: 'eu',
  net: 'net',
  se: 'se',
  fi: 'fi',
  ch: 'ch',
  hr: 'com.hr',
} as const;
export type SpartooSite = keyof typeof SPARTOO_SITE_DOMAINS;
export const SPARTOO_SITES = Object.keys(SPARTOO_SITE_DOMAINS) as [SpartooSite, ...SpartooSite[]];
export const DEFAULT_SITE: SpartooSite = 'fr';

/** The webservice root of a site. */
export const siteBaseUrl = (site: SpartooSite) => `https://sws.spartoo.${SPARTOO_SITE_DOMAINS[site]}/mp/`;
export const DEFAULT_BASE_URL = siteBaseUrl(DEFAULT_SITE);

/** The site whose webservice host `url` names (any scheme or path), else undefined (a custom URL). */
export function siteOfBaseUrl(url: string): SpartooSite | undefined {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase().replace(/\.$/, '');
  } catch {
    return undefined;
  }
  return SPARTOO_SITES.find((site) => host === `sws.spartoo.${SPARTOO_SITE_DOMAINS[site]}`);
}

/**
 * Why a connection may not call `baseUrl` under the operator's policy, else undefined. A Spartoo
 * webservice host over https is always allowed; anything else (the sandbox, a test server) only when
 * the operator sets SPARTOO_ALLOW_CUSTOM_URL=1, and then still only http(s) without credentials.
 */
export function baseUrlRefusal(baseUrl: string, policy: UrlPolicy): string | undefined {
  if (siteOfBaseUrl(baseUrl) && baseUrl.startsWith('https://')) {
    return urlRefusal(baseUrl, { allowCustomUrls: false });
  }
  if (!policy.allowCustomUrls) {
    return (
      `must be a Spartoo webservice host (https://sws.spartoo.<${Object.values(SPARTOO_SITE_DOMAINS).join('|')}>/mp/); ` +
      `another URL is allowed only when the operator sets ${CUSTOM_URL_VARIABLE}=1`
    );
  }
  return urlRefusal(baseUrl, { allowCustomUrls: true });
}

const disagreement = (site: string, hostSite: string) =>
  `is the webservice of the site "${hostSite}", not of the site "${site}": give one of them, or both alike`;

const threshold = z
  .number()
  .gt(0, 'must be greater than 0')
  .lte(10, 'must be at most 10')
  .refine((v) => Math.abs(v * 10000 - Math.round(v * 10000)) < 1e-6, 'must have at most 4 decimals');

const identificationAttribute = z
  .string()
  .regex(
    /^(id|sku|ean|attributes\.[^\s.]+|metafield\.[^\s.]+\.[^\s.]+)$/,
    'must be id, sku, ean, attributes.<name> or metafield.<namespace>.<key> (Shopify)',
  );

/** A real calendar day: 2026-02-30 is rejected, not rolled over. */
const isoDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
  .refine((v) => {
    // Zod 4 runs this even when the format check failed: an invalid Date must not throw here.
    const day = new Date(`${v}T00:00:00Z`);
    return !Number.isNaN(day.getTime()) && day.toISOString().startsWith(v);
  }, 'is not a valid date');

/** The store orders are imported into (`/stores`); that it exists is checked where stores are known. */
const storeId = z.string().trim().min(1, 'is required').max(200);

/**
 * Hours Spartoo gives to accept an order, counted from its purchase (issue 13, item 4): decimals are
 * allowed (0.5 = 30 min), at most 30 days; null = no deadline.
 */
const deadlineHours = z.number().gt(0, 'must be greater than 0').lte(720, 'must be at most 720 (30 days)');

const baseUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .transform((v) => (v.endsWith('/') ? v : `${v}/`));

const site = z.enum(SPARTOO_SITES);

/** The policy-checked `baseUrl` of a request (the repository reads stored URLs without a policy). */
const baseUrlFor = (policy: UrlPolicy | undefined) =>
  policy
    ? baseUrl.superRefine((value, ctx) => {
        const refusal = baseUrlRefusal(value, policy);
        if (refusal) ctx.addIssue({ code: 'custom', message: refusal });
      })
    : baseUrl;

/**
 * Every field with its default; `apiKey` is the only one without. `site` (default `fr`, or the site of
 * a Spartoo `baseUrl`) fills `baseUrl` when none is given; a Spartoo `baseUrl` of another site is refused.
 * With a policy (the API's), `baseUrl` must also pass `baseUrlRefusal`.
 */
export function connectionSettingsSchemaFor(policy?: UrlPolicy) {
  return connectionSettingsObject(policy)
    .superRefine((v, ctx) => {
      const hostSite = v.baseUrl === undefined ? undefined : siteOfBaseUrl(v.baseUrl);
      if (v.site && hostSite && hostSite !== v.site) {
        ctx.addIssue({ code: 'custom', path: ['baseUrl'], message: disagreement(v.site, hostSite) });
      }
    })
    .transform(({ site, baseUrl, ...rest }) => {
      const resolved = site ?? (baseUrl === undefined ? undefined : siteOfBaseUrl(baseUrl)) ?? DEFAULT_SITE;
      return { ...rest, site: resolved, baseUrl: baseUrl ?? siteBaseUrl(resolved) };
    });
}

const connectionSettingsObject = (policy?: UrlPolicy) =>
  z.strictObject({
    name: z.string().trim().min(1, 'is required').max(200),
    apiKey: z.string().trim().min(1, 'is required').max(200),
    site: site.optional().describe('Spartoo country site (default fr, or the site of baseUrl)'),
    baseUrl: baseUrlFor(policy)
      .optional()
      .describe("webservice root; default the site's https://sws.spartoo.<tld>/mp/"),
    active: z.boolean().default(true),
    syncLevel: z.enum(SYNC_LEVELS).default('ORDERS_AND_STOCK'),
    autoAccept: z.boolean().default(false),
    autoAcceptPriceAttribute: z.enum(PRICE_ATTRIBUTES).default('PRICE_FINAL_INCL_TAX'),
    autoAcceptThreshold: threshold.default(0.97),
    useBillingAddressForShipping: z.boolean().default(false),
    productIdentificationAttribute: identificationAttribute.default('id'),
    syncOrdersCreatedFrom: isoDay.nullable().default(null),
    defaultShippingService: shippingService.default('Colissimo'),
    shippingServiceMap: z.record(z.string().trim().min(1), shippingService).default({}),
    storeShippingMethodMap: z.record(z.string().trim().min(1), z.string().trim().min(1)).default({}),
    pollIntervalSeconds: z.number().int().min(10).default(300),
    stockSyncIntervalSeconds: z.number().int().min(10).default(600),
    storeId: storeId.default(BUILTIN_STORE_ID),
    acceptanceDeadlineHours: deadlineHours.nullable().default(48),
    autoRefuseAtDeadline: z.boolean().default(false),
  });

/** The repository's: shape, defaults and site, without the operator's URL policy. */
export const connectionSettingsSchema = connectionSettingsSchemaFor();

/**
 * PATCH body: any subset of the fields, no defaults filled in. `baseUrl: null` goes back to the site's
 * webservice; a Spartoo `baseUrl` of another site than the `site` given is refused (`resolveSitePatch`
 * completes the pair from the stored settings).
 */
export function connectionSettingsPatchSchemaFor(policy?: UrlPolicy) {
  return connectionSettingsPatchObject(policy).superRefine((v, ctx) => {
    const hostSite = typeof v.baseUrl === 'string' ? siteOfBaseUrl(v.baseUrl) : undefined;
    if (v.site && hostSite && hostSite !== v.site) {
      ctx.addIssue({ code: 'custom', path: ['baseUrl'], message: disagreement(v.site, hostSite) });
    }
  });
}

const connectionSettingsPatchObject = (policy?: UrlPolicy) =>
  z.strictObject({
    name: z.string().trim().min(1, 'is required').max(200).optional(),
    apiKey: z.string().trim().min(1, 'is required').max(200).optional(),
    site: site.optional(),
    baseUrl: baseUrlFor(policy).nullable().optional(),
    active: z.boolean().optional(),
    syncLevel: z.enum(SYNC_LEVELS).optional(),
    autoAccept: z.boolean().optional(),
    autoAcceptPriceAttribute: z.enum(PRICE_ATTRIBUTES).optional(),
    autoAcceptThreshold: threshold.optional(),
    useBillingAddressForShipping: z.boolean().optional(),
    productIdentificationAttribute: identificationAttribute.optional(),
    syncOrdersCreatedFrom: isoDay.nullable().optional(),
    defaultShippingService: shippingService.optional(),
    shippingServiceMap: z.record(z.string().trim().min(1), shippingService).optional(),
    storeShippingMethodMap: z.record(z.string().trim().min(1), z.string().trim().min(1)).optional(),
    pollIntervalSeconds: z.number().int().min(10).optional(),
    stockSyncIntervalSeconds: z.number().int().min(10).optional(),
    storeId: storeId.optional(),
    acceptanceDeadlineHours: deadlineHours.nullable().optional(),
    autoRefuseAtDeadline: z.boolean().optional(),
  });

export const connectionSettingsPatchSchema = connectionSettingsPatchSchemaFor();

export type ConnectionSettingsInput = z.input<typeof connectionSettingsSchema>;
/** A PATCH body as the API accepts it (`baseUrl: null`: the site's webservice). */
export type ConnectionSettingsPatchInput = z.infer<typeof connectionSettingsPatchSchema>;
/** A change the repository applies: `site` and `baseUrl` already agree with each other. */
export type ConnectionSettingsPatch = Omit<ConnectionSettingsPatchInput, 'baseUrl'> & { baseUrl?: string };
/** What the product keeps and works with, secret excluded (the key is stored apart, encrypted). */
export type ConnectionSettings = Omit<z.infer<typeof connectionSettingsSchema>, 'apiKey'>;

/**
 * Completes a PATCH's `site` and `baseUrl` from the stored settings: a new site moves a Spartoo
 * `baseUrl` to that site's webservice (a custom URL, the sandbox's, stays); a Spartoo `baseUrl` alone
 * brings its site; `baseUrl: null` is the site's webservice.
 */
export function resolveSitePatch(
  current: Pick<ConnectionSettings, 'site' | 'baseUrl'>,
  patch: ConnectionSettingsPatchInput,
): ConnectionSettingsPatch {
  const { baseUrl: url, ...rest } = patch;
  const currentSite = current.site ?? siteOfBaseUrl(current.baseUrl) ?? DEFAULT_SITE;
  if (url === null) {
    const site = patch.site ?? currentSite;
    return { ...rest, site, baseUrl: siteBaseUrl(site) };
  }
  if (url !== undefined)
    return { ...rest, baseUrl: url, site: patch.site ?? siteOfBaseUrl(url) ?? currentSite };
  if (patch.site && siteOfBaseUrl(current.baseUrl)) return { ...rest, baseUrl: siteBaseUrl(patch.site) };
  return rest;
}

/** Masked form of a secret for responses: never more than its last 4 characters. */
export function maskSecret(secret: string): string {
  return `••••${secret.slice(-4)}`;
}
