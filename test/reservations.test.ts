import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../db/client';
import { createOrderRepository } from '../db/orders';
import { createReservationLedger, type Reservation } from '../db/reservations';
import { databaseKinds, openTestDatabase } from './support/databases';

/**
 * The stock promised to accepted orders not yet imported (db/reservations.ts): a decision sees what
 * the other orders reserved, never its own earlier attempt, and leaves exactly what it reserves.
 */
describe.each(databaseKinds())('the reservation ledger (%s)', (kind) => {
  let database: DatabaseHandle;
  beforeAll(async () => {
    database = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await database?.close();
  });

  it('an order deciding again does not count its own earlier reservation, and replaces it', async () => {
    const ledger = createReservationLedger(database.db);
    const orders = createOrderRepository(database.db);
    const a = { connectionId: 'c-1', orderId: 'A' };
    const b = { connectionId: 'c-1', orderId: 'B' };
    for (const o of [a, b]) await orders.recordStatus(o.connectionId, o.orderId, 'WAITING_ACCEPTANCE', null);
    /** Decides `order`: answers what others hold of p1, p2, p3, and reserves `reserve`. */
    const decide = (order: typeof a, reserve: Reservation[]) =>
      ledger.decideAndReserve(order, async (reservedByOthers) => ({
        result: Object.fromEntries(await reservedByOthers(['p1', 'p2', 'p3'])),
        reserve,
      }));

    expect(
      await decide(a, [
        { productId: 'p1', quantity: 2 },
        { productId: 'p2', quantity: 1 },
        { productId: 'p2', quantity: 1 },
      ]),
    ).toEqual({});
    expect(await decide(b, [{ productId: 'p3', quantity: 1 }])).toEqual({ p1: 2, p2: 2 });
    // A's retry sees only B's, and its reservation becomes p2 × 3 (p1 no longer taken).
    expect(await decide(a, [{ productId: 'p2', quantity: 3 }])).toEqual({ p3: 1 });
    expect(await decide(b, [{ productId: 'p3', quantity: 1 }])).toEqual({ p2: 3 });
    // Not accepted this time: A holds nothing.
    expect(await decide(a, [])).toEqual({ p3: 1 });
    expect(await decide(b, [{ productId: 'p3', quantity: 1 }])).toEqual({});
    // Imported (AWAITING_SHIPMENT): B's reservation no longer counts, and is released.
    await orders.recordStatus(b.connectionId, b.orderId, 'AWAITING_SHIPMENT', null);
    expect(await decide(a, [])).toEqual({});
    // The import's own write releases it (activities/orders.ts importOrder).
    await orders.update(b.connectionId, b.orderId, {
      alongside: ledger.releasing(b.connectionId, b.orderId),
      detail: { storeOrderId: '1' },
    });
    await orders.recordStatus(b.connectionId, b.orderId, 'ACCEPTED', null);
    expect(await decide(a, [])).toEqual({});
  });
});
