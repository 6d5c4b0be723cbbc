/** Connections grid, Add Connection, and a connection's page with its Orders Configuration. */
import {
  ApiError,
  api,
  attentionCounts,
  connectionSettingsSchema,
  forgetConnections,
  get,
  post,
} from '../api.js';
import { $, $$, busy, html, humanize, render, safeUrl, say, timeTag } from '../dom.js';
import { problemNotice } from './notifications.js';
import { STORE_KINDS, storeProblemNotice } from './stores.js';

/** Spartoo's country sites (domain/settings.ts SPARTOO_SITE_DOMAINS): name and webservice domain. */
const SITES = {
  fr: ['France', 'com'],
  uk: ['United Kingdom', 'co.uk'],
  it: ['Italy', 'it'],
  de: ['Germany', 'de'],
  es: ['Spain', 'es'],
  eu: ['Europe', 'eu'],
  net: ['International', 'net'],
  se: ['Sweden', 'se'],
  fi: ['Finland', 'fi'],
  ch: ['Switzerland', 'ch'],
  hr: ['Croatia', 'com.hr'],
};
const siteUrl = (site) => `https://sws.spartoo.${SITES[site]?.[1] ?? 'com'}/mp/`;

const YES_NO = [
  [true, 'Yes'],
  [false, 'No'],
];

/**
 * Every setting of SPEC §2, with the seed's labels. Enums and defaults come from the API's schema;
 * `labels` only names the values.
 */
const FIELDS = [
  {
    group: 'Connection',
    name: 'name',
    label: 'Name',
    type: 'text',
    hint: 'Shown in the grids, e.g. "Spartoo France".',
  },
  {
    group: 'Connection',
    name: 'apiKey',
    label: 'API key',
    type: 'secret',
    hint: 'Your Spartoo merchant code (partenaire). Write-only: it is stored encrypted and never shown again.',
  },
  {
    group: 'Connection',
    name: 'site',
    label: 'Spartoo site',
    type: 'select',
    labels: Object.fromEntries(
      Object.entries(SITES).map(([code, [name, domain]]) => [code, `${name} (spartoo.${domain})`]),
    ),
    hint: 'The country site you sell on: its webservice (https://sws.spartoo.<domain>/mp/) is called.',
  },
  {
    group: 'Connection',
    name: 'baseUrl',
    label: 'Custom webservice URL',
    type: 'url',
    // Shown only when it is not the site's own webservice.
    value: (c) => (c.baseUrl === siteUrl(c.site) ? '' : c.baseUrl),
    hint: "Leave empty for the site's webservice. Another URL (the sandbox, a test server) only if the operator allows custom URLs.",
  },
  {
    group: 'Connection',
    name: 'active',
    label: 'Activate Order Synchronization',
    type: 'select',
    options: [
      [true, 'ACTIVE'],
      [false, 'DISABLED'],
    ],
    hint: 'Disabled: no polling and no stock push; orders already in progress finish.',
  },
  {
    group: 'Connection',
    name: 'syncLevel',
    label: 'Order Synchronization Level',
    type: 'select',
    labels: { ORDERS_AND_STOCK: 'Orders and stock', STOCK_ONLY: 'Stock only' },
  },
  {
    group: 'Acceptance',
    name: 'autoAccept',
    label: 'Accept Orders Automatically',
    type: 'select',
    options: YES_NO,
    hint: 'No: every order waits for you to accept or refuse it.',
  },
  {
    group: 'Acceptance',
    name: 'autoAcceptPriceAttribute',
    label: 'Price Attribute',
    type: 'select',
    labels: {
      PRICE_FINAL_INCL_TAX: 'Final price incl. tax',
      PRICE_ORIGINAL_INCL_TAX: 'Original price incl. tax',
    },
    hint: 'The store price the order price is compared with.',
  },
  {
    group: 'Acceptance',
    name: 'autoAcceptThreshold',
    label: 'Threshold',
    type: 'decimal',
    hint: 'Multiplies the store price before comparing; above 0, at most 10, 4 decimals. We recommend 0.97: a line priced at least 97 % of the store price is accepted.',
  },
  {
    group: 'Acceptance',
    name: 'acceptanceDeadlineHours',
    label: 'Acceptance deadline (hours)',
    type: 'decimal',
    nullable: true,
    hint: 'Spartoo cancels orders not accepted in time: hours after the purchase (decimals allowed, at most 720). You are reminded at 75 %. Empty: no deadline.',
  },
  {
    group: 'Acceptance',
    name: 'autoRefuseAtDeadline',
    label: 'Refuse at the deadline',
    type: 'select',
    options: YES_NO,
    hint: 'Yes: an order still waiting at its deadline is refused. No: it is marked as past its deadline.',
  },
  {
    group: 'Acceptance',
    name: 'productIdentificationAttribute',
    label: 'Product Identification Attribute',
    type: 'text',
    suggestions: ['id', 'sku', 'ean', 'attributes.'],
    hint: "The store product field equal to Spartoo's size reference: id, sku, ean or attributes.<name>.",
  },
  {
    group: 'Import and shipping',
    name: 'storeId',
    label: 'Store',
    type: 'store',
    hint: 'Where accepted orders are imported. Add your Shopify or WooCommerce shop on the Stores page.',
  },
  {
    group: 'Import and shipping',
    name: 'useBillingAddressForShipping',
    label: 'Use Billing Address For Shipping',
    type: 'select',
    options: YES_NO,
  },
  {
    group: 'Import and shipping',
    name: 'syncOrdersCreatedFrom',
    label: 'Sync Orders Created From Date',
    type: 'date',
    hint: 'Only orders and returns created on or after this day. Empty: all.',
  },
  {
    group: 'Import and shipping',
    name: 'defaultShippingService',
    label: 'Default Shipping Service',
    type: 'select',
    hint: "Sent to Spartoo when the store's carrier matches none of Spartoo's services.",
  },
  {
    group: 'Import and shipping',
    name: 'shippingServiceMap',
    label: 'Carrier mapping',
    type: 'map',
    keyLabel: 'Store carrier',
    valueLabel: 'Spartoo service',
    valuesFrom: 'defaultShippingService',
    hint: 'Store carriers (any case) and the Spartoo service sent for them. A carrier named like a service needs no entry.',
  },
  {
    group: 'Import and shipping',
    name: 'storeShippingMethodMap',
    label: 'Shipping method mapping',
    type: 'map',
    keyLabel: 'Spartoo shipping name',
    valueLabel: 'Store shipping method',
    hint: 'Used when importing; names not listed are imported as they are.',
  },
  {
    group: 'Schedule',
    name: 'pollIntervalSeconds',
    label: 'Order polling interval (seconds)',
    type: 'integer',
    hint: 'At least 10.',
  },
  {
    group: 'Schedule',
    name: 'stockSyncIntervalSeconds',
    label: 'Stock push interval (seconds)',
    type: 'integer',
    hint: 'At least 10.',
  },
];

