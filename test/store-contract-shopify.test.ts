/**
 * The store contract (test/support/store-contract.ts) for the Shopify adapter, against the Shopify
 * sandbox: the same scenarios as the built-in store, through Admin GraphQL 2026-10.
 */
import { createShopifyStore } from '../store/shopify/adapter';
import { SHOPIFY_SECRET, SHOPIFY_TOKEN, startShopifySandbox, startWebhookReceiver } from './support/shopify';
import { storeContract } from './support/store-contract';

const METAFIELD = 'metafield.spartoo.ref';

storeContract('Shopify (sandbox)', async () => {
  const sandbox = await startShopifySandbox();
  const receiver = await startWebhookReceiver();
  const store = createShopifyStore(
    { shopUrl: sandbox.url, accessToken: SHOPIFY_TOKEN, webhookSecret: SHOPIFY_SECRET },
    { publicUrl: receiver.url, storeId: 'contract', catalogueAttributes: [METAFIELD] },
  );
  return {
    store,
    identificationAttributes: ['id', 'sku', 'ean', METAFIELD],
    async addProduct(p) {
      const created = await sandbox.addProduct(p.name, [
        {
          sku: p.sku,
          barcode: p.ean,
          price: (p.priceFinalInclTaxCents / 100).toFixed(2),
          compareAtPrice: (p.priceOriginalInclTaxCents / 100).toFixed(2),
          available: p.stock,
          metafields: [{ namespace: 'spartoo', key: 'ref', value: p.keys[METAFIELD]! }],
        },
      ]);
      return String(created.variants[0]!.id);
    },
    shipInShop: async (id, shipment) => {
      await sandbox.fulfill(id, shipment);
    },
    cancelInShop: async (id) => {
      await sandbox.cancel(id);
    },
    stockOf: (id) => sandbox.available(id),
    async close() {
      await sandbox.close();
      await receiver.close();
    },
  };
});
