/**
 * Spartoo's documents as the product uses them once parsed (spartoo-webservices.md): field names
 * keep Spartoo's meaning in camelCase, money is integer cents, dates are ISO strings (UTC).
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
  /** ISO 8601, UTC. */
  datePurchased: string;
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
  /** ISO 8601, UTC. */
  returnDate: string;
  returnStatus: number;
  returnStatusName: string;
  returnReason: string;
  orderId: string;
  product: SpartooReturnProduct;
}

export interface StockSize {
  referencePartenaire: string;
  sizeReference: string;
  quantity: number;
}
