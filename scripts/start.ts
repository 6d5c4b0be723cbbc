import { readConfig } from '../runtime/config';
import { startDemo } from './demo';
import { startStack } from './stack';

// `npm start`: the whole product on this machine; Ctrl-C stops everything it started.
const config = readConfig(process.env, { demo: true });
console.log(`spartoo-sync: starting (state in ${config.dataDir})`);
try {
  const stack = await startStack(config);
  const demo = config.demo
    ? await startDemo({ app: stack.app, ...stack.services }, config.sandboxPort, console.log, {
        store: config.demoStore,
        shopifyPort: config.shopifySandboxPort,
        wooCommercePort: config.wooCommerceSandboxPort,
      })
    : undefined;
  console.log('');
  console.log(`  Dashboard    ${stack.apiUrl}/`);
  console.log(`  API          ${stack.apiUrl}   (docs: ${stack.apiUrl}/docs)`);
  console.log(`  Temporal UI  ${stack.temporalUiUrl}`);
  console.log(
    `  API token    ${stack.services.apiToken}${stack.services.apiTokenFile ? `   (kept in ${stack.services.apiTokenFile})` : ''}`,
  );
  console.log('');
  console.log('Ready. Ctrl-C stops everything.');
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping ...`);
    await demo?.close();
    await stack.stop();
    console.log('stopped.');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
} catch (err) {
  console.error(`spartoo-sync could not start: ${(err as Error).message}`);
  process.exit(1);
}
