import { createHash } from 'node:crypto';
import { type AddressInfo, createServer } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSpartooClient, type SpartooClient } from '../spartoo/client';
import {
  isRetryable,
  SpartooError,
  SpartooTransportError,
  SpartooUnreadableDocumentError,
} from '../spartoo/errors';
import { createSandbox } from '../spartoo/sandbox/app';
import type { SpartooOrder } from '../spartoo/types';
import { callSandboxAdmin } from './support/sandbox';

const KEY = 'sk-SECRET-merchant-code-7f3a9c';

let app: FastifyInstance;
let baseUrl: string;
let client: SpartooClient;

beforeAll(async () => {
  app = createSandbox({ timeoutHangMs: 5_000 });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  baseUrl = `${address}/mp/`;
});
afterAll(async () => {
  await app.close();
});
beforeEach(async () => {
  await admin('POST', '/_sandbox/reset');
  await admin('POST', '/_sandbox/merchants', { partenaire: KEY });
  client = createSpartooClient({ baseUrl, apiKey: KEY });
});

const admin = (method: string, path: string, body?: unknown) => callSandboxAdmin(baseUrl, method, path, body);

async function newOrder(order: Record<string, unknown> = {}, partenaire = KEY): Promise<string> {
  const created = await admin('POST', '/_sandbox/orders', { partenaire, order });
  expect(created.status).toBe(201);
  return created.json.orders_id;
}

async function newReturn(body: Record<string, unknown> = {}): Promise<string> {
  const created = await admin('POST', '/_sandbox/returns', { partenaire: KEY, return: body });
  expect(created.status).toBe(201);
  return created.json.return_id;
}

const held = async (oID: string) => (await admin('GET', `/_sandbox/orders/${oID}`)).json;

/** The orders of an export that must hold nothing unreadable. */
async function exported(query?: Parameters<SpartooClient['exportOrders']>[0]) {
  const { orders, unreadable } = await client.exportOrders(query);
  expect(unreadable).toEqual([]);
  return orders;
}

async function exportedReturns(...args: Parameters<SpartooClient['exportReturns']>) {
  const { returns, unreadable } = await client.exportReturns(...args);
  expect(unreadable).toEqual([]);
  return returns;
}
const calls = async () => (await admin('GET', `/_sandbox/calls?partenaire=${KEY}`)).json;
const setFaults = (faults: Record<string, number>) => admin('PUT', '/_sandbox/faults', faults);