const fieldId = (name) => `f-${name}`;

function describedBy(field) {
  return [field.hint ? `${fieldId(field.name)}-hint` : '', `${fieldId(field.name)}-error`].join(' ').trim();
}

function optionsOf(field, schema) {
  if (field.options) return field.options;
  const values = schema.properties[field.name]?.enum ?? [];
  return values.map((value) => [value, field.labels?.[value] ?? value]);
}

function mapRow(field, schema, key = '', value = '') {
  const values = field.valuesFrom ? schema.properties[field.valuesFrom]?.enum : null;
  const valueInput = values
    ? html`<select data-map-value aria-label="${field.valueLabel}">
        ${values.map((v) => html`<option value="${v}" ${v === value ? 'selected' : ''}>${v}</option>`)}
      </select>`
    : html`<input data-map-value aria-label="${field.valueLabel}" value="${value}">`;
  return html`<div class="map-row">
    <input data-map-key aria-label="${field.keyLabel}" value="${key}">
    <span aria-hidden="true">→</span>
    ${valueInput}
    <button type="button" class="button button-small" data-map-remove>Remove</button>
  </div>`;
}

/** A store's option: its name, kind and, when it has one, that it has a problem. */
const storeOption = (s, value) =>
  html`<option value="${s.id}" ${s.id === value ? 'selected' : ''}>${s.name}${
    s.kind === 'builtin' ? '' : ` (${STORE_KINDS[s.kind] ?? s.kind})`
  }${s.problem ? ' — has a problem' : ''}</option>`;

