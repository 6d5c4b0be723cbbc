import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { projectPath, projectRoot } from '../runtime/paths';

export const workflowsPath = projectPath('workflows/index.ts');
const bundlerScript = projectPath('workers/bundle-workflows.ts');

/**
 * The workflow bundle, built by webpack in a short-lived child process: a build in the worker's own
 * process leaves about 100 MB of heap behind for the process's whole life (README "Memory").
 */
export async function bundleWorkflowsApart(): Promise<{ code: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'spartoo-sync-bundle-'));
  try {
    const out = path.join(dir, 'workflows.js');
    // From the project's folder, where `--import tsx` resolves, whatever the product's own folder.
    await promisify(execFile)(process.execPath, ['--import', 'tsx', bundlerScript, out], {
      cwd: projectRoot,
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: await readFile(out, 'utf8') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
