import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRetentionActivities } from '../activities/retention';
import { createCustomerDataEraser } from '../db/customer-data';
import { returnLabels, returns } from '../db/schema';
import { ensureConnectionWorkflows } from '../runtime/services';
import { retentionWorkflowId } from '../workflows/retention-messages';
import { type Sandbox, startSandbox } from './support/sandbox';
import { startTestStack, type TestStack } from './support/stack';
import { waitFor } from './support/wait';

/**
 * Issue 13, item 12: a finished order's customer is erased from every table of the product's database,
 * by the route now and by the periodic erasure after the retention; the order, its amounts and its log
 * stay. Orders go through the real flow: Spartoo sandbox, Temporal dev server, the built-in store.
 */
describe('customer data has a lifetime', () => {
  let stack: TestStack;
  let sandbox: Sandbox;
  let connectionId: string;
  const partenaire = `P-${randomUUID().slice(0, 8)}`;
  const line = (price: string) => ({
    products_reference: 'ERASE',
    products_size_reference: 'ERASE-42',
    products_name: 'Erasable sneaker',
    products_qty: '1',
    products_price_unit: price,
  });
  const customer = (n: number) => ({
    customers_firstname: `Ermengarde${n}`,
    customers_lastname: `Quillfeather${n}`,
    customers_company: `Quill${n} SARL`,
    customers_street_address: `${n}7 Rue des Oubliettes`,
    customers_suburb: `Hameau Perdu ${n}`,
    customers_city: `Vezelay-${n}`,
    customers_postcode: `8945${n}`,
    customers_email_address: `ermengarde${n}.quill@example.org`,
    customers_telephone: `+33 6 12 34 56 7${n}`,
  });
  /** What must be gone: the names, the street, the e-mail, the phone (and the rest of the address). */
  const secrets = (n: number) => Object.values(customer(n)).filter((v) => v !== `8945${n}`) as string[];

  const api = (method: 'GET' | 'POST', url: string, payload?: unknown) =>
    stack.app.inject({ method, url, headers: stack.auth, ...(payload ? { payload } : {}) });

  /** Every row of every table of the product's database, as text. */
  async function dump(): Promise<string> {
    const result = (await stack.database.db.execute(
      sql`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`,
    )) as unknown as { rows: { table_name: string }[] };
    const parts: string[] = [];
    for (const { table_name } of result.rows) {
      const rows = (await stack.database.db.execute(sql.raw(`select * from "${table_name}"`))) as unknown as {
        rows: unknown[];
      };
      parts.push(
        `${table_name}: ${JSON.stringify(rows.rows, (_k, v) =>
          v instanceof Uint8Array || (v && v.type === 'Buffer')
            ? Buffer.from(v.data ?? v).toString('latin1')
            : v,
        )}`,
      );
    }
    return parts.join('\n').toLowerCase();
  }
  const leftOf = (text: string, n: number) => secrets(n).filter((s) => text.includes(s.toLowerCase()));

  beforeAll(async () => {
    [stack, sandbox] = await Promise.all([startTestStack(), startSandbox()]);
    await sandbox.createMerchant(partenaire);
    await stack.store.upsertProducts([
      { id: 'ERASE-42', name: 'Erasable sneaker', stock: 20, priceFinalInclTaxCents: 5990 },
    ]);
    const created = await api('POST', '/connections', {
      name: 'Erasure',
      apiKey: partenaire,
      baseUrl: sandbox.baseUrl,
      autoAccept: true,
      pollIntervalSeconds: 10,
    });
    expect(created.statusCode).toBe(201);
    connectionId = created.json().id;
  });
  afterAll(async () => {
    await stack?.close();
    await sandbox?.close();
  });

  const order = async (orderId: string) =>
    (await api('GET', `/connections/${connectionId}/orders/${orderId}`)).json();
  const sync = () => api('POST', `/connections/${connectionId}/sync`);

  it('erases a shipped order now (route), everywhere, idempotently; 409 while open, 404 unknown', async () => {
    const shippedId = await sandbox.createOrder(partenaire, {
      customers: customer(1),
      delivery: {},
      products: [line('59.90')],
    });
    const waitingId = await sandbox.createOrder(partenaire, {
      customers: customer(2),
      delivery: {},
      products: [line('10.00')],
    });
    await sync();
    const imported = await waitFor(
      () => order(shippedId),
      (o) => o.status === 'AWAITING_SHIPMENT',
      60_000,
    );
    await waitFor(
      () => order(waitingId),
      (o) => o.status === 'WAITING_ACCEPTANCE',
      60_000,
    );
    // What a merchant's correction or a shop's refusal leaves in the log, and an uploaded return label.
    await stack.orders.log(connectionId, shippedId, {
      direction: 'TO_STORE',
      action: 'shipping address corrected by the merchant',
      result: 'used at the next import',
      detail: `before: Ermengarde1 Quillfeather1, 17 Rue des Oubliettes, ermengarde1.quill@example.org, +33 6 12 34 56 71`,
    });
    await stack.database.db.insert(returns).values({
      connectionId,
      returnId: `R-${shippedId}`,
      orderId: shippedId,
      status: 'ACCEPTED',
      spartooStatus: 4,
    });
    await stack.database.db.insert(returnLabels).values({
      id: randomUUID(),
      connectionId,
      returnId: `R-${shippedId}`,
      filename: 'label.pdf',
      contentType: 'application/pdf',
      size: 60,
      content: Buffer.from('%PDF- Ermengarde1 Quillfeather1 17 Rue des Oubliettes'),
      sentAt: new Date(),
    });

    const ship = await api('POST', `/store/orders/${imported.storeOrderId}/ship`, {
      carrier: 'Colissimo',
      trackingNumber: `TRK-${shippedId}`,
    });
    expect(ship.statusCode).toBeLessThan(300);
    await waitFor(
      () => order(shippedId),
      (o) => o.status === 'SHIPPED',
      60_000,
    );
    expect(leftOf(await dump(), 1)).toEqual(secrets(1));

    const open = await api('POST', `/connections/${connectionId}/orders/${waitingId}/erase`);
    expect(open.statusCode).toBe(409);
    expect(open.json().detail).toContain('WAITING_ACCEPTANCE');
    expect((await api('POST', `/connections/${connectionId}/orders/NOPE/erase`)).statusCode).toBe(404);

    const erased = await api('POST', `/connections/${connectionId}/orders/${shippedId}/erase`);
    expect(erased.statusCode).toBe(200);
    expect(erased.json()).toMatchObject({ orderId: shippedId, status: 'SHIPPED', alreadyErased: false });
    const again = await api('POST', `/connections/${connectionId}/orders/${shippedId}/erase`);
    expect(again.json()).toMatchObject({ alreadyErased: true, erasedAt: erased.json().erasedAt });

    const text = await dump();
    expect(leftOf(text, 1)).toEqual([]);
    // The other customer, whose order is open, is still there.
    expect(leftOf(text, 2).length).toBeGreaterThan(0);

    // The order, its amounts and its log stay; its details show blanks.
    const details = await order(shippedId);
    expect(details).toMatchObject({ status: 'SHIPPED', customerName: '', total: 59.9 });
    expect(details.shippingAddress).toMatchObject({ firstName: '', lastName: '', street: '' });
    expect(details.billingAddress).toMatchObject({ firstName: '', street: '' });
    expect(details.items).toHaveLength(1);
    expect(details.log.length).toBeGreaterThan(3);
    expect(details.log.map((l: { detail: string | null }) => l.detail).join(' ')).toContain('[erased]');

    // A later read of Spartoo's copy (a shipped order is followed for 45 / 47) brings nothing back.
    await sync();
    await new Promise((r) => setTimeout(r, 1500));
    expect(leftOf(await dump(), 1)).toEqual([]);
  });

  it('the periodic erasure runs from the worker start-up and erases finished orders past the retention', async () => {
    await ensureConnectionWorkflows(stack, stack.client, { taskQueue: stack.taskQueue });
    const handle = stack.client.workflow.getHandle(retentionWorkflowId(stack.taskQueue));
    expect((await handle.describe()).status.name).toBe('RUNNING');
    // Its first round ran (CUSTOMER_DATA_RETENTION_DAYS 365 here: nothing was old enough).
    await waitFor(
      async () => (await handle.fetchHistory()).events ?? [],
      (events) => events.some((e) => e.activityTaskCompletedEventAttributes),
    );

    const [waiting] = (await stack.orders.list({ connectionId, status: 'WAITING_ACCEPTANCE', limit: 5 }))
      .items;
    const refused = await api('POST', `/connections/${connectionId}/orders/${waiting!.orderId}/refuse`);
    expect(refused.statusCode).toBe(200);
    await waitFor(
      () => order(waiting!.orderId),
      (o) => o.status === 'REFUSED',
      60_000,
    );
    expect(leftOf(await dump(), 2).length).toBeGreaterThan(0);

    // A tiny retention: the periodic activity erases every finished order, in batches.
    const activities = createRetentionActivities({
      eraser: createCustomerDataEraser(stack.database.db, stack.store),
      retentionDays: 0,
    });
    const first = await activities.eraseExpiredCustomerData();
    expect(first).toMatchObject({ erased: 1, more: false, retentionDays: 0 });
    expect(await activities.eraseExpiredCustomerData()).toMatchObject({ erased: 0, more: false });

    const text = await dump();
    expect(leftOf(text, 1)).toEqual([]);
    expect(leftOf(text, 2)).toEqual([]);
    expect((await order(waiting!.orderId)).customerName).toBe('');
  });
});
