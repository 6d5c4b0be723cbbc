/**
 * The sandbox's admin side (SPEC §7): JSON routes with which a test, a demo or the benchmark plays
 * Spartoo: creates merchants, orders and returns, makes Spartoo-side status changes, reads what the
 * webservices received and injects faults.
 *
 * Data faults (issue "Nothing lost, nothing stuck"): an order or a return can be exported in a shape
 * the connector cannot read, while the sandbox keeps behaving normally with its real values (it can
 * still be accepted, shipped, filtered by date and status).
 * | method and path | does |
 * |---|---|
 * | `POST /_sandbox/orders` | also takes `corrupt` (next to `order`, or inside it): `{tag: text \| null}`; xml_export_orders.php writes `text` in place of the tag's value, `null` leaves the tag out. Order tags: `orders_id`, `payment_method`, `payment_price`, `shipping_price`, `shipping_name`, `order_total`, `orders_status_id`, `orders_status_name`, `date_purchased`, `last_modified`; line tags (every line): `products_*` (e.g. `products_qty`, `products_price_unit`, `products_price_unit_with_reduce`). Another tag → 400 |
 * | `POST /_sandbox/orders/:oID/corrupt` | `{corrupt}` → 200 order: replaces the order's corruption (`{}` repairs) |
 * | `POST /_sandbox/orders/:oID/repair` | → 200 order: exported with its real values again |
 * | `POST /_sandbox/returns` | also takes `corrupt` (next to `return`, or inside it); tags `return_id`, `return_date`, `return_status`, `return_status_name`, `return_reason`, `order`, and the product's `products_*` |
 * | `POST /_sandbox/returns/:rID/corrupt` · `POST /_sandbox/returns/:rID/repair` | as for orders |
 * `GET /_sandbox/orders/:oID` and `GET /_sandbox/returns/:rID` show the real values and, while set, `corrupt`.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { formatAmount, formatSpartooDateTime, parseSpartooDate, toCents } from '../values';
import {
  fakeCustomer,
  fakeDelivery,
  fakePaymentMethod,
  fakeProduct,
  fakeRelay,
  fakeReturnReason,
  HOME_SHIPPING,
  hexId,
  pick,
  RELAY_NETWORKS,
} from './fake-data';
import {
  type Corruption,
  CUSTOMER_FIELDS,
  DELIVERY_FIELDS,
  type Fields,
  maskPartenaire,
  ORDER_CORRUPTIBLE_FIELDS,
  ORDER_STATUS_NAMES,
  PRODUCT_FIELDS,
  RELAY_FIELDS,
  RETURN_CORRUPTIBLE_FIELDS,
  RETURN_PRODUCT_FIELDS,
  RETURN_STATUS_NAMES,
  type SandboxOrder,
  type SandboxReturn,
  type SandboxState,
} from './state';
import { SCRIPTS, spartooOrderTransition } from './webservices';

/** A value as a test may give it: text or number; null leaves the tag out of Spartoo's documents. */
const scalar = z.union([z.string(), z.number()]).transform(String);
const fieldsInput = z.record(z.string(), scalar.nullable());
const partenaire = z.string().trim().min(1, 'is required');

/** A `corrupt` object: only tags the exports can carry broken; text written as given, null: no tag. */
const corruptionInput = (allowed: readonly string[]) =>
  z.record(z.string(), scalar.nullable()).superRefine((corruption, ctx) => {
    for (const name of Object.keys(corruption)) {
      if (!allowed.includes(name)) {
        ctx.addIssue({ code: 'custom', path: [name], message: `is not a tag the sandbox can corrupt` });
      }
    }
  });
const orderCorruption = corruptionInput([...ORDER_CORRUPTIBLE_FIELDS, ...PRODUCT_FIELDS]);
const returnCorruption = corruptionInput([...RETURN_CORRUPTIBLE_FIELDS, ...RETURN_PRODUCT_FIELDS]);

const orderInput = z.object({
  orders_id: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1 to 64 letters, digits, _ or -')
    .optional(),
  customers: fieldsInput.optional(),
  delivery: z
    .object({ relay_info: fieldsInput.nullable().optional() })
    .catchall(scalar.nullable())
    .optional(),
  payment_method: scalar.optional(),
  payment_price: scalar.optional(),
  shipping_price: scalar.optional(),
  shipping_name: scalar.optional(),
  order_total: scalar.optional(),
  date_purchased: scalar.optional(),
  products: z.array(fieldsInput).optional(),
  corrupt: orderCorruption.optional(),
});

