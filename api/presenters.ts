import { centsToAmount } from '../domain/money';

/**
 * Money leaves the API in the currency unit (4990 cents → 49.9): every `…Cents` field of a plain
 * object becomes the same name without the suffix.
 */
export function withAmounts(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withAmounts);
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (key.endsWith('Cents') && typeof v === 'number' && Number.isInteger(v))
      out[key.slice(0, -5)] = centsToAmount(v);
    else out[key] = withAmounts(v);
  }
  return out;
}

export const amount = (cents: number | null | undefined) =>
  cents === null || cents === undefined ? null : centsToAmount(cents);
