/**
 * The JSON the sandbox answers with, in WooCommerce REST API v3 shapes:
 * - products: `WC_REST_Products_Controller::get_product_data` (Version3/class-wc-rest-products-controller.php,
 *   Version2/…-products-v2-controller.php); a variation read through `/products` keeps `type: "variation"`
 *   and its `parent_id`; variable products answer blank prices except `price`, their lowest child price;
 * - variations: `WC_REST_Product_Variations_Controller::prepare_object_for_response`;
 * - orders: `WC_REST_Orders_V2_Controller::get_formatted_item_data` (statuses without `wc-`, money as
 *   2-decimal strings, line items with `sku`, `price`, `parent_name` and their meta);
 * - webhooks: `WC_REST_Webhooks_V2_Controller::prepare_item_for_response` — the secret is never returned;
 * - dates: `wc_rest_prepare_date_response`, `Y-m-d\TH:i:s` with no zone (`*_gmt` are UTC; the sandbox's
 *   site timezone is UTC, so both are equal).
 */
import {
  type Meta,
  money,
  type OrderItem,
  type SandboxOrder,
  type SandboxProduct,
  type SandboxWebhook,
  type ShopState,
} from './state';

export function wcDate(ms: number | null): string | null {
  if (ms === null) return null;
  return new Date(ms).toISOString().slice(0, 19);
}

const metaJson = (meta: Meta[]) => meta.map((m) => ({ id: m.id, key: m.key, value: m.value }));

export function productJson(state: ShopState, p: SandboxProduct, base: string) {
  const variable = p.type === 'variable';
  const managing = state.managingStock(p);
  const self = p.type === 'variation' ? `products/${p.parentId}/variations/${p.id}` : `products/${p.id}`;
  return {
    id: p.id,
    name: p.type === 'variation' ? variationName(state, p) : p.name,
    slug: p.slug,
    permalink: `${base}/product/${p.slug}/`,
    date_created: wcDate(p.created),
    date_created_gmt: wcDate(p.created),
    date_modified: wcDate(p.modified),
    date_modified_gmt: wcDate(p.modified),
    type: p.type,
    status: p.status,
    featured: false,
    catalog_visibility: 'visible',
    description: p.description,
    short_description: '',
    sku: p.sku,
    global_unique_id: p.globalUniqueId,
    price: state.price(p),
    regular_price: variable ? '' : p.regularPrice,
    sale_price: variable ? '' : p.salePrice,
    date_on_sale_from: wcDate(p.dateOnSaleFrom),
    date_on_sale_from_gmt: wcDate(p.dateOnSaleFrom),
    date_on_sale_to: wcDate(p.dateOnSaleTo),
    date_on_sale_to_gmt: wcDate(p.dateOnSaleTo),
    on_sale: state.isOnSale(p),
    purchasable: state.price(p) !== '',
    total_sales: p.totalSales,
    virtual: false,
    downloadable: false,
    tax_status: 'taxable',
    tax_class: '',
    manage_stock: managing,
    stock_quantity: managing ? p.stockQuantity : null,
    stock_status: p.stockStatus,
    backorders: p.backorders,
    backorders_allowed: p.backorders !== 'no',
    backordered: managing && (p.stockQuantity ?? 0) < 0 && p.backorders !== 'no',
    low_stock_amount: null,
    sold_individually: false,
    parent_id: p.parentId,
    attributes:
      p.type === 'variation'
        ? p.variationAttributes
        : p.attributes.map((a) => ({
            id: a.id,
            name: a.name,
            slug: a.name.toLowerCase(),
            position: a.position,
            visible: a.visible,
            variation: a.variation,
            options: a.options,
          })),
    default_attributes: [],
    variations: variable ? state.variationsOf(p.id).map((v) => v.id) : [],
    menu_order: 0,
    meta_data: metaJson(p.meta),
    _links: {
      self: [{ href: `${base}/wp-json/wc/v3/${self}` }],
      collection: [{ href: `${base}/wp-json/wc/v3/products` }],
      ...(p.parentId ? { up: [{ href: `${base}/wp-json/wc/v3/products/${p.parentId}` }] } : {}),
    },
  };
}

