import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asActivityFailure, withCleanFailures, withoutQueryParameters } from '../activities/failures';
import type { DatabaseHandle } from '../db/client';
import { createOrderRepository } from '../db/orders';
import { orders } from '../db/schema';
import { databaseKinds, openTestDatabase } from './support/databases';

/**
 * Issue "Nothing lost, nothing stuck", item 14: Drizzle writes a failed query's parameters into its
 * error message; an order's parameters are the customer's name, address, e-mail and phone. What an
 * activity throws (history, Temporal UI, a connection's lastPoll) must carry none of them.
 */
describe.each(databaseKinds())('customer data never in a failure (%s)', (kind) => {
  let database: DatabaseHandle;
  const customer = {
    name: 'Jeanne Customer-Secret',
    email: 'jeanne.secret@example.org',
    phone: '+33 6 12 34 56 78',
  };

  beforeAll(async () => {
    database = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await database?.close();
  });

  /** A real failed insert whose parameters are customer data: the same order inserted twice. */
  async function failedQuery(): Promise<unknown> {
    const row = {
      connectionId: 'c1',
      orderId: `o-${kind}`,
      status: 'WAITING_ACCEPTANCE',
      customerName: customer.name,
      detail: { email: customer.email, phone: customer.phone },
    };
    await database.db.insert(orders).values(row).onConflictDoNothing();
    return database.db
      .insert(orders)
      .values(row)
      .then(() => undefined)
      .catch((err: unknown) => err);
  }

  it('a database error keeps its code and statement but loses the parameters', async () => {
    const err = await failedQuery();
    expect(String((err as Error).message)).toContain(customer.name); // what Drizzle does
    const clean = withoutQueryParameters(err) as Error;
    const text = `${clean.message}\n${clean.stack}\n${JSON.stringify(clean)}`;
    for (const secret of Object.values(customer)) expect(text).not.toContain(secret);
    expect(clean.message).toMatch(/^Database error/);
    expect(clean.message).toContain('insert into "orders"');
    expect((clean as Error & { cause?: unknown }).cause).toBeUndefined();
  });

  it('every activity rethrows a database error without its parameters', async () => {
    const repository = createOrderRepository(database.db);
    const activities = withCleanFailures({
      async saveTwice() {
        await failedQuery().then((err) => {
          if (err) throw err;
        });
        return repository.get('c1', `o-${kind}`);
      },
    });
    const thrown: unknown = await activities.saveTwice().catch((err: unknown) => err);
    expect(thrown).toBeInstanceOf(Error);
    for (const secret of Object.values(customer)) expect((thrown as Error).message).not.toContain(secret);
  });

  it('the activity failure mapping (permanentOrRetry) also strips them', async () => {
    const mapped = asActivityFailure(await failedQuery()) as Error;
    expect(mapped).not.toBeInstanceOf(ApplicationFailure);
    for (const secret of Object.values(customer)) expect(mapped.message).not.toContain(secret);
  });
});
