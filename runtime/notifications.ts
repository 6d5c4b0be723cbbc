import type { UrlPolicy } from '../domain/urls';
import type { DeliveryRetry } from '../workflows/notification-messages';
import type { SecretBox } from './secret-box';

/** E-mail notifications: SMTP_URL (smtp:// or smtps://, with its user and password), SMTP_FROM, NOTIFY_EMAIL. */
export interface EmailSettings {
  smtpUrl: string;
  from: string;
  /** NOTIFY_EMAIL: one address or several, separated by commas. */
  to: string[];
}

/** What the notification activities need besides the database (activities/notifications.ts). */
export interface NotificationOptions {
  /** Opens the webhooks' secrets (the same SECRET_KEY as the Spartoo keys). */
  secrets: SecretBox;
  /** A webhook URL is checked again before each delivery (domain/urls.ts). */
  urlPolicy: UrlPolicy;
  /** Unset: no e-mail. */
  email?: EmailSettings;
  /** Tests shorten the back-off; production keeps DEFAULT_DELIVERY_RETRY. */
  retry?: Partial<DeliveryRetry>;
  /** One HTTP request's or SMTP exchange's limit (default 10 s). */
  timeoutMs?: number;
  /** PUBLIC_URL: e-mails link to the dashboard's page of the order or connection. */
  dashboardUrl?: string;
}

/**
 * E-mail settings from the environment: none unless both SMTP_URL and NOTIFY_EMAIL are set. A
 * malformed SMTP_URL stops the process at start, naming the variable.
 */
export function readEmailSettings(env: NodeJS.ProcessEnv = process.env): EmailSettings | undefined {
  const smtpUrl = env.SMTP_URL?.trim();
  const to = (env.NOTIFY_EMAIL ?? '')
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  if (!smtpUrl || to.length === 0) return undefined;
  let protocol: string;
  try {
    protocol = new URL(smtpUrl).protocol;
  } catch {
    throw new Error('SMTP_URL must be a URL such as smtp://user:password@smtp.example.com:587');
  }
  if (protocol !== 'smtp:' && protocol !== 'smtps:') {
    throw new Error(`SMTP_URL must start with smtp:// or smtps://, got ${protocol}//`);
  }
  return { smtpUrl, from: env.SMTP_FROM?.trim() || 'spartoo-sync <spartoo-sync@localhost>', to };
}
