import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { sdkMetrics } from '../../runtime/observability';
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

/**
 * Health for probes: `/health/live` says the process answers (restart it when it does not);
 * `/health/ready` (and `/health`, its older name) that it can work: Temporal and the database are up.
 * `/metrics`: Prometheus text (README "Operating").
 */
export const healthRoutes: FastifyPluginAsyncZod<AppDependencies> = async (app, deps) => {
  const ready = {
    schema: { tags: ['health'], security: [], response: { 200: healthSchema, 503: healthSchema } },
  };
  const readiness = async (_request: unknown, reply: FastifyReply) => {
    const [temporal, database] = await Promise.all([
      probe(() => deps.workflows.health()),
      probe(() => deps.database.ping()),
    ]);
    const up = temporal === 'up' && database === 'up';
    return reply.code(up ? 200 : 503).send({ status: up ? 'ok' : 'degraded', temporal, database });
  };
  app.get('/health', ready, readiness);
  app.get('/health/ready', ready, readiness);
  app.get(
    '/health/live',
    { schema: { tags: ['health'], security: [], response: { 200: z.object({ status: z.literal('ok') }) } } },
    async () => ({ status: 'ok' as const }),
  );
  app.get('/metrics', { schema: { tags: ['health'], hide: false } }, async (_request, reply) => {
    if (!deps.metrics) return reply.code(404).type('text/plain').send('metrics are off');
    const own = await deps.metrics.registry.metrics();
    return reply
      .type(deps.metrics.registry.contentType)
      .send(`${own}\n${await sdkMetrics(deps.sdkMetricsPort)}`);
  });
};