function control(field, schema, value, editing, stores) {
  const id = fieldId(field.name);
  const common = html`id="${id}" name="${field.name}" aria-describedby="${describedBy(field)}"`;
  switch (field.type) {
    case 'store':
      // A store id the list does not hold (deleted meanwhile, or /stores unreadable) stays selectable.
      return html`<select ${common}>
        ${stores.map((s) => storeOption(s, value))}
        ${value && !stores.some((s) => s.id === value) ? html`<option value="${value}" selected>${value}</option>` : ''}
      </select>`;
    case 'select':
      return html`<select ${common}>
        ${optionsOf(field, schema).map(
          ([v, label]) =>
            html`<option value="${String(v)}" ${v === value ? 'selected' : ''}>${label}</option>`,
        )}
      </select>`;
    case 'secret':
      return html`<input ${common} type="password" autocomplete="off" spellcheck="false"
        placeholder="${editing ? `${value} — leave empty to keep it` : ''}">`;
    case 'decimal':
      return html`<input ${common} type="text" inputmode="decimal" value="${value ?? ''}">`;
    case 'integer':
      return html`<input ${common} type="text" inputmode="numeric" value="${value ?? ''}">`;
    case 'date':
      return html`<input ${common} type="date" value="${value ?? ''}">`;
    case 'url':
      return html`<input ${common} type="url" inputmode="url" value="${value ?? ''}"
        placeholder="Empty: the site's webservice">`;
    case 'map':
      return html`<div class="map" id="${id}" data-map="${field.name}" role="group"
          aria-labelledby="${id}-label" aria-describedby="${describedBy(field)}">
        <div class="map-rows">${Object.entries(value ?? {}).map(([k, v]) => mapRow(field, schema, k, v))}</div>
        <button type="button" class="button button-small" data-map-add>Add a mapping</button>
      </div>`;
    default: {
      const list = field.suggestions ? `${id}-list` : '';
      return html`<input ${common} type="text" value="${value ?? ''}" ${list ? html`list="${list}"` : ''}>
        ${list ? html`<datalist id="${list}">${field.suggestions.map((s) => html`<option value="${s}">`)}</datalist>` : ''}`;
    }
  }
}

/** The settings form; `connection` (edit) or the schema's defaults (create) fill it. */
function settingsForm(schema, connection, stores) {
  const editing = Boolean(connection);
  const initial = (field) =>
    editing ? (field.value?.(connection) ?? connection[field.name]) : schema.properties[field.name]?.default;
  const groups = [...new Set(FIELDS.map((f) => f.group))];
  return html`<form id="settings-form" class="settings" novalidate>
    <div id="form-notice" role="alert" hidden></div>
    ${groups.map(
      (group) => html`<fieldset>
        <legend>${group}</legend>
        <div class="fields">
          ${FIELDS.filter((f) => f.group === group).map(
            (
              field,
            ) => html`<div class="field ${field.type === 'map' ? 'field-wide' : ''}" data-field="${field.name}">
              ${
                field.type === 'map'
                  ? html`<span class="label" id="${fieldId(field.name)}-label">${field.label}</span>`
                  : html`<label for="${fieldId(field.name)}">${field.label}</label>`
              }
              ${control(field, schema, initial(field), editing, stores)}
              ${field.hint ? html`<p class="hint" id="${fieldId(field.name)}-hint">${field.hint}</p>` : ''}
              <p class="field-error" id="${fieldId(field.name)}-error" hidden></p>
            </div>`,
          )}
        </div>
      </fieldset>`,
    )}
    <div class="form-actions">
      <button type="submit" class="button button-primary">${editing ? 'Save' : 'Add Connection'}</button>
      ${editing ? '' : html`<a class="button" href="#/connections">Cancel</a>`}
    </div>
  </form>`;
}

/** Wires the map editors (add / remove rows). */
function wireMaps(form, schema) {
  form.addEventListener('click', (event) => {
    const add = event.target.closest('[data-map-add]');
    if (add) {
      const map = add.closest('[data-map]');
      const field = FIELDS.find((f) => f.name === map.dataset.map);
      $('.map-rows', map).insertAdjacentHTML('beforeend', String(mapRow(field, schema)));
      $$('[data-map-key]', map).at(-1).focus();
    }
    const remove = event.target.closest('[data-map-remove]');
    if (remove) {
      const map = remove.closest('[data-map]');
      remove.closest('.map-row').remove();
      $('[data-map-add]', map).focus();
    }
  });
}

/**
 * The request body. Empty optional inputs are left out on create (the API's defaults apply); on
 * edit an emptied number is sent as null so the API names it instead of silently keeping the old value.
 */
