import { describe, expect, it } from 'vitest';
import { runBenchCli } from './support/bench-cli';

const bench = (args: string[]) => runBenchCli(args);

const numbers = (stdout: string, pattern: RegExp) => pattern.exec(stdout)?.slice(1).map(Number);

/**
 * The many-connections benchmark (`--connections N`) as a correctness check, small and with the
 * settings' shortest poll interval: it runs, every connection polls in the window, no slot is polled
 * twice, every order is accepted and imported once. The figures are printed; no timing is asserted.
 */
describe('npm run bench -- --connections 30 --minutes 0.5 --poll-seconds 10', () => {
  it('polls every connection on its slots and handles every order once', async () => {
    const run = await bench(['--connections', '30', '--minutes', '0.5', '--poll-seconds', '10']);
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    const polls = numbers(
      run.stdout,
      /^polls in the window: (\d+) \(slots due: (\d+), missed: (\d+), polled twice: (\d+)\)$/m,
    );
    expect(polls, run.stdout).toBeDefined();
    const [count, due, , twice] = polls!;
    // 30 s at 10 s: three slots per connection; a missed slot is a figure, not a failure.
    expect(due).toBeGreaterThanOrEqual(90);
    expect(count).toBeGreaterThan(0);
    expect(twice).toBe(0);
    expect(run.stdout).toMatch(/^poll lateness p99: [\d.]+ s$/m);
    expect(run.stdout).toMatch(
      /^idle cpu per connection per minute: temporal [\d.]+ ms, product [\d.]+ ms$/m,
    );
    expect(run.stdout).toMatch(/^connections whose last poll failed: 0 of 30$/m);
    expect(run.stdout).toMatch(/^orders AWAITING_SHIPMENT in the product: 60 of 60$/m);
    expect(run.stdout).toMatch(/^store orders: 60 \(orders with exactly one: 60 of 60\)$/m);
    expect(run.stdout).toMatch(
      /^accepts accepted by the sandbox: 60 \(orders with exactly one: 60 of 60\)$/m,
    );
  }, 240_000);

  it('refuses options that do not go with it', async () => {
    const run = await bench(['--connections', '5', '--orders', '10']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('--connections goes with --minutes M only');
  });
});
