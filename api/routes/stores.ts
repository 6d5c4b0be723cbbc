import type { FastifyBaseLogger } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { StoreRecord } from '../../db/stores';
import { maskSecret } from '../../domain/settings';
import {
  BUILTIN_STORE_ID,
  STORE_FIELDS,
  type StoreKindName,
  splitStoreFields,
  storeConfigSchemas,
  storeCreateSchema,
  storePatchErrors,
  storePatchSchema,
} from '../../domain/stores';
import { StoreAccessError } from '../../store/store';
import type { AppDependencies } from '../app';
import { conflict, HttpProblem, notFound, problemSchema } from '../problem';

const masked = z.string().describe('write-only: •••• and the last 4 characters');

const common = {
  id: z.string(),
  name: z.string(),
  problem: z
    .object({
      code: z
        .enum(['STORE_ACCESS', 'STORE_UNREACHABLE'])
        .describe('STORE_ACCESS: the shop refused the credentials; STORE_UNREACHABLE: its check failed'),
      message: z.string(),
      since: z.string(),
    })
    .nullable()
    .describe('what stops the store from working, until a call to it succeeds again'),
  connectionIds: z.array(z.string()).describe('the connections that import into it'),
  createdAt: z.string(),
  updatedAt: z.string(),
};

/** A store as answered: its configuration, its secrets masked, its problem. */
const storeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('builtin'), ...common }),
  z.object({
    kind: z.literal('shopify'),
    ...common,
    shopUrl: z.string(),
    locationIds: z.array(z.string()).optional(),
    accessToken: masked,
    webhookSecret: masked,
  }),
  z.object({
    kind: z.literal('woocommerce'),
    ...common,
    url: z.string(),
    trackingMetaKey: z.string().optional(),
    consumerKey: masked,
    consumerSecret: masked,
    webhookSecret: masked.optional(),
  }),
]);
type StoreView = z.infer<typeof storeSchema>;

const testSchema = z.object({
  ok: z.literal(true),
  shopName: z.string(),
  productCount: z.number().int(),
  webhooksRegistered: z.number().int(),
});

const idParams = z.object({ id: z.string().min(1) });
const errors = { 400: problemSchema, 401: problemSchema, 404: problemSchema, 409: problemSchema };

function present(record: StoreRecord, connectionIds: string[]): StoreView {
  const secrets = Object.fromEntries(
    STORE_FIELDS[record.kind].secrets.flatMap((field) =>
      record.secretHints[field] === undefined ? [] : [[field, maskSecret(record.secretHints[field])]],
    ),
  );
  return {
    ...record.config,
    ...secrets,
    id: record.id,
    kind: record.kind,
    name: record.name,
    problem: record.problem,
    connectionIds,
    createdAt: record.createdAt.toISOString(),
    updatedAt: record.updatedAt.toISOString(),
  } as StoreView;
}

/**
 * The shops orders land in (issue "Orders land in the merchant's real shop"): the one built-in store
 * (`builtin`, created by the migration; its products and orders are the `/store/*` routes) and the
 * merchant's Shopify and WooCommerce shops. Secrets are write-only and encrypted; responses mask them.
 */
