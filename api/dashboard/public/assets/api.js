/** The dashboard's only way to the product: the HTTP API of SPEC §6, with the merchant's token. */

const TOKEN_KEY = 'spartoo-sync.token';

export const session = {
  get token() {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  signIn(token) {
    sessionStorage.setItem(TOKEN_KEY, token);
  },
  signOut() {
    sessionStorage.removeItem(TOKEN_KEY);
  },
};

/** An answer other than 2xx; `errors` lists the invalid fields of a problem+json answer. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `The API answered ${status}`);
    this.status = status;
    this.errors = Array.isArray(problem?.errors) ? problem.errors : [];
  }
}

/** Called when the API refuses the token: the app goes back to sign-in. */
let onUnauthorized = () => {};
export const whenUnauthorized = (handler) => {
  onUnauthorized = handler;
};

export async function api(method, path, body, { token = session.token } = {}) {
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: {
        accept: 'application/json',
        authorization: `Bearer ${token ?? ''}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, { detail: 'The server cannot be reached. Check that spartoo-sync is running.' });
  }
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (response.status === 401 && token === session.token) onUnauthorized();
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

export const get = (path) => api('GET', path);
export const post = (path, body) => api('POST', path, body);

/** `/orders?status=X` with only the parameters that have a value. */
export function withQuery(path, params) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') query.set(key, String(value));
  }
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

let settingsSchema;
/**
 * The connection settings' JSON schema (enums and defaults) from the API's own OpenAPI document, so
 * the form offers exactly what the API accepts.
 */
export async function connectionSettingsSchema() {
  settingsSchema ??= fetch('/docs/json')
    .then((response) => {
      if (!response.ok) throw new Error(`/docs/json answered ${response.status}`);
      return response.json();
    })
    .then((doc) => doc.paths['/connections'].post.requestBody.content['application/json'].schema)
    .catch((error) => {
      settingsSchema = undefined;
      throw new ApiError(0, { detail: `The settings form could not be loaded (${error.message}).` });
    });
  return settingsSchema;
}

let connectionNames;
/** id → name of every connection, re-read at most every 10 s (grids show names, not ids). */
export async function connectionsById() {
  if (!connectionNames || Date.now() - connectionNames.at > 10_000) {
    const { items } = await get('/connections');
    connectionNames = { at: Date.now(), map: new Map(items.map((c) => [c.id, c])) };
  }
  return connectionNames.map;
}
export const forgetConnections = () => {
  connectionNames = undefined;
};

/**
 * Every order status of the API, in the order of domain/statuses.ts (the OpenAPI enum at /docs/json):
 * its label, its badge tone and, when the merchant must act, the next step shown on the Attention
 * page. Tones: `danger` a step of the product failed and has a Retry; `warn` the merchant must decide
 * or look at the parcel; `info` in progress; `ok` shipped; `muted` over.
 */
export const ORDER_STATUSES = {
  WAITING_ACCEPTANCE: { label: 'Waiting for acceptance', tone: 'warn', nextStep: 'Accept or refuse' },
  FETCH_FAILED: {
    label: 'Fetch failed',
    tone: 'danger',
    nextStep: "Spartoo's copy could not be read: check it on Spartoo, then retry",
  },
  ACCEPT_FAILED: { label: 'Acceptance failed', tone: 'danger', nextStep: 'Retry the acceptance' },
  REFUSE_FAILED: { label: 'Refusal failed', tone: 'danger', nextStep: 'Retry the refusal' },
  ACCEPTED: { label: 'Accepted', tone: 'info' },
  IMPORT_FAILED: { label: 'Import failed', tone: 'danger', nextStep: 'Fix, then retry the import' },
  AWAITING_SHIPMENT: { label: 'Awaiting shipment', tone: 'info' },
  SHIPMENT_FAILED: { label: 'Shipment failed', tone: 'danger', nextStep: 'Retry sending the shipment' },
  CANCEL_FAILED: { label: 'Cancellation failed', tone: 'danger', nextStep: 'Retry the cancellation' },
  SHIPPED: { label: 'Shipped', tone: 'ok' },
  PARCEL_LOST: {
    label: 'Parcel lost',
    tone: 'warn',
    nextStep: 'Spartoo reports the parcel lost: contact the carrier',
  },
  NOT_DELIVERED: { label: 'Not delivered', tone: 'warn', nextStep: 'Returned to Spartoo: check the parcel' },
  REFUSED: { label: 'Refused', tone: 'muted' },
  CANCELLED: { label: 'Cancelled', tone: 'muted' },
};

/** Orders needing the merchant: waiting for a decision, a failed step, a parcel lost or sent back. */
export const ATTENTION_STATUSES = Object.keys(ORDER_STATUSES).filter((s) => ORDER_STATUSES[s].nextStep);

/** The exact number of orders in each attention status, in one request: `{ status: count }`. */
export async function attentionCounts(connectionId) {
  const { counts } = await get(withQuery('/orders/counts', { connectionId }));
  return Object.fromEntries(ATTENTION_STATUSES.map((status) => [status, counts[status] ?? 0]));
}

/** How many orders of one status the Attention list shows (the grid, filtered, has them all). */
export const ATTENTION_PAGE = 100;

/**
 * The newest orders of each given status that has any (`counts` from attentionCounts), one request
 * per such status: `{ status: items }`; a status counted 0 is not asked for.
 */
export async function attentionOrders(counts, statuses = ATTENTION_STATUSES, connectionId) {
  const wanted = statuses.filter((status) => counts[status] > 0);
  const pages = await Promise.all(
    wanted.map((status) => get(withQuery('/orders', { status, connectionId, limit: ATTENTION_PAGE }))),
  );
  return Object.fromEntries(statuses.map((status) => [status, pages[wanted.indexOf(status)]?.items ?? []]));
}

/** The error an answer other than 2xx carries, as api() throws it (a 401 signs the merchant out). */
async function refusal(response, token) {
  const problem = await response.json().catch(() => null);
  if (response.status === 401 && token === session.token) onUnauthorized();
  return new ApiError(response.status, problem);
}

/**
 * A file the API answers (a delivery slip's PDF, the orders' CSV): `{blob, filename}`, the name from
 * Content-Disposition. GET without a body, POST with a JSON one.
 */
export async function apiFile(
  path,
  body,
  { token = session.token, accept = 'application/pdf, application/problem+json' } = {},
) {
  let response;
  try {
    response = await fetch(path, {
      method: body === undefined ? 'GET' : 'POST',
      headers: {
        accept,
        authorization: `Bearer ${token ?? ''}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, { detail: 'The server cannot be reached. Check that spartoo-sync is running.' });
  }
  if (!response.ok) throw await refusal(response, token);
  const disposition = response.headers.get('content-disposition') ?? '';
  return { blob: await response.blob(), filename: /filename="([^"]+)"/.exec(disposition)?.[1] ?? 'download' };
}

/** A multipart form (a file upload), answered in JSON like api(). */
export async function postForm(path, form, { token = session.token } = {}) {
  let response;
  try {
    // The browser writes the multipart content type with its boundary.
    response = await fetch(path, {
      method: 'POST',
      headers: { accept: 'application/json', authorization: `Bearer ${token ?? ''}` },
      body: form,
    });
  } catch {
    throw new ApiError(0, { detail: 'The server cannot be reached. Check that spartoo-sync is running.' });
  }
  if (!response.ok) throw await refusal(response, token);
  return response.json();
}