function readForm(form, editing) {
  const body = {};
  for (const field of FIELDS) {
    if (field.type === 'map') {
      const entries = $$('.map-row', form.querySelector(`[data-map="${field.name}"]`))
        .map((row) => [$('[data-map-key]', row).value.trim(), $('[data-map-value]', row).value.trim()])
        .filter(([k, v]) => k || v);
      body[field.name] = Object.fromEntries(entries);
      continue;
    }
    const text = form.elements[field.name].value.trim();
    if (field.type === 'select') {
      body[field.name] = text === 'true' ? true : text === 'false' ? false : text;
    } else if (field.type === 'decimal' || field.type === 'integer') {
      const number = Number(text.replace(',', '.'));
      if (text === '') {
        if (editing || field.nullable) body[field.name] = null;
      } else body[field.name] = Number.isNaN(number) ? text : number;
    } else if (field.type === 'date') {
      body[field.name] = text || null;
    } else if (field.type === 'url') {
      // Emptied on edit: back to the site's webservice.
      if (text) body[field.name] = text;
      else if (editing) body[field.name] = null;
    } else if (field.type === 'secret') {
      if (text || !editing) body[field.name] = text;
    } else {
      body[field.name] = text;
    }
  }
  return body;
}

/** Shows each API field error next to its field; the rest (and a summary) above the form. */
function showErrors(form, error) {
  for (const p of $$('.field-error', form)) {
    p.hidden = true;
    p.textContent = '';
  }
  for (const el of $$('[aria-invalid]', form)) el.removeAttribute('aria-invalid');
  const notice = $('#form-notice', form);
  if (!error) {
    notice.hidden = true;
    return;
  }
  const unplaced = [];
  let first = null;
  for (const { field, message } of error.errors) {
    const name = String(field).split('.')[0];
    const container = form.querySelector(`[data-field="${CSS.escape(name)}"]`);
    if (!container) {
      unplaced.push(`${field} ${message}`);
      continue;
    }
    const p = $('.field-error', container);
    p.textContent = p.textContent ? `${p.textContent}; ${message}` : capitalize(message);
    p.hidden = false;
    const input = $(`#${fieldId(name)}`, container);
    input.setAttribute('aria-invalid', 'true');
    first ??= input.matches('[data-map]') ? $('input, select, button', input) : input;
  }
  const count = error.errors.length - unplaced.length;
  const lines = [
    count ? `${count === 1 ? 'One field needs' : `${count} fields need`} attention: nothing was saved.` : '',
    ...unplaced,
    count || unplaced.length ? '' : error.message,
  ].filter(Boolean);
  say(notice, 'danger', lines.join(' '));
  first?.focus();
  if (!first) notice.scrollIntoView({ block: 'center' });
}

const capitalize = (text) => text.charAt(0).toUpperCase() + text.slice(1);

async function submitSettings(form, send) {
  const button = $('button[type="submit"]', form);
  return busy(button, 'Saving…', async () => {
    try {
      const saved = await send();
      showErrors(form, null);
      forgetConnections();
      return saved;
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      showErrors(form, error);
      return null;
    }
  });
}

function cycleText(cycle, empty) {
  if (!cycle) return html`<span class="muted">${empty}</span>`;
  const counts = Object.entries(cycle)
    .filter(([key, value]) => !['at', 'ok', 'error'].includes(key) && typeof value === 'number')
    .map(([key, value]) => `${value} ${humanize(key).replace(/^(\w+)s\b/, value === 1 ? '$1' : '$1s')}`)
    .join(', ');
  return html`${timeTag(cycle.at)} —
    ${cycle.ok ? html`<span class="ok">OK</span>` : html`<span class="danger">Failed</span>`}${counts ? `: ${counts}` : ''}
    ${cycle.error ? html`<br><span class="danger">${cycle.error}</span>` : ''}`;
}