/** `wc_get_formatted_variation( $object, true, false, false )` names a variation by its options. */
function variationName(state: ShopState, v: SandboxProduct): string {
  const parent = state.products.get(v.parentId);
  const options = v.variationAttributes.map((a) => a.option).join(', ');
  return parent ? `${parent.name}${options ? ` - ${options}` : ''}` : options;
}

export function variationJson(state: ShopState, v: SandboxProduct, base: string) {
  const managing = state.managingStock(v);
  return {
    id: v.id,
    date_created: wcDate(v.created),
    date_created_gmt: wcDate(v.created),
    date_modified: wcDate(v.modified),
    date_modified_gmt: wcDate(v.modified),
    description: v.description,
    permalink: `${base}/product/${state.products.get(v.parentId)?.slug ?? ''}/?variation_id=${v.id}`,
    sku: v.sku,
    global_unique_id: v.globalUniqueId,
    price: state.price(v),
    regular_price: v.regularPrice,
    sale_price: v.salePrice,
    date_on_sale_from: wcDate(v.dateOnSaleFrom),
    date_on_sale_from_gmt: wcDate(v.dateOnSaleFrom),
    date_on_sale_to: wcDate(v.dateOnSaleTo),
    date_on_sale_to_gmt: wcDate(v.dateOnSaleTo),
    on_sale: state.isOnSale(v),
    status: v.status,
    purchasable: state.price(v) !== '',
    virtual: false,
    downloadable: false,
    tax_status: 'taxable',
    tax_class: '',
    manage_stock: managing,
    stock_quantity: managing ? v.stockQuantity : null,
    stock_status: v.stockStatus,
    backorders: v.backorders,
    backorders_allowed: v.backorders !== 'no',
    backordered: managing && (v.stockQuantity ?? 0) < 0 && v.backorders !== 'no',
    low_stock_amount: null,
    attributes: v.variationAttributes,
    menu_order: 0,
    meta_data: metaJson(v.meta),
    name: v.variationAttributes.map((a) => a.option).join(', '),
    parent_id: v.parentId,
    _links: {
      self: [{ href: `${base}/wp-json/wc/v3/products/${v.parentId}/variations/${v.id}` }],
      collection: [{ href: `${base}/wp-json/wc/v3/products/${v.parentId}/variations` }],
      up: [{ href: `${base}/wp-json/wc/v3/products/${v.parentId}` }],
    },
  };
}

function itemJson(state: ShopState, item: OrderItem) {
  if (item.type === 'shipping') {
    return {
      id: item.id,
      method_title: item.methodTitle,
      method_id: item.methodId,
      instance_id: item.instanceId,
      total: money(item.total),
      total_tax: '0.00',
      taxes: [],
      meta_data: metaJson(item.meta),
    };
  }
  if (item.type === 'fee') {
    return {
      id: item.id,
      name: item.name,
      tax_class: '',
      tax_status: 'taxable',
      amount: money(item.total),
      total: money(item.total),
      total_tax: '0.00',
      taxes: [],
      meta_data: metaJson(item.meta),
    };
  }
  const product = state.products.get(item.variationId || item.productId);
  return {
    id: item.id,
    name: item.name,
    product_id: item.productId,
    variation_id: item.variationId,
    quantity: item.quantity,
    tax_class: '',
    subtotal: money(item.subtotal),
    subtotal_tax: '0.00',
    total: money(item.total),
    total_tax: '0.00',
    taxes: [],
    meta_data: metaJson(item.meta).map((m) => ({ ...m, display_key: m.key, display_value: m.value })),
    sku: product ? product.sku : null,
    global_unique_id: product ? product.globalUniqueId : null,
    // WC_REST_Orders_V2_Controller::get_order_item_data: $item->get_total() / $item->get_quantity().
    price: item.quantity ? item.total / 100 / item.quantity : 0,
    image: { id: 0, src: '' },
    parent_name: product?.type === 'variation' ? (state.products.get(product.parentId)?.name ?? null) : null,
  };
}

