/**
 * The part of Shopify's Admin GraphQL schema (version 2026-10) that the sandbox serves: the types,
 * fields, arguments and enums the Shopify store adapter uses, named and shaped as Shopify documents
 * them, so that a query written for the real API parses, validates and runs here unchanged, and a
 * field or argument Shopify does not have fails here as it would there. Sources (AG =
 * https://shopify.dev/docs/api/admin-graphql/):
 * - Shop, Location, Job, Count: AG/2026-10/objects/Shop, …/objects/Location, …/objects/Job,
 *   …/objects/Count (productsCount, productVariantsCount).
 * - ProductVariant, InventoryItem, InventoryLevel, InventoryQuantity: AG/2024-04/objects/ProductVariant,
 *   AG/unstable/objects/inventorylevel (quantities(names:)), AG/latest/queries/productVariants.
 * - Order and its parts: AG/latest/queries/orders.md, AG/2024-04/objects/FulfillmentTrackingInfo,
 *   AG/2024-04/enums/orderdisplayfulfillmentstatus.
 * - orderCreate: AG/latest/input-objects/OrderCreateOrderInput.md, OrderCreateLineItemInput,
 *   AG/2025-04/input-objects/OrderCreateShippingLineInput, AG/2026-07/input-objects/OrderCreateOptionsInput
 *   (`inventoryBehaviour`, British spelling), AG/latest/enums/OrderCreateUserErrorCode.md,
 *   AG/latest/enums/OrderCreateFinancialStatus.md.
 * - orderCancel: AG/2026-07/mutations/orderCancel, AG/latest/payloads/ordercancelpayload.md,
 *   AG/latest/enums/OrderCancelUserErrorCode.md, AG/2024-04/enums/ordercancelreason.
 * - inventoryAdjustQuantities: AG/latest/input-objects/InventoryChangeInput.md,
 *   AG/2026-01/objects/InventoryAdjustQuantitiesUserError, and the `@idempotent` directive
 *   (https://shopify.dev/changelog/making-idempotency-mandatory-for-inventory-adjustments-and-refund-mutations).
 * - metafieldsSet: AG/latest/mutations/metafieldsSet.
 * - Webhook subscriptions: AG/2026-01/enums/WebhookSubscriptionTopic,
 *   AG/2025-10/input-objects/webhooksubscriptioninput, AG/2026-07/objects/WebhookSubscription.
 * Fields the adapter does not use are left out: asking for one gets Shopify's "Field 'x' doesn't
 * exist on type 'Y'" error, which is the point (a query that works here uses only what exists there,
 * the converse is not promised).
 */

import { COUNTRY_CODES } from '../countries';

export const WEBHOOK_TOPICS = [
  'ORDERS_CREATE',
  'ORDERS_UPDATED',
  'ORDERS_FULFILLED',
  'ORDERS_PARTIALLY_FULFILLED',
  'ORDERS_CANCELLED',
  'FULFILLMENTS_CREATE',
  'FULFILLMENTS_UPDATE',
  'INVENTORY_LEVELS_UPDATE',
  'APP_UNINSTALLED',
] as const;
export type WebhookTopic = (typeof WEBHOOK_TOPICS)[number];

/** `ORDERS_FULFILLED` → `orders/fulfilled`, as the X-Shopify-Topic header and REST name it. */
export const topicHeader = (topic: WebhookTopic) => {
  const [resource, ...event] = topic.toLowerCase().split('_');
  if (resource === 'inventory') return `inventory_levels/${event.slice(1).join('_')}`;
  if (resource === 'app') return `app/${event.join('_')}`;
  return `${resource}/${event.join('_')}`;
};

