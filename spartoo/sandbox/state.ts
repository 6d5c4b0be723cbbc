/**
 * What the sandbox's Spartoo holds, in memory, in Spartoo's own field names: merchants (by
 * `partenaire`), their orders, returns and pushed stock, the webservice calls received and the faults
 * to inject. One instance per sandbox app.
 */
import { type Random, seededRandom } from './fake-data';

export const CUSTOMER_FIELDS = [
  'customers_firstname',
  'customers_lastname',
  'customers_company',
  'customers_street_address',
  'customers_suburb',
  'customers_city',
  'customers_postcode',
  'customers_state',
  'customers_country',
  'customers_email_address',
  'customers_telephone',
] as const;

export const DELIVERY_FIELDS = [
  'delivery_firstname',
  'delivery_lastname',
  'delivery_company',
  'delivery_street_address',
  'delivery_suburb',
  'delivery_city',
  'delivery_postcode',
  'delivery_state',
  'delivery_country',
] as const;

export const RELAY_FIELDS = [
  'relay_id',
  'relay_type',
  'relay_name',
  'relay_address',
  'relay_city',
  'relay_postcode',
  'relay_country_iso',
] as const;

export const PRODUCT_FIELDS = [
  'products_reference',
  'products_name',
  'products_qty',
  'products_spartoo',
  'products_manufacturers',
  'products_size',
  'products_size_reference',
  'products_color',
  'products_price_unit',
  'products_price_unit_with_reduce',
  'products_final_price',
] as const;

export const RETURN_PRODUCT_FIELDS = [
  'products_reference',
  'products_name',
  'products_spartoo',
  'products_manufacturers',
  'products_size',
  'products_color',
] as const;

/** Order tags whose exported text a test can corrupt (`corrupt`), besides PRODUCT_FIELDS on every line. */
export const ORDER_CORRUPTIBLE_FIELDS = [
  'orders_id',
  'payment_method',
  'payment_price',
  'shipping_price',
  'shipping_name',
  'order_total',
  'orders_status_id',
  'orders_status_name',
  'date_purchased',
  'last_modified',
] as const;

/** Return tags whose exported text a test can corrupt, besides RETURN_PRODUCT_FIELDS. */
export const RETURN_CORRUPTIBLE_FIELDS = [
  'return_id',
  'return_date',
  'return_status',
  'return_status_name',
  'return_reason',
  'order',
] as const;

/**
 * A data fault a test injects: tag name → the raw text the exports write in place of its value, or
 * null to leave the tag out. Only the exported XML changes; the sandbox keeps and uses the real values.
 */
export type Corruption = Record<string, string | null>;

/** Status names as the French site shows them. */
export const ORDER_STATUS_NAMES: Readonly<Record<number, string>> = {
  11: 'Commande Vérifiée',
  2: 'En cours de préparation',
  3: 'Commande Expédiée',
  41: 'Annulation Confirmée',
  45: 'Colis perdu',
  47: 'Colis non distribué, retourné à Spartoo',
};

export const RETURN_STATUS_NAMES: Readonly<Record<number, string>> = {
  2: 'En attente de réception',
  3: 'Retour refusé',
  4: 'Colis reçu, retour accepté',
  5: 'Payé',
  7: 'Remboursé',
};

/** Text fields keyed by Spartoo's tag names; an absent key is a tag Spartoo does not send. */
export type Fields = Record<string, string>;

export interface SandboxOrder {
  partenaire: string;
  orders_id: string;
  customers: Fields;
  delivery: Fields;
  relay_info?: Fields;
  payment_method: string;
  payment_price: string;
  shipping_price: string;
  shipping_name: string;
  order_total: string;
  orders_status_id: number;
  /** `YYYY-MM-DD HH:MM:SS`, Paris wall-clock time, as Spartoo writes it. */
  date_purchased: string;
  last_modified: string;
  products: Fields[];
  tracking_number: string;
  transporteur: string;
  /** What xml_export_orders.php writes instead of the real values, until repaired. */
  corrupt?: Corruption;
}

export interface SandboxReturn {
  partenaire: string;
  return_id: string;
  /** `YYYY-MM-DD HH:MM:SS`, Paris wall-clock time, as Spartoo writes it. */
  return_date: string;
  return_status: number;
  return_reason: string;
  order: string;
  product: Fields;
  label_link: string;
  /** The last label uploaded as `label_file` (its bytes are not kept, only what tells them apart). */
  label_file?: { filename: string; content_type: string; size: number; sha256: string };
  /** What xml_export_returns.php writes instead of the real values, until repaired. */
  corrupt?: Corruption;
}

