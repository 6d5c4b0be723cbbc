import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { decodeCursor, type OrderSummaryRecord } from '../../db/orders';
import { describeReason } from '../../domain/acceptance';
import { billingAddress, shippingAddress } from '../../domain/address';
import { storeShippingMethod } from '../../domain/shipping';
import { ORDER_STATUSES } from '../../domain/statuses';
import { BUILTIN_STORE_ID } from '../../domain/stores';
import type { OrderDecision } from '../../runtime/workflow-gateway';
import { orderWorkflowId } from '../../workflows/messages';
import type { AppDependencies } from '../app';
import { amount, withAmounts } from '../presenters';
import { HttpProblem, notFound, problemSchema } from '../problem';
import { temporalUiUrl } from '../temporal-links';

const addressSchema = z.object({
  firstName: z.string(),
  lastName: z.string(),
  company: z.string(),
  street: z.string(),
  suburb: z.string(),
  city: z.string(),
  postcode: z.string(),
  state: z.string(),
  country: z.string(),
  email: z.string().optional(),
  phone: z.string().optional(),
  relayPointId: z.string().optional(),
});

export const orderSummarySchema = z.object({
  connectionId: z.string(),
  orderId: z.string(),
  status: z.enum(ORDER_STATUSES),
  spartooStatus: z.number().int().nullable(),
  purchasedAt: z.string().nullable().describe("null while Spartoo's copy of the order is unreadable"),
  customerName: z.string(),
  total: z.number().nullable().describe("null while Spartoo's copy of the order is unreadable"),
  acceptanceDeadline: z
    .string()
    .nullable()
    .describe("when Spartoo's acceptance deadline falls (ISO); null: no deadline, or not known yet"),
  deadlinePassed: z.boolean().describe('the deadline passed while the order waited for a decision'),
  updatedAt: z.string(),
});

const orderDetailSchema = orderSummarySchema.extend({
  decision: z
    .object({
      auto: z.boolean(),
      reasons: z.array(
        z.object({ line: z.number(), code: z.string(), message: z.string() }).catchall(z.unknown()),
      ),
    })
    .nullable(),
  billingAddress: addressSchema.nullable(),
  shippingAddress: addressSchema.nullable(),
  shippingAddressCorrected: z
    .boolean()
    .describe(
      'the merchant corrected the shipping address (PATCH …/shipping-address); Spartoo keeps its own',
    ),
  shippingName: z.string(),
  storeShippingMethod: z.string(),
  shippingService: z.string().nullable(),
  items: z.array(
    z.object({
      line: z.number(),
      reference: z.string(),
      sizeReference: z.string(),
      name: z.string(),
      size: z.string(),
      color: z.string(),
      quantity: z.number(),
      unitPrice: z.number(),
      unitPricePaid: z.number(),
      total: z.number(),
    }),
  ),
  totals: z.object({ products: z.number(), shipping: z.number(), total: z.number().nullable() }),
  storeOrderId: z.string().nullable().describe("the shop's id of the imported order"),
  storeId: z.string().nullable().describe('the store the order was imported into'),
  shipments: z.array(
    z.object({
      carrier: z.string(),
      trackingNumber: z.string(),
      shippingService: z.string(),
      at: z.string(),
    }),
  ),
  lastError: z.string().nullable(),
  log: z.array(
    z.object({
      at: z.string(),
      direction: z.string(),
      action: z.string(),
      result: z.string(),
      detail: z.string().nullable(),
    }),
  ),
  workflowId: z.string(),
  temporalUiUrl: z.string(),
});

const orderParams = z.object({ id: z.string().min(1), orderId: z.string().min(1) });
const errors = { 400: problemSchema, 401: problemSchema, 404: problemSchema, 409: problemSchema };

export const summary = (o: OrderSummaryRecord): z.infer<typeof orderSummarySchema> => ({
  connectionId: o.connectionId,
  orderId: o.orderId,
  status: o.status,
  spartooStatus: o.spartooStatus,
  purchasedAt: o.purchasedAt?.toISOString() ?? null,
  customerName: o.customerName,
  total: amount(o.totalCents),
  acceptanceDeadline: o.detail.acceptanceDeadline ?? null,
  deadlinePassed: o.detail.deadlinePassed === true,
  updatedAt: o.updatedAt.toISOString(),
});

/**
 * The statuses in which the shipping address can still be corrected: accepted (or being accepted) and
 * not imported yet. Spartoo freezes its copy once accepted: the correction reaches the shop only.
 */
