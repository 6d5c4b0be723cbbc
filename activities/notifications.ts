import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { createTransport } from 'nodemailer';
import type { ConnectionRepository } from '../db/connections';
import type { NewDelivery, NotificationRepository } from '../db/notifications';
import type { OrderRepository } from '../db/orders';
import type { CycleResult } from '../db/schema';
import {
  type ConnectionProblem,
  deliveryId,
  HEADERS,
  type NotificationEvent,
  type NotificationPayload,
  notificationEmail,
  signBody,
} from '../domain/notifications';
import type { OrderStatus } from '../domain/statuses';
import { urlRefusal } from '../domain/urls';
import type { NotificationOptions } from '../runtime/notifications';
import type { SpartooReturn } from '../spartoo/types';
import { RETURN_STATUS } from '../spartoo/types';
import {
  DEFAULT_DELIVERY_RETRY,
  type DeliveryRetry,
  type NotificationOutcome,
  type NotificationWorkflowInput,
} from '../workflows/notification-messages';

export interface NotifierDependencies {
  notifications: NotificationRepository;
  orders: OrderRepository;
  connections: ConnectionRepository;
  /** Starts a delivery's workflow, once (workflow gateway `startNotification`). */
  startDelivery: (deliveryId: string) => Promise<void>;
  /** Unset: nothing is notified (connection health is still kept: the account back-off needs it). */
  options?: NotificationOptions;
}

/** What the bookkeeping of an order status tells (activities/orders.ts `recordOrderStatus`). */
export interface OrderStatusRecorded {
  connectionId: string;
  orderId: string;
  status: OrderStatus;
  lastError?: string | null;
}

/** What `recordCycle` tells (activities/connection.ts). */
export interface CycleRecorded {
  connectionId: string;
  kind: 'poll' | 'stock';
  result: CycleResult;
  /** The cycle failed for the account's sake (Spartoo -1, -2, -428): workflows/connection.ts reads it. */
  problem?: { code: number; message: string };
}

/**
 * An event raised by code that is not bookkeeping (the acceptance deadline's reminder and mark): the
 * `key` names its occurrence, so a retried activity sends it once (e.g. `deadline_near/<conn>/<order>`).
 */
export interface NotifyEventInput {
  event: NotificationEvent;
  key: string;
  connectionId?: string;
  orderId?: string;
  returnId?: string;
  /** Anything else the receiver needs (never customer data): `deadline`, `status`… */
  details?: Record<string, unknown>;
}

/** The HTTP request's and SMTP exchange's own limit, below the activity's. */
const DEFAULT_TIMEOUT_MS = 10_000;
const USER_AGENT = 'spartoo-sync-webhooks/1';

/** A delivery attempt that failed: retryable (Temporal backs off), except a refused URL. */
const FAILURE = { refused: 'WebhookRefused', urlRefused: 'WebhookUrlRefused', email: 'EmailFailed' };

/** Failure statuses whose repetition with the same message (an automatic retry) is told once. */
const ORDER_EVENTS: Partial<Record<OrderStatus, NotificationEvent>> = {
  IMPORT_FAILED: 'order.import_failed',
  SHIPMENT_FAILED: 'order.shipment_failed',
  PARCEL_LOST: 'order.parcel_lost',
  NOT_DELIVERED: 'order.not_delivered',
};

/**
 * The occurrence of a status change: the bookkeeping activity's own identity (its workflow run and
 * activity id), the same on every retry of that activity and different for every other call. Outside
 * an activity (a script, a unit test) every call is its own occurrence.
 */
function occurrence(): string {
  try {
    const info = Context.current().info;
    const run = info.workflowExecution;
    if (run) return `${run.workflowId}/${run.runId}/${info.activityId}`;
  } catch {
    // Not in an activity.
  }
  return `call/${randomUUID()}`;
}

/**
 * Did the product itself send Spartoo the 41 (the merchant's refusal or cancel, a shop's cancellation)?
 * Otherwise Spartoo cancelled the order (the customer, or Spartoo's own deadline). Read from the
 * order's communications log: a `… (41) …` call to Spartoo that Spartoo took (1, or -9 already done).
 */
function cancelledByProduct(log: { direction: string; action: string; result: string }[]): boolean {
  return log.some(
    (e) =>
      e.direction === 'TO_SPARTOO' &&
      /\(41\)/.test(e.action) &&
      (e.result === '1' || e.result.startsWith('-9')),
  );
}

const errorText = (err: unknown) => {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return undefined;
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
};

