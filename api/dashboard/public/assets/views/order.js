/** One order: General, Address, Items, Shipments, RMA and Communications log; the merchant's decisions. */
import { ApiError, connectionsById, get, ORDER_STATUSES, post, withQuery } from '../api.js';
import { $, badge, busy, formatMoney, html, humanize, render, safeUrl, say, tabs, timeTag } from '../dom.js';
import { parcelForm, slipButton, wireDeliverySlips } from './delivery-slip.js';
import { deadlineNotice, editAddressButton, wireAddressFix } from './order-deadline.js';
import { returnAcceptDialog, wireReturnAccept } from './return-accept.js';

const SPARTOO_STATUSES = {
  11: 'Order verified, waiting for acceptance',
  2: 'Preparation in progress',
  3: 'Shipped',
  41: 'Cancellation confirmed',
  45: 'Parcel lost',
  47: 'Parcel not delivered, returned to Spartoo',
};

/** An unreadable order has no purchase date: a dash, never "Invalid Date". */
const when = (value) => (value ? timeTag(value) : '—');

/** Spartoo's copy of the order could not be read: no total, no items, no addresses. */
const unreadable = (order) => order.totals.total === null;

const TABS = [
  ['general', 'General'],
  ['address', 'Address'],
  ['items', 'Items'],
  ['shipments', 'Shipments'],
  ['rma', 'RMA'],
  ['log', 'Communications log'],
];

const DIRECTIONS = {
  TO_SPARTOO: '→ Spartoo',
  FROM_SPARTOO: '← Spartoo',
  TO_STORE: '→ Store',
  FROM_STORE: '← Store',
};

const REASON_FIELDS = {
  key: 'Line key',
  productId: 'Store product',
  attribute: 'Identification attribute',
  stock: 'Store stock',
  quantityOrdered: 'Quantity ordered',
  lines: 'Lines',
  linePrice: 'Line price',
  storePrice: 'Store price',
  threshold: 'Threshold',
  minimumPrice: 'Lowest accepted price',
  priceAttribute: 'Price attribute',
  cause: 'Cause',
};
const PRICE_ATTRIBUTES = {
  PRICE_FINAL_INCL_TAX: 'final price incl. tax',
  PRICE_ORIGINAL_INCL_TAX: 'original price incl. tax',
};
const MONEY_FIELDS = new Set(['linePrice', 'storePrice', 'minimumPrice']);

function reasonNumbers(reason) {
  const entries = Object.entries(reason).filter(([key]) => !['line', 'code', 'message'].includes(key));
  if (!entries.length) return '';
  return html`<dl class="compact">
    ${entries.map(
      ([key, value]) => html`<dt>${REASON_FIELDS[key] ?? humanize(key)}</dt>
        <dd>${MONEY_FIELDS.has(key) ? formatMoney(value) : Array.isArray(value) ? value.join(', ') : (PRICE_ATTRIBUTES[value] ?? String(value))}</dd>`,
    )}
  </dl>`;
}

function decisionSection(order) {
  const d = order.decision;
  let summary;
  if (!d) summary = html`<p class="muted">Not decided yet.</p>`;
  else if (d.auto)
    summary = html`<p><span class="ok">Accepted automatically</span>: every line passed the acceptance rule.</p>`;
  else if (order.status === 'WAITING_ACCEPTANCE')
    summary = html`<p><strong>Waiting for your decision.</strong> The order was not accepted automatically:</p>`;
  else summary = html`<p>The order was not accepted automatically:</p>`;
  return html`<section aria-labelledby="decision-title">
    <h3 id="decision-title">Acceptance decision</h3>
    ${summary}
    ${
      d?.reasons?.length
        ? html`<div class="table-wrap"><table class="grid" id="reasons">
            <thead><tr><th scope="col">Line</th><th scope="col">Reason</th><th scope="col">Details</th><th scope="col">Compared</th></tr></thead>
            <tbody>${d.reasons.map(
              (r) => html`<tr>
                <td>${r.line || 'Order'}</td>
                <td><code>${r.code}</code></td>
                <td>${r.message}</td>
                <td>${reasonNumbers(r)}</td>
              </tr>`,
            )}</tbody>
          </table></div>`
        : ''
    }
  </section>`;
}

