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

/** NODE_HEAP_MB's default: V8's limit on each thread's old generation in a product process. */
export const DEFAULT_NODE_HEAP_MB = 256;

/**
 * V8 flags of every product process (package.json's start, api and worker scripts, the cluster, the
 * bench), the same as package.json writes them (`${NODE_HEAP_MB:-256}`; a test keeps them in step):
 * - the old generation bounded (NODE_HEAP_MB, 256 MB by default): without a bound V8 sizes it from
 *   the machine (4 GB here) and leaves hundreds of MB of garbage uncollected under a burst, counted
 *   in the RSS; the product's live heap stays under 100 MB with thousands of orders in flight
 *   (BENCHMARKS.md), and each thread (main, workflows, tsx's loader) has its own;
 * - young-generation semi-spaces of 4 MB rather than 16: about 60 MB less a process, for slightly
 *   more frequent minor collections.
 */
export function nodeMemoryFlags(env: NodeJS.ProcessEnv = process.env): string[] {
  return ['--max-semi-space-size=4', `--max-old-space-size=${nodeHeapMb(env)}`];
}

/** glibc's settings for a product process (nodeMemoryEnv), each kept when already set. */
export const DEFAULT_MALLOC_ENV = {
  MALLOC_ARENA_MAX: '2',
  MALLOC_TRIM_THRESHOLD_: '131072',
} as const;

/**
 * The environment of every product process (package.json's scripts write the same, a test keeps them
 * in step), glibc's malloc told to give memory back (DEFAULT_MALLOC_ENV, each unless set):
 * - MALLOC_ARENA_MAX=2: glibc gives each busy thread (libuv's pool, the Temporal core's runtime, the
 *   workflow thread) an arena of its own, up to 8 per core, that keeps what it once held: under a burst
 *   the worker held 30–40 MB more with the default;
 * - MALLOC_TRIM_THRESHOLD_=128 KB, glibc's own starting value, fixed: by default each large block freed
 *   raises the threshold (up to 64 MB) under which freed memory at the top of an arena is kept rather
 *   than given back; the worker then held 40–50 MB it no longer used (BENCHMARKS.md "Memory with
 *   thousands of open orders").
 */
export function nodeMemoryEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const glibc = Object.entries(DEFAULT_MALLOC_ENV).map(([name, value]) => [name, env[name] || value]);
  return { ...env, ...Object.fromEntries(glibc) };
}

const MIB = 1024 * 1024;
const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, Math.floor(value)));

/** The defaults for a machine with this much memory: 1/20 000 of it in workflows, 1/128 in buffers. */
export function defaultMemoryBounds(totalMemoryBytes: number): MemoryBounds {
  const totalMib = totalMemoryBytes / MIB;
  return {
    // 2 GB and more: 100 workflows (about 12 MB); 1 GB: 51; never fewer than 20. Never more: orders
    // waiting for shipment are evicted whatever the cache (they wait hours), and 100 covers the orders
    // moving at once; connections want more (one each, README "How much one small machine handles").
    cachedWorkflows: clamp(totalMib / 20, 20, 100),
    // 2 GB and more: 16 MB; 1 GB: 8 MB: the product's own tables are small and the operating system
    // caches the files beneath.
    pgliteSharedBuffersMb: clamp(totalMib / 128, 8, 16),
  };
}

function bound(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min)
    throw new Error(`${name} must be an integer of at least ${min}, got "${raw}"`);
  return value;
}

/** NODE_HEAP_MB, read the same way for the node flags and for the cache it must hold. */
const nodeHeapMb = (env: NodeJS.ProcessEnv) => bound(env, 'NODE_HEAP_MB', DEFAULT_NODE_HEAP_MB, 64);

/**
 * The most workflows the workflow thread's heap (NODE_HEAP_MB) holds with room to spare: about 8 per
 * MB above 64 MB. A cache of 3 500 ran the default 256 MB heap out of memory (about 3 000 cached), which
 * stops the whole process: a larger cache is refused at start, naming both settings.
 */
export function maxCachedWorkflows(heapMb: number): number {
  return Math.max(2, Math.floor((heapMb - 64) * 8));
}

export function readMemoryBounds(
  env: NodeJS.ProcessEnv = process.env,
  totalMemoryBytes = os.totalmem(),
): MemoryBounds {
  const defaults = defaultMemoryBounds(totalMemoryBytes);
  // 0 turns the cache off (every task replays); 1 is not allowed by the SDK.
  const cachedWorkflows = bound(env, 'WORKER_CACHED_WORKFLOWS', defaults.cachedWorkflows, 0);
  if (cachedWorkflows === 1)
    throw new Error('WORKER_CACHED_WORKFLOWS must be an integer of at least 2 (or 0), got "1"');
  const heapMb = nodeHeapMb(env);
  if (cachedWorkflows > maxCachedWorkflows(heapMb)) {
    throw new Error(
      `WORKER_CACHED_WORKFLOWS=${cachedWorkflows} does not fit a heap of NODE_HEAP_MB=${heapMb} (at most ` +
        `${maxCachedWorkflows(heapMb)}); raise NODE_HEAP_MB to at least ${Math.ceil(cachedWorkflows / 8) + 64}`,
    );
  }
  return {
    cachedWorkflows,
    pgliteSharedBuffersMb: bound(env, 'PGLITE_SHARED_BUFFERS_MB', defaults.pgliteSharedBuffersMb, 1),
  };
}