/**
 * Notifications (issue 13, item 5): events become outbox rows (`notification_deliveries`, one per
 * webhook subscribed and one for NOTIFY_EMAIL, each with a deterministic id) and each row a small
 * workflow (`notificationWorkflow`) whose activity delivers it with Temporal's retries. Events are
 * raised by the bookkeeping activities the workflows already call (no new command in the order and
 * return workflows): `orderStatusRecorded` (recordOrderStatus), `cycleRecorded` (recordCycle),
 * `returnReceived` (the poll, where a return is first seen), and the `notifyEvent` activity for the
 * acceptance deadline's events.
 */
export function createNotifier(deps: NotifierDependencies) {
  const { notifications, orders, connections } = deps;
  const options = deps.options;
  const retry: DeliveryRetry = { ...DEFAULT_DELIVERY_RETRY, ...options?.retry };
  const timeoutMs = options?.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  /** Who gets an event: every webhook subscribed to it, and NOTIFY_EMAIL when e-mail is set up. */
  async function targets(event: NotificationEvent) {
    if (!options) return [];
    const hooks = await notifications.webhooksFor(event);
    return [
      ...hooks.map((h) => ({
        target: `webhook/${h.id}`,
        channel: 'webhook',
        webhookId: h.id as string | null,
      })),
      ...(options.email ? [{ target: 'email', channel: 'email', webhookId: null }] : []),
    ];
  }

  function rows(
    list: Awaited<ReturnType<typeof targets>>,
    source: string,
    subject: string,
    payload: NotificationPayload,
  ): NewDelivery[] {
    const body = JSON.stringify(payload);
    return list.map((t) => ({
      id: deliveryId(t.target, source),
      channel: t.channel,
      webhookId: t.webhookId,
      event: payload.event,
      subject,
      source,
      body,
    }));
  }

  /** Starts each delivery's workflow (a second start of the same delivery is a no-op). */
  async function start(ids: readonly string[]) {
    for (const id of ids) await deps.startDelivery(id);
  }

  const connectionName = async (connectionId: string) => (await connections.get(connectionId))?.settings.name;

  /**
   * Writes an occurrence of an event once and starts its deliveries. Run again (a retried activity),
   * it only starts those still pending. `onlyIfNew`: a failure told last time about the same subject
   * with the same message is not told again (the workflows' own retries of an account problem).
   */
  async function emit(input: {
    source: string;
    subject: string;
    payload: NotificationPayload & { event: NotificationEvent };
    onlyIfNew?: boolean;
  }): Promise<string[]> {
    if (!options) return [];
    if (await notifications.hasSource(input.source)) {
      const pending = await notifications.pendingOf(input.source);
      await start(pending);
      return pending;
    }
    if (input.onlyIfNew) {
      const last = await notifications.lastAbout(input.subject);
      if (last?.event === input.payload.event) {
        const before = JSON.parse(last.body) as NotificationPayload;
        if ((before.error ?? null) === (input.payload.error ?? null)) return [];
      }
    }
    const list = await targets(input.payload.event);
    if (list.length === 0) return [];
    const batch = rows(list, input.source, input.subject, input.payload);
    await notifications.addDeliveries(batch);
    const pending = await notifications.pendingOf(input.source);
    await start(pending);
    return pending;
  }

  /** The event an order's new status raises, if any, with what the payload says of it. */
  async function orderEvent(
    ref: OrderStatusRecorded,
  ): Promise<{ event: NotificationEvent; extra?: Record<string, unknown> } | undefined> {
    const candidate =
      ORDER_EVENTS[ref.status] ??
      (ref.status === 'WAITING_ACCEPTANCE'
        ? 'order.needs_decision'
        : ref.status === 'CANCELLED' || ref.status === 'REFUSED'
          ? 'order.cancelled_on_spartoo'
          : undefined);
    // Most status changes tell nobody: the read model is read only for an event someone listens to.
    if (!candidate || (await targets(candidate)).length === 0) return undefined;
    if (candidate === ORDER_EVENTS[ref.status]) return { event: candidate };
    if (ref.status === 'WAITING_ACCEPTANCE') {
      // Waiting after the rule decided not to accept (not a resume after a failed fetch or acceptance,
      // nor an order the merchant already decided on).
      const decision = (await orders.get(ref.connectionId, ref.orderId))?.detail.decision;
      if (!decision || decision.accepted || decision.decidedBy === 'MERCHANT') return undefined;
      return { event: 'order.needs_decision', extra: { reasons: decision.reasons.map((r) => r.code) } };
    }
    if (ref.status === 'CANCELLED' || ref.status === 'REFUSED') {
      const log = await orders.readLog(ref.connectionId, ref.orderId);
      // Spartoo's 41 reached the workflow by a poll's signal; the read model may not hold it yet.
      return cancelledByProduct(log)
        ? undefined
        : { event: 'order.cancelled_on_spartoo', extra: { spartooStatus: 41 } };
    }
    return undefined;
  }

  const notifier = {
    /** After recordOrderStatus: the status's event, once per status change. */
    async orderStatusRecorded(ref: OrderStatusRecorded): Promise<void> {
      const found = await orderEvent(ref);
      if (!found) return;
      const order = await orders.get(ref.connectionId, ref.orderId);
      const failure = found.event === 'order.import_failed' || found.event === 'order.shipment_failed';
      await emit({
        source: `${found.event}|${occurrence()}`,
        subject: `order/${ref.connectionId}/${ref.orderId}`,
        onlyIfNew: failure,
        payload: {
          event: found.event,
          at: new Date().toISOString(),
          connectionId: ref.connectionId,
          connectionName: await connectionName(ref.connectionId),
          orderId: ref.orderId,
          status: ref.status,
          spartooStatus: order?.spartooStatus ?? null,
          ...(failure ? { error: ref.lastError ?? null } : {}),
          ...found.extra,
        },
      });
    },

    /**
     * After a poll or stock cycle is recorded: counts failures in a row and keeps the account problem
     * (db/notifications.ts); `connection.failing` once per failing streak, written in the same
     * transaction as the count. Answers the connection's account problem, which backs its polls off.
     */
    async cycleRecorded(input: CycleRecorded): Promise<{ problem: ConnectionProblem | null }> {
      const { connectionId, kind, result } = input;
      const at = result.at;
      const source = `connection.failing|${connectionId}|${kind}|${at}`;
      // Read before the transaction, used only if this cycle is the one to tell.
      const [list, name] = result.ok
        ? [[], undefined]
        : await Promise.all([targets('connection.failing'), connectionName(connectionId)]);
      const sizesSent = typeof result.sizesSent === 'number' ? result.sizesSent : 0;
      const outcome = await notifications.recordCycle(
        connectionId,
        {
          kind,
          at,
          ok: result.ok || result.error === undefined,
          reachedSpartoo: kind === 'poll' || sizesSent > 0,
          problem: input.problem,
        },
        (notice) =>
          rows(list, source, `connection/${connectionId}`, {
            event: 'connection.failing',
            at: new Date().toISOString(),
            connectionId,
            connectionName: name,
            kind,
            reason: notice.reason,
            failures: notice.failures,
            error: result.error ?? null,
            problem: notice.problem,
          }),
      );
      // This cycle's deliveries (new, or left pending by an earlier run of this activity) start now.
      if (!result.ok) await start(await notifications.pendingOf(source));
      return { problem: outcome.problem };
    },

    /** A return the poll sees for the first time, waiting for the merchant (Spartoo 2). */
    async returnReceived(connectionId: string, r: SpartooReturn): Promise<void> {
      if (r.returnStatus !== RETURN_STATUS.WAITING) return;
      await emit({
        source: `return.received|${connectionId}|${r.returnId}`,
        subject: `return/${connectionId}/${r.returnId}`,
        payload: {
          event: 'return.received',
          at: new Date().toISOString(),
          connectionId,
          connectionName: await connectionName(connectionId),
          returnId: r.returnId,
          orderId: r.orderId,
          status: 'WAITING_RECEPTION',
          spartooStatus: r.returnStatus,
        },
      });
    },

    /** Any event, once per `key` (the acceptance deadline's `order.deadline_near` / `_passed`). */
    async notifyEvent(input: NotifyEventInput): Promise<{ deliveries: number }> {
      const subject = input.orderId
        ? `order/${input.connectionId}/${input.orderId}`
        : input.returnId
          ? `return/${input.connectionId}/${input.returnId}`
          : `connection/${input.connectionId ?? ''}`;
      const pending = await emit({
        source: `${input.event}|key|${input.key}`,
        subject,
        payload: {
          ...input.details,
          event: input.event,
          at: new Date().toISOString(),
          ...(input.connectionId
            ? { connectionId: input.connectionId, connectionName: await connectionName(input.connectionId) }
            : {}),
          ...(input.orderId ? { orderId: input.orderId } : {}),
          ...(input.returnId ? { returnId: input.returnId } : {}),
        },
      });
      return { deliveries: pending.length };
    },
  };

  /** POSTs one delivery: 2xx is delivered; anything else is recorded and thrown for Temporal to retry. */
  async function post(delivery: { id: string; event: string; body: string }, webhookId: string) {
    const target = options && (await notifications.webhookTarget(webhookId));
    if (!target) return { outcome: 'skipped' as const };
    const refusal = urlRefusal(target.url, options!.urlPolicy);
    if (refusal) {
      return {
        outcome: 'failed' as const,
        error: `URL refused: ${refusal}`,
        final: true,
        responseStatus: null,
      };
    }
    try {
      const response = await fetch(target.url, {
        method: 'POST',
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
        headers: {
          'content-type': 'application/json',
          'user-agent': USER_AGENT,
          [HEADERS.signature]: signBody(target.secret, delivery.body),
          [HEADERS.delivery]: delivery.id,
          [HEADERS.event]: delivery.event,
        },
        body: delivery.body,
      });
      await response.body?.cancel().catch(() => {});
      if (response.status >= 200 && response.status < 300)
        return { outcome: 'delivered' as const, responseStatus: response.status };
      return {
        outcome: 'failed' as const,
        responseStatus: response.status,
        error: `HTTP ${response.status}${response.status >= 300 && response.status < 400 ? ' (redirects are not followed)' : ''}`,
      };
    } catch (err) {
      return {
        outcome: 'failed' as const,
        responseStatus: null,
        error: errorText(err) ?? `no answer within ${Math.round(timeoutMs / 1000)} s`,
      };
    }
  }

  /** E-mails one delivery to NOTIFY_EMAIL. */
  async function mail(delivery: { body: string }) {
    const email = options?.email;
    if (!email) {
      return { outcome: 'failed' as const, responseStatus: null, error: 'E-mail is not set up', final: true };
    }
    const { subject, text } = notificationEmail(JSON.parse(delivery.body) as NotificationPayload, {
      dashboardUrl: options?.dashboardUrl,
    });
    const transport = createTransport({
      url: email.smtpUrl,
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
    });
    try {
      await transport.sendMail({ from: email.from, to: email.to, subject, text });
      return { outcome: 'delivered' as const, responseStatus: null };
    } catch (err) {
      const e = err as Error & { responseCode?: number };
      return { outcome: 'failed' as const, responseStatus: e.responseCode ?? null, error: e.message };
    } finally {
      transport.close();
    }
  }

  const activities = {
    /** The delivery workflow's first step: its retry policy, or null when there is nothing to deliver. */
    async planNotification(input: NotificationWorkflowInput): Promise<{ retry: DeliveryRetry } | null> {
      const delivery = await notifications.getDelivery(input.deliveryId);
      return delivery?.status === 'pending' ? { retry } : null;
    },

    /**
     * One attempt (Temporal's attempt number): the webhook's URL and secret are read here by its id,
     * the body is the outbox's, signed; the outcome is recorded whatever it is.
     */
    async deliverNotification(input: NotificationWorkflowInput): Promise<NotificationOutcome> {
      const attempt = Context.current().info.attempt;
      const delivery = await notifications.getDelivery(input.deliveryId);
      if (delivery?.status !== 'pending') return 'skipped';
      const result =
        delivery.channel === 'email' ? await mail(delivery) : await post(delivery, delivery.webhookId ?? '');
      if (result.outcome === 'skipped') return 'skipped';
      await notifications.recordAttempt(delivery.id, {
        attempt,
        status: result.outcome,
        responseStatus: result.responseStatus ?? null,
        error: result.outcome === 'failed' ? (result.error ?? null) : null,
      });
      if (result.outcome === 'delivered') return 'delivered';
      const type = delivery.channel === 'email' ? FAILURE.email : FAILURE.refused;
      if ('final' in result && result.final)
        throw ApplicationFailure.nonRetryable(result.error ?? 'refused', FAILURE.urlRefused);
      throw ApplicationFailure.retryable(result.error ?? 'delivery failed', type);
    },

    /** Every attempt failed: the delivery shows as failed. */
    async notificationGaveUp(input: NotificationWorkflowInput): Promise<void> {
      await notifications.giveUp(input.deliveryId);
    },

    /** For the acceptance deadline's code: `order.deadline_near` / `order.deadline_passed` (see NotifyEventInput). */
    async notifyEvent(input: NotifyEventInput): Promise<{ deliveries: number }> {
      return notifier.notifyEvent(input);
    },
  };

  return { ...notifier, activities };
}

export type Notifier = ReturnType<typeof createNotifier>;
