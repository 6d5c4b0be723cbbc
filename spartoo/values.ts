/**
 * Spartoo's textual values (amounts, dates) to the product's (integer cents, ISO UTC) and back.
 * Amounts are converted on their digits, never through a float multiplication: 0.29 * 100 is 28.999….
 */

const AMOUNT = /^([+-])?(\d*)(?:[.,](\d*))?$/;

/** "49.90", "49,9", "120", "-3.5" → cents; a third decimal rounds half away from zero. Throws when not an amount. */
export function toCents(raw: string): number {
  // Spaces (also non-breaking) can separate thousands in French formatting: "1 234,50".
  const text = raw.trim().replace(/[\s\u00a0\u202f]/g, '');
  const match = AMOUNT.exec(text);
  const whole = match?.[2] ?? '';
  const decimals = match?.[3] ?? '';
  if (!match || (whole === '' && decimals === '')) throw new RangeError(`not an amount: "${raw}"`);
  const digits = decimals.padEnd(3, '0');
  let cents = Number(whole || '0') * 100 + Number(digits.slice(0, 2));
  if (digits.charAt(2) >= '5') cents += 1;
  if (!Number.isSafeInteger(cents)) throw new RangeError(`amount out of range: "${raw}"`);
  return match[1] === '-' && cents !== 0 ? -cents : cents;
}

/** Cents → Spartoo's amount text, "49.90". */
export function formatAmount(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(Math.trunc(cents));
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[ T:](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * A Spartoo date to a Date: `YYYY-MM-DD HH:MM:SS` (read as UTC), also with `T` or `:` between date and
 * time, an ISO offset, a bare day, or Unix seconds. Undefined when empty or MySQL's zero date; throws
 * when it is not a real date.
 */
export function parseSpartooDate(raw: string): Date | undefined {
  const text = raw.trim();
  if (text === '' || text.startsWith('0000-00-00')) return undefined;
  if (/^\d{9,11}$/.test(text)) return new Date(Number(text) * 1000);
  const m = DATE_TIME.exec(text);
  if (!m) throw new RangeError(`not a date: "${raw}"`);
  const [, y, mo, d, h = '0', mi = '0', s = '0', zone] = m;
  const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  const date = new Date(utc);
  // Date.UTC rolls 2024-02-30 over to March: a round trip tells a real date from an impossible one.
  if (
    date.getUTCFullYear() !== Number(y) ||
    date.getUTCMonth() !== Number(mo) - 1 ||
    date.getUTCDate() !== Number(d) ||
    date.getUTCHours() !== Number(h) ||
    date.getUTCMinutes() !== Number(mi) ||
    date.getUTCSeconds() !== Number(s)
  ) {
    throw new RangeError(`not a date: "${raw}"`);
  }
  if (zone && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offsetMinutes = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2)));
    return new Date(utc - offsetMinutes * 60_000);
  }
  return date;
}

/** A Spartoo date to ISO 8601 UTC; '' when Spartoo sent none. */
export function spartooDateToIso(raw: string): string {
  return parseSpartooDate(raw)?.toISOString() ?? '';
}

/** `YYYY-MM-DD HH:MM:SS` in UTC: how Spartoo writes dates in its documents. */
export function formatSpartooDateTime(date: Date): string {
  return (
    `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`
  );
}

/** `YYYY-MM-DD:hh:mm:ss` in UTC: the `date` field of xml_export_orders.php (colon between date and time). */
export function formatOrdersExportDate(date: Date): string {
  return formatSpartooDateTime(date).replace(' ', ':');
}

/** Unix seconds: the `date` field of xml_export_returns.php. */
export function formatReturnsExportDate(date: Date): string {
  return String(Math.floor(date.getTime() / 1000));
}
