import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { amountToCents, isAmountWithCents } from '../../domain/money';
import type { StoreProduct } from '../../domain/types';
import type { StoreOrder } from '../../store/store';
import type { AppDependencies } from '../app';
import { amount, withAmounts } from '../presenters';
import { conflict, notFound, problemSchema } from '../problem';

const money = z
  .number()
  .nonnegative()
  .refine(isAmountWithCents, 'must have at most 2 decimals')
  .describe('in the currency unit, e.g. 49.9');
const optionalText = z.string().trim().max(200).nullable().optional();

const productInputSchema = z.strictObject({
  id: z.string().trim().min(1).max(200),
  sku: optionalText,
  ean: optionalText,
  reference: optionalText,
  name: z.string().max(500).nullable().optional(),
  stock: z.number().int(),
  priceFinalInclTax: money.nullable().optional(),
  priceOriginalInclTax: money.nullable().optional(),
  attributes: z.record(z.string(), z.string()).optional(),
});

/** Most repeated ids named one by one in a refusal; the rest are counted. */
const MAX_REPEATS_NAMED = 100;

/**
 * One batch of products. The same id twice would make the upsert touch one row twice, which PostgreSQL
 * refuses: a 400 naming each repeated id (at its first repeat), and nothing saved.
 */
const productsInputSchema = z
  .array(productInputSchema)
  .max(50_000)
  .superRefine((products, ctx) => {
    const firstIndex = new Map<string, number>();
    const repeated = new Set<string>();
    let unnamed = 0;
    products.forEach((product, index) => {
      const first = firstIndex.get(product.id);
      if (first === undefined) {
        firstIndex.set(product.id, index);
      } else if (!repeated.has(product.id) && repeated.size < MAX_REPEATS_NAMED) {
        repeated.add(product.id);
        ctx.addIssue({
          code: 'custom',
          path: [index, 'id'],
          message: `repeats the id "${product.id}" of item ${first}: each product id once per request`,
        });
      } else if (!repeated.has(product.id)) {
        unnamed++;
        repeated.add(product.id);
      }
    });
    if (unnamed) ctx.addIssue({ code: 'custom', message: `repeats ${unnamed} more product ids` });
  });

const productSchema = z.object({
  id: z.string(),
  sku: z.string().nullable(),
  ean: z.string().nullable(),
  reference: z.string().nullable(),
  name: z.string().nullable(),
  stock: z.number(),
  priceFinalInclTax: z.number().nullable(),
  priceOriginalInclTax: z.number().nullable(),
  attributes: z.record(z.string(), z.string()),
});

