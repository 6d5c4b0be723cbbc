/**
 * `npm run sandbox`: the Spartoo sandbox alone, on SANDBOX_HOST:SANDBOX_PORT (127.0.0.1:3100).
 * SANDBOX_MERCHANTS (comma-separated merchant codes) creates merchants at start.
 */
import { createSandbox } from './app';

const port = Number(process.env.SANDBOX_PORT ?? 3100);
const host = process.env.SANDBOX_HOST ?? '127.0.0.1';

const app = createSandbox({ logger: true });
await app.ready();

for (const partenaire of (process.env.SANDBOX_MERCHANTS ?? '').split(',')) {
  if (partenaire.trim() === '') continue;
  await app.inject({
    method: 'POST',
    url: '/_sandbox/merchants',
    payload: { partenaire: partenaire.trim() },
  });
}

const url = await app.listen({ port, host });
app.log.info(`Spartoo sandbox: webservices at ${url}/mp/, admin at ${url}/_sandbox/`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