export const ADDRESS_CORRECTABLE_STATUSES = ['IMPORT_FAILED', 'ACCEPTED', 'ACCEPT_FAILED'] as const;

const text = (max: number) => z.string().trim().max(max, `must be at most ${max} characters`);
const required = (max: number) => text(max).min(1, 'is required');

/** A full shipping address in SPEC's shape; the fields a shop cannot ship without are required. */
const addressCorrectionSchema = z.strictObject({
  firstName: text(100),
  lastName: required(100),
  company: text(200),
  street: required(300),
  suburb: text(200),
  city: required(100),
  postcode: required(20),
  state: text(100),
  country: required(100),
  email: z.email('must be an e-mail address').max(200).optional(),
  phone: text(50).optional(),
  relayPointId: required(100).optional(),
});

/** One line of an address for the order's log (customer data: the order's own log only). */
const oneLine = (a: z.infer<typeof addressSchema>) =>
  [
    `${a.firstName} ${a.lastName}`.trim(),
    a.company,
    a.street,
    a.suburb,
    `${a.postcode} ${a.city}`.trim(),
    a.state,
    a.country,
    a.email,
    a.phone,
    a.relayPointId ? `relay ${a.relayPointId}` : '',
  ]
    .filter((part) => part?.trim())
    .join(', ');

