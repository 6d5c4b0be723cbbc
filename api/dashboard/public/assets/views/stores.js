/**
 * Stores: the shops accepted orders are imported into (issue 11). The one built-in store, and the
 * merchant's Shopify and WooCommerce shops: add, edit, test, delete, and each store's problem.
 */
import { ApiError, api, connectionsById, forgetConnections, get, post } from '../api.js';
import { $, $$, busy, html, render, say, syncRows, timeTag } from '../dom.js';

export const STORE_KINDS = {
  builtin: 'Built-in store',
  shopify: 'Shopify',
  woocommerce: 'WooCommerce',
};

const PROBLEMS = {
  STORE_ACCESS: 'The shop refused access',
  STORE_UNREACHABLE: 'The shop could not be checked',
};

/**
 * Each kind's fields as POST /stores takes them (domain/stores.ts). `secret`: write-only, shown
 * masked; `optional`: may be left empty (on edit, emptying a non-secret one removes it).
 */
const KIND_FIELDS = {
  shopify: [
    {
      name: 'shopUrl',
      label: 'Shop URL',
      type: 'url',
      placeholder: 'your-shop.myshopify.com',
      hint: 'Your shop’s myshopify.com domain, or a full https base URL.',
    },
    {
      name: 'accessToken',
      label: 'Admin API access token',
      type: 'secret',
      hint: 'The custom app’s Admin API token (shpat_…). Write-only: stored encrypted, never shown again.',
    },
    {
      name: 'webhookSecret',
      label: 'Webhook secret',
      type: 'secret',
      hint: 'The app’s client secret (API secret key): Shopify signs its webhooks with it.',
    },
    {
      name: 'locationIds',
      label: 'Location ids',
      type: 'list',
      optional: true,
      hint: 'Optional, comma-separated: the locations whose stock counts. Empty: every location.',
    },
  ],
  woocommerce: [
    {
      name: 'url',
      label: 'Site URL',
      type: 'url',
      placeholder: 'https://shop.example.com',
      hint: 'The WordPress site’s address; the REST API is under /wp-json/wc/v3.',
    },
    {
      name: 'consumerKey',
      label: 'Consumer key',
      type: 'secret',
      hint: 'A Read/Write REST API key (ck_…). Write-only: stored encrypted, never shown again.',
    },
    { name: 'consumerSecret', label: 'Consumer secret', type: 'secret', hint: 'The key’s secret (cs_…).' },
    {
      name: 'webhookSecret',
      label: 'Webhook secret',
      type: 'secret',
      optional: true,
      hint: 'Optional: the webhooks’ secret. Empty: they are checked with the consumer secret.',
    },
    {
      name: 'trackingMetaKey',
      label: 'Tracking meta key',
      type: 'text',
      optional: true,
      hint: 'Optional: the order meta holding the tracking number. Empty: the Shipment Tracking extension’s.',
    },
  ],
};

const storeUrl = (s) => s.shopUrl ?? s.url ?? '';

/** A store's problem, for its row and for the connections that use it. */
export function storeProblemNotice(problem, { link = false } = {}) {
  if (!problem) return '';
  return html`<div class="notice notice-danger problem" role="status" data-store-problem="${problem.code}">
    <strong>${link ? 'Store problem: ' : ''}${PROBLEMS[problem.code] ?? problem.code}</strong> since ${timeTag(problem.since)}.
    <br><span>${problem.message}</span>
    <br><span class="hint">Imports into this store fail until it works again: check its credentials${
      link ? html` on the <a href="#/stores">Stores page</a>` : ''
    }, then use Test.</span>
  </div>`;
}

function secretsOf(store) {
  const names = KIND_FIELDS[store.kind]?.filter((f) => f.type === 'secret') ?? [];
  return names
    .filter((f) => store[f.name])
    .map((f) => html`<span class="line">${f.label}: ${store[f.name]}</span>`);
}