const returnInput = z.object({
  return_id: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1 to 64 letters, digits, _ or -')
    .optional(),
  order: z.string().optional(),
  return_reason: scalar.optional(),
  return_date: scalar.optional(),
  product: fieldsInput.optional(),
  corrupt: returnCorruption.optional(),
});

const statutInput = z.object({ statut: z.coerce.number().int() });

/** The corruption given next to the order (or return) and inside it; none when both are absent. */
function corruptionOf(...given: (Corruption | undefined)[]): Corruption | undefined {
  const merged = Object.assign({}, ...given.filter(Boolean)) as Corruption;
  return Object.keys(merged).length ? merged : undefined;
}

const rate = z.number().min(0).max(1).optional().default(0);
const faultsInput = z.object({
  failureRate: rate,
  latencyMs: z.number().int().min(0).max(120_000).optional().default(0),
  rateLimitPerHour: z.number().int().min(0).optional().default(0),
  malformedRate: rate,
  timeoutRate: rate,
  /** Only these webservices fail (say, the stock push's while the polls answer); all when absent. */
  scripts: z
    .array(z.enum(Object.keys(SCRIPTS) as [string, ...string[]]))
    .min(1)
    .optional(),
});

class InputError extends Error {}

function badRequest(reply: FastifyReply, error: z.ZodError | InputError) {
  if (error instanceof InputError) return reply.code(400).send({ error: error.message });
  return reply.code(400).send({
    error: 'invalid body',
    issues: error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
  });
}

const notFound = (reply: FastifyReply, what: string) => reply.code(404).send({ error: `${what} not found` });

/** Given fields over defaults, keeping only Spartoo's tags; a null drops the tag. */
function merge(
  names: readonly string[],
  defaults: Fields,
  given: Record<string, string | null> = {},
): Fields {
  const out: Fields = {};
  for (const name of names) {
    const value = name in given ? given[name] : defaults[name];
    if (value !== undefined && value !== null) out[name] = value;
  }
  return out;
}

function cents(value: string, field: string): number {
  try {
    return toCents(value);
  } catch {
    throw new InputError(`${field} is not an amount: "${value}"`);
  }
}

function spartooDate(value: string | undefined, field: string): string {
  if (value === undefined) return formatSpartooDateTime(new Date());
  let date: Date | undefined;
  try {
    date = parseSpartooDate(value);
  } catch {
    date = undefined;
  }
  if (!date) throw new InputError(`${field} is not a date: "${value}"`);
  return formatSpartooDateTime(date);
}

/** One line: what the test gave, and consistent plausible values for the rest. */
function buildProduct(state: SandboxState, given: Record<string, string | null>): Fields {
  const fake = fakeProduct(state.random);
  const reference = given.products_reference ?? fake.products_reference!;
  const size = given.products_size ?? fake.products_size!;
  const unit =
    given.products_price_unit ?? given.products_price_unit_with_reduce ?? fake.products_price_unit!;
  // A given unit price is also the price paid unless a reduced price is given too.
  const paid =
    'products_price_unit_with_reduce' in given
      ? given.products_price_unit_with_reduce
      : given.products_price_unit !== undefined
        ? given.products_price_unit
        : fake.products_price_unit_with_reduce;
  const qty = given.products_qty ?? '1';
  if (!/^\d+$/.test(qty.trim())) throw new InputError(`products_qty is not a quantity: "${qty}"`);
  const defaults: Fields = {
    ...fake,
    products_reference: reference,
    products_size: size,
    products_size_reference: `${reference}-${size}`,
    products_qty: qty,
    products_price_unit: unit,
    products_final_price: formatAmount(cents(paid ?? unit, 'products_price_unit') * Number(qty)),
  };
  if (paid !== null && paid !== undefined) defaults.products_price_unit_with_reduce = paid;
  return merge(PRODUCT_FIELDS, defaults, given);
}

