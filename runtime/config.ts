import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { STORE_KINDS, type StoreKindName } from '../domain/stores';
import { type MemoryBounds, readMemoryBounds } from './memory';

/** The environment of SPEC §5, read once; everything optional in embedded mode. */
export interface Config {
  port: number;
  host: string;
  sandboxPort: number;
  temporalAddress?: string;
  temporalPort: number;
  temporalUiPort: number;
  temporalUiUrl: string;
  namespace: string;
  taskQueue: string;
  databaseUrl?: string;
  dataDir: string;
  demo: boolean;
  /** How long one Spartoo call may take before it counts as a (retryable) timeout. */
  spartooTimeoutMs: number;
  /** GET /metrics on the API without the bearer token (METRICS_PUBLIC=1). */
  metricsPublic: boolean;
  /** A worker's metrics and health server: METRICS_HOST, METRICS_PORT + WORKER_INDEX − 1. */
  metricsHost: string;
  metricsPort: number;
  workerIndex: number;
  /**
   * SPARTOO_ALLOW_CUSTOM_URL=1: shop URLs may be loopback or private addresses (domain/urls.ts). Default:
   * on under `npm start`'s demo, whose sandboxes run on this machine; off otherwise.
   */
  allowCustomUrls: boolean;
  /** PUBLIC_URL: where shops reach this product's API (their webhooks); default http://localhost:<PORT>. */
  publicUrl: string;
  /** STORE_RECONCILE_SECONDS: how often each shop store's recent orders are read again (default 300). */
  storeReconcileSeconds: number;
  /** CUSTOMER_DATA_RETENTION_DAYS: a finished order's customer data is erased after it (default 365). */
  customerDataRetentionDays: number;
  /** DEMO_STORE: the shop `npm start`'s demo imports into (builtin, or a sandbox of shopify / woocommerce). */
  demoStore: StoreKindName;
  /** SHOPIFY_SANDBOX_PORT (3200) and WOOCOMMERCE_SANDBOX_PORT (3300): the demo's shop sandboxes. */
  shopifySandboxPort: number;
  wooCommerceSandboxPort: number;
  /** WORKER_CACHED_WORKFLOWS and PGLITE_SHARED_BUFFERS_MB, by default from the machine (runtime/memory.ts). */
  memory: MemoryBounds;
}

function storeKind(env: NodeJS.ProcessEnv, name: string): StoreKindName {
  const raw = env[name];
  if (raw === undefined || raw === '') return 'builtin';
  if (!(STORE_KINDS as readonly string[]).includes(raw)) {
    throw new Error(`${name} must be one of ${STORE_KINDS.join(', ')}, got "${raw}"`);
  }
  return raw as StoreKindName;
}

function intVar(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    throw new Error(`${name} must be a port number (0-65535), got "${raw}"`);
  }
  return value;
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

function flag(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  if (raw === '1' || raw === 'true') return true;
  if (raw === '0' || raw === 'false') return false;
  throw new Error(`${name} must be 1 or 0, got "${raw}"`);
}

export function readConfig(env: NodeJS.ProcessEnv = process.env, defaults: { demo?: boolean } = {}): Config {
  const temporalUiPort = intVar(env, 'TEMPORAL_UI_PORT', 8233);
  const port = intVar(env, 'PORT', 3000);
  const demo = env.DEMO === undefined || env.DEMO === '' ? (defaults.demo ?? false) : env.DEMO !== '0';
  return {
    port,
    host: env.HOST || '127.0.0.1',
    sandboxPort: intVar(env, 'SANDBOX_PORT', 3100),
    temporalAddress: env.TEMPORAL_ADDRESS || undefined,
    temporalPort: intVar(env, 'TEMPORAL_PORT', 7233),
    temporalUiPort,
    temporalUiUrl: (env.TEMPORAL_UI_URL || `http://localhost:${temporalUiPort}`).replace(/\/$/, ''),
    namespace: env.TEMPORAL_NAMESPACE || 'default',
    taskQueue: env.TASK_QUEUE || 'spartoo-sync',
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: path.resolve(env.DATA_DIR || './.data'),
    spartooTimeoutMs: positiveInt(env, 'SPARTOO_TIMEOUT_MS', 15_000),
    metricsPublic: env.METRICS_PUBLIC === '1',
    metricsHost: env.METRICS_HOST || '127.0.0.1',
    metricsPort: intVar(env, 'METRICS_PORT', 9464),
    workerIndex: positiveInt(env, 'WORKER_INDEX', 1),
    demo,
    allowCustomUrls: flag(env, 'SPARTOO_ALLOW_CUSTOM_URL') ?? demo,
    publicUrl: (env.PUBLIC_URL || `http://localhost:${port}`).replace(/\/+$/, ''),
    storeReconcileSeconds: positiveInt(env, 'STORE_RECONCILE_SECONDS', 300),
    customerDataRetentionDays: positiveInt(env, 'CUSTOMER_DATA_RETENTION_DAYS', 365),
    demoStore: storeKind(env, 'DEMO_STORE'),
    shopifySandboxPort: intVar(env, 'SHOPIFY_SANDBOX_PORT', 3200),
    wooCommerceSandboxPort: intVar(env, 'WOOCOMMERCE_SANDBOX_PORT', 3300),
    memory: readMemoryBounds(env),
  };
}

/**
 * A secret from the environment, else from a file under DATA_DIR, else generated into that file
 * (mode 600) so that restarts keep it. `generated` tells the caller to print where it is.
 */
export function loadOrCreateSecret(
  value: string | undefined,
  file: string,
  make: () => string,
): { value: string; generated: boolean; file?: string } {
  if (value) return { value, generated: false };
  if (existsSync(file)) return { value: readFileSync(file, 'utf8').trim(), generated: false, file };
  mkdirSync(path.dirname(file), { recursive: true });
  const created = make();
  writeFileSync(file, `${created}\n`, { mode: 0o600 });
  return { value: created, generated: true, file };
}

export const newApiToken = () => randomBytes(24).toString('base64url');
export const newSecretKey = () => randomBytes(32).toString('base64');
