/**
 * Webhook delivery as WooCommerce does it (class-wc-webhook.php, wc-webhook-functions.php):
 * - a change queues one delivery per webhook and resource (`is_already_processed` within a request;
 *   Action Scheduler keeps one pending delivery per webhook + resource), sent after the request, by
 *   default at once (`deliveryDelayMs` emulates the queue's lag);
 * - the payload is built *at delivery time* (`build_payload`: `GET /wc/v3/{resource}s/{id}`), so it shows
 *   the resource as it is then; a resource gone by then sends `{"id": N}`;
 * - POST, JSON encoded as PHP's `wp_json_encode` writes it, 60 s timeout, no redirects, user agent
 *   `WooCommerce/x Hookshot (WordPress/y)`, headers `X-WC-Webhook-Source` (home URL), `-Topic`,
 *   `-Resource`, `-Event`, `-Signature` (base64 HMAC-SHA256 of the raw body with the webhook's secret),
 *   `-ID`, `-Delivery-ID` (`wp_hash( id . time() )`, the same for every delivery of a webhook within a
 *   second);
 * - no retries; 200–302 counts as success and resets `failure_count`; anything else (a network error
 *   too) adds one, and a failure while the count is already above 5 disables the webhook;
 * - the creation ping (`deliver_ping`): POST `webhook_id=N`, unsigned, no X-WC headers, sent
 *   synchronously before the create answers; only an exact 200 counts; a failed ping does not fail the
 *   create and does not count as a failure.
 */
import { createHmac } from 'node:crypto';
import { phpJson } from './format';
import type { SandboxWebhook, ShopState } from './state';

export interface DeliveryRecord {
  kind: 'ping' | 'delivery';
  webhookId: number;
  topic: string;
  resourceId?: number;
  deliveryId?: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  /** The receiver's HTTP status, or undefined when the request failed. */
  status?: number;
  error?: string;
  at: string;
  durationMs: number;
}

export interface DispatcherOptions {
  delayMs: number;
  timeoutMs: number;
  pingTimeoutMs: number;
  userAgent: string;
  home: () => string;
  /** The resource as the REST API shows it now; undefined when it no longer exists. */
  payload: (resource: string, id: number) => unknown;
}

export class WebhookDispatcher {
  readonly deliveries: DeliveryRecord[] = [];
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private readonly inflight = new Set<Promise<void>>();
  private readonly aborter = new AbortController();
  private closed = false;

  constructor(
    private readonly state: ShopState,
    private readonly options: DispatcherOptions,
  ) {}

  /** `do_action( hook, id )` for every active webhook of `resource.event`. */
  trigger(resource: string, event: string, id: number): void {
    if (this.closed) return;
    for (const webhook of this.state.webhooks.values()) {
      if (webhook.status !== 'active' || webhook.topic !== `${resource}.${event}`) continue;
      const key = `${webhook.id}:${id}`;
      if (this.pending.has(key)) continue;
      const timer = setTimeout(() => {
        this.pending.delete(key);
        this.track(this.deliver(webhook.id, id));
      }, this.options.delayMs);
      this.pending.set(key, timer);
    }
  }

  private track(promise: Promise<void>): void {
    this.inflight.add(promise);
    promise.finally(() => this.inflight.delete(promise));
  }

  /** WC_Webhook::deliver. */
  private async deliver(webhookId: number, resourceId: number): Promise<void> {
    const webhook = this.state.webhooks.get(webhookId);
    if (!webhook) return;
    const payload = this.options.payload(webhook.resource, resourceId) ?? { id: resourceId };
    const body = phpJson(payload).trim();
    const deliveryId = this.state.deliveryId(webhook.id);
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'User-Agent': this.options.userAgent,
      'X-WC-Webhook-Source': `${this.options.home()}/`,
      'X-WC-Webhook-Topic': webhook.topic,
      'X-WC-Webhook-Resource': webhook.resource,
      'X-WC-Webhook-Event': webhook.event,
      'X-WC-Webhook-Signature': createHmac('sha256', webhook.secret).update(body).digest('base64'),
      'X-WC-Webhook-ID': String(webhook.id),
      'X-WC-Webhook-Delivery-ID': deliveryId,
    };
    const record = await this.post(webhook, 'delivery', headers, body, this.options.timeoutMs);
    record.resourceId = resourceId;
    record.deliveryId = deliveryId;
    // log_delivery: a 2xx, 301 or 302 is a success.
    if (record.status !== undefined && record.status >= 200 && record.status < 303) webhook.failureCount = 0;
    else if (webhook.failureCount > 5) webhook.status = 'disabled';
    else webhook.failureCount += 1;
  }

  /** WC_Webhook::deliver_ping: true when the receiver answered exactly 200. */
  async ping(webhook: SandboxWebhook): Promise<boolean> {
    const headers = {
      'Content-Type': 'application/x-www-form-urlencoded',
      'User-Agent': this.options.userAgent,
    };
    const record = await this.post(
      webhook,
      'ping',
      headers,
      `webhook_id=${webhook.id}`,
      this.options.pingTimeoutMs,
    );
    if (record.status === 200) webhook.pendingDelivery = false;
    return record.status === 200;
  }

  private async post(
    webhook: SandboxWebhook,
    kind: DeliveryRecord['kind'],
    headers: Record<string, string>,
    body: string,
    timeoutMs: number,
  ): Promise<DeliveryRecord> {
    const started = Date.now();
    const record: DeliveryRecord = {
      kind,
      webhookId: webhook.id,
      topic: webhook.topic,
      url: webhook.deliveryUrl,
      headers,
      body,
      at: new Date(started).toISOString(),
      durationMs: 0,
    };
    try {
      const response = await fetch(webhook.deliveryUrl, {
        method: 'POST',
        headers,
        body,
        redirect: 'manual',
        signal: AbortSignal.any([this.aborter.signal, AbortSignal.timeout(timeoutMs)]),
      });
      await response.arrayBuffer().catch(() => undefined);
      record.status = response.status;
    } catch (err) {
      record.error = (err as Error).cause ? String((err as Error).cause) : (err as Error).message;
    }
    record.durationMs = Date.now() - started;
    this.deliveries.push(record);
    return record;
  }

  /** Resolves once nothing is queued or being sent (or after `timeoutMs`); true when idle. */
  async idle(timeoutMs = 10_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.pending.size > 0 || this.inflight.size > 0) {
      if (Date.now() > deadline) return false;
      if (this.inflight.size > 0) await Promise.race([...this.inflight, sleep(20)]);
      else await sleep(5);
    }
    return true;
  }

  /** Forgets queued deliveries (a reset). */
  clear(): void {
    for (const timer of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
    this.deliveries.length = 0;
  }

  close(): void {
    this.closed = true;
    for (const timer of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
    this.aborter.abort();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
