/**
 * The Shopify sandbox's shop, in memory: locations, products and variants with their inventory per
 * location and quantity name, orders with their fulfilments, webhook subscriptions, cancel jobs, the
 * idempotency keys of inventory adjustments, the app's cost bucket, the token and the injected faults.
 * The rules Shopify documents live here, independent of GraphQL (graphql.ts maps its fields onto
 * them); shop-platforms.md §C lists the ten the sandbox must get right, and each is named where it is
 * implemented.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { WebhookTopic } from './schema';

export interface Location {
  id: number;
  name: string;
  isActive: boolean;
  createdAt: string;
}

export interface Metafield {
  id: number;
  namespace: string;
  key: string;
  type: string;
  value: string;
  createdAt: string;
  updatedAt: string;
}

export interface Product {
  id: number;
  title: string;
  handle: string;
  createdAt: string;
  updatedAt: string;
  variantIds: number[];
}

export interface Variant {
  id: number;
  productId: number;
  title: string;
  sku: string | null;
  barcode: string | null;
  /** Decimal strings, as Shopify's Money scalar. */
  price: string;
  compareAtPrice: string | null;
  inventoryPolicy: 'DENY' | 'CONTINUE';
  inventoryItemId: number;
  metafields: Metafield[];
  createdAt: string;
  updatedAt: string;
}

/** Quantities of one inventory item at one location, by name (available, on_hand, committed…). */
export interface InventoryLevel {
  itemId: number;
  locationId: number;
  quantities: { available: number; on_hand: number; committed: number };
  updatedAt: string;
}

export interface Address {
  firstName: string | null;
  lastName: string | null;
  company: string | null;
  address1: string | null;
  address2: string | null;
  city: string | null;
  zip: string | null;
  provinceCode: string | null;
  countryCode: string | null;
  phone: string | null;
}

export interface LineItem {
  id: number;
  variantId: number | null;
  productId: number | null;
  title: string;
  variantTitle: string | null;
  sku: string | null;
  quantity: number;
  price: string;
  /** Where its stock was claimed (orderCreate with a DECREMENT behaviour); null: nothing claimed. */
  claimedAt: number | null;
  fulfilledQuantity: number;
}

export interface ShippingLine {
  id: number;
  title: string;
  code: string | null;
  source: string | null;
  price: string;
}

export interface Fulfillment {
  id: number;
  orderId: number;
  name: string;
  status: 'SUCCESS' | 'CANCELLED';
  createdAt: string;
  updatedAt: string;
  locationId: number;
  trackingInfo: { number: string; company: string; url: string | null }[];
  lineItems: { lineItemId: number; quantity: number }[];
}

export interface Order {
  id: number;
  number: number;
  name: string;
  createdAt: string;
  updatedAt: string;
  processedAt: string;
  cancelledAt: string | null;
  cancelReason: string | null;
  /** A cancel job is running: the order is not cancelled yet, and a second orderCancel is refused. */
  cancelling: boolean;
  closedAt: string | null;
  test: boolean;
  email: string | null;
  phone: string | null;
  note: string | null;
  poNumber: string | null;
  tags: string[];
  sourceName: string | null;
  sourceIdentifier: string | null;
  sourceUrl: string | null;
  currency: string;
  taxesIncluded: boolean;
  financialStatus: string;
  customAttributes: { key: string; value: string }[];
  billingAddress: Address | null;
  shippingAddress: Address | null;
  lineItems: LineItem[];
  shippingLines: ShippingLine[];
  fulfillments: Fulfillment[];
  inventoryBehaviour: string;
  restocked: boolean;
  totalPrice: string;
  subtotalPrice: string;
}

