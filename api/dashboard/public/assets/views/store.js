/** The built-in store, the merchant's shop in the demo: store orders (ship, cancel) and products. */
import { ApiError, connectionSettingsSchema, get, post, withQuery } from '../api.js';
import { $, badge, busy, formatMoney, html, render, say, syncRows } from '../dom.js';

const STORE_STATUSES = {
  OPEN: { label: 'Open — to ship', tone: 'warn' },
  SHIPPED: { label: 'Shipped', tone: 'ok' },
  CANCELLED: { label: 'Cancelled', tone: 'muted' },
};
const PAGE = 50;

function storeOrderRow(o) {
  const to = o.shippingAddress ?? {};
  const customer = [to.firstName, to.lastName].filter(Boolean).join(' ');
  return html`<tr>
    <th scope="row">#${o.id}</th>
    <td data-label="Spartoo order"><a href="#/orders/${encodeURIComponent(o.connectionId)}/${encodeURIComponent(o.marketplaceOrderId)}">${o.marketplaceOrderId}</a></td>
    <td data-label="Ship to"><span>${customer}${to.city ? html`<br><span class="muted">${[to.postcode, to.city].filter(Boolean).join(' ')}</span>` : ''}</span></td>
    <td data-label="Items"><span>${o.items.map((i) => html`<span class="line">${i.quantity} × ${i.name || i.productId}</span>`)}</span></td>
    <td data-label="Shipping method">${o.shippingMethod}</td>
    <td data-label="Total" class="num">${formatMoney(o.total)}</td>
    <td data-label="Status">${badge(o.status, STORE_STATUSES)}</td>
    <td class="stack-block">${
      o.status === 'OPEN'
        ? html`<form class="ship-form" data-ship="${o.id}" novalidate>
            <div class="field">
              <label for="carrier-${o.id}">Carrier</label>
              <input id="carrier-${o.id}" name="carrier" list="carriers" required autocomplete="off">
            </div>
            <div class="field">
              <label for="tracking-${o.id}">Tracking number</label>
              <input id="tracking-${o.id}" name="trackingNumber" required autocomplete="off">
            </div>
            <div class="ship-buttons">
              <button type="submit" class="button button-primary button-small">Ship</button>
              <button type="button" class="button button-danger button-small" data-cancel="${o.id}">Cancel order</button>
            </div>
          </form>`
        : o.trackingNumber
          ? html`${o.carrier} · <span class="tracking">${o.trackingNumber}</span>`
          : '—'
    }</td>
  </tr>`;
}

function productRow(p) {
  return html`<tr>
    <th scope="row">${p.id}</th>
    <td data-label="Name">${p.name ?? ''}</td>
    <td data-label="SKU">${p.sku ?? ''}</td>
    <td data-label="EAN">${p.ean ?? ''}</td>
    <td data-label="Stock" class="num ${p.stock <= 0 ? 'danger' : ''}">${p.stock}</td>
    <td data-label="Final price incl. tax" class="num">${formatMoney(p.priceFinalInclTax)}</td>
    <td data-label="Original price incl. tax" class="num">${formatMoney(p.priceOriginalInclTax)}</td>
  </tr>`;
}

