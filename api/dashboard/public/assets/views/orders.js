/** The orders grid (filter, newest first, paging) and the Attention view. */
import {
  ATTENTION_PAGE,
  ATTENTION_STATUSES,
  attentionCounts,
  attentionOrders,
  connectionsById,
  get,
  ORDER_STATUSES,
  withQuery,
} from '../api.js';
import { $, badge, formatMoney, html, render, syncRows, timeTag } from '../dom.js';

const PAGE_SIZE = 20;
/** Cursors of the pages before the current one, per filter, for "Previous page". */
const previousPages = new Map();

/** An unreadable order has no purchase date (and no total, no customer): a dash, never "Invalid Date". */
const when = (value) => (value ? timeTag(value) : '—');

const orderLink = (o) => `#/orders/${encodeURIComponent(o.connectionId)}/${encodeURIComponent(o.orderId)}`;

function orderRow(order, connections, extra) {
  return html`<tr>
    <th scope="row"><a href="${orderLink(order)}">${order.orderId}</a></th>
    <td data-label="Date">${when(order.purchasedAt)}</td>
    <td data-label="Customer">${order.customerName || '—'}</td>
    <td data-label="Total" class="num">${formatMoney(order.total)}</td>
    <td data-label="Status">${badge(order.status, ORDER_STATUSES)}</td>
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
          ${Object.entries(ORDER_STATUSES).map(
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
    <p id="orders-empty" class="empty" hidden>No order${status ? ` with status “${ORDER_STATUSES[status]?.label ?? status}”` : ''} yet.</p>
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

/**
 * Newest purchase first; unreadable orders (no purchase date) come first, newest change first: they
 * are the ones the merchant knows least about.
 */
function newestFirst(a, b) {
  if (!a.purchasedAt || !b.purchasedAt) {
    if (a.purchasedAt) return 1;
    if (b.purchasedAt) return -1;
    return b.updatedAt.localeCompare(a.updatedAt);
  }
  return b.purchasedAt.localeCompare(a.purchasedAt);
}

export async function attentionPage(ctx) {
  ctx.title('Attention');
  const asked = ctx.query.get('status') ?? '';
  const only = ATTENTION_STATUSES.includes(asked) ? asked : '';
  const shown = only ? [only] : ATTENTION_STATUSES;
  const load = async () => {
    const counts = await attentionCounts();
    return { counts, orders: await attentionOrders(counts, shown) };
  };
  const [connections, first] = await Promise.all([connectionsById(), load()]);
  if (!ctx.alive()) return;
  render(
    ctx.main,
    html`<div class="page-head">
      <h1>Attention</h1>
      <a class="button" href="#/orders">All orders</a>
    </div>
    <p>Orders waiting for your decision, orders where a step failed (open one to retry it), and
      parcels Spartoo reports lost or not delivered.</p>
    <ul class="counters" id="counters"></ul>
    ${ordersTable('attention', connections, 'Next step')}
    <p id="attention-more" class="muted" hidden></p>
    <p id="attention-empty" class="empty" hidden>Nothing needs your attention.</p>`,
  );

  const show = ({ counts, orders }) => {
    render(
      $('#counters'),
      html`${ATTENTION_STATUSES.map((status) => {
        const on = only === status;
        const tone = counts[status] ? `counter-${ORDER_STATUSES[status].tone}` : 'counter-zero';
        return html`<li>
          <a class="counter ${tone} ${on ? 'counter-on' : ''}" href="#/attention${on ? '' : `?status=${status}`}"
            ${on ? html`aria-current="true"` : ''} id="count-${status}">
            <span class="counter-value">${counts[status]}</span>
            <span class="counter-label">${ORDER_STATUSES[status].label}</span>
          </a>
        </li>`;
      })}`,
    );
    const items = shown.flatMap((s) => orders[s]).sort(newestFirst);
    syncRows(
      $('#attention tbody'),
      items,
      (o) => `${o.connectionId}/${o.orderId}`,
      (o) => orderRow(o, connections, (order) => ORDER_STATUSES[order.status]?.nextStep ?? ''),
    );
    $('#attention').hidden = items.length === 0;
    $('#attention-empty').hidden = items.length > 0;
    const cut = shown.filter((s) => orders[s].length >= ATTENTION_PAGE && counts[s] > orders[s].length);
    const more = $('#attention-more');
    more.hidden = cut.length === 0;
    render(
      more,
      html`${cut.map(
        (s) => html`Showing the newest ${ATTENTION_PAGE} of ${counts[s]} orders “${ORDER_STATUSES[s].label}”:
          <a href="${withQuery('#/orders', { status: s })}">see them all</a>. `,
      )}`,
    );
    const total = ATTENTION_STATUSES.reduce((sum, s) => sum + counts[s], 0);
    const navBadge = $('#attention-count');
    navBadge.textContent = total ? String(total) : '';
    navBadge.hidden = !total;
  };
  show(first);
  ctx.every(2000, async () => {
    const fresh = await load();
    if (ctx.alive()) show(fresh);
  });
}