function buildOrder(state: SandboxState, merchant: string, input: z.infer<typeof orderInput>): SandboxOrder {
  const random = state.random;
  let ordersId = input.orders_id;
  if (ordersId !== undefined && state.orders.has(ordersId)) throw new InputError(`order ${ordersId} exists`);
  while (ordersId === undefined || state.orders.has(ordersId)) ordersId = hexId(random);

  const customers = merge(CUSTOMER_FIELDS, fakeCustomer(random), input.customers);
  let delivery: Fields;
  let relayInfo: Fields | undefined;
  let shippingName = input.shipping_name;
  if (input.delivery) {
    // A given delivery is used as is: a relay point only when the test gives one.
    const { relay_info, ...address } = input.delivery;
    const sameAsBuyer = Object.fromEntries(
      DELIVERY_FIELDS.map((f) => [f, customers[f.replace('delivery_', 'customers_')] ?? '']),
    );
    delivery = merge(DELIVERY_FIELDS, sameAsBuyer, address);
    if (relay_info) {
      const network = RELAY_NETWORKS.find((n) => n.shipping === shippingName) ?? RELAY_NETWORKS[0]!;
      relayInfo = merge(RELAY_FIELDS, fakeRelay(random, network), relay_info);
    }
  } else {
    delivery = fakeDelivery(random, customers);
    const relayNetwork = RELAY_NETWORKS.find((n) => n.shipping === shippingName);
    if (relayNetwork || (shippingName === undefined && random() < 0.3)) {
      const network = relayNetwork ?? pick(random, RELAY_NETWORKS);
      relayInfo = fakeRelay(random, network);
      shippingName ??= network.shipping;
    }
  }
  shippingName ??= pick(random, HOME_SHIPPING);

  const products = (input.products ?? [{}]).map((line) => buildProduct(state, line));
  const paymentPrice = input.payment_price ?? '0.00';
  const shippingPrice = input.shipping_price ?? (relayInfo ? '3.90' : pick(random, ['0.00', '4.90', '5.90']));
  const linesCents = products.reduce(
    (sum, p) => sum + (p.products_final_price ? cents(p.products_final_price, 'products_final_price') : 0),
    0,
  );
  const orderTotal =
    input.order_total ??
    formatAmount(linesCents + cents(shippingPrice, 'shipping_price') + cents(paymentPrice, 'payment_price'));
  const datePurchased = spartooDate(input.date_purchased, 'date_purchased');

  return {
    partenaire: merchant,
    orders_id: ordersId,
    customers,
    delivery,
    ...(relayInfo ? { relay_info: relayInfo } : {}),
    payment_method: input.payment_method ?? fakePaymentMethod(random),
    payment_price: paymentPrice,
    shipping_price: shippingPrice,
    shipping_name: shippingName,
    order_total: orderTotal,
    orders_status_id: 11,
    date_purchased: datePurchased,
    last_modified: datePurchased,
    products,
    tracking_number: '',
    transporteur: '',
    ...(input.corrupt && Object.keys(input.corrupt).length ? { corrupt: input.corrupt } : {}),
  };
}

function orderJson(order: SandboxOrder) {
  return {
    orders_id: order.orders_id,
    partenaire: maskPartenaire(order.partenaire),
    customers: order.customers,
    delivery: { ...order.delivery, ...(order.relay_info ? { relay_info: order.relay_info } : {}) },
    payment_method: order.payment_method,
    payment_price: order.payment_price,
    shipping_price: order.shipping_price,
    shipping_name: order.shipping_name,
    order_total: order.order_total,
    orders_status_id: order.orders_status_id,
    orders_status_name: ORDER_STATUS_NAMES[order.orders_status_id] ?? '',
    date_purchased: order.date_purchased,
    last_modified: order.last_modified,
    products: order.products,
    tracking_number: order.tracking_number,
    transporteur: order.transporteur,
    ...(order.corrupt ? { corrupt: order.corrupt } : {}),
  };
}

function returnJson(ret: SandboxReturn) {
  return {
    return_id: ret.return_id,
    partenaire: maskPartenaire(ret.partenaire),
    return_date: ret.return_date,
    return_status: ret.return_status,
    return_status_name: RETURN_STATUS_NAMES[ret.return_status] ?? '',
    return_reason: ret.return_reason,
    order: ret.order,
    product: ret.product,
    label_link: ret.label_link,
    ...(ret.label_file ? { label_file: ret.label_file } : {}),
    ...(ret.corrupt ? { corrupt: ret.corrupt } : {}),
  };
}

