/** The orders grid (filter, newest first, paging) and the Attention view. */
import {
  ApiError,
  ATTENTION_PAGE,
  ATTENTION_STATUSES,
  apiFile,
  attentionCounts,
  attentionOrders,
  connectionsById,
  get,
  ORDER_STATUSES,
  post,
  withQuery,
} from '../api.js';
import { $, $$, badge, busy, formatMoney, html, render, saveFile, say, syncRows, timeTag } from '../dom.js';
import { deadlineNote } from './order-deadline.js';

/** The Attention list's next step, with the time left before an order's acceptance deadline. */
const attentionStep = (order) => {
  const step = ORDER_STATUSES[order.status]?.nextStep ?? '';
  const note = deadlineNote(order);
  return note ? html`${step} ${note}` : step;
};

/** Most orders one bulk decision takes (POST /orders/accept and /orders/refuse). */
const BULK_MAX = 100;
/** The status an order must have for the Attention page to offer it for a bulk decision. */
const DECIDABLE = 'WAITING_ACCEPTANCE';

const PAGE_SIZE = 20;
/** Cursors of the pages before the current one, per filter, for "Previous page". */
const previousPages = new Map();

/** An unreadable order has no purchase date (and no total, no customer): a dash, never "Invalid Date". */
const when = (value) => (value ? timeTag(value) : '—');

const orderLink = (o) => `#/orders/${encodeURIComponent(o.connectionId)}/${encodeURIComponent(o.orderId)}`;

function orderRow(order, connections, extra, selectable) {
  return html`<tr>
    ${
      selectable
        ? order.status === DECIDABLE
          ? html`<td data-label="Select" class="select-cell"><input type="checkbox" data-select
              data-connection="${order.connectionId}" data-order="${order.orderId}"
              aria-label="Select order ${order.orderId}"></td>`
          : html`<td class="select-cell"></td>`
        : ''
    }
    <th scope="row"><a href="${orderLink(order)}">${order.orderId}</a></th>
    <td data-label="Date">${when(order.purchasedAt)}</td>
    <td data-label="Customer">${order.customerName || '—'}</td>
    <td data-label="Total" class="num">${formatMoney(order.total)}</td>
    <td data-label="Status">${badge(order.status, ORDER_STATUSES)}</td>
    ${connections.size > 1 ? html`<td data-label="Connection">${connections.get(order.connectionId)?.name ?? order.connectionId}</td>` : ''}
    ${extra ? html`<td data-label="Next step">${extra(order)}</td>` : ''}
  </tr>`;
}

function ordersTable(id, connections, extraHeading, selectable) {
  return html`<div class="table-wrap">
    <table class="grid stack" id="${id}">
      <thead><tr>
        ${
          selectable
            ? html`<th scope="col" class="select-cell"><input type="checkbox" id="select-all"
                aria-label="Select every order waiting for a decision"></th>`
            : ''
        }
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
      <div class="actions">
        <button type="button" class="button" id="export-csv">Export CSV</button>
        <a class="button" href="#/attention">Attention</a>
      </div>
    </div>
    <p id="export-result" role="status" hidden></p>
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

  // Every order matching the filters (not only this page), as the API writes it: RFC 4180, a header line.
  $('#export-csv').addEventListener('click', (event) =>
    busy(event.currentTarget, 'Exporting…', async () => {
      const result = $('#export-result');
      try {
        const file = await apiFile(withQuery('/orders.csv', { status, connectionId }), undefined, {
          accept: 'text/csv, application/problem+json',
        });
        saveFile(file);
        say(result, 'ok', `Downloaded ${file.filename}.`);
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        say(result, 'danger', `Export failed: ${error.message}`);
      }
    }),
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
    <div class="bulk" id="bulk" role="group" aria-label="Decide the selected orders">
      <span id="bulk-count" class="muted">Select orders waiting for a decision to accept or refuse them together.</span>
      <button type="button" class="button button-primary button-small" id="bulk-accept" disabled>Accept selected</button>
      <button type="button" class="button button-danger button-small" id="bulk-refuse" disabled>Refuse selected</button>
    </div>
    <div id="bulk-result" role="status" tabindex="-1" hidden></div>
    ${ordersTable('attention', connections, 'Next step', true)}
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
      (o) => orderRow(o, connections, attentionStep, true),
    );
    selectionChanged();
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
  /** The checked orders (rows kept by syncRows keep their box; a row that changed loses it). */
  const selected = () => $$('#attention input[data-select]:checked');
  function selectionChanged() {
    const boxes = $$('#attention input[data-select]');
    const count = selected().length;
    const all = $('#select-all');
    all.checked = count > 0 && count === boxes.length;
    all.indeterminate = count > 0 && count < boxes.length;
    all.disabled = boxes.length === 0;
    $('#bulk').hidden = boxes.length === 0;
    $('#bulk-accept').disabled = count === 0;
    $('#bulk-refuse').disabled = count === 0;
    $('#bulk-count').textContent = count
      ? `${count} order${count === 1 ? '' : 's'} selected${count > BULK_MAX ? ` (at most ${BULK_MAX} at a time)` : ''}.`
      : 'Select orders waiting for a decision to accept or refuse them together.';
  }
  $('#attention').addEventListener('change', (event) => {
    if (event.target.id === 'select-all') {
      for (const box of $$('#attention input[data-select]')) box.checked = event.target.checked;
    }
    selectionChanged();
  });

  const refresh = async () => {
    const fresh = await load();
    if (ctx.alive()) show(fresh);
  };
  const decide = async (decision, button) => {
    const orders = selected()
      .slice(0, BULK_MAX)
      .map((box) => ({ connectionId: box.dataset.connection, orderId: box.dataset.order }));
    if (!orders.length) return;
    const verb = decision === 'accept' ? 'Accept' : 'Refuse';
    if (
      decision === 'refuse' &&
      !window.confirm(
        `Refuse ${orders.length} order${orders.length === 1 ? '' : 's'} on Spartoo? This cannot be undone.`,
      )
    )
      return;
    const region = $('#bulk-result');
    await busy(button, decision === 'accept' ? 'Accepting…' : 'Refusing…', async () => {
      try {
        const { results } = await post(`/orders/${decision}`, { orders });
        const done = results.filter((r) => r.ok).length;
        region.className = `notice notice-${done === results.length ? 'ok' : done ? 'warn' : 'danger'}`;
        render(
          region,
          html`<p><strong>${verb}: ${done} of ${results.length} done.</strong></p>
          <ul class="bulk-results">${results.map(
            (r) => html`<li data-result="${r.ok ? 'ok' : 'failed'}" data-order="${r.orderId}">
              <a href="${orderLink(r)}">${r.orderId}</a>${
                connections.size > 1 ? ` (${connections.get(r.connectionId)?.name ?? r.connectionId})` : ''
              }: ${
                r.ok
                  ? html`<span class="ok">done</span>${r.status ? html` — ${ORDER_STATUSES[r.status]?.label ?? r.status}` : ''}`
                  : html`<span class="danger">not done</span> — ${r.error ?? 'refused'}`
              }</li>`,
          )}</ul>`,
        );
        region.hidden = false;
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        say(region, 'danger', `${verb}: nothing sent. ${error.message}`);
      }
      region.focus();
      for (const box of selected()) box.checked = false;
      window.dispatchEvent(new Event('orders-changed'));
      await refresh();
    });
    selectionChanged();
  };
  $('#bulk-accept').addEventListener('click', (event) => decide('accept', event.currentTarget));
  $('#bulk-refuse').addEventListener('click', (event) => decide('refuse', event.currentTarget));

  show(first);
  ctx.every(2000, refresh);
}
