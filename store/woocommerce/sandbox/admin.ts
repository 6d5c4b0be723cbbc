/**
 * The sandbox's admin side: JSON routes under `/_sandbox/` with which a test or a demo plays the merchant
 * and the shop's operator. No authentication. The merchant's own actions also exist on the real API
 * (`PUT /wp-json/wc/v3/orders/:id` with `status` and the tracking meta, the Shipment Tracking extension's
 * `POST …/shipment-trackings`); the shortcuts here do the same and fire the same webhooks.
 * | method and path | does |
 * |---|---|
 * | `POST /_sandbox/reset` | empties the shop: products, orders, webhooks, deliveries; default key, settings and faults |
 * | `PUT /_sandbox/settings` | `{siteName?, manageStock?, orderStorage?: "hpos" \| "cpt", strictHttps?, currency?}` |
 * | `POST /_sandbox/keys` | `{consumerKey, consumerSecret, permissions?: "read" \| "write" \| "read_write", capable?}` → 201 |
 * | `PATCH /_sandbox/keys/:consumerKey` | `{permissions?, capable?}` (`capable: false`: the key's user lost `manage_woocommerce`, so 403) |
 * | `DELETE /_sandbox/keys/:consumerKey` | revokes the key: its requests become anonymous (401) |
 * | `PUT /_sandbox/faults` | `{failureRate?, lostResponseRate?, latencyMs?, next?: [{method?, pathPrefix?, fault: "http_500" \| "lost_response" \| "timeout", times?}]}` on `/wp-json/` |
 * | `GET /_sandbox/products/:id` · `GET /_sandbox/orders/:id` | as the shop holds them (orders with notes and `stockReduced`) |
 * | `POST /_sandbox/orders/:id/ship` | `{trackingNumber, provider?, customProvider?, metaKey?}`: tracking added (`_wc_shipment_tracking_items`, or `metaKey` set to the number) and status `completed` |
 * | `POST /_sandbox/orders/:id/cancel` | status `cancelled` (stock restored) |
 * | `GET /_sandbox/webhooks` | the subscriptions with their secret, status and `failureCount` |
 * | `GET /_sandbox/deliveries?webhookId=&kind=` | every ping and delivery sent: headers, raw body, receiver's status |
 * | `POST /_sandbox/deliveries/wait` | `{timeoutMs?}`: answers once every queued delivery has been sent |
 * | `POST /_sandbox/clock` | `{advanceMs}`: moves the shop's clock forward |
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { WebhookDispatcher } from './deliveries';
import { TRACKING_META } from './rest';
import type { FaultKind, KeyPermissions, ShopState } from './state';

const faultsInput = z.object({
  failureRate: z.number().min(0).max(1).optional(),
  lostResponseRate: z.number().min(0).max(1).optional(),
  latencyMs: z.number().int().min(0).optional(),
  next: z
    .array(
      z.object({
        method: z.string().optional(),
        pathPrefix: z.string().optional(),
        fault: z.enum(['http_500', 'lost_response', 'timeout']),
        times: z.number().int().min(1).default(1),
      }),
    )
    .optional(),
});

const settingsInput = z.object({
  siteName: z.string().min(1).optional(),
  manageStock: z.boolean().optional(),
  orderStorage: z.enum(['hpos', 'cpt']).optional(),
  strictHttps: z.boolean().optional(),
  currency: z.string().length(3).optional(),
});

const permissions = z.enum(['read', 'write', 'read_write']);

export interface AdminDeps {
  state: ShopState;
  dispatcher: WebhookDispatcher;
  reset: () => void;
  advanceClock: (ms: number) => void;
}

export function registerAdminRoutes(app: FastifyInstance, deps: AdminDeps): void {
  const { state, dispatcher } = deps;
  const bad = (message: string) => ({ error: message });

  app.post('/_sandbox/reset', async () => {
    deps.reset();
    return { ok: true };
  });

  app.put('/_sandbox/settings', async (request, reply) => {
    const parsed = settingsInput.safeParse(request.body ?? {});
    if (!parsed.success) return reply.code(400).send(bad(parsed.error.message));
    Object.assign(state.settings, parsed.data);
    return state.settings;
  });

  app.post('/_sandbox/keys', async (request, reply) => {
    const parsed = z
      .object({
        consumerKey: z.string().min(1),
        consumerSecret: z.string().min(1),
        permissions: permissions.default('read_write'),
        capable: z.boolean().default(true),
      })
      .safeParse(request.body ?? {});
    if (!parsed.success) return reply.code(400).send(bad(parsed.error.message));
    state.keys.set(parsed.data.consumerKey, parsed.data);
    return reply
      .code(201)
      .send({ consumerKey: parsed.data.consumerKey, permissions: parsed.data.permissions });
  });

  app.patch<{ Params: { key: string } }>('/_sandbox/keys/:key', async (request, reply) => {
    const key = state.keys.get(request.params.key);
    if (!key) return reply.code(404).send(bad('no such key'));
    const parsed = z
      .object({ permissions: permissions.optional(), capable: z.boolean().optional() })
      .safeParse(request.body ?? {});
    if (!parsed.success) return reply.code(400).send(bad(parsed.error.message));
    if (parsed.data.permissions) key.permissions = parsed.data.permissions as KeyPermissions;
    if (parsed.data.capable !== undefined) key.capable = parsed.data.capable;
    return { consumerKey: key.consumerKey, permissions: key.permissions, capable: key.capable };
  });

  app.delete<{ Params: { key: string } }>('/_sandbox/keys/:key', async (request, reply) => {
    if (!state.keys.delete(request.params.key)) return reply.code(404).send(bad('no such key'));
    return { revoked: true };
  });

  app.put('/_sandbox/faults', async (request, reply) => {
    const parsed = faultsInput.safeParse(request.body ?? {});
    if (!parsed.success) return reply.code(400).send(bad(parsed.error.message));
    const f = parsed.data;
    state.faults = {
      failureRate: f.failureRate ?? 0,
      lostResponseRate: f.lostResponseRate ?? 0,
      latencyMs: f.latencyMs ?? 0,
      next: (f.next ?? []).map((n) => ({ ...n, fault: n.fault as FaultKind })),
    };
    return state.faults;
  });

  app.get('/_sandbox/faults', async () => state.faults);

  app.get<{ Params: { id: string } }>('/_sandbox/products/:id', async (request, reply) => {
    const product = state.products.get(Number(request.params.id));
    if (!product) return reply.code(404).send(bad('no such product'));
    return product;
  });

  app.get<{ Params: { id: string } }>('/_sandbox/orders/:id', async (request, reply) => {
    const order = state.orders.get(Number(request.params.id));
    if (!order) return reply.code(404).send(bad('no such order'));
    return { ...order, totals: state.orderTotals(order) };
  });

  app.post<{ Params: { id: string } }>('/_sandbox/orders/:id/ship', async (request, reply) => {
    const order = state.orders.get(Number(request.params.id));
    if (!order) return reply.code(404).send(bad('no such order'));
    const parsed = z
      .object({
        trackingNumber: z.string().min(1),
        provider: z.string().optional(),
        customProvider: z.string().optional(),
        metaKey: z.string().min(1).optional(),
      })
      .safeParse(request.body ?? {});
    if (!parsed.success) return reply.code(400).send(bad(parsed.error.message));
    const { trackingNumber, provider, customProvider, metaKey } = parsed.data;
    if (metaKey && metaKey !== TRACKING_META) {
      order.meta = state.updateMeta(order.meta, metaKey, trackingNumber);
    } else {
      const existing = order.meta.find((m) => m.key === TRACKING_META)?.value;
      const item = {
        tracking_provider: customProvider ? '' : (provider ?? 'colissimo').toLowerCase(),
        custom_tracking_provider: customProvider ?? '',
        custom_tracking_link: '',
        tracking_number: trackingNumber,
        date_shipped: String(Math.floor(state.now() / 1000)),
        tracking_id: createHash('md5')
          .update(`${provider}-${trackingNumber}${process.hrtime.bigint()}`)
          .digest('hex'),
      };
      order.meta = state.updateMeta(order.meta, TRACKING_META, [
        ...(Array.isArray(existing) ? existing : []),
        item,
      ]);
    }
    state.setStatus(order, 'completed');
    order.modified = state.now();
    dispatcher.trigger('order', 'updated', order.id);
    return { id: order.id, status: order.status };
  });

  app.post<{ Params: { id: string } }>('/_sandbox/orders/:id/cancel', async (request, reply) => {
    const order = state.orders.get(Number(request.params.id));
    if (!order) return reply.code(404).send(bad('no such order'));
    state.setStatus(order, 'cancelled');
    order.modified = state.now();
    dispatcher.trigger('order', 'updated', order.id);
    return { id: order.id, status: order.status };
  });

  app.get('/_sandbox/webhooks', async () => [...state.webhooks.values()]);

  app.get<{ Querystring: { webhookId?: string; kind?: string } }>('/_sandbox/deliveries', async (request) => {
    const { webhookId, kind } = request.query;
    return dispatcher.deliveries.filter(
      (d) => (!webhookId || d.webhookId === Number(webhookId)) && (!kind || d.kind === kind),
    );
  });

  app.post('/_sandbox/deliveries/wait', async (request) => {
    const timeoutMs = Number((request.body as { timeoutMs?: number } | undefined)?.timeoutMs ?? 10_000);
    return { idle: await dispatcher.idle(timeoutMs) };
  });

  app.post('/_sandbox/clock', async (request, reply) => {
    const parsed = z.object({ advanceMs: z.number().int().min(0) }).safeParse(request.body ?? {});
    if (!parsed.success) return reply.code(400).send(bad(parsed.error.message));
    deps.advanceClock(parsed.data.advanceMs);
    return { now: new Date(state.now()).toISOString() };
  });
}
