import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo } from '../scripts/demo';
import { freePort } from './support/global-setup';
import { startTestStack, type TestStack } from './support/stack';
import { waitFor } from './support/wait';

/**
 * `npm start`'s demo with DEMO_STORE=shopify (the demo function, as scripts/start.ts calls it, on the
 * run's Temporal dev server rather than a second one): the Shopify sandbox on its port with the demo
 * products, a Shopify store created through POST /stores, and the demo connection importing into it.
 */
describe('demo with DEMO_STORE=shopify', () => {
  let stack: TestStack;
  let demo: Awaited<ReturnType<typeof startDemo>>;
  let shopifyPort: number;

  beforeAll(async () => {
    const [port, sandboxPort] = [await freePort(), await freePort()];
    shopifyPort = await freePort();
    stack = await startTestStack({ publicUrl: `http://127.0.0.1:${port}` });
    await stack.app.listen({ port, host: '127.0.0.1' });
    demo = await startDemo(stack, sandboxPort, () => {}, { store: 'shopify', shopifyPort });
  });
  afterAll(async () => {
    await demo?.close();
    await stack?.close();
  });

  it('ends with demo orders imported into the Shopify sandbox', async () => {
    expect(demo.seeded).toBe(true);
    const stores = (await stack.app.inject({ method: 'GET', url: '/stores', headers: stack.auth })).json();
    const shopify = stores.items.find((s: { kind: string }) => s.kind === 'shopify');
    expect(shopify).toMatchObject({ shopUrl: `http://127.0.0.1:${shopifyPort}`, problem: null });
    const [connection] = await stack.connections.list();
    expect(connection!.settings).toMatchObject({
      storeId: shopify.id,
      productIdentificationAttribute: 'sku',
    });

    const orders = await waitFor(
      async () =>
        (await (await fetch(`http://127.0.0.1:${shopifyPort}/_sandbox/orders`)).json()) as {
          tags: string;
          line_items: { sku: string }[];
        }[],
      (list) => list.length >= 2,
      60_000,
    );
    // The two orders the rule accepts (RUN-42, and CHELSEA-39 to a relay point), tagged with their Spartoo ids.
    expect(orders.map((o) => o.line_items[0]!.sku).sort()).toEqual(['CHELSEA-39', 'RUN-42']);
    for (const o of orders) expect(o.tags).toContain(`spartoo:${connection!.id}:`);
    const awaiting = await waitFor(
      async () =>
        (await stack.app.inject({ method: 'GET', url: '/orders', headers: stack.auth }))
          .json()
          .items.filter((o: { status: string }) => o.status === 'AWAITING_SHIPMENT'),
      (list) => list.length === 2,
    );
    expect(awaiting).toHaveLength(2);
  });
});
