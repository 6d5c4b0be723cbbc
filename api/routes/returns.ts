import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ReturnRecord } from '../../db/returns';
import { RETURN_STATUSES } from '../../domain/statuses';
import { returnWorkflowId } from '../../workflows/messages';
import type { AppDependencies } from '../app';
import { notFound, problemSchema } from '../problem';
import { temporalUiUrl } from '../temporal-links';

const returnSchema = z.object({
  connectionId: z.string(),
  returnId: z.string(),
  orderId: z.string(),
  status: z.enum(RETURN_STATUSES),
  spartooStatus: z.number(),
  reason: z.string(),
  product: z.record(z.string(), z.unknown()),
  returnedAt: z.string().nullable(),
  restocked: z.boolean(),
  lastError: z.string().nullable(),
  workflowId: z.string(),
  temporalUiUrl: z.string(),
  updatedAt: z.string(),
});

const errors = { 400: problemSchema, 401: problemSchema, 404: problemSchema, 409: problemSchema };

/** Returns (RMA): the grid and the merchant's accept (Spartoo 4, restock) or refuse (Spartoo 3). */
export const returnRoutes: FastifyPluginAsyncZod<AppDependencies> = async (app, deps) => {
  const present = (r: ReturnRecord): z.infer<typeof returnSchema> => {
    const workflowId = returnWorkflowId(r.connectionId, r.returnId);
    return {
      connectionId: r.connectionId,
      returnId: r.returnId,
      orderId: r.orderId,
      status: r.status as z.infer<typeof returnSchema>['status'],
      spartooStatus: r.spartooStatus,
      reason: r.reason,
      product: r.product,
      returnedAt: r.returnedAt?.toISOString() ?? null,
      restocked: r.restockedAt !== null,
      lastError: r.lastError,
      workflowId,
      temporalUiUrl: temporalUiUrl(deps.temporalUiUrl, deps.namespace, workflowId),
      updatedAt: r.updatedAt.toISOString(),
    };
  };

  app.get(
    '/returns',
    {
      schema: {
        tags: ['returns'],
        querystring: z.object({
          connectionId: z.string().optional(),
          status: z.enum(RETURN_STATUSES).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(50),
          cursor: z.iso.datetime().optional(),
        }),
        response: {
          200: z.object({ items: z.array(returnSchema), nextCursor: z.string().nullable() }),
          ...errors,
        },
      },
    },
    async (request) => {
      const { cursor, limit, ...filter } = request.query;
      const rows = await deps.returns.list({ ...filter, limit: limit + 1, before: cursor });
      const items = rows.slice(0, limit);
      return {
        items: items.map(present),
        nextCursor: rows.length > limit ? items.at(-1)!.createdAt.toISOString() : null,
      };
    },
  );

  for (const decision of ['accept', 'refuse'] as const) {
    app.post(
      `/connections/:id/returns/:returnId/${decision}`,
      {
        schema: {
          tags: ['returns'],
          params: z.object({ id: z.string().min(1), returnId: z.string().min(1) }),
          response: { 200: returnSchema, ...errors },
        },
      },
      async (request) => {
        const { id, returnId } = request.params;
        if (!(await deps.returns.get(id, returnId))) throw notFound(`Return ${returnId} of connection ${id}`);
        await deps.workflows.decideReturn(id, returnId, decision);
        return present((await deps.returns.get(id, returnId))!);
      },
    );
  }
};
