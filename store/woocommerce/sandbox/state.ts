/**
 * What the sandbox's WooCommerce shop holds, in memory: products and variations, orders with their
 * items, meta and notes, webhooks, REST keys, the site's options and the faults to inject. The rules
 * applied here are WooCommerce's own, read from its source (woocommerce/woocommerce,
 * plugins/woocommerce/includes/…):
 * - one id sequence for products, variations and orders (WordPress posts; HPOS orders keep a
 *   placeholder post, so order ids never collide with product ids);
 * - dates kept to the second, as MySQL `DATETIME` columns do; the site's timezone is UTC, so
 *   `date_*` and `date_*_gmt` are equal;
 * - stock (wc-stock-functions.php): `wc_maybe_reduce_stock_levels` on payment complete and on the
 *   statuses processing / on-hold / completed, once per order (`stock_reduced`) and once per item
 *   (`_reduced_stock` item meta), for products whose stock is managed (store option and product flag);
 *   `wc_maybe_increase_stock_levels` on cancelled and pending only (refunded and failed keep the stock
 *   taken); no availability check, so stock may go negative;
 * - meta (abstract-wc-data.php `update_meta_data`): a key without meta id replaces the first entry of
 *   that key and drops the others.
 */
import { createHash, randomBytes } from 'node:crypto';
import { WooError } from './errors';

export interface Meta {
  id: number;
  key: string;
  value: unknown;
}

export type ProductType = 'simple' | 'variable' | 'grouped' | 'external' | 'variation';
export type StockStatus = 'instock' | 'outofstock' | 'onbackorder';

export interface ProductAttribute {
  id: number;
  name: string;
  position: number;
  visible: boolean;
  variation: boolean;
  options: string[];
}

export interface SandboxProduct {
  id: number;
  /** 0 for products; the variable product for a variation. */
  parentId: number;
  type: ProductType;
  name: string;
  slug: string;
  status: string;
  description: string;
  sku: string;
  globalUniqueId: string;
  regularPrice: string;
  salePrice: string;
  dateOnSaleFrom: number | null;
  dateOnSaleTo: number | null;
  manageStock: boolean;
  stockQuantity: number | null;
  stockStatus: StockStatus;
  backorders: 'no' | 'notify' | 'yes';
  /** The product's attributes (products), or the variation's chosen options (variations). */
  attributes: ProductAttribute[];
  variationAttributes: { id: number; name: string; option: string }[];
  meta: Meta[];
  totalSales: number;
  created: number;
  modified: number;
}

export type OrderStatus =
  | 'pending'
  | 'processing'
  | 'on-hold'
  | 'completed'
  | 'cancelled'
  | 'refunded'
  | 'failed'
  | 'checkout-draft';

/** Statuses without the `wc-` prefix, as the REST API names them (Automattic\WooCommerce\Enums\OrderStatus). */
export const ORDER_STATUSES: OrderStatus[] = [
  'pending',
  'processing',
  'on-hold',
  'completed',
  'cancelled',
  'refunded',
  'failed',
  'checkout-draft',
];

/** wc_get_order_statuses() labels, used in the status-change notes. */
const STATUS_LABELS: Record<OrderStatus, string> = {
  pending: 'Pending payment',
  processing: 'Processing',
  'on-hold': 'On hold',
  completed: 'Completed',
  cancelled: 'Cancelled',
  refunded: 'Refunded',
  failed: 'Failed',
  'checkout-draft': 'Draft',
};

export const ADDRESS_FIELDS = [
  'first_name',
  'last_name',
  'company',
  'address_1',
  'address_2',
  'city',
  'state',
  'postcode',
  'country',
  'email',
  'phone',
] as const;
export type AddressField = (typeof ADDRESS_FIELDS)[number];
export type OrderAddress = Record<AddressField, string>;

export interface OrderItem {
  id: number;
  type: 'line_item' | 'shipping' | 'fee';
  name: string;
  productId: number;
  variationId: number;
  quantity: number;
  /** Cents, excluding tax (the sandbox has no taxes). */
  subtotal: number;
  total: number;
  methodId: string;
  methodTitle: string;
  instanceId: string;
  meta: Meta[];
}

export interface OrderNote {
  id: number;
  note: string;
  customerNote: boolean;
  addedBy: string;
  created: number;
}

export interface SandboxOrder {
  id: number;
  parentId: number;
  status: OrderStatus;
  currency: string;
  createdVia: string;
  customerId: number;
  customerNote: string;
  billing: OrderAddress;
  shipping: OrderAddress;
  paymentMethod: string;
  paymentMethodTitle: string;
  transactionId: string;
  orderKey: string;
  items: OrderItem[];
  meta: Meta[];
  notes: OrderNote[];
  created: number;
  modified: number;
  datePaid: number | null;
  dateCompleted: number | null;
  /** The order data store's `_order_stock_reduced` flag. */
  stockReduced: boolean;
}

