/**
 * Issue 13, items 4 and 7 on the dashboard: the time left before Spartoo's acceptance deadline (order
 * page and Attention list), and the form that corrects a shipping address before the import.
 */
import { ApiError, api } from '../api.js';
import { $, $$, busy, html, render, say, timeTag } from '../dom.js';

/** "2 d 3 h", "3 h 20 min", "45 min", "less than a minute". */
export function formatDuration(ms) {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return 'less than a minute';
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  if (days) return hours ? `${days} d ${hours} h` : `${days} d`;
  if (hours) return mins ? `${hours} h ${mins} min` : `${hours} h`;
  return `${mins} min`;
}

/** For an order waiting for a decision: how long before its deadline, or that it passed; else ''. */
export function deadlineNote(order, now = Date.now()) {
  if (order.status !== 'WAITING_ACCEPTANCE' || !order.acceptanceDeadline) return '';
  const left = Date.parse(order.acceptanceDeadline) - now;
  if (order.deadlinePassed || left <= 0) {
    return html`<span class="deadline deadline-passed" data-deadline="passed">Acceptance deadline passed</span>`;
  }
  const tone = left < 6 * 3_600_000 ? 'deadline-near' : '';
  return html`<span class="deadline ${tone}" data-deadline="left">${formatDuration(left)} left to accept</span>`;
}

/** The order page's line about the deadline, for an order waiting for a decision. */
export function deadlineNotice(order) {
  if (order.status !== 'WAITING_ACCEPTANCE' || !order.acceptanceDeadline) return '';
  const passed = order.deadlinePassed || Date.parse(order.acceptanceDeadline) <= Date.now();
  return html`<p class="notice notice-${passed ? 'danger' : 'warn'}" id="acceptance-deadline">
    ${
      passed
        ? html`<strong>The acceptance deadline passed</strong> (${timeTag(order.acceptanceDeadline)}): Spartoo may cancel this order at any time.`
        : html`<strong>${deadlineNote(order)}.</strong> Spartoo cancels orders not accepted by ${timeTag(order.acceptanceDeadline)}.`
    }
  </p>`;
}

/** Statuses in which the shipping address can be corrected (PATCH …/shipping-address). */
export const ADDRESS_EDITABLE = ['IMPORT_FAILED', 'ACCEPTED', 'ACCEPT_FAILED'];

export const editAddressButton = (order) =>
  ADDRESS_EDITABLE.includes(order.status)
    ? html`<button type="button" class="button" id="edit-address" aria-controls="address-fix">Edit shipping address</button>`
    : '';

const FIELDS = [
  ['firstName', 'First name', false],
  ['lastName', 'Last name', true],
  ['company', 'Company', false],
  ['street', 'Street', true],
  ['suburb', 'Address line 2', false],
  ['postcode', 'Postcode', true],
  ['city', 'City', true],
  ['state', 'State / region', false],
  ['country', 'Country', true],
  ['email', 'E-mail', false],
  ['phone', 'Phone', false],
  ['relayPointId', 'Relay point id', false],
];
const OPTIONAL = new Set(['email', 'phone', 'relayPointId']);

function addressForm(address) {
  return html`<form id="address-form" class="form" novalidate>
    <h2>Edit shipping address</h2>
    <p class="notice notice-warn" id="address-frozen">Spartoo freezes the address once an order is accepted:
      this correction reaches your shop only, at the next import. Retry the import afterwards.</p>
    ${FIELDS.map(
      ([name, label, required]) => html`<div class="field">
        <label for="addr-${name}">${label}${required ? ' *' : ''}</label>
        <input id="addr-${name}" name="${name}" value="${address?.[name] ?? ''}" ${required ? 'required' : ''}
          aria-describedby="addr-${name}-error">
        <p class="field-error danger" id="addr-${name}-error" hidden></p>
      </div>`,
    )}
    <div class="actions">
      <button type="submit" class="button button-primary" id="save-address">Save address</button>
      <button type="button" class="button" id="cancel-address">Cancel</button>
    </div>
  </form>`;
}

/**
 * Wires the "Edit shipping address" button (in `actions`, redrawn) to the form in `container` (drawn
 * only when opened, so a redraw never loses what is typed). `saved(order)` gets the new details.
 */
export function wireAddressFix({ actions, container, result }, path, current, saved) {
  const close = () => {
    container.hidden = true;
    render(container, html``);
  };
  actions.addEventListener('click', (event) => {
    if (!event.target.closest('#edit-address')) return;
    render(container, addressForm(current().shippingAddress));
    container.hidden = false;
    $('#addr-firstName', container).focus();
  });
  container.addEventListener('click', (event) => {
    if (event.target.closest('#cancel-address')) close();
  });
  container.addEventListener('submit', async (event) => {
    event.preventDefault();
    const form = event.target;
    const body = {};
    for (const [name] of FIELDS) {
      const value = form.elements[name].value.trim();
      if (value || !OPTIONAL.has(name)) body[name] = value;
    }
    for (const p of $$('.field-error', form)) p.hidden = true;
    for (const el of $$('[aria-invalid]', form)) el.removeAttribute('aria-invalid');
    await busy($('#save-address', form), 'Saving…', async () => {
      try {
        const order = await api('PATCH', `${path}/shipping-address`, body);
        close();
        say(
          result,
          'ok',
          'Shipping address corrected: it is used at the next import (retry it if it failed).',
        );
        saved(order);
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        for (const e of error.errors) {
          const field = String(e.field).replace(/^body\./, '');
          const p = $(`#addr-${field}-error`, form);
          if (!p) continue;
          p.textContent = e.message;
          p.hidden = false;
          form.elements[field]?.setAttribute('aria-invalid', 'true');
        }
        say(result, 'danger', error.status === 409 ? `Not possible now: ${error.message}` : error.message);
      }
    });
  });
}
