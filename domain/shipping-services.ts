/**
 * Spartoo publishes no list of allowed shipping services: this is the project's one list
 * (spartoo-webservices.md, "Shipping services"). Change it here when a real account shows otherwise.
 */
export const SPARTOO_SHIPPING_SERVICES = [
  'Colissimo',
  'Chronopost',
  'Mondial Relay',
  'Relais Colis',
  'DPD',
  'GLS',
  'UPS',
  'DHL',
  'TNT',
  'Colis Privé',
  'La Poste',
] as const;

export type SpartooShippingService = (typeof SPARTOO_SHIPPING_SERVICES)[number];
