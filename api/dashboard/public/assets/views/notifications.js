/** Notifications: the merchant's webhooks (add, test, delete, every delivery attempt) and account problems. */
import { ApiError, api, get, post, withQuery } from '../api.js';
import { $, $$, busy, html, render, say, syncRows, timeTag } from '../dom.js';

/** What each event means (domain/notifications.ts); the list itself comes from the API's schema. */
const EVENT_LABELS = {
  'order.needs_decision': 'An order waits for your decision',
  'order.import_failed': 'An order could not be imported',
  'order.shipment_failed': 'A shipment could not be sent to Spartoo',
  'order.deadline_near': 'An acceptance deadline is near',
  'order.deadline_passed': 'An acceptance deadline has passed',
  'order.cancelled_on_spartoo': 'Spartoo cancelled an order',
  'order.parcel_lost': 'Spartoo reports a parcel lost',
  'order.not_delivered': 'A parcel was not delivered',
  'connection.failing': 'A connection keeps failing, or its account is refused',
  'return.received': 'A new return',
};
const ACCOUNT_CODES = { '-1': 'no key sent', '-2': 'key refused', '-428': 'account deactivated' };

/**
 * A connection's account problem (Spartoo -2, -428…), for its card and its page: what it is, since
 * when, and that polls are backed off until one succeeds.
 */
export function problemNotice(connection) {
  const problem = connection.problem;
  if (!problem) return '';
  const what = ACCOUNT_CODES[String(problem.code)] ?? `Spartoo ${problem.code}`;
  return html`<div class="notice notice-danger problem" role="status" data-problem="${problem.code}">
    <strong>Account problem: ${what} (${problem.code})</strong> since ${timeTag(problem.since)}.
    <br><span>${problem.message}</span>
    <br><span class="hint">Polls are slowed to every 15 minutes until Spartoo accepts the account again.
      Check the API key, then use Synchronize Orders.</span>
  </div>`;
}

let eventsEnum;
/** The events POST /webhooks accepts, from the API's own OpenAPI document. */
async function webhookEvents() {
  eventsEnum ??= fetch('/docs/json')
    .then((response) => response.json())
    .then((doc) => doc.paths['/webhooks'].post.requestBody.content['application/json'].schema)
    .then((schema) => schema.properties.events.items.enum)
    .catch(() => {
      eventsEnum = undefined;
      return Object.keys(EVENT_LABELS);
    });
  return eventsEnum;
}

const eventLabel = (event) => EVENT_LABELS[event] ?? event;

function webhookRow(w) {
  return html`<tr>
    <th scope="row"><span class="url">${w.url}</span></th>
    <td data-label="Events"><span>${w.events.map((e) => html`<span class="line" title="${eventLabel(e)}">${e}</span>`)}</span></td>
    <td data-label="Secret">${w.secret}</td>
    <td class="stack-block"><div class="ship-buttons">
      <button type="button" class="button button-small" data-ping="${w.id}">Send test</button>
      <button type="button" class="button button-small" data-deliveries="${w.id}">Deliveries</button>
      <button type="button" class="button button-danger button-small" data-delete="${w.id}">Delete</button>
    </div></td>
  </tr>`;
}

function attemptRow(a) {
  const tone = a.status === 'delivered' ? 'ok' : 'danger';
  return html`<tr>
    <th scope="row">${timeTag(a.at)}</th>
    <td data-label="Event">${a.event}</td>
    <td data-label="Attempt" class="num">${a.attempt}</td>
    <td data-label="Result"><span class="badge badge-${tone}">${a.status === 'delivered' ? 'Delivered' : 'Failed'}</span>
      ${a.responseStatus ? html` HTTP ${a.responseStatus}` : ''}${a.error && !/^HTTP \d+$/.test(a.error) ? html` — ${a.error}` : ''}</td>
    <td data-label="Delivery id"><code>${a.id}</code></td>
  </tr>`;
}

