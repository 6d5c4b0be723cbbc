import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { OrderStatus } from '../../domain/statuses';
import { createSpartooClient } from '../../spartoo/client';
import { SpartooError, SpartooTransportError } from '../../spartoo/errors';
import type { DeliverySlipProduct, SpartooOrderLine } from '../../spartoo/types';
import type { AppDependencies } from '../app';
import { conflict, type FieldError, HttpProblem, notFound, problemSchema } from '../problem';

/**
 * Delivery slips (bordereaux, issue 13 item 1): Spartoo's xml_export_bl.php asked by the API when the
 * merchant wants one, answered as `application/pdf`. The slip holds the customer's address: it goes
 * from Spartoo to the merchant and nowhere else (no workflow, no database, no log).
 *
 * What Spartoo's request names of a product is its `reference_partenaire` (the request shape of the
 * PHP client debuss/spartoo, the only one public): a line is sent as its `products_reference`, so two
 * lines of one reference in different sizes cannot be told apart by Spartoo.
 */

/** Spartoo has not accepted these (yet): a slip is for an accepted order. */
const NOT_ACCEPTED: ReadonlySet<OrderStatus> = new Set([
  'WAITING_ACCEPTANCE',
  'FETCH_FAILED',
  'ACCEPT_FAILED',
  'REFUSE_FAILED',
]);
/** Refused or cancelled: no parcel will leave. */
const CLOSED: ReadonlySet<OrderStatus> = new Set(['REFUSED', 'CANCELLED']);

const params = z.object({ id: z.string().min(1), orderId: z.string().min(1) });
const parcelSchema = z
  .object({
    lines: z
      .array(
        z
          .object({
            line: z.number().int().min(1).describe('the line number of the order details (`items[].line`)'),
            quantity: z.number().int().min(1).describe("at most the line's quantity"),
          })
          .strict(),
      )
      .min(1)
      .max(500),
  })
  .strict();
type Parcel = z.infer<typeof parcelSchema>['lines'];

const pdfResponse = {
  description: 'The delivery slip, a PDF (`Content-Disposition: attachment`)',
  content: { 'application/pdf': { schema: z.string().describe('PDF document') } },
};
const errors = {
  400: problemSchema,
  401: problemSchema,
  404: problemSchema,
  409: problemSchema,
  502: problemSchema,
};

/** The parcel's products: every line in full by default, else the lines asked for, checked. */
function parcelProducts(
  orderId: string,
  lines: readonly SpartooOrderLine[],
  parcel?: Parcel,
): DeliverySlipProduct[] {
  const reference = (line: SpartooOrderLine) => line.productsReference || line.productsSizeReference;
  if (!parcel)
    return lines.map((line) => ({ referencePartenaire: reference(line), quantity: line.productsQty }));
  const fieldErrors: FieldError[] = [];
  const seen = new Set<number>();
  parcel.forEach((asked, i) => {
    const line = lines[asked.line - 1];
    if (!line) {
      fieldErrors.push({
        field: `lines.${i}.line`,
        message: `is not a line of order ${orderId} (it has ${lines.length} line${lines.length === 1 ? '' : 's'})`,
      });
    } else if (seen.has(asked.line)) {
      fieldErrors.push({ field: `lines.${i}.line`, message: `line ${asked.line} is given twice` });
    } else if (asked.quantity > line.productsQty) {
      fieldErrors.push({
        field: `lines.${i}.quantity`,
        message: `is more than the ${line.productsQty} ordered on line ${asked.line}`,
      });
    }
    seen.add(asked.line);
  });
  if (fieldErrors.length > 0) {
    throw new HttpProblem(
      400,
      `Invalid parcel: ${fieldErrors.map((e) => `${e.field} ${e.message}`).join('; ')}`,
      fieldErrors,
    );
  }
  return parcel.map((asked) => ({
    referencePartenaire: reference(lines[asked.line - 1]!),
    quantity: asked.quantity,
  }));
}

export const deliverySlipRoutes: FastifyPluginAsyncZod<AppDependencies> = async (app, deps) => {
  async function sendSlip(reply: FastifyReply, connectionId: string, orderId: string, parcel?: Parcel) {
    const order = await deps.orders.get(connectionId, orderId);
    if (!order) throw notFound(`Order ${orderId} of connection ${connectionId}`);
    if (NOT_ACCEPTED.has(order.status)) {
      throw conflict(
        `Order ${orderId} is ${order.status}: a delivery slip is for an order accepted on Spartoo`,
      );
    }
    if (CLOSED.has(order.status)) throw conflict(`Order ${orderId} is ${order.status}: no parcel leaves`);
    const lines = order.detail.spartoo?.products ?? [];
    if (lines.length === 0) throw conflict(`Order ${orderId} has no line to put in a parcel`);
    const products = parcelProducts(orderId, lines, parcel);
    const found = await deps.connections.getWithApiKey(connectionId);
    if (!found) throw notFound(`Connection ${connectionId}`);
    const spartoo = createSpartooClient({ baseUrl: found.record.settings.baseUrl, apiKey: found.apiKey });
    let pdf: Uint8Array;
    try {
      pdf = await spartoo.exportDeliverySlip(orderId, products);
    } catch (err) {
      throw slipProblem(orderId, err);
    }
    return reply
      .code(200)
      .type('application/pdf')
      .header('content-disposition', `attachment; filename="delivery-slip-${safeName(orderId)}.pdf"`)
      .header('cache-control', 'no-store')
      .send(Buffer.from(pdf));
  }

  app.get(
    '/connections/:id/orders/:orderId/delivery-slip',
    {
      schema: {
        tags: ['orders'],
        summary: 'The delivery slip of an accepted order: one parcel with every line',
        params,
        response: { 200: pdfResponse, ...errors },
      },
    },
    async (request, reply) => sendSlip(reply, request.params.id, request.params.orderId),
  );

  app.post(
    '/connections/:id/orders/:orderId/delivery-slip',
    {
      schema: {
        tags: ['orders'],
        summary: 'The delivery slip of one parcel of a split: the lines it holds, with their quantities',
        params,
        body: parcelSchema,
        response: { 200: pdfResponse, ...errors },
      },
    },
    async (request, reply) => sendSlip(reply, request.params.id, request.params.orderId, request.body.lines),
  );
};

/** Spartoo's refusal or silence as the API's answer. */
function slipProblem(orderId: string, err: unknown): unknown {
  if (err instanceof SpartooError) {
    if (err.code === -6) return notFound(`Spartoo's order ${orderId}`);
    // -7: Spartoo holds the order in a status without a slip (not accepted yet, cancelled).
    if (err.code === -7)
      return conflict(`Spartoo has no delivery slip for order ${orderId} now: ${err.description}`);
    return new HttpProblem(502, `Spartoo refused the delivery slip (${err.code}): ${err.description}`);
  }
  if (err instanceof SpartooTransportError) {
    return new HttpProblem(502, `Spartoo did not answer with a delivery slip: ${err.message}; try again`);
  }
  return err;
}

/** An order id as a file name: Spartoo's are hexadecimal, anything else is replaced. */
const safeName = (orderId: string) => orderId.replace(/[^A-Za-z0-9_-]/g, '_');
