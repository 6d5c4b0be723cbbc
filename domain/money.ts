/**
 * Money conversions. The product keeps money in integer cents; JSON shows currency units (SPEC §6),
 * so every conversion here is exact, never a float-rounded artefact such as 49.900000000000006.
 */

/**
 * 4990 → 49.9. Exact: IEEE division is correctly rounded, so the result is the double nearest to
 * cents/100, i.e. the same double as the literal `49.9`. Throws RangeError unless `cents` is a safe integer.
 */
export function centsToAmount(cents: number): number {
  if (!Number.isSafeInteger(cents)) throw new RangeError(`cents must be a safe integer, got ${cents}`);
  return cents === 0 ? 0 : cents / 100;
}

/**
 * Cents of an amount with at most 2 decimals, or undefined: 0.29 → 29 (although 0.29 × 100 is
 * 28.999999999999996), 1.005 → undefined (3 decimals would lose money silently).
 */
function tryAmountToCents(amount: number): number | undefined {
  if (!Number.isFinite(amount)) return undefined;
  const cents = Math.round(amount * 100);
  // The amount has ≤ 2 decimals iff it is exactly the double nearest to cents/100.
  if (!Number.isSafeInteger(cents) || cents / 100 !== amount) return undefined;
  return cents === 0 ? 0 : cents;
}

/** True when `amount` is a finite amount with at most 2 decimals: what `amountToCents` accepts (for schemas). */
export function isAmountWithCents(amount: number): boolean {
  return tryAmountToCents(amount) !== undefined;
}

/**
 * 49.9 → 4990, exactly. Throws RangeError for amounts with more than 2 decimals (1.005), NaN or
 * infinities: validate input first with `isAmountWithCents`; a throw here is a programming error.
 */
export function amountToCents(amount: number): number {
  const cents = tryAmountToCents(amount);
  if (cents === undefined) throw new RangeError(`amount must have at most 2 decimals, got ${amount}`);
  return cents;
}

/** 4990 → '49.90', -5 → '-0.05': for messages; integer arithmetic only. */
export function formatCents(cents: number): string {
  if (!Number.isSafeInteger(cents)) return String(cents);
  const abs = Math.abs(cents);
  const units = Math.floor(abs / 100);
  const rest = String(abs % 100).padStart(2, '0');
  return `${cents < 0 ? '-' : ''}${units}.${rest}`;
}

/** Spaces used as thousands separators: space, no-break space, narrow no-break space, thin space. */
const GROUP_SPACES = /[ \u00a0\u202f\u2009]/g;

/**
 * Cents of a price as Spartoo (or a person) writes it: '49.90', '49,9', '120', '1 234,50', '1.234,50',
 * '1,234.50', '-3.5'. NaN when the text is no such price (empty, letters, '1,2,3').
 * Rules: spaces group thousands; when both '.' and ',' appear, the last one is the decimal separator and
 * the other groups thousands (in groups of 3); a lone '.' or ',' is the decimal separator. Decimals past
 * the second must be zeros ('49.900' → 4990, '1,234' → NaN: it would lose a fraction of a cent, or be a
 * misread thousands separator — either way not a price to trust).
 */
export function parseMoneyCents(text: string): number {
  let s = text.trim().replace(GROUP_SPACES, '');
  let negative = false;
  if (s.startsWith('-')) {
    negative = true;
    s = s.slice(1);
  } else if (s.startsWith('+')) {
    s = s.slice(1);
  }
  const lastDot = s.lastIndexOf('.');
  const lastComma = s.lastIndexOf(',');
  const decimalAt = Math.max(lastDot, lastComma);
  let intPart = decimalAt >= 0 ? s.slice(0, decimalAt) : s;
  const fracPart = decimalAt >= 0 ? s.slice(decimalAt + 1) : '';
  if (decimalAt >= 0 && lastDot >= 0 && lastComma >= 0) {
    // Both separators: the other one groups thousands and must do so properly ('1.234.567,5').
    const group = lastDot > lastComma ? ',' : '.';
    if (!new RegExp(`^\\d{1,3}(\\${group}\\d{3})*$`).test(intPart)) return Number.NaN;
    intPart = intPart.split(group).join('');
  }
  if (!/^\d*$/.test(intPart) || !/^\d*$/.test(fracPart)) return Number.NaN;
  if (intPart === '' && fracPart === '') return Number.NaN;
  if (!/^0*$/.test(fracPart.slice(2))) return Number.NaN;
  const cents = Number(intPart || '0') * 100 + Number(fracPart.slice(0, 2).padEnd(2, '0'));
  if (!Number.isSafeInteger(cents)) return Number.NaN;
  return negative && cents !== 0 ? -cents : cents;
}
