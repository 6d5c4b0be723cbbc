/** The orders grid (filter, newest first, paging) and the Attention view. */
import { ATTENTION_STATUSES, attentionCounts, connectionsById, get, withQuery } from '../api.js';
import { $, badge, formatMoney, html, render, STATUSES, syncRows, timeTag } from '../dom.js';

const PAGE_SIZE = 20;
/** Cursors of the pages before the current one, per filter, for "Previous page". */
const previousPages = new Map();

const orderLink = (o) => `#/orders/${encodeURIComponent(o.connectionId)}/${encodeURIComponent(o.orderId)}`;

function orderRow(order, connections, extra) {
  return html`<tr>
    <th scope="row"><a href="${orderLink(order)}">${order.orderId}</a></th>
    <td data-label="Date">${timeTag(order.purchasedAt)}</td>
    <td data-label="Customer">${order.customerName}</td>
    <td data-label="Total" class="num">${formatMoney(order.total)}</td>
    <td data-label="Status">${badge(order.status)}</td>
    ${connections.size > 1 ? html`<td data-label="Connection">${connections.get(order.connectionId)?.name ?? order.connectionId}</td>` : ''}
    ${extra ? html`<td data-label="Next step">${extra(order)}</td>` : ''}
  </tr>`;
}

function ordersTable(id, connections, extraHeading) {
  return html`<div class="table-wrap">
    <table class="grid stack" id="${id}">
      <thead><tr>
        <th scope="col">Order</th><th scope="col">Date</th><th scope="col">Customer</th>
        <th scope="col" class="num">Total</th><th scope="col">Status</th>
        ${connections.size > 1 ? html`<th scope="col">Connection</th>` : ''}
        ${extraHeading ? html`<th scope="col">${extraHeading}</th>` : ''}
      </tr></thead>
      <tbody></tbody>
    </table>
  </div>`;
}

export async function ordersPage(ctx) {
  ctx.title('Orders');
  const status = ctx.query.get('status') ?? '';
  const connectionId = ctx.query.get('connectionId') ?? '';
  const cursor = ctx.query.get('cursor') ?? '';
  const filterKey = `${status}|${connectionId}`;
  const stack = previousPages.get(filterKey) ?? [];
  previousPages.set(filterKey, stack);
  const path = withQuery('/orders', { status, connectionId, cursor, limit: PAGE_SIZE });
  const [connections, first] = await Promise.all([connectionsById(), get(path)]);
  if (!ctx.alive()) return;

  const hashFor = (params) => withQuery('#/orders', { status, connectionId, ...params });

  render(
    ctx.main,
    html`<div class="page-head">
      <h1>Orders</h1>
      <a class="button" href="#/attention">Attention</a>
    </div>
    <form class="filters" id="filters">
      <div class="field">
        <label for="filter-status">Status</label>
        <select id="filter-status" name="status">
          <option value="">All statuses</option>
          ${Object.entries(STATUSES).map(
            ([code, s]) =>
              html`<option value="${code}" ${code === status ? 'selected' : ''}>${s.label}</option>`,
          )}
        </select>
      </div>
      ${
        connections.size > 1
          ? html`<div class="field">
              <label for="filter-connection">Connection</label>
              <select id="filter-connection" name="connectionId">
                <option value="">All connections</option>
                ${[...connections.values()].map(
                  (c) =>
                    html`<option value="${c.id}" ${c.id === connectionId ? 'selected' : ''}>${c.name}</option>`,
                )}
              </select>
            </div>`
          : ''
      }
    </form>
    <p class="muted">Newest first. Updates live.</p>
    ${ordersTable('orders', connections)}
    <p id="orders-empty" class="empty" hidden>No order${status ? ` with status “${STATUSES[status]?.label ?? status}”` : ''} yet.</p>
    <nav class="pager" aria-label="Pages">
      <a class="button" id="page-prev" hidden>← Previous page</a>
      <a class="button" id="page-first" href="${hashFor({})}" hidden>Newest orders</a>
      <a class="button" id="page-next" hidden>Next page →</a>
    </nav>`,
  );

  const filters = $('#filters');
  filters.addEventListener('change', () => {
    const data = new FormData(filters);
    location.hash = withQuery('#/orders', {
      status: data.get('status'),
      connectionId: data.get('connectionId') ?? connectionId,
    });
  });

  const show = (page) => {
    const tbody = $('#orders tbody');
    syncRows(
      tbody,
      page.items,
      (o) => `${o.connectionId}/${o.orderId}`,
      (o) => orderRow(o, connections),
    );
    $('#orders').hidden = page.items.length === 0;
    $('#orders-empty').hidden = page.items.length > 0;
    const next = $('#page-next');
    next.hidden = !page.nextCursor;
    if (page.nextCursor) next.href = hashFor({ cursor: page.nextCursor });
    const prev = $('#page-prev');
    const previous = stack.at(-1);
    prev.hidden = !cursor || previous === undefined;
    if (previous !== undefined) prev.href = hashFor({ cursor: previous });
    $('#page-first').hidden = !cursor || previous !== undefined;
  };
  show(first);

  $('#page-next').addEventListener('click', () => stack.push(cursor));
  $('#page-prev').addEventListener('click', () => stack.pop());
  $('#page-first').addEventListener('click', () => stack.splice(0));

  ctx.every(2000, async () => {
    const page = await get(path);
    if (ctx.alive()) show(page);
  });
}

