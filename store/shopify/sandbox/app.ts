/**
 * A stand-in for a Shopify shop's Admin GraphQL API (issue 11, SPEC §10 "Stores"), for demos, tests
 * and benchmarks, written from Shopify's public documentation (the pages are cited where each rule is
 * implemented: schema.ts, state.ts, graphql.ts, search.ts, delivery.ts). Stateful, in memory, one
 * shop per app instance.
 *
 * `POST /admin/api/<version>/graphql.json` with `X-Shopify-Access-Token` (transport rules from
 * https://shopify.dev/docs/api/usage/response-codes and https://shopify.dev/docs/api/usage/versioning):
 * - no token or a wrong or revoked one → 401 `{"errors":"[API] Invalid API key or access token
 *   (unrecognized login or wrong password)"}`; a frozen shop → 402, a locked one → 423, a closed one
 *   → 404; a body that is not JSON (nor `application/graphql`) → 400;
 * - `<version>`: any supported one is served (as 2026-10: the sandbox has one schema); an older dated
 *   version falls forward to the oldest supported, as Shopify does, and `X-Shopify-API-Version` says
 *   which was used; anything else is a 404;
 * - GraphQL-level outcomes (errors, userErrors, ACCESS_DENIED, THROTTLED, MAX_COST_EXCEEDED) are 200
 *   with a JSON body (graphql.ts), THROTTLED optionally 429 (the `throttledStatus` fault).
 * Faults (`PUT /_sandbox/faults`, admin.ts) inject 500/503 answers, dropped connections before or
 * after the change is made, throttling, latency, duplicated or lost webhooks.
 *
 * Deviations, stated: webhook addresses may be `http://` (Shopify requires HTTPS), so the product
 * running on a laptop can receive them; the whole shop is one app's view (one token, one bucket).
 */
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { parse } from 'graphql';
import { SHOPIFY_SUPPORTED_VERSIONS } from '../api-version';
import { registerAdminRoutes } from './admin';
import { SHOPIFY_RETRY_DELAYS_MS, WebhookSender } from './delivery';
import { runGraphQL, throttled } from './graphql';
import { ChangeLog, type Job, ShopifyState } from './state';

export interface ShopifySandboxOptions {
  logger?: boolean;
  /** The custom app's Admin API access token (default `shpat_sandbox`). */
  token?: string;
  /** The app's secret, which signs webhooks (default `shopify_sandbox_secret`). */
  secret?: string;
  /** How long a cancel job runs before the order is cancelled (default 200 ms). */
  cancelJobDelayMs?: number;
  /** Delays between a failed webhook delivery and its retries (default Shopify's: 8 over ~4 h). */
  webhookRetryDelaysMs?: number[];
  webhookTimeoutMs?: number;
}

export const DEFAULT_TOKEN = 'shpat_sandbox';
export const DEFAULT_SECRET = 'shopify_sandbox_secret';

export interface CallRecord {
  at: string;
  version: string;
  operations: string[];
  status: number;
  fault?: string;
  throttled?: boolean;
}

/** The sandbox's mutable parts, shared by the GraphQL route and the admin routes. */
export interface SandboxContext {
  state: ShopifyState;
  sender: WebhookSender;
  calls: CallRecord[];
  options: Required<Pick<ShopifySandboxOptions, 'token' | 'secret' | 'cancelJobDelayMs'>>;
  /** Runs a request's cancel jobs after their delay, then sends their webhooks. */
  schedule(jobs: Job[]): void;
  /** Sends the webhooks of what changed. */
  dispatch(changes: ChangeLog): void;
  reset(): void;
}

