/** Safe HTML building, formatting and small DOM helpers shared by the views. */

class SafeHtml {
  constructor(text) {
    this.text = text;
  }
  toString() {
    return this.text;
  }
}

const ENTITIES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for an element or a quoted attribute. */
export const escapeHtml = (value) => String(value ?? '').replace(/[&<>"']/g, (c) => ENTITIES[c]);

/** Marks markup as already safe (only for markup built by `html`). */
export const raw = (text) => new SafeHtml(String(text));

function part(value) {
  if (value instanceof SafeHtml) return value.text;
  if (Array.isArray(value)) return value.map(part).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(value);
}

/** Tagged template: every interpolated value is escaped unless it is itself `html` (or an array of). */
export function html(strings, ...values) {
  let out = strings[0];
  values.forEach((value, i) => {
    out += part(value) + strings[i + 1];
  });
  return new SafeHtml(out);
}

/** Only http(s) links leave the dashboard; anything else becomes inert. */
export const safeUrl = (url) => (/^https?:\/\//i.test(String(url ?? '')) ? url : '#');

export const $ = (selector, root = document) => root.querySelector(selector);
export const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];

/** Replaces an element's content, keeping keyboard focus on the element with the same id if any. */
export function render(element, markup) {
  const focusedId = element.contains(document.activeElement) ? document.activeElement.id : '';
  element.innerHTML = String(markup);
  if (focusedId) document.getElementById(focusedId)?.focus();
}

/**
 * Updates a table body row by row (keyed), so rows that did not change keep their DOM, their focus
 * and whatever was typed into them.
 */
export function syncRows(tbody, items, keyOf, rowHtml) {
  const existing = new Map([...tbody.rows].map((row) => [row.dataset.key, row]));
  let previous = null;
  for (const item of items) {
    const key = String(keyOf(item));
    const signature = JSON.stringify(item);
    let row = existing.get(key);
    existing.delete(key);
    if (!row || row.dataset.sig !== signature) {
      const template = document.createElement('template');
      template.innerHTML = String(rowHtml(item)).trim();
      const fresh = template.content.firstElementChild;
      fresh.dataset.key = key;
      fresh.dataset.sig = signature;
      if (row) row.replaceWith(fresh);
      row = fresh;
    }
    const expected = previous ? previous.nextElementSibling : tbody.firstElementChild;
    if (expected !== row) tbody.insertBefore(row, expected);
    previous = row;
  }
  for (const row of existing.values()) row.remove();
}

const money = new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** Amounts arrive in the currency unit; the API names no currency, so none is printed. */
export const formatMoney = (value) => (typeof value === 'number' ? money.format(value) : '—');

export function formatDate(value) {
  if (!value) return '—';
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : dateTime.format(date);
}

export const timeTag = (value) => html`<time datetime="${value ?? ''}">${formatDate(value)}</time>`;

/** `ordersFound` → `orders found`. */
export const humanize = (key) => key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();

export const STATUSES = {
  WAITING_ACCEPTANCE: { label: 'Waiting for acceptance', tone: 'warn' },
  ACCEPTED: { label: 'Accepted', tone: 'info' },
  IMPORT_FAILED: { label: 'Import failed', tone: 'danger' },
  AWAITING_SHIPMENT: { label: 'Awaiting shipment', tone: 'info' },
  SHIPMENT_FAILED: { label: 'Shipment failed', tone: 'danger' },
  SHIPPED: { label: 'Shipped', tone: 'ok' },
  REFUSED: { label: 'Refused', tone: 'muted' },
  CANCELLED: { label: 'Cancelled', tone: 'muted' },
};

/** A status pill; `data-status` carries the API's code. */
export function badge(status, labels = STATUSES) {
  const known = labels[status] ?? { label: String(status), tone: 'muted' };
  return html`<span class="badge badge-${known.tone}" data-status="${status}">${known.label}</span>`;
}

/** Hands a file (`{blob, filename}`, as apiFile answers) to the browser as a download. */
export function saveFile({ blob, filename }) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** Runs `work` with the button disabled and a busy label, restoring it afterwards. */
export async function busy(button, label, work) {
  const original = button.textContent;
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  button.textContent = label;
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
    button.textContent = original;
  }
}

/** A message in a live region: `tone` is ok, danger or info. */
export function say(region, tone, text) {
  region.className = `notice notice-${tone}`;
  region.textContent = text;
  region.hidden = !text;
}

/** Accessible tabs (WAI-ARIA pattern): arrow keys, Home and End move between tabs. */
export function tabs(root, onSelect) {
  const list = $('[role="tablist"]', root);
  if (!list) return;
  const all = () => $$('[role="tab"]', list);
  const select = (tab) => {
    for (const t of all()) {
      const on = t === tab;
      t.setAttribute('aria-selected', String(on));
      t.tabIndex = on ? 0 : -1;
      document.getElementById(t.getAttribute('aria-controls')).hidden = !on;
    }
    onSelect?.(tab.dataset.tab);
  };
  list.addEventListener('click', (event) => {
    const tab = event.target.closest('[role="tab"]');
    if (tab) select(tab);
  });
  list.addEventListener('keydown', (event) => {
    const items = all();
    const index = items.indexOf(document.activeElement);
    const next = {
      ArrowRight: index + 1,
      ArrowLeft: index - 1,
      Home: 0,
      End: items.length - 1,
    }[event.key];
    if (next === undefined || index < 0) return;
    event.preventDefault();
    const tab = items[(next + items.length) % items.length];
    tab.focus();
    select(tab);
  });
}
