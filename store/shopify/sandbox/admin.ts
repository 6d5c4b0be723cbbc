/**
 * The Shopify sandbox's admin side: JSON routes with which a test, the demo or a person plays the
 * merchant in the shop (what Shopify's admin UI would do) and the platform (faults, a revoked token).
 * Unauthenticated, like the Spartoo sandbox's.
 * | method and path | does |
 * |---|---|
 * | `POST /_sandbox/reset` | an empty shop again (one location), calls and deliveries forgotten |
 * | `GET /_sandbox/shop` · `PUT /_sandbox/shop` | `{name?, myshopifyDomain?, state?: active\|frozen\|locked\|unavailable}` |
 * | `PUT /_sandbox/token` | `{revoked?, scopes?: [...], token?}`: revoke (401 on every call), narrow the scopes (ACCESS_DENIED) |
 * | `POST /_sandbox/locations` | `{name}` → 201 `{id, gid}` |
 * | `GET /_sandbox/locations` | the locations |
 * | `POST /_sandbox/products` | `{title, variants: [{sku, barcode?, price, compareAtPrice?, available, inventoryPolicy?, metafields?: [{namespace, key, value, type?}]}]}` → 201 `{id, gid, variants: [{id, gid, inventoryItemId, sku}]}`; `available` is a number (first location) or `{locationId: n}` |
 * | `GET /_sandbox/variants/:id` | `{id, sku, barcode, price, compareAtPrice, available, inventory: [{locationId, available, on_hand, committed}], metafields}`; `available` over every active location |
 * | `GET /_sandbox/orders` | every order as Shopify's REST API shows it (line items, addresses, shipping lines, tags, source, `cancelled_at`, fulfillments), oldest first |
 * | `GET /_sandbox/orders/:id` | one |
 * | `POST /_sandbox/orders/:id/fulfill` | `{number, company, url?}`: the merchant fulfils every open line with that tracking → 200 the fulfillment; sends `fulfillments/create`, `orders/fulfilled`, `orders/updated` |
 * | `POST /_sandbox/orders/:id/cancel` | `{reason?: CUSTOMER…, restock?: true}`: the merchant cancels in the admin → 200 the order; sends `orders/cancelled`, `orders/updated`; 422 if already cancelled or fulfilled |
 * | `PUT /_sandbox/faults` | `{failureRate, lostResponseRate, latencyMs, next: [{operation?, kind: http_500\|http_503\|lost_response\|throttled\|network}], throttledStatus: 200\|429, duplicateWebhooks, dropWebhooks, bucket: {maximumAvailable?, restoreRate?, currentlyAvailable?}}`; absent fields reset to none |
 * | `GET /_sandbox/calls` | every Admin API call received: `{at, version, operations, status, fault?, throttled?}` |
 * | `GET /_sandbox/webhooks` | `{subscriptions, deliveries}`: each delivery with its headers, body, state and attempts |
 * | `POST /_sandbox/webhooks/deliveries/:id/resend` | sends one delivery again, byte for byte (a replay) |
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { SandboxContext } from './app';
import { restOrder } from './payloads';
import { ALL_SCOPES, ChangeLog, DEFAULT_FAULTS, gid, UserError } from './state';

const amount = z.union([z.string().regex(/^\d+(\.\d{1,2})?$/), z.number().nonnegative()]).transform(String);

const productInput = z.object({
  title: z.string().trim().min(1),
  variants: z
    .array(
      z.object({
        title: z.string().optional(),
        sku: z.string().nullable().optional(),
        barcode: z.string().nullable().optional(),
        price: amount,
        compareAtPrice: amount.nullable().optional(),
        inventoryPolicy: z.enum(['DENY', 'CONTINUE']).optional(),
        available: z.union([z.number().int(), z.record(z.string(), z.number().int())]).default(0),
        metafields: z
          .array(
            z.object({
              namespace: z.string().min(3),
              key: z.string().min(2),
              value: z.string(),
              type: z.string().optional(),
            }),
          )
          .optional(),
      }),
    )
    .min(1)
    .max(100),
});

const faultsInput = z.object({
  failureRate: z.number().min(0).max(1).default(0),
  lostResponseRate: z.number().min(0).max(1).default(0),
  latencyMs: z.number().int().min(0).max(60_000).default(0),
  next: z
    .array(
      z.object({
        operation: z.string().optional(),
        kind: z.enum(['http_500', 'http_503', 'lost_response', 'throttled', 'network']),
      }),
    )
    .default([]),
  throttledStatus: z.union([z.literal(200), z.literal(429)]).default(200),
  duplicateWebhooks: z.boolean().default(false),
  dropWebhooks: z.boolean().default(false),
  bucket: z
    .object({
      maximumAvailable: z.number().int().positive().optional(),
      restoreRate: z.number().positive().optional(),
      currentlyAvailable: z.number().min(0).optional(),
    })
    .optional(),
});

function bad(reply: FastifyReply, error: z.ZodError | string) {
  return reply.code(400).send({
    error:
      typeof error === 'string'
        ? error
        : error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
  });
}

const numericId = (raw: string) => {
  const m = /^(?:gid:\/\/shopify\/\w+\/)?(\d+)$/.exec(raw);
  return m ? Number(m[1]) : NaN;
};

export function registerAdminRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  app.post('/_sandbox/reset', async () => {
    ctx.reset();
    return { ok: true };
  });

  app.get('/_sandbox/shop', async () => ({ ...ctx.state.shop }));
  app.put('/_sandbox/shop', async (request, reply) => {
    const parsed = z
      .object({
        name: z.string().min(1).optional(),
        myshopifyDomain: z.string().min(1).optional(),
        state: z.enum(['active', 'frozen', 'locked', 'unavailable']).optional(),
      })
      .safeParse(request.body ?? {});
    if (!parsed.success) return bad(reply, parsed.error);
    Object.assign(
      ctx.state.shop,
      Object.fromEntries(Object.entries(parsed.data).filter(([, v]) => v !== undefined)),
    );
    return { ...ctx.state.shop };
  });

  app.put('/_sandbox/token', async (request, reply) => {
    const parsed = z
      .object({
        revoked: z.boolean().optional(),
        token: z.string().min(1).optional(),
        scopes: z.array(z.enum(ALL_SCOPES as [string, ...string[]])).optional(),
      })
      .safeParse(request.body ?? {});
    if (!parsed.success) return bad(reply, parsed.error);
    const state = ctx.state;
    if (parsed.data.revoked !== undefined) state.revoked = parsed.data.revoked;
    if (parsed.data.token !== undefined) state.token = parsed.data.token;
    if (parsed.data.scopes !== undefined) state.scopes = new Set(parsed.data.scopes);
    return { revoked: state.revoked, scopes: [...state.scopes] };
  });

  app.get('/_sandbox/locations', async () =>
    ctx.state.locations.map((l) => ({ ...l, gid: gid('Location', l.id) })),
  );
  app.post('/_sandbox/locations', async (request, reply) => {
    const parsed = z.object({ name: z.string().trim().min(1) }).safeParse(request.body ?? {});
    if (!parsed.success) return bad(reply, parsed.error);
    const location = ctx.state.addLocation(parsed.data.name);
    return reply.code(201).send({ id: location.id, gid: gid('Location', location.id) });
  });

  app.post('/_sandbox/products', async (request, reply) => {
    const parsed = productInput.safeParse(request.body);
    if (!parsed.success) return bad(reply, parsed.error);
    try {
      const { product, variants } = ctx.state.addProduct(parsed.data);
      return reply.code(201).send({
        id: product.id,
        gid: gid('Product', product.id),
        variants: variants.map((v) => ({
          id: v.id,
          gid: gid('ProductVariant', v.id),
          sku: v.sku,
          inventoryItemId: v.inventoryItemId,
          inventoryItemGid: gid('InventoryItem', v.inventoryItemId),
        })),
      });
    } catch (err) {
      if (err instanceof UserError) return bad(reply, err.message);
      throw err;
    }
  });

  app.get<{ Params: { id: string } }>('/_sandbox/variants/:id', async (request, reply) => {
    const state = ctx.state;
    const variant = state.variants.get(numericId(request.params.id));
    if (!variant) return reply.code(404).send({ error: 'no such variant' });
    return {
      id: variant.id,
      gid: gid('ProductVariant', variant.id),
      productId: variant.productId,
      sku: variant.sku,
      barcode: variant.barcode,
      price: variant.price,
      compareAtPrice: variant.compareAtPrice,
      available: state.available(variant),
      inventory: state
        .levelsOf(variant.inventoryItemId)
        .map((l) => ({ locationId: l.locationId, ...l.quantities })),
      metafields: variant.metafields.map(({ namespace, key, type, value }) => ({
        namespace,
        key,
        type,
        value,
      })),
    };
  });

  app.get('/_sandbox/orders', async () => [...ctx.state.orders.values()].map((o) => restOrder(ctx.state, o)));
  app.get<{ Params: { id: string } }>('/_sandbox/orders/:id', async (request, reply) => {
    const order = ctx.state.orders.get(numericId(request.params.id));
    if (!order) return reply.code(404).send({ error: 'no such order' });
    return restOrder(ctx.state, order);
  });

  app.post<{ Params: { id: string } }>('/_sandbox/orders/:id/fulfill', async (request, reply) => {
    const parsed = z
      .object({
        number: z.string().trim().min(1),
        company: z.string().trim().min(1),
        url: z.string().url().optional(),
      })
      .safeParse(request.body ?? {});
    if (!parsed.success) return bad(reply, parsed.error);
    const changes = new ChangeLog();
    try {
      const fulfillment = ctx.state.fulfill(numericId(request.params.id), parsed.data, changes);
      ctx.dispatch(changes);
      return {
        id: fulfillment.id,
        gid: gid('Fulfillment', fulfillment.id),
        order: restOrder(ctx.state, ctx.state.orders.get(fulfillment.orderId)!),
      };
    } catch (err) {
      if (err instanceof UserError)
        return reply.code(err.code === 'NOT_FOUND' ? 404 : 422).send({ error: err.message });
      throw err;
    }
  });

  app.post<{ Params: { id: string } }>('/_sandbox/orders/:id/cancel', async (request, reply) => {
    const parsed = z
      .object({
        reason: z.enum(['CUSTOMER', 'DECLINED', 'FRAUD', 'INVENTORY', 'OTHER', 'STAFF']).default('CUSTOMER'),
        restock: z.boolean().default(true),
      })
      .safeParse(typeof request.body === 'object' && request.body !== null ? request.body : {});
    if (!parsed.success) return bad(reply, parsed.error);
    const id = numericId(request.params.id);
    const changes = new ChangeLog();
    try {
      // The admin's cancel runs the same job, finished at once.
      const job = ctx.state.startCancel(id, parsed.data.reason, parsed.data.restock);
      ctx.state.finishCancel(job, changes);
      ctx.dispatch(changes);
      return restOrder(ctx.state, ctx.state.orders.get(id)!);
    } catch (err) {
      if (err instanceof UserError)
        return reply.code(err.code === 'NOT_FOUND' ? 404 : 422).send({ error: err.message });
      throw err;
    }
  });

  app.put('/_sandbox/faults', async (request, reply) => {
    const parsed = faultsInput.safeParse(request.body ?? {});
    if (!parsed.success) return bad(reply, parsed.error);
    const { bucket, ...faults } = parsed.data;
    const state = ctx.state;
    state.faults = { ...structuredClone(DEFAULT_FAULTS), ...faults };
    if (bucket) {
      state.currentlyAvailable();
      if (bucket.maximumAvailable !== undefined) state.bucket.maximumAvailable = bucket.maximumAvailable;
      if (bucket.restoreRate !== undefined) state.bucket.restoreRate = bucket.restoreRate;
      state.bucket.available = Math.min(
        state.bucket.maximumAvailable,
        bucket.currentlyAvailable ?? state.bucket.available,
      );
    }
    return { ...state.faults, bucket: state.throttleStatus() };
  });

  app.get('/_sandbox/calls', async () => ctx.calls);

  app.get('/_sandbox/webhooks', async () => ({
    subscriptions: [...ctx.state.subscriptions.values()].map((s) => ({
      ...s,
      gid: gid('WebhookSubscription', s.id),
    })),
    deliveries: ctx.sender.deliveries,
  }));
  app.post<{ Params: { id: string } }>('/_sandbox/webhooks/deliveries/:id/resend', async (request, reply) => {
    const delivery = await ctx.sender.resend(request.params.id);
    if (!delivery) return reply.code(404).send({ error: 'no such delivery' });
    return delivery;
  });
}