export const SCHEMA_SDL = /* GraphQL */ `
schema {
  query: QueryRoot
  mutation: Mutation
}

"Marks a mutation as idempotent under the key (mandatory on inventoryAdjustQuantities since 2026-04)."
directive @idempotent(key: String!) on FIELD

scalar DateTime
scalar Decimal
scalar Money
scalar URL
scalar UnsignedInt64
scalar JSON

interface Node {
  id: ID!
}

type PageInfo {
  hasNextPage: Boolean!
  hasPreviousPage: Boolean!
  startCursor: String
  endCursor: String
}

type Count {
  count: Int!
  precision: CountPrecision!
}

enum CountPrecision {
  AT_LEAST
  EXACT
}

enum CurrencyCode {
  EUR
  USD
  GBP
  CHF
}

enum CountryCode {
  ${COUNTRY_CODES.join('\n  ')}
}

type QueryRoot {
  shop: Shop!
  node(id: ID!): Node
  nodes(ids: [ID!]!): [Node]!
  location(id: ID): Location
  locations(
    first: Int
    after: String
    last: Int
    before: String
    query: String
    reverse: Boolean = false
    includeInactive: Boolean = false
    includeLegacy: Boolean = false
  ): LocationConnection!
  product(id: ID!): Product
  productsCount(query: String, limit: Int = 10000): Count
  productVariant(id: ID!): ProductVariant
  productVariants(
    first: Int
    after: String
    last: Int
    before: String
    query: String
    reverse: Boolean = false
    sortKey: ProductVariantSortKeys = ID
  ): ProductVariantConnection!
  productVariantsCount(query: String, limit: Int = 10000): Count
  inventoryItem(id: ID!): InventoryItem
  order(id: ID!): Order
  orders(
    first: Int
    after: String
    last: Int
    before: String
    query: String
    reverse: Boolean = false
    sortKey: OrderSortKeys = PROCESSED_AT
    savedSearchId: ID
  ): OrderConnection!
  ordersCount(query: String, limit: Int = 10000): Count
  job(id: ID!): Job
  webhookSubscription(id: ID!): WebhookSubscription
  webhookSubscriptions(
    first: Int
    after: String
    last: Int
    before: String
    reverse: Boolean = false
    query: String
    topics: [WebhookSubscriptionTopic!]
    format: WebhookSubscriptionFormat
    uri: String
  ): WebhookSubscriptionConnection!
}

type Shop implements Node {
  id: ID!
  name: String!
  email: String!
  myshopifyDomain: String!
  currencyCode: CurrencyCode!
  ianaTimezone: String!
  taxesIncluded: Boolean!
  plan: ShopPlan!
}

type ShopPlan {
  partnerDevelopment: Boolean!
  shopifyPlus: Boolean!
  publicDisplayName: String!
}

type Location implements Node {
  id: ID!
  legacyResourceId: UnsignedInt64!
  name: String!
  isActive: Boolean!
  fulfillsOnlineOrders: Boolean!
}

type LocationConnection {
  edges: [LocationEdge!]!
  nodes: [Location!]!
  pageInfo: PageInfo!
}

type LocationEdge {
  cursor: String!
  node: Location!
}

type Product implements Node {
  id: ID!
  legacyResourceId: UnsignedInt64!
  title: String!
  handle: String!
  status: ProductStatus!
  createdAt: DateTime!
  updatedAt: DateTime!
  variants(first: Int, after: String, last: Int, before: String, reverse: Boolean = false): ProductVariantConnection!
  variantsCount: Count
}

enum ProductStatus {
  ACTIVE
  ARCHIVED
  DRAFT
}

type ProductVariant implements Node {
  id: ID!
  legacyResourceId: UnsignedInt64!
  title: String!
  displayName: String!
  sku: String
  barcode: String
  price: Money!
  compareAtPrice: Money
  inventoryPolicy: ProductVariantInventoryPolicy!
  inventoryQuantity: Int
  createdAt: DateTime!
  updatedAt: DateTime!
  product: Product!
  inventoryItem: InventoryItem!
  metafield(namespace: String, key: String!): Metafield
  metafields(first: Int, after: String, last: Int, before: String, namespace: String, keys: [String!]): MetafieldConnection!
}

enum ProductVariantInventoryPolicy {
  CONTINUE
  DENY
}

enum ProductVariantSortKeys {
  FULL_TITLE
  ID
  INVENTORY_LEVELS_AVAILABLE
  INVENTORY_MANAGEMENT
  INVENTORY_POLICY
  LOCATION
  NAME
  POPULAR
  POSITION
  RELEVANCE
  SKU
  TITLE
}

type ProductVariantConnection {
  edges: [ProductVariantEdge!]!
  nodes: [ProductVariant!]!
  pageInfo: PageInfo!
}

type ProductVariantEdge {
  cursor: String!
  node: ProductVariant!
}

type Metafield implements Node {
  id: ID!
  namespace: String!
  key: String!
  value: String!
  type: String!
  createdAt: DateTime!
  updatedAt: DateTime!
}

type MetafieldConnection {
  edges: [MetafieldEdge!]!
  nodes: [Metafield!]!
  pageInfo: PageInfo!
}

type MetafieldEdge {
  cursor: String!
  node: Metafield!
}

type InventoryItem implements Node {
  id: ID!
  legacyResourceId: UnsignedInt64!
  sku: String
  tracked: Boolean!
  variant: ProductVariant!
  inventoryLevel(locationId: ID!): InventoryLevel
  inventoryLevels(first: Int, after: String, last: Int, before: String, query: String, reverse: Boolean = false): InventoryLevelConnection!
}

type InventoryLevel implements Node {
  id: ID!
  location: Location!
  item: InventoryItem!
  quantities(names: [String!]!): [InventoryQuantity!]!
  updatedAt: DateTime!
}

type InventoryQuantity implements Node {
  id: ID!
  name: String!
  quantity: Int!
  updatedAt: DateTime
}

type InventoryLevelConnection {
  edges: [InventoryLevelEdge!]!
  nodes: [InventoryLevel!]!
  pageInfo: PageInfo!
}

type InventoryLevelEdge {
  cursor: String!
  node: InventoryLevel!
}

type MoneyV2 {
  amount: Decimal!
  currencyCode: CurrencyCode!
}

type MoneyBag {
  shopMoney: MoneyV2!
  presentmentMoney: MoneyV2!
}

type MailingAddress implements Node {
  id: ID!
  firstName: String
  lastName: String
  name: String
  company: String
  address1: String
  address2: String
  city: String
  zip: String
  province: String
  provinceCode: String
  country: String
  countryCodeV2: CountryCode
  phone: String
}

type Attribute {
  key: String!
  value: String
}

type Order implements Node {
  id: ID!
  legacyResourceId: UnsignedInt64!
  name: String!
  createdAt: DateTime!
  updatedAt: DateTime!
  processedAt: DateTime!
  cancelledAt: DateTime
  cancelReason: OrderCancelReason
  closed: Boolean!
  closedAt: DateTime
  test: Boolean!
  email: String
  phone: String
  note: String
  poNumber: String
  tags: [String!]!
  sourceName: String
  sourceIdentifier: String
  currencyCode: CurrencyCode!
  taxesIncluded: Boolean!
  displayFinancialStatus: OrderDisplayFinancialStatus
  displayFulfillmentStatus: OrderDisplayFulfillmentStatus!
  customAttributes: [Attribute!]!
  billingAddress: MailingAddress
  shippingAddress: MailingAddress
  totalPriceSet: MoneyBag!
  subtotalPriceSet: MoneyBag
  lineItems(first: Int, after: String, last: Int, before: String, reverse: Boolean = false): LineItemConnection!
  shippingLines(first: Int, after: String, last: Int, before: String, reverse: Boolean = false, includeRemovals: Boolean = false): ShippingLineConnection!
  fulfillments(first: Int, query: String): [Fulfillment!]!
}

enum OrderDisplayFinancialStatus {
  AUTHORIZED
  EXPIRED
  PAID
  PARTIALLY_PAID
  PARTIALLY_REFUNDED
  PENDING
  REFUNDED
  VOIDED
}

enum OrderDisplayFulfillmentStatus {
  FULFILLED
  IN_PROGRESS
  ON_HOLD
  OPEN
  PARTIALLY_FULFILLED
  PENDING_FULFILLMENT
  REQUEST_DECLINED
  RESTOCKED
  SCHEDULED
  UNFULFILLED
}

enum OrderSortKeys {
  CREATED_AT
  CUSTOMER_NAME
  DESTINATION
  FINANCIAL_STATUS
  FULFILLMENT_STATUS
  ID
  ORDER_NUMBER
  PO_NUMBER
  PROCESSED_AT
  RELEVANCE
  TOTAL_ITEMS_QUANTITY
  TOTAL_PRICE
  UPDATED_AT
}

type OrderConnection {
  edges: [OrderEdge!]!
  nodes: [Order!]!
  pageInfo: PageInfo!
}

type OrderEdge {
  cursor: String!
  node: Order!
}

type LineItem implements Node {
  id: ID!
  title: String!
  name: String!
  sku: String
  quantity: Int!
  currentQuantity: Int!
  unfulfilledQuantity: Int!
  variant: ProductVariant
  originalUnitPriceSet: MoneyBag!
}

type LineItemConnection {
  edges: [LineItemEdge!]!
  nodes: [LineItem!]!
  pageInfo: PageInfo!
}

type LineItemEdge {
  cursor: String!
  node: LineItem!
}

type ShippingLine {
  id: ID
  title: String!
  code: String
  source: String
  originalPriceSet: MoneyBag!
}

type ShippingLineConnection {
  edges: [ShippingLineEdge!]!
  nodes: [ShippingLine!]!
  pageInfo: PageInfo!
}

type ShippingLineEdge {
  cursor: String!
  node: ShippingLine!
}

type Fulfillment implements Node {
  id: ID!
  legacyResourceId: UnsignedInt64!
  name: String!
  status: FulfillmentStatus!
  displayStatus: FulfillmentDisplayStatus
  createdAt: DateTime!
  updatedAt: DateTime!
  trackingInfo(first: Int): [FulfillmentTrackingInfo!]!
  location: Location
}

enum FulfillmentStatus {
  CANCELLED
  ERROR
  FAILURE
  OPEN
  PENDING
  SUCCESS
}

enum FulfillmentDisplayStatus {
  ATTEMPTED_DELIVERY
  CANCELED
  CONFIRMED
  DELIVERED
  FAILURE
  FULFILLED
  IN_TRANSIT
  LABEL_PRINTED
  LABEL_PURCHASED
  OUT_FOR_DELIVERY
}

type FulfillmentTrackingInfo {
  company: String
  number: String
  url: URL
}

type Job {
  id: ID!
  done: Boolean!
}

enum OrderCancelReason {
  CUSTOMER
  DECLINED
  FRAUD
  INVENTORY
  OTHER
  STAFF
}

enum WebhookSubscriptionTopic {
  ${WEBHOOK_TOPICS.join('\n  ')}
}

enum WebhookSubscriptionFormat {
  JSON
  XML
}

type ApiVersion {
  handle: String!
  displayName: String!
  supported: Boolean!
}

type WebhookSubscription implements Node {
  id: ID!
  legacyResourceId: UnsignedInt64!
  topic: WebhookSubscriptionTopic!
  uri: String!
  format: WebhookSubscriptionFormat!
  includeFields: [String!]!
  metafieldNamespaces: [String!]!
  filter: String
  apiVersion: ApiVersion!
  createdAt: DateTime!
  updatedAt: DateTime!
}

type WebhookSubscriptionConnection {
  edges: [WebhookSubscriptionEdge!]!
  nodes: [WebhookSubscription!]!
  pageInfo: PageInfo!
}

type WebhookSubscriptionEdge {
  cursor: String!
  node: WebhookSubscription!
}

type UserError {
  field: [String!]
  message: String!
}

type Mutation {
  orderCreate(order: OrderCreateOrderInput!, options: OrderCreateOptionsInput): OrderCreatePayload
  orderCancel(
    orderId: ID!
    reason: OrderCancelReason!
    restock: Boolean!
    notifyCustomer: Boolean = false
    staffNote: String
    refund: Boolean @deprecated(reason: "Use refundMethod instead.")
    refundMethod: OrderCancelRefundMethodInput
  ): OrderCancelPayload
  inventoryAdjustQuantities(input: InventoryAdjustQuantitiesInput!): InventoryAdjustQuantitiesPayload
  metafieldsSet(metafields: [MetafieldsSetInput!]!): MetafieldsSetPayload
  webhookSubscriptionCreate(
    topic: WebhookSubscriptionTopic!
    webhookSubscription: WebhookSubscriptionInput!
  ): WebhookSubscriptionCreatePayload
  webhookSubscriptionDelete(id: ID!): WebhookSubscriptionDeletePayload
}

input MoneyInput {
  amount: Decimal!
  currencyCode: CurrencyCode!
}

input MoneyBagInput {
  shopMoney: MoneyInput!
  presentmentMoney: MoneyInput
}

input MailingAddressInput {
  address1: String
  address2: String
  city: String
  company: String
  countryCode: CountryCode
  firstName: String
  lastName: String
  phone: String
  provinceCode: String
  zip: String
}

input AttributeInput {
  key: String!
  value: String!
}

input OrderCreateOrderInput {
  billingAddress: MailingAddressInput
  shippingAddress: MailingAddressInput
  currency: CurrencyCode
  presentmentCurrency: CurrencyCode
  email: String
  phone: String
  financialStatus: OrderCreateFinancialStatus
  fulfillmentStatus: OrderCreateFulfillmentStatus
  lineItems: [OrderCreateLineItemInput!]
  shippingLines: [OrderCreateShippingLineInput!]
  transactions: [OrderCreateOrderTransactionInput!]
  taxesIncluded: Boolean
  metafields: [MetafieldInput!]
  customAttributes: [AttributeInput!]
  name: String
  note: String
  poNumber: String
  processedAt: DateTime
  sourceIdentifier: String
  sourceName: String
  sourceUrl: URL
  tags: [String!]
  test: Boolean
}

enum OrderCreateFinancialStatus {
  AUTHORIZED
  EXPIRED
  PAID
  PARTIALLY_PAID
  PARTIALLY_REFUNDED
  PENDING
  REFUNDED
  VOIDED
}

enum OrderCreateFulfillmentStatus {
  FULFILLED
  PARTIAL
  RESTOCKED
}

input OrderCreateLineItemInput {
  quantity: Int!
  variantId: ID
  priceSet: MoneyBagInput
  title: String
  sku: String
  requiresShipping: Boolean
  taxable: Boolean
  properties: [OrderCreateLineItemPropertyInput!]
  vendor: String
}

input OrderCreateLineItemPropertyInput {
  name: String!
  value: String!
}

input OrderCreateShippingLineInput {
  title: String!
  priceSet: MoneyBagInput!
  code: String
  source: String
}

input OrderCreateOrderTransactionInput {
  amountSet: MoneyBagInput!
  kind: OrderTransactionKind = SALE
  status: OrderTransactionStatus = SUCCESS
  gateway: String = "manual"
  processedAt: DateTime
  authorizationCode: String
  test: Boolean = false
}

enum OrderTransactionKind {
  AUTHORIZATION
  CAPTURE
  CHANGE
  EMV_AUTHORIZATION
  REFUND
  SALE
  SUGGESTED_REFUND
  VOID
}

enum OrderTransactionStatus {
  AWAITING_RESPONSE
  ERROR
  FAILURE
  PENDING
  SUCCESS
  UNKNOWN
}

input MetafieldInput {
  namespace: String
  key: String!
  value: String!
  type: String
}

input OrderCreateOptionsInput {
  inventoryBehaviour: OrderCreateInputsInventoryBehavior = BYPASS
  sendReceipt: Boolean = false
  sendFulfillmentReceipt: Boolean = false
}

enum OrderCreateInputsInventoryBehavior {
  BYPASS
  DECREMENT_IGNORING_POLICY
  DECREMENT_OBEYING_POLICY
}

type OrderCreatePayload {
  order: Order
  userErrors: [OrderCreateUserError!]!
}

type OrderCreateUserError {
  field: [String!]
  message: String!
  code: OrderCreateUserErrorCode
}

enum OrderCreateUserErrorCode {
  FULFILLMENT_SERVICE_INVALID
  INVALID
  INVENTORY_CLAIM_FAILED
  PROCESSED_AT_INVALID
  REDUNDANT_CUSTOMER_FIELDS
  SHOP_DORMANT
  TAX_LINE_RATE_MISSING
}

input OrderCancelRefundMethodInput {
  originalPaymentMethodsRefund: Boolean
}

type OrderCancelPayload {
  job: Job
  orderCancelUserErrors: [OrderCancelUserError!]!
  userErrors: [UserError!]! @deprecated(reason: "Use orderCancelUserErrors instead.")
}

type OrderCancelUserError {
  field: [String!]
  message: String!
  code: OrderCancelUserErrorCode
}

enum OrderCancelUserErrorCode {
  INTERNAL_ERROR
  INVALID
  NO_REFUND_PERMISSION
  NO_REFUND_TO_STORE_CREDIT_PERMISSION
  NOT_FOUND
  STORE_CREDIT_REFUND_B2B_NOT_SUPPORTED
  STORE_CREDIT_REFUND_EXPIRATION_IN_PAST
  STORE_CREDIT_REFUND_MISSING_CUSTOMER
}

input InventoryAdjustQuantitiesInput {
  name: String!
  reason: String!
  referenceDocumentUri: String
  changes: [InventoryChangeInput!]!
}

input InventoryChangeInput {
  delta: Int!
  inventoryItemId: ID!
  locationId: ID!
  ledgerDocumentUri: String
  changeFromQuantity: Int
}

type InventoryAdjustQuantitiesPayload {
  inventoryAdjustmentGroup: InventoryAdjustmentGroup
  userErrors: [InventoryAdjustQuantitiesUserError!]!
}

type InventoryAdjustmentGroup {
  id: ID!
  createdAt: DateTime!
  reason: String!
  referenceDocumentUri: String
  changes(inventoryItemIds: [ID!], locationIds: [ID!], quantityNames: [String!]): [InventoryChange!]!
}

type InventoryChange {
  name: String!
  delta: Int!
  quantityAfterChange: Int
  ledgerDocumentUri: String
  item: InventoryItem
  location: Location
}

type InventoryAdjustQuantitiesUserError {
  field: [String!]
  message: String!
  code: InventoryAdjustQuantitiesUserErrorCode
}

enum InventoryAdjustQuantitiesUserErrorCode {
  ADJUST_QUANTITIES_FAILED
  CHANGE_FROM_QUANTITY_STALE
  IDEMPOTENCY_CONCURRENT_REQUEST
  IDEMPOTENCY_KEY_PARAMETER_MISMATCH
  INTERNAL_LEDGER_DOCUMENT
  INVALID_AVAILABLE_DOCUMENT
  INVALID_INVENTORY_ITEM
  INVALID_LEDGER_DOCUMENT
  INVALID_LOCATION
  INVALID_QUANTITY_DOCUMENT
  INVALID_QUANTITY_NAME
  INVALID_QUANTITY_TOO_HIGH
  INVALID_QUANTITY_TOO_LOW
  INVALID_REASON
  INVALID_REFERENCE_DOCUMENT
  ITEM_NOT_STOCKED_AT_LOCATION
  MAX_ONE_LEDGER_DOCUMENT
  NON_MUTABLE_INVENTORY_ITEM
}

input MetafieldsSetInput {
  ownerId: ID!
  namespace: String
  key: String!
  value: String!
  type: String
  compareDigest: String
}

type MetafieldsSetPayload {
  metafields: [Metafield!]
  userErrors: [MetafieldsSetUserError!]!
}

type MetafieldsSetUserError {
  field: [String!]
  message: String!
  code: MetafieldsSetUserErrorCode
  elementIndex: Int
}

enum MetafieldsSetUserErrorCode {
  APP_NOT_AUTHORIZED
  BLANK
  INCLUSION
  INVALID
  INVALID_TYPE
  INVALID_VALUE
  LESS_THAN_OR_EQUAL_TO
  PRESENT
  STALE_OBJECT
  TAKEN
  TOO_LONG
  TOO_SHORT
}

input WebhookSubscriptionInput {
  uri: String
  callbackUrl: URL @deprecated(reason: "Use uri instead.")
  format: WebhookSubscriptionFormat
  includeFields: [String!]
  metafieldNamespaces: [String!]
  filter: String
}

type WebhookSubscriptionCreatePayload {
  webhookSubscription: WebhookSubscription
  userErrors: [UserError!]!
}

type WebhookSubscriptionDeletePayload {
  deletedWebhookSubscriptionId: ID
  userErrors: [UserError!]!
}
`;