export interface WebhookSubscription {
  id: number;
  topic: WebhookTopic;
  uri: string;
  format: 'JSON' | 'XML';
  includeFields: string[];
  metafieldNamespaces: string[];
  filter: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface Job {
  id: string;
  done: boolean;
}

export interface Faults {
  /** Share (0–1) of GraphQL calls answered 500, 502 or 503 without running. */
  failureRate: number;
  /** Share of GraphQL calls run whose answer is lost (the connection drops after the change). */
  lostResponseRate: number;
  latencyMs: number;
  /** The next calls whose root field (e.g. `orderCreate`) matches, or any when absent, fail this way. */
  next: { operation?: string; kind: 'http_500' | 'http_503' | 'lost_response' | 'throttled' | 'network' }[];
  /** Answer THROTTLED with this HTTP status (Shopify's docs and reports differ: 200 or 429). */
  throttledStatus: 200 | 429;
  /** Webhooks: every delivery sent twice (at-least-once); none sent at all (lost). */
  duplicateWebhooks: boolean;
  dropWebhooks: boolean;
}

export const DEFAULT_FAULTS: Faults = {
  failureRate: 0,
  lostResponseRate: 0,
  latencyMs: 0,
  next: [],
  throttledStatus: 200,
  duplicateWebhooks: false,
  dropWebhooks: false,
};

/** Access scopes a custom app can be granted (https://shopify.dev/docs/api/usage/access-scopes). */
export const ALL_SCOPES = [
  'read_products',
  'write_products',
  'read_inventory',
  'write_inventory',
  'read_locations',
  'read_orders',
  'write_orders',
  'read_all_orders',
];

/** Shop state: 'active'; 'frozen' (unpaid: 402); 'locked' (abuse: 423); 'unavailable' (closed: 404). */
export type ShopState = 'active' | 'frozen' | 'locked' | 'unavailable';

export class UserError extends Error {
  constructor(
    message: string,
    readonly field: string[] | null,
    readonly code: string | null,
  ) {
    super(message);
  }
}

const now = () => new Date().toISOString();

/**
 * Money as Shopify keeps it: a decimal with at most 2 places for EUR; stored as integer cents here so
 * sums are exact, rendered back as decimal strings ("12.5" → "12.5", Shopify drops trailing zeros).
 */
export const toCents = (amount: string | number) => Math.round(Number(amount) * 100);
export const fromCents = (cents: number) => {
  const text = (cents / 100).toFixed(2);
  return text.replace(/\.?0+$/, '') || '0';
};

export class ShopifyState {
  shop = {
    name: 'Spartoo Sandbox Shop',
    email: 'owner@spartoo-sandbox.example',
    myshopifyDomain: 'spartoo-sandbox.myshopify.com',
    currencyCode: 'EUR',
    ianaTimezone: 'Europe/Paris',
    taxesIncluded: true,
    state: 'active' as ShopState,
  };
  token: string;
  /** A revoked token (the app uninstalled, the token rotated): every call is a 401. */
  revoked = false;
  scopes = new Set(ALL_SCOPES);
  faults: Faults = structuredClone(DEFAULT_FAULTS);

  locations: Location[] = [];
  products = new Map<number, Product>();
  variants = new Map<number, Variant>();
  /** inventoryItemId → variantId */
  items = new Map<number, number>();
  /** `${itemId}:${locationId}` → level */
  levels = new Map<string, InventoryLevel>();
  orders = new Map<number, Order>();
  fulfillments = new Map<number, Fulfillment>();
  subscriptions = new Map<number, WebhookSubscription>();
  jobs = new Map<string, Job>();
  /** Idempotency key → the arguments it was first used with and the answer it got. */
  idempotency = new Map<string, { fingerprint: string; result: unknown; pending: boolean }>();
  adjustmentGroups = 0;

  /** Cost bucket of the app on this shop (Standard plan: 100 points/s restore, 2000 points). */
  bucket = { maximumAvailable: 2000, restoreRate: 100, available: 2000, at: Date.now() };

  private nextIds = {
    product: 8_100_000_000_001,
    variant: 44_100_000_000_001,
    item: 46_100_000_000_001,
    location: 71_000_000_001,
    order: 5_910_000_000_001,
    lineItem: 14_100_000_000_001,
    shippingLine: 4_810_000_000_001,
    fulfillment: 5_120_000_000_001,
    subscription: 1_410_000_000_001,
    metafield: 25_100_000_000_001,
  };
  private orderNumber = 1001;

  constructor(token: string) {
    this.token = token;
    this.addLocation('Shop location');
  }

  id(kind: keyof ShopifyState['nextIds']): number {
    return this.nextIds[kind]++;
  }

  // ---- cost bucket (https://shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits) ----

  /** The bucket refilled at restoreRate since it was last read. */
  currentlyAvailable(): number {
    const t = Date.now();
    const b = this.bucket;
    b.available = Math.min(b.maximumAvailable, b.available + ((t - b.at) / 1000) * b.restoreRate);
    b.at = t;
    return b.available;
  }

  throttleStatus() {
    return {
      maximumAvailable: this.bucket.maximumAvailable,
      currentlyAvailable: Math.floor(this.currentlyAvailable()),
      restoreRate: this.bucket.restoreRate,
    };
  }