export async function webhooksPage(ctx) {
  ctx.title('Notifications');
  const [{ items }, events] = await Promise.all([get('/webhooks'), webhookEvents()]);
  if (!ctx.alive()) return;
  let shown = null;
  render(
    ctx.main,
    html`<h1>Notifications</h1>
    <p>spartoo-sync calls your webhooks when something needs you: an order to decide, a failed import or
      shipment, a lost parcel, a new return, a failing connection. Each delivery is a JSON POST signed with
      your secret (<code>X-Spartoo-Sync-Signature</code>: hex HMAC-SHA256 of the body), retried for about an
      hour until your server answers 2xx. It never contains the customer's name, address or phone.</p>
    <section class="card" aria-labelledby="webhooks-title">
      <h2 id="webhooks-title">Webhooks</h2>
      <p id="webhooks-result" role="status" tabindex="-1" hidden></p>
      <div class="table-wrap">
        <table class="grid stack" id="webhooks">
          <thead><tr><th scope="col">URL</th><th scope="col">Events</th><th scope="col">Secret</th><th scope="col">Actions</th></tr></thead>
          <tbody></tbody>
        </table>
      </div>
      <p id="webhooks-empty" class="empty" hidden>No webhook yet.</p>
    </section>
    <section class="card" aria-labelledby="deliveries-title" id="deliveries" hidden>
      <h2 id="deliveries-title">Deliveries</h2>
      <p class="hint" id="deliveries-of"></p>
      <div class="table-wrap">
        <table class="grid stack" id="attempts">
          <thead><tr><th scope="col">At</th><th scope="col">Event</th><th scope="col" class="num">Attempt</th>
            <th scope="col">Result</th><th scope="col">Delivery id</th></tr></thead>
          <tbody></tbody>
        </table>
      </div>
      <p id="attempts-empty" class="empty" hidden>Nothing delivered yet.</p>
      <button type="button" class="button" id="more-attempts" hidden>Older attempts</button>
    </section>
    <section class="card" aria-labelledby="add-webhook-title">
      <h2 id="add-webhook-title">Add a webhook</h2>
      <form id="webhook-form" class="settings" novalidate>
        <div id="webhook-notice" role="alert" hidden></div>
        <div class="fields">
          <div class="field" data-field="url">
            <label for="webhook-url">URL</label>
            <input id="webhook-url" name="url" type="url" inputmode="url" placeholder="https://example.com/spartoo-sync"
              aria-describedby="webhook-url-error">
            <p class="field-error" id="webhook-url-error" hidden></p>
          </div>
          <div class="field" data-field="secret">
            <label for="webhook-secret">Secret</label>
            <input id="webhook-secret" name="secret" type="password" autocomplete="off" spellcheck="false"
              aria-describedby="webhook-secret-hint webhook-secret-error">
            <p class="hint" id="webhook-secret-hint">At least 16 characters. Write-only: stored encrypted, never shown again.</p>
            <p class="field-error" id="webhook-secret-error" hidden></p>
          </div>
        </div>
        <fieldset class="label-choice event-choice" data-field="events" aria-describedby="webhook-events-error">
          <legend>Events</legend>
          ${events.map(
            (e) => html`<label><input type="checkbox" name="events" value="${e}" checked>
              <span><code>${e}</code> <span class="muted">${eventLabel(e)}</span></span></label>`,
          )}
          <p class="field-error" id="webhook-events-error" hidden></p>
        </fieldset>
        <div class="form-actions"><button type="submit" class="button button-primary">Add webhook</button></div>
      </form>
    </section>`,
  );

  const result = $('#webhooks-result');
  const load = async () => {
    const page = await get('/webhooks');
    if (!ctx.alive()) return;
    syncRows($('#webhooks tbody'), page.items, (w) => w.id, webhookRow);
    $('#webhooks').hidden = !page.items.length;
    $('#webhooks-empty').hidden = page.items.length > 0;
  };
  syncRows($('#webhooks tbody'), items, (w) => w.id, webhookRow);
  $('#webhooks').hidden = !items.length;
  $('#webhooks-empty').hidden = items.length > 0;

  /** The attempts of the webhook shown, newest first; `more` appends the next page (then kept as is). */
  let cursor = null;
  let attempts = [];
  let paged = false;
  const loadAttempts = async (more = false) => {
    if (!shown || (!more && paged)) return;
    const path = `/webhooks/${encodeURIComponent(shown.id)}/deliveries`;
    const page = await get(withQuery(path, { cursor: more ? cursor : undefined }));
    if (!ctx.alive()) return;
    attempts = more ? attempts.concat(page.items) : page.items;
    cursor = page.nextCursor;
    paged ||= more;
    syncRows($('#attempts tbody'), attempts, (a) => `${a.id}/${a.attempt}`, attemptRow);
    $('#attempts').hidden = !attempts.length;
    $('#attempts-empty').hidden = attempts.length > 0;
    $('#more-attempts').hidden = !cursor;
  };
  const showDeliveries = async (id) => {
    shown = (await get('/webhooks')).items.find((w) => w.id === id) ?? null;
    paged = false;
    $('#deliveries').hidden = !shown;
    if (!shown) return;
    $('#deliveries-of').textContent = `Every attempt of ${shown.url}, newest first.`;
    await loadAttempts();
  };
  $('#more-attempts').addEventListener('click', () => loadAttempts(true));

  $('#webhooks tbody').addEventListener('click', async (event) => {
    const ping = event.target.closest('button[data-ping]');
    const list = event.target.closest('button[data-deliveries]');
    const remove = event.target.closest('button[data-delete]');
    if (ping) {
      await busy(ping, 'Sending…', async () => {
        try {
          const r = await post(`/webhooks/${encodeURIComponent(ping.dataset.ping)}/ping`);
          const a = r.attempt;
          if (r.status === 'delivered')
            say(result, 'ok', `Test delivered: your server answered HTTP ${a.responseStatus}.`);
          else if (a)
            say(
              result,
              'danger',
              `Test failed: ${a.error ?? `HTTP ${a.responseStatus}`}. It is retried for about an hour.`,
            );
          else say(result, 'warn', 'Test sent; no answer yet. See its deliveries.');
        } catch (error) {
          say(result, 'danger', `Test not sent: ${error.message}`);
        }
      });
      await showDeliveries(ping.dataset.ping);
    } else if (list) {
      await showDeliveries(list.dataset.deliveries);
      $('#deliveries-title').scrollIntoView({ block: 'start' });
    } else if (remove) {
      if (!window.confirm('Delete this webhook? Its deliveries stop and their history goes with it.')) return;
      await busy(remove, 'Deleting…', async () => {
        try {
          await api('DELETE', `/webhooks/${encodeURIComponent(remove.dataset.delete)}`);
          say(result, 'ok', 'Webhook deleted.');
          if (shown?.id === remove.dataset.delete) {
            shown = null;
            $('#deliveries').hidden = true;
          }
        } catch (error) {
          say(result, 'danger', error.message);
        }
      });
      await load();
    }
  });

  const form = $('#webhook-form');
  const showErrors = (errors) => {
    for (const p of $$('.field-error', form)) {
      p.hidden = true;
      p.textContent = '';
    }
    for (const el of $$('[aria-invalid]', form)) el.removeAttribute('aria-invalid');
    let first = null;
    for (const { field, message } of errors) {
      const name = String(field).split('.')[0];
      const p = $(`#webhook-${name}-error`, form);
      if (!p) continue;
      p.textContent = p.textContent
        ? `${p.textContent}; ${message}`
        : message.charAt(0).toUpperCase() + message.slice(1);
      p.hidden = false;
      const input = name === 'events' ? $('input[name="events"]', form) : form.elements[name];
      input?.setAttribute('aria-invalid', 'true');
      first ??= input;
    }
    first?.focus();
  };
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = {
      url: form.elements.url.value.trim(),
      secret: form.elements.secret.value,
      events: $$('input[name="events"]:checked', form).map((input) => input.value),
    };
    await busy($('button[type="submit"]', form), 'Adding…', async () => {
      try {
        const created = await post('/webhooks', body);
        showErrors([]);
        say($('#webhook-notice', form), 'ok', `Webhook added for ${created.url}. Use Send test to try it.`);
        form.elements.url.value = '';
        form.elements.secret.value = '';
        await load();
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        showErrors(error.errors);
        say(
          $('#webhook-notice', form),
          'danger',
          error.errors.length ? 'Nothing was saved: see the fields below.' : error.message,
        );
      }
    });
  });

  ctx.every(5000, async () => {
    await load();
    await loadAttempts();
  });
}
