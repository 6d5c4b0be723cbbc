import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../db/client';
import packageJson from '../package.json' with { type: 'json' };
import {
  DEFAULT_MALLOC_ENV,
  DEFAULT_NODE_HEAP_MB,
  defaultMemoryBounds,
  nodeMemoryEnv,
  nodeMemoryFlags,
  readMemoryBounds,
} from '../runtime/memory';
import { projectRoot } from '../runtime/paths';
import { compiledPath } from '../scripts/build';

const GIB = 1024 ** 3;

describe('memory bounds (runtime/memory.ts)', () => {
  it('derives the defaults from the machine, within their limits', () => {
    expect(defaultMemoryBounds(1 * GIB)).toEqual({ cachedWorkflows: 51, pgliteSharedBuffersMb: 8 });
    expect(defaultMemoryBounds(2 * GIB)).toEqual({ cachedWorkflows: 100, pgliteSharedBuffersMb: 16 });
    expect(defaultMemoryBounds(24 * GIB)).toEqual({ cachedWorkflows: 100, pgliteSharedBuffersMb: 16 });
    expect(defaultMemoryBounds(0.1 * GIB)).toEqual({ cachedWorkflows: 20, pgliteSharedBuffersMb: 8 });
  });

  it('takes WORKER_CACHED_WORKFLOWS and PGLITE_SHARED_BUFFERS_MB from the environment', () => {
    const env = { WORKER_CACHED_WORKFLOWS: '40', PGLITE_SHARED_BUFFERS_MB: '8' };
    expect(readMemoryBounds(env, 2 * GIB)).toEqual({ cachedWorkflows: 40, pgliteSharedBuffersMb: 8 });
    expect(readMemoryBounds({ WORKER_CACHED_WORKFLOWS: '0' }, 2 * GIB).cachedWorkflows).toBe(0);
  });

  it('refuses a cache the heap cannot hold (the workflow thread would run out of memory), naming both', () => {
    expect(() => readMemoryBounds({ WORKER_CACHED_WORKFLOWS: '3500' }, 2 * GIB)).toThrow(
      /WORKER_CACHED_WORKFLOWS=3500 does not fit a heap of NODE_HEAP_MB=256 .*at least 502/,
    );
    expect(readMemoryBounds({ WORKER_CACHED_WORKFLOWS: '1536' }, 2 * GIB).cachedWorkflows).toBe(1536);
    const bigger = { WORKER_CACHED_WORKFLOWS: '3500', NODE_HEAP_MB: '512' };
    expect(readMemoryBounds(bigger, 2 * GIB).cachedWorkflows).toBe(3500);
  });

  it.each([
    ['WORKER_CACHED_WORKFLOWS', '1'],
    ['WORKER_CACHED_WORKFLOWS', '-5'],
    ['WORKER_CACHED_WORKFLOWS', 'many'],
    ['PGLITE_SHARED_BUFFERS_MB', '0'],
    ['PGLITE_SHARED_BUFFERS_MB', '1.5'],
  ])('refuses %s=%s, naming it', (name, value) => {
    expect(() => readMemoryBounds({ [name]: value }, 2 * GIB)).toThrow(name);
  });
});

describe("the product's V8 flags", () => {
  it.each([
    ['start', 'scripts/start.ts'],
    ['api', 'scripts/api.ts'],
    ['worker', 'workers/main.ts'],
  ] as const)(
    'npm run %s runs node itself with them on its bundle (no wrapper, no tsx loader)',
    (name, source) => {
      const scripts = packageJson.scripts as Record<string, string>;
      // npm runs scripts with sh: NODE_HEAP_MB's default is written as the shell's ${…:-…}.
      const flags = nodeMemoryFlags({}).map((f) =>
        f.replace(`=${DEFAULT_NODE_HEAP_MB}`, `=\${NODE_HEAP_MB:-${DEFAULT_NODE_HEAP_MB}}`),
      );
      const bundle = path.relative(projectRoot, compiledPath(source));
      const glibc = Object.entries(DEFAULT_MALLOC_ENV).map(([env, value]) => `${env}=\${${env}:-${value}}`);
      expect(scripts[name]).toBe(`${glibc.join(' ')} node ${flags.join(' ')} ${bundle}`);
      // npm runs pre<name> first: the bundle is rebuilt from the sources at every start.
      expect(scripts[`pre${name}`]).toBe('tsx scripts/build.ts');
    },
  );

  it("bounds glibc's malloc arenas and fixes its trim threshold, unless set", () => {
    expect(nodeMemoryEnv({ PORT: '1' })).toEqual({
      PORT: '1',
      MALLOC_ARENA_MAX: '2',
      MALLOC_TRIM_THRESHOLD_: '131072',
    });
    expect(nodeMemoryEnv({ MALLOC_ARENA_MAX: '8' }).MALLOC_ARENA_MAX).toBe('8');
    expect(nodeMemoryEnv({ MALLOC_TRIM_THRESHOLD_: '1048576' }).MALLOC_TRIM_THRESHOLD_).toBe('1048576');
  });

  it('bounds the old generation by NODE_HEAP_MB', () => {
    expect(nodeMemoryFlags({})).toContain('--max-old-space-size=256');
    expect(nodeMemoryFlags({ NODE_HEAP_MB: '512' })).toContain('--max-old-space-size=512');
    expect(() => nodeMemoryFlags({ NODE_HEAP_MB: '10' })).toThrow('NODE_HEAP_MB');
  });
});

describe('the embedded database under its bound (db/client.ts)', () => {
  it('creates a new data folder (initdb apart) and runs with the shared buffers it is given', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'spartoo-pglite-bound-'));
    try {
      const first = await openDatabase({ pgliteDir: path.join(dir, 'pg'), pgliteSharedBuffersMb: 16 });
      const shown = await first.db.execute(sql`show shared_buffers`);
      expect(JSON.stringify(shown)).toContain('16MB');
      await first.db.execute(sql`create table kept (id int)`);
      await first.db.execute(sql`insert into kept values (7)`);
      await first.close();
      // Opened again: the same data, the folder is not created twice.
      const again = await openDatabase({ pgliteDir: path.join(dir, 'pg'), pgliteSharedBuffersMb: 24 });
      expect(JSON.stringify(await again.db.execute(sql`show shared_buffers`))).toContain('24MB');
      expect(JSON.stringify(await again.db.execute(sql`select id from kept`))).toContain('7');
      await again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