  /** Takes `cost` points when there are enough (true), else leaves the bucket as is (false). */
  take(cost: number): boolean {
    if (this.currentlyAvailable() < cost) return false;
    this.bucket.available -= cost;
    return true;
  }

  refund(points: number) {
    this.currentlyAvailable();
    this.bucket.available = Math.min(this.bucket.maximumAvailable, this.bucket.available + points);
  }

  // ---- locations, products, inventory ----

  addLocation(name: string): Location {
    const location = { id: this.id('location'), name, isActive: true, createdAt: now() };
    this.locations.push(location);
    return location;
  }

  location(id: number) {
    return this.locations.find((l) => l.id === id);
  }

  addProduct(input: {
    title: string;
    variants: {
      title?: string;
      sku?: string | null;
      barcode?: string | null;
      price: string;
      compareAtPrice?: string | null;
      inventoryPolicy?: 'DENY' | 'CONTINUE';
      /** Available quantity per location id; a number: at the first location. */
      available: number | Record<string, number>;
      metafields?: { namespace: string; key: string; value: string; type?: string }[];
    }[];
  }) {
    const t = now();
    const product: Product = {
      id: this.id('product'),
      title: input.title,
      handle: input.title
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-|-$/g, ''),
      createdAt: t,
      updatedAt: t,
      variantIds: [],
    };
    this.products.set(product.id, product);
    const created = input.variants.map((v, i) => {
      const variant: Variant = {
        id: this.id('variant'),
        productId: product.id,
        title: v.title ?? (input.variants.length === 1 ? 'Default Title' : `Variant ${i + 1}`),
        sku: v.sku ?? null,
        barcode: v.barcode ?? null,
        price: fromCents(toCents(v.price)),
        compareAtPrice: v.compareAtPrice == null ? null : fromCents(toCents(v.compareAtPrice)),
        inventoryPolicy: v.inventoryPolicy ?? 'DENY',
        inventoryItemId: this.id('item'),
        metafields: [],
        createdAt: t,
        updatedAt: t,
      };
      for (const m of v.metafields ?? []) {
        variant.metafields.push({
          id: this.id('metafield'),
          namespace: m.namespace,
          key: m.key,
          type: m.type ?? 'single_line_text_field',
          value: m.value,
          createdAt: t,
          updatedAt: t,
        });
      }
      this.variants.set(variant.id, variant);
      this.items.set(variant.inventoryItemId, variant.id);
      product.variantIds.push(variant.id);
      const perLocation =
        typeof v.available === 'number' ? { [String(this.locations[0]!.id)]: v.available } : v.available;
      for (const [locationId, quantity] of Object.entries(perLocation)) {
        const location = this.location(Number(locationId));
        if (!location) throw new UserError(`Location ${locationId} does not exist`, ['available'], 'INVALID');
        this.level(variant.inventoryItemId, location.id, true)!.quantities = {
          available: quantity,
          on_hand: quantity,
          committed: 0,
        };
      }
      return variant;
    });
    return { product, variants: created };
  }

  /** The item's level at the location; created (stocked there) when `create`. */
  level(itemId: number, locationId: number, create = false): InventoryLevel | undefined {
    const key = `${itemId}:${locationId}`;
    let level = this.levels.get(key);
    if (!level && create) {
      level = {
        itemId,
        locationId,
        quantities: { available: 0, on_hand: 0, committed: 0 },
        updatedAt: now(),
      };
      this.levels.set(key, level);
    }
    return level;
  }

  levelsOf(itemId: number): InventoryLevel[] {
    return this.locations.flatMap((l) => this.level(itemId, l.id) ?? []);
  }

  /** Available quantity over every active location: Shopify's `inventoryQuantity` of a variant. */
  available(variant: Variant): number {
    return this.levelsOf(variant.inventoryItemId)
      .filter((l) => this.location(l.locationId)?.isActive)
      .reduce((sum, l) => sum + l.quantities.available, 0);
  }

  private touchLevel(level: InventoryLevel, changed: ChangeLog) {
    level.updatedAt = now();
    changed.levels.add(level);
  }

  // ---- orders ----