export type KeyPermissions = 'read' | 'write' | 'read_write';

export interface ApiKey {
  consumerKey: string;
  consumerSecret: string;
  permissions: KeyPermissions;
  /** False: the key's user lacks `manage_woocommerce`, so WooCommerce answers 403 instead of 401. */
  capable: boolean;
}

export interface SandboxWebhook {
  id: number;
  name: string;
  status: 'active' | 'paused' | 'disabled';
  topic: string;
  resource: string;
  event: string;
  deliveryUrl: string;
  secret: string;
  failureCount: number;
  pendingDelivery: boolean;
  created: number;
  modified: number;
}

export type FaultKind = 'http_500' | 'lost_response' | 'timeout';

export interface ScriptedFault {
  method?: string;
  /** Matches when the request path (without query) starts with it, e.g. `/wp-json/wc/v3/orders`. */
  pathPrefix?: string;
  fault: FaultKind;
  times: number;
}

export interface Faults {
  failureRate: number;
  lostResponseRate: number;
  latencyMs: number;
  next: ScriptedFault[];
}

export interface SandboxSettings {
  siteName: string;
  /** `woocommerce_manage_stock`: off, no product counts its stock. */
  manageStock: boolean;
  /** Where the orders live: HPOS tables (the default since WooCommerce 8.2) or legacy posts; changes `search`. */
  orderStorage: 'hpos' | 'cpt';
  /** True: HTTP Basic auth only over HTTPS, as WooCommerce does (class-wc-rest-authentication.php). */
  strictHttps: boolean;
  currency: string;
}

export function emptyAddress(): OrderAddress {
  return Object.fromEntries(ADDRESS_FIELDS.map((f) => [f, ''])) as OrderAddress;
}

