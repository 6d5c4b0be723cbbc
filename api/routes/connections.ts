import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ConnectionRecord } from '../../db/connections';
import { deadlineHoursOf } from '../../domain/deadline';
import type { ConnectionProblem } from '../../domain/notifications';
import {
  connectionSettingsPatchSchemaFor,
  connectionSettingsSchemaFor,
  maskSecret,
  PRICE_ATTRIBUTES,
  resolveSitePatch,
  SPARTOO_SITES,
  SYNC_LEVELS,
} from '../../domain/settings';
import { SPARTOO_SHIPPING_SERVICES } from '../../domain/shipping-services';
import { DecisionRefusedError, RequestFailedError } from '../../runtime/workflow-gateway';
import { connectionWorkflowId } from '../../workflows/messages';
import type { AppDependencies } from '../app';
import { HttpProblem, notFound, problemSchema } from '../problem';
import { temporalUiUrl } from '../temporal-links';

const cycleSchema = z
  .object({ at: z.string(), ok: z.boolean(), error: z.string().optional() })
  .catchall(z.unknown());

/** Most duplicate keys a connection lists, and most product ids named for each. */
const MAX_WARNED_KEYS = 100;
const MAX_WARNED_IDS = 20;

/**
 * Several store products have the same value in the connection's identification attribute: the one with
 * the lowest id (the first of `productIds`) is used for orders, imports, returns and stock.
 */
const warningSchema = z.object({
  code: z.literal('DUPLICATE_PRODUCT_KEY'),
  key: z.string(),
  productIds: z.array(z.string()).describe('sorted, the product used first; at most 20'),
  productCount: z.number().int(),
});

/** A connection as answered: the settings of SPEC §2 with the key masked, plus its workflow. */
export const connectionSchema = z.object({
  id: z.string(),
  name: z.string(),
  apiKey: z.string().describe('masked: •••• and the last 4 characters'),
  site: z.enum(SPARTOO_SITES).describe('Spartoo country site'),
  baseUrl: z.string(),
  active: z.boolean(),
  syncLevel: z.enum(SYNC_LEVELS),
  autoAccept: z.boolean(),
  autoAcceptPriceAttribute: z.enum(PRICE_ATTRIBUTES),
  autoAcceptThreshold: z.number(),
  useBillingAddressForShipping: z.boolean(),
  productIdentificationAttribute: z.string(),
  syncOrdersCreatedFrom: z.string().nullable(),
  defaultShippingService: z.enum(SPARTOO_SHIPPING_SERVICES),
  shippingServiceMap: z.record(z.string(), z.string()),
  storeShippingMethodMap: z.record(z.string(), z.string()),
  pollIntervalSeconds: z.number().int(),
  stockSyncIntervalSeconds: z.number().int(),
  storeId: z.string().describe('the store orders are imported into (GET /stores)'),
  acceptanceDeadlineHours: z
    .number()
    .nullable()
    .describe('hours after the purchase Spartoo gives to accept an order; null: no deadline'),
  autoRefuseAtDeadline: z.boolean().describe('refuse an order still waiting at its deadline'),
  storeProblem: z
    .object({
      code: z.enum(['STORE_ACCESS', 'STORE_UNREACHABLE']),
      message: z.string(),
      since: z.string(),
    })
    .nullable()
    .describe("what stops the connection's store from working (its `problem`), else null"),
  workflowId: z.string(),
  temporalUiUrl: z.string(),
  lastPoll: cycleSchema.nullable(),
  lastStockSync: cycleSchema.nullable(),
  problem: z
    .object({
      code: z.number().int().describe("Spartoo's code: -2 key refused, -428 account deactivated, -1 no key"),
      message: z.string(),
      since: z.string().describe('when it first failed so'),
    })
    .nullable()
    .describe('an account problem: polls back off to every max(15 min, poll interval) until one succeeds'),
  warnings: z
    .array(warningSchema)
    .optional()
    .describe('GET /connections/:id only: problems of the store data this connection relies on'),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const idParams = z.object({ id: z.string().min(1) });
const errors = { 400: problemSchema, 401: problemSchema, 404: problemSchema, 503: problemSchema };
const actionErrors = { ...errors, 409: problemSchema, 502: problemSchema };

/** A manual request to the connection workflow: 409 when it does not apply, 502 when Spartoo failed it. */
async function askWorkflow<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof DecisionRefusedError) throw new HttpProblem(409, err.message);
    if (err instanceof RequestFailedError) throw new HttpProblem(502, err.message);
    throw err;
  }
}