  /**
   * orderCreate (AG/latest/input-objects/OrderCreateOrderInput.md, AG/2026-07/input-objects/
   * OrderCreateOptionsInput): no deduplication of any kind, so the same input twice makes two orders
   * (§C Shopify 4); stock is claimed only when `inventoryBehaviour` says so, BYPASS being the default
   * (§C Shopify 3); DECREMENT_OBEYING_POLICY refuses a variant whose policy is DENY and whose
   * available quantity is short (INVENTORY_CLAIM_FAILED); DECREMENT_IGNORING_POLICY goes negative.
   */
  createOrder(input: OrderInput, behaviour: string, changed: ChangeLog): Order {
    const lines = input.lineItems ?? [];
    if (lines.length === 0)
      throw new UserError('Line items must have at least one line item', ['order', 'lineItems'], 'INVALID');
    const t = now();
    if (input.processedAt && Date.parse(input.processedAt) > Date.now() + 60_000) {
      throw new UserError(
        'Processed at must not be in the future',
        ['order', 'processedAt'],
        'PROCESSED_AT_INVALID',
      );
    }
    for (const [i, tag] of (input.tags ?? []).entries()) {
      if (tag.length > 255)
        throw new UserError(
          'Tags are too long (maximum is 255 characters)',
          ['order', 'tags', String(i)],
          'INVALID',
        );
    }
    if (input.email != null && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(input.email)) {
      throw new UserError('Email is invalid', ['order', 'email'], 'INVALID');
    }
    for (const [name, address] of [
      ['shippingAddress', input.shippingAddress],
      ['billingAddress', input.billingAddress],
    ] as const) {
      if (address?.phone && !isPhone(address.phone)) {
        throw new UserError('Phone is invalid', ['order', name, 'phone'], 'INVALID');
      }
    }
    const currency = input.currency ?? this.shop.currencyCode;
    const lineItems: LineItem[] = lines.map((line, i) => {
      const field = ['order', 'lineItems', String(i)];
      if (line.quantity < 1)
        throw new UserError('Quantity must be greater than or equal to 1', [...field, 'quantity'], 'INVALID');
      let variant: Variant | undefined;
      if (line.variantId != null) {
        variant = this.variants.get(legacyId(line.variantId, 'ProductVariant') ?? -1);
        if (!variant) throw new UserError('Variant does not exist', [...field, 'variantId'], 'INVALID');
      } else if (!line.title) {
        throw new UserError('Title is required for a custom line item', [...field, 'title'], 'INVALID');
      }
      const money = line.priceSet?.shopMoney;
      if (money && money.currencyCode !== currency) {
        throw new UserError(
          'Currency code does not match the order currency',
          [...field, 'priceSet'],
          'INVALID',
        );
      }
      const product = variant ? this.products.get(variant.productId) : undefined;
      return {
        id: this.id('lineItem'),
        variantId: variant?.id ?? null,
        productId: variant?.productId ?? null,
        title: line.title ?? product?.title ?? '',
        variantTitle: variant && variant.title !== 'Default Title' ? variant.title : null,
        sku: line.sku ?? variant?.sku ?? null,
        quantity: line.quantity,
        price: money ? fromCents(toCents(money.amount)) : (variant?.price ?? '0'),
        claimedAt: null,
        fulfilledQuantity: 0,
      };
    });
    const shippingLines: ShippingLine[] = (input.shippingLines ?? []).map((s, i) => {
      if (toCents(s.priceSet.shopMoney.amount) < 0) {
        throw new UserError(
          'Price must be greater than or equal to 0',
          ['order', 'shippingLines', String(i), 'priceSet'],
          'INVALID',
        );
      }
      return {
        id: this.id('shippingLine'),
        title: s.title,
        code: s.code ?? null,
        source: s.source ?? null,
        price: fromCents(toCents(s.priceSet.shopMoney.amount)),
      };
    });

    // Claim stock (all or nothing): at the first active location stocking the item with enough
    // available, else the first stocking it (Shopify's order routing, simplified).
    const claims: { line: LineItem; level: InventoryLevel }[] = [];
    if (behaviour !== 'BYPASS') {
      for (const [i, line] of lineItems.entries()) {
        if (line.variantId == null) continue;
        const variant = this.variants.get(line.variantId)!;
        const stocked = this.levelsOf(variant.inventoryItemId).filter(
          (l) => this.location(l.locationId)?.isActive,
        );
        const level =
          stocked.find((l) => l.quantities.available >= line.quantity) ??
          stocked[0] ??
          this.level(variant.inventoryItemId, this.locations[0]!.id, true)!;
        const short = level.quantities.available < line.quantity;
        if (short && behaviour === 'DECREMENT_OBEYING_POLICY' && variant.inventoryPolicy === 'DENY') {
          throw new UserError(
            `Unable to claim inventory for ${variant.sku ?? variant.title}: not enough available`,
            ['order', 'lineItems', String(i)],
            'INVENTORY_CLAIM_FAILED',
          );
        }
        claims.push({ line, level });
      }
    }
    for (const { line, level } of claims) {
      level.quantities.available -= line.quantity;
      level.quantities.committed += line.quantity;
      line.claimedAt = level.locationId;
      this.touchLevel(level, changed);
    }

    const subtotal = lineItems.reduce((sum, l) => sum + toCents(l.price) * l.quantity, 0);
    const shipping = shippingLines.reduce((sum, s) => sum + toCents(s.price), 0);
    const number = this.orderNumber++;
    const order: Order = {
      id: this.id('order'),
      number,
      name: input.name ?? `#${number}`,
      createdAt: t,
      updatedAt: t,
      processedAt: input.processedAt ? new Date(input.processedAt).toISOString() : t,
      cancelledAt: null,
      cancelReason: null,
      cancelling: false,
      closedAt: null,
      test: input.test ?? false,
      email: input.email ?? null,
      phone: input.phone ?? null,
      note: input.note ?? null,
      poNumber: input.poNumber ?? null,
      tags: normaliseTags(input.tags ?? []),
      sourceName: input.sourceName ?? null,
      sourceIdentifier: input.sourceIdentifier ?? null,
      sourceUrl: input.sourceUrl ?? null,
      currency,
      taxesIncluded: input.taxesIncluded ?? false,
      financialStatus: input.financialStatus ?? (input.transactions?.length ? 'PAID' : 'PENDING'),
      customAttributes: input.customAttributes ?? [],
      billingAddress: input.billingAddress ? address(input.billingAddress) : null,
      shippingAddress: input.shippingAddress ? address(input.shippingAddress) : null,
      lineItems,
      shippingLines,
      fulfillments: [],
      inventoryBehaviour: behaviour,
      restocked: false,
      totalPrice: fromCents(subtotal + shipping),
      subtotalPrice: fromCents(subtotal),
    };
    this.orders.set(order.id, order);
    changed.events.push({ topic: 'ORDERS_CREATE', orderId: order.id });
    changed.events.push({ topic: 'ORDERS_UPDATED', orderId: order.id });
    return order;
  }