export async function connectionsPage(ctx) {
  ctx.title('Connections');
  const [{ items }, counts] = await Promise.all([get('/connections'), attentionCounts().catch(() => null)]);
  if (!ctx.alive()) return;
  const waiting = counts?.WAITING_ACCEPTANCE;
  render(
    ctx.main,
    html`<div class="page-head">
      <h1>Connections</h1>
      <a class="button button-primary" href="#/connections/new">Add Connection</a>
    </div>
    ${
      waiting?.count
        ? html`<p class="notice notice-warn"><a href="#/attention">${waiting.count}${waiting.more ? '+' : ''}
            order${waiting.count === 1 ? '' : 's'} waiting for your decision</a></p>`
        : ''
    }
    ${
      items.length
        ? html`<ul class="tiles" aria-label="Connections">
            ${items.map(
              (c) => html`<li class="tile">
                <h2><a href="#/connections/${encodeURIComponent(c.id)}">${c.name}</a></h2>
                <p><span class="badge ${c.active ? 'badge-ok' : 'badge-muted'}">${c.active ? 'ACTIVE' : 'DISABLED'}</span>
                  <span class="muted">${c.syncLevel === 'STOCK_ONLY' ? 'Stock only' : 'Orders and stock'} ·
                  ${c.autoAccept ? 'accepts automatically' : 'manual acceptance'}</span></p>
                <dl class="compact">
                  <dt>API key</dt><dd>${c.apiKey}</dd>
                  <dt>Last poll</dt><dd>${cycleText(c.lastPoll, 'not yet')}</dd>
                </dl>
                ${problemNotice(c)}
                ${storeProblemNotice(c.storeProblem, { link: true })}
              </li>`,
            )}
          </ul>`
        : html`<div class="empty card"><p>No connection yet. Add your Spartoo connection: you will need
            your Spartoo merchant code (API key).</p>
            <p><a class="button button-primary" href="#/connections/new">Add Connection</a></p></div>`
    }`,
  );
}

export async function connectionNew(ctx) {
  ctx.title('Add Connection');
  const [schema, stores] = await Promise.all([connectionSettingsSchema(), storeChoices()]);
  if (!ctx.alive()) return;
  render(
    ctx.main,
    html`<nav class="crumbs" aria-label="Breadcrumb"><a href="#/connections">Connections</a> ›</nav>
    <h1>Add Connection</h1>
    <div class="tiles tiles-picker" role="group" aria-label="Channel">
      <div class="tile tile-selected"><strong>Spartoo</strong><br><span class="muted">Marketplace orders, stock and returns</span></div>
    </div>
    ${settingsForm(schema, null, stores)}`,
  );
  const form = $('#settings-form');
  wireMaps(form, schema);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const created = await submitSettings(form, () => post('/connections', readForm(form, false)));
    if (created) location.hash = `#/connections/${encodeURIComponent(created.id)}?created=1`;
  });
}

