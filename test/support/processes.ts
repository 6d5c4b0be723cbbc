import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { nodeMemoryEnv } from '../../runtime/memory';
import { projectRoot } from '../../runtime/paths';
import { isProductScript, scriptArgs } from '../../scripts/build';

export interface Launched {
  child: ChildProcess;
  output(): string;
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Resolves with the exit code when the process ends by itself. */
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Runs a project script as `npm run …` would, capturing its output: a product process from its bundle
 * (built by the global setup: scripts/build.ts), any other through tsx. Either way node runs the
 * script in this one process (the tsx CLI would fork a child that a SIGKILL of the parent leaves running).
 */
export function launch(
  script: string,
  env: Record<string, string>,
  options: { cwd?: string } = {},
): Launched {
  const product = isProductScript(script);
  const child = spawn(process.execPath, scriptArgs(script), {
    cwd: options.cwd ?? projectRoot,
    env: product ? nodeMemoryEnv({ ...process.env, ...env }) : { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    exited,
    output: () => output,
    async waitForOutput(pattern, timeoutMs = 90_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(output)) {
        if (child.exitCode !== null) throw new Error(`${script} exited (${child.exitCode}):\n${output}`);
        if (Date.now() > deadline)
          throw new Error(`timed out waiting for ${pattern} from ${script}:\n${output}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    async stop(signal = 'SIGINT') {
      if (child.exitCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

export function processRunning(pattern: string): boolean {
  // /proc is enough on Linux and needs no extra tool.
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .some((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').includes(pattern);
      } catch {
        return false;
      }
    });
}
