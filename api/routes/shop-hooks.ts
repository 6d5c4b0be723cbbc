import type { FastifyBaseLogger, FastifyReply, FastifyRequest, onSendHookHandler } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { applyShopEvent, type ShopEventOutcome } from '../../activities/shop-events';
import { createShopHookRepository } from '../../db/shop-hooks';
import type { StoreKindName } from '../../domain/stores';
import {
  parseShopifyWebhook,
  shopifyWebhookHeaders,
  verifyShopifyWebhook,
} from '../../store/shopify/webhooks';
import type { ShopOrderEvent } from '../../store/store';
import {
  isWooCommercePing,
  parseWooCommerceWebhook,
  verifyWooCommerceWebhook,
  wooCommerceDeliveryKey,
} from '../../store/woocommerce/webhooks';
import type { AppDependencies } from '../app';
import { notFound, problemSchema, sendProblem } from '../problem';

/** The shops' deliveries are public (no bearer token): each is checked by its signature instead. */
export const SHOP_HOOK_PATHS = /^\/hooks\/(shopify|woocommerce)\/[^/]+$/;

/** Shop payloads are order documents: generous, but bounded. */
const BODY_LIMIT = 5 * 1024 * 1024;

const answerSchema = z.object({
  received: z.literal(true),
  outcome: z
    .enum(['signalled', 'unknown', 'done', 'no-tracking', 'ignored', 'duplicate', 'ping'])
    .describe(
      'signalled: the order was told; unknown: no order of the product is that shop order (ignored); ' +
        'done: nothing left to tell; no-tracking: shipped without a tracking number; ignored: not an ' +
        'event the product follows; duplicate: this delivery was handled already; ping: WooCommerce’s creation ping',
    ),
});
type Outcome = z.infer<typeof answerSchema>['outcome'];

const params = z.object({ storeId: z.string().min(1).max(200) });
const schema = (summary: string) => ({
  tags: ['shop webhooks'],
  summary,
  // Public: the shop signs its deliveries (no bearer token).
  security: [],
  params,
  response: { 200: answerSchema, 401: problemSchema, 404: problemSchema },
});

/**
 * What the merchant does in the shop reaches the order workflows (issue 11): `POST /hooks/shopify/:storeId`
 * and `POST /hooks/woocommerce/:storeId`, public, each delivery checked against the store's secret on its
 * raw bytes (a bad or missing signature: 401, nothing done), handled once per delivery id (kept in the
 * database a week), and mapped to the order by activities/shop-events.ts, as the reconciliation does.
 * The store's secrets are read through the stores repository and never logged.
 */
