import type { Logger, LogLevel, LogMetadata } from '@temporalio/common';
import pino from 'pino';

/** Spartoo ids in a workflow id (workflows/messages.ts): logged as fields of their own. */
const WORKFLOW_ID = /^spartoo-(order|return|connection)\/([^/]+)(?:\/(.+))?$/;

/** What a log line says of the order, return or connection it is about, from its workflow id. */
export function idsOf(workflowId: unknown): Record<string, string> {
  if (typeof workflowId !== 'string') return {};
  const match = WORKFLOW_ID.exec(workflowId);
  if (!match) return {};
  const [, kind, connectionId, id] = match;
  return {
    connectionId: connectionId!,
    ...(id && kind === 'order' ? { orderId: id } : {}),
    ...(id && kind === 'return' ? { returnId: id } : {}),
  };
}

/**
 * The worker's logs as one JSON line per event (pino), with `workflowId`, `connectionId` and
 * `orderId` where known. The SDK's metadata carries ids and types, never payloads; the product puts
 * no customer data in messages (activities/failures.ts strips database parameters).
 */
export function createTemporalLogger(level = process.env.LOG_LEVEL ?? 'info'): Logger {
  const log = pino({ level: level.toLowerCase(), base: { role: 'worker', pid: process.pid } });
  const write = (lvl: LogLevel, message: string, meta?: LogMetadata) => {
    const fields = { ...meta, ...idsOf(meta?.workflowId) };
    const method = lvl === 'TRACE' ? 'trace' : (lvl.toLowerCase() as 'debug' | 'info' | 'warn' | 'error');
    log[method](fields, message);
  };
  return {
    log: write,
    trace: (m, meta) => write('TRACE', m, meta),
    debug: (m, meta) => write('DEBUG', m, meta),
    info: (m, meta) => write('INFO', m, meta),
    warn: (m, meta) => write('WARN', m, meta),
    error: (m, meta) => write('ERROR', m, meta),
  };
}
