import { runBench } from './bench/run';

// `npm run bench [-- --orders N] [--faults] [--rate R]`: SPEC §9 (--rate: orders arrive R a second
// rather than all at once, for the latency of a steady flow). Figures on stdout, one per line, the last one
// `orders/s: <n>`; progress on stderr. PostgreSQL (needed by --faults) from DATABASE_URL or
// TEST_DATABASE_URL; without it the product runs embedded on PGlite, as `npm start` runs it.
function parseArgs(argv: string[]) {
  let orders = 1000;
  let faults = false;
  let rate: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--faults') faults = true;
    else if (arg === '--orders' || arg.startsWith('--orders=')) {
      const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
      orders = Number(value);
      if (!Number.isInteger(orders) || orders < 1)
        throw new Error(`--orders must be a positive integer, got "${value}"`);
    } else if (arg === '--rate' || arg.startsWith('--rate=')) {
      const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
      rate = Number(value);
      if (!Number.isInteger(rate) || rate < 1)
        throw new Error(`--rate must be a positive integer, got "${value}"`);
    } else if (arg === '--help' || arg === '-h') {
      console.log('usage: npm run bench -- [--orders N] [--faults] [--rate R]');
      process.exit(0);
    } else
      throw new Error(`unknown option ${arg} (usage: npm run bench -- [--orders N] [--faults] [--rate R])`);
  }
  return { orders, faults, rate };
}

try {
  const { orders, faults, rate } = parseArgs(process.argv.slice(2));
  const report = await runBench({
    orders,
    faults,
    rate,
    postgresUrl: process.env.DATABASE_URL || process.env.TEST_DATABASE_URL || undefined,
    log: (line) => console.error(line),
  });
  for (const line of report.lines) console.log(line);
  if (report.problems.length) {
    console.error(`bench FAILED: ${report.problems.join('; ')}`);
    process.exit(1);
  }
  process.exit(0);
} catch (err) {
  console.error(`bench failed: ${(err as Error).message}`);
  process.exit(1);
}
