import { execFile, spawn } from 'node:child_process';
import { accessSync, constants, cpSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { toolCacheDir } from './temporal-cli';

/**
 * The binaries of the production topology (`npm run cluster`), built with Go into the tool cache next
 * to the Temporal CLI, once per machine and version:
 *   <cache>/temporal-server-v1.29.1/temporal-server      go.temporal.io/server/cmd/server
 *   <cache>/temporal-server-v1.29.1/temporal-sql-tool    go.temporal.io/server/cmd/tools/sql
 *   <cache>/temporal-server-v1.29.1/schema/postgresql/v12/{temporal,visibility}   from the server module
 *   <cache>/temporal-ui-server-v2.42.1/temporal-ui-server  github.com/temporalio/ui-server/v2/cmd/server
 * The server is the one inside the Temporal CLI v1.5.1 (its go.mod pins server v1.29.1 and
 * ui-server v2.42.1), so the embedded dev server and the cluster run the same Temporal.
 * Both main packages are called `server`: each is built with `go install` into a GOBIN of its own and
 * renamed. Neither module has replace directives, so `go install <pkg>@<version>` builds them as
 * released. Overrides: TEMPORAL_SERVER_PATH, TEMPORAL_SQL_TOOL_PATH, TEMPORAL_SCHEMA_DIR (the folder
 * holding `temporal/` and `visibility/`), TEMPORAL_UI_SERVER_PATH.
 */
export const TEMPORAL_SERVER_VERSION = '1.29.1';
export const TEMPORAL_UI_SERVER_VERSION = '2.42.1';
const SERVER_MODULE = 'go.temporal.io/server';
const UI_MODULE = 'github.com/temporalio/ui-server/v2';

type Log = (message: string) => void;

export interface ClusterTools {
  server: string;
  sqlTool: string;
  /** schema/postgresql/v12 of the server module: `temporal/` and `visibility/`, each with `versioned/`. */
  schemaDir: string;
  ui: string;
}

export function serverToolsDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(toolCacheDir(env), `temporal-server-v${TEMPORAL_SERVER_VERSION}`);
}

export function uiToolsDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(toolCacheDir(env), `temporal-ui-server-v${TEMPORAL_UI_SERVER_VERSION}`);
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function cachedTools(env: NodeJS.ProcessEnv): ClusterTools {
  const dir = serverToolsDir(env);
  return {
    server: env.TEMPORAL_SERVER_PATH || path.join(dir, 'temporal-server'),
    sqlTool: env.TEMPORAL_SQL_TOOL_PATH || path.join(dir, 'temporal-sql-tool'),
    schemaDir: env.TEMPORAL_SCHEMA_DIR || path.join(dir, 'schema', 'postgresql', 'v12'),
    ui: env.TEMPORAL_UI_SERVER_PATH || path.join(uiToolsDir(env), 'temporal-ui-server'),
  };
}

const serverReady = (t: ClusterTools) =>
  isExecutable(t.server) &&
  isExecutable(t.sqlTool) &&
  existsSync(path.join(t.schemaDir, 'temporal', 'versioned')) &&
  existsSync(path.join(t.schemaDir, 'visibility', 'versioned'));

/** The cluster's binaries if they are already on this machine (nothing is built). */
export function findClusterTools(env: NodeJS.ProcessEnv = process.env): ClusterTools | undefined {
  const tools = cachedTools(env);
  return serverReady(tools) && isExecutable(tools.ui) ? tools : undefined;
}

function goBinary(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, 'go'))) return path.join(dir, 'go');
  }
  return undefined;
}

