import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import type { ConnectionProblem } from '../domain/notifications';
// A cycle with schema.ts, which re-exports this module: the references below are read lazily.
import { connections } from './schema';

// Notifications and account problems (issue 13, items 5 and 11); re-exported by db/schema.ts.

const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** The merchant's webhooks: where deliveries go and which events; the secret only sealed. */
export const webhooks = pgTable('webhooks', {
  id: text('id').primaryKey(),
  url: text('url').notNull(),
  events: jsonb('events').$type<string[]>().notNull(),
  /** AES-256-GCM with SECRET_KEY (runtime/secret-box.ts); opened only by the delivery activity. */
  secretEncrypted: text('secret_encrypted').notNull(),
  secretLast4: text('secret_last4').notNull(),
  createdAt: at('created_at').notNull().defaultNow(),
});

/**
 * The outbox: one row per (target, occurrence of an event), its id deterministic (domain/notifications.ts
 * `deliveryId`), written before its delivery workflow (`spartoo-notification/<id>`) is started.
 */
export const notificationDeliveries = pgTable(
  'notification_deliveries',
  {
    id: text('id').primaryKey(),
    /** `webhook` (webhook_id set) or `email` (NOTIFY_EMAIL). */
    channel: text('channel').notNull(),
    webhookId: text('webhook_id').references(() => webhooks.id, { onDelete: 'cascade' }),
    event: text('event').notNull(),
    /** What the event is about (`order/<connectionId>/<orderId>`…): a failure repeated the same is told once. */
    subject: text('subject').notNull(),
    /** The occurrence of the event, the same for every target: a retried activity finds its deliveries. */
    source: text('source').notNull(),
    /** The exact JSON sent, signed as it is; the same bytes on every attempt. */
    body: text('body').notNull(),
    /** `pending`, `delivered` or `failed` (every attempt failed). */
    status: text('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    createdAt: at('created_at').notNull().defaultNow(),
    updatedAt: at('updated_at').notNull().defaultNow(),
  },
  (t) => [
    index('notification_deliveries_source_idx').on(t.source),
    index('notification_deliveries_subject_idx').on(t.subject, t.createdAt),
    index('notification_deliveries_webhook_idx').on(t.webhookId),
  ],
);

/** Each attempt of a delivery, as GET /webhooks/:id/deliveries shows them. */
export const notificationAttempts = pgTable(
  'notification_attempts',
  {
    deliveryId: text('delivery_id')
      .notNull()
      .references(() => notificationDeliveries.id, { onDelete: 'cascade' }),
    attempt: integer('attempt').notNull(),
    at: at('at').notNull().defaultNow(),
    /** `delivered` or `failed`. */
    status: text('status').notNull(),
    responseStatus: integer('response_status'),
    error: text('error'),
  },
  (t) => [
    primaryKey({ columns: [t.deliveryId, t.attempt] }),
    index('notification_attempts_at_idx').on(sql`${t.at} desc`, t.deliveryId, t.attempt),
  ],
);

/**
 * A connection's health (recordCycle): failed polls and stock pushes in a row, whether the current
 * streak was notified, and its account problem. Removed with the connection.
 */
export const connectionHealth = pgTable('connection_health', {
  connectionId: text('connection_id')
    .primaryKey()
    .references(() => connections.id, { onDelete: 'cascade' }),
  pollFailures: integer('poll_failures').notNull().default(0),
  stockFailures: integer('stock_failures').notNull().default(0),
  /** The `at` of the last cycle counted: a bookkeeping activity run twice counts once. */
  lastPollAt: text('last_poll_at'),
  lastStockAt: text('last_stock_at'),
  pollNotified: boolean('poll_notified').notNull().default(false),
  stockNotified: boolean('stock_notified').notNull().default(false),
  problem: jsonb('problem').$type<ConnectionProblem>(),
  updatedAt: at('updated_at').notNull().defaultNow(),
});
