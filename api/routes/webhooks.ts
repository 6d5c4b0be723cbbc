import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { decodeAttemptCursor, encodeAttemptCursor, type WebhookRecord } from '../../db/notifications';
import {
  deliveryId,
  EVENT_TITLES,
  HEADERS,
  NOTIFICATION_EVENTS,
  webhookInputSchema,
} from '../../domain/notifications';
import { maskSecret } from '../../domain/settings';
import type { AppDependencies } from '../app';
import { HttpProblem, notFound, problemSchema } from '../problem';

const webhookSchema = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(z.enum(NOTIFICATION_EVENTS)),
  secret: z.string().describe('masked: •••• and the last 4 characters; the secret itself is never answered'),
  createdAt: z.string(),
});

const attemptSchema = z.object({
  id: z.string().describe(`the delivery id (${HEADERS.delivery}), the same on every attempt`),
  event: z.string(),
  at: z.string().describe('when this attempt ended'),
  attempt: z.number().int().describe('1 for the first attempt'),
  status: z.enum(['delivered', 'failed']),
  responseStatus: z.number().int().nullable(),
  error: z.string().nullable(),
});

const idParams = z.object({ id: z.string().min(1) });
const errors = { 400: problemSchema, 401: problemSchema, 404: problemSchema };

/** How long POST /webhooks/:id/ping waits for the first attempt before answering it pending. */
const PING_WAIT_MS = 15_000;

const present = (w: WebhookRecord): z.infer<typeof webhookSchema> => ({
  id: w.id,
  url: w.url,
  events: w.events,
  secret: maskSecret(w.secretLast4),
  createdAt: w.createdAt.toISOString(),
});

/**
 * Outbound webhooks (issue 13, item 5): each delivery is a JSON `{event, at, connectionId, orderId?,
 * returnId?, …}` POSTed with `X-Spartoo-Sync-Signature` (hex HMAC-SHA256 of the raw body with the
 * secret), `X-Spartoo-Sync-Delivery` and `X-Spartoo-Sync-Event`, retried with back-off by its workflow.
 */
export const webhookRoutes: FastifyPluginAsyncZod<AppDependencies> = async (app, deps) => {
  const notifications = deps.notifications;
  const inputSchema = webhookInputSchema({ allowCustomUrls: deps.allowCustomUrls ?? false });
  const load = async (id: string) => {
    const webhook = await notifications.getWebhook(id);
    if (!webhook) throw notFound(`Webhook ${id}`);
    return webhook;
  };

  app.post(
    '/webhooks',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Subscribe a URL to events',
        description: NOTIFICATION_EVENTS.map((e) => `\`${e}\`: ${EVENT_TITLES[e]}`).join('; '),
        body: inputSchema,
        response: { 201: webhookSchema, ...errors },
      },
    },
    async (request, reply) => reply.code(201).send(present(await notifications.createWebhook(request.body))),
  );

  app.get(
    '/webhooks',
    { schema: { tags: ['webhooks'], response: { 200: z.object({ items: z.array(webhookSchema) }) } } },
    async () => ({ items: (await notifications.listWebhooks()).map(present) }),
  );

  app.get(
    '/webhooks/:id',
    { schema: { tags: ['webhooks'], params: idParams, response: { 200: webhookSchema, ...errors } } },
    async (request) => present(await load(request.params.id)),
  );

  app.delete(
    '/webhooks/:id',
    { schema: { tags: ['webhooks'], params: idParams, response: { 204: z.null(), ...errors } } },
    async (request, reply) => {
      if (!(await notifications.removeWebhook(request.params.id)))
        throw notFound(`Webhook ${request.params.id}`);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/webhooks/:id/deliveries',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Every delivery attempt, newest first',
        params: idParams,
        querystring: z.object({
          limit: z.coerce.number().int().min(1).max(200).default(50),
          cursor: z.string().optional(),
        }),
        response: {
          200: z.object({ items: z.array(attemptSchema), nextCursor: z.string().nullable() }),
          ...errors,
        },
      },
    },
    async (request) => {
      const webhook = await load(request.params.id);
      const { limit, cursor: raw } = request.query;
      const cursor = raw === undefined ? undefined : decodeAttemptCursor(raw);
      if (raw !== undefined && !cursor) {
        throw new HttpProblem(400, 'Invalid querystring: cursor is not one this API gave', [
          { field: 'querystring.cursor', message: 'is not one this API gave' },
        ]);
      }
      const page = await notifications.attempts(webhook.id, { limit, cursor });
      return {
        items: page.items.map((a) => ({ ...a, at: a.at.toISOString() })),
        nextCursor: page.next ? encodeAttemptCursor(page.next) : null,
      };
    },
  );

  app.post(
    '/webhooks/:id/ping',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Send a test delivery (event `ping`) and answer its first attempt',
        params: idParams,
        response: {
          200: z.object({
            id: z.string(),
            event: z.literal('ping'),
            status: z.enum(['pending', 'delivered', 'failed']),
            attempt: attemptSchema.nullable().describe('the first attempt; null if not made within 15 s'),
          }),
          ...errors,
          503: problemSchema,
        },
      },
    },
    async (request) => {
      const webhook = await load(request.params.id);
      const source = `ping|${randomUUID()}`;
      const id = deliveryId(`webhook/${webhook.id}`, source);
      await notifications.addDeliveries([
        {
          id,
          channel: 'webhook',
          webhookId: webhook.id,
          event: 'ping',
          subject: `webhook/${webhook.id}`,
          source,
          body: JSON.stringify({ event: 'ping', at: new Date().toISOString(), webhookId: webhook.id }),
        },
      ]);
      try {
        await deps.workflows.startNotification(id);
      } catch (err) {
        request.log.error({ err }, 'could not start the notification workflow');
        throw new HttpProblem(503, 'Temporal is unavailable: the ping was not sent');
      }
      const deadline = Date.now() + PING_WAIT_MS;
      for (;;) {
        const first = await notifications.firstAttempt(id);
        if (first || Date.now() > deadline) {
          return {
            id,
            event: 'ping' as const,
            status: first ? first.status : ('pending' as const),
            attempt: first ? { ...first, at: first.at.toISOString() } : null,
          };
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    },
  );
};
