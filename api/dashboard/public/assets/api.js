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

/** Orders needing the merchant: waiting for a decision, or failed. */
export const ATTENTION_STATUSES = ['WAITING_ACCEPTANCE', 'IMPORT_FAILED', 'SHIPMENT_FAILED'];
const COUNT_LIMIT = 100;

/**
 * How many orders of each attention status (exact, from /orders/counts) and the first page of each:
 * `{ status: { count, more, items } }`, `more` when the page holds fewer than the count.
 */
export async function attentionCounts(connectionId) {
  const [{ counts }, ...pages] = await Promise.all([
    get(withQuery('/orders/counts', { connectionId })),
    ...ATTENTION_STATUSES.map((status) =>
      get(withQuery('/orders', { status, connectionId, limit: COUNT_LIMIT })),
    ),
  ]);
  return Object.fromEntries(
    ATTENTION_STATUSES.map((status, i) => [
      status,
      { count: counts[status] ?? 0, more: false, items: pages[i].items },
    ]),
  );
}