export function orderJson(state: ShopState, o: SandboxOrder, base: string) {
  const totals = state.orderTotals(o);
  const { email: _shippingEmail, ...shipping } = o.shipping;
  return {
    id: o.id,
    parent_id: o.parentId,
    status: o.status,
    currency: o.currency,
    version: '9.9.0',
    prices_include_tax: false,
    date_created: wcDate(o.created),
    date_modified: wcDate(o.modified),
    discount_total: money(totals.discount),
    discount_tax: '0.00',
    shipping_total: money(totals.shipping),
    shipping_tax: '0.00',
    cart_tax: '0.00',
    total: money(totals.total),
    total_tax: '0.00',
    customer_id: o.customerId,
    order_key: o.orderKey,
    billing: o.billing,
    shipping,
    payment_method: o.paymentMethod,
    payment_method_title: o.paymentMethodTitle,
    transaction_id: o.transactionId,
    customer_ip_address: '',
    customer_user_agent: '',
    created_via: o.createdVia,
    customer_note: o.customerNote,
    date_completed: wcDate(o.dateCompleted),
    date_paid: wcDate(o.datePaid),
    cart_hash: '',
    number: String(o.id),
    meta_data: metaJson(o.meta),
    line_items: o.items.filter((i) => i.type === 'line_item').map((i) => itemJson(state, i)),
    tax_lines: [],
    shipping_lines: o.items.filter((i) => i.type === 'shipping').map((i) => itemJson(state, i)),
    fee_lines: o.items.filter((i) => i.type === 'fee').map((i) => itemJson(state, i)),
    coupon_lines: [],
    refunds: [],
    payment_url: `${base}/checkout/order-pay/${o.id}/?pay_for_order=true&key=${o.orderKey}`,
    is_editable: o.status === 'pending' || o.status === 'on-hold' || o.status === 'checkout-draft',
    needs_payment: o.status === 'pending' || o.status === 'failed',
    needs_processing: true,
    date_created_gmt: wcDate(o.created),
    date_modified_gmt: wcDate(o.modified),
    date_completed_gmt: wcDate(o.dateCompleted),
    date_paid_gmt: wcDate(o.datePaid),
    currency_symbol: o.currency === 'EUR' ? '€' : o.currency,
    _links: {
      self: [{ href: `${base}/wp-json/wc/v3/orders/${o.id}` }],
      collection: [{ href: `${base}/wp-json/wc/v3/orders` }],
    },
  };
}

export function noteJson(note: SandboxOrder['notes'][number]) {
  return {
    id: note.id,
    author: note.addedBy === 'system' ? 'WooCommerce' : note.addedBy,
    date_created: wcDate(note.created),
    date_created_gmt: wcDate(note.created),
    note: note.note,
    customer_note: note.customerNote,
  };
}

export function webhookJson(w: SandboxWebhook, base: string) {
  return {
    id: w.id,
    name: w.name,
    status: w.status,
    topic: w.topic,
    resource: w.resource,
    event: w.event,
    hooks: hooksOf(w.topic),
    delivery_url: w.deliveryUrl,
    date_created: wcDate(w.created),
    date_created_gmt: wcDate(w.created),
    date_modified: wcDate(w.modified),
    date_modified_gmt: wcDate(w.modified),
    _links: {
      self: [{ href: `${base}/wp-json/wc/v3/webhooks/${w.id}` }],
      collection: [{ href: `${base}/wp-json/wc/v3/webhooks` }],
    },
  };
}

/** WC_Webhook::get_default_topic_hooks (class-wc-webhook.php). */
function hooksOf(topic: string): string[] {
  const map: Record<string, string[]> = {
    'order.created': ['woocommerce_new_order'],
    'order.updated': [
      'woocommerce_update_order',
      'woocommerce_order_refunded',
      'woocommerce_delete_order_refund',
    ],
    'order.deleted': ['wp_trash_post', 'woocommerce_trash_order'],
    'order.restored': ['untrashed_post', 'woocommerce_untrash_order'],
    'product.created': [
      'woocommerce_process_product_meta',
      'woocommerce_new_product',
      'woocommerce_new_product_variation',
    ],
    'product.updated': [
      'woocommerce_process_product_meta',
      'woocommerce_update_product',
      'woocommerce_update_product_variation',
    ],
  };
  if (topic.startsWith('action.')) return [topic.slice('action.'.length)];
  return map[topic] ?? [];
}

/**
 * `wp_json_encode` as PHP writes it: `/` escaped as `\/` and every non-ASCII character as `\uXXXX`. A
 * webhook's signature is computed over exactly these bytes, so a receiver must verify the raw body.
 */
export function phpJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/\//g, '\\/')
    .replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