const addressSchema = z.record(z.string(), z.unknown());
const storeOrderSchema = z.object({
  id: z.string().describe('the order number, as a decimal string'),
  connectionId: z.string(),
  marketplaceOrderId: z.string(),
  status: z.enum(['OPEN', 'SHIPPED', 'CANCELLED']),
  billingAddress: addressSchema,
  shippingAddress: addressSchema,
  shippingMethod: z.string(),
  items: z.array(
    z.object({
      productId: z.string(),
      key: z.string(),
      name: z.string(),
      quantity: z.number(),
      unitPrice: z.number(),
    }),
  ),
  total: z.number(),
  carrier: z.string().nullable(),
  trackingNumber: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const presentProduct = (p: StoreProduct): z.infer<typeof productSchema> => ({
  id: p.id,
  sku: p.sku ?? null,
  ean: p.ean ?? null,
  reference: p.reference ?? null,
  name: p.name ?? null,
  stock: p.stock,
  priceFinalInclTax: amount(p.priceFinalInclTaxCents),
  priceOriginalInclTax: amount(p.priceOriginalInclTaxCents),
  attributes: p.attributes ?? {},
});

const presentOrder = (o: StoreOrder) =>
  ({
    ...(withAmounts({ ...o, createdAt: undefined, updatedAt: undefined }) as object),
    createdAt: o.createdAt.toISOString(),
    updatedAt: o.updatedAt.toISOString(),
  }) as z.infer<typeof storeOrderSchema>;

const idParams = z.object({ id: z.string().min(1) });
const orderIdParams = z.object({ id: z.coerce.number().int().positive() });
const errors = { 400: problemSchema, 401: problemSchema, 404: problemSchema, 409: problemSchema };

/** The built-in store: the merchant's shop in the demo and the tests. */
export const storeRoutes: FastifyPluginAsyncZod<AppDependencies> = async (app, deps) => {
  app.put(
    '/store/products',
    {
      bodyLimit: 20 * 1024 * 1024,
      schema: {
        tags: ['store'],
        body: productsInputSchema,
        response: { 200: z.object({ upserted: z.number() }), ...errors },
      },
    },
    async (request) => {
      const upserted = await deps.store.upsertProducts(
        request.body.map(({ priceFinalInclTax, priceOriginalInclTax, ...p }) => ({
          ...p,
          priceFinalInclTaxCents: priceFinalInclTax == null ? null : amountToCents(priceFinalInclTax),
          priceOriginalInclTaxCents:
            priceOriginalInclTax == null ? null : amountToCents(priceOriginalInclTax),
        })),
      );
      return { upserted };
    },
  );

  app.get(
    '/store/products',
    {
      schema: {
        tags: ['store'],
        querystring: z.object({
          search: z.string().optional(),
          limit: z.coerce.number().int().min(1).max(500).default(100),
          cursor: z.string().optional(),
        }),
        response: { 200: z.object({ items: z.array(productSchema), nextCursor: z.string().nullable() }) },
      },
    },
    async (request) => {
      const { limit, search, cursor } = request.query;
      const rows = await deps.store.listProducts({ search, limit: limit + 1, after: cursor });
      const items = rows.slice(0, limit);
      return { items: items.map(presentProduct), nextCursor: rows.length > limit ? items.at(-1)!.id : null };
    },
  );

  app.get(
    '/store/products/:id',
    { schema: { tags: ['store'], params: idParams, response: { 200: productSchema, ...errors } } },
    async (request) => {
      const product = await deps.store.getProduct(request.params.id);
      if (!product) throw notFound(`Product ${request.params.id}`);
      return presentProduct(product);
    },
  );

  app.get(
    '/store/orders',
    {
      schema: {
        tags: ['store'],
        querystring: z.object({
          connectionId: z.string().optional(),
          limit: z.coerce.number().int().min(1).max(500).default(50),
          cursor: z.coerce.number().int().positive().optional(),
        }),
        response: { 200: z.object({ items: z.array(storeOrderSchema), nextCursor: z.string().nullable() }) },
      },
    },
    async (request) => {
      const { connectionId, limit, cursor } = request.query;
      const rows = await deps.store.listOrders({ connectionId, limit: limit + 1, before: cursor });
      const items = rows.slice(0, limit);
      return {
        items: items.map(presentOrder),
        nextCursor: rows.length > limit ? items.at(-1)!.id : null,
      };
    },
  );

  app.get(
    '/store/orders/:id',
    { schema: { tags: ['store'], params: orderIdParams, response: { 200: storeOrderSchema, ...errors } } },
    async (request) => {
      const order = await deps.store.getOrder(request.params.id);
      if (!order) throw notFound(`Store order ${request.params.id}`);
      return presentOrder(order);
    },
  );

  app.post(
    '/store/orders/:id/ship',
    {
      schema: {
        tags: ['store'],
        params: orderIdParams,
        body: z.strictObject({
          carrier: z.string().trim().min(1).max(100),
          trackingNumber: z.string().trim().min(1).max(100),
        }),
        response: { 200: storeOrderSchema, ...errors },
      },
    },
    async (request) => {
      const existing = await deps.store.getOrder(request.params.id);
      if (!existing) throw notFound(`Store order ${request.params.id}`);
      const again =
        existing.status === 'SHIPPED' &&
        existing.carrier === request.body.carrier &&
        existing.trackingNumber === request.body.trackingNumber;
      if (existing.status !== 'OPEN' && !again)
        throw conflict(`Store order ${existing.id} is ${existing.status}, not OPEN`);
      // Tell the workflow first: if Temporal is down nothing is half-written and the merchant can retry;
      // the same shipment sent again (an answer lost) tells it again and changes nothing more.
      await deps.workflows.orderShipped(existing.connectionId, existing.marketplaceOrderId, request.body);
      const shipped = again ? existing : await deps.store.shipOrder(existing.id, request.body);
      return presentOrder(shipped ?? existing);
    },
  );

  app.post(
    '/store/orders/:id/cancel',
    { schema: { tags: ['store'], params: orderIdParams, response: { 200: storeOrderSchema, ...errors } } },
    async (request) => {
      const existing = await deps.store.getOrder(request.params.id);
      if (!existing) throw notFound(`Store order ${request.params.id}`);
      if (existing.status === 'SHIPPED')
        throw conflict(`Store order ${existing.id} is SHIPPED: too late to cancel`);
      const order = await deps.orders.get(existing.connectionId, existing.marketplaceOrderId);
      // Cancelled before, and Spartoo told: a repeated cancel (an answer lost) is done already.
      if (existing.status === 'CANCELLED' && order?.status === 'CANCELLED') return presentOrder(existing);
      // The order's workflow owns the cancellation: it cancels and restocks the store order, then sends
      // Spartoo 41. Until it has, nothing is changed here, so a failed call can simply be repeated.
      await deps.workflows.decideOrder(existing.connectionId, existing.marketplaceOrderId, 'cancel');
      return presentOrder((await deps.store.getOrder(existing.id)) ?? existing);
    },
  );
};
