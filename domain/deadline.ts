/**
 * Spartoo's acceptance deadline (issue 13, item 4): an order not accepted within the connection's
 * `acceptanceDeadlineHours` of its purchase is cancelled by Spartoo. The merchant is reminded at 75 %
 * of it; at the deadline the order is refused (`autoRefuseAtDeadline`) or marked as past it.
 */

export const DEFAULT_ACCEPTANCE_DEADLINE_HOURS = 48;
/** The reminder (`order.deadline_near`) goes out when this share of the time has gone. */
export const DEADLINE_REMINDER_SHARE = 0.75;

/** A connection's deadline in hours, null for none (a connection saved before the setting has the default). */
export function deadlineHoursOf(settings: { acceptanceDeadlineHours?: number | null }): number | null {
  return settings.acceptanceDeadlineHours === undefined
    ? DEFAULT_ACCEPTANCE_DEADLINE_HOURS
    : settings.acceptanceDeadlineHours;
}

/** What the order workflow needs to hold its timers: no secret, no customer data. */
export interface AcceptanceDeadline {
  /** ISO time (UTC) the order must be accepted by. */
  at: string;
  /** ISO time of the 75 % reminder. */
  remindAt: string;
  autoRefuse: boolean;
}

/** The deadline of an order purchased at `purchasedAt` (ISO UTC), or undefined without one. */
export function acceptanceDeadlineOf(
  purchasedAt: string,
  settings: { acceptanceDeadlineHours?: number | null; autoRefuseAtDeadline?: boolean },
): AcceptanceDeadline | undefined {
  const hours = deadlineHoursOf(settings);
  const purchased = Date.parse(purchasedAt);
  if (hours === null || Number.isNaN(purchased)) return undefined;
  const ms = Math.round(hours * 3_600_000);
  return {
    at: new Date(purchased + ms).toISOString(),
    remindAt: new Date(purchased + Math.round(ms * DEADLINE_REMINDER_SHARE)).toISOString(),
    autoRefuse: settings.autoRefuseAtDeadline === true,
  };
}
