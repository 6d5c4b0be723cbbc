import { randomInt, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Address } from '../../domain/types';
import {
  ImportRejectedError,
  type ImportRequest,
  type ShopOrderEvent,
  type StorePort,
} from '../../store/store';

/**
 * The store contract: one set of scenarios that every adapter of the store port (store/store.ts) must
 * pass, whatever shop sits behind it (the built-in database store, the Shopify sandbox, the WooCommerce
 * sandbox). A test file calls `storeContract` once per adapter, at its top level:
 *
 * ```ts
 * storeContract('Shopify (sandbox)', async () => {
 *   const sandbox = await startShopifySandbox();
 *   const store = createShopifyStore(config, secrets, deps);
 *   return {
 *     store,
 *     identificationAttributes: ['id', 'sku', 'ean', 'metafield.spartoo.ref'],
 *     addProduct: (p) => sandbox.addProduct(p),   // → the id productsByKeys answers for it
 *     shipInShop: (id, shipment) => sandbox.fulfill(id, shipment),
 *     cancelInShop: (id) => sandbox.cancel(id),
 *     stockOf: (id) => sandbox.available(id),
 *     close: () => sandbox.close(),
 *   };
 * });
 * ```
 *
 * `setup` runs once (beforeAll) and `close` once (afterAll); the scenarios run in order against the one
 * shop and never assume it is empty: every product, key and order they make has a random tag, and they
 * only look at their own. Each scenario proves one promise of the port:
 * - lookup: `productsByKeys` finds a product by each identification attribute the adapter lists, with
 *   its stock and both prices, and nothing for an unknown key;
 * - idempotent import: importing the same marketplace order again (a retry after a lost answer, even
 *   with changed lines) answers the first shop order with `created: false`, and takes stock once;
 * - stock taken: an import takes every line's quantity from its product's stock;
 * - refusal: an order naming an unknown product is an `ImportRejectedError`, with nothing created;
 * - cancel with restock: `cancelOrder` puts the stock back once, a second call changes nothing;
 * - restock: `restock` adds the quantity once per key;
 * - shop events: a shipment (carrier, tracking number) and a cancellation made in the shop show in
 *   `orderEventsSince`, and a later `cancelOrder` of an order cancelled in the shop changes nothing;
 * - catalogue paging: more products than one page, each once, in the same order on every walk, and a
 *   walk resumed from a page's cursor goes on exactly where it was;
 * - test: `test()` names the shop and counts its products.
 */
