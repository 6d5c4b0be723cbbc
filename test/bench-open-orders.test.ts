import { describe, expect, it } from 'vitest';
import { runBenchCli } from './support/bench-cli';

/**
 * The open-orders benchmark (`--open-orders N --burst B`) as a correctness check, small, with a sticky
 * cache of 10 workflows so that most orders are evicted and replayed: it runs, prints the memory
 * figures, and every order is accepted and imported once, every shipped one confirmed once. No memory
 * figure or timing is asserted (BENCHMARKS.md has them).
 */
describe('npm run bench -- --open-orders 40 --burst 10', () => {
  it('keeps every order exactly once through evictions, and prints the memory as orders open', async () => {
    const run = await runBenchCli(['--open-orders', '40', '--burst', '10'], {
      WORKER_CACHED_WORKFLOWS: '10',
    });
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toMatch(/^bounds: 10 cached workflows, PGlite shared buffers \d+ MB$/m);
    expect(run.stdout).toMatch(/^RSS idle \(ready, no order\): \d+ MB$/m);
    expect(run.stdout).toMatch(/^RSS with 40 open orders: \d+ MB$/m);
    expect(run.stdout).toMatch(/^peak RSS over the run: stack \d+ MB$/m);
    // The cache held at most its bound, and orders were evicted to stay within it.
    const cache = /^sticky cache \(worker's SDK metrics\): size (\d+), forced evictions (\d+)$/m.exec(
      run.stdout,
    );
    expect(cache, run.stdout).not.toBeNull();
    expect(Number(cache![1])).toBeLessThanOrEqual(10);
    expect(Number(cache![2])).toBeGreaterThan(0);
    expect(run.stdout).toMatch(/^store orders: orders with exactly one: 50 of 50$/m);
    expect(run.stdout).toMatch(/^accepts accepted by the sandbox: orders with exactly one: 50 of 50$/m);
    expect(run.stdout).toMatch(
      /^ships accepted by the sandbox: sample orders with exactly one: 40 of 40, others 0$/m,
    );
  }, 300_000);
});
