/**
 * The REST side of the sandbox: `/wp-json/wc/v3` (products, variations, orders, order notes, webhooks),
 * the Shipment Tracking extension's `/wp-json/wc-shipment-tracking/v3`, and WordPress's `/wp-json/` index.
 *
 * Request handling follows WordPress's REST server and WooCommerce's controllers, in that order:
 * 1. authentication (class-wc-rest-authentication.php), for `wc/` and `wc-` routes only:
 *    `consumer_key`/`consumer_secret` query parameters first, else HTTP Basic (key as user name, secret
 *    as password). WooCommerce does Basic only over HTTPS and one-legged OAuth 1.0a over plain HTTP; the
 *    sandbox accepts Basic over HTTP too (stated deviation; `strictHttps` restores the real rule) and
 *    does not implement OAuth. A known key with a wrong secret → 401 `woocommerce_rest_authentication_error`
 *    "Consumer secret is invalid." with `WWW-Authenticate: Basic …`; an unknown (or revoked) key leaves
 *    the request anonymous, which the route's permission check then refuses;
 * 2. the key's permissions (`check_permissions`, on `rest_pre_dispatch`): GET/HEAD need read, POST / PUT /
 *    PATCH / DELETE need write, else 401 `woocommerce_rest_authentication_error`;
 * 3. the route: none → 404 `rest_no_route`;
 * 4. arguments (WP_REST_Request::has_valid_params): 400 `rest_invalid_param` / `rest_missing_callback_param`;
 * 5. the permission callback: anonymous → 401, a user without the capability → 403
 *    (`rest_authorization_required_code`), codes `woocommerce_rest_cannot_view|create|edit|delete`;
 * 6. the controller. Collections answer `X-WP-Total`, `X-WP-TotalPages` and `Link` (prev / next)
 *    (WC_REST_CRUD_Controller::get_items); creates answer 201 with `Location`.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import {
  type Body,
  checkProductBody,
  createProduct,
  createVariation,
  updateProduct,
  updateVariation,
} from './catalog';
import type { WebhookDispatcher } from './deliveries';
import { WooError } from './errors';
import { noteJson, orderJson, productJson, variationJson, wcDate, webhookJson } from './format';
import { checkOrderBody, createOrder, updateOrder } from './orders';
import { Params, parseQuery, type Query } from './params';
import { type ApiKey, ORDER_STATUSES, type SandboxOrder, type SandboxProduct, type ShopState } from './state';

type Permission = 'list' | 'view' | 'create' | 'edit' | 'delete';

interface Ctx {
  params: Record<string, string>;
  query: Query;
  body: Body;
  p: Params;
  base: string;
  url: string;
  /** Resources changed by the request, for the webhooks fired after it. */
  touched: [resource: string, event: string, id: number][];
}

interface Result {
  status?: number;
  body: unknown;
  headers?: Record<string, string | string[]>;
}

declare module 'fastify' {
  interface FastifyRequest {
    wooKey?: ApiKey;
    wooLost?: boolean;
  }
}

const PERMISSION_ERRORS: Record<Permission, [string, string]> = {
  list: ['woocommerce_rest_cannot_view', 'Sorry, you cannot list resources.'],
  view: ['woocommerce_rest_cannot_view', 'Sorry, you cannot view this resource.'],
  create: ['woocommerce_rest_cannot_create', 'Sorry, you are not allowed to create resources.'],
  edit: ['woocommerce_rest_cannot_edit', 'Sorry, you are not allowed to edit this resource.'],
  delete: ['woocommerce_rest_cannot_delete', 'Sorry, you are not allowed to delete this resource.'],
};

const EDITABLE: HTTPMethods[] = ['POST', 'PUT', 'PATCH'];
const ID = '(^\\d+$)';

