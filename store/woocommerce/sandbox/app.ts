/**
 * A stand-in for a WooCommerce shop's REST API v3 (SPEC §10 "Stores", issue "Orders land in the
 * merchant's real shop"), for demos and tests: stateful, in memory, written from WooCommerce's REST API
 * documentation (https://woocommerce.github.io/woocommerce-rest-api-docs/) and its source
 * (github.com/woocommerce/woocommerce, plugins/woocommerce/includes/: rest-api/Controllers/Version1–3,
 * class-wc-rest-authentication.php, wc-stock-functions.php, class-wc-webhook.php,
 * wc-webhook-functions.php); each module names the file it follows. `/wp-json/wc/v3` is the shop's REST
 * API, `/wp-json/wc-shipment-tracking/v3` the Shipment Tracking extension's, `/_sandbox/` the JSON admin
 * side (admin.ts). Webhooks are really sent, signed, to their delivery URLs (deliveries.ts).
 *
 * Deviations, on purpose: HTTP Basic auth is accepted over plain HTTP (`strictHttps: true` restores
 * WooCommerce's HTTPS-only rule) and OAuth 1.0a is not implemented; no taxes, coupons, refunds or
 * customers; the site's timezone is UTC; variations manage their own stock (no "managed by the parent").
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { registerAdminRoutes } from './admin';
import { WebhookDispatcher } from './deliveries';
import { noRoute, WooError } from './errors';
import { orderJson, productJson } from './format';
import { parseQuery } from './params';
import { registerRestRoutes, sendError } from './rest';
import { type ScriptedFault, ShopState } from './state';

export interface WooCommerceSandboxOptions {
  logger?: boolean;
  /** The shop's home URL (`X-WC-Webhook-Source`, links); default: from the first request's Host. */
  homeUrl?: string;
  siteName?: string;
  consumerKey?: string;
  consumerSecret?: string;
  /** Basic auth over HTTPS only, as WooCommerce does. Default false (the sandbox listens on http). */
  strictHttps?: boolean;
  /** Delay between a change and its webhook deliveries (Action Scheduler's lag). Default 0. */
  deliveryDelayMs?: number;
  /** Webhook delivery timeout; WooCommerce's is 60 s. */
  deliveryTimeoutMs?: number;
  /** How long an injected `timeout` fault holds a request when the client does not give up first. */
  timeoutHangMs?: number;
  /** The shop's clock (tests); default Date.now. */
  now?: () => number;
}

export const SANDBOX_CONSUMER_KEY = 'ck_sandbox';
export const SANDBOX_CONSUMER_SECRET = 'cs_sandbox';

const CRITICAL_ERROR = {
  code: 'internal_server_error',
  message:
    '<p>There has been a critical error on this website.</p><p><a href="https://wordpress.org/documentation/article/faq-troubleshooting/">Learn more about troubleshooting WordPress.</a></p>',
  data: { status: 500 },
  additional_errors: [],
};

