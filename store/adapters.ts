import type { StoreAdapters } from './registry';

/**
 * How the store registry (store/registry.ts) opens a store of each kind: one factory per kind,
 * `(config, secrets, deps) => StorePort`, with the kind's configuration and secrets as domain/stores.ts
 * validates them (ShopifyConfig / ShopifySecrets, WooCommerceConfig / WooCommerceSecrets) and the
 * StoreAdapterDeps every adapter may use (its store id, the database, PUBLIC_URL, the URL rule).
 *
 * The Shopify and WooCommerce adapters add their line here, e.g.
 *   shopify: (config, secrets, deps) => createShopifyStore(config, secrets, deps),
 *   woocommerce: (config, secrets, deps) => createWooCommerceStore(config, secrets, deps),
 * A kind without a line cannot be opened: its stores answer a StoreAccessError saying so.
 */
export const storeAdapters: StoreAdapters = {
  // The one built-in store, shared: it keeps no state of its own besides the database.
  builtin: (_config, _secrets, deps) => deps.builtin,
};