export function registerRestRoutes(
  app: FastifyInstance,
  state: ShopState,
  dispatcher: WebhookDispatcher,
  home: (request: FastifyRequest) => string,
): void {
  // ---- authentication and key permissions, before any route is matched ---------------------------
  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0]!;
    if (!path.startsWith('/wp-json/wc/') && !path.startsWith('/wp-json/wc-')) return;
    home(request);
    try {
      const key = authenticate(state, request);
      if (key) checkKeyPermissions(key, request.method);
      request.wooKey = key;
    } catch (err) {
      if (err instanceof WooError) return sendError(reply, err);
      throw err;
    }
  });

  function on<V>(
    methods: HTTPMethods | HTTPMethods[],
    url: string,
    permission: Permission,
    validate: (ctx: Ctx) => V,
    handle: (ctx: Ctx, v: V) => Result | Promise<Result>,
  ): void {
    app.route({
      method: methods,
      url,
      handler: async (request, reply) => {
        const rawQuery = request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : '';
        const ctx: Ctx = {
          params: request.params as Record<string, string>,
          query: parseQuery(rawQuery),
          body: (typeof request.body === 'object' && request.body !== null ? request.body : {}) as Body,
          p: new Params(),
          base: home(request),
          url: request.url,
          touched: [],
        };
        try {
          const v = validate(ctx);
          ctx.p.done();
          const key = request.wooKey;
          if (!key?.capable) {
            const [code, message] = PERMISSION_ERRORS[permission];
            throw new WooError(key ? 403 : 401, code, message);
          }
          const result = await handle(ctx, v);
          for (const [resource, event, id] of ctx.touched) dispatcher.trigger(resource, event, id);
          if (request.wooLost) {
            // The change is made; the answer never arrives.
            reply.hijack();
            reply.raw.destroy();
            return reply;
          }
          for (const [name, value] of Object.entries(result.headers ?? {})) reply.header(name, value);
          return reply.code(result.status ?? 200).send(result.body);
        } catch (err) {
          if (err instanceof WooError) return sendError(reply, err);
          throw err;
        }
      },
    });
  }

  const none = () => undefined;

  // ---- index ---------------------------------------------------------------------------------------
  app.get('/wp-json/', async (request) => {
    const base = home(request);
    return {
      name: state.settings.siteName,
      description: 'A WooCommerce sandbox',
      url: base,
      home: base,
      gmt_offset: 0,
      timezone_string: 'UTC',
      namespaces: ['wp/v2', 'wc/v3', 'wc-shipment-tracking/v3'],
      authentication: [],
      routes: {},
    };
  });

  // ---- products ------------------------------------------------------------------------------------
  on('GET', '/wp-json/wc/v3/products', 'list', productQuery, (ctx, v) => {
    let list = [...state.products.values()];
    const exact = (
      values: string[] | undefined,
      raw: string | undefined,
      get: (p: SandboxProduct) => string,
    ) => {
      if (!values || values.length === 0) return;
      // WC_REST_Products_Controller::prepare_objects_query: with several values, the whole string too.
      const wanted = new Set(values.length > 1 && raw ? [...values, raw] : values);
      list = list.filter((p) => get(p) !== '' && wanted.has(get(p)));
    };
    exact(v.skus, ctx.p.text(ctx.query, 'sku'), (p) => p.sku);
    exact(v.gtins, ctx.p.text(ctx.query, 'global_unique_id'), (p) => p.globalUniqueId);
    // Variations are only listed when searching by SKU or GTIN (post_type product + product_variation).
    if (!v.skus?.length && !v.gtins?.length) list = list.filter((p) => p.type !== 'variation');
    if (v.searchSku) list = list.filter((p) => p.sku.toLowerCase().includes(v.searchSku!.toLowerCase()));
    list = list.filter((p) => (v.status === 'any' ? p.status !== 'trash' : p.status === v.status));
    if (v.type) list = list.filter((p) => p.type === v.type);
    if (v.parent) list = list.filter((p) => v.parent!.includes(p.parentId));
    if (v.stockStatus) list = list.filter((p) => p.stockStatus === v.stockStatus);
    if (v.search) list = list.filter((p) => p.name.toLowerCase().includes(v.search!.toLowerCase()));
    list = filterCommon(
      list,
      v,
      (p) => p.created,
      (p) => p.modified,
    );
    const page = paginate(
      ctx,
      v,
      sortItems(
        list,
        v,
        (p) => p.created,
        (p) => p.modified,
        (p) => p.name,
      ),
    );
    return { body: page.items.map((p) => productJson(state, p, ctx.base)), headers: page.headers };
  });

  on(
    'POST',
    '/wp-json/wc/v3/products',
    'create',
    (ctx) => checkProductBody(ctx.p, ctx.body, false),
    (ctx) => {
      if (ctx.body.id) {
        throw new WooError(400, 'woocommerce_rest_product_exists', 'Cannot create existing product.');
      }
      const product = createProduct(state, ctx.body);
      ctx.touched.push(['product', 'created', product.id]);
      return created(
        productJson(state, product, ctx.base),
        `${ctx.base}/wp-json/wc/v3/products/${product.id}`,
      );
    },
  );

  on('GET', `/wp-json/wc/v3/products/:id${ID}`, 'view', none, (ctx) => {
    const product = state.products.get(Number(ctx.params.id));
    if (!product || product.status === 'auto-draft') throw invalidId('product', 404);
    return { body: productJson(state, product, ctx.base) };
  });

  on(
    EDITABLE,
    `/wp-json/wc/v3/products/:id${ID}`,
    'edit',
    (ctx) => checkProductBody(ctx.p, ctx.body, false),
    (ctx) => {
      const product = state.products.get(Number(ctx.params.id));
      if (!product) throw invalidId('product', 400);
      updateProduct(state, product, ctx.body);
      ctx.touched.push(['product', 'updated', product.id]);
      return { body: productJson(state, product, ctx.base) };
    },
  );

  on(
    'DELETE',
    `/wp-json/wc/v3/products/:id${ID}`,
    'delete',
    (ctx) => ctx.p.bool(ctx.query, 'force'),
    (ctx, force) => {
      const product = state.products.get(Number(ctx.params.id));
      if (!product) throw invalidId('product', 404);
      const body = productJson(state, product, ctx.base);
      if (force) {
        state.products.delete(product.id);
        for (const v of state.variationsOf(product.id)) state.products.delete(v.id);
      } else product.status = 'trash';
      ctx.touched.push(['product', 'deleted', product.id]);
      return { body };
    },
  );

  // ---- variations ----------------------------------------------------------------------------------
  on('GET', `/wp-json/wc/v3/products/:pid${ID}/variations`, 'list', productQuery, (ctx, v) => {
    let list = state.variationsOf(Number(ctx.params.pid));
    if (v.skus?.length) list = list.filter((p) => v.skus!.includes(p.sku));
    if (v.gtins?.length) list = list.filter((p) => v.gtins!.includes(p.globalUniqueId));
    list = list.filter((p) => (v.status === 'any' ? p.status !== 'trash' : p.status === v.status));
    if (v.stockStatus) list = list.filter((p) => p.stockStatus === v.stockStatus);
    list = filterCommon(
      list,
      v,
      (p) => p.created,
      (p) => p.modified,
    );
    const page = paginate(
      ctx,
      v,
      sortItems(
        list,
        v,
        (p) => p.created,
        (p) => p.modified,
        (p) => p.name,
      ),
    );
    return { body: page.items.map((p) => variationJson(state, p, ctx.base)), headers: page.headers };
  });

  on(
    'POST',
    `/wp-json/wc/v3/products/:pid${ID}/variations`,
    'create',
    (ctx) => checkProductBody(ctx.p, ctx.body, true),
    (ctx) => {
      const parent = state.products.get(Number(ctx.params.pid));
      if (!parent || parent.type === 'variation') {
        throw new WooError(404, 'woocommerce_rest_product_invalid_id', 'Invalid product ID.');
      }
      const variation = createVariation(state, parent, ctx.body);
      ctx.touched.push(['product', 'created', variation.id]);
      return created(
        variationJson(state, variation, ctx.base),
        `${ctx.base}/wp-json/wc/v3/products/${parent.id}/variations/${variation.id}`,
      );
    },
  );

  const variationOf = (ctx: Ctx, status: number) => {
    const variation = state.products.get(Number(ctx.params.id));
    if (variation?.type !== 'variation' || variation.parentId !== Number(ctx.params.pid)) {
      throw invalidId('product_variation', status);
    }
    return variation;
  };

  on('GET', `/wp-json/wc/v3/products/:pid${ID}/variations/:id${ID}`, 'view', none, (ctx) => ({
    body: variationJson(state, variationOf(ctx, 404), ctx.base),
  }));

  on(
    EDITABLE,
    `/wp-json/wc/v3/products/:pid${ID}/variations/:id${ID}`,
    'edit',
    (ctx) => checkProductBody(ctx.p, ctx.body, true),
    (ctx) => {
      const variation = updateVariation(state, variationOf(ctx, 400), ctx.body);
      ctx.touched.push(['product', 'updated', variation.id]);
      return { body: variationJson(state, variation, ctx.base) };
    },
  );

  // ---- orders --------------------------------------------------------------------------------------
  on('GET', '/wp-json/wc/v3/orders', 'list', orderQuery, (ctx, v) => {
    let list = [...state.orders.values()];
    list = list.filter((o) => (v.statuses.includes('any') ? true : v.statuses.includes(o.status)));
    if (v.customer !== undefined) list = list.filter((o) => o.customerId === v.customer);
    if (v.product !== undefined) {
      list = list.filter((o) => o.items.some((i) => i.type === 'line_item' && i.productId === v.product));
    }
    if (v.createdVia?.length) list = list.filter((o) => v.createdVia!.includes(o.createdVia));
    if (v.parent) list = list.filter((o) => v.parent!.includes(o.parentId));
    if (v.search) list = list.filter((o) => state.orderMatchesSearch(o, v.search!));
    list = filterCommon(
      list,
      v,
      (o) => o.created,
      (o) => o.modified,
    );
    const sorted = sortItems(
      list,
      v,
      (o) => o.created,
      (o) => o.modified,
      (o) => String(o.id),
    );
    const page = paginate(ctx, v, sorted);
    return { body: page.items.map((o) => orderJson(state, o, ctx.base)), headers: page.headers };
  });

  on(
    'POST',
    '/wp-json/wc/v3/orders',
    'create',
    (ctx) => checkOrderBody(ctx.p, ctx.body, true),
    (ctx) => {
      if (ctx.body.id) {
        throw new WooError(400, 'woocommerce_rest_shop_order_exists', 'Cannot create existing shop_order.');
      }
      const order = createOrder(state, ctx.body);
      // woocommerce_new_order on the first save, woocommerce_update_order on the next ones.
      ctx.touched.push(['order', 'created', order.id], ['order', 'updated', order.id]);
      return created(orderJson(state, order, ctx.base), `${ctx.base}/wp-json/wc/v3/orders/${order.id}`);
    },
  );

  const orderOf = (ctx: Ctx, status: number): SandboxOrder => {
    const order = state.orders.get(Number(ctx.params.id));
    if (!order) throw invalidId('shop_order', status);
    return order;
  };

  on('GET', `/wp-json/wc/v3/orders/:id${ID}`, 'view', none, (ctx) => ({
    body: orderJson(state, orderOf(ctx, 404), ctx.base),
  }));

  on(
    EDITABLE,
    `/wp-json/wc/v3/orders/:id${ID}`,
    'edit',
    (ctx) => checkOrderBody(ctx.p, ctx.body, false),
    (ctx) => {
      const order = updateOrder(state, orderOf(ctx, 400), ctx.body);
      ctx.touched.push(['order', 'updated', order.id]);
      return { body: orderJson(state, order, ctx.base) };
    },
  );

  on(
    'DELETE',
    `/wp-json/wc/v3/orders/:id${ID}`,
    'delete',
    (ctx) => ctx.p.bool(ctx.query, 'force'),
    (ctx, force) => {
      const order = orderOf(ctx, 404);
      const body = orderJson(state, order, ctx.base);
      if (force) state.orders.delete(order.id);
      else state.setStatus(order, 'cancelled');
      ctx.touched.push(['order', 'deleted', order.id]);
      return { body };
    },
  );

  on('GET', `/wp-json/wc/v3/orders/:id${ID}/notes`, 'list', none, (ctx) => ({
    body: orderOf(ctx, 404)
      .notes.map(noteJson)
      .sort((a, b) => b.id - a.id),
  }));

  // ---- webhooks (Version1/class-wc-rest-webhooks-v1-controller.php, V2, V3) ------------------------
  on('GET', '/wp-json/wc/v3/webhooks', 'list', webhookQuery, (ctx, v) => {
    let list = [...state.webhooks.values()];
    if (v.status !== 'all') list = list.filter((w) => w.status === v.status);
    if (v.include) list = list.filter((w) => v.include!.includes(w.id));
    if (v.exclude) list = list.filter((w) => !v.exclude!.includes(w.id));
    if (v.search) list = list.filter((w) => w.name.toLowerCase().includes(v.search!.toLowerCase()));
    const page = paginate(
      ctx,
      v,
      sortItems(
        list,
        v,
        (w) => w.created,
        (w) => w.modified,
        (w) => w.name,
      ),
    );
    return { body: page.items.map((w) => webhookJson(w, ctx.base)), headers: page.headers };
  });

  on(
    'POST',
    '/wp-json/wc/v3/webhooks',
    'create',
    (ctx) => {
      const missing = ['topic', 'delivery_url'].filter((k) => ctx.body[k] === undefined);
      if (missing.length) {
        throw new WooError(
          400,
          'rest_missing_callback_param',
          `Missing parameter(s): ${missing.join(', ')}`,
          {
            params: missing,
          },
        );
      }
      for (const field of ['name', 'topic', 'delivery_url', 'secret', 'status']) {
        ctx.p.check(field, field, ctx.body[field], 'string');
      }
    },
    async (ctx) => {
      if (ctx.body.id) {
        throw new WooError(
          400,
          'woocommerce_rest_shop_webhook_exists',
          'Cannot create existing shop_webhook.',
        );
      }
      const topic = String(ctx.body.topic ?? '').toLowerCase();
      if (!validTopic(topic)) {
        throw new WooError(
          400,
          'woocommerce_rest_shop_webhook_invalid_topic',
          'Webhook topic is required and must be valid.',
        );
      }
      if (!validUrl(ctx.body.delivery_url)) {
        throw new WooError(
          400,
          'woocommerce_rest_shop_webhook_invalid_delivery_url',
          'Webhook delivery URL must be a valid URL starting with http:// or https://.',
        );
      }
      const now = state.now();
      const [resource, event] = topic.split('.') as [string, string];
      const webhook = {
        id: state.nextWebhookId(),
        name:
          typeof ctx.body.name === 'string' && ctx.body.name
            ? ctx.body.name
            : `Webhook created on ${wcDate(now)}`,
        // Always active on create, whatever `status` says (the controller sets it from the post status).
        status: 'active' as const,
        topic,
        resource,
        event,
        deliveryUrl: String(ctx.body.delivery_url),
        // No secret: wp_generate_password( 50, true, true ).
        secret:
          typeof ctx.body.secret === 'string' && ctx.body.secret
            ? ctx.body.secret
            : randomBytes(48).toString('base64').slice(0, 50),
        failureCount: 0,
        pendingDelivery: true,
        created: now,
        modified: now,
      };
      state.webhooks.set(webhook.id, webhook);
      const body = webhookJson(webhook, ctx.base);
      await dispatcher.ping(webhook);
      return created(body, `${ctx.base}/wp-json/wc/v3/webhooks/${webhook.id}`);
    },
  );

  on('GET', `/wp-json/wc/v3/webhooks/:id${ID}`, 'view', none, (ctx) => {
    const webhook = state.webhooks.get(Number(ctx.params.id));
    if (!webhook) throw new WooError(404, 'woocommerce_rest_shop_webhook_invalid_id', 'Invalid ID.');
    return { body: webhookJson(webhook, ctx.base) };
  });

  on(
    EDITABLE,
    `/wp-json/wc/v3/webhooks/:id${ID}`,
    'edit',
    (ctx) => {
      for (const field of ['name', 'topic', 'delivery_url', 'secret', 'status']) {
        ctx.p.check(field, field, ctx.body[field], 'string');
      }
    },
    (ctx) => {
      const webhook = state.webhooks.get(Number(ctx.params.id));
      if (!webhook) throw new WooError(400, 'woocommerce_rest_shop_webhook_invalid_id', 'ID is invalid.');
      const b = ctx.body;
      if (b.topic) {
        if (!validTopic(String(b.topic).toLowerCase())) {
          throw new WooError(
            400,
            'woocommerce_rest_shop_webhook_invalid_topic',
            'Webhook topic must be valid.',
          );
        }
        webhook.topic = String(b.topic).toLowerCase();
        [webhook.resource, webhook.event] = webhook.topic.split('.') as [string, string];
      }
      if (b.delivery_url) {
        if (!validUrl(b.delivery_url)) {
          throw new WooError(
            400,
            'woocommerce_rest_shop_webhook_invalid_delivery_url',
            'Webhook delivery URL must be a valid URL starting with http:// or https://.',
          );
        }
        webhook.deliveryUrl = String(b.delivery_url);
      }
      if (b.secret) webhook.secret = String(b.secret);
      if (b.status) {
        if (!['active', 'paused', 'disabled'].includes(String(b.status).toLowerCase())) {
          throw new WooError(
            400,
            'woocommerce_rest_shop_webhook_invalid_status',
            'Webhook status must be valid.',
          );
        }
        webhook.status = String(b.status).toLowerCase() as typeof webhook.status;
        if (webhook.status === 'active') webhook.failureCount = 0;
      }
      if (typeof b.name === 'string') webhook.name = b.name;
      webhook.modified = state.now();
      return { body: webhookJson(webhook, ctx.base) };
    },
  );

  on(
    'DELETE',
    `/wp-json/wc/v3/webhooks/:id${ID}`,
    'delete',
    (ctx) => ctx.p.bool(ctx.query, 'force'),
    (ctx, force) => {
      if (!force) {
        throw new WooError(501, 'woocommerce_rest_trash_not_supported', 'Webhooks do not support trashing.');
      }
      const webhook = state.webhooks.get(Number(ctx.params.id));
      if (!webhook) throw new WooError(404, 'woocommerce_rest_shop_webhook_invalid_id', 'Invalid ID.');
      state.webhooks.delete(webhook.id);
      return { body: webhookJson(webhook, ctx.base) };
    },
  );

  // ---- Shipment Tracking extension (WC_Shipment_Tracking_Order_REST_API_Controller) ----------------
  const TRACKING = '/wp-json/wc-shipment-tracking/v3/orders/:id(^\\d+$)/shipment-trackings';
  const trackedOrder = (ctx: Ctx) => {
    const order = state.orders.get(Number(ctx.params.id));
    if (!order) throw new WooError(404, 'woocommerce_rest_order_invalid_id', 'Invalid order ID.');
    return order;
  };
  const trackingItems = (order: SandboxOrder): TrackingItem[] => {
    const value = order.meta.find((m) => m.key === TRACKING_META)?.value;
    return Array.isArray(value) ? (value as TrackingItem[]) : [];
  };

  on('GET', TRACKING, 'list', none, (ctx) => ({
    body: trackingItems(trackedOrder(ctx)).map(trackingJson),
  }));

  on(
    'POST',
    TRACKING,
    'create',
    (ctx) => {
      if (ctx.body.tracking_number === undefined) {
        throw new WooError(400, 'rest_missing_callback_param', 'Missing parameter(s): tracking_number', {
          params: ['tracking_number'],
        });
      }
      for (const f of [
        'tracking_provider',
        'custom_tracking_provider',
        'custom_tracking_link',
        'tracking_number',
      ]) {
        ctx.p.check(f, f, ctx.body[f], 'string');
      }
    },
    (ctx) => {
      const order = trackedOrder(ctx);
      const b = ctx.body;
      const custom = typeof b.custom_tracking_provider === 'string' ? b.custom_tracking_provider : '';
      const provider = custom
        ? ''
        : String(b.tracking_provider ?? '')
            .toLowerCase()
            .replace(/\s+/g, '-');
      const shipped = b.date_shipped ? Date.parse(String(b.date_shipped)) : Date.now();
      const item: TrackingItem = {
        tracking_provider: provider,
        custom_tracking_provider: custom,
        custom_tracking_link: typeof b.custom_tracking_link === 'string' ? b.custom_tracking_link : '',
        tracking_number: String(b.tracking_number),
        date_shipped: String(Math.floor((Number.isNaN(shipped) ? Date.now() : shipped) / 1000)),
        tracking_id: createHash('md5')
          .update(`${provider || custom}-${b.tracking_number}${process.hrtime.bigint()}`)
          .digest('hex'),
      };
      order.meta = state.updateMeta(order.meta, TRACKING_META, [...trackingItems(order), item]);
      order.modified = state.now();
      ctx.touched.push(['order', 'updated', order.id]);
      return { status: 201, body: trackingJson(item) };
    },
  );

  on('GET', `${TRACKING}/:tid`, 'view', none, (ctx) => {
    const item = trackingItems(trackedOrder(ctx)).find((i) => i.tracking_id === ctx.params.tid);
    if (!item) throw new WooError(404, 'woocommerce_rest_order_invalid_id', 'Invalid tracking ID.');
    return { body: trackingJson(item) };
  });

  on('DELETE', `${TRACKING}/:tid`, 'delete', none, (ctx) => {
    const order = trackedOrder(ctx);
    const items = trackingItems(order);
    const item = items.find((i) => i.tracking_id === ctx.params.tid);
    if (!item) throw new WooError(404, 'woocommerce_rest_order_invalid_id', 'Invalid tracking ID.');
    order.meta = state.updateMeta(
      order.meta,
      TRACKING_META,
      items.filter((i) => i !== item),
    );
    order.modified = state.now();
    ctx.touched.push(['order', 'updated', order.id]);
    return { body: { message: 'Successfully deleted tracking.' } };
  });

  // ---- argument sets -------------------------------------------------------------------------------
  function collection(ctx: Ctx, orderby: readonly string[]) {
    const p = ctx.p;
    const q = ctx.query;
    return {
      perPage: p.int(q, 'per_page', 10, 1, 100),
      page: p.int(q, 'page', 1, 1),
      offset: q.offset !== undefined ? p.int(q, 'offset', 0) : undefined,
      order: p.oneOf(q, 'order', ['asc', 'desc'] as const, 'desc'),
      orderby: p.oneOf(q, 'orderby', orderby, 'date'),
      include: p.ids(q, 'include'),
      exclude: p.ids(q, 'exclude'),
      parent: p.ids(q, 'parent'),
      search: p.text(q, 'search') || undefined,
      after: p.date(q, 'after'),
      before: p.date(q, 'before'),
      modifiedAfter: p.date(q, 'modified_after'),
      modifiedBefore: p.date(q, 'modified_before'),
      datesAreGmt: p.bool(q, 'dates_are_gmt'),
    };
  }

  function productQuery(ctx: Ctx) {
    const p = ctx.p;
    const q = ctx.query;
    return {
      ...collection(ctx, [
        'date',
        'modified',
        'id',
        'include',
        'title',
        'slug',
        'price',
        'popularity',
        'rating',
      ]),
      skus: p
        .text(q, 'sku')
        ?.split(',')
        .map((s) => s.trim()),
      gtins: p
        .text(q, 'global_unique_id')
        ?.split(',')
        .map((s) => s.trim()),
      searchSku: p.text(q, 'search_sku') || undefined,
      status: p.oneOf(
        q,
        'status',
        ['any', 'future', 'trash', 'draft', 'pending', 'private', 'publish'] as const,
        'any',
      ),
      type: p.oneOf(q, 'type', ['', 'simple', 'grouped', 'external', 'variable'] as const, ''),
      stockStatus: p.oneOf(q, 'stock_status', ['', 'instock', 'outofstock', 'onbackorder'] as const, ''),
    };
  }

  function orderQuery(ctx: Ctx) {
    const p = ctx.p;
    const q = ctx.query;
    const statuses = p.list(q, 'status') ?? ['any'];
    const allowed = ['any', 'trash', 'auto-draft', ...ORDER_STATUSES];
    statuses.forEach((s, i) => {
      if (!allowed.includes(s)) p.fail('status', `status[${i}] is not one of ${allowed.join(', ')}.`);
    });
    return {
      ...collection(ctx, ['date', 'modified', 'id', 'include', 'title', 'slug']),
      statuses,
      customer: q.customer !== undefined ? p.int(q, 'customer', 0) : undefined,
      product: q.product !== undefined ? p.int(q, 'product', 0) : undefined,
      createdVia: p.list(q, 'created_via'),
    };
  }

  function webhookQuery(ctx: Ctx) {
    return {
      ...collection(ctx, ['date', 'id', 'title']),
      status: ctx.p.oneOf(ctx.query, 'status', ['all', 'active', 'paused', 'disabled'] as const, 'all'),
    };
  }

  type Collection = ReturnType<typeof collection>;

  function filterCommon<T extends { id: number }>(
    list: T[],
    v: Collection,
    created: (t: T) => number,
    modified: (t: T) => number,
  ): T[] {
    // WP_Date_Query: `after` / `before` are exclusive, compared to the second.
    return list.filter(
      (t) =>
        (!v.include || v.include.includes(t.id)) &&
        !v.exclude?.includes(t.id) &&
        (v.after === undefined || created(t) > floorSecond(v.after)) &&
        (v.before === undefined || created(t) < floorSecond(v.before)) &&
        (v.modifiedAfter === undefined || modified(t) > floorSecond(v.modifiedAfter)) &&
        (v.modifiedBefore === undefined || modified(t) < floorSecond(v.modifiedBefore)),
    );
  }

  /** WP_Query ordering; `date` and `modified` add the id for consistent pages (CRUD controller). */
  function sortItems<T extends { id: number }>(
    list: T[],
    v: Collection,
    created: (t: T) => number,
    modified: (t: T) => number,
    title: (t: T) => string,
  ): T[] {
    if (v.orderby === 'include' && v.include) {
      return [...list].sort((a, b) => v.include!.indexOf(a.id) - v.include!.indexOf(b.id));
    }
    const dir = v.order === 'asc' ? 1 : -1;
    const key = (t: T): number | string => {
      switch (v.orderby) {
        case 'modified':
          return modified(t);
        case 'id':
          return t.id;
        case 'title':
        case 'slug':
          return title(t).toLowerCase();
        default:
          return created(t);
      }
    };
    return [...list].sort((a, b) => {
      const ka = key(a);
      const kb = key(b);
      if (ka < kb) return -dir;
      if (ka > kb) return dir;
      return (a.id - b.id) * dir;
    });
  }

  function paginate<T>(ctx: Ctx, v: Collection, list: T[]) {
    const start = v.offset ?? (v.page - 1) * v.perPage;
    const total = list.length;
    const pages = Math.ceil(total / v.perPage);
    const headers: Record<string, string | string[]> = {
      'X-WP-Total': String(total),
      'X-WP-TotalPages': String(pages),
    };
    const links: string[] = [];
    const link = (page: number) => {
      const params = new URLSearchParams(
        ctx.url.includes('?') ? ctx.url.slice(ctx.url.indexOf('?') + 1) : '',
      );
      params.set('page', String(page));
      return `${ctx.base}${ctx.url.split('?')[0]}?${params.toString()}`;
    };
    if (v.page > 1) links.push(`<${link(Math.min(v.page - 1, Math.max(pages, 1)))}>; rel="prev"`);
    if (pages > v.page) links.push(`<${link(v.page + 1)}>; rel="next"`);
    if (links.length) headers.Link = links;
    return { items: list.slice(start, start + v.perPage), headers };
  }
}

