import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { nodeMemoryEnv, nodeMemoryFlags } from '../../runtime/memory';
import { projectRoot } from '../../runtime/paths';
import { scriptArgs } from '../build';

/** Peak and current resident set (VmHWM, VmRSS, kB) and CPU time (user + system, s) of a live process, from /proc. */
export function readProc(pid: number): { peakRssKb: number; rssKb: number; cpuSeconds: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const hwm = /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
    const rss = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return { peakRssKb: hwm ? Number(hwm[1]) : 0, rssKb: rss ? Number(rss[1]) : 0, cpuSeconds: ticks / 100 };
  } catch {
    return undefined;
  }
}

/**
 * A child process of the bench: a project script run in one node process (no wrapper process, so its
 * pid is the one to measure and to SIGKILL) with the product's V8 flags (as its npm script runs it),
 * its output kept for errors.
 */
export class Child {
  readonly process: ChildProcess;
  private output = '';
  private readonly exited: Promise<number | null>;
  private sampler: NodeJS.Timeout;
  /** Last reading of /proc while it ran: /proc forgets a process once it is gone. */
  last = { peakRssKb: 0, rssKb: 0, cpuSeconds: 0 };

  constructor(
    readonly name: string,
    script: string,
    env: NodeJS.ProcessEnv,
    nodeArgs: string[] = [],
  ) {
    const args = [...nodeMemoryFlags(), ...nodeArgs, ...scriptArgs(script)];
    this.process = spawn(process.execPath, args, {
      cwd: projectRoot,
      env: nodeMemoryEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-20_000);
    };
    this.process.stdout?.on('data', keep);
    this.process.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => this.process.once('exit', (code) => resolve(code)));
    this.sampler = setInterval(() => this.sample(), 250);
    this.sampler.unref();
    void this.exited.then(() => clearInterval(this.sampler));
  }

  get pid(): number {
    return this.process.pid!;
  }

  get running(): boolean {
    return this.process.exitCode === null && this.process.signalCode === null;
  }

  sample() {
    const now = readProc(this.pid);
    if (now) this.last = now;
    return this.last;
  }

  text(): string {
    return this.output;
  }

  async waitFor(pattern: RegExp, timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.output)) {
      if (!this.running) throw new Error(`${this.name} exited at start:\n${this.output.slice(-4000)}`);
      if (Date.now() > deadline) {
        throw new Error(
          `${this.name} did not start within ${timeoutMs / 1000} s:\n${this.output.slice(-4000)}`,
        );
      }
      await sleep(100);
    }
    this.sample();
  }

  /** SIGKILL: no shutdown, no draining, as a crash or an OOM kill. */
  async kill(): Promise<void> {
    this.sample();
    if (this.running) this.process.kill('SIGKILL');
    await this.exited;
  }

  async stop(graceMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.sample();
    this.process.kill('SIGTERM');
    const timer = setTimeout(() => this.process.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A bench run's undoing: each step the run registers in `cleanups` (a server started, a database
 * created) is undone once, last first, whoever asks first (the end of the run, an error, Ctrl-C).
 */
export function benchCleanups(log: (line: string) => void) {
  const cleanups: (() => Promise<unknown>)[] = [];
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      for (const step of cleanups.reverse())
        await step().catch((err) => log(`cleanup: ${(err as Error).message}`));
    })());
  const onSignal = () => void cleanup().then(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return {
    cleanups,
    async finish() {
      await cleanup();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
