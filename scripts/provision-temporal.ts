import { ensureTemporalCli } from './temporal-cli';

// `npm run temporal`: provision the Temporal CLI ahead of time (CI does this before the tests).
try {
  const cli = await ensureTemporalCli();
  console.log(`Temporal CLI: ${cli}`);
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
