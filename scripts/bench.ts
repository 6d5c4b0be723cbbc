import { runClusterBench } from './bench/cluster';
import { runConnectionsBench } from './bench/connections';
import { runHostileDrill } from './bench/hostile';
import { runOpenOrdersBench } from './bench/open-orders';
import { runBench } from './bench/run';
import { runStockBench } from './bench/stock';
import { runShopCatalogueBench, takeStoreOption } from './bench/stock-shops';
import { buildProduct } from './build';

// `npm run bench [-- --orders N] [--faults] [--rate R] [--catalogue N]`: SPEC §9 (--rate: orders arrive R
// a second rather than all at once, for the latency of a steady flow; --catalogue: N more sizes in the store). Figures on stdout, one per line, the last one
// `orders/s: <n>`; `--stock-sizes N [--changed M]`: the stock push of N sizes, then M changed ones,
// against a failing sandbox (scripts/bench/stock.ts). Progress on stderr. PostgreSQL (needed by --faults) from DATABASE_URL or
// TEST_DATABASE_URL; without it the product runs embedded on PGlite, as `npm start` runs it.
// `--hostile [--orders N]` (300 by default): the drill of data faults and Spartoo-side changes next to
// the transient ones, with one line per check (scripts/bench/hostile.ts).
// `--cluster [--workers N] [--faults]`: the orders through `npm run cluster`'s topology (Temporal server on
// PostgreSQL, api, N workers, default 2); with --faults, the crash drill (scripts/bench/cluster.ts).
// `--connections N [--minutes M]`: N connections polling every 60 s, M minutes idle (default 5): poll
// lateness, spread, CPU per connection (scripts/bench/connections.ts; --poll-seconds S for the test,
// --orders-each K for a big N: 2 orders each by default).
// `--open-orders N [--burst B]`: memory with N orders AWAITING_SHIPMENT, then B more on top
// (scripts/bench/open-orders.ts).
const USAGE =
  'usage: npm run bench -- [--orders N] [--faults] [--rate R] [--catalogue N] | --stock-sizes N [--changed M] [--store builtin|shopify|woocommerce] | --hostile [--orders N] | --cluster [--workers N] [--faults] [--orders N] | --connections N [--minutes M] | --open-orders N [--burst B]';

/** --open-orders N and --burst B taken out of argv. */
function openOrdersArgs(argv: string[]) {
  const found: { openOrders?: number; burst?: number } = {};
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const [name, inline] = argv[i]!.split('=', 2) as [string, string | undefined];
    if (name !== '--open-orders' && name !== '--burst') {
      rest.push(argv[i]!);
      continue;
    }
    const value = inline ?? argv[++i];
    const n = Number(value);
    if (!Number.isInteger(n) || n < (name === '--burst' ? 0 : 1))
      throw new Error(
        `${name} must be a ${name === '--burst' ? 'non-negative' : 'positive'} integer, got "${value}"`,
      );
    found[name === '--burst' ? 'burst' : 'openOrders'] = n;
  }
  if (found.burst !== undefined && found.openOrders === undefined)
    throw new Error('--burst goes with --open-orders N');
  if (found.openOrders !== undefined && rest.length)
    throw new Error(`--open-orders goes with --burst B only, not ${rest.join(' ')}`);
  return { ...found, rest };
}

/** --connections' options taken out of argv (which then must hold nothing else). */
function connectionsArgs(argv: string[]) {
  const found: Record<string, number> = {};
  const rest: string[] = [];
  const checks: Record<string, [(n: number) => boolean, string]> = {
    '--connections': [(n) => Number.isInteger(n) && n >= 1, 'a positive integer'],
    '--minutes': [(n) => n > 0, 'a positive number'],
    '--poll-seconds': [(n) => Number.isInteger(n) && n >= 10, 'an integer of at least 10'],
    '--orders-each': [(n) => Number.isInteger(n) && n >= 0, 'a non-negative integer'],
  };
  for (let i = 0; i < argv.length; i++) {
    const [name, inline] = argv[i]!.split('=', 2) as [string, string | undefined];
    const check = checks[name];
    if (!check) {
      rest.push(argv[i]!);
      continue;
    }
    const value = inline ?? argv[++i];
    if (!check[0](Number(value))) throw new Error(`${name} must be ${check[1]}, got "${value}"`);
    found[name] = Number(value);
  }
  const connections = found['--connections'];
  if (connections === undefined && rest.length < argv.length)
    throw new Error('--minutes goes with --connections N');
  if (connections !== undefined && rest.length) throw new Error('--connections goes with --minutes M only');
  return {
    connections,
    minutes: found['--minutes'],
    pollIntervalSeconds: found['--poll-seconds'],
    ordersPerConnection: found['--orders-each'],
    rest,
  };
}