  /**
   * orderCancel (AG/2026-07/mutations/orderCancel): refused when already cancelled or being
   * cancelled, or fulfilled; otherwise a job is started and the order is cancelled when it runs
   * (asynchronous, §C Shopify 8), restocking what it claimed only when `restock` is true. Never
   * undone: nothing un-cancels an order.
   */
  startCancel(orderId: number, reason: string, restock: boolean): Job {
    const order = this.orders.get(orderId);
    if (!order) throw new UserError('Order does not exist', ['orderId'], 'NOT_FOUND');
    if (order.cancelledAt || order.cancelling) {
      throw new UserError('Cannot cancel an order that has already been cancelled', ['orderId'], 'INVALID');
    }
    if (order.lineItems.every((l) => l.fulfilledQuantity >= l.quantity)) {
      throw new UserError('Cannot cancel a fulfilled order', ['orderId'], 'INVALID');
    }
    order.cancelling = true;
    const job: Job = { id: `gid://shopify/Job/${randomUUID()}`, done: false };
    this.jobs.set(job.id, job);
    return Object.assign(job, { run: { orderId, reason, restock } });
  }

  /** The cancel job's work: the order cancelled (and restocked when asked). */
  finishCancel(
    job: Job & { run?: { orderId: number; reason: string; restock: boolean } },
    changed: ChangeLog,
  ) {
    if (!job.run || job.done) return;
    const order = this.orders.get(job.run.orderId)!;
    const t = now();
    order.cancelling = false;
    order.cancelledAt = t;
    order.cancelReason = job.run.reason;
    order.closedAt = t;
    order.updatedAt = t;
    if (job.run.restock) {
      for (const line of order.lineItems) {
        const open = line.quantity - line.fulfilledQuantity;
        if (line.claimedAt == null || open <= 0) continue;
        const variant = this.variants.get(line.variantId!);
        const level = variant && this.level(variant.inventoryItemId, line.claimedAt, true)!;
        if (!level) continue;
        level.quantities.available += open;
        level.quantities.committed -= open;
        this.touchLevel(level, changed);
      }
      order.restocked = true;
    }
    job.done = true;
    changed.events.push({ topic: 'ORDERS_CANCELLED', orderId: order.id });
    changed.events.push({ topic: 'ORDERS_UPDATED', orderId: order.id });
  }