export const TRACKING_META = '_wc_shipment_tracking_items';

interface TrackingItem {
  tracking_provider: string;
  custom_tracking_provider: string;
  custom_tracking_link: string;
  tracking_number: string;
  date_shipped: string;
  tracking_id: string;
}

/** Providers the extension knows (a few of its list), with their link templates. */
const PROVIDER_LINKS: Record<string, string> = {
  colissimo: 'https://www.laposte.fr/outils/suivre-vos-envois?code=%1$s',
  chronopost: 'https://www.chronopost.fr/tracking-no-cms/suivi-page?listeNumerosLT=%1$s',
  dpd: 'https://tracking.dpd.de/parcelstatus?query=%1$s',
  ups: 'https://www.ups.com/track?tracknum=%1$s',
  dhl: 'https://www.dhl.com/en/express/tracking.html?AWB=%1$s',
  fedex: 'https://www.fedex.com/apps/fedextrack/?tracknumbers=%1$s',
};

function trackingJson(item: TrackingItem) {
  const template = PROVIDER_LINKS[item.tracking_provider];
  return {
    tracking_id: item.tracking_id,
    tracking_provider: item.tracking_provider || item.custom_tracking_provider,
    tracking_link:
      item.custom_tracking_link ||
      (template ? template.replace('%1$s', encodeURIComponent(item.tracking_number)) : ''),
    tracking_number: item.tracking_number,
    date_shipped: new Date(Number(item.date_shipped) * 1000).toISOString().slice(0, 10),
  };
}

