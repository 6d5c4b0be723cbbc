import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';
import { projectPath, projectRoot } from '../runtime/paths';

/**
 * The product's long-running processes, each bundled into one JavaScript file under dist/ (README
 * "Memory"): run with plain `node`, a process has no tsx loader thread (about 40–70 MB each) and keeps
 * no TypeScript source maps. Packages stay in node_modules; only the project's own code is bundled.
 */
export const PRODUCT_SCRIPTS = [
  'scripts/start.ts',
  'scripts/api.ts',
  'workers/main.ts',
  'scripts/bench/product-worker.ts',
] as const;
export type ProductScript = (typeof PRODUCT_SCRIPTS)[number];

export const isProductScript = (script: string): script is ProductScript =>
  (PRODUCT_SCRIPTS as readonly string[]).includes(script);

/**
 * How node runs a project script in one process, as its npm script does: a product process from its
 * bundle in dist/ (built first by whoever starts it), any other through tsx's loader.
 */
export function scriptArgs(script: string): string[] {
  return isProductScript(script) ? [compiledPath(script)] : ['--import', 'tsx', projectPath(script)];
}

/** Where a project script's bundle is written: dist/<its path>.mjs. */
export function compiledPath(script: string): string {
  return projectPath('dist', script.replace(/\.ts$/, '.mjs'));
}

/**
 * Bundles every product script (about a second: esbuild, no type checking; `npm run typecheck` does
 * that). Each file is written aside then renamed over the old one, so that a process starting from
 * dist/ while another build runs (tests, benches, a second `npm start`) reads a whole bundle.
 */
export async function buildProduct(): Promise<void> {
  const { outputFiles } = await build({
    absWorkingDir: projectRoot,
    entryPoints: PRODUCT_SCRIPTS.map((script) => ({
      in: script,
      out: path.relative(projectPath('dist'), compiledPath(script)).replace(/\.mjs$/, ''),
    })),
    outdir: projectPath('dist'),
    outExtension: { '.js': '.mjs' },
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
    write: false,
  });
  for (const file of outputFiles) {
    const aside = `${file.path}.${process.pid}.tmp`;
    await mkdir(path.dirname(file.path), { recursive: true });
    await writeFile(aside, file.contents);
    await rename(aside, file.path);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === projectPath('scripts/build.ts')) {
  await buildProduct();
}
