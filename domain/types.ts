/** Shapes shared by the pure rules and the store (SPEC §6), in the merchant's words. Money in integer cents. */

export interface Address {
  firstName: string;
  lastName: string;
  company: string;
  street: string;
  suburb: string;
  city: string;
  postcode: string;
  state: string;
  country: string;
  email?: string;
  phone?: string;
  relayPointId?: string;
}

export interface StoreProduct {
  id: string;
  sku?: string | null;
  ean?: string | null;
  reference?: string | null;
  name?: string | null;
  stock: number;
  priceFinalInclTaxCents?: number | null;
  priceOriginalInclTaxCents?: number | null;
  attributes?: Record<string, string>;
}