export function createWooCommerceSandbox(options: WooCommerceSandboxOptions = {}): FastifyInstance {
  const app = Fastify({
    // Keys may travel in the query string (consumer_key / consumer_secret): request lines are logged without it.
    logger: options.logger
      ? { serializers: { req: (req) => ({ method: req.method, url: (req.url ?? '').split('?')[0] }) } }
      : false,
    routerOptions: { ignoreTrailingSlash: true },
    bodyLimit: 10 * 1024 * 1024,
  });
  let clockOffset = 0;
  const clock = () => (options.now ?? Date.now)() + clockOffset;
  const defaults = {
    siteName: options.siteName ?? 'WooCommerce Sandbox',
    consumerKey: options.consumerKey ?? SANDBOX_CONSUMER_KEY,
    consumerSecret: options.consumerSecret ?? SANDBOX_CONSUMER_SECRET,
    strictHttps: options.strictHttps ?? false,
  };
  const state = new ShopState(clock, defaults);
  let homeUrl = options.homeUrl?.replace(/\/+$/, '');
  const home = (request?: FastifyRequest) => {
    if (!homeUrl && request) homeUrl = `${request.protocol}://${request.headers.host ?? 'localhost'}`;
    return homeUrl ?? 'http://localhost';
  };
  const dispatcher = new WebhookDispatcher(state, {
    delayMs: options.deliveryDelayMs ?? 0,
    timeoutMs: options.deliveryTimeoutMs ?? 60_000,
    pingTimeoutMs: 5_000,
    userAgent: 'WooCommerce/9.9.0 Hookshot (WordPress/6.8.1)',
    home: () => home(),
    payload: (resource, id) => {
      if (resource === 'order') {
        const order = state.orders.get(id);
        return order && orderJson(state, order, home());
      }
      if (resource === 'product') {
        const product = state.products.get(id);
        return product && productJson(state, product, home());
      }
      return undefined;
    },
  });
  const timeoutHangMs = options.timeoutHangMs ?? 60_000;
  const holds = new Set<() => void>();

  // WordPress reads JSON and form bodies; a malformed JSON body is `rest_invalid_json`.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, {});
    try {
      done(null, JSON.parse(text));
    } catch {
      done(
        new WooError(400, 'rest_invalid_json', 'Invalid JSON body passed.', { json_error_code: 4 }),
        undefined,
      );
    }
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, parseQuery(String(body)));
  });
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, _body, done) => done(null, undefined));

  // Faults on the shop's API, decided before anything runs (a lost response runs, then drops the answer).
  app.addHook('onRequest', async (request, reply) => {
    if (!request.url.startsWith('/wp-json')) return;
    const faults = state.faults;
    if (faults.latencyMs > 0) await hold(faults.latencyMs, reply);
    const path = request.url.split('?')[0]!;
    const scripted = takeScripted(faults.next, request.method, path);
    const fault =
      scripted ??
      (Math.random() < faults.failureRate
        ? 'http_500'
        : Math.random() < faults.lostResponseRate
          ? 'lost_response'
          : undefined);
    if (fault === 'http_500')
      return reply.code(500).type('application/json; charset=UTF-8').send(CRITICAL_ERROR);
    if (fault === 'timeout') {
      await hold(timeoutHangMs, reply);
      reply.hijack();
      reply.raw.destroy();
      return reply;
    }
    if (fault === 'lost_response') request.wooLost = true;
  });

  registerRestRoutes(app, state, dispatcher, home);
  registerAdminRoutes(app, {
    state,
    dispatcher,
    reset: () => {
      dispatcher.clear();
      clockOffset = 0;
      Object.assign(state, new ShopState(clock, defaults));
    },
    advanceClock: (ms) => {
      clockOffset += ms;
    },
  });

  app.setNotFoundHandler((request, reply) => {
    if (request.url.startsWith('/wp-json')) return sendError(reply, noRoute());
    return reply.code(404).type('text/html; charset=UTF-8').send('<h1>Not Found</h1>');
  });

  app.setErrorHandler((err, request, reply) => {
    if (err instanceof WooError) return sendError(reply, err);
    request.log.error(err);
    if (request.url.startsWith('/wp-json')) return reply.code(500).send(CRITICAL_ERROR);
    return reply
      .code((err as { statusCode?: number }).statusCode ?? 500)
      .send({ error: (err as Error).message });
  });

  app.addHook('preClose', async () => {
    dispatcher.close();
    for (const release of [...holds]) release();
  });

  /** Waits `ms`, or less when the client goes away or the app closes. */
  function hold(ms: number, reply: FastifyReply): Promise<void> {
    return new Promise((resolve) => {
      const release = () => {
        clearTimeout(timer);
        reply.raw.off('close', release);
        holds.delete(release);
        resolve();
      };
      const timer = setTimeout(release, ms);
      reply.raw.once('close', release);
      holds.add(release);
    });
  }

  return app;
}

/** The first scripted fault matching the request, used up once. */
function takeScripted(next: ScriptedFault[], method: string, path: string) {
  const index = next.findIndex(
    (f) =>
      (!f.method || f.method.toUpperCase() === method) && (!f.pathPrefix || path.startsWith(f.pathPrefix)),
  );
  if (index === -1) return undefined;
  const fault = next[index]!;
  fault.times -= 1;
  if (fault.times <= 0) next.splice(index, 1);
  return fault.fault;
}
