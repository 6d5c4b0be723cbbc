import { describe, expect, inject, it } from 'vitest';
import { runBenchCli } from './support/bench-cli';

const bench = runBenchCli;

/** The counts the bench prints; a missing line fails the expectation that reads it. */
function counts(stdout: string) {
  const lines = stdout.trim().split('\n');
  const read = (pattern: RegExp) => {
    const match = lines.map((l) => pattern.exec(l)).find(Boolean);
    return match ? match.slice(1).map(Number) : undefined;
  };
  return {
    last: lines.at(-1),
    shippedOnSandbox: read(/^orders SHIPPED on the sandbox: (\d+) of (\d+)$/),
    shippedInProduct: read(/^orders SHIPPED in the product: (\d+) of (\d+)$/),
    storeOrders: read(/^store orders: (\d+) \(orders with exactly one: (\d+) of (\d+)\)$/),
    accepts: read(/^accepts accepted by the sandbox: (\d+) \(orders with exactly one: (\d+) of (\d+)\)$/),
    ships: read(/^ships accepted by the sandbox: (\d+) \(orders with exactly one: (\d+) of (\d+)\)$/),
    kills: read(/^worker kills: (\d+)$/),
  };
}

/**
 * SPEC §9's benchmark as a correctness check, small: every order ends SHIPPED on the sandbox, one store
 * order, one accepted accept and one accepted ship each, with and without faults. No timing assertion.
 */
describe('npm run bench (50 orders)', () => {
  const N = 50;

  it('without faults, embedded as npm start runs it, beside a catalogue: every order SHIPPED exactly once', async () => {
    const run = await bench(['--orders', String(N), '--catalogue', '500'], {});
    const c = counts(run.stdout);
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toMatch(/^bench: 50 orders at once, a catalogue of 500 more sizes; /m);
    expect(run.stderr).toMatch(/^catalogue: 500 more sizes in the store in [\d.]+ s$/m);
    expect(c.shippedOnSandbox).toEqual([N, N]);
    expect(c.shippedInProduct).toEqual([N, N]);
    expect(c.storeOrders).toEqual([N, N, N]);
    expect(c.accepts).toEqual([N, N, N]);
    expect(c.ships).toEqual([N, N, N]);
    expect(run.stdout).toMatch(/^latency to AWAITING_SHIPMENT p50: [\d.]+ s$/m);
    expect(run.stdout).toMatch(/peak RSS: \d+ MB$/m);
    expect(run.stdout).toMatch(/^ratio to baseline: [\d.]+$/m);
    expect(run.stdout).toMatch(/^fixed reference workflows\/s: [\d.]+ /m);
    expect(run.stdout).toMatch(/^ratio to fixed reference: [\d.]+$/m);
    expect(run.stdout).toMatch(/^ratio to fixed reference by CPU: \d+\.\d\d \(/m);
    expect(c.last).toMatch(/^orders\/s: [\d.]+$/);
  }, 300_000);

  it('with faults (20 % failures, latency, -429, three worker SIGKILLs): still every order SHIPPED exactly once', async () => {
    const postgresUrl = inject('postgresUrl');
    // No skip: CI has PostgreSQL, and without it the bench itself says what --faults needs.
    const run = await bench(['--orders', String(N), '--faults'], {
      TEST_DATABASE_URL: postgresUrl || undefined,
    });
    const c = counts(run.stdout);
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toMatch(/faults injected \{.*"http_500":\d+.*\}/);
    expect(run.stdout).toMatch(/"rate_limited":\d+/);
    expect(c.kills).toEqual([3]);
    expect(c.shippedOnSandbox).toEqual([N, N]);
    expect(c.shippedInProduct).toEqual([N, N]);
    expect(c.storeOrders).toEqual([N, N, N]);
    expect(c.accepts).toEqual([N, N, N]);
    expect(c.ships).toEqual([N, N, N]);
    expect(c.last).toMatch(/^orders\/s: [\d.]+$/);
  }, 400_000);
});