function parseArgs(argv: string[]) {
  let orders: number | undefined;
  let faults = false;
  let hostile = false;
  let cluster = false;
  let workers: number | undefined;
  let rate: number | undefined;
  let stockSizes: number | undefined;
  let changed: number | undefined;
  let catalogue: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--faults') faults = true;
    else if (arg === '--hostile') hostile = true;
    else if (arg === '--cluster') cluster = true;
    else if (arg === '--workers' || arg.startsWith('--workers=')) {
      const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
      workers = Number(value);
      if (!Number.isInteger(workers) || workers < 1)
        throw new Error(`--workers must be a positive integer, got "${value}"`);
    } else if (arg === '--orders' || arg.startsWith('--orders=')) {
      const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
      orders = Number(value);
      if (!Number.isInteger(orders) || orders < 1)
        throw new Error(`--orders must be a positive integer, got "${value}"`);
    } else if (arg === '--rate' || arg.startsWith('--rate=')) {
      const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
      rate = Number(value);
      if (!Number.isInteger(rate) || rate < 1)
        throw new Error(`--rate must be a positive integer, got "${value}"`);
    } else if (arg === '--stock-sizes' || arg.startsWith('--stock-sizes=')) {
      const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
      stockSizes = Number(value);
      if (!Number.isInteger(stockSizes) || stockSizes < 1)
        throw new Error(`--stock-sizes must be a positive integer, got "${value}"`);
    } else if (arg === '--changed' || arg.startsWith('--changed=')) {
      const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
      changed = Number(value);
      if (!Number.isInteger(changed) || changed < 0)
        throw new Error(`--changed must be a non-negative integer, got "${value}"`);
    } else if (arg === '--catalogue' || arg.startsWith('--catalogue=')) {
      const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
      catalogue = Number(value);
      if (!Number.isInteger(catalogue) || catalogue < 0)
        throw new Error(`--catalogue must be a non-negative integer, got "${value}"`);
    } else if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`unknown option ${arg} (${USAGE})`);
  }
  if (changed !== undefined && stockSizes === undefined)
    throw new Error('--changed goes with --stock-sizes N');
  // The drill has its own faults (those of --faults, always on) and its own flow of orders.
  if (hostile && (rate !== undefined || stockSizes !== undefined))
    throw new Error('--hostile goes with --orders N only (its faults are always on)');
  if (cluster && (hostile || rate !== undefined || stockSizes !== undefined))
    throw new Error('--cluster goes with --workers N, --faults and --orders N only');
  if (workers !== undefined && !cluster) throw new Error('--workers goes with --cluster');
  if (catalogue !== undefined && (hostile || cluster || stockSizes !== undefined))
    throw new Error('--catalogue goes with the orders mode (--orders N, --faults, --rate R)');
  return { orders, faults, hostile, cluster, workers, rate, stockSizes, changed, catalogue };
}

try {
  const { openOrders, burst, rest: argv } = openOrdersArgs(process.argv.slice(2));
  const { connections, rest, ...connectionOptions } = connectionsArgs(argv);
  // --store shopify|woocommerce: the push's catalogue read through that adapter (scripts/bench/stock-shops.ts).
  const { store, rest: others } = takeStoreOption(rest);
  const { orders, faults, hostile, cluster, workers, rate, stockSizes, changed, catalogue } =
    parseArgs(others);
  if (store && (stockSizes === undefined || (store !== 'builtin' && changed !== undefined)))
    throw new Error('--store goes with --stock-sizes N (and --changed M only with builtin)');
  const postgresUrl = process.env.DATABASE_URL || process.env.TEST_DATABASE_URL || undefined;
  const log = (line: string) => console.error(line);
  // The product's processes run from their bundles, as `npm start` runs them (scripts/build.ts).
  await buildProduct();
  // --stock-sizes: the stock push of a large catalogue instead of the orders (scripts/bench/stock.ts);
  // --hostile: the drill (scripts/bench/hostile.ts).
  const report = openOrders
    ? await runOpenOrdersBench({ orders: openOrders, burst, postgresUrl, log })
    : connections
      ? await runConnectionsBench({
          ...connectionOptions,
          connections,
          minutes: connectionOptions.minutes ?? 5,
          postgresUrl,
          log,
        })
      : cluster
        ? await runClusterBench({ orders: orders ?? 1000, faults, workers: workers ?? 2, log })
        : hostile
          ? await runHostileDrill({ orders: orders ?? 300, postgresUrl, log })
          : stockSizes === undefined
            ? await runBench({ orders: orders ?? 1000, faults, rate, catalogue, postgresUrl, log })
            : store && store !== 'builtin'
              ? await runShopCatalogueBench({ store, sizes: stockSizes, log })
              : await runStockBench({ sizes: stockSizes, changed, postgresUrl, log });
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
