import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { nextSlotMs, slotAtOrBefore, slotPhaseMs } from '../domain/cycle-slots';

const MINUTE = 60_000;

describe('cycle slots (domain/cycle-slots.ts)', () => {
  it('gives a connection the same phase every time, within the interval', () => {
    const id = '5f0c8a52-3e1b-4d7a-9a51-0b3c2d1e4f60';
    expect(slotPhaseMs(id, MINUTE)).toBe(slotPhaseMs(id, MINUTE));
    // Fixed across versions: a change would move every running connection's slots (not wrong, but noted).
    expect(slotPhaseMs(id, MINUTE)).toBe(39_570);
    for (let i = 0; i < 200; i++) {
      const phase = slotPhaseMs(randomUUID(), MINUTE);
      expect(phase).toBeGreaterThanOrEqual(0);
      expect(phase).toBeLessThan(MINUTE);
      expect(Number.isInteger(phase)).toBe(true);
    }
  });

  it('spreads connections created together over the interval', () => {
    const perTenSeconds = new Array<number>(6).fill(0);
    for (let i = 0; i < 6000; i++) perTenSeconds[Math.floor(slotPhaseMs(randomUUID(), MINUTE) / 10_000)]!++;
    // About 1000 in each sixth of the minute; all at once would put 6000 in one.
    for (const count of perTenSeconds) {
      expect(count).toBeGreaterThan(800);
      expect(count).toBeLessThan(1200);
    }
  });

  it('keeps the next poll on the next slot whether the last one was on time or late', () => {
    const id = randomUUID();
    const slot = slotAtOrBefore(id, MINUTE, Date.parse('2026-03-01T10:00:00Z'));
    expect(nextSlotMs(id, MINUTE, slot)).toBe(slot + MINUTE);
    expect(nextSlotMs(id, MINUTE, slot + 3_000)).toBe(slot + MINUTE);
    expect(nextSlotMs(id, MINUTE, slot + 29_000)).toBe(slot + MINUTE);
    // More than half an interval late: the next slot is skipped, not run straight after.
    expect(nextSlotMs(id, MINUTE, slot + 31_000)).toBe(slot + 2 * MINUTE);
  });

  it('puts the poll after a manual sync or a new connection at least half an interval later, on a slot', () => {
    const id = randomUUID();
    const phase = slotPhaseMs(id, MINUTE);
    const base = Date.parse('2026-03-01T10:00:00Z');
    for (const at of [0, 1, 17_345, 59_999, 1_000_000_007].map((t) => base + t)) {
      const next = nextSlotMs(id, MINUTE, at);
      expect(next - at).toBeGreaterThanOrEqual(MINUTE / 2);
      expect(next - at).toBeLessThan(1.5 * MINUTE);
      expect((next - phase) % MINUTE).toBe(0);
      expect(slotAtOrBefore(id, MINUTE, next + 59_000)).toBe(next);
    }
  });

  it('aligns stock pushes with polls when one interval divides the other', () => {
    const id = randomUUID();
    const stockSlot = nextSlotMs(id, 10 * MINUTE, Date.now());
    expect(slotAtOrBefore(id, MINUTE, stockSlot)).toBe(stockSlot);
  });
});