export interface StockEntry {
  reference_partenaire: string;
  size_reference: string;
  quantity: number;
}

export interface CallRecord {
  at: string;
  script: string;
  /** The fields received, `partenaire` masked. */
  params: Record<string, string>;
  /** The code answered in the XML; null when no answer was sent (timeout, HTTP 500, truncated). */
  code: number | null;
  /** The fault injected into this call, if any. */
  fault?: FaultKind;
}

export type FaultKind = 'timeout' | 'http_500' | 'truncated' | 'lost_response' | 'malformed' | 'rate_limited';

export interface FaultConfig {
  failureRate: number;
  latencyMs: number;
  rateLimitPerHour: number;
  malformedRate: number;
  timeoutRate: number;
  /** The webservices (script names) the faults apply to; every one when absent. */
  scripts?: string[];
}

export const NO_FAULTS: FaultConfig = {
  failureRate: 0,
  latencyMs: 0,
  rateLimitPerHour: 0,
  malformedRate: 0,
  timeoutRate: 0,
};

/** `••••` + last 4 characters, as the product shows a merchant code. */
export function maskPartenaire(partenaire: string): string {
  if (partenaire === '') return '';
  return partenaire.length > 8 ? `••••${partenaire.slice(-4)}` : '••••';
}

/** Most calls kept in the log: a long benchmark must not exhaust memory. */
const MAX_CALLS = 200_000;

export class SandboxState {
  readonly merchants = new Set<string>();
  readonly orders = new Map<string, SandboxOrder>();
  readonly returns = new Map<string, SandboxReturn>();
  /** partenaire → (reference_partenaire, size_reference) → last quantity pushed. */
  readonly stock = new Map<string, Map<string, StockEntry>>();
  readonly calls: { partenaire: string; record: CallRecord }[] = [];
  faults: FaultConfig = { ...NO_FAULTS };
  private readonly hourlyCalls = new Map<string, { hour: number; count: number }>();
  private returnSequence = 0;
  random: Random;

  constructor(private readonly seed: number) {
    this.random = seededRandom(seed);
  }

  reset(): void {
    this.merchants.clear();
    this.orders.clear();
    this.returns.clear();
    this.stock.clear();
    this.calls.length = 0;
    this.faults = { ...NO_FAULTS };
    this.hourlyCalls.clear();
    this.returnSequence = 0;
    this.random = seededRandom(this.seed);
  }

  ensureMerchant(partenaire: string): boolean {
    if (this.merchants.has(partenaire)) return false;
    this.merchants.add(partenaire);
    this.stock.set(partenaire, new Map());
    return true;
  }

  stockOf(partenaire: string): Map<string, StockEntry> {
    let sizes = this.stock.get(partenaire);
    if (!sizes) {
      sizes = new Map();
      this.stock.set(partenaire, sizes);
    }
    return sizes;
  }

  nextReturnId(): string {
    this.returnSequence += 1;
    return String(1_000_000 + this.returnSequence);
  }

  recordCall(partenaire: string, script: string, params: Record<string, string>): CallRecord {
    const masked = { ...params };
    if ('partenaire' in masked) masked.partenaire = maskPartenaire(partenaire);
    const record: CallRecord = { at: new Date().toISOString(), script, params: masked, code: null };
    this.calls.push({ partenaire, record });
    if (this.calls.length > MAX_CALLS) this.calls.splice(0, this.calls.length - MAX_CALLS);
    return record;
  }

  /** The faults a call to this webservice meets: none when they are set for other scripts only. */
  faultsFor(script: string): FaultConfig {
    const { scripts } = this.faults;
    return !scripts || scripts.includes(script) ? this.faults : NO_FAULTS;
  }

  /** Counts a call against the merchant's hourly quota of the call's faults (faultsFor); true when over. */
  overHourlyQuota(partenaire: string, faults: FaultConfig, now = Date.now()): boolean {
    const limit = faults.rateLimitPerHour;
    if (!(limit > 0) || partenaire === '') return false;
    const hour = Math.floor(now / 3_600_000);
    const counter = this.hourlyCalls.get(partenaire);
    if (!counter || counter.hour !== hour) {
      this.hourlyCalls.set(partenaire, { hour, count: 1 });
      return 1 > limit;
    }
    counter.count += 1;
    return counter.count > limit;
  }

  ordersOf(partenaire: string): SandboxOrder[] {
    return [...this.orders.values()].filter((o) => o.partenaire === partenaire);
  }
}