function storeRow(s, connections) {
  const builtin = s.kind === 'builtin';
  return html`<tr>
    <th scope="row"><span>${s.name}<br><code class="muted">${s.id}</code></span>
      ${storeProblemNotice(s.problem)}</th>
    <td data-label="Kind">${STORE_KINDS[s.kind] ?? s.kind}</td>
    <td data-label="Shop"><span class="url">${builtin ? 'Inside spartoo-sync' : storeUrl(s)}</span></td>
    <td data-label="Credentials"><span>${builtin ? '—' : secretsOf(s)}${
      s.locationIds?.length ? html`<span class="line">Locations: ${s.locationIds.join(', ')}</span>` : ''
    }${s.trackingMetaKey ? html`<span class="line">Tracking meta: ${s.trackingMetaKey}</span>` : ''}</span></td>
    <td data-label="Used by">${
      s.connectionIds.length
        ? html`<span>${s.connectionIds.map(
            (id) =>
              html`<a class="line" href="#/connections/${encodeURIComponent(id)}">${connections.get(id)?.name ?? id}</a>`,
          )}</span>`
        : html`<span class="muted">No connection</span>`
    }</td>
    <td class="stack-block"><div class="ship-buttons">${
      builtin
        ? html`<a class="button button-small" href="#/store">Products and orders</a>`
        : html`<button type="button" class="button button-small" data-test="${s.id}">Test</button>
          <button type="button" class="button button-small" data-edit="${s.id}">Edit</button>
          <button type="button" class="button button-danger button-small" data-delete="${s.id}">Delete</button>`
    }</div></td>
  </tr>`;
}

const fieldId = (name) => `store-${name}`;

/** The fields of `kind`, filled from `store` when editing (secrets stay empty: keep). */
function kindFields(kind, store) {
  return html`<div class="field" data-field="name">
      <label for="${fieldId('name')}">Name</label>
      <input id="${fieldId('name')}" name="name" value="${store?.name ?? ''}" autocomplete="off"
        aria-describedby="${fieldId('name')}-hint ${fieldId('name')}-error">
      <p class="hint" id="${fieldId('name')}-hint">Shown in the connection form, e.g. "My Shopify".</p>
      <p class="field-error" id="${fieldId('name')}-error" hidden></p>
    </div>
    ${KIND_FIELDS[kind].map((f) => {
      const id = fieldId(f.name);
      const value = store?.[f.name];
      const common = html`id="${id}" name="${f.name}" aria-describedby="${id}-hint ${id}-error"`;
      const input =
        f.type === 'secret'
          ? html`<input ${common} type="password" autocomplete="off" spellcheck="false"
              placeholder="${store && value ? `${value} — leave empty to keep it` : ''}">`
          : f.type === 'url'
            ? html`<input ${common} type="text" inputmode="url" spellcheck="false" value="${value ?? ''}"
                placeholder="${f.placeholder ?? ''}">`
            : html`<input ${common} type="text" spellcheck="false"
                value="${Array.isArray(value) ? value.join(', ') : (value ?? '')}">`;
      return html`<div class="field" data-field="${f.name}">
        <label for="${id}">${f.label}</label>
        ${input}
        <p class="hint" id="${id}-hint">${f.hint}</p>
        <p class="field-error" id="${id}-error" hidden></p>
      </div>`;
    })}`;
}

const listOf = (text) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** POST body (create) or the PATCH of what changed (edit). */
function readStoreForm(form, kind, store) {
  const body = store ? {} : { kind };
  const name = form.elements.name.value.trim();
  if (!store || name !== store.name) body.name = name;
  for (const f of KIND_FIELDS[kind]) {
    const text = form.elements[f.name].value.trim();
    if (f.type === 'secret') {
      if (text) body[f.name] = text;
      else if (!store && !f.optional) body[f.name] = '';
      continue;
    }
    const value = f.type === 'list' ? listOf(text) : text;
    const empty = f.type === 'list' ? value.length === 0 : value === '';
    if (!store) {
      if (!empty || !f.optional) body[f.name] = value;
      continue;
    }
    const before = store[f.name];
    const same = f.type === 'list' ? (before ?? []).join(',') === value.join(',') : (before ?? '') === value;
    if (same) continue;
    body[f.name] = empty && f.optional ? null : value;
  }
  return body;
}

