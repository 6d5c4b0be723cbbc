import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { projectRoot } from '../runtime/paths';
import {
  NAMESPACE_RETENTION,
  NUM_HISTORY_SHARDS,
  renderTemplate,
  templatesDir,
} from '../scripts/cluster/temporal';
import { TEMPORAL_SERVER_VERSION, TEMPORAL_UI_SERVER_VERSION } from '../scripts/temporal-cluster-tools';

interface Service {
  image?: string;
  build?: string;
  command?: string[];
  depends_on?: string[] | Record<string, unknown>;
  environment?: Record<string, string>;
  networks?: string[];
  volumes?: string[];
}

/** No Docker engine here: the compose file is checked for what can be checked without one. */
describe('docker-compose.yml (production topology)', () => {
  const compose = parse(readFileSync(path.join(projectRoot, 'docker-compose.yml'), 'utf8')) as {
    services: Record<string, Service>;
    networks: Record<string, unknown>;
    volumes: Record<string, unknown>;
  };
  const services = compose.services;

  it('has PostgreSQL, Temporal with its schema setup, the Temporal UI, the api and the worker', () => {
    expect(Object.keys(services)).toEqual(
      expect.arrayContaining(['postgresql', 'temporal', 'temporal-ui', 'api', 'worker']),
    );
    expect(services.temporal!.image).toMatch(/^temporalio\/auto-setup:/);
    expect(services['temporal-ui']!.image).toMatch(/^temporalio\/ui:/);
    expect(services.api!.build).toBe('.');
    expect(services.worker!.command).toEqual(['npm', 'run', 'worker']);
    expect(services.api!.command).toEqual(['npm', 'run', 'api']);
    expect(existsSync(path.join(projectRoot, 'Dockerfile'))).toBe(true);
  });

  it('only refers to services, networks and volumes it defines', () => {
    for (const [name, service] of Object.entries(services)) {
      const deps = Array.isArray(service.depends_on)
        ? service.depends_on
        : Object.keys(service.depends_on ?? {});
      for (const dep of deps) expect(Object.keys(services), `${name} depends on ${dep}`).toContain(dep);
      for (const net of service.networks ?? []) expect(Object.keys(compose.networks)).toContain(net);
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0]!;
        if (source.startsWith('.')) expect(existsSync(path.join(projectRoot, source)), source).toBe(true);
        else expect(Object.keys(compose.volumes)).toContain(source);
      }
    }
  });

  it('points the roles at the compose services with the variables of SPEC §5', () => {
    for (const role of ['api', 'worker']) {
      const env = services[role]!.environment!;
      expect(env.TEMPORAL_ADDRESS).toBe('temporal:7233');
      expect(new URL(env.DATABASE_URL!).hostname).toBe('postgresql');
      expect(env).toHaveProperty('SECRET_KEY');
      expect(env).toHaveProperty('API_TOKEN');
    }
    expect(services['temporal-ui']!.environment!.TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(services.temporal!.environment!.POSTGRES_SEEDS).toBe('postgresql');
  });

  it('runs the Temporal of `npm run cluster`: same versions, shards, databases, pools and dynamic config', () => {
    // What the cluster builds and runs (scripts/temporal-cluster-tools.ts, scripts/cluster/).
    expect(services.temporal!.image).toBe(`temporalio/auto-setup:${TEMPORAL_SERVER_VERSION}`);
    expect(services['temporal-admin-tools']!.image).toBe(`temporalio/admin-tools:${TEMPORAL_SERVER_VERSION}`);
    expect(services['temporal-ui']!.image).toBe(`temporalio/ui:${TEMPORAL_UI_SERVER_VERSION}`);
    const template = readFileSync(path.join(templatesDir, 'temporal-server.yaml'), 'utf8');
    const placeholders = Object.fromEntries(
      [...template.matchAll(/\$\{([A-Z0-9_]+)\}/g)].map((m) => [
        m[1]!,
        m[1] === 'NUM_HISTORY_SHARDS' ? NUM_HISTORY_SHARDS : 'x',
      ]),
    );
    const server = parse(renderTemplate(template, placeholders)) as {
      persistence: {
        numHistoryShards: number;
        datastores: Record<string, { sql: { pluginName: string; maxConns: number } }>;
      };
    };
    const stores = server.persistence.datastores;
    const env = services.temporal!.environment!;
    expect(env.DB).toBe(stores['postgres-default']!.sql.pluginName);
    expect(env.DB).toBe(stores['postgres-visibility']!.sql.pluginName);
    expect(Number(env.NUM_HISTORY_SHARDS)).toBe(server.persistence.numHistoryShards);
    expect(Number(env.SQL_MAX_CONNS)).toBe(stores['postgres-default']!.sql.maxConns);
    expect(Number(env.SQL_VIS_MAX_CONNS)).toBe(stores['postgres-visibility']!.sql.maxConns);
    // The cluster's default database names (scripts/cluster/cluster.ts) and namespace retention.
    expect(env.DBNAME).toBe('temporal');
    expect(env.VISIBILITY_DBNAME).toBe('temporal_visibility');
    expect(env.DEFAULT_NAMESPACE_RETENTION).toBe(NAMESPACE_RETENTION);
    // The same dynamic config file, mounted where DYNAMIC_CONFIG_FILE_PATH points.
    const mount = services.temporal!.volumes!.find((v) => v.split(':')[1] === env.DYNAMIC_CONFIG_FILE_PATH);
    expect(mount?.split(':')[0]).toBe('./scripts/cluster/dynamicconfig.yaml');
  });
});