  /**
   * The merchant fulfils every open line in one fulfilment with its tracking (the admin's "Fulfill
   * items"): committed and on-hand stock leave the location; the order shows FULFILLED with the
   * tracking in `trackingInfo` (§C Shopify 10).
   */
  fulfill(
    orderId: number,
    tracking: { number: string; company: string; url?: string | null },
    changed: ChangeLog,
  ) {
    const order = this.orders.get(orderId);
    if (!order) throw new UserError('Order does not exist', ['id'], 'NOT_FOUND');
    if (order.cancelledAt || order.cancelling) throw new UserError('Order is cancelled', ['id'], 'INVALID');
    const open = order.lineItems.filter((l) => l.fulfilledQuantity < l.quantity);
    if (open.length === 0) throw new UserError('Order is already fulfilled', ['id'], 'INVALID');
    const t = now();
    const locationId = open.find((l) => l.claimedAt != null)?.claimedAt ?? this.locations[0]!.id;
    const fulfillment: Fulfillment = {
      id: this.id('fulfillment'),
      orderId,
      name: `${order.name}-F${order.fulfillments.length + 1}`,
      status: 'SUCCESS',
      createdAt: t,
      updatedAt: t,
      locationId,
      trackingInfo: [{ number: tracking.number, company: tracking.company, url: tracking.url ?? null }],
      lineItems: open.map((l) => ({ lineItemId: l.id, quantity: l.quantity - l.fulfilledQuantity })),
    };
    for (const line of open) {
      const quantity = line.quantity - line.fulfilledQuantity;
      line.fulfilledQuantity = line.quantity;
      // An order created with BYPASS claimed nothing, and its fulfilment moves no stock either.
      const variant = line.variantId == null ? undefined : this.variants.get(line.variantId);
      if (!variant || line.claimedAt == null) continue;
      const level = this.level(variant.inventoryItemId, line.claimedAt, true)!;
      level.quantities.committed -= quantity;
      level.quantities.on_hand -= quantity;
      this.touchLevel(level, changed);
    }
    order.fulfillments.push(fulfillment);
    this.fulfillments.set(fulfillment.id, fulfillment);
    order.updatedAt = t;
    changed.events.push({ topic: 'FULFILLMENTS_CREATE', orderId, fulfillmentId: fulfillment.id });
    changed.events.push({ topic: 'ORDERS_FULFILLED', orderId });
    changed.events.push({ topic: 'ORDERS_UPDATED', orderId });
    return fulfillment;
  }

  /** Order.displayFulfillmentStatus. */
  fulfillmentStatus(order: Order): 'FULFILLED' | 'PARTIALLY_FULFILLED' | 'UNFULFILLED' | 'RESTOCKED' {
    const fulfilled = order.lineItems.reduce((sum, l) => sum + l.fulfilledQuantity, 0);
    const total = order.lineItems.reduce((sum, l) => sum + l.quantity, 0);
    if (fulfilled >= total) return 'FULFILLED';
    if (fulfilled > 0) return 'PARTIALLY_FULFILLED';
    return order.cancelledAt && order.restocked ? 'RESTOCKED' : 'UNFULFILLED';
  }

  // ---- inventory adjustments ----