async function failure(run: () => Promise<unknown>): Promise<Error> {
  try {
    await run();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the call to fail');
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Nothing an error exposes may contain the merchant code. */
function expectNoKey(err: unknown) {
  const e = err as Error;
  const exposed = [
    e.message,
    String(e),
    e.stack ?? '',
    JSON.stringify(e),
    String((e.cause as Error)?.message ?? ''),
  ];
  for (const text of exposed) expect(text).not.toContain(KEY);
}

describe('orders', () => {
  it('exports orders since a date (Paris time, Spartoo’s format) and with a status, as parsed shapes', async () => {
    await newOrder({ date_purchased: '2024-03-01 09:00:00' });
    const b = await newOrder({
      date_purchased: '2024-03-02 10:00:00',
      customers: { customers_firstname: 'Jean', customers_lastname: 'Dupont' },
      shipping_price: '4.90',
      payment_price: '0',
      products: [
        {
          products_reference: 'R1',
          products_size_reference: 'R1-42',
          products_qty: 2,
          products_price_unit: '49,9',
        },
      ],
    });
    const c = await newOrder({ date_purchased: '2024-03-03 10:00:00' });
    await admin('POST', `/_sandbox/orders/${c}/status`, { statut: 2 });

    // 10:00 in Paris is 09:00 UTC in winter.
    const since = await exported({ since: new Date('2024-03-02T09:00:00Z') });
    expect(since.map((o) => o.ordersId)).toEqual([b, c]);
    const order = since[0]!;
    expect(order).toMatchObject({
      ordersId: b,
      ordersStatusId: 11,
      ordersStatusName: 'Commande Vérifiée',
      datePurchased: '2024-03-02T09:00:00.000Z',
      shippingPriceCents: 490,
      paymentPriceCents: 0,
      orderTotalCents: 2 * 4990 + 490,
      customers: { firstname: 'Jean', lastname: 'Dupont' },
    });
    expect(order.products).toEqual([
      expect.objectContaining({
        productsReference: 'R1',
        productsSizeReference: 'R1-42',
        productsQty: 2,
        priceUnitCents: 4990,
        priceUnitWithReduceCents: 4990,
        finalPriceCents: 9980,
      }),
    ]);
    const [request] = await calls();
    expect(request.params.date).toBe('2024-03-02:10:00:00');

    expect((await exported({ status: 2 })).map((o) => o.ordersId)).toEqual([c]);
    expect(await exported({ since: new Date('2030-01-01T00:00:00Z') })).toEqual([]);
    expect(await exported()).toHaveLength(3);
  });

  it('reads a relay point delivery', async () => {
    const oID = await newOrder({
      shipping_name: 'Relais Colis',
      delivery: {
        relay_info: { relay_id: 'RC123456', relay_name: 'Tabac du Port', relay_country_iso: 'FR' },
      },
    });
    const order = await client.getOrder(oID);
    expect(order.shippingName).toBe('Relais Colis');
    expect(order.delivery.relayInfo).toMatchObject({
      relayId: 'RC123456',
      relayName: 'Tabac du Port',
      relayCountryIso: 'FR',
    });
  });

  it('gets one order; -6 when Spartoo does not know it or it is another merchant’s', async () => {
    const oID = await newOrder();
    const theirs = await newOrder({}, 'ANOTHER-MERCHANT');
    const order: SpartooOrder = await client.getOrder(oID);
    expect(order.ordersId).toBe(oID);
    for (const unknown of ['FFFFFFFFFFFFFFFF', theirs]) {
      const err = await failure(() => client.getOrder(unknown));
      expect(err).toBeInstanceOf(SpartooError);
      expect(err).toMatchObject({ code: -6, script: 'xml_export_orders.php', retryable: false });
    }
  });

  it('accepts, ships with tracking number and shipping service; a repeat is already done', async () => {
    const oID = await newOrder();
    expect(await client.updateOrderStatus({ oID, status: 2 })).toEqual({ alreadyDone: false });
    expect(await client.updateOrderStatus({ oID, status: 2 })).toEqual({ alreadyDone: true });
    expect((await held(oID)).orders_status_id).toBe(2);
    const shipment = {
      oID,
      status: 3 as const,
      trackingNumber: '6A12345678901',
      shippingService: 'Colissimo',
    };
    expect(await client.updateOrderStatus(shipment)).toEqual({ alreadyDone: false });
    expect(await held(oID)).toMatchObject({
      orders_status_id: 3,
      tracking_number: '6A12345678901',
      transporteur: 'Colissimo',
    });
    expect(await client.updateOrderStatus(shipment)).toEqual({ alreadyDone: true });
    expect((await client.getOrder(oID)).ordersStatusId).toBe(3);
  });

  it('refuses (41 from 11) and cancels (41 from 2)', async () => {
    const refused = await newOrder();
    const cancelled = await newOrder();
    await client.updateOrderStatus({ oID: cancelled, status: 2 });
    expect(await client.updateOrderStatus({ oID: refused, status: 41 })).toEqual({ alreadyDone: false });
    expect(await client.updateOrderStatus({ oID: cancelled, status: 41 })).toEqual({ alreadyDone: false });
    expect((await held(refused)).orders_status_id).toBe(41);
    expect((await held(cancelled)).orders_status_id).toBe(41);
  });

  it.each([
    ['ship a waiting order', 11, { status: 3, trackingNumber: 'T' }],
    ['accept a refused order', 41, { status: 2 }],
    ['cancel a shipped order', 3, { status: 41 }],
    ['accept a shipped order', 3, { status: 2 }],
  ] as const)('gets -7 (permanent) trying to %s', async (_label, from, change) => {
    const oID = await newOrder();
    if (from === 41) await admin('POST', `/_sandbox/orders/${oID}/status`, { statut: 41 });
    if (from === 3) {
      await client.updateOrderStatus({ oID, status: 2 });
      await client.updateOrderStatus({ oID, status: 3, trackingNumber: 'T0' });
    }
    const err = await failure(() => client.updateOrderStatus({ oID, ...change }));
    expect(err).toBeInstanceOf(SpartooError);
    expect(err).toMatchObject({
      code: -7,
      script: 'xml_maj_orders.php',
      retryable: false,
      alreadyDone: false,
    });
    expect(isRetryable(err)).toBe(false);
    expect((await held(oID)).orders_status_id).toBe(from);
  });

  it('does not send a shipment without a tracking number', async () => {
    const oID = await newOrder();
    await client.updateOrderStatus({ oID, status: 2 });
    await expect(client.updateOrderStatus({ oID, status: 3, trackingNumber: ' ' })).rejects.toThrow(
      TypeError,
    );
    expect((await calls()).map((c: { script: string }) => c.script)).toEqual(['xml_maj_orders.php']);
  });

  it('gets -6 for an unknown order', async () => {
    const err = await failure(() => client.updateOrderStatus({ oID: 'FFFFFFFFFFFFFFFF', status: 2 }));
    expect(err).toMatchObject({ code: -6 });
  });
});

describe('returns', () => {
  it('exports returns since a date (Unix seconds), by order, by return, with a status', async () => {
    const oID = await newOrder({
      products: [{ products_reference: 'KIC-1', products_name: 'Baskets Kickers' }],
    });
    const older = await newReturn({
      order: oID,
      return_date: '2024-03-01 10:00:00',
      return_reason: 'Taille trop petite',
    });
    const newer = await newReturn({ order: oID, return_date: '2024-03-10 10:00:00' });

    const since = await exportedReturns({ since: new Date('2024-03-05T00:00:00Z') });
    expect(since.map((r) => r.returnId)).toEqual([newer]);
    expect((await calls())[0].params.date).toBe(String(Date.UTC(2024, 2, 5) / 1000));

    const byOrder = await exportedReturns({ oID });
    expect(byOrder.map((r) => r.returnId)).toEqual([older, newer]);
    const [one] = await exportedReturns({ rID: older });
    expect(one).toEqual({
      returnId: older,
      returnDate: '2024-03-01T09:00:00.000Z',
      returnStatus: 2,
      returnStatusName: expect.any(String),
      returnReason: 'Taille trop petite',
      orderId: oID,
      product: expect.objectContaining({ productsReference: 'KIC-1', productsName: 'Baskets Kickers' }),
    });
    expect(await exportedReturns({ oID }, 4)).toEqual([]);
    expect(await exportedReturns()).toHaveLength(2);
    await expect(client.exportReturns({ rID: 'NOPE' })).rejects.toMatchObject({ code: -6 });
  });

  it('accepts or refuses a return, with a label; a repeat is already done; -7 when not allowed', async () => {
    const accepted = await newReturn();
    expect(
      await client.updateReturn({ rID: accepted, status: 4, labelLink: 'https://labels.example/a.pdf' }),
    ).toEqual({ alreadyDone: false });
    expect(await client.updateReturn({ rID: accepted, status: 4 })).toEqual({ alreadyDone: true });
    expect((await admin('GET', `/_sandbox/returns/${accepted}`)).json).toMatchObject({
      return_status: 4,
      label_link: 'https://labels.example/a.pdf',
    });
    await expect(client.updateReturn({ rID: accepted, status: 3 })).rejects.toMatchObject({ code: -7 });

    const refused = await newReturn();
    expect(await client.updateReturn({ rID: refused, status: 3 })).toEqual({ alreadyDone: false });
    expect(await client.updateReturn({ rID: refused, status: 4 })).toEqual({ alreadyDone: false });
    await expect(client.updateReturn({ rID: refused })).rejects.toMatchObject({ code: -5 });
  });
});

describe('return labels (issue 13, item 2)', () => {
  const pdf = Buffer.concat([
    Buffer.from('%PDF-1.4\n'),
    Buffer.from([0, 200, 13, 10, 255]),
    Buffer.from('\n%%EOF\n'),
  ]);

  it('uploads a label file as label_file, bytes intact, multipart', async () => {
    const rID = await newReturn();
    const labelFile = { filename: 'label.pdf', contentType: 'application/pdf', bytes: new Uint8Array(pdf) };
    expect(await client.updateReturn({ rID, status: 4, labelFile })).toEqual({ alreadyDone: false });
    const held = (await admin('GET', `/_sandbox/returns/${rID}`)).json;
    expect(held).toMatchObject({
      return_status: 4,
      label_file: { filename: 'label.pdf', content_type: 'application/pdf', size: pdf.length },
    });
    expect(held.label_file.sha256).toBe(createHash('sha256').update(pdf).digest('hex'));
    const [call] = (await admin('GET', `/_sandbox/calls?partenaire=${KEY}`)).json;
    expect(call.params).toMatchObject({ rID, statut: '4', label_file: 'label.pdf' });
  });

  it('gives Spartoo’s label refusals (-22…-25) as SpartooErrors with their meaning', async () => {
    const rID = await newReturn();
    const tooLong = await failure(() =>
      client.updateReturn({ rID, status: 4, labelLink: `https://labels.example/${'x'.repeat(300)}` }),
    );
    expect(tooLong).toBeInstanceOf(SpartooError);
    expect(tooLong).toMatchObject({ code: -24, retryable: false });
    expect((tooLong as SpartooError).description).toMatch(/too long/);
    const notALabel = await failure(() =>
      client.updateReturn({
        rID,
        status: 4,
        labelFile: { filename: 'x.txt', contentType: 'text/plain', bytes: new TextEncoder().encode('hello') },
      }),
    );
    expect(notALabel).toMatchObject({ code: -23 });
    await expect(
      client.updateReturn({
        rID,
        labelLink: 'https://a.example/l.pdf',
        labelFile: { filename: 'l.pdf', contentType: 'application/pdf', bytes: new Uint8Array(pdf) },
      }),
    ).rejects.toThrow(TypeError);
    expect((await admin('GET', `/_sandbox/returns/${rID}`)).json.return_status).toBe(2);
  });
});

describe('delivery slips (issue 13, item 1)', () => {
  it('gets one parcel’s slip as PDF bytes; -7 before acceptance, -6 for an unknown order', async () => {
    const oID = await newOrder({
      products: [
        { products_reference: 'BOOT', products_size_reference: 'BOOT-40', products_qty: 2 },
        { products_reference: 'SOCK', products_size_reference: 'SOCK-U', products_qty: 1 },
      ],
    });
    await expect(
      client.exportDeliverySlip(oID, [{ referencePartenaire: 'BOOT', quantity: 1 }]),
    ).rejects.toMatchObject({
      name: 'SpartooError',
      code: -7,
    });
    await client.updateOrderStatus({ oID, status: 2 });
    const bytes = await client.exportDeliverySlip(oID, [
      { referencePartenaire: 'BOOT', quantity: 2 },
      { referencePartenaire: 'SOCK', quantity: 1 },
    ]);
    expect(bytes).toBeInstanceOf(Uint8Array);
    const text = Buffer.from(bytes).toString('latin1');
    expect(text.startsWith('%PDF-')).toBe(true);
    expect(text).toContain(oID);
    await expect(
      client.exportDeliverySlip('FFFFFFFFFFFFFFFF', [{ referencePartenaire: 'BOOT', quantity: 1 }]),
    ).rejects.toMatchObject({ code: -6 });
    await expect(
      client.exportDeliverySlip(oID, [{ referencePartenaire: 'BOOT', quantity: 3 }]),
    ).rejects.toMatchObject({
      code: -16,
    });
    await expect(client.exportDeliverySlip(oID, [])).rejects.toThrow(TypeError);
  });

  it('sends the PHP client’s request shape and reads a line-wrapped base64 <pdf>; a <pdf> that is no PDF is a transport error', async () => {
    const seen: string[] = [];
    const answer = (pdf: string) => {
      const spy: typeof fetch = async (_url, init) => {
        seen.push(new URLSearchParams(String(init!.body)).get('xml')!);
        return new Response(
          `<?xml version="1.0"?><root><pdf>${pdf}</pdf><statut><id>1</id><description>ok</description></statut></root>`,
          { status: 200 },
        );
      };
      return createSpartooClient({ baseUrl, apiKey: KEY, fetch: spy });
    };
    const wrapped = Buffer.from('%PDF-1.4 slip')
      .toString('base64')
      .replace(/(.{4})/g, '$1\n');
    const bytes = await answer(wrapped).exportDeliverySlip('ABC123', [
      { referencePartenaire: 'R&1', quantity: 2 },
    ]);
    expect(Buffer.from(bytes).toString('latin1')).toBe('%PDF-1.4 slip');
    expect(seen[0]).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<root><order_id>ABC123</order_id><products><product><reference_partenaire><![CDATA[R&1]]></reference_partenaire><product_quantity>2</product_quantity></product></products></root>',
    );
    const notPdf = await failure(() =>
      answer(Buffer.from('hello').toString('base64')).exportDeliverySlip('A', [
        { referencePartenaire: 'R', quantity: 1 },
      ]),
    );
    expect(notPdf).toBeInstanceOf(SpartooTransportError);
    expect(notPdf).toMatchObject({ kind: 'unexpected_shape' });
    const none = await failure(() =>
      answer('').exportDeliverySlip('A', [{ referencePartenaire: 'R', quantity: 1 }]),
    );
    expect(none).toMatchObject({ kind: 'unexpected_shape' });
  });
});

describe('unreadable orders and returns', () => {
  /** A customer whose every value must stay out of what an unreadable order reports. */
  const customer = {
    customers_firstname: 'Gwendoline',
    customers_lastname: 'Quatrefages',
    customers_street_address: '17 impasse des Secrets',
    customers_email_address: 'gwendoline.quatrefages@example.fr',
    customers_telephone: '0698765432',
  };
  const expectNoCustomerValue = (text: string) => {
    for (const value of Object.values(customer)) expect(text).not.toContain(value);
  };
  const faults = {
    'NO-PRICE': { products_price_unit: null, products_price_unit_with_reduce: null },
    'BAD-QTY': { products_qty: 'two' },
    'NO-DATE': { date_purchased: '' },
  } as const;

  async function brokenOrders() {
    const good = await newOrder({ customers: customer, date_purchased: '2024-03-01 10:00:00' });
    for (const [orders_id, corrupt] of Object.entries(faults)) {
      await newOrder({ orders_id, customers: customer, date_purchased: '2024-03-02 10:00:00', corrupt });
    }
    return good;
  }

  it('exports the good order and reports each unreadable one with its id and what is wrong, no customer value', async () => {
    const good = await brokenOrders();
    const { orders, unreadable } = await client.exportOrders();
    expect(orders.map((o) => o.ordersId)).toEqual([good]);
    expect(unreadable).toEqual([
      {
        id: 'NO-PRICE',
        error:
          'order NO-PRICE: products.product.0.products_price_unit: a line needs products_price_unit or products_price_unit_with_reduce',
        datePurchased: '2024-03-02T09:00:00.000Z',
        statusId: 11,
      },
      {
        id: 'BAD-QTY',
        error: 'order BAD-QTY: products.product.0.products_qty: must be an integer',
        datePurchased: '2024-03-02T09:00:00.000Z',
        statusId: 11,
      },
      { id: 'NO-DATE', error: 'order NO-DATE: date_purchased: is required', statusId: 11 },
    ]);
    expectNoCustomerValue(JSON.stringify(unreadable));
  });

  it('throws a non-retryable SpartooUnreadableDocumentError for one unreadable order, until it is repaired', async () => {
    const good = await brokenOrders();
    expect((await client.getOrder(good)).ordersId).toBe(good);
    for (const oID of Object.keys(faults)) {
      const err = await failure(() => client.getOrder(oID));
      expect(err).toBeInstanceOf(SpartooUnreadableDocumentError);
      expect(err).toMatchObject({ script: 'xml_export_orders.php', documentId: oID, retryable: false });
      expect(err.message).toMatch(new RegExp(`^order ${oID}: `));
      expect(isRetryable(err)).toBe(false);
      expectNoCustomerValue(`${err.message} ${err.stack} ${JSON.stringify(err)}`);
      expectNoKey(err);
    }
    // Spartoo's data fixed: the same order reads, with its real values.
    await admin('POST', '/_sandbox/orders/BAD-QTY/repair');
    expect(await client.getOrder('BAD-QTY')).toMatchObject({
      ordersId: 'BAD-QTY',
      datePurchased: '2024-03-02T09:00:00.000Z',
      products: [expect.objectContaining({ productsQty: 1 })],
    });
    expect((await client.exportOrders()).unreadable.map((u) => u.id)).toEqual(['NO-PRICE', 'NO-DATE']);
  });

  it('throws the unreadable error for an order asked by id whose own id cannot be read', async () => {
    const oID = await newOrder({ corrupt: { orders_id: null } });
    const err = await failure(() => client.getOrder(oID));
    expect(err).toBeInstanceOf(SpartooUnreadableDocumentError);
    expect(err).toMatchObject({ documentId: oID, message: 'order #1 of the answer: orders_id: is required' });
  });

  it('keeps transport failures retryable: only a well-formed answer can hold an unreadable order', async () => {
    await newOrder({ corrupt: { date_purchased: '' } });
    await setFaults({ malformedRate: 1 });
    const err = await failure(() => client.exportOrders());
    expect(err).toBeInstanceOf(SpartooTransportError);
    expect(isRetryable(err)).toBe(true);
  });

  it('exports the good returns and reports the unreadable ones; one asked by id is unreadable too', async () => {
    const oID = await newOrder();
    const good = await newReturn({ order: oID, return_date: '2024-07-01 10:00:00' });
    const noDate = await newReturn({ order: oID, corrupt: { return_date: null } });
    const badStatus = await newReturn({
      order: oID,
      return_date: '2024-07-02 10:00:00',
      corrupt: { return_status: 'deux' },
    });
    const { returns, unreadable } = await client.exportReturns({ oID });
    expect(returns.map((r) => [r.returnId, r.returnDate])).toEqual([[good, '2024-07-01T08:00:00.000Z']]);
    expect(unreadable).toEqual([
      { id: noDate, error: `return ${noDate}: return_date: is required`, statusId: 2 },
      {
        id: badStatus,
        error: `return ${badStatus}: return_status: must be an integer`,
        datePurchased: '2024-07-02T08:00:00.000Z',
      },
    ]);
    expect(await client.exportReturns({ rID: badStatus })).toEqual({
      returns: [],
      unreadable: [unreadable[1]],
    });
    await admin('POST', `/_sandbox/returns/${badStatus}/repair`);
    expect((await exportedReturns({ rID: badStatus }))[0]).toMatchObject({
      returnId: badStatus,
      returnStatus: 2,
    });
  });
});

describe('stock', () => {
  const size = { referencePartenaire: 'R1', sizeReference: 'R1-42', quantity: 3 };
  const stock = async () => (await admin('GET', `/_sandbox/stock?partenaire=${KEY}`)).json;

  it('sets one size; the same quantity again is already done (-18); a bad quantity is -16', async () => {
    expect(await client.updateStock(size)).toEqual({ alreadyDone: false });
    expect(await client.updateStock(size)).toEqual({ alreadyDone: true });
    expect(await stock()).toEqual([{ reference_partenaire: 'R1', size_reference: 'R1-42', quantity: 3 }]);
    await expect(client.updateStock({ ...size, quantity: -2 })).rejects.toMatchObject({
      code: -16,
      retryable: false,
    });
    await expect(client.updateStock({ ...size, sizeReference: '' })).rejects.toMatchObject({ code: -13 });
    await expect(client.updateStock({ ...size, referencePartenaire: '' })).rejects.toMatchObject({
      code: -12,
    });
  });

  it('pushes sizes in chunks of stockBatchSize, grouped per reference; -18 is no error', async () => {
    const batching = createSpartooClient({ baseUrl, apiKey: KEY, stockBatchSize: 2 });
    await batching.updateStock({ referencePartenaire: 'B', sizeReference: 'B-2', quantity: 7 });
    const result = await batching.updateStockBatch([
      { referencePartenaire: 'A', sizeReference: 'A-1', quantity: 1 },
      { referencePartenaire: 'B', sizeReference: 'B-1', quantity: 0 },
      { referencePartenaire: 'A', sizeReference: 'A-2', quantity: 2 },
      { referencePartenaire: 'B', sizeReference: 'B-2', quantity: 7 },
      { referencePartenaire: 'C & <D>', sizeReference: 'C]]>1', quantity: 1.5 },
    ]);
    expect(result).toEqual({
      sizesSent: 5,
      errors: [
        {
          referencePartenaire: 'C & <D>',
          sizeReference: 'C]]>1',
          code: -16,
          message: 'stock cannot be set to that quantity',
        },
      ],
    });
    const batches = (await calls()).filter((c: { script: string }) => c.script === 'xml_maj_stock_batch.php');
    expect(batches).toHaveLength(3);
    expect(batches[0].params.xml.match(/<product>/g)).toHaveLength(2);
    expect(await stock()).toEqual(
      expect.arrayContaining([
        { reference_partenaire: 'A', size_reference: 'A-1', quantity: 1 },
        { reference_partenaire: 'A', size_reference: 'A-2', quantity: 2 },
        { reference_partenaire: 'B', size_reference: 'B-1', quantity: 0 },
        { reference_partenaire: 'B', size_reference: 'B-2', quantity: 7 },
      ]),
    );
    expect(await stock()).toHaveLength(4);
  });

  it('groups sizes under their reference in one request and sends a repeated size once, last quantity', async () => {
    const result = await client.updateStockBatch([
      { referencePartenaire: 'A', sizeReference: 'A-1', quantity: 1 },
      { referencePartenaire: 'B', sizeReference: 'B-1', quantity: 4 },
      { referencePartenaire: 'A', sizeReference: 'A-2', quantity: 2 },
      { referencePartenaire: 'A', sizeReference: 'A-1', quantity: 5 },
    ]);
    expect(result).toEqual({ sizesSent: 3, errors: [] });
    const [batch] = await calls();
    expect(batch.params.xml.match(/<product>/g)).toHaveLength(2);
    expect(await stock()).toEqual(
      expect.arrayContaining([{ reference_partenaire: 'A', size_reference: 'A-1', quantity: 5 }]),
    );
    expect(await client.updateStockBatch([])).toEqual({ sizesSent: 0, errors: [] });
    expect(await calls()).toHaveLength(1);
  });
});

describe('the requests it sends', () => {
  it('POSTs url-encoded fields with partenaire to the script, the key only in the body, with a timeout', async () => {
    const seen: { url: string; init: RequestInit }[] = [];
    const spy: typeof fetch = async (url, init) => {
      seen.push({ url: String(url), init: init! });
      return new Response('<root><errors>1</errors></root>', { status: 200 });
    };
    const spied = createSpartooClient({ baseUrl: 'https://sws.spartoo.com/mp', apiKey: KEY, fetch: spy });
    await spied.updateStock({ referencePartenaire: 'R é&=', sizeReference: 'R-1', quantity: 2 });
    const [{ url, init }] = seen as [{ url: string; init: RequestInit }];
    expect(url).toBe('https://sws.spartoo.com/mp/xml_maj_stock.php');
    expect(url).not.toContain(KEY);
    expect(init.method).toBe('POST');
    expect(new Headers(init.headers).get('content-type')).toBe('application/x-www-form-urlencoded');
    expect(init.signal).toBeInstanceOf(AbortSignal);
    expect(Object.fromEntries(new URLSearchParams(String(init.body)))).toEqual({
      partenaire: KEY,
      reference_partenaire: 'R é&=',
      products_size_reference: 'R-1',
      products_quantity: '2',
    });
  });

  it('reads an ISO-8859-1 answer in its charset', async () => {
    const xml =
      '<?xml version="1.0" encoding="ISO-8859-1"?><root><orders><order><orders_id>A</orders_id><orders_status_id>11</orders_status_id><date_purchased>2024-03-01 10:00:00</date_purchased><customers><customers_lastname>Lefèvre</customers_lastname></customers></order></orders></root>';
    const latin1: typeof fetch = async () =>
      new Response(Buffer.from(xml, 'latin1'), { status: 200, headers: { 'content-type': 'text/xml' } });
    const {
      orders: [order],
    } = await createSpartooClient({ baseUrl, apiKey: KEY, fetch: latin1 }).exportOrders();
    expect(order!.customers.lastname).toBe('Lefèvre');
  });
});

describe('failures', () => {
  it('answers -2 for an unknown merchant code and -1 for none, never showing the code', async () => {
    const stranger = createSpartooClient({ baseUrl, apiKey: KEY.replace('SECRET', 'UNKNOWN') });
    const unknown = await failure(() => stranger.exportOrders());
    expect(unknown).toMatchObject({ code: -2, retryable: false });
    expect(unknown.message).not.toContain(KEY.replace('SECRET', 'UNKNOWN'));
    const none = await failure(() => createSpartooClient({ baseUrl, apiKey: '' }).exportOrders());
    expect(none).toMatchObject({ code: -1 });
  });

  it('turns HTTP errors, network failures, timeouts and non-XML into retryable transport errors', async () => {
    const cases: [typeof fetch, string][] = [
      [async () => new Response('Service Unavailable', { status: 503 }), 'http_status'],
      [
        async () => new Response('<html><body>Maintenance</body></html>', { status: 200 }),
        'unexpected_shape',
      ],
      [
        async () => new Response('Fatal error: Allowed memory size exhausted', { status: 200 }),
        'invalid_xml',
      ],
      [async () => new Response('<root><orders><order><orders_id>A', { status: 200 }), 'invalid_xml'],
      [
        async () => {
          throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:9') });
        },
        'network',
      ],
    ];
    for (const [fake, kind] of cases) {
      const err = await failure(() =>
        createSpartooClient({ baseUrl, apiKey: KEY, fetch: fake }).exportOrders(),
      );
      expect(err).toBeInstanceOf(SpartooTransportError);
      expect(err).toMatchObject({ kind, retryable: true });
      expect(isRetryable(err)).toBe(true);
    }
    const refused = await failure(async () =>
      createSpartooClient({
        baseUrl: `http://127.0.0.1:${await closedPort()}/mp/`,
        apiKey: KEY,
      }).exportOrders(),
    );
    expect(refused).toMatchObject({ kind: 'network' });
    expect(refused.message).toContain('ECONNREFUSED');
  });

  it('masks the merchant code even where a fetch failure or an answer echoes it', async () => {
    const echoingFetch: typeof fetch = async (_url, init) => {
      throw new TypeError(`request failed: ${String(init?.body)}`);
    };
    const network = await failure(() =>
      createSpartooClient({ baseUrl, apiKey: KEY, fetch: echoingFetch }).exportOrders(),
    );
    expect(network).toBeInstanceOf(SpartooTransportError);
    expectNoKey(network);
    const echoingAnswer: typeof fetch = async () =>
      new Response(
        `<root><statut><id>-2</id><description>partenaire ${KEY} inconnu</description></statut></root>`,
      );
    const answered = await failure(() =>
      createSpartooClient({ baseUrl, apiKey: KEY, fetch: echoingAnswer }).exportOrders(),
    );
    expect(answered).toMatchObject({ code: -2 });
    expectNoKey(answered);
    expect(answered.message).toContain('••••');
  });

  it('times out a held call with a retryable error, and the call changed nothing', async () => {
    const oID = await newOrder();
    await setFaults({ timeoutRate: 1 });
    const impatient = createSpartooClient({ baseUrl, apiKey: KEY, timeoutMs: 250 });
    const started = Date.now();
    const err = await failure(() => impatient.updateOrderStatus({ oID, status: 2 }));
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(err).toBeInstanceOf(SpartooTransportError);
    expect(err).toMatchObject({ kind: 'timeout', retryable: true });
    expectNoKey(err);
    await setFaults({});
    expect((await held(oID)).orders_status_id).toBe(11);
  });

  it('gives -429 past the hourly quota as a retryable SpartooError', async () => {
    await setFaults({ rateLimitPerHour: 1 });
    await client.exportOrders();
    const err = await failure(() => client.exportOrders());
    expect(err).toBeInstanceOf(SpartooError);
    expect(err).toMatchObject({ code: -429, retryable: true });
    expectNoKey(err);
  });

  it('reads malformed answers as retryable transport errors', async () => {
    await newOrder();
    await setFaults({ malformedRate: 1 });
    for (let i = 0; i < 6; i++) {
      const err = await failure(() => client.exportOrders());
      expect(err).toBeInstanceOf(SpartooTransportError);
      expect(err).toMatchObject({ kind: 'invalid_xml' });
    }
  });

  it('under random faults, every call gives the right data or a retryable error, never wrong data', async () => {
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push(await newOrder({ date_purchased: `2024-03-0${i + 1} 10:00:00` }));
    const truth = await client.exportOrders();
    expect(truth.orders).toHaveLength(5);
    await setFaults({ failureRate: 0.3, malformedRate: 0.2, rateLimitPerHour: 0 });
    let failures = 0;
    for (let i = 0; i < 40; i++) {
      try {
        expect(await client.exportOrders()).toEqual(truth);
      } catch (err) {
        failures += 1;
        expect(isRetryable(err)).toBe(true);
        expectNoKey(err);
      }
    }
    expect(failures).toBeGreaterThan(0);
    expect(failures).toBeLessThan(40);
  });

  it('survives lost answers: retrying a change until it succeeds makes it exactly once', async () => {
    const oIDs = [];
    for (let i = 0; i < 8; i++) oIDs.push(await newOrder());
    await setFaults({ failureRate: 0.6 });
    const outcomes: boolean[] = [];
    const retry = async <T>(run: () => Promise<T>): Promise<T> => {
      for (let attempt = 0; ; attempt++) {
        try {
          return await run();
        } catch (err) {
          expect(isRetryable(err)).toBe(true);
          if (attempt > 50) throw err;
        }
      }
    };
    for (const oID of oIDs) {
      outcomes.push((await retry(() => client.updateOrderStatus({ oID, status: 2 }))).alreadyDone);
      await retry(() => client.updateOrderStatus({ oID, status: 3, trackingNumber: `T-${oID}` }));
      await retry(() =>
        client.updateStock({ referencePartenaire: oID, sizeReference: `${oID}-1`, quantity: 4 }),
      );
    }
    await setFaults({});
    for (const oID of oIDs)
      expect(await held(oID)).toMatchObject({ orders_status_id: 3, tracking_number: `T-${oID}` });
    const stock = (await admin('GET', `/_sandbox/stock?partenaire=${KEY}`)).json;
    expect(stock).toHaveLength(8);
    // Some change went through with its answer lost: the retry then read -9 as done.
    const log = await calls();
    const lost = log.filter((c: { fault?: string }) => c.fault === 'lost_response');
    expect(lost.length).toBeGreaterThan(0);
    expect(log.some((c: { code: number }) => c.code === -9 || c.code === -18)).toBe(true);
    expect(outcomes).toHaveLength(8);
  });
});
