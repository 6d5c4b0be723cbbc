import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createCustomerDataEraser } from '../../db/customer-data';
import { FINISHED_ORDER_STATUSES, ORDER_STATUSES } from '../../domain/statuses';
import type { AppDependencies } from '../app';
import { HttpProblem, notFound, problemSchema } from '../problem';

const orderParams = z.object({ id: z.string().min(1), orderId: z.string().min(1) });

/**
 * Customer data has a lifetime (issue 13, item 12): erase a finished order's customer now, as the
 * periodic erasure does after CUSTOMER_DATA_RETENTION_DAYS (workflows/retention.ts).
 */
export const customerDataRoutes: FastifyPluginAsyncZod<AppDependencies> = async (app, deps) => {
  const eraser = createCustomerDataEraser(deps.database.db, deps.store);
  app.post(
    '/connections/:id/orders/:orderId/erase',
    {
      schema: {
        tags: ['orders'],
        summary: "Erase a finished order's customer data now (names, addresses, e-mails, phones)",
        description:
          'The order, its amounts, lines and log stay; its details show blanks afterwards. Idempotent. ' +
          `409 unless the order is finished (${FINISHED_ORDER_STATUSES.join(', ')}).`,
        params: orderParams,
        response: {
          200: z.object({
            connectionId: z.string(),
            orderId: z.string(),
            status: z.enum(ORDER_STATUSES),
            erasedAt: z.string().describe('when its customer data was erased (the first time)'),
            alreadyErased: z.boolean(),
          }),
          400: problemSchema,
          401: problemSchema,
          404: problemSchema,
          409: problemSchema,
        },
      },
    },
    async (request) => {
      const { id, orderId } = request.params;
      const outcome = await eraser.eraseOrder(id, orderId);
      if (outcome === 'UNKNOWN') throw notFound(`Order ${orderId} of connection ${id}`);
      const order = (await deps.orders.get(id, orderId))!;
      if (outcome === 'OPEN') {
        throw new HttpProblem(
          409,
          `Order ${orderId} is ${order.status}: its customer data can be erased only once it is finished (${FINISHED_ORDER_STATUSES.join(', ')})`,
        );
      }
      return {
        connectionId: id,
        orderId,
        status: order.status,
        erasedAt: String((order.detail as { erasedAt?: string }).erasedAt),
        alreadyErased: outcome === 'ALREADY_ERASED',
      };
    },
  );
};
