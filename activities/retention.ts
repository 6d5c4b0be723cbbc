import type { CustomerDataEraser } from '../db/customer-data';
import { DEFAULT_RETENTION_DAYS } from '../domain/customer-data';

/** Orders erased per activity call: a batch stays short whatever the backlog. */
const BATCH = 200;

/** The periodic erasure's activity (workflows/retention.ts): one batch of finished orders past retention. */
export function createRetentionActivities(deps: { eraser: CustomerDataEraser; retentionDays?: number }) {
  const days = deps.retentionDays ?? DEFAULT_RETENTION_DAYS;
  return {
    async eraseExpiredCustomerData(): Promise<{ erased: number; more: boolean; retentionDays: number }> {
      const { erased, more } = await deps.eraser.eraseExpired(days, BATCH);
      return { erased, more, retentionDays: days };
    },
  };
}
