/**
 * Orders written through the REST API, as `WC_REST_Orders_Controller` (Version3/class-wc-rest-orders-controller.php)
 * and its parent `WC_REST_Orders_V2_Controller` (Version2/class-wc-rest-orders-v2-controller.php) do it:
 * - create: props and items first (`prepare_object_for_database`), then `created_via` (writable on
 *   create only, default `rest-api`), save, `calculate_totals`, the status, save, and when `set_paid` is
 *   true `payment_complete( transaction_id )`;
 * - line items (`get_product_id`): `sku` wins, then `product_id` when no `variation_id`, then
 *   `variation_id`; none → 400 `woocommerce_rest_required_product_reference`. An id or SKU that names no
 *   product is *not* refused: the item is saved without a product (`wc_get_product` is false, so
 *   `set_product` is skipped). Omitted totals default to the catalogue price × quantity; a quantity of 0
 *   drops the item;
 * - shipping lines need `method_id` (400 `woocommerce_rest_invalid_shipping_item`); fee lines a name;
 * - update: an unknown id is 400 (`woocommerce_rest_shop_order_invalid_id`, CRUD controller), items with
 *   an `id` are edited, without one added; `created_via` is ignored.
 */

import type { Body } from './catalog';
import { WooError } from './errors';
import type { Params } from './params';
import {
  ADDRESS_FIELDS,
  emptyAddress,
  ORDER_STATUSES,
  type OrderAddress,
  type OrderItem,
  type OrderStatus,
  type SandboxOrder,
  type ShopState,
  toCents,
} from './state';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The order item schema's types (WC_REST_Orders_V2_Controller::get_item_schema). */
export function checkOrderBody(p: Params, body: Body, creating: boolean): void {
  if (body.status !== undefined && !ORDER_STATUSES.includes(body.status)) {
    p.fail('status', `status is not one of ${['auto-draft', ...ORDER_STATUSES].join(', ')}.`);
  }
  for (const field of [
    'customer_note',
    'payment_method',
    'payment_method_title',
    'transaction_id',
    'currency',
  ]) {
    p.check(field, field, body[field], 'string');
  }
  if (creating) p.check('created_via', 'created_via', body.created_via, 'string');
  p.check('set_paid', 'set_paid', body.set_paid, 'boolean');
  p.check('customer_id', 'customer_id', body.customer_id, 'integer');
  p.check('meta_data', 'meta_data', body.meta_data, 'array');
  for (const kind of ['billing', 'shipping'] as const) {
    if (!p.check(kind, kind, body[kind], 'object') || body[kind] === undefined) continue;
    for (const field of ADDRESS_FIELDS) {
      const value = body[kind][field];
      if (field === 'email' && kind === 'billing') {
        if (!p.check(kind, `${kind}[email]`, value, 'string', true)) continue;
        if (typeof value === 'string' && value !== '' && !EMAIL.test(value)) {
          p.fail(kind, `${kind}[email] is not a valid email address.`);
        }
      } else p.check(kind, `${kind}[${field}]`, value, 'string');
    }
  }
  const lists: [string, Record<string, 'string' | 'integer'>][] = [
    [
      'line_items',
      {
        name: 'string',
        product_id: 'integer',
        variation_id: 'integer',
        quantity: 'integer',
        subtotal: 'string',
        total: 'string',
        sku: 'string',
      },
    ],
    [
      'shipping_lines',
      { method_title: 'string', method_id: 'string', instance_id: 'string', total: 'string' },
    ],
    ['fee_lines', { name: 'string', total: 'string' }],
  ];
  for (const [list, fields] of lists) {
    if (!p.check(list, list, body[list], 'array') || !Array.isArray(body[list])) continue;
    (body[list] as unknown[]).forEach((item, i) => {
      if (!p.check(list, `${list}[${i}]`, item, 'object')) return;
      for (const [field, type] of Object.entries(fields)) {
        p.check(list, `${list}[${i}][${field}]`, (item as Body)[field], type, true);
      }
    });
  }
}

