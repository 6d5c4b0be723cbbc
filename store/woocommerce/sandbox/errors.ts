/**
 * WordPress/WooCommerce REST errors as the sandbox answers them. Every error body is WordPress's
 * `WP_Error` rendering: `{code, message, data: {status, …}}` (rest-api/Controllers/Version3/
 * class-wc-rest-crud-controller.php builds them with `new WP_Error( code, message, array( 'status' => … ) )`,
 * WordPress core turns them into that JSON).
 */
export class WooError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extraData: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  body() {
    return { code: this.code, message: this.message, data: { status: this.status, ...this.extraData } };
  }
}

/**
 * WordPress core's parameter validation error (`rest_invalid_param`, 400), one entry per bad parameter,
 * as `WP_REST_Request::has_valid_params()` reports it.
 */
export function invalidParams(params: Record<string, string>): WooError {
  const names = Object.keys(params);
  const details = Object.fromEntries(
    names.map((name) => [name, { code: 'rest_invalid_param', message: params[name], data: null }]),
  );
  return new WooError(400, 'rest_invalid_param', `Invalid parameter(s): ${names.join(', ')}`, {
    params,
    details,
  });
}

/** `rest_no_route` (404): the URL and method match no registered route. */
export const noRoute = () =>
  new WooError(404, 'rest_no_route', 'No route was found matching the URL and request method.');
