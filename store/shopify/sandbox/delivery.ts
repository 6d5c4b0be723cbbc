/**
 * The sandbox's outgoing webhooks, sent as Shopify sends them (§C Shopify 9; shop-platforms.md A6):
 * - a POST of the REST-style JSON payload, built when the event happens, to every subscription of
 *   the topic (each gets its own copy: its own `X-Shopify-Webhook-Id`, the event's shared
 *   `X-Shopify-Event-Id`, https://shopify.dev/apps/build/webhooks/ignore-duplicates);
 * - headers `X-Shopify-Topic`, `-Hmac-Sha256` (base64 HMAC-SHA256 of the raw body keyed with the
 *   app's secret), `-Shop-Domain`, `-API-Version`, `-Webhook-Id`, `-Event-Id`, `-Triggered-At`
 *   (shopify-app-js `lib/webhooks/validate.ts` requires most of them);
 * - success is a 2xx within 5 s; otherwise 8 retries with exponential back-off over about 4 hours,
 *   carrying the original payload to the original address
 *   (https://shopify.dev/changelog/updates-to-webhook-retry-mechanism), after which a subscription
 *   made through the Admin API is deleted;
 * - at least once: the `duplicateWebhooks` fault sends each delivery twice (same ids), and
 *   `POST /_sandbox/webhooks/deliveries/:id/resend` replays one; `dropWebhooks` loses them all.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { SHOPIFY_API_VERSION } from '../api-version';
import { restFulfillment, restInventoryLevel, restOrder } from './payloads';
import { topicHeader, type WebhookTopic } from './schema';
import type { ChangeLog, ShopifyState } from './state';

/** Shopify's schedule, about 4 hours in all; tests pass shorter ones. */
export const SHOPIFY_RETRY_DELAYS_MS = [60, 120, 240, 480, 960, 1920, 3840, 7200].map((s) => s * 1000);

export interface Delivery {
  id: string;
  eventId: string;
  subscriptionId: number;
  topic: string;
  uri: string;
  triggeredAt: string;
  body: string;
  headers: Record<string, string>;
  state: 'pending' | 'delivered' | 'failed' | 'dropped';
  attempts: { at: string; status?: number; error?: string }[];
}

export function signWebhook(body: string, secret: string): string {
  return createHmac('sha256', secret).update(body, 'utf8').digest('base64');
}

export class WebhookSender {
  readonly deliveries: Delivery[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(
    private readonly state: () => ShopifyState,
    private readonly options: {
      secret: string;
      retryDelaysMs: number[];
      timeoutMs: number;
      log?: (message: string) => void;
    },
  ) {}

  /** Sends the webhooks for what one request changed. */
  dispatch(changes: ChangeLog): void {
    const state = this.state();
    const events: { topic: WebhookTopic; payload: unknown }[] = [];
    for (const event of changes.events) {
      const order = event.orderId === undefined ? undefined : state.orders.get(event.orderId);
      if (!order) continue;
      if (event.topic === 'FULFILLMENTS_CREATE' || event.topic === 'FULFILLMENTS_UPDATE') {
        const fulfillment = state.fulfillments.get(event.fulfillmentId!);
        if (fulfillment) events.push({ topic: event.topic, payload: restFulfillment(state, fulfillment) });
      } else {
        events.push({ topic: event.topic, payload: restOrder(state, order) });
      }
    }
    for (const level of changes.levels) {
      events.push({ topic: 'INVENTORY_LEVELS_UPDATE', payload: restInventoryLevel(level) });
    }
    for (const { topic, payload } of events) this.emit(topic, payload);
  }

  private emit(topic: WebhookTopic, payload: unknown) {
    const state = this.state();
    const subscriptions = [...state.subscriptions.values()].filter((s) => s.topic === topic);
    if (subscriptions.length === 0) return;
    const eventId = randomUUID();
    const triggeredAt = new Date().toISOString();
    const body = JSON.stringify(payload);
    for (const subscription of subscriptions) {
      const id = randomUUID();
      const delivery: Delivery = {
        id,
        eventId,
        subscriptionId: subscription.id,
        topic: topicHeader(topic),
        uri: subscription.uri,
        triggeredAt,
        body,
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': 'Shopify-Captain-Hook',
          'X-Shopify-Topic': topicHeader(topic),
          'X-Shopify-Hmac-Sha256': signWebhook(body, this.options.secret),
          'X-Shopify-Shop-Domain': state.shop.myshopifyDomain,
          'X-Shopify-API-Version': SHOPIFY_API_VERSION,
          'X-Shopify-Webhook-Id': id,
          'X-Shopify-Event-Id': eventId,
          'X-Shopify-Triggered-At': triggeredAt,
        },
        state: 'pending',
        attempts: [],
      };
      this.deliveries.push(delivery);
      if (state.faults.dropWebhooks) {
        delivery.state = 'dropped';
        continue;
      }
      this.later(0, () => this.attempt(delivery));
      if (state.faults.duplicateWebhooks) this.later(20, () => this.post(delivery));
    }
  }

  /** Sends a delivery again, as it was (its ids, its payload, its signature). */
  async resend(id: string): Promise<Delivery | undefined> {
    const delivery = this.deliveries.find((d) => d.id === id);
    if (!delivery) return undefined;
    await this.post(delivery);
    return delivery;
  }

  private async post(delivery: Delivery): Promise<boolean> {
    const at = new Date().toISOString();
    try {
      const response = await fetch(delivery.uri, {
        method: 'POST',
        headers: delivery.headers,
        body: delivery.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      await response.arrayBuffer().catch(() => undefined);
      delivery.attempts.push({ at, status: response.status });
      return response.status >= 200 && response.status < 300;
    } catch (err) {
      delivery.attempts.push({
        at,
        error: (err as Error).name === 'TimeoutError' ? 'timeout' : 'connection failed',
      });
      return false;
    }
  }

  private async attempt(delivery: Delivery) {
    if (this.closed) return;
    if (await this.post(delivery)) {
      delivery.state = 'delivered';
      return;
    }
    const retry = delivery.attempts.length - 1;
    const delay = this.options.retryDelaysMs[retry];
    if (delay === undefined) {
      delivery.state = 'failed';
      // Persistent failure: an Admin-API subscription is removed.
      this.state().subscriptions.delete(delivery.subscriptionId);
      this.options.log?.(
        `webhook subscription ${delivery.subscriptionId} removed after ${delivery.attempts.length} failed attempts`,
      );
      return;
    }
    this.later(delay, () => this.attempt(delivery));
  }

  private later(ms: number, run: () => unknown) {
    if (this.closed) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void run();
    }, ms);
    timer.unref?.();
    this.timers.add(timer);
  }

  close() {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