function applyAddress(address: OrderAddress, posted: unknown): OrderAddress {
  if (typeof posted !== 'object' || posted === null) return address;
  const next = { ...address };
  for (const field of ADDRESS_FIELDS) {
    const value = (posted as Body)[field];
    if (typeof value === 'string') next[field] = value;
  }
  return next;
}

/** WC_REST_Orders_V2_Controller::get_product_id. */
function productIdOf(state: ShopState, posted: Body, action: 'create' | 'update'): number {
  if (posted.sku) return state.productIdBySku(String(posted.sku));
  if (posted.product_id && !posted.variation_id) return Number(posted.product_id);
  if (posted.variation_id) return Number(posted.variation_id);
  if (action === 'update') return 0;
  throw new WooError(400, 'woocommerce_rest_required_product_reference', 'Product ID or SKU is required.');
}

function setItem(state: ShopState, order: SandboxOrder, list: string, posted: Body): void {
  const existing = posted.id ? order.items.find((i) => i.id === Number(posted.id)) : undefined;
  if (posted.id && !existing) {
    throw new WooError(
      400,
      'woocommerce_rest_invalid_item_id',
      'Order item ID provided is not associated with order.',
    );
  }
  const action = existing ? 'update' : 'create';
  const item: OrderItem = existing ?? {
    id: state.nextItemId(),
    type: list === 'line_items' ? 'line_item' : list === 'shipping_lines' ? 'shipping' : 'fee',
    name: '',
    productId: 0,
    variationId: 0,
    quantity: 1,
    subtotal: 0,
    total: 0,
    methodId: '',
    methodTitle: '',
    instanceId: '',
    meta: [],
  };
  if (list === 'line_items') {
    const product = state.products.get(productIdOf(state, posted, action));
    if (product) {
      item.productId = product.type === 'variation' ? product.parentId : product.id;
      item.variationId = product.type === 'variation' ? product.id : 0;
      const parent = product.type === 'variation' ? state.products.get(product.parentId) : undefined;
      item.name = parent
        ? `${parent.name} - ${product.variationAttributes.map((a) => a.option).join(', ')}`
        : product.name;
      if (action === 'create') {
        const quantity = posted.quantity !== undefined ? Number(posted.quantity) : 1;
        const price = toCents(state.price(product)) ?? 0;
        item.total = price * quantity;
        item.subtotal = price * quantity;
      }
    }
    if (typeof posted.name === 'string') item.name = posted.name;
    if (posted.quantity !== undefined) item.quantity = Number(posted.quantity);
    if (posted.total !== undefined) item.total = toCents(posted.total) ?? 0;
    if (posted.subtotal !== undefined) item.subtotal = toCents(posted.subtotal) ?? 0;
  } else if (list === 'shipping_lines') {
    if (action === 'create' && !posted.method_id) {
      throw new WooError(400, 'woocommerce_rest_invalid_shipping_item', 'Shipping method ID is required.');
    }
    if (posted.method_id !== undefined) item.methodId = String(posted.method_id);
    if (posted.method_title !== undefined) item.methodTitle = String(posted.method_title);
    if (posted.instance_id !== undefined) item.instanceId = String(posted.instance_id);
    if (posted.total !== undefined) item.total = toCents(posted.total) ?? 0;
    item.name = item.methodTitle;
  } else {
    if (action === 'create' && !posted.name) {
      throw new WooError(400, 'woocommerce_rest_invalid_fee_item', 'Fee name is required.');
    }
    if (posted.name !== undefined) item.name = String(posted.name);
    if (posted.total !== undefined) item.total = toCents(posted.total) ?? 0;
  }
  if (Array.isArray(posted.meta_data)) {
    for (const m of posted.meta_data as Body[]) {
      if (typeof m?.key === 'string') item.meta = state.updateMeta(item.meta, m.key, m.value ?? null, m.id);
    }
  }
  if (!existing) order.items.push(item);
}