  /**
   * inventoryAdjustQuantities (AG/latest/input-objects/InventoryChangeInput.md): `reason` from
   * Shopify's list; `ledgerDocumentUri` required for every quantity name but `available` and never a
   * `gid://shopify/` URI; `changeFromQuantity`, when given, must equal the current quantity
   * (CHANGE_FROM_QUANTITY_STALE); all changes or none (§C Shopify 7).
   */
  adjust(input: AdjustInput, changed: ChangeLog) {
    if (!ADJUST_REASONS.has(input.reason)) {
      throw new UserError('The specified reason is invalid.', ['input', 'reason'], 'INVALID_REASON');
    }
    if (input.name !== 'available' && input.name !== 'on_hand') {
      throw new UserError(
        `The quantity name '${input.name}' is not valid for this operation.`,
        ['input', 'name'],
        'INVALID_QUANTITY_NAME',
      );
    }
    const plan = input.changes.map((c, i) => {
      const field = ['input', 'changes', String(i)];
      const variantId = this.items.get(legacyId(c.inventoryItemId, 'InventoryItem') ?? -1);
      if (variantId === undefined) {
        throw new UserError(
          'The specified inventory item could not be found.',
          [...field, 'inventoryItemId'],
          'INVALID_INVENTORY_ITEM',
        );
      }
      const location = this.location(legacyId(c.locationId, 'Location') ?? -1);
      if (!location)
        throw new UserError(
          'The specified location could not be found.',
          [...field, 'locationId'],
          'INVALID_LOCATION',
        );
      const level = this.level(this.variants.get(variantId)!.inventoryItemId, location.id);
      if (!level) {
        throw new UserError(
          'The specified inventory item is not stocked at the location.',
          [...field, 'locationId'],
          'ITEM_NOT_STOCKED_AT_LOCATION',
        );
      }
      if (input.name !== 'available') {
        if (!c.ledgerDocumentUri) {
          throw new UserError(
            'A ledger document URI is required for this quantity name.',
            [...field, 'ledgerDocumentUri'],
            'INVALID_LEDGER_DOCUMENT',
          );
        }
        if (c.ledgerDocumentUri.startsWith('gid://shopify/')) {
          throw new UserError(
            'The ledger document URI is not allowed.',
            [...field, 'ledgerDocumentUri'],
            'INTERNAL_LEDGER_DOCUMENT',
          );
        }
      }
      const current = level.quantities[input.name as 'available' | 'on_hand'];
      if (c.changeFromQuantity != null && c.changeFromQuantity !== current) {
        throw new UserError(
          'The specified compare quantity does not match the current quantity.',
          [...field, 'changeFromQuantity'],
          'CHANGE_FROM_QUANTITY_STALE',
        );
      }
      return { level, delta: c.delta, ledgerDocumentUri: c.ledgerDocumentUri ?? null };
    });
    const changes = plan.map(({ level, delta, ledgerDocumentUri }) => {
      level.quantities.on_hand += delta;
      level.quantities.available += delta;
      this.touchLevel(level, changed);
      return {
        name: input.name,
        delta,
        quantityAfterChange: level.quantities[input.name as 'available' | 'on_hand'],
        ledgerDocumentUri,
        itemId: level.itemId,
        locationId: level.locationId,
      };
    });
    return {
      id: `gid://shopify/InventoryAdjustmentGroup/${++this.adjustmentGroups}`,
      createdAt: now(),
      reason: input.reason,
      referenceDocumentUri: input.referenceDocumentUri ?? null,
      changes,
    };
  }

  // ---- metafields ----

  /** metafieldsSet (AG/latest/mutations/metafieldsSet): creates or updates by owner, namespace, key. */
  setMetafields(inputs: MetafieldSetInput[]) {
    if (inputs.length > 25) {
      throw new UserError(
        'Exceeded the maximum metafields input limit of 25.',
        ['metafields'],
        'LESS_THAN_OR_EQUAL_TO',
      );
    }
    const planned = inputs.map((m, i) => {
      const field = ['metafields', String(i)];
      const variant = this.variants.get(legacyId(m.ownerId, 'ProductVariant') ?? -1);
      if (!variant) throw new UserError('Owner does not exist.', [...field, 'ownerId'], 'INVALID');
      const namespace = m.namespace ?? '$app';
      if (namespace.length < 3 || namespace.length > 255) {
        throw new UserError('Namespace is too short or too long.', [...field, 'namespace'], 'INVALID');
      }
      if (!/^[A-Za-z0-9_-]{2,64}$/.test(m.key)) {
        throw new UserError('Key must be 2 to 64 letters, digits, - or _.', [...field, 'key'], 'INVALID');
      }
      const existing = variant.metafields.find((f) => f.namespace === namespace && f.key === m.key);
      const type = m.type ?? existing?.type;
      if (!type) throw new UserError("Type can't be blank", [...field, 'type'], 'BLANK');
      if (type === 'json') {
        try {
          JSON.parse(m.value);
        } catch {
          throw new UserError('Value is invalid JSON.', [...field, 'value'], 'INVALID_VALUE');
        }
      }
      if (m.compareDigest != null && (existing ? digest(existing.value) : null) !== m.compareDigest) {
        throw new UserError('The resource has been updated since it was loaded.', [...field], 'STALE_OBJECT');
      }
      return { variant, namespace, type, existing, input: m };
    });
    const t = now();
    return planned.map(({ variant, namespace, type, existing, input }) => {
      if (existing) {
        Object.assign(existing, { value: input.value, type, updatedAt: t });
        return existing;
      }
      const created: Metafield = {
        id: this.id('metafield'),
        namespace,
        key: input.key,
        type,
        value: input.value,
        createdAt: t,
        updatedAt: t,
      };
      variant.metafields.push(created);
      variant.updatedAt = t;
      return created;
    });
  }
}

