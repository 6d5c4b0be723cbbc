import { writeFileSync } from 'node:fs';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { workflowsPath } from './bundle';

// `node --import tsx workers/bundle-workflows.ts <file>`: the workflow bundle into <file> (workers/bundle.ts).
const out = process.argv[2];
if (!out) {
  console.error('usage: bundle-workflows.ts <output file>');
  process.exit(2);
}
const { code } = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
writeFileSync(out, code);
