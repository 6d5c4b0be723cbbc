import { createWooCommerceStore } from '../store/woocommerce/adapter';
import { storeContract } from './support/store-contract';
import { startWooCommerceSandbox } from './support/woocommerce';

/**
 * The store contract against the WooCommerce adapter and its sandbox. The merchant's hand in the shop is
 * the shop's own REST API: products created with `POST /products` (sale price = final price, regular
 * price = original, GTIN in `global_unique_id`, the extra key in the meta `spartoo_ref`), shipments
 * added with the Shipment Tracking extension's route then the order completed, cancellations as
 * `PUT /orders/:id {status: "cancelled"}`.
 */
storeContract('WooCommerce (sandbox)', async () => {
  const shop = await startWooCommerceSandbox();
  const store = createWooCommerceStore(
    { url: shop.url, consumerKey: shop.key, consumerSecret: shop.secret },
    { publicUrl: 'http://127.0.0.1:9', storeId: 'contract' },
  );
  const money = (cents: number) => (cents / 100).toFixed(2);
  return {
    store,
    identificationAttributes: ['id', 'sku', 'ean', 'attributes.spartoo_ref'],
    async addProduct(p) {
      const created = await shop.ok('POST', '/products', {
        name: p.name,
        type: 'simple',
        sku: p.sku,
        global_unique_id: p.ean,
        regular_price: money(p.priceOriginalInclTaxCents),
        sale_price: money(p.priceFinalInclTaxCents),
        manage_stock: true,
        stock_quantity: p.stock,
        meta_data: Object.entries(p.keys).map(([attribute, value]) => ({
          key: attribute.replace(/^attributes\./, ''),
          value,
        })),
      });
      return String(created.id);
    },
    async shipInShop(storeOrderId, shipment) {
      const tracking = await fetch(
        `${shop.url}/wp-json/wc-shipment-tracking/v3/orders/${storeOrderId}/shipment-trackings`,
        {
          method: 'POST',
          headers: { authorization: shop.basic(shop.key, shop.secret), 'content-type': 'application/json' },
          body: JSON.stringify({
            tracking_provider: shipment.carrier,
            tracking_number: shipment.trackingNumber,
          }),
        },
      );
      if (tracking.status !== 201) throw new Error(`shipment tracking: ${tracking.status}`);
      await shop.ok('PUT', `/orders/${storeOrderId}`, { status: 'completed' });
    },
    async cancelInShop(storeOrderId) {
      await shop.ok('PUT', `/orders/${storeOrderId}`, { status: 'cancelled' });
    },
    async stockOf(productId) {
      return (await shop.stockOf(productId)) ?? Number.NaN;
    },
    close: () => shop.close(),
  };
});
