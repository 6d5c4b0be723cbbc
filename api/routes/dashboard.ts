import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';
import { projectPath } from '../../runtime/paths';

const root = projectPath('api/dashboard/public');

/**
 * The merchant's dashboard: static pages and scripts served at `/` without a token (they hold no
 * data); every call they make to the API carries the token the merchant signed in with.
 */
export const dashboardRoutes: FastifyPluginAsync = async (app) => {
  await app.register(fastifyStatic, { root, prefix: '/', index: ['index.html'], wildcard: false });
};
