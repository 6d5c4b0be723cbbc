/**
 * `npm run sandbox:woocommerce`: the WooCommerce sandbox alone, on
 * WOOCOMMERCE_SANDBOX_HOST:WOOCOMMERCE_SANDBOX_PORT (127.0.0.1:3300). REST key WOOCOMMERCE_SANDBOX_KEY /
 * WOOCOMMERCE_SANDBOX_SECRET (ck_sandbox / cs_sandbox), sent by HTTP Basic auth (accepted over http
 * here; a real shop wants HTTPS).
 */
import { createWooCommerceSandbox, SANDBOX_CONSUMER_KEY, SANDBOX_CONSUMER_SECRET } from './app';

const port = Number(process.env.WOOCOMMERCE_SANDBOX_PORT ?? 3300);
const host = process.env.WOOCOMMERCE_SANDBOX_HOST ?? '127.0.0.1';

const app = createWooCommerceSandbox({
  logger: true,
  homeUrl: process.env.WOOCOMMERCE_SANDBOX_URL ?? `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
  consumerKey: process.env.WOOCOMMERCE_SANDBOX_KEY || SANDBOX_CONSUMER_KEY,
  consumerSecret: process.env.WOOCOMMERCE_SANDBOX_SECRET || SANDBOX_CONSUMER_SECRET,
});

const url = await app.listen({ port, host });
app.log.info(`WooCommerce sandbox: REST API at ${url}/wp-json/wc/v3, admin at ${url}/_sandbox/`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
