import os from 'node:os';

/**
 * What bounds the product's memory, whatever the number of open orders (README "Memory"). Each has an
 * environment variable; the defaults come from the machine's memory, so that a 1 GB VPS and a 24 GB
 * server both stay flat under a burst.
 */
export interface MemoryBounds {
  /**
   * WORKER_CACHED_WORKFLOWS: workflows a worker keeps in its sticky cache. Each costs about 250 KB;
   * one evicted is replayed from its history when it next wakes (an order waiting for shipment wakes
   * once, when shipped). The SDK's own default grows with the heap limit (2 310 on a 24 GB machine).
   */
  cachedWorkflows: number;
  /** PGLITE_SHARED_BUFFERS_MB: the embedded database's buffer cache (PostgreSQL's default: 128 MB). */
  pgliteSharedBuffersMb: number;
}

/**
 * V8 flags of every product process (package.json's start, api and worker scripts, the cluster, the
 * bench): young-generation semi-spaces of 4 MB rather than 16 (per thread: the main one, the workflow
 * thread, tsx's loader) save about 60 MB a process for slightly more frequent minor collections.
 */
export const NODE_MEMORY_FLAGS = ['--max-semi-space-size=4'];

const MIB = 1024 * 1024;
const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, Math.floor(value)));

/** The defaults for a machine with this much memory: 1/8 000 of it in workflows, 1/128 in buffers. */
export function defaultMemoryBounds(totalMemoryBytes: number): MemoryBounds {
  const totalMib = totalMemoryBytes / MIB;
  return {
    // 2 GB: 250 workflows (about 60 MB); 1 GB: 128; never fewer than 20, never more than 250.
    cachedWorkflows: clamp(totalMib / 8, 20, 250),
    // 2 GB: 16 MB; 4 GB and more: 32 MB, never more: the product's own tables are small and the
    // operating system caches the files beneath.
    pgliteSharedBuffersMb: clamp(totalMib / 128, 16, 32),
  };
}

function bound(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || (name === 'WORKER_CACHED_WORKFLOWS' && value === 1))
    throw new Error(`${name} must be an integer of at least ${min === 0 ? '2 (or 0)' : min}, got "${raw}"`);
  return value;
}

export function readMemoryBounds(
  env: NodeJS.ProcessEnv = process.env,
  totalMemoryBytes = os.totalmem(),
): MemoryBounds {
  const defaults = defaultMemoryBounds(totalMemoryBytes);
  return {
    // 0 turns the cache off (every task replays); 1 is not allowed by the SDK.
    cachedWorkflows: bound(env, 'WORKER_CACHED_WORKFLOWS', defaults.cachedWorkflows, 0),
    pgliteSharedBuffersMb: bound(env, 'PGLITE_SHARED_BUFFERS_MB', defaults.pgliteSharedBuffersMb, 1),
  };
}
