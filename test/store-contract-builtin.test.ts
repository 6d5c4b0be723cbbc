import { randomUUID } from 'node:crypto';
import { createDatabaseStore } from '../store/database-store';
import { openTestDatabase } from './support/databases';
import { storeContract } from './support/store-contract';

/** The built-in store against the store contract, on PGlite: the merchant's hand is its own routes' methods. */
storeContract('built-in store', async () => {
  const database = await openTestDatabase('pglite');
  const store = createDatabaseStore(database.db);
  return {
    store,
    identificationAttributes: ['id', 'sku', 'ean', 'attributes.ref'],
    async addProduct(p) {
      const id = `P-${randomUUID()}`;
      await store.upsertProducts([
        {
          id,
          sku: p.sku,
          ean: p.ean,
          name: p.name,
          stock: p.stock,
          priceFinalInclTaxCents: p.priceFinalInclTaxCents,
          priceOriginalInclTaxCents: p.priceOriginalInclTaxCents,
          attributes: { ref: p.keys['attributes.ref']! },
        },
      ]);
      return id;
    },
    async shipInShop(storeOrderId, shipment) {
      if (!(await store.shipOrder(storeOrderId, shipment))) throw new Error(`order ${storeOrderId} not open`);
    },
    async cancelInShop(storeOrderId) {
      await store.cancelOrder(storeOrderId);
    },
    async stockOf(productId) {
      const product = await store.getProduct(productId);
      if (!product) throw new Error(`no product ${productId}`);
      return product.stock;
    },
    close: () => database.close(),
  };
});
