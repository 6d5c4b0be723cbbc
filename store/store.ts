import type { Address, StoreProduct } from '../domain/types';

/**
 * The merchant's store as the product sees it. The built-in one lives in the database
 * (database-store.ts); a real shop connector implements the same interface.
 */
export interface ImportLine {
  line: number;
  key: string;
  name: string;
  quantity: number;
  unitPriceCents: number;
}

export interface ImportRequest {
  connectionId: string;
  marketplaceOrderId: string;
  identificationAttribute: string;
  billingAddress: Address;
  shippingAddress: Address;
  shippingMethod: string;
  lines: ImportLine[];
  totalCents: number;
}

export interface StoreOrder {
  id: number;
  connectionId: string;
  marketplaceOrderId: string;
  status: 'OPEN' | 'SHIPPED' | 'CANCELLED';
  billingAddress: Address;
  shippingAddress: Address;
  shippingMethod: string;
  items: { productId: string; key: string; name: string; quantity: number; unitPriceCents: number }[];
  totalCents: number;
  carrier: string | null;
  trackingNumber: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A permanent refusal by the store (unknown product, bad address): retrying the same import cannot help. */
export class ImportRejectedError extends Error {
  override name = 'ImportRejectedError';
}

export interface Store {
  productsByKeys(attribute: string, keys: string[]): Promise<StoreProduct[]>;
  /** At most one store order per marketplace order: a repeated import returns the first one. */
  importOrder(request: ImportRequest): Promise<{ order: StoreOrder; created: boolean }>;
  getOrder(id: number): Promise<StoreOrder | undefined>;
  findOrder(connectionId: string, marketplaceOrderId: string): Promise<StoreOrder | undefined>;
  /** Cancels and restocks once; a second call changes nothing. */
  cancelOrder(id: number): Promise<{ order: StoreOrder; changed: boolean }>;
}
