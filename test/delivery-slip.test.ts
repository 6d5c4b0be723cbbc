import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderWorkflowId } from '../workflows/messages';
import { type Sandbox, startSandbox } from './support/sandbox';
import { startTestStack, type TestStack } from './support/stack';
import { waitFor } from './support/wait';

const line = (reference: string, sizeReference: string, qty: number) => ({
  products_reference: reference,
  products_size_reference: sizeReference,
  products_name: `Item ${sizeReference}`,
  products_qty: String(qty),
  products_price_unit: '30.00',
  products_price_unit_with_reduce: '30.00',
});

/**
 * Delivery slips (issue 13, item 1) through the product: an order accepted by its workflow on the
 * real Temporal dev server, then the API asking the sandbox's xml_export_bl.php for the PDF.
 */
describe('delivery slip', () => {
  let stack: TestStack;
  let sandbox: Sandbox;
  let connectionId = '';
  let partenaire = '';

  beforeAll(async () => {
    [stack, sandbox] = await Promise.all([startTestStack(), startSandbox()]);
    await stack.store.upsertProducts(
      ['SLIP-40', 'SLIP-41', 'BAG-U'].map((id) => ({ id, stock: 50, priceFinalInclTaxCents: 3000 })),
    );
    partenaire = `P-${randomUUID().slice(0, 8)}`;
    await sandbox.createMerchant(partenaire);
    const res = await api('POST', '/connections', {
      name: 'Slips',
      apiKey: partenaire,
      baseUrl: sandbox.baseUrl,
      autoAccept: true,
      pollIntervalSeconds: 3600,
      stockSyncIntervalSeconds: 3600,
    });
    expect(res.statusCode).toBe(201);
    connectionId = res.json().id;
  });
  afterAll(async () => {
    await stack?.close();
    await sandbox?.close();
  });

  function api(method: string, url: string, payload?: unknown) {
    return stack.app.inject({
      method: method as 'GET',
      url,
      headers: stack.auth,
      ...(payload ? { payload } : {}),
    });
  }
  const slipUrl = (orderId: string, connection = connectionId) =>
    `/connections/${connection}/orders/${orderId}/delivery-slip`;
  const status = async (orderId: string) => (await stack.orders.get(connectionId, orderId))?.status;

  /** An order Spartoo holds, seen by a sync and brought to `wanted` by its workflow. */
  async function order(lines: ReturnType<typeof line>[], wanted: string): Promise<string> {
    const orderId = await sandbox.createOrder(partenaire, { products: lines });
    expect((await api('POST', `/connections/${connectionId}/sync`)).statusCode).toBe(200);
    expect(
      await waitFor(
        () => status(orderId),
        (s) => s === wanted,
      ),
    ).toBe(wanted);
    return orderId;
  }

  it('answers the whole order as one parcel: a PDF naming the order and every line', async () => {
    const orderId = await order([line('SLIP', 'SLIP-40', 2), line('BAG', 'BAG-U', 1)], 'AWAITING_SHIPMENT');
    const res = await api('GET', slipUrl(orderId));
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="delivery-slip-${orderId}.pdf"`);
    expect(res.headers['cache-control']).toBe('no-store');
    const pdf = res.rawPayload;
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const text = pdf.toString('latin1');
    expect(text).toContain(orderId);
    expect(text).toContain('2 x   SLIP   SLIP-40');
    expect(text).toContain('1 x   BAG   BAG-U');

    // What Spartoo was asked: the PHP client's shape, every line in full.
    const [call] = (await sandbox.calls(partenaire)).filter((c) => c.script === 'xml_export_bl.php');
    expect(call?.code).toBe(1);
    expect(call?.params.xml).toContain(`<order_id>${orderId}</order_id>`);
    expect(call?.params.xml).toMatch(
      /<product><reference_partenaire><!\[CDATA\[SLIP\]\]><\/reference_partenaire><product_quantity>2<\/product_quantity><\/product>/,
    );

    // Fetched by the API on request: nothing of it reaches the order's workflow history.
    const history = JSON.stringify(
      await stack.client.workflow.getHandle(orderWorkflowId(connectionId, orderId)).fetchHistory(),
    );
    expect(history).not.toContain('xml_export_bl');
    expect(history).not.toContain(pdf.toString('base64').slice(0, 40));
  });

  it('answers one parcel of a split with the lines and quantities asked for', async () => {
    const orderId = await order(
      [line('SLIP', 'SLIP-40', 2), line('SLIP', 'SLIP-41', 1), line('BAG', 'BAG-U', 3)],
      'AWAITING_SHIPMENT',
    );
    const res = await api('POST', slipUrl(orderId), {
      lines: [
        { line: 3, quantity: 2 },
        { line: 1, quantity: 1 },
      ],
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    const text = res.rawPayload.toString('latin1');
    expect(text.startsWith('%PDF-')).toBe(true);
    expect(text).toContain(orderId);
    expect(text).toContain('2 x   BAG   BAG-U');
    expect(text).toContain('1 x   SLIP   SLIP-40');
    expect(text).not.toContain('SLIP-41');
    expect(text).toContain('Colis / Parcel: 3 articles');
  });

  it('validates the parcel: an unknown line, a quantity above the line’s, a line twice, a bad body are 400', async () => {
    const orderId = await order([line('SLIP', 'SLIP-40', 2)], 'AWAITING_SHIPMENT');
    const unknownLine = await api('POST', slipUrl(orderId), { lines: [{ line: 2, quantity: 1 }] });
    expect(unknownLine.statusCode).toBe(400);
    expect(unknownLine.headers['content-type']).toContain('application/problem+json');
    expect(unknownLine.json().errors).toEqual([
      { field: 'lines.0.line', message: `is not a line of order ${orderId} (it has 1 line)` },
    ]);
    const tooMany = await api('POST', slipUrl(orderId), { lines: [{ line: 1, quantity: 3 }] });
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.json().errors).toEqual([
      { field: 'lines.0.quantity', message: 'is more than the 2 ordered on line 1' },
    ]);
    const twice = await api('POST', slipUrl(orderId), {
      lines: [
        { line: 1, quantity: 1 },
        { line: 1, quantity: 1 },
      ],
    });
    expect(twice.statusCode).toBe(400);
    expect(twice.json().errors[0].field).toBe('lines.1.line');
    for (const body of [{ lines: [] }, { lines: [{ line: 1, quantity: 0 }] }, { lines: [{ line: 1 }] }, {}]) {
      const bad = await api('POST', slipUrl(orderId), body);
      expect(bad.statusCode, JSON.stringify(body)).toBe(400);
      expect(bad.json().errors.length).toBeGreaterThan(0);
    }
    // None of these reached Spartoo.
    expect((await sandbox.calls(partenaire)).filter((c) => c.params.xml?.includes(orderId))).toEqual([]);
  });

  it('answers 404 for an unknown order or connection, 409 for an order not accepted yet or cancelled', async () => {
    expect((await api('GET', slipUrl('FFFFFFFFFFFFFFFF'))).statusCode).toBe(404);
    expect((await api('GET', slipUrl('FFFFFFFFFFFFFFFF', 'no-such-connection'))).statusCode).toBe(404);

    const manual = await api('PATCH', `/connections/${connectionId}`, { autoAccept: false });
    expect(manual.statusCode).toBe(200);
    const waiting = await order([line('SLIP', 'SLIP-40', 1)], 'WAITING_ACCEPTANCE');
    const notYet = await api('GET', slipUrl(waiting));
    expect(notYet.statusCode).toBe(409);
    expect(notYet.json().detail).toMatch(/WAITING_ACCEPTANCE/);
    expect((await api('POST', `/connections/${connectionId}/orders/${waiting}/accept`)).statusCode).toBe(200);
    await waitFor(
      () => status(waiting),
      (s) => s === 'AWAITING_SHIPMENT',
    );
    expect((await api('GET', slipUrl(waiting))).statusCode).toBe(200);

    // Spartoo cancelled it and the product has not seen it yet: Spartoo's -7 is a 409 too.
    await sandbox.setOrderStatus(waiting, 41);
    const cancelled = await api('GET', slipUrl(waiting));
    expect(cancelled.statusCode).toBe(409);
    expect(cancelled.json().detail).toMatch(/no delivery slip/);
    await api('PATCH', `/connections/${connectionId}`, { autoAccept: true });
  });

  it('answers 502 when Spartoo does not answer, and serves again once it does', async () => {
    const orderId = await order([line('BAG', 'BAG-U', 1)], 'AWAITING_SHIPMENT');
    await sandbox.setFaults({ failureRate: 1 });
    try {
      const res = await api('GET', slipUrl(orderId));
      expect(res.statusCode).toBe(502);
      expect(res.json().detail).toMatch(/Spartoo did not answer/);
    } finally {
      await sandbox.setFaults({});
    }
    expect((await api('GET', slipUrl(orderId))).statusCode).toBe(200);
  });

  it('documents both routes in the OpenAPI document, the PDF as application/pdf', async () => {
    const doc = (await stack.app.inject({ method: 'GET', url: '/docs/json' })).json();
    const path = doc.paths['/connections/{id}/orders/{orderId}/delivery-slip'];
    expect(Object.keys(path.get.responses[200].content)).toEqual(['application/pdf']);
    expect(path.post.requestBody.content['application/json'].schema.properties.lines).toBeDefined();
  });
});
