import { Readable } from 'node:stream';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { decodeCursor, type GridCursor, type OrderRecord } from '../../db/orders';
import { ORDER_STATUSES } from '../../domain/statuses';
import { DecisionRefusedError } from '../../runtime/workflow-gateway';
import type { AppDependencies } from '../app';
import { problemSchema } from '../problem';
import { orderSummarySchema, summary } from './orders';

/** Most orders one bulk decision takes; each is answered on its own. */
export const MAX_BULK_ORDERS = 100;
/** How many decisions of one bulk call run at once. */
const BULK_CONCURRENCY = 8;

const bulkBody = z.strictObject({
  orders: z
    .array(z.strictObject({ connectionId: z.string().min(1), orderId: z.string().min(1) }))
    .min(1)
    .max(MAX_BULK_ORDERS),
});
const bulkResult = z.object({
  connectionId: z.string(),
  orderId: z.string(),
  ok: z.boolean(),
  status: z.enum(ORDER_STATUSES).optional(),
  error: z.string().optional(),
});

/** The grid's columns, in its order: the CSV's header line. */
const CSV_COLUMNS = Object.keys(orderSummarySchema.shape) as (keyof z.infer<typeof orderSummarySchema>)[];

/**
 * One CSV cell (RFC 4180): quoted when it holds a comma, a quote or a line break; a text starting
 * with = + - @ (or a tab or carriage return) is prefixed with ' so a spreadsheet never runs it as a
 * formula (OWASP "CSV injection").
 */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

const csvLine = (cells: unknown[]) => `${cells.map(csvCell).join(',')}\r\n`;

/** Bulk decisions (the Attention page's selection) and the grid's CSV export. */
export const orderBatchRoutes: FastifyPluginAsyncZod<AppDependencies> = async (app, deps) => {
  async function decideOne(decision: 'accept' | 'refuse', ref: { connectionId: string; orderId: string }) {
    const found = await deps.orders.get(ref.connectionId, ref.orderId);
    if (!found)
      return { ...ref, ok: false, error: `Order ${ref.orderId} of connection ${ref.connectionId} not found` };
    try {
      await deps.workflows.decideOrder(ref.connectionId, ref.orderId, decision);
      const after = await deps.orders.get(ref.connectionId, ref.orderId);
      return { ...ref, ok: true, status: after?.status ?? found.status };
    } catch (err) {
      if (err instanceof DecisionRefusedError)
        return { ...ref, ok: false, status: found.status, error: err.message };
      return { ...ref, ok: false, status: found.status, error: 'The decision could not be sent; try again' };
    }
  }

  for (const decision of ['accept', 'refuse'] as const) {
    app.post(
      `/orders/${decision}`,
      {
        schema: {
          tags: ['orders'],
          summary: `${decision === 'accept' ? 'Accept' : 'Refuse'} several orders at once (at most ${MAX_BULK_ORDERS}); each is answered on its own`,
          body: bulkBody,
          response: {
            200: z.object({ results: z.array(bulkResult) }),
            400: problemSchema,
            401: problemSchema,
          },
        },
      },
      async (request) => {
        const { orders } = request.body;
        const results: z.infer<typeof bulkResult>[] = new Array(orders.length);
        for (let i = 0; i < orders.length; i += BULK_CONCURRENCY) {
          const slice = orders.slice(i, i + BULK_CONCURRENCY);
          const done = await Promise.all(slice.map((ref) => decideOne(decision, ref)));
          done.forEach((r, j) => {
            results[i + j] = r;
          });
        }
        return { results };
      },
    );
  }

  app.get(
    '/orders.csv',
    {
      schema: {
        tags: ['orders'],
        summary: 'The orders grid as CSV (RFC 4180): every order matching the filters, a header line first',
        querystring: z.object({
          connectionId: z.string().optional(),
          status: z.enum(ORDER_STATUSES).optional(),
        }),
        produces: ['text/csv'],
        response: { 400: problemSchema, 401: problemSchema },
      },
    },
    async (request, reply) => {
      const filter = request.query;
      async function* rows() {
        yield csvLine(CSV_COLUMNS);
        let cursor: GridCursor | undefined;
        for (;;) {
          const page = await deps.orders.list({ ...filter, limit: 500, cursor });
          for (const order of page.items as OrderRecord[]) {
            const item = summary(order);
            yield csvLine(CSV_COLUMNS.map((column) => item[column]));
          }
          if (!page.nextCursor) return;
          cursor = decodeCursor(page.nextCursor);
        }
      }
      const day = new Date().toISOString().slice(0, 10);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="spartoo-orders-${day}.csv"`)
        .send(Readable.from(rows()) as never);
    },
  );
};