/** What one request changed: the levels to report and the webhook events to send. */
export class ChangeLog {
  levels = new Set<InventoryLevel>();
  events: { topic: WebhookTopic; orderId?: number; fulfillmentId?: number }[] = [];
}

export interface MoneyBagInput {
  shopMoney: { amount: string; currencyCode: string };
}
export interface AddressInput {
  address1?: string | null;
  address2?: string | null;
  city?: string | null;
  company?: string | null;
  countryCode?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  phone?: string | null;
  provinceCode?: string | null;
  zip?: string | null;
}
export interface OrderInput {
  billingAddress?: AddressInput | null;
  shippingAddress?: AddressInput | null;
  currency?: string | null;
  email?: string | null;
  phone?: string | null;
  financialStatus?: string | null;
  lineItems?:
    | {
        quantity: number;
        variantId?: string | null;
        priceSet?: MoneyBagInput | null;
        title?: string | null;
        sku?: string | null;
      }[]
    | null;
  shippingLines?:
    | { title: string; priceSet: MoneyBagInput; code?: string | null; source?: string | null }[]
    | null;
  transactions?: unknown[] | null;
  taxesIncluded?: boolean | null;
  customAttributes?: { key: string; value: string }[] | null;
  name?: string | null;
  note?: string | null;
  poNumber?: string | null;
  processedAt?: string | null;
  sourceIdentifier?: string | null;
  sourceName?: string | null;
  sourceUrl?: string | null;
  tags?: string[] | null;
  test?: boolean | null;
}
export interface AdjustInput {
  name: string;
  reason: string;
  referenceDocumentUri?: string | null;
  changes: {
    delta: number;
    inventoryItemId: string;
    locationId: string;
    ledgerDocumentUri?: string | null;
    changeFromQuantity?: number | null;
  }[];
}
export interface MetafieldSetInput {
  ownerId: string;
  namespace?: string | null;
  key: string;
  value: string;
  type?: string | null;
  compareDigest?: string | null;
}

/** Reasons inventory changes may give (AG/latest/input-objects/InventoryAdjustQuantitiesInput.md). */
const ADJUST_REASONS = new Set([
  'correction',
  'cycle_count_available',
  'damaged',
  'movement_created',
  'movement_updated',
  'movement_received',
  'movement_canceled',
  'other',
  'promotion',
  'quality_control',
  'received',
  'reservation_created',
  'reservation_deleted',
  'reservation_updated',
  'restock',
  'safety_stock',
  'shrinkage',
]);

/** `gid://shopify/Type/123` → 123; null when the id is not a GID of that type. */
export function legacyId(gid: string, type: string): number | null {
  const match = new RegExp(`^gid://shopify/${type}/(\\d+)(\\?.*)?$`).exec(gid);
  return match ? Number(match[1]) : null;
}

export const gid = (type: string, id: number | string) => `gid://shopify/${type}/${id}`;

export const digest = (value: string) => createHash('sha256').update(value).digest('hex');

function isPhone(phone: string): boolean {
  return /^\+?\d{6,15}$/.test(phone.replace(/[\s().-]/g, ''));
}

function address(input: AddressInput): Address {
  return {
    firstName: input.firstName ?? null,
    lastName: input.lastName ?? null,
    company: input.company ?? null,
    address1: input.address1 ?? null,
    address2: input.address2 ?? null,
    city: input.city ?? null,
    zip: input.zip ?? null,
    provinceCode: input.provinceCode ?? null,
    countryCode: input.countryCode ?? null,
    phone: input.phone ?? null,
  };
}

/** Tags as Shopify keeps them: trimmed, no blanks, no case-insensitive duplicates. */
function normaliseTags(tags: string[]): string[] {
  const seen = new Set<string>();
  const kept: string[] = [];
  for (const raw of tags.flatMap((t) => t.split(','))) {
    const tag = raw.trim();
    if (tag === '' || seen.has(tag.toLowerCase())) continue;
    seen.add(tag.toLowerCase());
    kept.push(tag);
  }
  return kept;
}
