import { timingSafeEqual } from 'node:crypto';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { DatabaseHandle } from '../db/client';
import type { ConnectionRepository } from '../db/connections';
import type { NotificationRepository } from '../db/notifications';
import type { OrderRepository } from '../db/orders';
import type { ReturnRepository } from '../db/returns';
import type { Metrics } from '../runtime/metrics';
import type { WorkflowGateway } from '../runtime/workflow-gateway';
import type { DatabaseStore } from '../store/database-store';
import type { StoreRegistry } from '../store/registry';
import { errorHandler, sendProblem } from './problem';
import { connectionRoutes } from './routes/connections';
import { customerDataRoutes } from './routes/customer-data';
import { dashboardRoutes } from './routes/dashboard';
import { deliverySlipRoutes } from './routes/delivery-slips';
import { healthRoutes } from './routes/health';
import { orderBatchRoutes } from './routes/order-batches';
import { orderRoutes } from './routes/orders';
import { returnRoutes } from './routes/returns';
import { SHOP_HOOK_PATHS, shopHookRoutes, storeLifecycleHook } from './routes/shop-hooks';
import { storeRoutes } from './routes/store';
import { storesRoutes } from './routes/stores';
import { webhookRoutes } from './routes/webhooks';

export interface AppDependencies {
  database: DatabaseHandle;
  connections: ConnectionRepository;
  orders: OrderRepository;
  returns: ReturnRepository;
  /** The built-in store, for its own routes (`/store/*`). */
  store: DatabaseStore;
  /** Every store through the store port, and the stores' records (`/stores`). */
  stores: StoreRegistry;
  /** SPARTOO_ALLOW_CUSTOM_URL=1: shop URLs may be loopback or private addresses (domain/urls.ts). */
  allowCustomUrls?: boolean;
  /** Webhooks and their deliveries (`/webhooks`), connections' account problems. */
  notifications: NotificationRepository;
  workflows: WorkflowGateway;
  apiToken: string;
  temporalUiUrl: string;
  namespace: string;
  logger?: FastifyServerOptions['logger'];
  /** The process's metrics, served at GET /metrics (bearer token unless `metricsPublic`). */
  metrics?: Metrics;
  metricsPublic?: boolean;
  /** In one process with the worker (npm start): the Temporal SDK's exporter, appended to /metrics. */
  sdkMetricsPort?: number;
}

/** Paths anyone may read: health for probes, the API docs, the dashboard's pages and assets. */
const PUBLIC_PATHS = [
  /^\/health(\/live|\/ready)?$/,
  /^\/docs(\/.*)?$/,
  /^\/$/,
  /^\/(index\.html|assets\/.*)$/,
  // The shops' webhooks: checked by their signature instead (api/routes/shop-hooks.ts).
  SHOP_HOOK_PATHS,
];

function tokenMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer (.+)$/i.exec(header ?? '');
  if (!match) return false;
  const given = Buffer.from(match[1]!.trim());
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export async function buildApp(deps: AppDependencies): Promise<FastifyInstance> {
  const app = Fastify({ logger: deps.logger ?? false }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, 404, `No route ${request.method} ${request.url}`),
  );

  await app.register(swagger, {
    openapi: {
      info: { title: 'spartoo-sync', description: 'Spartoo marketplace order connection', version: '0.1.0' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0]!;
    if (PUBLIC_PATHS.some((p) => p.test(path))) return;
    if (path === '/metrics' && deps.metricsPublic) return;
    if (!tokenMatches(request.headers.authorization, deps.apiToken)) {
      return sendProblem(reply, 401, 'Missing or invalid bearer token (Authorization: Bearer <API_TOKEN>)');
    }
  });

  // A shop store created or deleted starts or ends its reconciliation workflow (before the routes).
  app.addHook('onSend', storeLifecycleHook(deps));

  await app.register(healthRoutes, deps);
  await app.register(connectionRoutes, deps);
  await app.register(orderRoutes, deps);
  await app.register(customerDataRoutes, deps);
  await app.register(deliverySlipRoutes, deps);
  await app.register(orderBatchRoutes, deps);
  await app.register(storeRoutes, deps);
  await app.register(storesRoutes, deps);
  await app.register(returnRoutes, deps);
  await app.register(webhookRoutes, deps);
  await app.register(shopHookRoutes, deps);
  await app.register(dashboardRoutes);
  return app;
}