export const orderRoutes: FastifyPluginAsyncZod<AppDependencies> = async (app, deps) => {
  async function details(connectionId: string, orderId: string): Promise<z.infer<typeof orderDetailSchema>> {
    const order = await deps.orders.get(connectionId, orderId);
    if (!order) throw notFound(`Order ${orderId} of connection ${connectionId}`);
    // Addresses and shipping method as imported: the built-in store keeps them; another shop is not
    // called for a read, the order's Spartoo copy tells them.
    const importedInto =
      order.detail.storeOrderId !== undefined ? (order.detail.storeId ?? BUILTIN_STORE_ID) : null;
    const [connection, storeOrder, log] = await Promise.all([
      deps.connections.get(connectionId),
      importedInto === null || importedInto === BUILTIN_STORE_ID
        ? deps.store.findStoreOrder(connectionId, orderId)
        : undefined,
      deps.orders.readLog(connectionId, orderId),
    ]);
    const spartoo = order.detail.spartoo;
    const settings = connection?.settings;
    const workflowId = orderWorkflowId(connectionId, orderId);
    const shipments = order.detail.shipments ?? [];
    const decision = order.detail.decision;
    const productsCents = spartoo?.products.reduce((sum, l) => sum + l.finalPriceCents, 0) ?? 0;
    return {
      ...summary(order),
      decision: decision
        ? {
            auto: decision.accepted,
            reasons: decision.reasons.map((r) => ({
              ...(withAmounts(r) as object),
              message: describeReason(r),
            })) as never,
          }
        : null,
      billingAddress: storeOrder?.billingAddress ?? (spartoo ? billingAddress(spartoo) : null),
      shippingAddress:
        storeOrder?.shippingAddress ??
        order.detail.shippingAddressCorrection ??
        (spartoo
          ? shippingAddress(spartoo, {
              useBillingAddressForShipping: settings?.useBillingAddressForShipping ?? false,
            })
          : null),
      shippingAddressCorrected: order.detail.shippingAddressCorrection !== undefined,
      shippingName: spartoo?.shippingName ?? '',
      storeShippingMethod:
        storeOrder?.shippingMethod ??
        storeShippingMethod(spartoo?.shippingName ?? '', settings?.storeShippingMethodMap ?? {}),
      shippingService: shipments.at(-1)?.shippingService ?? null,
      items: (spartoo?.products ?? []).map((l, i) => ({
        line: i + 1,
        reference: l.productsReference,
        sizeReference: l.productsSizeReference,
        name: l.productsName,
        size: l.productsSize,
        color: l.productsColor,
        quantity: l.productsQty,
        unitPrice: amount(l.priceUnitCents)!,
        unitPricePaid: amount(l.priceUnitWithReduceCents ?? l.priceUnitCents)!,
        total: amount(l.finalPriceCents)!,
      })),
      totals: {
        products: amount(productsCents)!,
        shipping: amount(spartoo?.shippingPriceCents ?? 0)!,
        total: amount(order.totalCents),
      },
      storeOrderId:
        order.detail.storeOrderId !== undefined
          ? String(order.detail.storeOrderId)
          : (storeOrder?.id ?? null),
      storeId: importedInto ?? (storeOrder ? BUILTIN_STORE_ID : null),
      shipments,
      lastError: order.detail.lastError ?? null,
      log: log.map((e) => ({
        at: e.at.toISOString(),
        direction: e.direction,
        action: e.action,
        result: e.result,
        detail: e.detail,
      })),
      workflowId,
      temporalUiUrl: temporalUiUrl(deps.temporalUiUrl, deps.namespace, workflowId),
    };
  }

  app.get(
    '/orders',
    {
      schema: {
        tags: ['orders'],
        querystring: z.object({
          connectionId: z.string().optional(),
          status: z.enum(ORDER_STATUSES).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(50),
          cursor: z.string().optional(),
        }),
        response: {
          200: z.object({ items: z.array(orderSummarySchema), nextCursor: z.string().nullable() }),
          ...errors,
        },
      },
    },
    async (request) => {
      const { cursor, ...filter } = request.query;
      const decoded = cursor ? decodeCursor(cursor) : undefined;
      if (cursor && !decoded) {
        throw new HttpProblem(400, 'Invalid cursor', [
          { field: 'query.cursor', message: 'is not a cursor of this API' },
        ]);
      }
      const page = await deps.orders.list({ ...filter, cursor: decoded });
      return { items: page.items.map(summary), nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/orders/counts',
    {
      schema: {
        tags: ['orders'],
        summary: 'How many orders in each status (for the Attention view)',
        querystring: z.object({ connectionId: z.string().optional() }),
        response: { 200: z.object({ counts: z.record(z.enum(ORDER_STATUSES), z.number()) }), ...errors },
      },
    },
    async (request) => {
      const found = await deps.orders.countByStatus(request.query.connectionId);
      return {
        counts: Object.fromEntries(ORDER_STATUSES.map((s) => [s, found[s] ?? 0])) as Record<
          (typeof ORDER_STATUSES)[number],
          number
        >,
      };
    },
  );

  app.get(
    '/connections/:id/orders/:orderId',
    { schema: { tags: ['orders'], params: orderParams, response: { 200: orderDetailSchema, ...errors } } },
    async (request) => details(request.params.id, request.params.orderId),
  );

  app.patch(
    '/connections/:id/orders/:orderId/shipping-address',
    {
      schema: {
        tags: ['orders'],
        summary: 'Correct the shipping address before the import (then retry a failed import)',
        description:
          'Only while the order is IMPORT_FAILED, ACCEPTED or ACCEPT_FAILED (else 409). The corrected address ' +
          "is imported into the shop instead of Spartoo's; Spartoo keeps its own (it freezes the address " +
          "once accepted). The change and the address it replaces are in the order's communications log.",
        params: orderParams,
        body: addressCorrectionSchema,
        response: { 200: orderDetailSchema, ...errors },
      },
    },
    async (request) => {
      const { id, orderId } = request.params;
      const before = await details(id, orderId);
      const correctable: readonly string[] = ADDRESS_CORRECTABLE_STATUSES;
      const refusal = () =>
        new HttpProblem(
          409,
          `Order ${orderId} is ${before.status}: the shipping address can be corrected only before the import (${ADDRESS_CORRECTABLE_STATUSES.join(', ')})`,
        );
      if (!correctable.includes(before.status)) throw refusal();
      const { phone, ...rest } = request.body;
      const corrected = { ...rest, ...(phone ? { phone } : {}) };
      if (!(await deps.orders.correctShippingAddress(id, orderId, corrected, ADDRESS_CORRECTABLE_STATUSES)))
        throw refusal();
      await deps.orders.log(id, orderId, {
        direction: 'TO_STORE',
        action: 'shipping address corrected by the merchant (for the shop only; Spartoo keeps its own)',
        result: 'used at the next import',
        detail: `before: ${before.shippingAddress ? oneLine(before.shippingAddress) : '(none)'}; after: ${oneLine(corrected)}`,
      });
      return details(id, orderId);
    },
  );

  for (const decision of ['accept', 'refuse', 'retry'] as OrderDecision[]) {
    app.post(
      `/connections/:id/orders/:orderId/${decision}`,
      { schema: { tags: ['orders'], params: orderParams, response: { 200: orderDetailSchema, ...errors } } },
      async (request) => {
        const { id, orderId } = request.params;
        const order = await deps.orders.get(id, orderId);
        if (!order) throw notFound(`Order ${orderId} of connection ${id}`);
        await deps.workflows.decideOrder(id, orderId, decision);
        return details(id, orderId);
      },
    );
  }
};
