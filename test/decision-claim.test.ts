import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../db/client';
import { createOrderRepository } from '../db/orders';
import { databaseKinds, openTestDatabase } from './support/databases';

/**
 * Who takes an order's acceptance decision first (db/orders.ts, patch accept-in-fetch): the rule, in
 * the statement that records its decision, or the merchant, before their decision reaches the workflow.
 * Whoever claims first holds it; the other is refused; each may claim again.
 */
describe.each(databaseKinds())('the acceptance decision claimed once (%s)', (kind) => {
  let database: DatabaseHandle;
  beforeAll(async () => {
    database = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await database?.close();
  });

  const decision = { auto: true, accepted: true, reasons: [], decidedBy: 'RULE' as const };

  it('the merchant first: the rule writes nothing and is refused; an order not yet saved is created waiting', async () => {
    const orders = createOrderRepository(database.db);
    expect(await orders.claimDecision('c', 'M-1', 'MERCHANT')).toBe(true);
    expect((await orders.get('c', 'M-1'))?.status).toBe('WAITING_ACCEPTANCE');
    expect(await orders.update('c', 'M-1', { detail: { decision }, claim: 'RULE' })).toBeUndefined();
    expect((await orders.get('c', 'M-1'))?.detail).toMatchObject({ decisionClaim: 'MERCHANT' });
    expect((await orders.get('c', 'M-1'))?.detail.decision).toBeUndefined();
    expect(await orders.claimDecision('c', 'M-1', 'MERCHANT')).toBe(true);
  });

  it('the rule first: its decision is written with the claim, the merchant is refused', async () => {
    const orders = createOrderRepository(database.db);
    await orders.recordStatus('c', 'R-1', 'WAITING_ACCEPTANCE', null);
    expect(await orders.update('c', 'R-1', { detail: { decision }, claim: 'RULE' })).toBe(
      'WAITING_ACCEPTANCE',
    );
    expect((await orders.get('c', 'R-1'))?.detail).toMatchObject({ decisionClaim: 'RULE', decision });
    expect(await orders.claimDecision('c', 'R-1', 'MERCHANT')).toBe(false);
    // A retried fetch claims again for the rule.
    expect(await orders.update('c', 'R-1', { detail: { decision }, claim: 'RULE' })).toBe(
      'WAITING_ACCEPTANCE',
    );
  });
});
