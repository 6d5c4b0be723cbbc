import { ensureTemporalCli } from './temporal-cli';
import { ensureClusterTools } from './temporal-cluster-tools';

// `npm run temporal`: provision the Temporal CLI ahead of time (CI does this before the tests).
// `npm run temporal -- --cluster`: also the Temporal server, temporal-sql-tool and the UI server of
// `npm run cluster` (scripts/temporal-cluster-tools.ts).
try {
  const cli = await ensureTemporalCli();
  console.log(`Temporal CLI: ${cli}`);
  if (process.argv.includes('--cluster')) {
    const tools = await ensureClusterTools();
    console.log(`Temporal server: ${tools.server}`);
    console.log(`temporal-sql-tool: ${tools.sqlTool}`);
    console.log(`Temporal UI server: ${tools.ui}`);
  }
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
