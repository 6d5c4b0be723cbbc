import type { StoreAdapters } from './registry';
import { createShopifyStore } from './shopify/adapter';
import { createWooCommerceStore } from './woocommerce/adapter';

/**
 * How the store registry (store/registry.ts) opens a store of each kind: one factory per kind,
 * `(config, secrets, deps) => StorePort`, with the kind's configuration and secrets as domain/stores.ts
 * validates them (ShopifyConfig / ShopifySecrets, WooCommerceConfig / WooCommerceSecrets) and the
 * StoreAdapterDeps every adapter may use (its store id, the database, PUBLIC_URL, the URL rule).
 * A kind without a line cannot be opened: its stores answer a StoreAccessError saying so.
 */
export const storeAdapters: StoreAdapters = {
  // The one built-in store, shared: it keeps no state of its own besides the database.
  builtin: (_config, _secrets, deps) => deps.builtin,
  // Webhooks are subscribed at `${publicUrl}/hooks/<kind>/<storeId>` (api/routes/shop-hooks.ts).
  shopify: (config, secrets, deps) => {
    const store = createShopifyStore(
      { ...config, ...secrets },
      { publicUrl: deps.publicUrl, storeId: deps.storeId },
    );
    // The port's `unsubscribe` (a store deleted) is the adapter's `unsubscribeWebhooks`.
    return Object.assign(store, {
      async unsubscribe() {
        await store.unsubscribeWebhooks();
      },
    });
  },
  woocommerce: (config, secrets, deps) =>
    createWooCommerceStore({ ...config, ...secrets }, { publicUrl: deps.publicUrl, storeId: deps.storeId }),
};