export function createShopifySandbox(options: ShopifySandboxOptions = {}): FastifyInstance {
  const app = Fastify({
    // The access token travels in a header: request logs show method and path only.
    logger: options.logger
      ? { serializers: { req: (req) => ({ method: req.method, url: (req.url ?? '').split('?')[0] }) } }
      : false,
    bodyLimit: 10 * 1024 * 1024,
  });
  const token = options.token ?? DEFAULT_TOKEN;
  const secret = options.secret ?? DEFAULT_SECRET;
  const timers = new Set<NodeJS.Timeout>();

  const ctx: SandboxContext = {
    state: new ShopifyState(token),
    sender: undefined as unknown as WebhookSender,
    calls: [],
    options: { token, secret, cancelJobDelayMs: options.cancelJobDelayMs ?? 200 },
    schedule(jobs) {
      for (const job of jobs) {
        const state = ctx.state;
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (state !== ctx.state) return; // reset meanwhile
          const changes = new ChangeLog();
          state.finishCancel(job, changes);
          ctx.dispatch(changes);
        }, ctx.options.cancelJobDelayMs);
        timers.add(timer);
      }
    },
    dispatch(changes) {
      ctx.sender.dispatch(changes);
    },
    reset() {
      ctx.sender.close();
      ctx.state = new ShopifyState(token);
      ctx.calls = [];
      ctx.sender = newSender();
    },
  };
  const newSender = () =>
    new WebhookSender(() => ctx.state, {
      secret,
      retryDelaysMs: options.webhookRetryDelaysMs ?? SHOPIFY_RETRY_DELAYS_MS,
      timeoutMs: options.webhookTimeoutMs ?? 5000,
      log: (m) => app.log.info(m),
    });
  ctx.sender = newSender();

  app.addHook('onClose', async () => {
    ctx.sender.close();
    for (const timer of timers) clearTimeout(timer);
  });

  // Shopify takes JSON, or the query itself as application/graphql.
  app.addContentTypeParser('application/graphql', { parseAs: 'string' }, (_req, body, done) =>
    done(null, { query: String(body) }),
  );
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, JSON.parse(String(body)));
    } catch {
      done(null, INVALID_JSON);
    }
  });
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, _body, done) => done(null, INVALID_JSON));

  registerAdminRoutes(app, ctx);

  app.post<{ Params: { version: string } }>('/admin/api/:version/graphql.json', async (request, reply) => {
    const version = servedVersion(request.params.version);
    const requestId = randomUUID();
    reply.header('X-Request-Id', requestId);
    if (!version) return reply.code(404).send({ errors: 'Not Found' });
    reply.header('X-Shopify-API-Version', version);
    const state = ctx.state;
    const call: CallRecord = { at: new Date().toISOString(), version, operations: [], status: 0 };
    ctx.calls.push(call);
    const send = (status: number, body: unknown) => {
      call.status = status;
      return reply.code(status).type('application/json; charset=utf-8').send(body);
    };

    if (state.shop.state === 'unavailable') return send(404, { errors: 'Not Found' });
    const given = request.headers['x-shopify-access-token'];
    if (state.revoked || given !== state.token) {
      return send(401, {
        errors: '[API] Invalid API key or access token (unrecognized login or wrong password)',
      });
    }
    if (state.shop.state === 'frozen') return send(402, { errors: 'Unavailable Shop' });
    if (state.shop.state === 'locked') return send(423, { errors: 'This shop is unavailable' });
    if (request.body === INVALID_JSON || typeof request.body !== 'object' || request.body === null) {
      return send(400, { errors: { query: 'Required parameter missing or invalid' } });
    }

    const body = request.body as { query?: unknown; operationName?: unknown };
    call.operations = rootFieldsOf(body.query, body.operationName);
    const faults = state.faults;
    if (faults.latencyMs > 0) await new Promise((r) => setTimeout(r, faults.latencyMs));
    const planned = nextFault(state, call.operations);
    if (planned) call.fault = planned;
    if (planned === 'network') return drop(reply);
    if (planned === 'http_500') {
      return send(500, {
        errors: [
          {
            message: `Internal error. Looks like something went wrong on our end.\nRequest ID: ${requestId} (include this in support requests).`,
            extensions: { code: 'INTERNAL_SERVER_ERROR', requestId },
          },
        ],
      });
    }
    if (planned === 'http_503') return send(503, { errors: 'Service Unavailable' });
    if (planned === 'throttled') {
      call.throttled = true;
      const t = throttled(state, 1);
      return send(t.status, t.body);
    }

    const result = runGraphQL(state, body);
    call.status = result.status;
    call.operations = result.operations.length ? result.operations : call.operations;
    if (
      (result.body.errors as { extensions?: { code?: string } }[] | undefined)?.[0]?.extensions?.code ===
      'THROTTLED'
    ) {
      call.throttled = true;
    }
    ctx.schedule(result.jobs);
    ctx.dispatch(result.changes);
    if (planned === 'lost_response') return drop(reply);
    return send(result.status, result.body);
  });

  return app;
}

const INVALID_JSON = Symbol('invalid JSON');

/** The version a request's URL is served as; undefined: no such API version (404). */
function servedVersion(requested: string): string | undefined {
  if (SHOPIFY_SUPPORTED_VERSIONS.includes(requested)) return requested;
  if (/^\d{4}-(01|04|07|10)$/.test(requested) && requested < SHOPIFY_SUPPORTED_VERSIONS[0]!) {
    return SHOPIFY_SUPPORTED_VERSIONS[0]; // falls forward
  }
  return undefined;
}

/** The root fields a request names (for fault targeting), without running it; [] when it does not parse. */
function rootFieldsOf(query: unknown, operationName: unknown): string[] {
  if (typeof query !== 'string') return [];
  try {
    const doc = parse(query);
    const ops = doc.definitions.filter((d) => d.kind === 'OperationDefinition');
    const op = typeof operationName === 'string' ? ops.find((o) => o.name?.value === operationName) : ops[0];
    return op?.selectionSet.selections.flatMap((s) => (s.kind === 'Field' ? [s.name.value] : [])) ?? [];
  } catch {
    return [];
  }
}

function nextFault(state: ShopifyState, operations: string[]): string | undefined {
  const f = state.faults;
  const index = f.next.findIndex((n) => !n.operation || operations.includes(n.operation));
  if (index >= 0) return f.next.splice(index, 1)[0]!.kind;
  if (Math.random() < f.failureRate) return Math.random() < 0.5 ? 'http_500' : 'http_503';
  if (Math.random() < f.lostResponseRate) return 'lost_response';
  return undefined;
}

/** Drops the connection without an answer. */
function drop(reply: FastifyReply) {
  reply.hijack();
  reply.raw.destroy();
  return reply;
}
