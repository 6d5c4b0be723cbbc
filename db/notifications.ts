import { randomUUID } from 'node:crypto';
import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import {
  type ConnectionProblem,
  FAILING_AFTER,
  type NotificationEvent,
  type WebhookInput,
} from '../domain/notifications';
import type { SecretBox } from '../runtime/secret-box';
import type { Database } from './client';
import { connectionHealth, notificationAttempts, notificationDeliveries, webhooks } from './schema';

/** A webhook as the product shows it: never its secret, only the secret's last 4 characters. */
export interface WebhookRecord {
  id: string;
  url: string;
  events: NotificationEvent[];
  secretLast4: string;
  createdAt: Date;
}

type WebhookRow = typeof webhooks.$inferSelect;
const toWebhook = (row: WebhookRow): WebhookRecord => ({
  id: row.id,
  url: row.url,
  events: row.events as NotificationEvent[],
  secretLast4: row.secretLast4,
  createdAt: row.createdAt,
});

/** One attempt of a delivery, as GET /webhooks/:id/deliveries lists them. */
export interface DeliveryAttempt {
  id: string;
  event: string;
  at: Date;
  attempt: number;
  status: 'delivered' | 'failed';
  responseStatus: number | null;
  error: string | null;
}

export interface AttemptCursor {
  at: string;
  id: string;
  attempt: number;
}

export const encodeAttemptCursor = (c: AttemptCursor) => Buffer.from(JSON.stringify(c)).toString('base64url');
export function decodeAttemptCursor(cursor: string): AttemptCursor | undefined {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      typeof value?.at === 'string' &&
      !Number.isNaN(Date.parse(value.at)) &&
      typeof value.id === 'string' &&
      Number.isInteger(value.attempt)
    ) {
      return value;
    }
  } catch {}
  return undefined;
}

/** Why a connection is told failing: its account problem began, or FAILING_AFTER cycles failed. */
export interface FailingNotice {
  reason: 'account' | 'failures';
  failures: number;
  problem: ConnectionProblem | null;
}

export type DeliveryRow = typeof notificationDeliveries.$inferSelect;
export type NewDelivery = Pick<
  DeliveryRow,
  'id' | 'channel' | 'webhookId' | 'event' | 'subject' | 'source' | 'body'
>;