export async function storePage(ctx) {
  ctx.title('Store');
  const state = { search: '', products: PAGE, orders: PAGE };
  const carriers = await connectionSettingsSchema()
    .then((schema) => schema.properties.defaultShippingService?.enum ?? [])
    .catch(() => []);
  if (!ctx.alive()) return;

  render(
    ctx.main,
    html`<h1>Store</h1>
    <p>The built-in store: orders imported from Spartoo wait here for you to ship them.</p>
    <datalist id="carriers">${carriers.map((c) => html`<option value="${c}">`)}</datalist>
    <section class="card" aria-labelledby="store-orders-title">
      <h2 id="store-orders-title">Store orders</h2>
      <p id="store-result" role="status" tabindex="-1" hidden></p>
      <div class="table-wrap">
        <table class="grid stack" id="store-orders">
          <thead><tr>
            <th scope="col">Store order</th><th scope="col">Spartoo order</th><th scope="col">Ship to</th>
            <th scope="col">Items</th><th scope="col">Shipping method</th><th scope="col" class="num">Total</th>
            <th scope="col">Status</th><th scope="col">Shipment</th>
          </tr></thead>
          <tbody></tbody>
        </table>
      </div>
      <p id="store-orders-empty" class="empty" hidden>No order imported yet.</p>
      <button type="button" class="button" id="more-orders" hidden>More orders</button>
    </section>
    <section class="card" aria-labelledby="products-title">
      <h2 id="products-title">Products</h2>
      <div class="field field-search">
        <label for="product-search">Search products</label>
        <input id="product-search" type="search" placeholder="Id, name, SKU or EAN" autocomplete="off">
      </div>
      <div class="table-wrap">
        <table class="grid stack" id="products">
          <thead><tr>
            <th scope="col">Id</th><th scope="col">Name</th><th scope="col">SKU</th><th scope="col">EAN</th>
            <th scope="col" class="num">Stock</th><th scope="col" class="num">Final price incl. tax</th>
            <th scope="col" class="num">Original price incl. tax</th>
          </tr></thead>
          <tbody></tbody>
        </table>
      </div>
      <p id="products-empty" class="empty" hidden>No product found.</p>
      <button type="button" class="button" id="more-products" hidden>More products</button>
    </section>`,
  );

  const loadOrders = async () => {
    const page = await get(withQuery('/store/orders', { limit: Math.min(state.orders, 500) }));
    if (!ctx.alive()) return;
    syncRows($('#store-orders tbody'), page.items, (o) => o.id, storeOrderRow);
    $('#store-orders').hidden = !page.items.length;
    $('#store-orders-empty').hidden = page.items.length > 0;
    $('#more-orders').hidden = !page.nextCursor || state.orders >= 500;
  };
  const loadProducts = async () => {
    const search = state.search;
    const page = await get(withQuery('/store/products', { search, limit: Math.min(state.products, 500) }));
    if (!ctx.alive() || search !== state.search) return;
    syncRows($('#products tbody'), page.items, (p) => p.id, productRow);
    $('#products').hidden = !page.items.length;
    $('#products-empty').hidden = page.items.length > 0;
    $('#more-products').hidden = !page.nextCursor || state.products >= 500;
  };
  await Promise.all([loadOrders(), loadProducts()]);

  let searchTimer;
  $('#product-search').addEventListener('input', (event) => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => {
      state.search = event.target.value.trim();
      state.products = PAGE;
      loadProducts();
    }, 250);
  });
  $('#more-products').addEventListener('click', () => {
    state.products += PAGE;
    loadProducts();
  });
  $('#more-orders').addEventListener('click', () => {
    state.orders += PAGE;
    loadOrders();
  });

  const result = $('#store-result');
  const tbody = $('#store-orders tbody');
  tbody.addEventListener('submit', async (event) => {
    event.preventDefault();
    const form = event.target;
    const id = form.dataset.ship;
    const carrier = form.elements.carrier.value.trim();
    const trackingNumber = form.elements.trackingNumber.value.trim();
    const missing = [
      !carrier && form.elements.carrier,
      !trackingNumber && form.elements.trackingNumber,
    ].filter(Boolean);
    for (const input of [form.elements.carrier, form.elements.trackingNumber]) {
      input.toggleAttribute('aria-invalid', missing.includes(input));
    }
    if (missing.length) {
      say(result, 'danger', `Store order #${id}: enter the carrier and the tracking number.`);
      missing[0].focus();
      return;
    }
    await busy($('button[type="submit"]', form), 'Shipping…', async () => {
      try {
        await post(`/store/orders/${id}/ship`, { carrier, trackingNumber });
        say(
          result,
          'ok',
          `Store order #${id} shipped with ${carrier} (${trackingNumber}). spartoo-sync sends the tracking number to Spartoo.`,
        );
        result.focus();
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        say(result, 'danger', `Store order #${id}: ${error.message}`);
      }
    });
    await loadOrders();
  });
  tbody.addEventListener('click', async (event) => {
    const button = event.target.closest('button[data-cancel]');
    if (!button) return;
    const id = button.dataset.cancel;
    if (!window.confirm(`Cancel store order #${id}? It is restocked and cancelled on Spartoo.`)) return;
    await busy(button, 'Cancelling…', async () => {
      try {
        await post(`/store/orders/${id}/cancel`);
        say(result, 'ok', `Store order #${id} cancelled and restocked; Spartoo is told.`);
        result.focus();
      } catch (error) {
        say(result, 'danger', `Store order #${id}: ${error.message}`);
      }
    });
    await loadOrders();
  });

  ctx.every(2500, () => Promise.all([loadOrders(), loadProducts()]));
}