/** The order a return is about: the one given, else the merchant's latest, else a new one. */
function orderForReturn(state: SandboxState, merchant: string, orderId: string | undefined): SandboxOrder {
  if (orderId !== undefined) {
    const order = state.orders.get(orderId);
    if (!order || order.partenaire !== merchant)
      throw new InputError(`order ${orderId} not found for this merchant`);
    return order;
  }
  const latest = state.ordersOf(merchant).at(-1);
  if (latest) return latest;
  const order = buildOrder(state, merchant, {});
  state.orders.set(order.orders_id, order);
  return order;
}

/** Sets what the exports write instead of the real values; nothing (or `{}`) repairs. */
function setCorruption(target: { corrupt?: Corruption }, corrupt: Corruption | undefined): void {
  if (corrupt && Object.keys(corrupt).length > 0) target.corrupt = corrupt;
  else delete target.corrupt;
}

export function registerAdminRoutes(app: FastifyInstance, state: SandboxState): void {
  app.post('/_sandbox/merchants', async (request, reply) => {
    const parsed = z.object({ partenaire }).safeParse(request.body ?? {});
    if (!parsed.success) return badRequest(reply, parsed.error);
    const created = state.ensureMerchant(parsed.data.partenaire);
    return reply.code(created ? 201 : 200).send({ partenaire: parsed.data.partenaire });
  });

  app.post('/_sandbox/orders', async (request, reply) => {
    const parsed = z
      .object({ partenaire, order: orderInput.optional(), corrupt: orderCorruption.optional() })
      .safeParse(request.body ?? {});
    if (!parsed.success) return badRequest(reply, parsed.error);
    try {
      // Orders for a merchant code the sandbox has not seen create that merchant: less ceremony for demos.
      state.ensureMerchant(parsed.data.partenaire);
      const input = parsed.data.order ?? {};
      const corrupt = corruptionOf(input.corrupt, parsed.data.corrupt);
      const order = buildOrder(state, parsed.data.partenaire, { ...input, corrupt });
      state.orders.set(order.orders_id, order);
      return reply.code(201).send({ orders_id: order.orders_id });
    } catch (err) {
      if (err instanceof InputError) return badRequest(reply, err);
      throw err;
    }
  });

  app.get('/_sandbox/orders', async (request, reply) => {
    const query = z.object({ partenaire }).safeParse(request.query);
    if (!query.success) return badRequest(reply, query.error);
    return state.ordersOf(query.data.partenaire).map(orderJson);
  });

  app.get<{ Params: { oID: string } }>('/_sandbox/orders/:oID', async (request, reply) => {
    const order = state.orders.get(request.params.oID);
    return order ? orderJson(order) : notFound(reply, 'order');
  });

  app.post<{ Params: { oID: string } }>('/_sandbox/orders/:oID/status', async (request, reply) => {
    const order = state.orders.get(request.params.oID);
    if (!order) return notFound(reply, 'order');
    const parsed = statutInput.safeParse(request.body ?? {});
    if (!parsed.success) return badRequest(reply, parsed.error);
    const next = parsed.data.statut;
    if (!spartooOrderTransition(order.orders_status_id, next)) {
      return reply.code(409).send({
        error: `Spartoo cannot move order ${order.orders_id} from ${order.orders_status_id} to ${next}`,
      });
    }
    order.orders_status_id = next;
    order.last_modified = formatSpartooDateTime(new Date());
    return orderJson(order);
  });

  app.post<{ Params: { oID: string } }>('/_sandbox/orders/:oID/corrupt', async (request, reply) => {
    const order = state.orders.get(request.params.oID);
    if (!order) return notFound(reply, 'order');
    const parsed = z.object({ corrupt: orderCorruption }).safeParse(request.body ?? {});
    if (!parsed.success) return badRequest(reply, parsed.error);
    setCorruption(order, parsed.data.corrupt);
    return orderJson(order);
  });

  app.post<{ Params: { oID: string } }>('/_sandbox/orders/:oID/repair', async (request, reply) => {
    const order = state.orders.get(request.params.oID);
    if (!order) return notFound(reply, 'order');
    setCorruption(order, undefined);
    return orderJson(order);
  });

  app.post('/_sandbox/returns', async (request, reply) => {
    const parsed = z
      .object({ partenaire, return: returnInput.optional(), corrupt: returnCorruption.optional() })
      .safeParse(request.body ?? {});
    if (!parsed.success) return badRequest(reply, parsed.error);
    const input = parsed.data.return ?? {};
    const corrupt = corruptionOf(input.corrupt, parsed.data.corrupt);
    const merchant = parsed.data.partenaire;
    try {
      if (input.return_id !== undefined && state.returns.has(input.return_id)) {
        throw new InputError(`return ${input.return_id} exists`);
      }
      state.ensureMerchant(merchant);
      const order = orderForReturn(state, merchant, input.order);
      const given = input.product ?? {};
      const line =
        order.products.find(
          (p) =>
            (given.products_reference == null || p.products_reference === given.products_reference) &&
            (given.products_size == null || p.products_size === given.products_size),
        ) ??
        order.products[0] ??
        {};
      let returnId = input.return_id;
      while (returnId === undefined || state.returns.has(returnId)) returnId = state.nextReturnId();
      const ret: SandboxReturn = {
        partenaire: merchant,
        return_id: returnId,
        return_date: spartooDate(input.return_date, 'return_date'),
        return_status: 2,
        return_reason: input.return_reason ?? fakeReturnReason(state.random),
        order: order.orders_id,
        product: merge(RETURN_PRODUCT_FIELDS, line, given),
        label_link: '',
        ...(corrupt ? { corrupt } : {}),
      };
      state.returns.set(ret.return_id, ret);
      return reply.code(201).send({ return_id: ret.return_id });
    } catch (err) {
      if (err instanceof InputError) return badRequest(reply, err);
      throw err;
    }
  });

  app.get<{ Params: { rID: string } }>('/_sandbox/returns/:rID', async (request, reply) => {
    const ret = state.returns.get(request.params.rID);
    return ret ? returnJson(ret) : notFound(reply, 'return');
  });

  app.post<{ Params: { rID: string } }>('/_sandbox/returns/:rID/corrupt', async (request, reply) => {
    const ret = state.returns.get(request.params.rID);
    if (!ret) return notFound(reply, 'return');
    const parsed = z.object({ corrupt: returnCorruption }).safeParse(request.body ?? {});
    if (!parsed.success) return badRequest(reply, parsed.error);
    setCorruption(ret, parsed.data.corrupt);
    return returnJson(ret);
  });

  app.post<{ Params: { rID: string } }>('/_sandbox/returns/:rID/repair', async (request, reply) => {
    const ret = state.returns.get(request.params.rID);
    if (!ret) return notFound(reply, 'return');
    setCorruption(ret, undefined);
    return returnJson(ret);
  });

  /** Spartoo's own steps after an accepted return: paid (5), refunded (7). */
  app.post<{ Params: { rID: string } }>('/_sandbox/returns/:rID/status', async (request, reply) => {
    const ret = state.returns.get(request.params.rID);
    if (!ret) return notFound(reply, 'return');
    const parsed = statutInput.safeParse(request.body ?? {});
    if (!parsed.success) return badRequest(reply, parsed.error);
    const next = parsed.data.statut;
    const allowed =
      (next === 5 && ret.return_status === 4) || (next === 7 && [4, 5].includes(ret.return_status));
    if (!allowed) {
      return reply
        .code(409)
        .send({ error: `Spartoo cannot move return ${ret.return_id} from ${ret.return_status} to ${next}` });
    }
    ret.return_status = next;
    return returnJson(ret);
  });

  app.get('/_sandbox/stock', async (request, reply) => {
    const query = z.object({ partenaire }).safeParse(request.query);
    if (!query.success) return badRequest(reply, query.error);
    return [...(state.stock.get(query.data.partenaire)?.values() ?? [])].map((s) => ({ ...s }));
  });

  app.get('/_sandbox/faults', async () => state.faults);

  app.put('/_sandbox/faults', async (request, reply) => {
    const parsed = faultsInput.safeParse(request.body ?? {});
    if (!parsed.success) return badRequest(reply, parsed.error);
    state.faults = parsed.data;
    return state.faults;
  });

  app.get('/_sandbox/calls', async (request, reply) => {
    const query = z.object({ partenaire: z.string().optional() }).safeParse(request.query);
    if (!query.success) return badRequest(reply, query.error);
    const wanted = query.data.partenaire;
    return state.calls.filter((c) => wanted === undefined || c.partenaire === wanted).map((c) => c.record);
  });

  app.post('/_sandbox/reset', async (_request, reply) => {
    state.reset();
    return reply.code(204).send();
  });
}
