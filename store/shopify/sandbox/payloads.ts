/**
 * Orders, fulfilments and inventory levels as Shopify's REST resources and webhook payloads show
 * them: snake_case, numeric ids, `admin_graphql_api_id` beside them, money as decimal strings, tags
 * as one comma-separated string (§C Shopify 6 and 10; shop-platforms.md A6, A7). Sources: shopify-app-js
 * `packages/apps/shopify-api/rest/admin/2026-04/{order,fulfillment,inventory_level}.ts` (the field
 * lists), https://shopify.dev/docs/api/admin-rest/usage/simple-ids (ids).
 */
import type { Address, Fulfillment, InventoryLevel, Order, ShopifyState } from './state';
import { gid } from './state';

function restAddress(a: Address | null) {
  if (!a) return null;
  const name = [a.firstName, a.lastName].filter(Boolean).join(' ');
  return {
    first_name: a.firstName,
    last_name: a.lastName,
    name,
    company: a.company,
    address1: a.address1,
    address2: a.address2,
    city: a.city,
    zip: a.zip,
    province: null,
    province_code: a.provinceCode,
    country: a.countryCode ? countryName(a.countryCode) : null,
    country_code: a.countryCode,
    phone: a.phone,
    latitude: null,
    longitude: null,
  };
}

const regionNames = new Intl.DisplayNames(['en'], { type: 'region' });
function countryName(code: string): string {
  try {
    return regionNames.of(code) ?? code;
  } catch {
    return code;
  }
}

const money = (amount: string, currency: string) => ({
  shop_money: { amount, currency_code: currency },
  presentment_money: { amount, currency_code: currency },
});

export function restFulfillment(state: ShopifyState, f: Fulfillment) {
  const order = state.orders.get(f.orderId)!;
  const first = f.trackingInfo[0];
  return {
    id: f.id,
    admin_graphql_api_id: gid('Fulfillment', f.id),
    order_id: f.orderId,
    name: f.name,
    status: f.status === 'SUCCESS' ? 'success' : 'cancelled',
    created_at: f.createdAt,
    updated_at: f.updatedAt,
    service: 'manual',
    location_id: f.locationId,
    shipment_status: null,
    tracking_company: first?.company ?? null,
    tracking_number: first?.number ?? null,
    tracking_numbers: f.trackingInfo.map((t) => t.number),
    tracking_url: first?.url ?? null,
    tracking_urls: f.trackingInfo.map((t) => t.url).filter((u): u is string => u !== null),
    line_items: f.lineItems.map(({ lineItemId, quantity }) => {
      const line = order.lineItems.find((l) => l.id === lineItemId)!;
      return { ...restLineItem(order, line.id), quantity };
    }),
  };
}

function restLineItem(order: Order, lineItemId: number) {
  const l = order.lineItems.find((x) => x.id === lineItemId)!;
  return {
    id: l.id,
    admin_graphql_api_id: gid('LineItem', l.id),
    variant_id: l.variantId,
    product_id: l.productId,
    title: l.title,
    variant_title: l.variantTitle,
    name: l.variantTitle ? `${l.title} - ${l.variantTitle}` : l.title,
    sku: l.sku,
    quantity: l.quantity,
    current_quantity: order.cancelledAt ? 0 : l.quantity,
    fulfillable_quantity: order.cancelledAt ? 0 : l.quantity - l.fulfilledQuantity,
    fulfillment_status:
      l.fulfilledQuantity >= l.quantity ? 'fulfilled' : l.fulfilledQuantity > 0 ? 'partial' : null,
    price: l.price,
    price_set: money(l.price, order.currency),
    requires_shipping: true,
    taxable: true,
  };
}

export function restOrder(state: ShopifyState, order: Order) {
  const status = state.fulfillmentStatus(order);
  return {
    id: order.id,
    admin_graphql_api_id: gid('Order', order.id),
    name: order.name,
    order_number: order.number,
    number: order.number - 1000,
    created_at: order.createdAt,
    updated_at: order.updatedAt,
    processed_at: order.processedAt,
    cancelled_at: order.cancelledAt,
    cancel_reason: order.cancelReason?.toLowerCase() ?? null,
    closed_at: order.closedAt,
    test: order.test,
    email: order.email,
    contact_email: order.email,
    phone: order.phone,
    note: order.note,
    po_number: order.poNumber,
    tags: order.tags.join(', '),
    source_name: order.sourceName,
    source_identifier: order.sourceIdentifier,
    source_url: order.sourceUrl,
    currency: order.currency,
    presentment_currency: order.currency,
    taxes_included: order.taxesIncluded,
    financial_status: order.financialStatus.toLowerCase(),
    fulfillment_status:
      status === 'FULFILLED' ? 'fulfilled' : status === 'PARTIALLY_FULFILLED' ? 'partial' : null,
    note_attributes: order.customAttributes.map((a) => ({ name: a.key, value: a.value })),
    total_price: order.totalPrice,
    subtotal_price: order.subtotalPrice,
    total_price_set: money(order.totalPrice, order.currency),
    billing_address: restAddress(order.billingAddress),
    shipping_address: restAddress(order.shippingAddress),
    line_items: order.lineItems.map((l) => restLineItem(order, l.id)),
    shipping_lines: order.shippingLines.map((s) => ({
      id: s.id,
      title: s.title,
      code: s.code,
      source: s.source,
      price: s.price,
      price_set: money(s.price, order.currency),
    })),
    fulfillments: order.fulfillments.map((f) => restFulfillment(state, f)),
  };
}

export function restInventoryLevel(level: InventoryLevel) {
  return {
    inventory_item_id: level.itemId,
    location_id: level.locationId,
    available: level.quantities.available,
    updated_at: level.updatedAt,
    admin_graphql_api_id: gid('InventoryLevel', `${level.locationId}?inventory_item_id=${level.itemId}`),
  };
}