/** `go install pkg@version` into a GOBIN of its own, with a line every 30 s; the binary's path. */
async function goInstall(go: string, pkg: string, version: string, binDir: string, log: Log) {
  mkdirSync(binDir, { recursive: true });
  const started = Date.now();
  log(`Temporal cluster tools: go install ${pkg}@v${version} ...`);
  const ok = await new Promise<boolean>((resolve) => {
    const child = spawn(go, ['install', `${pkg}@v${version}`], {
      env: { ...process.env, CGO_ENABLED: '0', GOBIN: binDir },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const ticker = setInterval(
      () => log(`Temporal cluster tools: still building ${pkg} (${seconds(started)}) ...`),
      30_000,
    );
    const done = (result: boolean) => {
      clearInterval(ticker);
      resolve(result);
    };
    child.on('exit', (code) => done(code === 0));
    child.on('error', () => done(false));
  });
  const built = path.join(binDir, path.basename(pkg));
  if (!ok || !isExecutable(built)) throw new Error(`go install ${pkg}@v${version} failed`);
  log(`Temporal cluster tools: ${pkg} built in ${seconds(started)}`);
  return built;
}

const seconds = (since: number) => `${Math.round((Date.now() - since) / 1000)} s`;

/** Where Go keeps a module's source (downloading it if needed): the server's schema files are there. */
async function moduleDir(go: string, module: string, version: string): Promise<string> {
  const { stdout } = await promisify(execFile)(go, ['mod', 'download', '-json', `${module}@v${version}`], {
    env: { ...process.env, GOFLAGS: '-mod=mod' },
    maxBuffer: 10 * 1024 * 1024,
  });
  const dir = (JSON.parse(stdout) as { Dir?: string }).Dir;
  if (!dir) throw new Error(`go mod download ${module}@v${version} gave no folder`);
  return dir;
}

/** Builds into a staging folder and renames it into place, so a concurrent run never sees half of it. */
function publish(staging: string, target: string) {
  if (existsSync(target)) {
    // Someone else finished first (or an incomplete folder from an old run): keep a complete one.
    rmSync(target, { recursive: true, force: true });
  }
  renameSync(staging, target);
}

/**
 * The Temporal server, temporal-sql-tool, the server's PostgreSQL schema files and the UI server,
 * built into the tool cache if missing. A first build takes minutes (see README), then it is instant.
 */
export async function ensureClusterTools(log: Log = console.log): Promise<ClusterTools> {
  const tools = cachedTools(process.env);
  const needServer = !serverReady(tools);
  const needUi = !isExecutable(tools.ui);
  if (!needServer && !needUi) return tools;
  const go = goBinary();
  if (!go) {
    throw new Error(
      'The Temporal server, temporal-sql-tool and the Temporal UI server are built with Go, and there is ' +
        `no \`go\` on PATH. Install Go >= 1.23 (Debian: apt-get install golang), or put the binaries in ${serverToolsDir()} ` +
        `and ${uiToolsDir()} (or set TEMPORAL_SERVER_PATH, TEMPORAL_SQL_TOOL_PATH, TEMPORAL_SCHEMA_DIR, TEMPORAL_UI_SERVER_PATH).`,
    );
  }
  const started = Date.now();
  log(
    'Temporal cluster tools: building the Temporal server, temporal-sql-tool and the Temporal UI server with Go ' +
      `into ${toolCacheDir()}. This happens once per machine: 7.6 CPU-minutes from empty Go caches, module ` +
      'downloads included (4 to 5 minutes on an idle 2-core machine, 15 on a busy one), 4 minutes after the CLI build (README "The cluster").',
  );
  if (needServer) {
    const target = serverToolsDir();
    const staging = `${target}.building-${process.pid}`;
    rmSync(staging, { recursive: true, force: true });
    try {
      const server = await goInstall(
        go,
        `${SERVER_MODULE}/cmd/server`,
        TEMPORAL_SERVER_VERSION,
        staging,
        log,
      );
      renameSync(server, path.join(staging, 'temporal-server'));
      const sqlTool = await goInstall(
        go,
        `${SERVER_MODULE}/cmd/tools/sql`,
        TEMPORAL_SERVER_VERSION,
        staging,
        log,
      );
      renameSync(sqlTool, path.join(staging, 'temporal-sql-tool'));
      const source = await moduleDir(go, SERVER_MODULE, TEMPORAL_SERVER_VERSION);
      cpSync(
        path.join(source, 'schema', 'postgresql', 'v12'),
        path.join(staging, 'schema', 'postgresql', 'v12'),
        {
          recursive: true,
        },
      );
      // Module files are read-only: make the copy removable like the rest of the cache.
      await promisify(execFile)('chmod', ['-R', 'u+w', path.join(staging, 'schema')]);
      publish(staging, target);
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  }
  if (needUi) {
    const target = uiToolsDir();
    const staging = `${target}.building-${process.pid}`;
    rmSync(staging, { recursive: true, force: true });
    try {
      const ui = await goInstall(go, `${UI_MODULE}/cmd/server`, TEMPORAL_UI_SERVER_VERSION, staging, log);
      renameSync(ui, path.join(staging, 'temporal-ui-server'));
      publish(staging, target);
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  }
  log(`Temporal cluster tools: ready in ${seconds(started)} (${serverToolsDir()}, ${uiToolsDir()})`);
  return cachedTools(process.env);
}
