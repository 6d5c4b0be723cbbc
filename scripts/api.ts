import { Client, Connection } from '@temporalio/client';
import { buildApp } from '../api/app';
import { readConfig } from '../runtime/config';
import { createMetrics } from '../runtime/metrics';
import { requireProductionServices } from '../runtime/production';
import { appDependencies, openServices } from '../runtime/services';

// `npm run api`: the HTTP API role alone, against TEMPORAL_ADDRESS and DATABASE_URL (production).
try {
  const config = readConfig();
  const { temporalAddress } = requireProductionServices(config, 'api');
  const services = await openServices(config);
  const connection = await Connection.connect({ address: temporalAddress });
  const client = new Client({ connection, namespace: config.namespace });
  const app = await buildApp(appDependencies(services, client, config, 'info', createMetrics()));
  await app.listen({ port: config.port, host: process.env.HOST || '0.0.0.0' });
  const close = async () => {
    await app.close();
    await connection.close();
    await services.database.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void close());
  process.on('SIGTERM', () => void close());
} catch (err) {
  console.error(`api could not start: ${(err as Error).message}`);
  process.exit(1);
}
