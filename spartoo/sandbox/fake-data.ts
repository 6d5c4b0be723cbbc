/**
 * Plausible French marketplace data for the sandbox's orders and returns, from a seeded generator so a
 * sandbox started with the same seed tells the same story.
 */
import { formatAmount } from '../values';

export type Random = () => number;

/** mulberry32: small, fast, good enough for fake data and fault draws. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const pick = <T>(random: Random, items: readonly T[]): T =>
  items[Math.floor(random() * items.length)]!;

export const between = (random: Random, min: number, max: number): number =>
  min + Math.floor(random() * (max - min + 1));

/** Spartoo's order ids: 16 upper-case hex characters (e.g. 3FF75E96C3434E92). */
export function hexId(random: Random): string {
  let id = '';
  for (let i = 0; i < 16; i++) id += Math.floor(random() * 16).toString(16);
  return id.toUpperCase();
}

const FIRST_NAMES = [
  'Camille',
  'Léa',
  'Manon',
  'Chloé',
  'Inès',
  'Julie',
  'Sophie',
  'Hélène',
  'Lucas',
  'Hugo',
  'Louis',
  'Théo',
  'Nicolas',
  'Antoine',
  'Julien',
  'François',
];
const LAST_NAMES = [
  'Martin',
  'Bernard',
  'Dubois',
  'Thomas',
  'Robert',
  'Richard',
  'Petit',
  'Durand',
  'Leroy',
  'Moreau',
  'Simon',
  'Laurent',
  'Lefèvre',
  'Michel',
  'Garcia',
  'Fournier',
];
const STREETS = [
  'rue de la République',
  'avenue Jean Jaurès',
  'rue Victor Hugo',
  'boulevard Gambetta',
  'rue du Général de Gaulle',
  'place de la Mairie',
  'rue Pasteur',
  'allée des Tilleuls',
  "chemin de l'Église",
  'rue des Écoles',
];
const CITIES: readonly { city: string; postcode: string; state: string }[] = [
  { city: 'Paris', postcode: '75011', state: 'Île-de-France' },
  { city: 'Lyon', postcode: '69003', state: 'Auvergne-Rhône-Alpes' },
  { city: 'Marseille', postcode: '13006', state: "Provence-Alpes-Côte d'Azur" },
  { city: 'Toulouse', postcode: '31000', state: 'Occitanie' },
  { city: 'Bordeaux', postcode: '33000', state: 'Nouvelle-Aquitaine' },
  { city: 'Lille', postcode: '59000', state: 'Hauts-de-France' },
  { city: 'Nantes', postcode: '44000', state: 'Pays de la Loire' },
  { city: 'Strasbourg', postcode: '67000', state: 'Grand Est' },
  { city: 'Rennes', postcode: '35000', state: 'Bretagne' },
  { city: 'Bourg-en-Bresse', postcode: '01000', state: 'Auvergne-Rhône-Alpes' },
];
const SUBURBS = ['', '', '', 'Bâtiment B', 'Appartement 12', 'Résidence les Pins'];
const BRANDS = [
  'Kickers',
  'Aigle',
  'Geox',
  'Clarks',
  'Mephisto',
  'Palladium',
  'Rieker',
  'Camper',
  'Pataugas',
];
const ARTICLES = [
  'Baskets',
  'Bottines',
  'Mocassins',
  'Sandales',
  'Derbies',
  'Ballerines',
  'Bottes',
  'Escarpins',
];
const COLORS = ['Noir', 'Marron', 'Bleu marine', 'Blanc', 'Beige', 'Rouge', 'Gris', 'Camel'];
const SIZES = ['36', '37', '38', '39', '40', '41', '42', '43', '44', '45'];
const PAYMENT_METHODS = ['Carte Bancaire', 'PayPal', 'Carte Bancaire', 'Paiement en 3 fois'];
export const HOME_SHIPPING = ['Colissimo', 'Chronopost', 'DPD', 'GLS', 'Colis Privé'];
export const RELAY_NETWORKS: readonly { shipping: string; type: string; prefix: string }[] = [
  { shipping: 'Mondial Relay', type: 'MR', prefix: '' },
  { shipping: 'Relais Colis', type: 'RC', prefix: 'RC' },
  { shipping: 'Chronopost', type: 'CHRONO_RELAIS', prefix: 'C' },
];
const RELAY_SHOPS = [
  'Tabac Presse du Centre',
  'Librairie des Arcades',
  'Pressing Saint-Michel',
  'Carrefour City',
];
export const RETURN_REASONS = [
  'Taille trop petite',
  'Taille trop grande',
  'Ne correspond pas à la description',
  'Article défectueux',
  'Ne me plaît pas',
  'Couleur différente de la photo',
];

