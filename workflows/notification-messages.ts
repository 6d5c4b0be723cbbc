/** What the API and the activities share with the notification workflow (no workflow code here). */

export const notificationWorkflowId = (deliveryId: string) => `spartoo-notification/${deliveryId}`;

export interface NotificationWorkflowInput {
  deliveryId: string;
}

/** How a delivery is retried: Temporal's activity retry policy, with back-off. */
export interface DeliveryRetry {
  initialIntervalMs: number;
  backoffCoefficient: number;
  maximumIntervalMs: number;
  maximumAttempts: number;
  /** One attempt's limit (the HTTP request's own timeout is shorter). */
  attemptTimeoutMs: number;
}

/** 8 attempts over about 50 minutes: 30 s, 1, 2, 4, 8, 16 and 20 minutes apart. */
export const DEFAULT_DELIVERY_RETRY: DeliveryRetry = {
  initialIntervalMs: 30_000,
  backoffCoefficient: 2,
  maximumIntervalMs: 20 * 60_000,
  maximumAttempts: 8,
  attemptTimeoutMs: 30_000,
};

export type NotificationOutcome = 'delivered' | 'failed' | 'skipped';