export function storeContract(name: string, setup: () => Promise<StoreContractHarness>): void {
  describe(`store contract: ${name}`, () => {
    let shop: StoreContractHarness;
    const tag = randomUUID().slice(0, 8);
    const connectionId = `contract-${tag}`;
    let made = 0;
    let added = 0;

    beforeAll(async () => {
      shop = await setup();
    });
    afterAll(async () => {
      await shop?.close();
    });

    /** A product no other scenario (nor another run) shares a key with; `stock` 10 unless told. */
    function product(overrides: Partial<ContractProduct> = {}): ContractProduct {
      const n = ++made;
      const keys = Object.fromEntries(
        otherAttributes().map((attribute) => [attribute, `K-${tag}-${n}-${attribute.split('.').at(-1)}`]),
      );
      return {
        sku: `SKU-${tag}-${n}`,
        ean: `2${String(randomInt(1e11)).padStart(11, '0')}${n % 10}`,
        name: `Contract product ${n}`,
        stock: 10,
        priceFinalInclTaxCents: 4990,
        priceOriginalInclTaxCents: 5990,
        keys,
        ...overrides,
      };
    }

    async function add(p: ContractProduct): Promise<string> {
      const id = await shop.addProduct(p);
      expect(id, 'addProduct answers the product id as a non-empty string').toEqual(expect.any(String));
      expect(id).not.toBe('');
      added++;
      return id;
    }

    const attributes = () => shop.identificationAttributes ?? DEFAULT_ATTRIBUTES;
    const otherAttributes = () =>
      (shop?.identificationAttributes ?? DEFAULT_ATTRIBUTES).filter((a) => !DEFAULT_ATTRIBUTES.includes(a));

    /** The key a product has in `attribute`, as a Spartoo order line would name it. */
    function keyOf(attribute: string, id: string, p: ContractProduct): string {
      if (attribute === 'id') return id;
      if (attribute === 'sku') return p.sku;
      if (attribute === 'ean') return p.ean;
      const key = p.keys?.[attribute];
      if (key === undefined) throw new Error(`the contract product has no value for ${attribute}`);
      return key;
    }

    function order(
      marketplaceOrderId: string,
      lines: { key: string; quantity: number }[],
      identificationAttribute = 'sku',
    ): ImportRequest {
      const items = lines.map((l, i) => ({
        line: i + 1,
        key: l.key,
        name: `Line ${i + 1}`,
        quantity: l.quantity,
        unitPriceCents: 4990,
      }));
      return {
        connectionId,
        marketplaceOrderId,
        identificationAttribute,
        billingAddress: BUYER,
        shippingAddress: RELAY,
        shippingMethod: 'Mondial Relay',
        lines: items,
        totalCents: items.reduce((sum, l) => sum + l.quantity * l.unitPriceCents, 0) + 490,
      };
    }
    const orderId = (label: string) => `${tag}-${label}`;

    /** A product with `stock` and an open order of `quantity` of it, imported once. */
    async function imported(label: string, stock: number, quantity: number) {
      const p = product({ stock });
      const productId = await add(p);
      const { order: shopOrder } = await shop.store.importOrder(
        order(orderId(label), [{ key: p.sku, quantity }]),
      );
      return { productId, storeOrderId: shopOrder.id };
    }

    /** Shop events are read from the shop: allow it a few seconds to show one. */
    async function eventOf(
      storeOrderId: string,
      kind: ShopOrderEvent['kind'],
      since: Date,
    ): Promise<ShopOrderEvent> {
      const deadline = Date.now() + 15_000;
      for (;;) {
        const events = await shop.store.orderEventsSince(since);
        const found = events.find((e) => e.storeOrderId === storeOrderId && e.kind === kind);
        if (found) return found;
        if (Date.now() > deadline)
          throw new Error(`no ${kind} event for shop order ${storeOrderId} in ${JSON.stringify(events)}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    }

    /** A second before now, on a whole second: shops that keep times to the second still count it. */
    const aMomentAgo = () => new Date(Math.floor(Date.now() / 1000) * 1000 - 1000);

    it('finds a product by each identification attribute it supports, with its stock and prices', async () => {
      const p = product({ stock: 7 });
      const id = await add(p);
      expect(attributes()).toContain('sku');
      for (const attribute of attributes()) {
        const found = await shop.store.productsByKeys(attribute, [keyOf(attribute, id, p), `none-${tag}`]);
        expect(
          found.map((f) => f.id),
          `productsByKeys(${attribute})`,
        ).toEqual([id]);
        expect(found[0]).toMatchObject({
          id,
          stock: 7,
          priceFinalInclTaxCents: 4990,
          priceOriginalInclTaxCents: 5990,
        });
      }
      expect(await shop.store.productsByKeys('sku', [`none-${tag}`])).toEqual([]);
      expect(await shop.store.productsByKeys('sku', [])).toEqual([]);
    });

    it('imports an order once: a retry after a lost answer finds the first, and stock is taken once', async () => {
      const p = product({ stock: 10 });
      const productId = await add(p);
      const request = order(orderId('once'), [{ key: p.sku, quantity: 2 }]);

      const first = await shop.store.importOrder(request);
      expect(first.created).toBe(true);
      expect(first.order).toMatchObject({ marketplaceOrderId: orderId('once'), status: 'OPEN' });
      expect(first.order.id).toEqual(expect.any(String));
      expect(first.order.id).not.toBe('');

      // The answer was lost: the activity runs again with the same request.
      const again = await shop.store.importOrder(request);
      expect(again).toMatchObject({ created: false, order: { id: first.order.id, status: 'OPEN' } });
      // A retry whose lines changed meanwhile still finds the first order, and takes nothing more.
      const changed = await shop.store.importOrder(order(orderId('once'), [{ key: p.sku, quantity: 5 }]));
      expect(changed).toMatchObject({ created: false, order: { id: first.order.id } });

      expect(await shop.stockOf(productId)).toBe(8);
      expect(await shop.store.findOrder(connectionId, orderId('once'))).toMatchObject({
        id: first.order.id,
        marketplaceOrderId: orderId('once'),
        status: 'OPEN',
      });
      expect(await shop.store.findOrder(connectionId, orderId('never-imported'))).toBeUndefined();
    });

    it("takes each line's quantity from its product's stock, keyed by the connection's attribute", async () => {
      const a = product({ stock: 6 });
      const b = product({ stock: 4 });
      const [aId, bId] = [await add(a), await add(b)];
      const { created } = await shop.store.importOrder(
        order(
          orderId('lines'),
          [
            { key: a.ean, quantity: 1 },
            { key: b.ean, quantity: 3 },
          ],
          'ean',
        ),
      );
      expect(created).toBe(true);
      expect(await shop.stockOf(aId)).toBe(5);
      expect(await shop.stockOf(bId)).toBe(1);
    });

    it('refuses an order naming an unknown product with ImportRejectedError, creating nothing', async () => {
      const p = product({ stock: 3 });
      const productId = await add(p);
      const request = order(orderId('unknown'), [
        { key: p.sku, quantity: 1 },
        { key: `no-such-sku-${tag}`, quantity: 1 },
      ]);
      await expect(shop.store.importOrder(request)).rejects.toBeInstanceOf(ImportRejectedError);
      expect(await shop.store.findOrder(connectionId, orderId('unknown'))).toBeUndefined();
      expect(await shop.stockOf(productId)).toBe(3);
    });

    it('cancels an order and puts its stock back, once', async () => {
      const { productId, storeOrderId } = await imported('cancel', 5, 3);
      expect(await shop.stockOf(productId)).toBe(2);
      expect(await shop.store.cancelOrder(storeOrderId)).toMatchObject({ changed: true });
      expect(await shop.stockOf(productId)).toBe(5);
      expect(await shop.store.findOrder(connectionId, orderId('cancel'))).toMatchObject({
        id: storeOrderId,
        status: 'CANCELLED',
      });
      // Sent again (Spartoo's 41 seen twice, an answer lost): nothing more.
      expect(await shop.store.cancelOrder(storeOrderId)).toMatchObject({ changed: false });
      expect(await shop.stockOf(productId)).toBe(5);
    });

    it('restocks a returned item once per key', async () => {
      const productId = await add(product({ stock: 1 }));
      expect(await shop.store.restock(productId, 2, `return-${tag}-1`)).toMatchObject({ changed: true });
      expect(await shop.stockOf(productId)).toBe(3);
      expect(await shop.store.restock(productId, 2, `return-${tag}-1`)).toMatchObject({ changed: false });
      expect(await shop.stockOf(productId)).toBe(3);
      expect(await shop.store.restock(productId, 1, `return-${tag}-2`)).toMatchObject({ changed: true });
      expect(await shop.stockOf(productId)).toBe(4);
    });

    it('reports a shipment made in the shop, with carrier and tracking number, through orderEventsSince', async () => {
      const { storeOrderId } = await imported('ship', 4, 1);
      const since = aMomentAgo();
      const shipment = { carrier: 'Colissimo', trackingNumber: `TRK-${tag}` };
      await shop.shipInShop(storeOrderId, shipment);

      const event = await eventOf(storeOrderId, 'shipped', since);
      expect(event).toMatchObject({ storeOrderId, marketplaceOrderId: orderId('ship'), shipment });
      expect(Number.isNaN(Date.parse(event.at)), `event.at "${event.at}" is an ISO time`).toBe(false);
      expect(await shop.store.findOrder(connectionId, orderId('ship'))).toMatchObject({
        id: storeOrderId,
        status: 'SHIPPED',
        shipment,
      });
      const later = await shop.store.orderEventsSince(new Date(Date.now() + 60 * 60 * 1000));
      expect(later.filter((e) => e.storeOrderId === storeOrderId)).toEqual([]);
    });

    it('reports a cancellation made in the shop through orderEventsSince; cancelling it again changes nothing', async () => {
      const { productId, storeOrderId } = await imported('shop-cancel', 4, 2);
      const since = aMomentAgo();
      await shop.cancelInShop(storeOrderId);

      const event = await eventOf(storeOrderId, 'cancelled', since);
      expect(event).toMatchObject({ storeOrderId, marketplaceOrderId: orderId('shop-cancel') });
      expect(await shop.store.findOrder(connectionId, orderId('shop-cancel'))).toMatchObject({
        status: 'CANCELLED',
      });
      // Spartoo's cancellation arrives after the merchant's: the shop order is not restocked twice.
      const stock = await shop.stockOf(productId);
      expect(await shop.store.cancelOrder(storeOrderId)).toMatchObject({ changed: false });
      expect(await shop.stockOf(productId)).toBe(stock);
    });

    it('pages through the catalogue: more products than one page, each once, in a stable order', async () => {
      const ours = new Map<string, number>();
      for (let i = 0; i < PAGE_LIMIT * 2 + 1; i++) ours.set(await add(product({ stock: 20 + i })), 20 + i);

      const walk = async (after?: string) => {
        const pages: { ids: string[]; next?: string }[] = [];
        const stocks = new Map<string, number>();
        for (let cursor = after; ; ) {
          const page = await shop.store.catalogue({ after: cursor, limit: PAGE_LIMIT });
          expect(page.products.length).toBeLessThanOrEqual(PAGE_LIMIT);
          for (const p of page.products) stocks.set(p.id, p.stock);
          pages.push({ ids: page.products.map((p) => p.id), next: page.next });
          if (page.next === undefined) return { pages, ids: pages.flatMap((p) => p.ids), stocks };
          expect(page.products.length, 'a page with a next cursor has products').toBeGreaterThan(0);
          expect(pages.length, 'the walk ends').toBeLessThan(10_000);
          cursor = page.next;
        }
      };

      const first = await walk();
      expect(first.pages.length).toBeGreaterThan(1);
      expect(new Set(first.ids).size, 'no product twice').toBe(first.ids.length);
      for (const [id, stock] of ours)
        expect(first.stocks.get(id), `product ${id} in the catalogue`).toBe(stock);
      expect((await walk()).ids, 'the same order on every walk').toEqual(first.ids);
      // A stock push heartbeats a cursor and resumes from it after a crash.
      const resumeAt = first.pages[0]!;
      const resumed = await walk(resumeAt.next);
      expect(resumed.ids).toEqual(first.ids.slice(resumeAt.ids.length));
    });

    it('checks its credentials: names the shop and counts its products', async () => {
      const result = await shop.store.test();
      expect(result.shopName).toEqual(expect.any(String));
      expect(result.shopName).not.toBe('');
      expect(result.productCount).toBeGreaterThanOrEqual(added);
      expect(Number.isInteger(result.webhooksRegistered) && result.webhooksRegistered >= 0).toBe(true);
    });
  });
}

/** What an adapter's test gives the contract: the port, and a hand in the shop to play the merchant. */
export interface StoreContractHarness {
  /** The adapter under test. */
  store: StorePort;
  /**
   * The identification attributes the adapter supports, each looked up by the suite: `id` (the id
   * `addProduct` answered), `sku`, `ean`, and any other (`attributes.<name>`, `metafield.<ns>.<key>`)
   * by its value in `ContractProduct.keys`. Default: `['id', 'sku', 'ean']`. Must include `sku`.
   */
  identificationAttributes?: string[];
  /** Creates the product in the shop, as the merchant would; answers its id as the port names it. */
  addProduct(product: ContractProduct): Promise<string>;
  /** The merchant ships the shop order in the shop (a fulfillment, a completed order…). */
  shipInShop(storeOrderId: string, shipment: { carrier: string; trackingNumber: string }): Promise<void>;
  /** The merchant cancels the shop order in the shop. */
  cancelInShop(storeOrderId: string): Promise<void>;
  /** The product's stock as the shop holds it (read from the shop, not through the port). */
  stockOf(productId: string): Promise<number>;
  close(): Promise<void>;
}

/** A product as a scenario creates it in the shop; its sku, EAN and keys are unique to the run. */
export interface ContractProduct {
  sku: string;
  /** 13 digits. */
  ean: string;
  name: string;
  stock: number;
  /** The selling price (Shopify `price`, WooCommerce `price`). */
  priceFinalInclTaxCents: number;
  /** The price before reduction (Shopify `compareAtPrice`, WooCommerce `regular_price`); always set here. */
  priceOriginalInclTaxCents: number;
  /**
   * The product's value in each identification attribute of `identificationAttributes` other than
   * `id`, `sku` and `ean`, keyed by the attribute as a connection names it, e.g.
   * `{ 'attributes.ref': 'K-…' }` or `{ 'metafield.spartoo.ref': 'K-…' }`.
   */
  keys: Record<string, string>;
}

const DEFAULT_ATTRIBUTES = ['id', 'sku', 'ean'];
/** Products per catalogue page in the paging scenario: small, so a few products make several pages. */
const PAGE_LIMIT = 2;

const BUYER: Address = {
  firstName: 'Camille',
  lastName: 'Durand',
  company: '',
  street: '1 rue de la Paix',
  suburb: '',
  city: 'Paris',
  postcode: '75002',
  state: '',
  country: 'FR',
  email: 'camille@example.com',
  phone: '+33600000000',
};

const RELAY: Address = {
  firstName: 'Camille',
  lastName: 'Durand',
  company: 'Relais Tabac de la Gare',
  street: '12 avenue de la Gare',
  suburb: '',
  city: 'Lyon',
  postcode: '69002',
  state: '',
  country: 'FR',
  relayPointId: 'MR-012345',
};
