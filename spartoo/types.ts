/**
 * Spartoo's documents as the product uses them once parsed (spartoo-webservices.md): field names
 * keep Spartoo's meaning in camelCase, money is integer cents, dates are ISO strings (UTC instants;
 * Spartoo writes them as Paris wall-clock time, see values.ts).
 */

export const ORDER_STATUS = {
  WAITING_ACCEPTANCE: 11,
  ACCEPTED: 2,
  SHIPPED: 3,
  CANCELLED: 41,
  PARCEL_LOST: 45,
  PARCEL_RETURNED: 47,
} as const;
export type SpartooOrderStatus = (typeof ORDER_STATUS)[keyof typeof ORDER_STATUS];

export const RETURN_STATUS = {
  WAITING: 2,
  REFUSED: 3,
  ACCEPTED: 4,
  PAID: 5,
  REFUNDED: 7,
} as const;

export interface SpartooCustomer {
  firstname: string;
  lastname: string;
  company: string;
  streetAddress: string;
  suburb: string;
  city: string;
  postcode: string;
  state: string;
  country: string;
  email: string;
  telephone: string;
}

export interface SpartooRelayInfo {
  relayId: string;
  relayType: string;
  relayName: string;
  relayAddress: string;
  relayCity: string;
  relayPostcode: string;
  relayCountryIso: string;
}

export interface SpartooDelivery {
  firstname: string;
  lastname: string;
  company: string;
  streetAddress: string;
  suburb: string;
  city: string;
  postcode: string;
  state: string;
  country: string;
  relayInfo?: SpartooRelayInfo;
}

export interface SpartooOrderLine {
  productsReference: string;
  productsName: string;
  productsQty: number;
  productsSpartoo: string;
  productsManufacturers: string;
  productsSize: string;
  productsSizeReference: string;
  productsColor: string;
  /** Unit price before reduction, cents. */
  priceUnitCents: number;
  /** Unit price paid, cents; absent when Spartoo sends no such tag. */
  priceUnitWithReduceCents?: number;
  /** Line total, cents. */
  finalPriceCents: number;
}

export interface SpartooOrder {
  ordersId: string;
  customers: SpartooCustomer;
  delivery: SpartooDelivery;
  paymentMethod: string;
  paymentPriceCents: number;
  shippingPriceCents: number;
  shippingName: string;
  orderTotalCents: number;
  ordersStatusId: number;
  ordersStatusName: string;
  /** ISO 8601, UTC; always a valid date (an order without one is unreadable). */
  datePurchased: string;
  /** ISO 8601, UTC; '' when Spartoo sent none. */
  lastModified: string;
  products: SpartooOrderLine[];
  errors: { id: number; description: string }[];
}

export interface SpartooReturnProduct {
  productsReference: string;
  productsName: string;
  productsSpartoo: string;
  productsManufacturers: string;
  productsSize: string;
  productsColor: string;
}

export interface SpartooReturn {
  returnId: string;
  /** ISO 8601, UTC; always a valid date (a return without one is unreadable). */
  returnDate: string;
  returnStatus: number;
  returnStatusName: string;
  returnReason: string;
  orderId: string;
  product: SpartooReturnProduct;
}

/**
 * An `<order>` or `<return>` of a well-formed answer that does not have the expected shape (a line
 * without a price, a quantity "two", no purchase date): reported on its own, so it never hides the
 * readable ones.
 */
export interface UnreadableDocument {
  /** `orders_id` / `return_id`, when it could be read. */
  id?: string;
  /**
   * What is wrong, for a merchant: `order 12345: products.product.0.products_qty: must be an integer`.
   * Field paths and reasons only, never a field's value (names, addresses, e-mails, phones).
   */
  error: string;
  /** ISO 8601 UTC of `date_purchased` (a return's `return_date`), when it could be read. */
  datePurchased?: string;
  /** `orders_status_id` (a return's `return_status`), when it could be read. */
  statusId?: number;
}

/** An xml_export_orders.php answer: the orders read, and those that could not be. */
export interface OrdersExport {
  orders: SpartooOrder[];
  unreadable: UnreadableDocument[];
}

/** An xml_export_returns.php answer: the returns read, and those that could not be. */
export interface ReturnsExport {
  returns: SpartooReturn[];
  unreadable: UnreadableDocument[];
}

export interface StockSize {
  referencePartenaire: string;
  sizeReference: string;
  quantity: number;
}

/** One product of a parcel, for its delivery slip (xml_export_bl.php). */
export interface DeliverySlipProduct {
  /** The order line's `products_reference` (the merchant's parent reference). */
  referencePartenaire: string;
  quantity: number;
}