const lower = (s: string) =>
  s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z]/g, '');

export function fakeCustomer(random: Random): Record<string, string> {
  const firstname = pick(random, FIRST_NAMES);
  const lastname = pick(random, LAST_NAMES);
  const place = pick(random, CITIES);
  return {
    customers_firstname: firstname,
    customers_lastname: lastname,
    customers_company: '',
    customers_street_address: `${between(random, 1, 120)} ${pick(random, STREETS)}`,
    customers_suburb: pick(random, SUBURBS),
    customers_city: place.city,
    customers_postcode: place.postcode,
    customers_state: place.state,
    customers_country: 'France',
    customers_email_address: `${lower(firstname)}.${lower(lastname)}${between(random, 1, 99)}@example.fr`,
    customers_telephone: `06${String(between(random, 0, 99_999_999)).padStart(8, '0')}`,
  };
}

/** The delivery address; mostly the buyer's own. */
export function fakeDelivery(random: Random, customers: Record<string, string>): Record<string, string> {
  const same = random() < 0.7;
  const other = same ? customers : fakeCustomer(random);
  return {
    delivery_firstname: other.customers_firstname ?? '',
    delivery_lastname: other.customers_lastname ?? customers.customers_lastname ?? '',
    delivery_company: other.customers_company ?? '',
    delivery_street_address: other.customers_street_address ?? '',
    delivery_suburb: other.customers_suburb ?? '',
    delivery_city: other.customers_city ?? '',
    delivery_postcode: other.customers_postcode ?? '',
    delivery_state: other.customers_state ?? '',
    delivery_country: other.customers_country ?? 'France',
  };
}

export function fakeRelay(random: Random, network: (typeof RELAY_NETWORKS)[number]): Record<string, string> {
  const place = pick(random, CITIES);
  return {
    relay_id: `${network.prefix}${String(between(random, 1, 999_999)).padStart(6, '0')}`,
    relay_type: network.type,
    relay_name: pick(random, RELAY_SHOPS),
    relay_address: `${between(random, 1, 80)} ${pick(random, STREETS)}`,
    relay_city: place.city,
    relay_postcode: place.postcode,
    relay_country_iso: 'FR',
  };
}

/** One order line; prices are strings in Spartoo's format, unit price paid ≤ unit price. */
export function fakeProduct(random: Random): Record<string, string> {
  const brand = pick(random, BRANDS);
  const reference = `${brand.slice(0, 3).toUpperCase()}-${between(random, 10_000, 99_999)}`;
  const size = pick(random, SIZES);
  const unitCents = between(random, 30, 160) * 100 - 10;
  const reduced = random() < 0.3 ? Math.round((unitCents * 0.8) / 10) * 10 - 10 : unitCents;
  return {
    products_reference: reference,
    products_name: `${pick(random, ARTICLES)} ${brand}`,
    products_qty: '1',
    products_spartoo: String(between(random, 1_000_000, 9_999_999)),
    products_manufacturers: brand,
    products_size: size,
    products_size_reference: `${reference}-${size}`,
    products_color: pick(random, COLORS),
    products_price_unit: formatAmount(unitCents),
    products_price_unit_with_reduce: formatAmount(reduced),
  };
}

export const fakePaymentMethod = (random: Random) => pick(random, PAYMENT_METHODS);
export const fakeReturnReason = (random: Random) => pick(random, RETURN_REASONS);
