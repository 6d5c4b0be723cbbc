/**
 * When a connection's cycles (polls, stock pushes) are due (issue 14, item 2). Each connection has its
 * own slots, `phase + k × interval` in Unix time, the phase a hash of its id: connections created or
 * restarted together still poll apart, spread over the interval, and a late cycle never pushes the
 * next ones back (the next slot does not depend on when the last cycle started). Pure: the connection
 * workflow (workflows/connection.ts) calls it, so it must stay deterministic.
 */

/** FNV-1a, 32 bits, over the id's UTF-16 code units: stable across versions, platforms and restarts. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** The connection's offset within an interval, in ms: 0 ≤ phase < interval. */
export function slotPhaseMs(connectionId: string, intervalMs: number): number {
  if (!(intervalMs >= 1)) return 0;
  return hash32(connectionId) % Math.floor(intervalMs);
}

/** The latest of the connection's slots at or before `atMs`: what a cycle that started then was due at. */
export function slotAtOrBefore(connectionId: string, intervalMs: number, atMs: number): number {
  const phase = slotPhaseMs(connectionId, intervalMs);
  return phase + Math.floor((atMs - phase) / intervalMs) * intervalMs;
}

/**
 * The slot the next cycle is due at, after one that started at `lastMs` (on its slot, late, or asked
 * for by the merchant): the first slot at least half an interval later. An on-time or late cycle is
 * followed by the next slot, one interval on; a cycle more than half an interval late skips a slot
 * rather than running twice in a row (an overloaded worker sheds polls instead of queuing them); a
 * manual "Synchronize Orders" or a new connection is followed by the slot after half an interval.
 */
export function nextSlotMs(connectionId: string, intervalMs: number, lastMs: number): number {
  const phase = slotPhaseMs(connectionId, intervalMs);
  return phase + Math.ceil((lastMs + intervalMs / 2 - phase) / intervalMs) * intervalMs;
}