export const shopHookRoutes: FastifyPluginAsyncZod<AppDependencies> = async (app, deps) => {
  // These routes only (the plugin's own context): the body stays the bytes the shop signed.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (_request, body, done) =>
    done(null, body),
  );
  const hooks = createShopHookRepository(deps.database.db);

  async function storeOf(kind: StoreKindName, storeId: string) {
    const found = await deps.stores.records.withSecrets(storeId);
    if (!found || found.record.kind !== kind)
      throw notFound(`${kind === 'shopify' ? 'Shopify' : 'WooCommerce'} store ${storeId}`);
    return found;
  }

  const rawBody = (request: FastifyRequest) =>
    Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);

  /**
   * Handles a verified delivery once: claimed by its key first (a replay, or the same delivery sent twice
   * at once, finds it claimed); a delivery that fails is released, so the platform's retry is handled.
   */
  async function handleOnce(
    storeId: string,
    deliveryKey: string | undefined,
    log: FastifyBaseLogger,
    context: Record<string, unknown>,
    read: () => ShopOrderEvent | undefined,
  ): Promise<Outcome> {
    if (deliveryKey !== undefined && !(await hooks.claim(storeId, deliveryKey))) return 'duplicate';
    try {
      const event = read();
      if (!event) return 'ignored';
      const { outcome } = await applyShopEvent({ hooks, workflows: deps.workflows }, storeId, event);
      logOutcome(log, outcome, { storeId, ...context, storeOrderId: event.storeOrderId, kind: event.kind });
      return outcome;
    } catch (err) {
      if (deliveryKey !== undefined) await hooks.release(storeId, deliveryKey).catch(() => {});
      throw err;
    }
  }

  app.post(
    '/hooks/shopify/:storeId',
    { schema: schema('A Shopify webhook (X-Shopify-Hmac-Sha256)'), bodyLimit: BODY_LIMIT },
    async (request, reply) => {
      const { storeId } = request.params;
      const { secrets } = await storeOf('shopify', storeId);
      const raw = rawBody(request);
      if (!verifyShopifyWebhook(raw, request.headers, secrets.webhookSecret ?? '')) {
        return refused(reply, request.log, storeId);
      }
      const { topic, webhookId } = shopifyWebhookHeaders(request.headers);
      const outcome = await handleOnce(storeId, webhookId, request.log, { topic, webhookId }, () =>
        parseShopifyWebhook(topic ?? '', parseJson(raw)),
      );
      return { received: true as const, outcome };
    },
  );

  app.post(
    '/hooks/woocommerce/:storeId',
    { schema: schema('A WooCommerce webhook (X-WC-Webhook-Signature)'), bodyLimit: BODY_LIMIT },
    async (request, reply) => {
      const { storeId } = request.params;
      const { record, secrets } = await storeOf('woocommerce', storeId);
      const raw = rawBody(request);
      // WooCommerce's creation ping is unsigned and carries nothing: an exact 200 keeps the webhook active.
      if (isWooCommercePing(raw, request.headers))
        return { received: true as const, outcome: 'ping' as const };
      // Signed as WooCommerce does: the webhook's secret, which the adapter set to this one.
      const secret = secrets.webhookSecret || secrets.consumerSecret || '';
      if (!verifyWooCommerceWebhook(raw, request.headers, secret))
        return refused(reply, request.log, storeId);
      const topic = headerText(request.headers['x-wc-webhook-topic']);
      const trackingMetaKey =
        typeof record.config.trackingMetaKey === 'string' ? record.config.trackingMetaKey : undefined;
      // Not the Delivery-ID alone: two deliveries of one webhook in the same second share it.
      const deliveryKey = wooCommerceDeliveryKey(raw, request.headers);
      const outcome = await handleOnce(storeId, deliveryKey, request.log, { topic }, () =>
        topic === undefined || topic.startsWith('order.')
          ? parseWooCommerceWebhook(parseJson(raw), trackingMetaKey)
          : undefined,
      );
      return { received: true as const, outcome };
    },
  );
};

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** A signed body that is not JSON says nothing the product follows. */
function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    return undefined;
  }
}

function refused(reply: FastifyReply, log: FastifyBaseLogger, storeId: string) {
  log.warn({ storeId }, 'shop webhook refused: missing or invalid signature');
  return sendProblem(reply, 401, 'Missing or invalid webhook signature');
}

/** One line per event the product cannot place, with ids only (no customer data). */
function logOutcome(log: FastifyBaseLogger, outcome: ShopEventOutcome, context: Record<string, unknown>) {
  if (outcome === 'unknown') {
    log.info(context, 'shop webhook ignored: no order of the product is this shop order');
  } else if (outcome === 'no-tracking') {
    log.info(context, 'shop webhook ignored: shipped without a tracking number');
  }
}

/**
 * A store created or deleted through `/stores` starts or ends its reconciliation workflow (shop stores
 * only; the built-in store needs none), before the answer is sent. An app-level hook (api/app.ts), so the
 * stores routes stay as they are; a start that fails here is made by the next worker start-up's ensure
 * (runtime/services.ts), and a workflow whose store is gone ends by itself.
 */
export function storeLifecycleHook(deps: Pick<AppDependencies, 'workflows'>): onSendHookHandler {
  return async (request, reply, payload) => {
    const path = request.url.split('?')[0]!;
    const created = request.method === 'POST' && path === '/stores' && reply.statusCode === 201;
    const deleted = request.method === 'DELETE' && reply.statusCode === 204 && /^\/stores\/[^/]+$/.test(path);
    if (!created && !deleted) return payload;
    try {
      if (created) {
        const store = JSON.parse(String(payload)) as { id?: string; kind?: string };
        if (store.id && store.kind !== 'builtin') await deps.workflows.startStore(store.id);
      } else {
        await deps.workflows.stopStore(decodeURIComponent(path.slice('/stores/'.length)));
      }
    } catch (err) {
      request.log.warn(
        { error: (err as Error).message },
        'store reconciliation workflow not started or stopped',
      );
    }
    return payload;
  };
}