export async function storesPage(ctx) {
  ctx.title('Stores');
  const [{ items }, initialConnections] = await Promise.all([get('/stores'), connectionsById()]);
  if (!ctx.alive()) return;
  let stores = items;
  let connections = initialConnections;
  /** The store being edited, or null: the form adds one. */
  let editing = null;
  let kind = 'shopify';

  render(
    ctx.main,
    html`<h1>Stores</h1>
    <p>Where accepted Spartoo orders are imported: the built-in store, or your Shopify or WooCommerce
      shop. Each connection names its store (Orders Configuration). spartoo-sync subscribes to the shop’s
      webhooks to learn when you ship or cancel there.</p>
    <div id="stores-problems"></div>
    <section class="card" aria-labelledby="stores-title">
      <h2 id="stores-title">Your stores</h2>
      <p id="stores-result" role="status" tabindex="-1" hidden></p>
      <div class="table-wrap">
        <table class="grid stack" id="stores">
          <thead><tr><th scope="col">Store</th><th scope="col">Kind</th><th scope="col">Shop</th>
            <th scope="col">Credentials</th><th scope="col">Used by</th><th scope="col">Actions</th></tr></thead>
          <tbody></tbody>
        </table>
      </div>
    </section>
    <section class="card" aria-labelledby="store-form-title" id="store-form-card">
      <h2 id="store-form-title">Add a store</h2>
      <form id="store-form" class="settings" novalidate>
        <div id="store-notice" role="alert" hidden></div>
        <fieldset class="label-choice" id="store-kind">
          <legend>Shop</legend>
          ${Object.keys(KIND_FIELDS).map(
            (k) => html`<label><input type="radio" name="kind" value="${k}" ${k === kind ? 'checked' : ''}>
              ${STORE_KINDS[k]}</label>`,
          )}
        </fieldset>
        <div class="fields" id="store-fields"></div>
        <div class="form-actions">
          <button type="submit" class="button button-primary" id="store-submit">Add store</button>
          <button type="button" class="button" id="store-cancel" hidden>Cancel</button>
        </div>
      </form>
    </section>`,
  );

  const result = $('#stores-result');
  const form = $('#store-form');
  const notice = $('#store-notice');

  const show = () => {
    syncRows(
      $('#stores tbody'),
      stores,
      (s) => s.id,
      (s) => storeRow(s, connections),
    );
    const broken = stores.filter((s) => s.problem);
    render(
      $('#stores-problems'),
      broken.length
        ? html`<p class="notice notice-danger" role="status" id="stores-problem-summary">
            ${broken.length === 1 ? 'One store has' : `${broken.length} stores have`} a problem:
            ${broken.map((s) => s.name).join(', ')}. Its orders cannot be imported until it works again.</p>`
        : '',
    );
  };
  const load = async () => {
    const [page, names] = await Promise.all([get('/stores'), connectionsById()]);
    if (!ctx.alive()) return;
    stores = page.items;
    connections = names;
    show();
  };
  show();

  const clearErrors = () => {
    for (const p of $$('.field-error', form)) {
      p.hidden = true;
      p.textContent = '';
    }
    for (const el of $$('[aria-invalid]', form)) el.removeAttribute('aria-invalid');
    notice.hidden = true;
  };
  const drawForm = () => {
    render($('#store-fields'), kindFields(kind, editing));
    $('#store-kind').hidden = Boolean(editing);
    for (const radio of $$('input[name="kind"]', form)) radio.checked = radio.value === kind;
    $('#store-form-title').textContent = editing ? `Edit ${editing.name}` : 'Add a store';
    $('#store-submit').textContent = editing ? 'Save' : 'Add store';
    $('#store-cancel').hidden = !editing;
    clearErrors();
  };
  drawForm();

  $('#store-kind').addEventListener('change', (event) => {
    kind = event.target.value;
    drawForm();
  });
  $('#store-cancel').addEventListener('click', () => {
    editing = null;
    kind = 'shopify';
    drawForm();
  });

  const showErrors = (error) => {
    clearErrors();
    let first = null;
    const unplaced = [];
    for (const { field, message } of error.errors) {
      const name = String(field).split('.')[0];
      const p = $(`#${fieldId(name)}-error`, form);
      if (!p) {
        unplaced.push(`${field} ${message}`);
        continue;
      }
      p.textContent = p.textContent
        ? `${p.textContent}; ${message}`
        : message.charAt(0).toUpperCase() + message.slice(1);
      p.hidden = false;
      const input = form.elements[name];
      input?.setAttribute('aria-invalid', 'true');
      first ??= input;
    }
    const placed = error.errors.length - unplaced.length;
    say(
      notice,
      'danger',
      [placed ? 'Nothing was saved: see the fields below.' : error.message, ...unplaced].join(' '),
    );
    first?.focus();
  };

  /** What a check answered, or why it failed. */
  const tested = (store, r) =>
    `${store.name}: connected to “${r.shopName}”, ${r.productCount} product${r.productCount === 1 ? '' : 's'}, ${r.webhooksRegistered} webhook${r.webhooksRegistered === 1 ? '' : 's'} registered.`;

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = readStoreForm(form, kind, editing);
    await busy($('#store-submit'), editing ? 'Saving…' : 'Adding…', async () => {
      try {
        const saved = editing
          ? await api('PATCH', `/stores/${encodeURIComponent(editing.id)}`, body)
          : await post('/stores', body);
        forgetConnections();
        const verb = editing ? 'saved' : 'added';
        editing = null;
        kind = 'shopify';
        drawForm();
        await load();
        // Creating or changing a shop checks it at once: its problem, if any, says what failed.
        if (saved.problem) say(result, 'danger', `${saved.name} ${verb}, but: ${saved.problem.message}`);
        else say(result, 'ok', `${saved.name} ${verb}. Use Test to check it again at any time.`);
        result.focus();
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        showErrors(error);
      }
    });
    // busy() puts back the label it found: the form may have turned from Edit into Add meanwhile.
    $('#store-submit').textContent = editing ? 'Save' : 'Add store';
  });

  $('#stores tbody').addEventListener('click', async (event) => {
    const test = event.target.closest('button[data-test]');
    const edit = event.target.closest('button[data-edit]');
    const remove = event.target.closest('button[data-delete]');
    const button = test ?? edit ?? remove;
    if (!button) return;
    const id = button.dataset.test ?? button.dataset.edit ?? button.dataset.delete;
    const store = stores.find((s) => s.id === id);
    if (!store) return;
    if (test) {
      await busy(test, 'Testing…', async () => {
        try {
          say(result, 'ok', tested(store, await post(`/stores/${encodeURIComponent(id)}/test`)));
        } catch (error) {
          if (!(error instanceof ApiError)) throw error;
          say(result, 'danger', `Test failed: ${error.message}`);
        }
      });
      await load();
    } else if (edit) {
      editing = store;
      kind = store.kind;
      drawForm();
      $('#store-form-card').scrollIntoView({ block: 'start' });
      form.elements.name.focus({ preventScroll: true });
    } else if (remove) {
      if (!window.confirm(`Delete the store "${store.name}"? Its webhooks in the shop are removed.`)) return;
      await busy(remove, 'Deleting…', async () => {
        try {
          await api('DELETE', `/stores/${encodeURIComponent(id)}`);
          say(result, 'ok', `${store.name} deleted.`);
          forgetConnections();
          if (editing?.id === id) {
            editing = null;
            drawForm();
          }
        } catch (error) {
          if (!(error instanceof ApiError)) throw error;
          say(result, 'danger', `${store.name} not deleted: ${error.message}`);
        }
      });
      await load();
    }
  });

  ctx.every(5000, load);
}