const floorSecond = (ms: number) => Math.floor(ms / 1000) * 1000;

function created(body: unknown, location: string): Result {
  return { status: 201, body, headers: { Location: location } };
}

/** `woocommerce_rest_{post_type}_invalid_id`: 404 on read and delete, 400 on update (CRUD controller). */
function invalidId(postType: string, status: number): WooError {
  return new WooError(status, `woocommerce_rest_${postType}_invalid_id`, 'Invalid ID.');
}

/** wc_is_webhook_valid_topic (wc-webhook-functions.php). */
function validTopic(topic: string): boolean {
  if (topic.startsWith('action.woocommerce_') || topic.startsWith('action.wc_')) return true;
  const [resource, event, extra] = topic.split('.');
  return (
    extra === undefined &&
    ['coupon', 'customer', 'order', 'product'].includes(resource ?? '') &&
    ['created', 'updated', 'deleted', 'restored'].includes(event ?? '')
  );
}

/** wc_is_valid_url: http(s) with a host. */
function validUrl(value: unknown): boolean {
  if (typeof value !== 'string' || !/^https?:\/\//i.test(value)) return false;
  try {
    return new URL(value).hostname !== '';
  } catch {
    return false;
  }
}

function authenticate(state: ShopState, request: FastifyRequest): ApiKey | undefined {
  const query = parseQuery(request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : '');
  let key = '';
  let secret = '';
  const qk = typeof query.consumer_key === 'string' ? query.consumer_key : '';
  const qs = typeof query.consumer_secret === 'string' ? query.consumer_secret : '';
  const https = request.protocol === 'https';
  if (!state.settings.strictHttps || https) {
    if (qk && qs) {
      key = qk;
      secret = qs;
    } else {
      const header = request.headers.authorization ?? '';
      const m = /^Basic\s+(.+)$/i.exec(header);
      if (m) {
        const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        if (colon > 0) {
          key = decoded.slice(0, colon);
          secret = decoded.slice(colon + 1);
        }
      }
    }
  }
  if (!key || !secret) return undefined;
  const found = state.keys.get(key);
  if (!found) return undefined;
  const a = Buffer.from(found.consumerSecret);
  const b = Buffer.from(secret);
  if (a.length !== b.length || !a.equals(b)) {
    throw new WooError(
      401,
      'woocommerce_rest_authentication_error',
      'Consumer secret is invalid.',
      {},
      {
        'WWW-Authenticate':
          'Basic realm="WooCommerce API. Use a consumer key in the username field and a consumer secret in the password field."',
      },
    );
  }
  return found;
}

function checkKeyPermissions(key: ApiKey, method: string): void {
  if (method === 'GET' || method === 'HEAD') {
    if (key.permissions !== 'read' && key.permissions !== 'read_write') {
      throw new WooError(
        401,
        'woocommerce_rest_authentication_error',
        'The API key provided does not have read permissions.',
      );
    }
  } else if (['POST', 'PUT', 'PATCH', 'DELETE'].includes(method)) {
    if (key.permissions !== 'write' && key.permissions !== 'read_write') {
      throw new WooError(
        401,
        'woocommerce_rest_authentication_error',
        'The API key provided does not have write permissions.',
      );
    }
  }
}

export function sendError(reply: FastifyReply, err: WooError) {
  for (const [name, value] of Object.entries(err.headers)) reply.header(name, value);
  return reply.code(err.status).type('application/json; charset=UTF-8').send(err.body());
}
