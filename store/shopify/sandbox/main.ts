/**
 * `npm run sandbox:shopify`: the Shopify sandbox alone, on SHOPIFY_SANDBOX_HOST:SHOPIFY_SANDBOX_PORT
 * (127.0.0.1:3200). Admin GraphQL at `/admin/api/2026-10/graphql.json` with the access token
 * SHOPIFY_SANDBOX_TOKEN (`shpat_sandbox`); webhooks signed with SHOPIFY_SANDBOX_SECRET
 * (`shopify_sandbox_secret`); the admin routes at `/_sandbox/` (admin.ts). A store pointed at it uses
 * its base URL as `shopUrl`, e.g. `http://127.0.0.1:3200`.
 */
import { SHOPIFY_API_VERSION } from '../api-version';
import { createShopifySandbox, DEFAULT_SECRET, DEFAULT_TOKEN } from './app';

const port = Number(process.env.SHOPIFY_SANDBOX_PORT ?? 3200);
const host = process.env.SHOPIFY_SANDBOX_HOST ?? '127.0.0.1';

const app = createShopifySandbox({
  logger: true,
  token: process.env.SHOPIFY_SANDBOX_TOKEN || DEFAULT_TOKEN,
  secret: process.env.SHOPIFY_SANDBOX_SECRET || DEFAULT_SECRET,
});
const url = await app.listen({ port, host });
app.log.info(
  `Shopify sandbox: Admin GraphQL at ${url}/admin/api/${SHOPIFY_API_VERSION}/graphql.json, admin at ${url}/_sandbox/`,
);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
