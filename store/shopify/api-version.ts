/**
 * The one Admin GraphQL API version the adapter speaks and the sandbox answers as.
 *
 * 2026-10: the newest stable release (shopify.dev's `latest` alias resolves to it, and the official
 * client's list of supported versions ends with it before the 2027-01 release candidate and
 * `unstable`). Shopify supports each quarterly release for at least 12 months, so it holds until
 * 2027-10 at least; an unsupported version would silently "fall forward" to the oldest supported one
 * (https://shopify.dev/docs/api/usage/versioning), which is why it is pinned rather than left to
 * the client's default. It also includes the 2026-04 changes this adapter relies on (`@idempotent`
 * mandatory on inventory adjustments, `changeFromQuantity` on quantity writes).
 */
export const SHOPIFY_API_VERSION = '2026-10';

/** Versions the sandbox accepts in its URL (the official client's list for this quarter). */
export const SHOPIFY_SUPPORTED_VERSIONS = ['2026-01', '2026-04', '2026-07', '2026-10', '2027-01', 'unstable'];