/** `wc_format_decimal` with 2 decimals: 1250 → "12.50". */
export function money(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(Math.round(cents));
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** A decimal string or number to cents; undefined when it is not a number. */
export function toCents(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? Math.round(value * 100) : undefined;
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? Math.round(n * 100) : undefined;
}

export class ShopState {
  products = new Map<number, SandboxProduct>();
  orders = new Map<number, SandboxOrder>();
  webhooks = new Map<number, SandboxWebhook>();
  keys = new Map<string, ApiKey>();
  settings: SandboxSettings;
  faults: Faults = { failureRate: 0, lostResponseRate: 0, latencyMs: 0, next: [] };
  private postId = 100;
  private itemId = 1;
  private metaId = 1;
  private noteId = 1;
  private webhookId = 1;

  constructor(
    private readonly clock: () => number,
    defaults: { siteName: string; consumerKey: string; consumerSecret: string; strictHttps: boolean },
  ) {
    this.settings = {
      siteName: defaults.siteName,
      manageStock: true,
      orderStorage: 'hpos',
      strictHttps: defaults.strictHttps,
      currency: 'EUR',
    };
    this.keys.set(defaults.consumerKey, {
      consumerKey: defaults.consumerKey,
      consumerSecret: defaults.consumerSecret,
      permissions: 'read_write',
      capable: true,
    });
  }

  /** Now, to the second (MySQL DATETIME). */
  now(): number {
    return Math.floor(this.clock() / 1000) * 1000;
  }

  nextPostId(): number {
    return this.postId++;
  }

  newMeta(key: string, value: unknown): Meta {
    return { id: this.metaId++, key, value };
  }

  nextItemId(): number {
    return this.itemId++;
  }

  nextWebhookId(): number {
    return this.webhookId++;
  }

  // ---- meta ---------------------------------------------------------------------------------------

  /** WC_Data::update_meta_data: by id when given, else the first entry of the key, others dropped. */
  updateMeta(meta: Meta[], key: string, value: unknown, id?: number): Meta[] {
    if (id) {
      const entry = meta.find((m) => m.id === id);
      if (entry) {
        entry.key = key;
        entry.value = value;
        return meta;
      }
    }
    const first = meta.findIndex((m) => m.key === key);
    if (first === -1) return [...meta, this.newMeta(key, value)];
    const kept = meta.filter((m, i) => m.key !== key || i === first);
    const entry = kept.find((m) => m.key === key)!;
    entry.value = value;
    return kept;
  }

  // ---- products ------------------------------------------------------------------------------------

  /** WC_Product::managing_stock(): only when the store option is on. */
  managingStock(product: SandboxProduct): boolean {
    return this.settings.manageStock && product.manageStock;
  }

  /** WC_Product::is_on_sale(): a sale price below the regular one, inside its dates. */
  isOnSale(product: SandboxProduct): boolean {
    if (product.type === 'variable') return this.variationsOf(product.id).some((v) => this.isOnSale(v));
    if (product.salePrice === '') return false;
    const now = this.now();
    if (product.dateOnSaleFrom !== null && product.dateOnSaleFrom > now) return false;
    if (product.dateOnSaleTo !== null && product.dateOnSaleTo < now) return false;
    const sale = Number(product.salePrice);
    return product.regularPrice === '' || sale < Number(product.regularPrice);
  }

  /** The active price (`_price`): the sale price while on sale; a variable product's lowest child price. */
  price(product: SandboxProduct): string {
    if (product.type === 'variable') {
      const prices = this.variationsOf(product.id)
        .map((v) => this.price(v))
        .filter((p) => p !== '')
        .map(Number);
      return prices.length ? String(Math.min(...prices)) : '';
    }
    return this.isOnSale(product) ? product.salePrice : product.regularPrice;
  }

  variationsOf(parentId: number): SandboxProduct[] {
    return [...this.products.values()].filter((p) => p.type === 'variation' && p.parentId === parentId);
  }

  /** `wc_get_product_id_by_sku`: exact, products and variations alike. */
  productIdBySku(sku: string): number {
    for (const p of this.products.values()) if (p.sku !== '' && p.sku === sku) return p.id;
    return 0;
  }

  /** WC_Product_Data_Store_CPT::is_existing_sku and the GTIN check (WooCommerce 9.2): unique per shop. */
  assertUnique(product: SandboxProduct): void {
    for (const other of this.products.values()) {
      if (other.id === product.id) continue;
      if (product.sku !== '' && other.sku === product.sku) {
        throw new WooError(400, 'product_invalid_sku', 'Invalid or duplicated SKU.', {
          resource_id: other.id,
          unique_sku: `${product.sku}-1`,
        });
      }
      if (product.globalUniqueId !== '' && other.globalUniqueId === product.globalUniqueId) {
        throw new WooError(
          400,
          'product_invalid_global_unique_id',
          'Invalid or duplicated GTIN, UPC, EAN or ISBN.',
        );
      }
    }
  }

  /** The stock status WooCommerce derives from a managed quantity (WC_Product::validate_props). */
  syncStockStatus(product: SandboxProduct): void {
    if (!this.managingStock(product) || product.stockQuantity === null) return;
    if (product.stockQuantity > 0) product.stockStatus = 'instock';
    else product.stockStatus = product.backorders === 'no' ? 'outofstock' : 'onbackorder';
  }

  /** wc_update_product_stock( $product, $qty, 'increase'|'decrease' ): returns [old, new]. */
  private changeStock(product: SandboxProduct, delta: number): [number, number] {
    const before = product.stockQuantity ?? 0;
    product.stockQuantity = before + delta;
    this.syncStockStatus(product);
    return [before, product.stockQuantity];
  }

  // ---- orders --------------------------------------------------------------------------------------

  newOrderKey(): string {
    return `wc_order_${randomBytes(10).toString('base64url').slice(0, 13)}`;
  }

  addNote(order: SandboxOrder, note: string, addedBy = 'system'): void {
    order.notes.push({ id: this.noteId++, note, customerNote: false, addedBy, created: this.now() });
  }

  /** WC_Abstract_Order::calculate_totals without taxes, coupons or fees beyond their totals. */
  orderTotals(order: SandboxOrder) {
    let lines = 0;
    let subtotal = 0;
    let shipping = 0;
    let fees = 0;
    for (const item of order.items) {
      if (item.type === 'line_item') {
        lines += item.total;
        subtotal += item.subtotal;
      } else if (item.type === 'shipping') shipping += item.total;
      else fees += item.total;
    }
    return {
      discount: Math.max(0, subtotal - lines),
      shipping,
      total: lines + shipping + fees,
    };
  }

  /**
   * WC_Order::set_status + status_transition, with the stock hooks of wc-stock-functions.php:
   * reduce on processing / completed / on-hold, increase on cancelled / pending.
   */
  setStatus(order: SandboxOrder, status: OrderStatus): boolean {
    const from = order.status;
    if (from === status) return false;
    order.status = status;
    const now = this.now();
    if ((status === 'processing' || status === 'completed') && order.datePaid === null) order.datePaid = now;
    if (status === 'completed' && order.dateCompleted === null) order.dateCompleted = now;
    this.addNote(
      order,
      `Order status changed from ${STATUS_LABELS[from] ?? from} to ${STATUS_LABELS[status]}.`,
    );
    if (status === 'processing' || status === 'completed' || status === 'on-hold')
      this.maybeReduceStock(order);
    if (status === 'cancelled' || status === 'pending') this.maybeIncreaseStock(order);
    return true;
  }

  /**
   * WC_Order::payment_complete: only from pending / on-hold / failed / cancelled; records the
   * transaction id and the paid date, moves to processing, and fires `woocommerce_payment_complete`
   * (which reduces stock).
   */
  paymentComplete(order: SandboxOrder, transactionId?: string): void {
    if (!['pending', 'on-hold', 'failed', 'cancelled'].includes(order.status)) return;
    if (transactionId) order.transactionId = transactionId;
    if (order.datePaid === null) order.datePaid = this.now();
    this.setStatus(order, 'processing');
    this.maybeReduceStock(order);
  }

  /** wc_maybe_reduce_stock_levels + wc_reduce_stock_levels. */
  maybeReduceStock(order: SandboxOrder): void {
    if (order.stockReduced) return;
    const changes: string[] = [];
    for (const item of order.items) {
      if (item.type !== 'line_item') continue;
      const product = this.products.get(item.variationId || item.productId);
      if (!product || !this.managingStock(product)) continue;
      if (item.meta.some((m) => m.key === '_reduced_stock')) continue;
      const [before, after] = this.changeStock(product, -item.quantity);
      product.totalSales += item.quantity;
      item.meta = this.updateMeta(item.meta, '_reduced_stock', String(item.quantity));
      changes.push(`${productLabel(product, this)} ${before}&rarr;${after}`);
    }
    order.stockReduced = true;
    if (changes.length) this.addNote(order, `Stock levels reduced: ${changes.join(', ')}`);
  }

  /** wc_maybe_increase_stock_levels + wc_increase_stock_levels: what was reduced comes back, once. */
  maybeIncreaseStock(order: SandboxOrder): void {
    if (!order.stockReduced) return;
    const changes: string[] = [];
    for (const item of order.items) {
      if (item.type !== 'line_item') continue;
      const reduced = item.meta.find((m) => m.key === '_reduced_stock');
      const product = this.products.get(item.variationId || item.productId);
      if (!reduced || !product || !this.managingStock(product)) continue;
      const [before, after] = this.changeStock(product, Number(reduced.value));
      item.meta = item.meta.filter((m) => m.key !== '_reduced_stock');
      changes.push(`${productLabel(product, this)} ${before}&rarr;${after}`);
    }
    order.stockReduced = false;
    if (changes.length) this.addNote(order, `Stock levels increased: ${changes.join(', ')}`);
  }

  /**
   * The `search` of `GET /orders`. HPOS (OrdersTableSearchQuery, filter "all"): the order id when the
   * term is a number, billing email (prefix), transaction id, any item's name, and the billing /
   * shipping address indexes (every address field joined), each `LIKE %term%`. Legacy posts
   * (WC_Order_Data_Store_CPT::search_orders): the address indexes, billing last name, email and phone,
   * and item names — not the transaction id.
   */
  orderMatchesSearch(order: SandboxOrder, term: string): boolean {
    const t = term.toLowerCase();
    const like = (value: string) => value.toLowerCase().includes(t);
    if (/^\d+$/.test(term) && Number(term) === order.id) return true;
    if (order.items.some((i) => like(i.name))) return true;
    const index = (a: OrderAddress) => ADDRESS_FIELDS.map((f) => a[f]).join(' ');
    if (like(index(order.billing)) || like(index(order.shipping))) return true;
    if (this.settings.orderStorage === 'hpos') {
      return order.billing.email.toLowerCase().startsWith(t) || like(order.transactionId);
    }
    return like(order.billing.last_name) || like(order.billing.email) || like(order.billing.phone);
  }

  // ---- webhooks -----------------------------------------------------------------------------------

  /** wp_hash( id . time() ): the same for every delivery of a webhook within one second. */
  deliveryId(webhookId: number): string {
    const seconds = Math.floor(this.clock() / 1000);
    return createHash('md5').update(`sandbox-salt:${webhookId}${seconds}`).digest('hex');
  }
}

/** "Name (sku)" as the stock notes write it. */
function productLabel(product: SandboxProduct, state: ShopState): string {
  const name =
    product.type === 'variation'
      ? `${state.products.get(product.parentId)?.name ?? ''} - ${product.variationAttributes.map((a) => a.option).join(', ')}`
      : product.name;
  return product.sku ? `${name} (${product.sku})` : name;
}
