import { describe, expect, it } from 'vitest';
import {
  amountToCents,
  centsToAmount,
  formatCents,
  isAmountWithCents,
  parseMoneyCents,
} from '../domain/money';

describe('centsToAmount', () => {
  it.each([
    [4990, 49.9],
    [29, 0.29],
    [1, 0.01],
    [0, 0],
    [100, 1],
    [-5, -0.05],
    [123456789, 1234567.89],
    [Number.MAX_SAFE_INTEGER, 90071992547409.91],
  ])('%i → %d, the same double as the literal', (cents, amount) => {
    expect(centsToAmount(cents)).toBe(amount);
  });

  it('serializes without float artefacts', () => {
    expect(JSON.stringify([4990, 29, 57, 1005, 10001].map(centsToAmount))).toBe(
      '[49.9,0.29,0.57,10.05,100.01]',
    );
  });

  it('round-trips every cent value of a range through amountToCents', () => {
    for (let cents = -10000; cents <= 100000; cents++) {
      expect(amountToCents(centsToAmount(cents))).toBe(cents);
    }
  });

  it('never returns -0', () => {
    expect(Object.is(centsToAmount(-0), 0)).toBe(true);
  });

  it('throws on non-integer or unsafe cents', () => {
    expect(() => centsToAmount(49.5)).toThrow(RangeError);
    expect(() => centsToAmount(Number.NaN)).toThrow(RangeError);
    expect(() => centsToAmount(2 ** 53)).toThrow(RangeError);
  });
});

describe('amountToCents', () => {
  it.each([
    [49.9, 4990],
    [0.29, 29], // 0.29 × 100 = 28.999999999999996
    [0.57, 57], // 0.57 × 100 = 56.99999999999999
    [1.1, 110], // 1.1 × 100 = 110.00000000000001
    [19.99, 1999],
    [120, 12000],
    [0, 0],
    [-0.29, -29],
    [0.01, 1],
    [1234567.89, 123456789],
  ])('%d → %i', (amount, cents) => {
    expect(amountToCents(amount)).toBe(cents);
  });

  it('never returns -0', () => {
    expect(Object.is(amountToCents(-0), 0)).toBe(true);
  });

  it.each([1.005, 0.001, 49.999, 0.125, -0.005, Number.NaN, Number.POSITIVE_INFINITY, 1e20])(
    'rejects %d (more than 2 decimals or not a finite safe amount)',
    (amount) => {
      expect(() => amountToCents(amount)).toThrow(RangeError);
      expect(isAmountWithCents(amount)).toBe(false);
    },
  );

  it('isAmountWithCents accepts what amountToCents converts', () => {
    expect(isAmountWithCents(49.9)).toBe(true);
    expect(isAmountWithCents(0.29)).toBe(true);
    expect(isAmountWithCents(0)).toBe(true);
  });
});

describe('formatCents', () => {
  it.each([
    [4990, '49.90'],
    [5, '0.05'],
    [0, '0.00'],
    [-5, '-0.05'],
    [-12345, '-123.45'],
    [100, '1.00'],
    [123456789, '1234567.89'],
  ])('%i → %s', (cents, text) => {
    expect(formatCents(cents)).toBe(text);
  });

  it('shows non-integers as they are rather than inventing cents', () => {
    expect(formatCents(Number.NaN)).toBe('NaN');
  });
});

describe('parseMoneyCents', () => {
  it.each([
    ['49.90', 4990],
    ['49.9', 4990],
    ['49,9', 4990],
    ['49,90', 4990],
    ['120', 12000],
    ['0', 0],
    ['0.29', 29],
    ['.5', 50],
    ['5.', 500],
    ['1 234,50', 123450],
    ['1\u00a0234,50', 123450],
    ['1\u202f234,50', 123450],
    ['1.234,50', 123450],
    ['1,234.50', 123450],
    ['1.234.567,89', 123456789],
    ['  49.90  ', 4990],
    ['49.900', 4990],
    ['49.9000', 4990],
    ['-3.5', -350],
    ['+3.5', 350],
    ['-0', 0],
    ['007.05', 705],
  ])('%j → %i', (text, cents) => {
    expect(parseMoneyCents(text)).toBe(cents);
  });

  it.each([
    '',
    '   ',
    '-',
    '.',
    'abc',
    '12a',
    '1e3',
    '49.905', // a fraction of a cent
    '1,234', // a thousands separator or 3 decimals: ambiguous
    '1,2,3',
    '1.2.3',
    '1.23,4.5',
    '12.34,56', // bad grouping before the decimal comma
    '--5',
    '€49.90',
    '99999999999999999999',
  ])('%j → NaN', (text) => {
    expect(parseMoneyCents(text)).toBeNaN();
  });

  it('agrees with amountToCents on canonical decimal strings', () => {
    for (let cents = 0; cents <= 20000; cents += 7) {
      const text = (cents / 100).toFixed(2);
      expect(parseMoneyCents(text)).toBe(cents);
      expect(amountToCents(Number(text))).toBe(cents);
    }
  });
});