export async function connectionPage(ctx) {
  const [id] = ctx.params;
  const path = `/connections/${encodeURIComponent(id)}`;
  const [connection, schema, stores] = await Promise.all([
    get(path),
    connectionSettingsSchema(),
    storeChoices(),
  ]);
  if (!ctx.alive()) return;
  ctx.title(connection.name);
  render(
    ctx.main,
    html`<nav class="crumbs" aria-label="Breadcrumb"><a href="#/connections">Connections</a> ›</nav>
    <div class="page-head">
      <h1>${connection.name}</h1>
      <a class="external" href="${safeUrl(connection.temporalUiUrl)}" target="_blank" rel="noopener"
        id="workflow-link">Connection workflow in Temporal UI</a>
    </div>
    ${ctx.query.get('created') ? html`<p class="notice notice-ok" role="status">Connection added. Its workflow polls Spartoo every ${connection.pollIntervalSeconds} s; use Synchronize Orders to poll now.</p>` : ''}
    <section class="card" aria-labelledby="sync-title">
      <h2 id="sync-title">Synchronization</h2>
      <div id="cycles">${cycles(connection)}</div>
      <div class="actions">
        <button type="button" class="button button-primary" id="sync-orders">Synchronize Orders</button>
        <button type="button" class="button" id="sync-stock">Push stock now</button>
        <a class="button" href="#/orders?connectionId=${encodeURIComponent(id)}">Orders of this connection</a>
      </div>
      <p id="sync-result" role="status" hidden></p>
    </section>
    <section class="card" aria-labelledby="config-title">
      <h2 id="config-title">Orders Configuration</h2>
      ${settingsForm(schema, connection, stores)}
    </section>
    <section class="card" aria-labelledby="remove-title">
      <h2 id="remove-title">Remove</h2>
      <p>Stops this connection's workflow. Its orders stay readable.</p>
      <button type="button" class="button button-danger" id="delete-connection">Delete connection</button>
      <p id="delete-result" role="status" hidden></p>
    </section>`,
  );

  const refresh = async () => {
    const fresh = await get(path);
    if (ctx.alive()) render($('#cycles'), cycles(fresh));
  };
  ctx.every(5000, refresh);

  const result = $('#sync-result');
  $('#sync-orders').addEventListener('click', (event) =>
    busy(event.currentTarget, 'Synchronizing…', async () => {
      try {
        const r = await post(`${path}/sync`);
        say(
          result,
          'ok',
          `Synchronized: ${r.ordersFound} order${r.ordersFound === 1 ? '' : 's'} found, ${r.ordersStarted} started, ${r.returnsFound} return${r.returnsFound === 1 ? '' : 's'} found.`,
        );
        await refresh();
      } catch (error) {
        say(result, 'danger', `Synchronization failed: ${error.message}`);
      }
    }),
  );
  $('#sync-stock').addEventListener('click', (event) =>
    busy(event.currentTarget, 'Pushing stock…', async () => {
      try {
        const r = await post(`${path}/stock-sync`);
        const errors = Array.isArray(r.errors) ? r.errors : [];
        const shown = errors
          .slice(0, 5)
          .map((e) => `${e.referencePartenaire}/${e.sizeReference}: ${e.message} (${e.code})`);
        say(
          result,
          errors.length ? 'warn' : 'ok',
          [
            `Stock pushed: ${r.sizesSent} size${r.sizesSent === 1 ? '' : 's'} sent, ${errors.length} error${errors.length === 1 ? '' : 's'}${errors.length ? ':' : '.'}`,
            ...shown,
            errors.length > 5 ? `and ${errors.length - 5} more.` : '',
          ]
            .filter(Boolean)
            .join(' '),
        );
        await refresh();
      } catch (error) {
        say(result, 'danger', `Stock push failed: ${error.message}`);
      }
    }),
  );

  const form = $('#settings-form');
  wireMaps(form, schema);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const saved = await submitSettings(form, () => api('PATCH', path, readForm(form, true)));
    if (saved) {
      say($('#form-notice', form), 'ok', `Saved. The workflow uses the new settings from its next cycle.`);
      form.elements.apiKey.value = '';
      form.elements.apiKey.placeholder = `${saved.apiKey} — leave empty to keep it`;
    }
  });

  $('#delete-connection').addEventListener('click', async (event) => {
    if (!window.confirm(`Delete the connection "${connection.name}"? Its workflow stops.`)) return;
    await busy(event.currentTarget, 'Deleting…', async () => {
      try {
        await api('DELETE', path);
        forgetConnections();
        location.hash = '#/connections';
      } catch (error) {
        say($('#delete-result'), 'danger', error.message);
      }
    });
  });
}

/** The stores a connection can import into (the built-in one alone when /stores cannot be read). */
async function storeChoices() {
  try {
    return (await get('/stores')).items;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) throw error;
    return [{ id: 'builtin', kind: 'builtin', name: 'Built-in store', problem: null }];
  }
}

function cycles(connection) {
  return html`<dl class="compact">
    <dt>Status</dt><dd><span class="badge ${connection.active ? 'badge-ok' : 'badge-muted'}">${connection.active ? 'ACTIVE' : 'DISABLED'}</span></dd>
    <dt>API key</dt><dd>${connection.apiKey}</dd>
    <dt>Last poll</dt><dd id="last-poll">${cycleText(connection.lastPoll, 'No poll yet')}</dd>
    <dt>Last stock push</dt><dd id="last-stock">${cycleText(connection.lastStockSync, 'No stock push yet')}</dd>
  </dl>
  ${problemNotice(connection)}
  ${storeProblemNotice(connection.storeProblem, { link: true })}
  ${duplicateKeyWarnings(connection)}`;
}

/** Store products sharing this connection's identification key: the lowest id is the one used. */
function duplicateKeyWarnings(connection) {
  const duplicates = (connection.warnings ?? []).filter((w) => w.code === 'DUPLICATE_PRODUCT_KEY');
  if (!duplicates.length) return '';
  const attribute = connection.productIdentificationAttribute;
  return html`<div class="notice notice-warn" id="duplicate-keys" role="status">
    <p>Several store products have the same ${attribute}: orders, imports and stock use the one with the
      lowest id (listed first), and ignore the others.</p>
    <ul>
      ${duplicates.map(
        (w) =>
          html`<li><strong>${w.key}</strong>: ${w.productIds.join(', ')}${
            w.productCount > w.productIds.length ? ` and ${w.productCount - w.productIds.length} more` : ''
          }</li>`,
      )}
    </ul>
  </div>`;
}
