import type { FastifyInstance } from 'fastify';
import { createSandbox } from '../spartoo/sandbox/app';
import type { Stack } from './stack';

/** The demo merchant code: the sandbox's, never a real Spartoo key. */
export const DEMO_PARTNER = 'DEMO-PARTNER-0001';

const shoe = (
  id: string,
  reference: string,
  name: string,
  stock: number,
  price: number,
  original: number,
) => ({
  id,
  reference,
  name,
  stock,
  priceFinalInclTaxCents: Math.round(price * 100),
  priceOriginalInclTaxCents: Math.round(original * 100),
});

const DEMO_PRODUCTS = [
  ...[40, 41, 42, 43, 44].map((size) =>
    shoe(`RUN-${size}`, 'RUN', `Trail runner, size ${size}`, 12, 89.9, 109.9),
  ),
  ...[38, 39, 40, 41].map((size) =>
    shoe(`CHELSEA-${size}`, 'CHELSEA', `Chelsea boot, size ${size}`, 6, 129, 149),
  ),
  shoe('SANDAL-39', 'SANDAL', 'Leather sandal, size 39', 0, 59.9, 59.9),
];

const orderLine = (sizeRef: string, name: string, qty: number, price: string, original = price) => ({
  products_reference: sizeRef.split('-')[0],
  products_size_reference: sizeRef,
  products_name: name,
  products_size: sizeRef.split('-')[1],
  products_qty: String(qty),
  products_price_unit: original,
  products_price_unit_with_reduce: price,
});

/** Orders that show every path: auto-accepted, relay point, waiting with reasons, unknown product, out of stock. */
const DEMO_ORDERS = [
  { shipping_name: 'Colissimo', products: [orderLine('RUN-42', 'Trail runner', 1, '89.90', '109.90')] },
  {
    shipping_name: 'Mondial Relay',
    delivery: {
      delivery_firstname: 'Camille',
      delivery_lastname: 'Durand',
      relay_info: {
        relay_id: 'MR-075012',
        relay_type: 'MONDIAL_RELAY',
        relay_name: 'Tabac de la Gare',
        relay_address: '12 rue de Lyon',
        relay_city: 'Paris',
        relay_postcode: '75012',
        relay_country_iso: 'FR',
      },
    },
    products: [orderLine('CHELSEA-39', 'Chelsea boot', 1, '129.00', '149.00')],
  },
  { shipping_name: 'Chronopost', products: [orderLine('RUN-41', 'Trail runner', 2, '79.00', '109.90')] },
  { shipping_name: 'Colissimo', products: [orderLine('TRAIL-43', 'Mountain trail shoe', 1, '119.00')] },
  { shipping_name: 'DPD', products: [orderLine('SANDAL-39', 'Leather sandal', 1, '59.90')] },
];

/**
 * `npm start`'s demo: the Spartoo sandbox on SANDBOX_PORT and, when the database has no connection
 * yet, a connection to it with store products and a handful of orders, so orders flow within a minute.
 */
export async function startDemo(stack: Stack, sandboxPort: number, log: (m: string) => void) {
  const sandbox: FastifyInstance = createSandbox();
  const sandboxUrl = await sandbox.listen({ port: sandboxPort, host: '127.0.0.1' });
  const admin = (url: string, payload: Record<string, unknown>) =>
    sandbox.inject({ method: 'POST', url, payload });
  await admin('/_sandbox/merchants', { partenaire: DEMO_PARTNER });
  log(`Demo: Spartoo sandbox on ${sandboxUrl}/mp/ (admin: ${sandboxUrl}/_sandbox/)`);

  const { connections, store } = stack.services;
  if ((await connections.list()).length > 0) {
    log(
      'Demo: the database already has connections, nothing seeded (the sandbox starts empty after a restart).',
    );
    return { sandbox, sandboxUrl, seeded: false };
  }
  await store.upsertProducts(DEMO_PRODUCTS);
  for (const order of DEMO_ORDERS)
    await admin('/_sandbox/orders', { partenaire: DEMO_PARTNER, order: order as object });
  const res = await stack.app.inject({
    method: 'POST',
    url: '/connections',
    headers: { authorization: `Bearer ${stack.services.apiToken}` },
    payload: {
      name: 'Spartoo FR (demo sandbox)',
      apiKey: DEMO_PARTNER,
      baseUrl: `${sandboxUrl}/mp/`,
      autoAccept: true,
      pollIntervalSeconds: 10,
      stockSyncIntervalSeconds: 60,
      shippingServiceMap: { 'La Poste Colissimo': 'Colissimo' },
    },
  });
  if (res.statusCode !== 201) throw new Error(`demo connection: ${res.statusCode} ${res.body}`);
  log(
    `Demo: connection "${res.json().name}" created with ${DEMO_PRODUCTS.length} products and ${DEMO_ORDERS.length} orders; ` +
      'they appear within seconds (GET /orders, or the dashboard).',
  );
  return { sandbox, sandboxUrl, seeded: true };
}
