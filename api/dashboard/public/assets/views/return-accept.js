/**
 * Accepting a return, with its return label: none, a link (sent to Spartoo as `label_link`) or a file
 * (PDF, PNG or JPEG up to 5 MB, uploaded and sent as `label_file`). A dialog, so the RMA grid's
 * refreshes never clear what the merchant typed or chose.
 */
import { ApiError, post, postForm } from '../api.js';
import { $, busy, html, render } from '../dom.js';

const MAX_BYTES = 5 * 1024 * 1024;

export const returnAcceptDialog = () => html`<dialog id="return-accept" aria-labelledby="return-accept-title">
  <form method="dialog" id="return-accept-form" novalidate>
    <h2 id="return-accept-title">Accept return <span id="return-accept-id"></span></h2>
    <p class="hint">Spartoo is told the parcel is received (status 4); the item goes back into stock once.</p>
    <fieldset class="label-choice">
      <legend>Return label</legend>
      <label><input type="radio" name="label-kind" value="none" checked> No label</label>
      <label><input type="radio" name="label-kind" value="link"> A link to the label</label>
      <label><input type="radio" name="label-kind" value="file"> A label file</label>
    </fieldset>
    <div class="field" id="label-link-field" hidden>
      <label for="return-label-url">Label link</label>
      <input id="return-label-url" name="labelUrl" type="url" inputmode="url" placeholder="https://…" autocomplete="off">
    </div>
    <div class="field" id="label-file-field" hidden>
      <label for="return-label-file">Label file</label>
      <input id="return-label-file" name="label" type="file" accept="application/pdf,image/png,image/jpeg,.pdf,.png,.jpg,.jpeg">
      <p class="hint">PDF, PNG or JPEG, 5 MB at most.</p>
    </div>
    <p class="field-error" id="return-accept-error" role="alert" hidden></p>
    <div class="form-actions">
      <button type="submit" class="button button-primary" id="return-accept-submit" value="accept">Accept return</button>
      <button type="button" class="button" id="return-accept-cancel">Cancel</button>
    </div>
  </form>
</dialog>`;

/**
 * Wires the dialog of `root` (rendered with returnAcceptDialog): `open(path, returnId)` shows it for
 * the return whose accept route is `path`; `onDone(returnId)` runs after Spartoo took it.
 */
export function wireReturnAccept(root, onDone) {
  const dialog = $('#return-accept', root);
  const form = $('#return-accept-form', dialog);
  const error = $('#return-accept-error', dialog);
  const url = $('#return-label-url', dialog);
  const file = $('#return-label-file', dialog);
  let target;

  const kind = () => form.elements['label-kind'].value;
  const showError = (text) => {
    error.textContent = text;
    error.hidden = !text;
  };
  const sync = () => {
    $('#label-link-field', dialog).hidden = kind() !== 'link';
    $('#label-file-field', dialog).hidden = kind() !== 'file';
    showError('');
  };
  form.addEventListener('change', (event) => {
    if (event.target.name === 'label-kind') sync();
  });
  $('#return-accept-cancel', dialog).addEventListener('click', () => dialog.close());

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const chosen = kind();
    let send;
    if (chosen === 'link') {
      const link = url.value.trim();
      if (!/^https?:\/\/\S+$/i.test(link)) {
        showError('Give the label’s link, starting with https:// or http://.');
        url.setAttribute('aria-invalid', 'true');
        url.focus();
        return;
      }
      url.removeAttribute('aria-invalid');
      send = () => post(target.path, { labelUrl: link });
    } else if (chosen === 'file') {
      const [picked] = file.files;
      if (!picked || picked.size > MAX_BYTES) {
        showError(picked ? 'The label file is over 5 MB.' : 'Choose the label file.');
        file.focus();
        return;
      }
      const data = new FormData();
      data.append('label', picked, picked.name);
      send = () => postForm(target.path, data);
    } else {
      send = () => post(target.path);
    }
    await busy($('#return-accept-submit', dialog), 'Accepting…', async () => {
      try {
        await send();
        dialog.close();
        onDone(target.returnId);
      } catch (failure) {
        if (!(failure instanceof ApiError)) throw failure;
        // Spartoo's refusal of the label (422) or why it cannot be accepted now (409): said here.
        showError(failure.status === 409 ? `Not possible now: ${failure.message}` : failure.message);
      }
    });
  });

  return {
    open(path, returnId) {
      target = { path, returnId };
      form.reset();
      url.removeAttribute('aria-invalid');
      render($('#return-accept-id', dialog), returnId);
      sync();
      dialog.showModal();
    },
  };
}
