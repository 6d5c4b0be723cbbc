import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The project's folder (the one with package.json), found from this module upwards: the same whether
 * the sources run under tsx or bundled into dist/ (scripts/build.ts), where every module's
 * `import.meta.url` is the bundle's.
 */
function findProjectRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`No package.json above ${from}`);
  }
}

export const projectRoot = findProjectRoot(path.dirname(fileURLToPath(import.meta.url)));

/** A file or folder of the project, by its path from the project's folder. */
export const projectPath = (...parts: string[]) => path.join(projectRoot, ...parts);
