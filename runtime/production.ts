import type { Config } from './config';

/** The single-role commands run against shared services: embedded PGlite/dev server make no sense there. */
export function requireProductionServices(config: Config, role: string): { temporalAddress: string } {
  const missing = [
    !config.temporalAddress && 'TEMPORAL_ADDRESS (host:port of the Temporal frontend)',
    !config.databaseUrl && 'DATABASE_URL (postgres://user:password@host:5432/db)',
  ].filter(Boolean);
  if (missing.length) {
    throw new Error(
      `npm run ${role} needs ${missing.join(' and ')}; for everything on one machine use npm start`,
    );
  }
  return { temporalAddress: config.temporalAddress! };
}
