import { execFile, spawn } from 'node:child_process';
import { accessSync, constants, mkdirSync, renameSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

/**
 * Finds or provisions the Temporal CLI (its `server start-dev` is the embedded Temporal server):
 * TEMPORAL_CLI_PATH, then PATH, then the tool cache outside the clone, then Temporal's release
 * download, then `go install` at a pinned version. v1.5.1 is the newest that `go install` accepts.
 */
export const TEMPORAL_CLI_VERSION = '1.5.1';
const GO_MODULE = 'github.com/temporalio/cli/cmd/temporal';

type Log = (message: string) => void;

export function toolCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SPARTOO_SYNC_CACHE_DIR) return path.resolve(env.SPARTOO_SYNC_CACHE_DIR);
  const base = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'spartoo-sync');
}

export function cachedCliPath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(toolCacheDir(env), `temporal-cli-v${TEMPORAL_CLI_VERSION}`, 'temporal');
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

/** The CLI if it is already on this machine, without provisioning anything. */
export function findTemporalCli(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.TEMPORAL_CLI_PATH) {
    if (!isExecutable(env.TEMPORAL_CLI_PATH)) {
      throw new Error(`TEMPORAL_CLI_PATH=${env.TEMPORAL_CLI_PATH} is not an executable file`);
    }
    return env.TEMPORAL_CLI_PATH;
  }
  const fromPath = onPath('temporal', env);
  if (fromPath) return fromPath;
  const cached = cachedCliPath(env);
  return isExecutable(cached) ? cached : undefined;
}

async function download(target: string, log: Log): Promise<boolean> {
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  const url = `https://temporal.download/cli/archive/v${TEMPORAL_CLI_VERSION}?platform=${process.platform}&arch=${arch}`;
  log(`Temporal CLI: trying the release download (${url}) ...`);
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(20_000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const archive = `${target}.tar.gz`;
    await writeFile(archive, Buffer.from(await res.arrayBuffer()));
    await promisify(execFile)('tar', ['-xzf', archive, '-C', path.dirname(target), 'temporal']);
    rmSync(archive, { force: true });
    return isExecutable(target);
  } catch (err) {
    log(`Temporal CLI: download failed (${(err as Error).message}); falling back to go install.`);
    return false;
  }
}

async function goInstall(target: string, log: Log): Promise<boolean> {
  const goBin = onPath('go', process.env);
  if (!goBin) {
    log('Temporal CLI: no `go` on PATH, cannot build it.');
    return false;
  }
  const binDir = `${path.dirname(target)}.building`;
  rmSync(binDir, { recursive: true, force: true });
  mkdirSync(binDir, { recursive: true });
  log(
    `Temporal CLI: building ${GO_MODULE}@v${TEMPORAL_CLI_VERSION} with go install. ` +
      'This happens once per machine and takes about 3 to 6 minutes (module downloads and a large build).',
  );
  const started = Date.now();
  const ok = await new Promise<boolean>((resolve) => {
    const child = spawn(goBin, ['install', `${GO_MODULE}@v${TEMPORAL_CLI_VERSION}`], {
      env: { ...process.env, CGO_ENABLED: '0', GOBIN: binDir },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const ticker = setInterval(
      () => log(`Temporal CLI: still building (${Math.round((Date.now() - started) / 1000)} s) ...`),
      30_000,
    );
    child.on('exit', (code) => {
      clearInterval(ticker);
      resolve(code === 0);
    });
    child.on('error', () => {
      clearInterval(ticker);
      resolve(false);
    });
  });
  if (!ok || !isExecutable(path.join(binDir, 'temporal'))) {
    rmSync(binDir, { recursive: true, force: true });
    return false;
  }
  // Publish atomically so a concurrent run never sees a half-written binary.
  renameSync(path.join(binDir, 'temporal'), target);
  rmSync(binDir, { recursive: true, force: true });
  log(`Temporal CLI: built in ${Math.round((Date.now() - started) / 1000)} s -> ${target}`);
  return true;
}

/** Returns a path to a working Temporal CLI, provisioning it into the tool cache if needed. */
export async function ensureTemporalCli(log: Log = console.log): Promise<string> {
  const found = findTemporalCli();
  if (found) return found;
  const target = cachedCliPath();
  mkdirSync(path.dirname(target), { recursive: true });
  log(`Temporal CLI: not found on PATH, TEMPORAL_CLI_PATH or in ${path.dirname(target)}.`);
  if ((await download(target, log)) || (await goInstall(target, log))) return target;
  throw new Error(
    'No Temporal CLI could be found or provisioned. Install one of: the Temporal CLI ' +
      '(https://docs.temporal.io/cli, then put `temporal` on PATH or set TEMPORAL_CLI_PATH), ' +
      `or Go >= 1.23 so that \`go install ${GO_MODULE}@v${TEMPORAL_CLI_VERSION}\` can build it.`,
  );
}