const NEXT_STEP = {
  WAITING_ACCEPTANCE: 'Accept or refuse',
  IMPORT_FAILED: 'Fix, then retry the import',
  SHIPMENT_FAILED: 'Retry sending the shipment',
};

export async function attentionPage(ctx) {
  ctx.title('Attention');
  const only = ctx.query.get('status') ?? '';
  const [connections, counts] = await Promise.all([connectionsById(), attentionCounts()]);
  if (!ctx.alive()) return;
  render(
    ctx.main,
    html`<div class="page-head">
      <h1>Attention</h1>
      <a class="button" href="#/orders">All orders</a>
    </div>
    <p>Orders waiting for your decision, and orders whose import or shipment failed.</p>
    <ul class="counters" id="counters"></ul>
    ${ordersTable('attention', connections, 'Next step')}
    <p id="attention-empty" class="empty" hidden>Nothing needs your attention.</p>`,
  );

  const show = (c) => {
    render(
      $('#counters'),
      html`${ATTENTION_STATUSES.map(
        (status) => html`<li>
          <a class="counter ${only === status ? 'counter-on' : ''}" href="#/attention${only === status ? '' : `?status=${status}`}"
            ${only === status ? html`aria-current="true"` : ''} id="count-${status}">
            <span class="counter-value">${c[status].count}${c[status].more ? '+' : ''}</span>
            <span class="counter-label">${STATUSES[status].label}</span>
          </a>
        </li>`,
      )}`,
    );
    const items = ATTENTION_STATUSES.filter((s) => !only || s === only)
      .flatMap((s) => c[s].items)
      .sort((a, b) => b.purchasedAt.localeCompare(a.purchasedAt));
    syncRows(
      $('#attention tbody'),
      items,
      (o) => `${o.connectionId}/${o.orderId}`,
      (o) => orderRow(o, connections, (order) => NEXT_STEP[order.status]),
    );
    $('#attention').hidden = items.length === 0;
    $('#attention-empty').hidden = items.length > 0;
    const total = ATTENTION_STATUSES.reduce((sum, s) => sum + c[s].count, 0);
    const navBadge = $('#attention-count');
    navBadge.textContent = total ? String(total) : '';
    navBadge.hidden = !total;
  };
  show(counts);
  ctx.every(2000, async () => {
    const fresh = await attentionCounts();
    if (ctx.alive()) show(fresh);
  });
}
