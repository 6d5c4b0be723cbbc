import { createHash, createHmac } from 'node:crypto';
import { z } from 'zod';
import { allowedUrl, type UrlPolicy } from './urls';

/**
 * Notifications (issue 13, item 5): the events a merchant can subscribe a webhook (or the e-mail
 * address of NOTIFY_EMAIL) to, what a delivery carries, and how it is signed. Pure: no I/O.
 */
export const NOTIFICATION_EVENTS = [
  'order.needs_decision',
  'order.import_failed',
  'order.shipment_failed',
  'order.deadline_near',
  'order.deadline_passed',
  'order.cancelled_on_spartoo',
  'order.parcel_lost',
  'order.not_delivered',
  'connection.failing',
  'return.received',
] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];
/** `ping` is sent only by POST /webhooks/:id/ping, to that webhook; nobody subscribes to it. */
export type DeliveredEvent = NotificationEvent | 'ping';

/** What each event means, for the API docs, the dashboard and the e-mails' subject lines. */
export const EVENT_TITLES: Record<DeliveredEvent, string> = {
  'order.needs_decision': 'Order waiting for your decision',
  'order.import_failed': 'Order import failed',
  'order.shipment_failed': 'Shipment could not be sent to Spartoo',
  'order.deadline_near': 'Acceptance deadline near',
  'order.deadline_passed': 'Acceptance deadline passed',
  'order.cancelled_on_spartoo': 'Order cancelled on Spartoo',
  'order.parcel_lost': 'Parcel lost',
  'order.not_delivered': 'Parcel not delivered',
  'connection.failing': 'Connection failing',
  'return.received': 'New return',
  ping: 'Test delivery',
};

/** Webhook headers (lowercase as Node sends them; HTTP names are case-insensitive). */
export const HEADERS = {
  signature: 'X-Spartoo-Sync-Signature',
  delivery: 'X-Spartoo-Sync-Delivery',
  event: 'X-Spartoo-Sync-Event',
} as const;

/**
 * The JSON a delivery sends (and an e-mail tells). Never the customer's name, address, e-mail or
 * phone: ids, statuses and the product's own messages only, which is all a merchant needs to open
 * the order in the dashboard.
 */
export interface NotificationPayload {
  event: DeliveredEvent;
  /** When the event happened (ISO time). */
  at: string;
  connectionId?: string;
  connectionName?: string;
  orderId?: string;
  returnId?: string;
  /** The order's (or return's) status in the product, and Spartoo's code. */
  status?: string;
  spartooStatus?: number | null;
  /** A failed step's message (never customer data: activities/failures.ts). */
  error?: string | null;
  [detail: string]: unknown;
}

/** Bare lowercase hex HMAC-SHA256 of the raw body with the webhook's secret. */
export function signBody(secret: string, body: string): string {
  return createHmac('sha256', secret).update(body, 'utf8').digest('hex');
}

/**
 * The delivery id: the same for the same target and the same occurrence of an event (`source`), so a
 * bookkeeping activity that runs twice writes one delivery, and every retry of it sends the same id.
 */
export function deliveryId(target: string, source: string): string {
  return createHash('sha256').update(`${target}\n${source}`).digest('hex').slice(0, 32);
}

export const WEBHOOK_SECRET_MIN = 16;

/** POST /webhooks: the URL under the URL rule of domain/urls.ts (SPARTOO_ALLOW_CUSTOM_URL). */
export function webhookInputSchema(policy: UrlPolicy) {
  return z
    .object({
      url: allowedUrl(policy).describe(
        'http(s); loopback and private addresses only when the operator sets SPARTOO_ALLOW_CUSTOM_URL=1',
      ),
      secret: z
        .string()
        .min(WEBHOOK_SECRET_MIN, `must be at least ${WEBHOOK_SECRET_MIN} characters`)
        .max(500)
        .describe('signs every delivery (X-Spartoo-Sync-Signature); write-only, stored encrypted'),
      events: z
        .array(z.enum(NOTIFICATION_EVENTS))
        .min(1, 'must name at least one event')
        .max(NOTIFICATION_EVENTS.length)
        .refine((events) => new Set(events).size === events.length, 'must not repeat an event'),
    })
    .strict();
}
export type WebhookInput = z.infer<ReturnType<typeof webhookInputSchema>>;

/** A connection's account problem (Spartoo -2, -428…): it polls on a long back-off until it works. */
export interface ConnectionProblem {
  code: number;
  message: string;
  /** When it first failed so (ISO time). */
  since: string;
}

/** Failed cycles of one kind in a row before `connection.failing`. */
export const FAILING_AFTER = 3;

/** The e-mail of a notification: plain text, the same facts as the webhook's JSON, no customer data. */
export function notificationEmail(
  payload: NotificationPayload,
  options: { dashboardUrl?: string } = {},
): { subject: string; text: string } {
  const title = EVENT_TITLES[payload.event] ?? payload.event;
  const about = payload.orderId
    ? `: order ${payload.orderId}`
    : payload.returnId
      ? `: return ${payload.returnId}`
      : '';
  const where = payload.connectionName ?? payload.connectionId;
  const lines = [
    `${title}${about}`,
    '',
    `Event: ${payload.event}`,
    `At: ${payload.at}`,
    where ? `Connection: ${where}${payload.connectionName ? ` (${payload.connectionId})` : ''}` : '',
    payload.orderId ? `Spartoo order: ${payload.orderId}` : '',
    payload.returnId ? `Spartoo return: ${payload.returnId}` : '',
    payload.status ? `Status: ${payload.status}` : '',
    typeof payload.spartooStatus === 'number' ? `Spartoo status: ${payload.spartooStatus}` : '',
    payload.error ? `Reason: ${payload.error}` : '',
    typeof payload.failures === 'number'
      ? `Failed ${payload.kind === 'stock' ? 'stock pushes' : 'polls'} in a row: ${payload.failures}`
      : '',
    payload.problem
      ? `Account problem: ${(payload.problem as ConnectionProblem).code} ${(payload.problem as ConnectionProblem).message}`
      : '',
    typeof payload.deadline === 'string' ? `Acceptance deadline: ${payload.deadline}` : '',
  ].filter((line, i) => line !== '' || i === 1);
  const link = dashboardLink(payload, options.dashboardUrl);
  if (link) lines.push('', `Open it: ${link}`);
  lines.push(
    '',
    'Sent by spartoo-sync. This e-mail holds no customer data: open the dashboard for the order.',
  );
  return { subject: `[spartoo-sync] ${title}${about}${where ? ` (${where})` : ''}`, text: lines.join('\n') };
}

function dashboardLink(payload: NotificationPayload, base: string | undefined): string | undefined {
  if (!base) return undefined;
  const root = base.replace(/\/+$/, '');
  const id = (value: string) => encodeURIComponent(value);
  if (payload.connectionId && payload.orderId)
    return `${root}/#/orders/${id(payload.connectionId)}/${id(payload.orderId)}`;
  if (payload.connectionId) return `${root}/#/connections/${id(payload.connectionId)}`;
  return `${root}/`;
}