function general(order, connection) {
  return html`<dl class="details">
      <dt>Status</dt><dd>${badge(order.status, ORDER_STATUSES)}</dd>
      <dt>Spartoo status</dt><dd>${order.spartooStatus === null ? '—' : `${order.spartooStatus} — ${SPARTOO_STATUSES[order.spartooStatus] ?? 'unknown'}`}</dd>
      <dt>Connection</dt><dd><a href="#/connections/${encodeURIComponent(order.connectionId)}">${connection?.name ?? order.connectionId}</a></dd>
      <dt>Purchased</dt><dd>${when(order.purchasedAt)}</dd>
      <dt>Acceptance deadline</dt><dd id="deadline-time">${order.acceptanceDeadline ? html`${timeTag(order.acceptanceDeadline)}${order.deadlinePassed ? ' (passed while waiting)' : ''}` : '—'}</dd>
      <dt>Customer</dt><dd>${order.customerName || '—'}</dd>
      <dt>Spartoo shipping</dt><dd>${order.shippingName || '—'}</dd>
      <dt>Store shipping method</dt><dd>${order.storeShippingMethod || '—'}</dd>
      <dt>Shipping service sent</dt><dd>${order.shippingService ?? '—'}</dd>
      <dt>Store order</dt><dd>${order.storeOrderId === null ? 'Not imported yet' : html`<a href="#/store">#${order.storeOrderId}</a>`}</dd>
      <dt>Products</dt><dd>${unreadable(order) ? '—' : formatMoney(order.totals.products)}</dd>
      <dt>Shipping</dt><dd>${unreadable(order) ? '—' : formatMoney(order.totals.shipping)}</dd>
      <dt>Total</dt><dd><strong>${formatMoney(order.totals.total)}</strong></dd>
      <dt>Last update</dt><dd>${timeTag(order.updatedAt)}</dd>
    </dl>
    ${decisionSection(order)}`;
}

function address(title, a, id) {
  if (!a) return html`<div class="card"><h3>${title}</h3><p class="muted">Not known yet.</p></div>`;
  const name = [a.firstName, a.lastName].filter(Boolean).join(' ');
  return html`<div class="card" id="${id}">
    <h3>${title}</h3>
    <address>
      ${name ? html`${name}<br>` : ''}
      ${a.company ? html`${a.company}<br>` : ''}
      ${a.street ? html`${a.street}<br>` : ''}
      ${a.suburb ? html`${a.suburb}<br>` : ''}
      ${[a.postcode, a.city].filter(Boolean).join(' ')}<br>
      ${a.state ? html`${a.state}<br>` : ''}
      ${a.country}
    </address>
    <dl class="compact">
      ${a.email ? html`<dt>E-mail</dt><dd>${a.email}</dd>` : ''}
      ${a.phone ? html`<dt>Phone</dt><dd>${a.phone}</dd>` : ''}
      ${a.relayPointId ? html`<dt>Relay point</dt><dd>${a.relayPointId} (${a.company || 'pick-up point'})</dd>` : ''}
    </dl>
  </div>`;
}

function items(order) {
  if (!order.items.length) {
    return html`<p class="muted">${unreadable(order) ? "No items: Spartoo's copy of this order could not be read." : 'No items.'}</p>`;
  }
  return html`<div class="table-wrap"><table class="grid" id="items">
    <thead><tr>
      <th scope="col">Line</th><th scope="col">Product</th><th scope="col">Reference</th><th scope="col">Size reference</th>
      <th scope="col">Size</th><th scope="col">Colour</th><th scope="col" class="num">Qty</th>
      <th scope="col" class="num">Unit price</th><th scope="col" class="num">Paid per unit</th><th scope="col" class="num">Total</th>
    </tr></thead>
    <tbody>${order.items.map(
      (i) => html`<tr>
        <td>${i.line}</td><td>${i.name}</td><td>${i.reference}</td><td>${i.sizeReference}</td>
        <td>${i.size}</td><td>${i.color}</td><td class="num">${i.quantity}</td>
        <td class="num">${formatMoney(i.unitPrice)}</td><td class="num">${formatMoney(i.unitPricePaid)}</td>
        <td class="num">${formatMoney(i.total)}</td>
      </tr>`,
    )}</tbody>
    <tfoot>
      <tr><th scope="row" colspan="9">Products</th><td class="num">${formatMoney(order.totals.products)}</td></tr>
      <tr><th scope="row" colspan="9">Shipping</th><td class="num">${formatMoney(order.totals.shipping)}</td></tr>
      <tr><th scope="row" colspan="9">Total</th><td class="num"><strong>${formatMoney(order.totals.total)}</strong></td></tr>
    </tfoot>
  </table></div>
  ${parcelForm(order)}`;
}

function shipments(order) {
  if (!order.shipments.length) {
    return html`<p class="muted">Not shipped yet.${order.status === 'AWAITING_SHIPMENT' ? html` Ship it from the <a href="#/store">store</a>.` : ''}</p>`;
  }
  return html`<div class="table-wrap"><table class="grid" id="shipments">
    <thead><tr><th scope="col">Date</th><th scope="col">Carrier</th><th scope="col">Tracking number</th><th scope="col">Spartoo service</th></tr></thead>
    <tbody>${order.shipments.map(
      (s) =>
        html`<tr><td>${timeTag(s.at)}</td><td>${s.carrier}</td><td>${s.trackingNumber}</td><td>${s.shippingService}</td></tr>`,
    )}</tbody>
  </table></div>`;
}

const RETURN_STATUSES = {
  WAITING_RECEPTION: { label: 'Waiting to be received', tone: 'warn' },
  REFUSED: { label: 'Refused', tone: 'muted' },
  ACCEPTED: { label: 'Received, accepted', tone: 'ok' },
  PAID: { label: 'Paid', tone: 'ok' },
  REFUNDED: { label: 'Refunded', tone: 'ok' },
};
/** What the merchant may still decide: refuse only while waiting (Spartoo 3 from 2), accept from 2 or 3. */
const RETURN_DECISIONS = { WAITING_RECEPTION: ['accept', 'refuse'], REFUSED: ['accept'] };

const returnProduct = (p) =>
  [p.productsName, p.productsReference, p.productsSize, p.productsColor].filter(Boolean).join(' · ');

function returnsPanel(returns) {
  if (returns === null) return html`<p class="muted">Loading returns…</p>`;
  if (returns instanceof Error)
    return html`<p class="notice notice-danger">Returns could not be read: ${returns.message}</p>`;
  if (!returns.length) return html`<p class="muted">No return for this order.</p>`;
  return html`<div class="table-wrap"><table class="grid" id="returns">
    <thead><tr><th scope="col">Return</th><th scope="col">Status</th><th scope="col">Reason</th><th scope="col">Product</th>
      <th scope="col">Restocked</th><th scope="col">Decision</th></tr></thead>
    <tbody>${returns.map(
      (r) => html`<tr>
        <td><a class="external" href="${safeUrl(r.temporalUiUrl)}" target="_blank" rel="noopener">${r.returnId}</a></td>
        <td>${badge(r.status, RETURN_STATUSES)}${r.lastError ? html`<br><span class="danger">${r.lastError}</span>` : ''}</td>
        <td>${r.reason}</td><td>${returnProduct(r.product ?? {})}</td><td>${r.restocked ? 'Yes' : 'No'}</td>
        <td>${
          (RETURN_DECISIONS[r.status] ?? []).length
            ? RETURN_DECISIONS[r.status].map(
                (
                  d,
                ) => html`<button type="button" class="button button-small" data-return="${r.returnId}" data-decision="${d}">
                  ${d === 'accept' ? 'Accept return' : 'Refuse return'}</button> `,
              )
            : '—'
        }</td>
      </tr>`,
    )}</tbody>
  </table></div>`;
}

function log(order) {
  if (!order.log.length) return html`<p class="muted">Nothing exchanged yet.</p>`;
  return html`<div class="table-wrap"><table class="grid" id="log">
    <thead><tr><th scope="col">Time</th><th scope="col">Direction</th><th scope="col">Action</th><th scope="col">Result</th><th scope="col">Detail</th></tr></thead>
    <tbody>${order.log.map(
      (e) => html`<tr>
        <td>${timeTag(e.at)}</td><td>${DIRECTIONS[e.direction] ?? e.direction}</td><td><code>${e.action}</code></td>
        <td>${e.result}</td><td class="detail">${e.detail ?? ''}</td>
      </tr>`,
    )}</tbody>
  </table></div>`;
}

/**
 * A failed step (every `*_FAILED` status, with a Retry) shows what failed, what to do and Spartoo's
 * or the store's message; a parcel lost or sent back says what to do; any other status shows a
 * last error only when there is one.
 */
function statusNotice(order) {
  const status = ORDER_STATUSES[order.status];
  if (order.status.endsWith('_FAILED')) {
    return html`<div class="notice notice-danger failure" id="failure">
      <p class="failure-title"><strong>${status?.label ?? order.status}.</strong> ${status?.nextStep ?? 'Retry it'}.</p>
      <p class="failure-label">Last error</p>
      <p class="failure-error" id="last-error">${order.lastError || 'No message was recorded.'}</p>
    </div>`;
  }
  const last = order.lastError
    ? html`<p class="notice notice-danger" id="last-error"><strong>Last error:</strong> ${order.lastError}</p>`
    : '';
  if (status?.nextStep && order.status !== 'WAITING_ACCEPTANCE') {
    return html`<p class="notice notice-${status.tone}" id="next-step"><strong>${status.label}.</strong> ${status.nextStep}.</p>${last}`;
  }
  return last;
}

function actions(order) {
  const waiting = order.status === 'WAITING_ACCEPTANCE';
  const failed = order.status.endsWith('_FAILED');
  return html`
    ${statusNotice(order)}
    ${waiting ? html`<p>This order waits for your decision on Spartoo.</p>${deadlineNotice(order)}` : ''}
    <div class="actions">
      ${
        waiting
          ? html`<button type="button" class="button button-primary" id="accept-order" data-decision="accept">Accept</button>
            <button type="button" class="button button-danger" id="refuse-order" data-decision="refuse">Refuse</button>`
          : ''
      }
      ${failed ? html`<button type="button" class="button button-primary" id="retry-order" data-decision="retry">Retry</button>` : ''}
      ${editAddressButton(order)}
      ${slipButton(order)}
      <a class="external" id="workflow-link" href="${safeUrl(order.temporalUiUrl)}" target="_blank" rel="noopener">Workflow history in Temporal UI</a>
    </div>`;
}

const DONE = {
  accept: 'Accepted on Spartoo; the order is being imported into the store.',
  refuse: 'Refused on Spartoo.',
  retry: 'Retry started.',
};

export async function orderPage(ctx) {
  const [connectionId, orderId] = ctx.params;
  const path = `/connections/${encodeURIComponent(connectionId)}/orders/${encodeURIComponent(orderId)}`;
  const [first, connections] = await Promise.all([get(path), connectionsById().catch(() => new Map())]);
  if (!ctx.alive()) return;
  ctx.title(`Order ${orderId}`);
  const connection = connections.get(connectionId);
  const state = { tab: 'general', order: first, signature: '', returns: null };

  render(
    ctx.main,
    html`<nav class="crumbs" aria-label="Breadcrumb"><a href="#/orders">Orders</a> ›</nav>
    <div class="page-head">
      <h1>Order ${orderId}</h1>
      <span id="order-status"></span>
    </div>
    <p class="muted" id="order-summary"></p>
    <section class="card" aria-label="Decision and actions">
      <div id="order-actions" class="order-actions"></div>
      <p id="action-result" role="status" tabindex="-1" hidden></p>
    </section>
    <section class="card" id="address-fix" aria-label="Edit shipping address" hidden></section>
    <div class="tabs" id="order-tabs">
      <div role="tablist" aria-label="Order details">
        ${TABS.map(
          ([key, label], i) => html`<button type="button" role="tab" id="tab-${key}" data-tab="${key}"
            aria-controls="panel-${key}" aria-selected="${i === 0}" tabindex="${i === 0 ? 0 : -1}">${label}</button>`,
        )}
      </div>
      ${TABS.map(
        ([key], i) =>
          html`<div role="tabpanel" id="panel-${key}" aria-labelledby="tab-${key}" tabindex="0" ${i ? 'hidden' : ''}></div>`,
      )}
    </div>
    ${returnAcceptDialog()}`,
  );

  const loadReturns = async () => {
    try {
      const { items } = await get(withQuery('/returns', { connectionId, limit: 500 }));
      state.returns = items.filter((r) => String(r.orderId) === String(orderId));
    } catch (error) {
      state.returns = error;
    }
    if (ctx.alive()) render($('#panel-rma'), returnsPanel(state.returns));
  };

  const draw = (order) => {
    const signature = JSON.stringify(order);
    if (signature === state.signature) return;
    state.signature = signature;
    state.order = order;
    render($('#order-status'), badge(order.status, ORDER_STATUSES));
    render(
      $('#order-summary'),
      html`${
        unreadable(order) && !order.purchasedAt && !order.customerName
          ? "No date, customer or total: Spartoo's copy of this order could not be read."
          : html`${order.customerName || '—'} · ${when(order.purchasedAt)} · ${formatMoney(order.total)}`
      }${connections.size > 1 && connection ? ` · ${connection.name}` : ''}`,
    );
    render($('#order-actions'), actions(order));
    render($('#panel-general'), general(order, connection));
    render(
      $('#panel-address'),
      html`<div class="columns">${address('Billing address', order.billingAddress, 'billing-address')}
        ${address(order.shippingAddress?.relayPointId ? 'Shipping address (relay point)' : 'Shipping address', order.shippingAddress, 'shipping-address')}</div>
        ${order.shippingAddressCorrected ? html`<p class="muted" id="address-corrected">The shipping address was corrected here: your shop gets this one; Spartoo keeps the address it had (it freezes it once an order is accepted).</p>` : ''}`,
    );
    render($('#panel-items'), items(order));
    render($('#panel-shipments'), shipments(order));
    render($('#panel-log'), log(order));
  };
  draw(first);
  render($('#panel-rma'), returnsPanel(null));

  tabs($('#order-tabs'), (tab) => {
    state.tab = tab;
    if (tab === 'rma') loadReturns();
  });

  const result = $('#action-result');
  wireDeliverySlips({ actions: $('#order-actions'), items: $('#panel-items') }, path, result);
  wireAddressFix(
    { actions: $('#order-actions'), container: $('#address-fix'), result },
    path,
    () => state.order,
    (order) => {
      if (ctx.alive()) draw(order);
    },
  );
  const returnAccept = wireReturnAccept(ctx.main, async (returnId) => {
    say(result, 'ok', `Return ${returnId} accepted.`);
    await loadReturns();
  });
  $('#order-actions').addEventListener('click', async (event) => {
    const button = event.target.closest('button[data-decision]');
    if (!button) return;
    const decision = button.dataset.decision;
    if (
      decision === 'refuse' &&
      !window.confirm(`Refuse order ${orderId} on Spartoo? The customer is refunded.`)
    )
      return;
    await busy(
      button,
      { accept: 'Accepting…', refuse: 'Refusing…', retry: 'Retrying…' }[decision],
      async () => {
        try {
          const order = await post(`${path}/${decision}`);
          say(result, 'ok', DONE[decision]);
          window.dispatchEvent(new Event('orders-changed'));
          if (ctx.alive()) draw(order);
        } catch (error) {
          if (!(error instanceof ApiError)) throw error;
          say(result, 'danger', error.status === 409 ? `Not possible now: ${error.message}` : error.message);
        }
      },
    );
    // The button may be gone (the order moved on): keep keyboard focus near, on the result.
    if (!button.isConnected) result.focus();
  });

  $('#panel-rma').addEventListener('click', async (event) => {
    const button = event.target.closest('button[data-return]');
    if (!button) return;
    const { decision, return: returnId } = button.dataset;
    if (decision === 'accept') {
      // With a return label or without: the dialog asks.
      returnAccept.open(
        `/connections/${encodeURIComponent(connectionId)}/returns/${encodeURIComponent(returnId)}/accept`,
        returnId,
      );
      return;
    }
    await busy(button, decision === 'accept' ? 'Accepting…' : 'Refusing…', async () => {
      try {
        await post(
          `/connections/${encodeURIComponent(connectionId)}/returns/${encodeURIComponent(returnId)}/${decision}`,
        );
        say(result, 'ok', `Return ${returnId} ${decision === 'accept' ? 'accepted' : 'refused'}.`);
      } catch (error) {
        say(result, 'danger', `Return ${returnId}: ${error.message}`);
      }
    });
    await loadReturns();
  });

  ctx.every(2000, async () => {
    const order = await get(path);
    if (!ctx.alive()) return;
    draw(order);
    if (state.tab === 'rma') await loadReturns();
  });
}