/** Items, addresses, meta and plain props of a create or update body (prepare_object_for_database). */
function applyBody(state: ShopState, order: SandboxOrder, body: Body): void {
  order.billing = applyAddress(order.billing, body.billing);
  order.shipping = applyAddress(order.shipping, body.shipping);
  for (const list of ['line_items', 'shipping_lines', 'fee_lines']) {
    if (!Array.isArray(body[list])) continue;
    for (const posted of body[list] as Body[]) {
      const isNull =
        ['product_id', 'method_id', 'method_title', 'name'].some((k) => k in posted && posted[k] === null) ||
        posted.quantity === 0 ||
        posted.quantity === '0';
      if (isNull) {
        if (posted.id) order.items = order.items.filter((i) => i.id !== Number(posted.id));
        continue;
      }
      setItem(state, order, list, posted);
    }
  }
  if (Array.isArray(body.meta_data)) {
    for (const m of body.meta_data as Body[]) {
      if (typeof m?.key === 'string') {
        order.meta = state.updateMeta(order.meta, m.key, m.value ?? null, m.id ? Number(m.id) : undefined);
      }
    }
  }
  if (typeof body.customer_note === 'string') order.customerNote = body.customer_note;
  if (typeof body.payment_method === 'string') order.paymentMethod = body.payment_method;
  if (typeof body.payment_method_title === 'string') order.paymentMethodTitle = body.payment_method_title;
  if (typeof body.transaction_id === 'string') order.transactionId = body.transaction_id;
  if (typeof body.currency === 'string') order.currency = body.currency;
  if (body.parent_id !== undefined) order.parentId = Number(body.parent_id);
  if (body.customer_id !== undefined && Number(body.customer_id) !== 0) {
    // The sandbox has no WordPress users: every customer id is unknown.
    throw new WooError(400, 'woocommerce_rest_invalid_customer_id', 'Customer ID is invalid.');
  }
}

export function createOrder(state: ShopState, body: Body): SandboxOrder {
  const now = state.now();
  const order: SandboxOrder = {
    id: 0,
    parentId: 0,
    status: 'pending',
    currency: state.settings.currency,
    createdVia: 'rest-api',
    customerId: 0,
    customerNote: '',
    billing: emptyAddress(),
    shipping: emptyAddress(),
    paymentMethod: '',
    paymentMethodTitle: '',
    transactionId: '',
    orderKey: state.newOrderKey(),
    items: [],
    meta: [],
    notes: [],
    created: now,
    modified: now,
    datePaid: null,
    dateCompleted: null,
    stockReduced: false,
  };
  applyBody(state, order, body);
  if (typeof body.created_via === 'string' && body.created_via.trim() !== '') {
    order.createdVia = body.created_via.trim();
  }
  order.id = state.nextPostId();
  state.orders.set(order.id, order);
  if (body.status) state.setStatus(order, body.status as OrderStatus);
  if (body.set_paid === true || body.set_paid === 'true' || body.set_paid === '1') {
    state.paymentComplete(order, typeof body.transaction_id === 'string' ? body.transaction_id : undefined);
  }
  return order;
}

export function updateOrder(state: ShopState, order: SandboxOrder, body: Body): SandboxOrder {
  const draft: SandboxOrder = structuredClone(order);
  applyBody(state, draft, body);
  Object.assign(order, draft);
  if (body.status) state.setStatus(order, body.status as OrderStatus);
  const paid = body.set_paid === true || body.set_paid === 'true' || body.set_paid === '1';
  if (paid && (order.status === 'pending' || order.status === 'failed')) {
    state.paymentComplete(order, typeof body.transaction_id === 'string' ? body.transaction_id : undefined);
  }
  order.modified = state.now();
  return order;
}