/** The merchant's webhooks, their deliveries and the attempts of each (issue 13, item 5). */
export function createNotificationRepository(db: Database, secretBox?: SecretBox) {
  const secrets = () => {
    if (!secretBox) throw new Error('The notification repository was opened without SECRET_KEY');
    return secretBox;
  };
  return {
    async createWebhook(input: WebhookInput, id: string = randomUUID()): Promise<WebhookRecord> {
      const [row] = await db
        .insert(webhooks)
        .values({
          id,
          url: input.url,
          events: input.events,
          secretEncrypted: secrets().seal(input.secret),
          secretLast4: input.secret.slice(-4),
        })
        .returning();
      return toWebhook(row!);
    },

    async listWebhooks(): Promise<WebhookRecord[]> {
      const rows = await db.select().from(webhooks).orderBy(asc(webhooks.createdAt), asc(webhooks.id));
      return rows.map(toWebhook);
    },

    async getWebhook(id: string): Promise<WebhookRecord | undefined> {
      const [row] = await db.select().from(webhooks).where(eq(webhooks.id, id));
      return row && toWebhook(row);
    },

    /** The webhooks subscribed to an event. */
    async webhooksFor(event: NotificationEvent): Promise<WebhookRecord[]> {
      const rows = await db
        .select()
        .from(webhooks)
        .where(sql`${webhooks.events} @> ${JSON.stringify([event])}::jsonb`)
        .orderBy(asc(webhooks.id));
      return rows.map(toWebhook);
    },

    /** Its deliveries and their attempts go with it; a delivery under way stops at its next attempt. */
    async removeWebhook(id: string): Promise<boolean> {
      const deleted = await db.delete(webhooks).where(eq(webhooks.id, id)).returning({ id: webhooks.id });
      return deleted.length > 0;
    },

    /** The webhook's URL and clear secret: for the delivery activity only, never a response or a log. */
    async webhookTarget(id: string): Promise<{ url: string; secret: string } | undefined> {
      const [row] = await db
        .select({ url: webhooks.url, sealed: webhooks.secretEncrypted })
        .from(webhooks)
        .where(eq(webhooks.id, id));
      return row && { url: row.url, secret: secrets().open(row.sealed) };
    },

    /** Writes deliveries once (their ids are deterministic): answers the ids of those that were new. */
    async addDeliveries(rows: NewDelivery[]): Promise<string[]> {
      if (rows.length === 0) return [];
      const added = await db
        .insert(notificationDeliveries)
        .values(rows)
        .onConflictDoNothing()
        .returning({ id: notificationDeliveries.id });
      return added.map((r) => r.id);
    },

    /** The deliveries of one occurrence of an event still to be made (a retried activity starts them again). */
    async pendingOf(source: string): Promise<string[]> {
      const rows = await db
        .select({ id: notificationDeliveries.id })
        .from(notificationDeliveries)
        .where(and(eq(notificationDeliveries.source, source), eq(notificationDeliveries.status, 'pending')));
      return rows.map((r) => r.id);
    },

    async hasSource(source: string): Promise<boolean> {
      const [row] = await db
        .select({ id: notificationDeliveries.id })
        .from(notificationDeliveries)
        .where(eq(notificationDeliveries.source, source))
        .limit(1);
      return row !== undefined;
    },

    /** The newest delivery about a subject (an order…): a failure repeated the same is not told again. */
    async lastAbout(subject: string): Promise<DeliveryRow | undefined> {
      const [row] = await db
        .select()
        .from(notificationDeliveries)
        .where(eq(notificationDeliveries.subject, subject))
        .orderBy(desc(notificationDeliveries.createdAt))
        .limit(1);
      return row;
    },

    async getDelivery(id: string): Promise<DeliveryRow | undefined> {
      const [row] = await db.select().from(notificationDeliveries).where(eq(notificationDeliveries.id, id));
      return row;
    },

    /** One attempt's outcome (the attempt number is Temporal's, so a repeated record overwrites itself). */
    async recordAttempt(
      deliveryId: string,
      attempt: Omit<DeliveryAttempt, 'id' | 'event' | 'at'>,
    ): Promise<void> {
      await db.transaction(async (tx) => {
        const [exists] = await tx
          .select({ id: notificationDeliveries.id })
          .from(notificationDeliveries)
          .where(eq(notificationDeliveries.id, deliveryId))
          .for('update');
        if (!exists) return;
        await tx
          .insert(notificationAttempts)
          .values({ deliveryId, ...attempt })
          .onConflictDoUpdate({
            target: [notificationAttempts.deliveryId, notificationAttempts.attempt],
            set: {
              at: new Date(),
              status: attempt.status,
              responseStatus: attempt.responseStatus,
              error: attempt.error,
            },
          });
        await tx
          .update(notificationDeliveries)
          .set({
            attempts: sql`greatest(${notificationDeliveries.attempts}, ${attempt.attempt})`,
            ...(attempt.status === 'delivered' ? { status: 'delivered' } : {}),
            updatedAt: new Date(),
          })
          .where(eq(notificationDeliveries.id, deliveryId));
      });
    },

    /** Every attempt failed: the delivery is given up (shown as such; nothing retries it). */
    async giveUp(deliveryId: string): Promise<void> {
      await db
        .update(notificationDeliveries)
        .set({ status: 'failed', updatedAt: new Date() })
        .where(and(eq(notificationDeliveries.id, deliveryId), eq(notificationDeliveries.status, 'pending')));
    },

    /** One delivery's first attempt, once made. */
    async firstAttempt(deliveryId: string): Promise<DeliveryAttempt | undefined> {
      const a = notificationAttempts;
      const d = notificationDeliveries;
      const [row] = await db
        .select({
          id: a.deliveryId,
          event: d.event,
          at: a.at,
          attempt: a.attempt,
          status: a.status,
          responseStatus: a.responseStatus,
          error: a.error,
        })
        .from(a)
        .innerJoin(d, eq(d.id, a.deliveryId))
        .where(eq(a.deliveryId, deliveryId))
        .orderBy(asc(a.attempt))
        .limit(1);
      return row as DeliveryAttempt | undefined;
    },

    /** A webhook's attempts, newest first, keyset paged. */
    async attempts(
      webhookId: string,
      page: { limit: number; cursor?: AttemptCursor },
    ): Promise<{ items: DeliveryAttempt[]; next?: AttemptCursor }> {
      const a = notificationAttempts;
      const d = notificationDeliveries;
      const after = page.cursor
        ? sql`(${a.at}, ${a.deliveryId}, ${a.attempt}) < (${page.cursor.at}::timestamptz, ${page.cursor.id}, ${page.cursor.attempt})`
        : undefined;
      const rows = await db
        .select({
          id: a.deliveryId,
          event: d.event,
          at: a.at,
          attempt: a.attempt,
          status: a.status,
          responseStatus: a.responseStatus,
          error: a.error,
        })
        .from(a)
        .innerJoin(d, eq(d.id, a.deliveryId))
        .where(and(eq(d.webhookId, webhookId), after))
        .orderBy(desc(a.at), desc(a.deliveryId), desc(a.attempt))
        .limit(page.limit + 1);
      const items = rows.slice(0, page.limit) as DeliveryAttempt[];
      const last = items.at(-1);
      return {
        items,
        next:
          rows.length > page.limit && last
            ? { at: last.at.toISOString(), id: last.id, attempt: last.attempt }
            : undefined,
      };
    },

    // ---- connection health (item 11) -------------------------------------------------------------

    /** Each connection's account problem, for the connections list. */
    async problems(connectionIds?: string[]): Promise<Map<string, ConnectionProblem>> {
      if (connectionIds?.length === 0) return new Map();
      const rows = await db
        .select({ id: connectionHealth.connectionId, problem: connectionHealth.problem })
        .from(connectionHealth)
        .where(
          and(
            sql`${connectionHealth.problem} is not null`,
            connectionIds ? inArray(connectionHealth.connectionId, connectionIds) : undefined,
          ),
        );
      return new Map(rows.map((r) => [r.id, r.problem!]));
    },

    /**
     * Counts one poll or stock cycle (once per `at`, however often it is recorded) and keeps the account
     * problem: set by an account failure (its `since` kept while the code stays the same), cleared by a
     * successful poll or a stock push Spartoo answered. `notify` says what to tell, at most once per
     * failing streak of that kind: the account problem as it starts, else the FAILING_AFTERth failure.
     * `counted` is false when this cycle was counted before (a retried bookkeeping activity).
     */
    async recordCycle(
      connectionId: string,
      cycle: {
        kind: 'poll' | 'stock';
        at: string;
        ok: boolean;
        /** It reached Spartoo and Spartoo answered (a stock push with nothing to send did not). */
        reachedSpartoo: boolean;
        problem?: { code: number; message: string };
      },
      /** The deliveries of `connection.failing`, written in the same transaction as the count. */
      deliveries: (notice: FailingNotice) => NewDelivery[] = () => [],
    ): Promise<{
      counted: boolean;
      failures: number;
      problem: ConnectionProblem | null;
      notify?: FailingNotice['reason'];
    }> {
      return db.transaction(async (tx) => {
        // Guarded: a cycle recorded as its connection is deleted writes nothing.
        await tx.execute(
          sql`insert into ${connectionHealth} (connection_id)
              select ${connectionId} where exists (select 1 from connections where id = ${connectionId})
              on conflict do nothing`,
        );
        const [row] = await tx
          .select()
          .from(connectionHealth)
          .where(eq(connectionHealth.connectionId, connectionId))
          .for('update');
        if (!row) return { counted: false, failures: 0, problem: null };
        const poll = cycle.kind === 'poll';
        const failures = poll ? row.pollFailures : row.stockFailures;
        if ((poll ? row.lastPollAt : row.lastStockAt) === cycle.at) {
          return { counted: false, failures, problem: row.problem ?? null };
        }
        let problem = row.problem ?? null;
        let notified = poll ? row.pollNotified : row.stockNotified;
        let count = failures;
        let notify: FailingNotice['reason'] | undefined;
        if (cycle.ok) {
          count = 0;
          notified = false;
          if (poll || cycle.reachedSpartoo) problem = null;
        } else {
          count++;
          if (cycle.problem) {
            const fresh = problem?.code !== cycle.problem.code;
            problem = fresh
              ? { ...cycle.problem, since: cycle.at }
              : { ...problem!, message: cycle.problem.message };
            if (fresh) notify = 'account';
          } else if (count >= FAILING_AFTER && !notified && !problem) {
            notify = 'failures';
          }
          if (notify) notified = true;
        }
        if (notify) {
          const rows = deliveries({ reason: notify, failures: count, problem });
          if (rows.length) await tx.insert(notificationDeliveries).values(rows).onConflictDoNothing();
        }
        await tx
          .update(connectionHealth)
          .set({
            ...(poll
              ? { pollFailures: count, lastPollAt: cycle.at, pollNotified: notified }
              : { stockFailures: count, lastStockAt: cycle.at, stockNotified: notified }),
            problem,
            updatedAt: new Date(),
          })
          .where(eq(connectionHealth.connectionId, connectionId));
        return { counted: true, failures: count, problem, notify };
      });
    },
  };
}

export type NotificationRepository = ReturnType<typeof createNotificationRepository>;