export const connectionRoutes: FastifyPluginAsyncZod<AppDependencies> = async (app, deps) => {
  // A baseUrl other than a Spartoo webservice host only when the operator allows custom URLs.
  const urlPolicy = { allowCustomUrls: deps.allowCustomUrls ?? false };
  const settingsSchema = connectionSettingsSchemaFor(urlPolicy);
  const settingsPatchSchema = connectionSettingsPatchSchemaFor(urlPolicy);
  const present = (
    c: ConnectionRecord,
    problem: ConnectionProblem | null = null,
  ): z.infer<typeof connectionSchema> => {
    const workflowId = connectionWorkflowId(c.id);
    return {
      ...c.settings,
      site: c.settings.site ?? 'fr',
      // Connections saved before the deadline settings have their defaults.
      acceptanceDeadlineHours: deadlineHoursOf(c.settings),
      autoRefuseAtDeadline: c.settings.autoRefuseAtDeadline ?? false,
      id: c.id,
      apiKey: maskSecret(c.apiKeyLast4),
      workflowId,
      temporalUiUrl: temporalUiUrl(deps.temporalUiUrl, deps.namespace, workflowId),
      lastPoll: c.lastPoll,
      lastStockSync: c.lastStockSync,
      storeProblem: c.storeProblem ?? null,
      problem,
      createdAt: c.createdAt.toISOString(),
      updatedAt: c.updatedAt.toISOString(),
    };
  };
  /**
   * Duplicate identification keys: one aggregate over the products of the connection's store, where the
   * store has that query (the built-in store); a shop that cannot answer now shows no warnings.
   */
  const warnings = async (c: ConnectionRecord) => {
    try {
      const store = await deps.stores.forStore(c.settings.storeId);
      const duplicates = await store.duplicateKeys?.(c.settings.productIdentificationAttribute, {
        limit: MAX_WARNED_KEYS,
        maxIds: MAX_WARNED_IDS,
      });
      return (duplicates ?? []).map((d) => ({ code: 'DUPLICATE_PRODUCT_KEY' as const, ...d }));
    } catch {
      return [];
    }
  };
  const load = async (id: string) => {
    const connection = await deps.connections.get(id);
    if (!connection) throw notFound(`Connection ${id}`);
    return connection;
  };

  app.post(
    '/connections',
    {
      schema: {
        tags: ['connections'],
        body: settingsSchema,
        response: { 201: connectionSchema, ...errors },
      },
    },
    async (request, reply) => {
      const connection = await deps.connections.create(request.body);
      try {
        await deps.workflows.startConnection(connection.id);
      } catch (err) {
        // No connection without its workflow: undo, and say Temporal is the problem.
        await deps.connections.remove(connection.id);
        request.log.error({ err }, 'could not start the connection workflow');
        throw new HttpProblem(503, 'Temporal is unavailable: the connection was not created');
      }
      return reply.code(201).send(present(connection));
    },
  );

  app.get(
    '/connections',
    { schema: { tags: ['connections'], response: { 200: z.object({ items: z.array(connectionSchema) }) } } },
    async () => {
      const [items, problems] = await Promise.all([deps.connections.list(), deps.notifications.problems()]);
      return { items: items.map((c) => present(c, problems.get(c.id))) };
    },
  );

  app.get(
    '/connections/:id',
    { schema: { tags: ['connections'], params: idParams, response: { 200: connectionSchema, ...errors } } },
    async (request) => {
      const connection = await load(request.params.id);
      const problems = await deps.notifications.problems([connection.id]);
      return { ...present(connection, problems.get(connection.id)), warnings: await warnings(connection) };
    },
  );

  app.patch(
    '/connections/:id',
    {
      schema: {
        tags: ['connections'],
        params: idParams,
        body: settingsPatchSchema,
        response: { 200: connectionSchema, ...errors },
      },
    },
    async (request) => {
      const current = await load(request.params.id);
      const patch = resolveSitePatch(current.settings, request.body);
      const updated = await deps.connections.update(request.params.id, patch);
      if (!updated) throw notFound(`Connection ${request.params.id}`);
      const problems = await deps.notifications.problems([updated.id]);
      // The workflow also reloads settings every cycle; the signal only makes it sooner.
      await deps.workflows
        .settingsChanged(updated.id)
        .catch((err) => request.log.warn({ err }, 'signal failed'));
      return present(updated, problems.get(updated.id));
    },
  );

  app.delete(
    '/connections/:id',
    { schema: { tags: ['connections'], params: idParams, response: { 204: z.null(), ...errors } } },
    async (request, reply) => {
      const connection = await load(request.params.id);
      try {
        await deps.workflows.stopConnection(connection.id);
      } catch (err) {
        request.log.error({ err }, 'could not stop the connection workflow');
        throw new HttpProblem(503, 'Temporal is unavailable: the connection was not deleted');
      }
      await deps.connections.remove(connection.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/connections/:id/sync',
    {
      schema: {
        tags: ['connections'],
        summary: 'Synchronize Orders: poll Spartoo now',
        params: idParams,
        response: {
          200: z.object({ ordersFound: z.number(), ordersStarted: z.number(), returnsFound: z.number() }),
          ...actionErrors,
        },
      },
    },
    async (request) => {
      const connection = await load(request.params.id);
      return askWorkflow(() => deps.workflows.syncOrders(connection.id));
    },
  );

  app.post(
    '/connections/:id/stock-sync',
    {
      schema: {
        tags: ['connections'],
        summary: 'Push stock to Spartoo now',
        params: idParams,
        response: {
          200: z.object({
            sizesSent: z.number(),
            full: z.boolean().describe('true: every size was sent, not only those that changed'),
            errors: z.array(
              z.object({
                referencePartenaire: z.string(),
                sizeReference: z.string(),
                code: z.number(),
                message: z.string(),
              }),
            ),
          }),
          ...actionErrors,
        },
      },
    },
    async (request) => {
      const connection = await load(request.params.id);
      const pushed = await askWorkflow(() => deps.workflows.pushStock(connection.id));
      return { ...pushed, full: pushed.full ?? true };
    },
  );
};
