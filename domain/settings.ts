import { z } from 'zod';
import { SPARTOO_SHIPPING_SERVICES } from './shipping-services';
import { BUILTIN_STORE_ID } from './stores';

/** Connection settings of SPEC §2 (the seed's "Orders configuration"): the single source of validation. */

const shippingService = z.enum(SPARTOO_SHIPPING_SERVICES);

export const SYNC_LEVELS = ['ORDERS_AND_STOCK', 'STOCK_ONLY'] as const;
export const PRICE_ATTRIBUTES = ['PRICE_FINAL_INCL_TAX', 'PRICE_ORIGINAL_INCL_TAX'] as const;
export const DEFAULT_BASE_URL = 'https://sws.spartoo.com/mp/';

const threshold = z
  .number()
  .gt(0, 'must be greater than 0')
  .lte(10, 'must be at most 10')
  .refine((v) => Math.abs(v * 10000 - Math.round(v * 10000)) < 1e-6, 'must have at most 4 decimals');

const identificationAttribute = z
  .string()
  .regex(/^(id|sku|ean|attributes\.[^\s.]+)$/, 'must be id, sku, ean or attributes.<name>');

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

/** Every field with its default; `apiKey` is the only one without. */
export const connectionSettingsSchema = z.strictObject({
  name: z.string().trim().min(1, 'is required').max(200),
  apiKey: z.string().trim().min(1, 'is required').max(200),
  baseUrl: baseUrl.default(DEFAULT_BASE_URL),
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

/** PATCH body: any subset of the fields, no defaults filled in. */
export const connectionSettingsPatchSchema = z.strictObject({
  name: connectionSettingsSchema.shape.name.optional(),
  apiKey: connectionSettingsSchema.shape.apiKey.optional(),
  baseUrl: baseUrl.optional(),
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

export type ConnectionSettingsInput = z.input<typeof connectionSettingsSchema>;
export type ConnectionSettingsPatch = z.infer<typeof connectionSettingsPatchSchema>;
/** What the product keeps and works with, secret excluded (the key is stored apart, encrypted). */
export type ConnectionSettings = Omit<z.infer<typeof connectionSettingsSchema>, 'apiKey'>;

/** Masked form of a secret for responses: never more than its last 4 characters. */
export function maskSecret(secret: string): string {
  return `••••${secret.slice(-4)}`;
}
