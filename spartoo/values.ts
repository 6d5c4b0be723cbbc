/**
 * Spartoo's textual values (amounts, dates) to the product's (integer cents, ISO UTC) and back.
 * Spartoo's dates are Paris wall-clock time; the product's are instants.
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

/**
 * Spartoo's clock: every zone-less date it writes or reads (`date_purchased`, `last_modified`,
 * `return_date`, the `date` filter of xml_export_orders.php) is wall-clock time in Paris (CET/CEST).
 */
export const SPARTOO_TIME_ZONE = 'Europe/Paris';

const parisClock = new Intl.DateTimeFormat('en-US', {
  timeZone: SPARTOO_TIME_ZONE,
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

const SECOND_MS = 1000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** From 1912 on, Paris's offset is whole hours and changes on a whole UTC hour (01:00 UTC today). */
const WHOLE_HOURS_SINCE = Date.UTC(1912, 0, 1);

const floorSecond = (instant: number) => Math.floor(instant / SECOND_MS) * SECOND_MS;

/** Paris's UTC offset at an instant, in ms, from Intl's time zone data. */
function parisOffsetFromIntl(instant: number): number {
  const field: Record<string, number> = {};
  for (const part of parisClock.formatToParts(new Date(instant))) field[part.type] = Number(part.value);
  const wall = Date.UTC(field.year!, field.month! - 1, field.day!, field.hour!, field.minute!, field.second!);
  return wall - floorSecond(instant);
}

/** Offsets by UTC hour: Intl is slow (µs per call) and a sandbox sorts thousands of dates. */
const offsetByHour = new Map<number, number>();

function parisOffset(instant: number): number {
  if (instant < WHOLE_HOURS_SINCE) return parisOffsetFromIntl(instant);
  const hour = Math.floor(instant / HOUR_MS);
  let offset = offsetByHour.get(hour);
  if (offset === undefined) {
    offset = parisOffsetFromIntl(hour * HOUR_MS);
    if (offsetByHour.size >= 50_000) offsetByHour.clear();
    offsetByHour.set(hour, offset);
  }
  return offset;
}

/**
 * Paris's wall clock at an instant, written as the UTC instant that shows the same fields (a
 * "wall time"): comparing and formatting wall times is then plain UTC arithmetic. Whole seconds.
 */
function parisWallTime(instant: number): number {
  return floorSecond(instant) + parisOffset(instant);
}

/**
 * The instant at which Paris's clocks show `wall` (a wall time, see parisWallTime). Paris's two offsets
 * around that day give at most two candidates: an autumn wall time the clocks show twice is the first
 * occurrence (summer time); one they skip in spring (02:00–02:59) is the instant just after the gap,
 * so a later wall time never reads as an earlier instant.
 */
function fromParisWallTime(wall: number): number {
  const offsets = [wall - DAY_MS, wall + DAY_MS].map(parisOffset);
  const candidates = offsets.map((offset) => wall - offset).sort((a, b) => a - b);
  const exact = candidates.find((instant) => parisWallTime(instant) === wall);
  if (exact !== undefined) return exact;
  // In the gap: the first second whose wall clock is past `wall`, between the two candidates.
  let [before, after] = [candidates[0]!, candidates[1]!];
  while (after - before > SECOND_MS) {
    const middle = before + Math.floor((after - before) / (2 * SECOND_MS)) * SECOND_MS;
    if (parisWallTime(middle) > wall) after = middle;
    else before = middle;
  }
  return after;
}

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[ T:](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * A Spartoo date to a Date: `YYYY-MM-DD HH:MM:SS` read as Paris wall-clock time (Spartoo's own), also
 * with `T` or `:` between date and time, or a bare day (midnight in Paris); with `Z` or an ISO offset,
 * or as Unix seconds, it is that instant. Undefined when empty or MySQL's zero date; throws when it is
 * not a real date.
 */
export function parseSpartooDate(raw: string): Date | undefined {
  const text = raw.trim();
  if (text === '' || text.startsWith('0000-00-00')) return undefined;
  if (/^\d{9,11}$/.test(text)) return new Date(Number(text) * 1000);
  const m = DATE_TIME.exec(text);
  if (!m) throw new RangeError(`not a date: "${raw}"`);
  const [, y, mo, d, h = '0', mi = '0', s = '0', zone] = m;
  const fields = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  const date = new Date(fields);
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
  if (zone === undefined) return new Date(fromParisWallTime(fields));
  if (zone === 'Z') return date;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const offsetMinutes = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2)));
  return new Date(fields - offsetMinutes * 60_000);
}

/** A Spartoo date to ISO 8601 UTC; '' when Spartoo sent none. */
export function spartooDateToIso(raw: string): string {
  return parseSpartooDate(raw)?.toISOString() ?? '';
}

/** `YYYY-MM-DD HH:MM:SS`, Paris wall-clock time: how Spartoo writes dates in its documents. */
export function formatSpartooDateTime(date: Date): string {
  const wall = new Date(parisWallTime(date.getTime()));
  return (
    `${wall.getUTCFullYear()}-${pad(wall.getUTCMonth() + 1)}-${pad(wall.getUTCDate())} ` +
    `${pad(wall.getUTCHours())}:${pad(wall.getUTCMinutes())}:${pad(wall.getUTCSeconds())}`
  );
}

/**
 * `YYYY-MM-DD:hh:mm:ss`, Paris wall-clock time: the `date` field of xml_export_orders.php (colon
 * between date and time). An instant in the repeated autumn hour reads back as its first occurrence,
 * up to an hour earlier: as a lower bound that only widens the export.
 */
export function formatOrdersExportDate(date: Date): string {
  return formatSpartooDateTime(date).replace(' ', ':');
}

/** Unix seconds: the `date` field of xml_export_returns.php (an instant, no time zone involved). */
export function formatReturnsExportDate(date: Date): string {
  return String(Math.floor(date.getTime() / 1000));
}
