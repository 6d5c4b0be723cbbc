import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppDependencies } from '../app';

const healthSchema = z.object({
  status: z.enum(['ok', 'degraded']),
  temporal: z.enum(['up', 'down']),
  database: z.enum(['up', 'down']),
});

async function probe(check: () => Promise<unknown>): Promise<'up' | 'down'> {
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 3000).unref()),
    ]);
    return 'up';
  } catch {
    return 'down';
  }
}

export const healthRoutes: FastifyPluginAsyncZod<AppDependencies> = async (app, deps) => {
  app.get(
    '/health',
    { schema: { tags: ['health'], security: [], response: { 200: healthSchema, 503: healthSchema } } },
    async (_request, reply) => {
      const [temporal, database] = await Promise.all([
        probe(() => deps.workflows.health()),
        probe(() => deps.database.ping()),
      ]);
      const up = temporal === 'up' && database === 'up';
      return reply.code(up ? 200 : 503).send({ status: up ? 'ok' : 'degraded', temporal, database });
    },
  );
};