export const storesRoutes: FastifyPluginAsyncZod<AppDependencies> = async (app, deps) => {
  const policy = { allowCustomUrls: deps.allowCustomUrls ?? false };
  const records = deps.stores.records;

  const load = async (id: string) => {
    const record = await records.get(id);
    if (!record) throw notFound(`Store ${id}`);
    return record;
  };
  const view = async (record: StoreRecord) => present(record, await records.usedBy(record.id));

  /**
   * Asks the shop (test(): credentials, and the webhooks the product subscribes where the shop has
   * them). A failure is the store's problem until a call succeeds; a refused access is recorded by the
   * registry itself.
   */
  async function check(id: string, log: FastifyBaseLogger) {
    try {
      const port = await deps.stores.forStore(id);
      return { ok: true as const, ...(await port.test()) };
    } catch (err) {
      const access = err instanceof StoreAccessError;
      const message = (err as Error).message;
      await records.setProblem(id, { code: access ? 'STORE_ACCESS' : 'STORE_UNREACHABLE', message });
      log.warn({ storeId: id, error: message }, 'store check failed');
      return { ok: false as const, access, message };
    }
  }

  app.post(
    '/stores',
    {
      schema: {
        tags: ['stores'],
        summary:
          'Connect a shop (Shopify or WooCommerce); it is checked, and its webhooks subscribed, at once',
        body: storeCreateSchema(policy),
        response: { 201: storeSchema, ...errors },
      },
    },
    async (request, reply) => {
      const body = request.body;
      if (body.kind === 'builtin')
        throw conflict(`There is exactly one built-in store, "${BUILTIN_STORE_ID}": it cannot be created`);
      const { name, config, secrets } = splitStoreFields(body.kind, body);
      const record = await records.create({
        kind: body.kind,
        name: name!,
        config,
        secrets: secrets as Record<string, string>,
      });
      await check(record.id, request.log);
      return reply.code(201).send(await view((await records.get(record.id)) ?? record));
    },
  );

  app.get(
    '/stores',
    { schema: { tags: ['stores'], response: { 200: z.object({ items: z.array(storeSchema) }) } } },
    async () => {
      const [list, usage] = await Promise.all([records.list(), records.usage()]);
      return { items: list.map((r) => present(r, usage.get(r.id) ?? [])) };
    },
  );

  app.get(
    '/stores/:id',
    { schema: { tags: ['stores'], params: idParams, response: { 200: storeSchema, ...errors } } },
    async (request) => view(await load(request.params.id)),
  );

  app.patch(
    '/stores/:id',
    {
      schema: {
        tags: ['stores'],
        summary: "Change a store's name, settings or secrets (partial; null removes an optional field)",
        params: idParams,
        body: storePatchSchema(policy),
        response: { 200: storeSchema, ...errors },
      },
    },
    async (request) => {
      const record = await load(request.params.id);
      const invalid = storePatchErrors(record.kind, request.body);
      if (invalid.length) {
        throw new HttpProblem(
          400,
          `Invalid body: ${invalid.map((e) => `${e.field} ${e.message}`).join('; ')}`,
          invalid,
        );
      }
      const { name, config, secrets } = splitStoreFields(record.kind, request.body);
      const changesShop = Object.keys(config).length > 0 || Object.keys(secrets).length > 0;
      const merged = mergeConfig(record.kind, record.config, config, policy);
      const updated = await records.update(record.id, {
        name,
        config: merged,
        secrets: secrets as Record<string, string | null>,
      });
      if (!updated) throw notFound(`Store ${record.id}`);
      // New settings or credentials: checked (and webhooks subscribed) as on creation.
      if (changesShop) await check(record.id, request.log);
      return view((await records.get(record.id)) ?? updated);
    },
  );

  app.delete(
    '/stores/:id',
    {
      schema: {
        tags: ['stores'],
        summary: 'Delete a store no connection uses; its webhooks in the shop are removed',
        params: idParams,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      if (id === BUILTIN_STORE_ID) throw conflict('The built-in store cannot be deleted');
      await load(id);
      const inUse = (ids: string[]) =>
        conflict(`Store ${id} is used by connection(s) ${ids.join(', ')}: give them another store first`);
      const users = await records.usedBy(id);
      if (users.length) throw inUse(users);
      try {
        const port = await deps.stores.forStore(id);
        await port.unsubscribe?.();
      } catch (err) {
        // The shop is out of reach (revoked token, gone): deleted anyway; its deliveries to us find no store.
        request.log.warn({ storeId: id, error: (err as Error).message }, 'store webhooks not removed');
      }
      const removed = await records.remove(id);
      if (removed.usedBy.length) throw inUse(removed.usedBy);
      if (!removed.removed) throw notFound(`Store ${id}`);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/stores/:id/test',
    {
      schema: {
        tags: ['stores'],
        summary: "Check the store's credentials (and subscribe its webhooks): 502 naming what failed",
        params: idParams,
        response: { 200: testSchema, ...errors, 502: problemSchema },
      },
    },
    async (request) => {
      const record = await load(request.params.id);
      const result = await check(record.id, request.log);
      if (result.ok) return result;
      throw new HttpProblem(
        502,
        result.access
          ? `Store ${record.id}: the shop refused the product's access: ${result.message}`
          : `Store ${record.id} could not be checked: ${result.message}`,
      );
    },
  );
};

/** The store's configuration after a change (null removes a field), validated as a whole. */
function mergeConfig(
  kind: StoreKindName,
  current: Record<string, unknown>,
  change: Record<string, unknown>,
  policy: { allowCustomUrls: boolean },
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...current };
  for (const [field, value] of Object.entries(change)) {
    if (value === null) delete merged[field];
    else merged[field] = value;
  }
  const parsed = storeConfigSchemas(policy)[kind].safeParse(merged);
  if (!parsed.success) {
    const errors = parsed.error.issues.map((i) => ({
      field: i.path.join('.') || 'body',
      message: i.message,
    }));
    throw new HttpProblem(
      400,
      `Invalid body: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}`,
      errors,
    );
  }
  return parsed.data;
}
