/**
 * Delivery slips (bordereaux) on the order page: the whole order as one parcel, or one parcel of a
 * split from the Items tab. The PDF comes from Spartoo through the API and is handed to the browser
 * as a download; nothing of it is kept.
 */
import { ApiError, apiFile } from '../api.js';
import { $, busy, html, saveFile, say } from '../dom.js';

/** Statuses of an order Spartoo has accepted and not cancelled: it has a slip. */
const SLIP_STATUSES = new Set([
  'ACCEPTED',
  'IMPORT_FAILED',
  'AWAITING_SHIPMENT',
  'SHIPMENT_FAILED',
  'CANCEL_FAILED',
  'SHIPPED',
  'PARCEL_LOST',
  'NOT_DELIVERED',
]);

export const hasDeliverySlip = (order) => SLIP_STATUSES.has(order.status) && order.items.length > 0;

/** The button of the actions: the whole order as one parcel. */
export const slipButton = (order) =>
  hasDeliverySlip(order)
    ? html`<button type="button" class="button" id="delivery-slip">Delivery slip</button>`
    : '';

/** Under the items: how many of each line go in one parcel, and its slip. */
export function parcelForm(order) {
  if (!hasDeliverySlip(order)) return '';
  return html`<form class="parcel-form card" id="parcel-form" novalidate>
    <h3>Delivery slip for one parcel</h3>
    <p class="hint">Shipping in several parcels? Say what this parcel holds; Spartoo prints its slip.</p>
    <div class="fields">
      ${order.items.map(
        (i) => html`<div class="field">
          <label for="parcel-line-${i.line}">Line ${i.line}: ${i.name || i.sizeReference} (of ${i.quantity})</label>
          <input id="parcel-line-${i.line}" type="number" inputmode="numeric" min="0" max="${i.quantity}" step="1"
            value="${i.quantity}" data-line="${i.line}">
        </div>`,
      )}
    </div>
    <div class="form-actions"><button type="submit" class="button">Delivery slip for this parcel</button></div>
  </form>`;
}

/**
 * The slip buttons of the order page at `path` (its API path): the whole order's in `actions`, one
 * parcel's in `items` (elements of the page, so nothing outlives it); what happened goes to `result`.
 */
export function wireDeliverySlips({ actions, items }, path, result) {
  const fetchSlip = async (button, body) =>
    busy(button, 'Asking Spartoo…', async () => {
      try {
        saveFile(await apiFile(`${path}/delivery-slip`, body));
        say(result, 'ok', 'Delivery slip downloaded.');
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        const fields = error.errors.map((e) => `${e.field} ${e.message}`).join('; ');
        say(
          result,
          'danger',
          `Delivery slip: ${error.message}${fields && !error.message.includes(fields) ? ` (${fields})` : ''}`,
        );
      }
    });

  actions.addEventListener('click', (event) => {
    const button = event.target.closest('#delivery-slip');
    if (button) fetchSlip(button);
  });
  items.addEventListener('submit', (event) => {
    const form = event.target.closest('#parcel-form');
    if (!form) return;
    event.preventDefault();
    const lines = [...form.querySelectorAll('input[data-line]')]
      .map((input) => ({ line: Number(input.dataset.line), quantity: Number(input.value) }))
      .filter((l) => l.quantity > 0);
    if (!lines.length) {
      say(result, 'danger', 'Delivery slip: put at least one item in the parcel.');
      return;
    }
    fetchSlip($('button[type="submit"]', form), { lines });
  });
}
