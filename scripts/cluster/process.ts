import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { nodeMemoryEnv, nodeMemoryFlags } from '../../runtime/memory';
import { projectRoot } from '../../runtime/paths';
import { type ProductScript, scriptArgs } from '../build';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface ProcessSpec {
  /** Short name, used in messages and as the log file's name. */
  name: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** Output (stdout and stderr) is appended there, across restarts. */
  logFile: string;
  /** The signal that asks it to stop cleanly (SIGTERM unless told). */
  stopSignal?: NodeJS.Signals;
}

/** A product script run as its npm command runs it: `node <memory flags> dist/<script>.mjs`, one process. */
export function nodeScript(
  script: ProductScript,
  env: NodeJS.ProcessEnv,
): { command: string; args: string[]; env: NodeJS.ProcessEnv } {
  return {
    command: process.execPath,
    args: [...nodeMemoryFlags(), ...scriptArgs(script)],
    env: nodeMemoryEnv(env),
  };
}

/**
 * One process of the cluster. It runs in a process group of its own, so that a Ctrl-C in the terminal
 * reaches the launcher only, which then stops the processes in order (API, workers, UI, server) rather
 * than all at once. Its output goes to a log file, which start failures quote.
 */
export class ManagedProcess {
  private child?: ChildProcess;
  private exitedPromise: Promise<number | null> = Promise.resolve(null);
  private logFd?: number;
  /** How it last ended: exit code, or the signal's name. */
  lastExit?: string;
  /** Set while stop() or kill() runs: the launcher does not report those exits as crashes. */
  expectingExit = false;
  onUnexpectedExit?: (process: ManagedProcess, how: string) => void;

  constructor(readonly spec: ProcessSpec) {}

  get name(): string {
    return this.spec.name;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  start(): void {
    if (this.running) throw new Error(`${this.name} is already running`);
    mkdirSync(path.dirname(this.spec.logFile), { recursive: true });
    this.logFd = openSync(this.spec.logFile, 'a');
    const child = spawn(this.spec.command, this.spec.args, {
      cwd: projectRoot,
      env: this.spec.env,
      stdio: ['ignore', this.logFd, this.logFd],
      detached: true,
    });
    this.child = child;
    this.expectingExit = false;
    this.exitedPromise = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.lastExit = signal ?? `exit code ${code}`;
        if (this.logFd !== undefined) closeSync(this.logFd);
        this.logFd = undefined;
        if (!this.expectingExit) this.onUnexpectedExit?.(this, this.lastExit);
        resolve(code);
      });
      child.once('error', (err) => {
        this.lastExit = err.message;
        resolve(null);
      });
    });
  }

  /** Resolves when the process ends (at once if it is not running). */
  exited(): Promise<number | null> {
    return this.exitedPromise;
  }

  /** The end of its log, for messages. */
  logTail(chars = 3000): string {
    try {
      const size = statSync(this.spec.logFile).size;
      const text = readFileSync(this.spec.logFile, 'utf8');
      return text.slice(Math.max(0, size - chars));
    } catch {
      return '';
    }
  }

  /** Waits until `ready()` says yes; fails at once if the process exits, or after `timeoutMs`. */
  async waitUntil(what: string, ready: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.running) {
        throw new Error(
          `${this.name} exited (${this.lastExit}) before ${what}; log ${this.spec.logFile}:\n${this.logTail()}`,
        );
      }
      if (await ready().catch(() => false)) return;
      if (Date.now() > deadline) {
        throw new Error(
          `${this.name} not ${what} within ${timeoutMs / 1000} s; log ${this.spec.logFile}:\n${this.logTail()}`,
        );
      }
      await sleep(250);
    }
  }

  /** Asks it to stop cleanly; SIGKILL after `graceMs`. */
  async stop(graceMs = 20_000): Promise<void> {
    if (!this.running) return;
    this.expectingExit = true;
    this.child!.kill(this.spec.stopSignal ?? 'SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), graceMs);
    await this.exitedPromise;
    clearTimeout(timer);
  }

  /** SIGKILL: no shutdown at all, as a crash or an OOM kill. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.expectingExit = true;
    this.child!.kill('SIGKILL');
    await this.exitedPromise;
  }
}

/** GET url answers 2xx. */
export async function httpOk(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
  await response.arrayBuffer();
  return response.ok;
}
