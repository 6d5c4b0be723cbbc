import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvCell, MAX_BULK_ORDERS } from '../api/routes/order-batches';
import { orderSummarySchema } from '../api/routes/orders';
import { type Sandbox, startSandbox } from './support/sandbox';
import { startTestStack, type TestStack } from './support/stack';
import { waitFor } from './support/wait';

/** Issue 13, item 6: bulk decisions and the grid's CSV export, on a real Temporal dev server. */
describe('bulk decisions and CSV export', () => {
  let stack: TestStack;
  let sandbox: Sandbox;

  beforeAll(async () => {
    [stack, sandbox] = await Promise.all([startTestStack(), startSandbox()]);
    await stack.store.upsertProducts([
      { id: 'BULK-1', name: 'Bulk', stock: 100, priceFinalInclTaxCents: 5000 },
    ]);
  });
  afterAll(async () => {
    await stack?.close();
    await sandbox?.close();
  });

  const api = (method: 'GET' | 'POST', url: string, payload?: unknown) =>
    stack.app.inject({ method, url, headers: stack.auth, ...(payload ? { payload } : {}) });

  async function waitingOrders(count: number, customer: Record<string, string> = {}) {
    const partenaire = `P-${randomUUID().slice(0, 8)}`;
    const created = await api('POST', '/connections', {
      name: 'Bulk',
      apiKey: partenaire,
      baseUrl: sandbox.baseUrl,
      pollIntervalSeconds: 3600,
    });
    const connectionId = created.json().id as string;
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const orderId = await sandbox.createOrder(partenaire, {
        customers: customer,
        products: [
          {
            products_reference: 'B',
            products_size_reference: 'BULK-1',
            products_qty: '1',
            products_price_unit: '50.00',
          },
        ],
      });
      ids.push(orderId);
    }
    await api('POST', `/connections/${connectionId}/sync`);
    for (const orderId of ids)
      await waitFor(
        async () => (await api('GET', `/connections/${connectionId}/orders/${orderId}`)).json(),
        (o) => o.status === 'WAITING_ACCEPTANCE' && o.decision,
      );
    return { connectionId, ids };
  }

  it('accepts several orders in one call, answering each on its own', async () => {
    const { connectionId, ids } = await waitingOrders(3);
    const orders = [
      ...ids.slice(0, 2).map((orderId) => ({ connectionId, orderId })),
      { connectionId, orderId: 'NO-SUCH-ORDER' },
    ];
    const res = await api('POST', '/orders/accept', { orders });
    expect(res.statusCode).toBe(200);
    const { results } = res.json();
    expect(results).toHaveLength(3);
    expect(results[0]).toMatchObject({ connectionId, orderId: ids[0], ok: true });
    expect(results[1]).toMatchObject({ orderId: ids[1], ok: true });
    expect(results[2]).toMatchObject({
      orderId: 'NO-SUCH-ORDER',
      ok: false,
      error: expect.stringContaining('not found'),
    });
    for (const orderId of ids.slice(0, 2))
      await waitFor(
        async () => (await api('GET', `/connections/${connectionId}/orders/${orderId}`)).json().status,
        (s) => s === 'AWAITING_SHIPMENT',
      );
    // Asked again: the accepted ones are no longer waiting (409 each), the third is refused in bulk.
    const again = (await api('POST', '/orders/accept', { orders: orders.slice(0, 1) })).json().results;
    expect(again[0]).toMatchObject({ ok: false, error: expect.stringMatching(/not WAITING_ACCEPTANCE/) });
    const refused = (
      await api('POST', '/orders/refuse', { orders: [{ connectionId, orderId: ids[2] }] })
    ).json();
    expect(refused.results[0]).toMatchObject({ ok: true });
    await waitFor(
      async () => (await api('GET', `/connections/${connectionId}/orders/${ids[2]}`)).json().status,
      (s) => s === 'REFUSED',
    );
  });

  it('refuses more than the bulk limit, and an empty list, with a 400 naming the field', async () => {
    const many = Array.from({ length: MAX_BULK_ORDERS + 1 }, (_, i) => ({
      connectionId: 'c',
      orderId: `o${i}`,
    }));
    const tooMany = await api('POST', '/orders/accept', { orders: many });
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.json().errors[0].field).toContain('orders');
    expect((await api('POST', '/orders/refuse', { orders: [] })).statusCode).toBe(400);
  });

  it('exports the grid as CSV: a header line, every matching row, formulas escaped', async () => {
    const { connectionId, ids } = await waitingOrders(2, {
      customers_firstname: '=HYPERLINK("x")',
      customers_lastname: 'Doe, "Jr"',
    });
    const res = await api('GET', `/orders.csv?connectionId=${connectionId}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    const lines = res.body.split('\r\n').filter(Boolean);
    // The grid item's fields, in its order.
    expect(lines[0]).toBe(Object.keys(orderSummarySchema.shape).join(','));
    expect(lines[0]).toMatch(/^connectionId,orderId,status,spartooStatus,purchasedAt,customerName,total,/);
    expect(lines).toHaveLength(1 + ids.length);
    for (const orderId of ids) expect(res.body).toContain(orderId);
    expect(res.body).toContain(`"'=HYPERLINK(""x"") Doe, ""Jr"""`);
    const none = await api('GET', `/orders.csv?connectionId=${connectionId}&status=SHIPPED`);
    expect(none.body.split('\r\n').filter(Boolean)).toHaveLength(1);
    expect((await api('GET', '/orders.csv?status=NOPE')).statusCode).toBe(400);
  });

  it('escapes cells as RFC 4180 and against formula injection', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    for (const start of ['=', '+', '-', '@']) expect(csvCell(`${start}1+1`)).toBe(`'${start}1+1`);
    expect(csvCell(-3)).toBe('-3');
    expect(csvCell(null)).toBe('');
    expect(csvCell(49.9)).toBe('49.9');
  });
});
