import { describe, expect, it } from 'vitest';
import { runBenchCli } from './support/bench-cli';

const bench = (args: string[]) => runBenchCli(args);

const numbers = (stdout: string, pattern: RegExp) => pattern.exec(stdout)?.slice(1).map(Number);

/**
 * The stock push benchmark (`--stock-sizes N --changed M`) as a correctness check, small: Spartoo ends
 * with the store's stock after a full push through 20 % failures and a -429 burst, the push resumed
 * rather than started over, and the incremental push sends the changed sizes only. No timing assertion.
 */
describe('npm run bench -- --stock-sizes 2000 --changed 100', () => {
  it('pushes every size once through failures and a -429 burst, then only the changed ones', async () => {
    const run = await bench(['--stock-sizes', '2000', '--changed', '100']);
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toMatch(/^full push sizes on the sandbox matching the store: 2000 of 2000$/m);
    expect(run.stdout).toMatch(/^incremental push sizes on the sandbox updated: 100 of 100$/m);
    const full = numbers(
      run.stdout,
      /^full push batch calls: (\d+) \((\d+) answered, (\d+) needed .*; (\d+) failed: .*; (\d+) answered -429\)$/m,
    );
    expect(full).toBeDefined();
    const [total, answered, needed, failed, limited] = full!;
    expect(needed).toBe(4);
    expect(limited).toBeGreaterThanOrEqual(1);
    expect(total).toBe(answered! + failed! + limited!);
    // Resumed, not started over: each batch answered once, plus those whose answer was lost.
    expect(answered).toBeGreaterThanOrEqual(4);
    expect(answered).toBeLessThanOrEqual(4 + failed! + 2);
    expect(
      numbers(
        run.stdout,
        /^incremental push wall time: [\d.]+ s \(an automatic cycle's start to its result, (\d+) sizes sent\)$/m,
      ),
    ).toEqual([100]);
    expect(run.stdout).toMatch(/^full push wall time: [\d.]+ s/m);
  }, 300_000);
});

/**
 * The shop adapters' side (`--store shopify|woocommerce`): the push's catalogue read through each adapter
 * against its sandbox, small, reads every size once with its stock, in pages. No timing assertion.
 */
describe.each(['shopify', 'woocommerce'])('npm run bench -- --stock-sizes 50 --store %s', (store) => {
  it('reads every size once, with its stock, a page at a time', async () => {
    const run = await bench(['--stock-sizes', '50', '--store', store]);
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toMatch(/^catalogue read sizes seen once with their stock: 50 of 50$/m);
    expect(run.stdout).toMatch(
      /^catalogue read wall time: [\d.]+ s \(1 page of at most 1000, the largest 50;/m,
    );
    expect(run.stdout).toMatch(/^catalogue read shop requests: \d+ /m);
  }, 120_000);
});
