/**
 * The sandbox as another program sees it: plain HTTP form posts and Spartoo's XML, read with a generic
 * XML parser, no project client involved.
 */
import { createHash } from 'node:crypto';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSandbox } from '../spartoo/sandbox/app';
import { callSandboxAdmin } from './support/sandbox';

const KEY = 'MERCHANT-KEY-0001';
const OTHER_KEY = 'MERCHANT-KEY-0002';

let app: FastifyInstance;
let base: string;

beforeAll(async () => {
  app = createSandbox({ timeoutHangMs: 5_000 });
  base = await app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await app.close();
});
beforeEach(async () => {
  await admin('POST', '/_sandbox/reset');
  await admin('POST', '/_sandbox/merchants', { partenaire: KEY });
});

const LISTS = new Set([
  'root.orders.order',
  'root.orders.order.products.product',
  'root.returns.return',
  'root.products.product',
]);
const parser = new XMLParser({ parseTagValue: false, isArray: (_n, path) => LISTS.has(String(path)) });

interface Answer {
  status: number;
  contentType: string;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: a generic view of Spartoo's XML
  root: any;
  code: number;
}

async function read(response: Response): Promise<Answer> {
  const text = await response.text();
  expect(XMLValidator.validate(text)).toBe(true);
  const root = parser.parse(text).root;
  const raw = root?.statut?.id ?? root?.errors;
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? '',
    text,
    root,
    code: Number(raw),
  };
}

/** A plain url-encoded POST, as any PHP client would send it. */
async function ws(script: string, fields: Record<string, string | number>, partenaire: string | null = KEY) {
  const form = new URLSearchParams();
  if (partenaire !== null) form.set('partenaire', partenaire);
  for (const [name, value] of Object.entries(fields)) form.set(name, String(value));
  return read(await fetch(`${base}/mp/${script}`, { method: 'POST', body: form }));
}

const admin = (method: string, path: string, body?: unknown) => callSandboxAdmin(base, method, path, body);

async function newOrder(order: Record<string, unknown> = {}, partenaire = KEY): Promise<string> {
  const created = await admin('POST', '/_sandbox/orders', { partenaire, order });
  expect(created.status).toBe(201);
  return created.json.orders_id;
}

const statusOf = async (oID: string) => (await admin('GET', `/_sandbox/orders/${oID}`)).json.orders_status_id;

async function spartooSets(oID: string, statut: number) {
  const changed = await admin('POST', `/_sandbox/orders/${oID}/status`, { statut });
  expect(changed.status).toBe(200);
}

const SCRIPTS = [
  ['xml_export_orders.php', 'statut'],
  ['xml_maj_orders.php', 'statut'],
  ['xml_export_returns.php', 'statut'],
  ['xml_maj_returns.php', 'statut'],
  ['xml_maj_stock.php', 'errors'],
  ['xml_maj_stock_batch.php', 'errors'],
  ['xml_export_bl.php', 'statut'],
] as const;

describe('every script', () => {
  it.each(SCRIPTS)(
    '%s answers -1 without partenaire and -2 for an unknown one, HTTP 200 XML',
    async (script, shape) => {
      const missing = await ws(script, { date: '2024-01-01:00:00:00' }, null);
      expect(missing.status).toBe(200);
      expect(missing.contentType).toContain('xml');
      expect(missing.code).toBe(-1);
      if (shape === 'statut') expect(missing.root.statut.description).not.toBe('');
      else expect(missing.root.errors).toBe('-1');
      expect((await ws(script, { date: '2024-01-01:00:00:00' }, '')).code).toBe(-1);
      expect((await ws(script, { date: '2024-01-01:00:00:00' }, 'NOT-A-MERCHANT')).code).toBe(-2);
    },
  );

  it('answers 404 for a script Spartoo does not have', async () => {
    const response = await fetch(`${base}/mp/xml_nothing.php`, { method: 'POST' });
    expect(response.status).toBe(404);
  });

  it('takes fields from a GET query, a multipart body or a url-encoded body with a charset', async () => {
    const oID = await newOrder();
    const viaGet = await read(
      await fetch(`${base}/mp/xml_export_orders.php?${new URLSearchParams({ partenaire: KEY, oID })}`),
    );
    expect(viaGet.root.orders.order[0].orders_id).toBe(oID);

    const multipart = new FormData();
    multipart.set('partenaire', KEY);
    multipart.set('oID', oID);
    multipart.set('statut', '2');
    const viaMultipart = await read(
      await fetch(`${base}/mp/xml_maj_orders.php`, { method: 'POST', body: multipart }),
    );
    expect(viaMultipart.code).toBe(1);
    expect(await statusOf(oID)).toBe(2);

    const viaCharset = await read(
      await fetch(`${base}/mp/xml_maj_stock.php`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' },
        body: new URLSearchParams({
          partenaire: KEY,
          reference_partenaire: 'Réf-é',
          products_size_reference: 'Réf-é-42',
          products_quantity: '4',
        }).toString(),
      }),
    );
    expect(viaCharset.code).toBe(1);
    expect((await admin('GET', `/_sandbox/stock?partenaire=${KEY}`)).json).toEqual([
      { reference_partenaire: 'Réf-é', size_reference: 'Réf-é-42', quantity: 4 },
    ]);
  });

  it('ignores a JSON body, as PHP does', async () => {
    const response = await fetch(`${base}/mp/xml_export_orders.php`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ partenaire: KEY, date: '2024-01-01:00:00:00' }),
    });
    expect((await read(response)).code).toBe(-1);
  });
});

describe('xml_export_orders.php', () => {
  it('lists the merchant’s orders purchased on or after date, oldest first, in Spartoo’s shape', async () => {
    const early = await newOrder({ date_purchased: '2024-03-01 09:59:59' });
    const onTime = await newOrder({ date_purchased: '2024-03-01 10:00:00' });
    const late = await newOrder({ date_purchased: '2024-03-02 08:00:00' });
    await newOrder({ date_purchased: '2024-03-05 08:00:00' }, OTHER_KEY);
    const answer = await ws('xml_export_orders.php', { date: '2024-03-01:10:00:00' });
    expect(answer.code).toBe(1);
    expect(answer.root.statut.id).toBe('1');
    const ids = answer.root.orders.order.map((o: { orders_id: string }) => o.orders_id);
    expect(ids).toEqual([onTime, late]);
    expect(ids).not.toContain(early);
    const order = answer.root.orders.order[0];
    expect(order.orders_id).toMatch(/^[0-9A-F]{16}$/);
    expect(order.orders_status_id).toBe('11');
    expect(order.date_purchased).toBe('2024-03-01 10:00:00');
    for (const tag of [
      'customers_firstname',
      'customers_city',
      'customers_postcode',
      'customers_email_address',
    ]) {
      expect(order.customers[tag]).not.toBe('');
    }
    expect(order.delivery.delivery_lastname).not.toBe('');
    expect(order.products.product).toHaveLength(1);
    expect(Object.keys(order)).toEqual(
      expect.arrayContaining([
        'payment_method',
        'shipping_name',
        'order_total',
        'orders_status_name',
        'last_modified',
      ]),
    );
  });

  it('filters on statut', async () => {
    const waiting = await newOrder();
    const accepted = await newOrder();
    await spartooSets(accepted, 2);
    const answer = await ws('xml_export_orders.php', { date: '2000-01-01:00:00:00', statut: 2 });
    expect(answer.root.orders.order.map((o: { orders_id: string }) => o.orders_id)).toEqual([accepted]);
    const eleven = await ws('xml_export_orders.php', { date: '2000-01-01:00:00:00', statut: 11 });
    expect(eleven.root.orders.order.map((o: { orders_id: string }) => o.orders_id)).toEqual([waiting]);
  });

  it('answers an empty <orders/> when nothing matches', async () => {
    await newOrder({ date_purchased: '2024-01-01 00:00:00' });
    const answer = await ws('xml_export_orders.php', { date: '2030-01-01:00:00:00' });
    expect(answer.code).toBe(1);
    expect(answer.root.orders).toBe('');
    expect(answer.text).toMatch(/<orders>\s*<\/orders>|<orders\/>/);
  });

  it('fetches one order by oID; -6 for an unknown one or another merchant’s', async () => {
    const mine = await newOrder();
    const theirs = await newOrder({}, OTHER_KEY);
    expect((await ws('xml_export_orders.php', { oID: mine })).root.orders.order[0].orders_id).toBe(mine);
    expect((await ws('xml_export_orders.php', { oID: 'FFFFFFFFFFFFFFFF' })).code).toBe(-6);
    expect((await ws('xml_export_orders.php', { oID: theirs })).code).toBe(-6);
  });

  it('answers -3 without date nor oID, or with a date that is not one', async () => {
    expect((await ws('xml_export_orders.php', {})).code).toBe(-3);
    expect((await ws('xml_export_orders.php', { date: 'yesterday' })).code).toBe(-3);
  });
});

describe('xml_maj_orders.php', () => {
  it('answers -5 without oID or statut, -6 for an unknown order', async () => {
    const oID = await newOrder();
    expect((await ws('xml_maj_orders.php', { statut: 2 })).code).toBe(-5);
    expect((await ws('xml_maj_orders.php', { oID })).code).toBe(-5);
    expect((await ws('xml_maj_orders.php', { oID: 'FFFFFFFFFFFFFFFF', statut: 2 })).code).toBe(-6);
    const theirs = await newOrder({}, OTHER_KEY);
    expect((await ws('xml_maj_orders.php', { oID: theirs, statut: 2 })).code).toBe(-6);
  });

  it('accepts, ships with the tracking number and carrier, and reports it in the answer', async () => {
    const oID = await newOrder();
    const accepted = await ws('xml_maj_orders.php', { oID, statut: 2 });
    expect(accepted.code).toBe(1);
    expect(accepted.root.orders.order[0]).toMatchObject({ oID, statut: '2', errors: '' });
    const shipped = await ws('xml_maj_orders.php', {
      oID,
      statut: 3,
      tracking_number: '6A12345678901',
      transporteur: 'Colissimo',
    });
    expect(shipped.code).toBe(1);
    expect(shipped.root.orders.order[0]).toMatchObject({ statut: '3', tracking_number: '6A12345678901' });
    const held = (await admin('GET', `/_sandbox/orders/${oID}`)).json;
    expect(held).toMatchObject({
      orders_status_id: 3,
      tracking_number: '6A12345678901',
      transporteur: 'Colissimo',
    });
    const exported = await ws('xml_export_orders.php', { oID });
    expect(exported.root.orders.order[0].orders_status_id).toBe('3');
  });

  it('refuses shipping without a tracking number (-7) and reports the error per order', async () => {
    const oID = await newOrder();
    await spartooSets(oID, 2);
    const answer = await ws('xml_maj_orders.php', { oID, statut: 3 });
    expect(answer.code).toBe(-7);
    expect(answer.root.orders.order[0].errors.error.id).toBe('-7');
    expect(await statusOf(oID)).toBe(2);
  });

  /** Puts a new order in a status the way it happens on Spartoo. */
  async function orderIn(status: number): Promise<string> {
    const oID = await newOrder();
    if (status === 11) return oID;
    if (status === 41) {
      await spartooSets(oID, 41);
      return oID;
    }
    await spartooSets(oID, 2);
    if (status === 2) return oID;
    expect((await ws('xml_maj_orders.php', { oID, statut: 3, tracking_number: 'T1' })).code).toBe(1);
    if (status !== 3) await spartooSets(oID, status);
    return oID;
  }

  // [current, sent, code]: the order status table, every pair.
  const TABLE: [number, number, number][] = [
    [11, 2, 1],
    [11, 3, -7],
    [11, 41, 1],
    [11, 11, -9],
    [11, 45, -7],
    [11, 47, -7],
    [2, 2, -9],
    [2, 3, 1],
    [2, 41, 1],
    [2, 11, -7],
    [2, 45, -7],
    [2, 47, -7],
    [3, 2, -7],
    [3, 3, -9],
    [3, 41, -7],
    [3, 11, -7],
    [3, 45, -7],
    [3, 47, -7],
    [41, 2, -7],
    [41, 3, -7],
    [41, 41, -9],
    [41, 11, -7],
    [45, 41, 1],
    [45, 2, -7],
    [45, 3, -7],
    [45, 45, -9],
    [47, 41, 1],
    [47, 3, -7],
    [47, 47, -9],
  ];

  it.each(TABLE)('from %i, statut %i answers %i', async (current, sent, code) => {
    const oID = await orderIn(current);
    expect(await statusOf(oID)).toBe(current);
    const answer = await ws('xml_maj_orders.php', { oID, statut: sent, tracking_number: 'T2' });
    expect(answer.code).toBe(code);
    expect(await statusOf(oID)).toBe(code === 1 ? sent : current);
  });

  it('answers -7 for a statut that is not a number', async () => {
    const oID = await newOrder();
    expect((await ws('xml_maj_orders.php', { oID, statut: 'accepted' })).code).toBe(-7);
  });
});

describe('xml_export_returns.php and xml_maj_returns.php', () => {
  async function newReturn(body: Record<string, unknown> = {}, partenaire = KEY): Promise<string> {
    const created = await admin('POST', '/_sandbox/returns', { partenaire, return: body });
    expect(created.status).toBe(201);
    return created.json.return_id;
  }

  it('exports returns by Unix timestamp, oID, rID and statut', async () => {
    const oID = await newOrder({
      products: [{ products_reference: 'KIC-1', products_name: 'Baskets Kickers' }],
    });
    const older = await newReturn({
      order: oID,
      return_date: '2024-03-01 10:00:00',
      return_reason: 'Taille trop petite',
    });
    const newer = await newReturn({ order: oID, return_date: '2024-03-10 10:00:00' });
    await newReturn({}, OTHER_KEY);
    const since = String(Date.UTC(2024, 2, 5) / 1000);
    const byDate = await ws('xml_export_returns.php', { date: since });
    expect(byDate.code).toBe(1);
    expect(byDate.root.returns.return.map((r: { return_id: string }) => r.return_id)).toEqual([newer]);
    const byOrder = await ws('xml_export_returns.php', { oID });
    expect(byOrder.root.returns.return.map((r: { return_id: string }) => r.return_id)).toEqual([
      older,
      newer,
    ]);
    const one = (await ws('xml_export_returns.php', { rID: older })).root.returns.return[0];
    expect(one).toMatchObject({
      return_id: older,
      return_date: '2024-03-01 10:00:00',
      return_status: '2',
      return_reason: 'Taille trop petite',
      order: oID,
      product: { products_reference: 'KIC-1', products_name: 'Baskets Kickers' },
    });
    expect(one.return_status_name).not.toBe('');
    expect((await ws('xml_export_returns.php', { oID, statut: 4 })).root.returns).toBe('');
  });

  it('answers -3 without a target, -6 for unknown rID or oID; a date-time is not a timestamp', async () => {
    expect((await ws('xml_export_returns.php', {})).code).toBe(-3);
    expect((await ws('xml_export_returns.php', { date: '2024-03-01:00:00:00' })).code).toBe(-3);
    expect((await ws('xml_export_returns.php', { rID: '999' })).code).toBe(-6);
    expect((await ws('xml_export_returns.php', { oID: 'FFFFFFFFFFFFFFFF' })).code).toBe(-6);
  });

  it.each([
    [2, 3, 1],
    [2, 4, 1],
    [3, 4, 1],
    [2, 2, -9],
    [3, 3, -9],
    [4, 4, -9],
    [4, 3, -7],
    [3, 5, -7],
    [2, 7, -7],
  ])('return in %i, statut %i answers %i', async (current, sent, code) => {
    const rID = await newReturn();
    if (current !== 2) expect((await ws('xml_maj_returns.php', { rID, statut: current })).code).toBe(1);
    const answer = await ws('xml_maj_returns.php', { rID, statut: sent });
    expect(answer.code).toBe(code);
    const held = (await admin('GET', `/_sandbox/returns/${rID}`)).json;
    expect(held.return_status).toBe(code === 1 ? sent : current);
  });

  it('takes a label link alone or with a status; -5 with neither or without rID; -6 unknown', async () => {
    const rID = await newReturn();
    expect((await ws('xml_maj_returns.php', { rID })).code).toBe(-5);
    expect((await ws('xml_maj_returns.php', { statut: 4 })).code).toBe(-5);
    expect((await ws('xml_maj_returns.php', { rID: '42', statut: 4 })).code).toBe(-6);
    expect((await ws('xml_maj_returns.php', { rID, label_link: 'https://labels.example/1.pdf' })).code).toBe(
      1,
    );
    expect((await admin('GET', `/_sandbox/returns/${rID}`)).json).toMatchObject({
      return_status: 2,
      label_link: 'https://labels.example/1.pdf',
    });
    expect(
      (await ws('xml_maj_returns.php', { rID, statut: 4, label_link: 'https://labels.example/2.pdf' })).code,
    ).toBe(1);
    expect((await admin('GET', `/_sandbox/returns/${rID}`)).json).toMatchObject({
      return_status: 4,
      label_link: 'https://labels.example/2.pdf',
    });
  });

  it('refuses a bad label with -22…-25 and changes nothing, not even the status sent with it', async () => {
    const rID = await newReturn();
    const upload = async (bytes: Buffer, filename = 'label.pdf', fields: Record<string, string> = {}) => {
      const form = new FormData();
      form.set('partenaire', KEY);
      form.set('rID', rID);
      for (const [name, value] of Object.entries(fields)) form.set(name, value);
      form.set('label_file', new Blob([new Uint8Array(bytes)], { type: 'application/pdf' }), filename);
      return read(await fetch(`${base}/mp/xml_maj_returns.php`, { method: 'POST', body: form }));
    };
    const tooLong = await ws('xml_maj_returns.php', {
      rID,
      statut: 4,
      label_link: `https://labels.example/${'x'.repeat(240)}.pdf`,
    });
    expect(tooLong.code).toBe(-24);
    expect(tooLong.root.statut.description).toMatch(/too long/);
    expect(
      (await ws('xml_maj_returns.php', { rID, statut: 4, label_link: 'ftp://labels.example/1.pdf' })).code,
    ).toBe(-23);
    expect((await ws('xml_maj_returns.php', { rID, statut: 4, label_file: 'label.pdf' })).code).toBe(-22);
    expect((await upload(Buffer.alloc(0), 'label.pdf', { statut: '4' })).code).toBe(-22);
    expect((await upload(Buffer.from('GIF89a…'), 'label.gif', { statut: '4' })).code).toBe(-23);
    const big = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(5 * 1024 * 1024)]);
    expect((await upload(big, 'label.pdf', { statut: '4' })).code).toBe(-25);
    expect((await admin('GET', `/_sandbox/returns/${rID}`)).json).toMatchObject({
      return_status: 2,
      label_link: '',
    });
    expect((await admin('GET', `/_sandbox/returns/${rID}`)).json.label_file).toBeUndefined();
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]);
    expect((await upload(png, 'label.png', { statut: '4' })).code).toBe(1);
    expect((await admin('GET', `/_sandbox/returns/${rID}`)).json).toMatchObject({
      return_status: 4,
      label_file: { filename: 'label.png', size: png.length },
    });
  });

  it('keeps returns per merchant', async () => {
    const theirs = await newReturn({}, OTHER_KEY);
    expect((await ws('xml_maj_returns.php', { rID: theirs, statut: 4 })).code).toBe(-6);
    expect((await ws('xml_export_returns.php', { rID: theirs })).code).toBe(-6);
  });
});

describe('xml_maj_stock.php', () => {
  const size = {
    reference_partenaire: 'ANY-REF',
    products_size_reference: 'ANY-REF-42',
    products_quantity: 5,
  };

  it('accepts stock for any reference, then -18 for the same quantity', async () => {
    const first = await ws('xml_maj_stock.php', size);
    expect(first.code).toBe(1);
    expect(first.text).toMatch(/<root>\s*<errors>1<\/errors>\s*<\/root>/);
    expect((await ws('xml_maj_stock.php', size)).code).toBe(-18);
    expect((await ws('xml_maj_stock.php', { ...size, products_quantity: 0 })).code).toBe(1);
    expect((await admin('GET', `/_sandbox/stock?partenaire=${KEY}`)).json).toEqual([
      { reference_partenaire: 'ANY-REF', size_reference: 'ANY-REF-42', quantity: 0 },
    ]);
  });

  it.each([
    [{ reference_partenaire: '' }, -12],
    [{ products_size_reference: '' }, -13],
    [{ products_quantity: -1 }, -16],
    [{ products_quantity: '2.5' }, -16],
    [{ products_quantity: 'lots' }, -16],
    [{ products_quantity: '' }, -16],
  ])('%o answers %i and stores nothing', async (change, code) => {
    expect((await ws('xml_maj_stock.php', { ...size, ...change })).code).toBe(code);
    expect((await admin('GET', `/_sandbox/stock?partenaire=${KEY}`)).json).toEqual([]);
  });
});

describe('xml_maj_stock_batch.php', () => {
  const catalogue = (products: string) =>
    `<?xml version="1.0" encoding="UTF-8"?><catalogue><products>${products}</products></catalogue>`;

  it('answers -11 without xml and -15 for broken XML', async () => {
    expect((await ws('xml_maj_stock_batch.php', {})).code).toBe(-11);
    expect((await ws('xml_maj_stock_batch.php', { xml: '<catalogue><products>' })).code).toBe(-15);
    expect((await ws('xml_maj_stock_batch.php', { xml: 'not xml' })).code).toBe(-15);
  });

  it('reads a catalogue without the <products> wrapper like one with it; -11 for a catalogue with no product', async () => {
    const bare = `<?xml version="1.0" encoding="UTF-8"?><catalogue>
      <product><reference_partenaire>B1</reference_partenaire><size_list>
        <size><size_reference>B1-1</size_reference><size_quantity>2</size_quantity></size>
      </size_list></product>
      <product><reference_partenaire>B2</reference_partenaire><size_list>
        <size><size_reference>B2-1</size_reference><size_quantity>5</size_quantity></size>
        <size><size_reference>B2-2</size_reference></size>
      </size_list></product></catalogue>`;
    const answer = await ws('xml_maj_stock_batch.php', { xml: bare });
    expect(answer.code).toBe(1);
    expect(
      answer.root.products.product.map((p: Record<string, string>) => [p.size_reference, p.errors]),
    ).toEqual([
      ['B1-1', '1'],
      ['B2-1', '1'],
      // No quantity is no quantity: reported, never set to 0 nor skipped in silence.
      ['B2-2', '-16'],
    ]);
    expect((await admin('GET', `/_sandbox/stock?partenaire=${KEY}`)).json).toEqual([
      { reference_partenaire: 'B1', size_reference: 'B1-1', quantity: 2 },
      { reference_partenaire: 'B2', size_reference: 'B2-1', quantity: 5 },
    ]);
    for (const empty of [
      '<catalogue/>',
      '<catalogue><products/></catalogue>',
      '<catalogue><item/></catalogue>',
    ]) {
      expect((await ws('xml_maj_stock_batch.php', { xml: empty })).code, empty).toBe(-11);
    }
  });

  it('sets every size, answers a code per size, leaves other products untouched', async () => {
    await ws('xml_maj_stock.php', {
      reference_partenaire: 'KEEP',
      products_size_reference: 'KEEP-1',
      products_quantity: 9,
    });
    await ws('xml_maj_stock.php', {
      reference_partenaire: 'R1',
      products_size_reference: 'R1-43',
      products_quantity: 2,
    });
    const xml = catalogue(`
      <product><reference_partenaire><![CDATA[R1]]></reference_partenaire><size_list>
        <size><size_reference><![CDATA[R1-42]]></size_reference><size_quantity>3</size_quantity></size>
        <size><size_reference>R1-43</size_reference><size_quantity>2</size_quantity></size>
        <size><size_reference>R1-44</size_reference><size_quantity>-4</size_quantity></size>
        <size><size_quantity>1</size_quantity></size>
      </size_list></product>
      <product><size_list><size><size_reference>X-1</size_reference><size_quantity>1</size_quantity></size></size_list></product>
      <product><reference_partenaire>R2</reference_partenaire><size_list><size><size_reference>R2-S</size_reference>
        <size_quantity>0</size_quantity><languages><language><code>fr</code><product_price>10.00</product_price></language></languages>
      </size></size_list></product>`);
    const answer = await ws('xml_maj_stock_batch.php', { xml });
    expect(answer.code).toBe(1);
    const codes = answer.root.products.product.map(
      (p: { reference_partenaire: string; size_reference: string; errors: string }) => [
        p.reference_partenaire,
        p.size_reference,
        p.errors,
      ],
    );
    expect(codes).toEqual([
      ['R1', 'R1-42', '1'],
      ['R1', 'R1-43', '-18'],
      ['R1', 'R1-44', '-16'],
      ['R1', '', '-13'],
      ['', '', '-12'],
      ['R2', 'R2-S', '1'],
    ]);
    const stock = (await admin('GET', `/_sandbox/stock?partenaire=${KEY}`)).json;
    expect(stock).toEqual(
      expect.arrayContaining([
        { reference_partenaire: 'KEEP', size_reference: 'KEEP-1', quantity: 9 },
        { reference_partenaire: 'R1', size_reference: 'R1-42', quantity: 3 },
        { reference_partenaire: 'R1', size_reference: 'R1-43', quantity: 2 },
        { reference_partenaire: 'R2', size_reference: 'R2-S', quantity: 0 },
      ]),
    );
    expect(stock).toHaveLength(4);
  });
});

describe('admin routes', () => {
  it('creates merchants: 201, then 200 for one that exists, 400 without partenaire', async () => {
    expect((await admin('POST', '/_sandbox/merchants', { partenaire: 'NEW-MERCHANT' })).status).toBe(201);
    expect((await admin('POST', '/_sandbox/merchants', { partenaire: 'NEW-MERCHANT' })).status).toBe(200);
    expect((await admin('POST', '/_sandbox/merchants', {})).status).toBe(400);
    expect((await ws('xml_export_orders.php', { date: '2024-01-01:00:00:00' }, 'NEW-MERCHANT')).code).toBe(1);
  });

  it('creates an order with plausible values for whatever is not given', async () => {
    const oID = await newOrder();
    const order = (await admin('GET', `/_sandbox/orders/${oID}`)).json;
    expect(oID).toMatch(/^[0-9A-F]{16}$/);
    expect(order.orders_status_id).toBe(11);
    expect(order.customers.customers_country).toBe('France');
    expect(order.customers.customers_postcode).toMatch(/^\d{5}$/);
    expect(order.products).toHaveLength(1);
    const line = order.products[0];
    expect(line.products_size_reference).toBe(`${line.products_reference}-${line.products_size}`);
    const cents = (s: string) => Math.round(Number(s) * 100);
    expect(cents(line.products_final_price)).toBe(
      cents(line.products_price_unit_with_reduce) * Number(line.products_qty),
    );
    expect(cents(order.order_total)).toBe(
      cents(line.products_final_price) + cents(order.shipping_price) + cents(order.payment_price),
    );
    expect(order.tracking_number).toBe('');
  });

  it('dates a new order now, on Paris clocks, as Spartoo does', async () => {
    const parisNow = new Intl.DateTimeFormat('sv-SE', {
      timeZone: 'Europe/Paris',
      dateStyle: 'short',
      timeStyle: 'medium',
    });
    // Wall-clock texts compared as if they were UTC: only their difference matters.
    const wall = (text: string) => Date.parse(`${text.replace(' ', 'T')}Z`);
    const before = wall(parisNow.format(new Date()));
    const order = (await admin('GET', `/_sandbox/orders/${await newOrder()}`)).json;
    const after = wall(parisNow.format(new Date()));
    expect(order.date_purchased).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(wall(order.date_purchased)).toBeGreaterThanOrEqual(before);
    expect(wall(order.date_purchased)).toBeLessThanOrEqual(after);
    expect(order.last_modified).toBe(order.date_purchased);
  });

  it('uses given fields exactly, omits tags given as null, keeps a given relay point', async () => {
    const oID = await newOrder({
      orders_id: 'ABCDEF0123456789',
      customers: { customers_firstname: 'Jean', customers_lastname: 'Dupont', customers_company: null },
      delivery: {
        delivery_city: 'Rennes',
        relay_info: { relay_id: '012345', relay_name: 'Tabac du Port' },
      },
      shipping_name: 'Mondial Relay',
      // An instant: written in Spartoo's documents as Paris wall-clock time (UTC+1 in March).
      date_purchased: '2024-03-01T10:00:00Z',
      products: [
        {
          products_reference: 'R1',
          products_size_reference: 'R1-42',
          products_qty: 2,
          products_price_unit: '49,90',
          products_price_unit_with_reduce: null,
        },
      ],
    });
    expect(oID).toBe('ABCDEF0123456789');
    const answer = await ws('xml_export_orders.php', { oID });
    const order = answer.root.orders.order[0];
    expect(order.customers.customers_firstname).toBe('Jean');
    expect(order.customers.customers_lastname).toBe('Dupont');
    expect(order.customers).not.toHaveProperty('customers_company');
    expect(order.delivery.delivery_city).toBe('Rennes');
    expect(order.delivery.relay_info).toMatchObject({ relay_id: '012345', relay_name: 'Tabac du Port' });
    expect(order.shipping_name).toBe('Mondial Relay');
    expect(order.date_purchased).toBe('2024-03-01 11:00:00');
    const line = order.products.product[0];
    expect(line).toMatchObject({
      products_reference: 'R1',
      products_size_reference: 'R1-42',
      products_qty: '2',
      products_price_unit: '49,90',
      products_final_price: '99.80',
    });
    expect(line).not.toHaveProperty('products_price_unit_with_reduce');
    expect(
      (await admin('POST', '/_sandbox/orders', { partenaire: KEY, order: { orders_id: oID } })).status,
    ).toBe(400);
  });

  it('gives some orders a relay point when the delivery is not specified', async () => {
    const ids = await Promise.all(Array.from({ length: 20 }, () => newOrder()));
    const orders = await Promise.all(
      ids.map(async (id) => (await admin('GET', `/_sandbox/orders/${id}`)).json),
    );
    const relays = orders.filter((o) => o.delivery.relay_info);
    expect(relays.length).toBeGreaterThan(0);
    expect(relays.length).toBeLessThan(20);
    for (const o of relays)
      expect(['Mondial Relay', 'Relais Colis', 'Chronopost']).toContain(o.shipping_name);
  });

  it('rejects a bad order body with 400 and says why', async () => {
    const bad = await admin('POST', '/_sandbox/orders', { partenaire: KEY, order: { products: 'none' } });
    expect(bad.status).toBe(400);
    expect(bad.json.issues[0].path).toBe('order.products');
    expect((await admin('POST', '/_sandbox/orders', { order: {} })).status).toBe(400);
    const badDate = await admin('POST', '/_sandbox/orders', {
      partenaire: KEY,
      order: { date_purchased: 'soon' },
    });
    expect(badDate.status).toBe(400);
  });

  it('plays Spartoo-side status changes, 409 for the ones Spartoo cannot make', async () => {
    const a = await newOrder();
    expect((await admin('POST', `/_sandbox/orders/${a}/status`, { statut: 45 })).status).toBe(409);
    expect((await admin('POST', `/_sandbox/orders/${a}/status`, { statut: 3 })).status).toBe(409);
    expect((await admin('POST', `/_sandbox/orders/${a}/status`, { statut: 2 })).status).toBe(200);
    expect((await admin('POST', `/_sandbox/orders/${a}/status`, { statut: 2 })).status).toBe(409);
    expect((await ws('xml_maj_orders.php', { oID: a, statut: 3, tracking_number: 'T' })).code).toBe(1);
    expect((await admin('POST', `/_sandbox/orders/${a}/status`, { statut: 41 })).status).toBe(409);
    const lost = await admin('POST', `/_sandbox/orders/${a}/status`, { statut: 45 });
    expect(lost.json.orders_status_id).toBe(45);
    const b = await newOrder();
    expect((await admin('POST', `/_sandbox/orders/${b}/status`, { statut: 41 })).json.orders_status_id).toBe(
      41,
    );
    expect((await admin('POST', `/_sandbox/orders/${b}/status`, { statut: 41 })).status).toBe(409);
    expect((await admin('POST', '/_sandbox/orders/NOPE/status', { statut: 41 })).status).toBe(404);
    expect((await admin('GET', '/_sandbox/orders/NOPE')).status).toBe(404);
  });

  it('creates a return in status 2 about an order’s product, with a reason', async () => {
    const oID = await newOrder({ products: [{ products_reference: 'A' }, { products_reference: 'B' }] });
    const created = await admin('POST', '/_sandbox/returns', {
      partenaire: KEY,
      return: { order: oID, product: { products_reference: 'B' } },
    });
    expect(created.status).toBe(201);
    const ret = (await admin('GET', `/_sandbox/returns/${created.json.return_id}`)).json;
    expect(ret).toMatchObject({ order: oID, return_status: 2, product: { products_reference: 'B' } });
    expect(ret.return_reason).not.toBe('');
    expect(ret.product.products_name).not.toBe('');
    const unknownOrder = await admin('POST', '/_sandbox/returns', {
      partenaire: KEY,
      return: { order: 'NOPE' },
    });
    expect(unknownOrder.status).toBe(400);
    expect((await admin('GET', '/_sandbox/returns/NOPE')).status).toBe(404);
  });

  it('logs every webservice call in order, with the merchant code masked and the code answered', async () => {
    await ws('xml_export_orders.php', { date: '2024-01-01:00:00:00' });
    await ws('xml_maj_stock.php', {
      reference_partenaire: 'R',
      products_size_reference: 'R-1',
      products_quantity: 1,
    });
    await ws('xml_export_orders.php', {}, OTHER_KEY);
    const mine = (await admin('GET', `/_sandbox/calls?partenaire=${KEY}`)).json;
    expect(mine.map((c: { script: string; code: number }) => [c.script, c.code])).toEqual([
      ['xml_export_orders.php', 1],
      ['xml_maj_stock.php', 1],
    ]);
    expect(mine[0].params).toEqual({ partenaire: '••••0001', date: '2024-01-01:00:00:00' });
    expect(Date.parse(mine[0].at)).not.toBeNaN();
    const all = (await admin('GET', '/_sandbox/calls')).json;
    expect(all).toHaveLength(3);
    expect(all[2]).toMatchObject({ script: 'xml_export_orders.php', code: -2 });
    expect(JSON.stringify(all)).not.toContain(KEY);
    expect(JSON.stringify(all)).not.toContain(OTHER_KEY);
  });

  it('resets everything', async () => {
    await newOrder();
    await admin('PUT', '/_sandbox/faults', { latencyMs: 5 });
    expect((await admin('POST', '/_sandbox/reset')).status).toBe(204);
    expect((await admin('GET', '/_sandbox/calls')).json).toEqual([]);
    expect((await admin('GET', '/_sandbox/faults')).json.latencyMs).toBe(0);
    expect((await ws('xml_export_orders.php', { date: '2024-01-01:00:00:00' })).code).toBe(-2);
  });
});

describe('data faults (corrupt)', () => {
  const exportedOrder = async (oID: string) =>
    (await ws('xml_export_orders.php', { oID })).root.orders.order[0];

  it('exports the given raw text in place of a tag’s value, null leaving the tag out, on every line', async () => {
    const oID = await newOrder({
      date_purchased: '2024-03-01 10:00:00',
      products: [
        { products_reference: 'A', products_qty: 2, products_price_unit: '10.00' },
        { products_reference: 'B', products_price_unit: '20.00' },
      ],
      corrupt: {
        date_purchased: '',
        order_total: 'N/A',
        orders_status_id: 'onze',
        products_qty: 'two',
        products_price_unit: null,
        products_price_unit_with_reduce: '<12 & co>',
      },
    });
    const order = await exportedOrder(oID);
    expect(order.date_purchased).toBe('');
    expect(order.order_total).toBe('N/A');
    expect(order.orders_status_id).toBe('onze');
    expect(order.products.product.map((p: Record<string, string>) => p.products_reference)).toEqual([
      'A',
      'B',
    ]);
    for (const line of order.products.product) {
      expect(line.products_qty).toBe('two');
      expect(line).not.toHaveProperty('products_price_unit');
      // Text, escaped: the answer stays well-formed (read() checks it), a data fault and not a transport one.
      expect(line.products_price_unit_with_reduce).toBe('<12 & co>');
    }
    // The sandbox keeps its real values: GET shows them, with the corruption.
    const held = (await admin('GET', `/_sandbox/orders/${oID}`)).json;
    expect(held).toMatchObject({
      date_purchased: '2024-03-01 10:00:00',
      orders_status_id: 11,
      products: [
        expect.objectContaining({ products_qty: '2' }),
        expect.objectContaining({ products_qty: '1' }),
      ],
      corrupt: { date_purchased: '', order_total: 'N/A', products_price_unit: null },
    });
  });

  it('takes corrupt next to the order too, and behaves normally otherwise: date and status filters, acceptance', async () => {
    const created = await admin('POST', '/_sandbox/orders', {
      partenaire: KEY,
      order: { date_purchased: '2024-03-01 10:00:00' },
      corrupt: { date_purchased: null, orders_status_id: 'x' },
    });
    expect(created.status).toBe(201);
    const oID = created.json.orders_id;
    const exported = await exportedOrder(oID);
    expect(exported).not.toHaveProperty('date_purchased');
    expect(exported.orders_status_id).toBe('x');
    const byDate = await ws('xml_export_orders.php', { date: '2024-03-01:10:00:00', statut: 11 });
    expect(byDate.root.orders.order.map((o: { orders_id: string }) => o.orders_id)).toEqual([oID]);
    expect((await ws('xml_export_orders.php', { date: '2024-03-01:10:00:01' })).root.orders).toBe('');
    expect((await ws('xml_maj_orders.php', { oID, statut: 2 })).code).toBe(1);
    expect(await statusOf(oID)).toBe(2);
    expect(
      (await ws('xml_export_orders.php', { date: '2024-01-01:00:00:00', statut: 2 })).root.orders.order,
    ).toHaveLength(1);
  });

  it('repairs an order, and corrupts an existing one', async () => {
    const oID = await newOrder({ date_purchased: '2024-03-01 10:00:00', corrupt: { date_purchased: '' } });
    const repaired = await admin('POST', `/_sandbox/orders/${oID}/repair`);
    expect(repaired.status).toBe(200);
    expect(repaired.json).not.toHaveProperty('corrupt');
    expect((await exportedOrder(oID)).date_purchased).toBe('2024-03-01 10:00:00');

    const broken = await admin('POST', `/_sandbox/orders/${oID}/corrupt`, {
      corrupt: { products_qty: 'two' },
    });
    expect(broken.json.corrupt).toEqual({ products_qty: 'two' });
    expect((await exportedOrder(oID)).products.product[0].products_qty).toBe('two');
    await admin('POST', `/_sandbox/orders/${oID}/corrupt`, { corrupt: {} });
    expect((await admin('GET', `/_sandbox/orders/${oID}`)).json).not.toHaveProperty('corrupt');
    expect((await exportedOrder(oID)).products.product[0].products_qty).toBe('1');
    expect((await admin('POST', '/_sandbox/orders/NOPE/repair')).status).toBe(404);
  });

  it('rejects a corrupt tag it does not know with 400, naming it', async () => {
    const bad = await admin('POST', '/_sandbox/orders', {
      partenaire: KEY,
      order: { corrupt: { customers_firstname: 'x', date_purchased: '' } },
    });
    expect(bad.status).toBe(400);
    expect(bad.json.issues).toEqual([
      { path: 'order.corrupt.customers_firstname', message: 'is not a tag the sandbox can corrupt' },
    ]);
    const oID = await newOrder();
    expect(
      (await admin('POST', `/_sandbox/orders/${oID}/corrupt`, { corrupt: { return_date: '' } })).status,
    ).toBe(400);
    const badReturn = await admin('POST', '/_sandbox/returns', {
      partenaire: KEY,
      corrupt: { date_purchased: '' },
    });
    expect(badReturn.status).toBe(400);
  });

  it('corrupts and repairs a return', async () => {
    const created = await admin('POST', '/_sandbox/returns', {
      partenaire: KEY,
      return: { return_date: '2024-03-01 10:00:00', corrupt: { return_date: null } },
      corrupt: { return_status: 'deux', products_name: '' },
    });
    expect(created.status).toBe(201);
    const rID = created.json.return_id;
    const exported = async () => (await ws('xml_export_returns.php', { rID })).root.returns.return[0];
    const broken = await exported();
    expect(broken).not.toHaveProperty('return_date');
    expect(broken.return_status).toBe('deux');
    expect(broken.product.products_name).toBe('');
    const held = (await admin('GET', `/_sandbox/returns/${rID}`)).json;
    expect(held).toMatchObject({
      return_date: '2024-03-01 10:00:00',
      return_status: 2,
      corrupt: { return_date: null, return_status: 'deux', products_name: '' },
    });
    // Still filtered on its real date.
    const since = String(Date.UTC(2024, 1, 29) / 1000);
    expect((await ws('xml_export_returns.php', { date: since })).root.returns.return).toHaveLength(1);
    expect((await ws('xml_maj_returns.php', { rID, statut: 4 })).code).toBe(1);
    expect((await admin('POST', `/_sandbox/returns/${rID}/repair`)).json).not.toHaveProperty('corrupt');
    expect(await exported()).toMatchObject({ return_date: '2024-03-01 10:00:00', return_status: '4' });
    await admin('POST', `/_sandbox/returns/${rID}/corrupt`, { corrupt: { return_date: 'soon' } });
    expect((await exported()).return_date).toBe('soon');
  });
});

describe('fault injection', () => {
  it('validates the fault settings; an absent field turns that fault off', async () => {
    expect((await admin('PUT', '/_sandbox/faults', { failureRate: 2 })).status).toBe(400);
    expect((await admin('PUT', '/_sandbox/faults', { latencyMs: -1 })).status).toBe(400);
    const set = await admin('PUT', '/_sandbox/faults', { timeoutRate: 0.5 });
    expect(set.json).toEqual({
      failureRate: 0,
      latencyMs: 0,
      rateLimitPerHour: 0,
      malformedRate: 0,
      timeoutRate: 0.5,
    });
    await admin('PUT', '/_sandbox/faults', {});
  });

  it('fails calls with HTTP 500, a truncated body or a lost answer; only a lost answer changed anything', async () => {
    await admin('PUT', '/_sandbox/faults', { failureRate: 1 });
    const seen = new Set<string>();
    for (let quantity = 1; quantity <= 30; quantity++) {
      try {
        const response = await fetch(`${base}/mp/xml_maj_stock.php`, {
          method: 'POST',
          body: new URLSearchParams({
            partenaire: KEY,
            reference_partenaire: 'R',
            products_size_reference: 'R-1',
            products_quantity: String(quantity),
          }),
        });
        const text = await response.text();
        if (response.status === 500) seen.add('http_500');
        else {
          expect(response.status).toBe(200);
          expect(XMLValidator.validate(text)).not.toBe(true);
          seen.add('truncated');
        }
      } catch {
        seen.add('lost_response');
      }
    }
    expect(seen).toEqual(new Set(['http_500', 'truncated', 'lost_response']));
    // Admin routes are never faulted.
    const calls = (await admin('GET', `/_sandbox/calls?partenaire=${KEY}`)).json as {
      params: { products_quantity: string };
      fault: string;
      code: number | null;
    }[];
    expect(calls).toHaveLength(30);
    expect(new Set(calls.map((c) => c.fault))).toEqual(seen);
    const lost = calls.filter((c) => c.fault === 'lost_response');
    for (const c of calls) expect(c.code).toBe(c.fault === 'lost_response' ? 1 : null);
    const stock = (await admin('GET', `/_sandbox/stock?partenaire=${KEY}`)).json;
    expect(stock).toEqual([
      {
        reference_partenaire: 'R',
        size_reference: 'R-1',
        quantity: Number(lost.at(-1)!.params.products_quantity),
      },
    ]);
  });

  it('holds a timed-out call until the client gives up, without any change', async () => {
    const oID = await newOrder();
    await admin('PUT', '/_sandbox/faults', { timeoutRate: 1 });
    const started = Date.now();
    const attempt = fetch(`${base}/mp/xml_maj_orders.php`, {
      method: 'POST',
      body: new URLSearchParams({ partenaire: KEY, oID, statut: '2' }),
      signal: AbortSignal.timeout(300),
    });
    await expect(attempt).rejects.toThrow();
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    await admin('PUT', '/_sandbox/faults', {});
    expect(await statusOf(oID)).toBe(11);
    const [call] = (await admin('GET', `/_sandbox/calls?partenaire=${KEY}`)).json;
    expect(call).toMatchObject({ script: 'xml_maj_orders.php', fault: 'timeout', code: null });
  });

  it('answers -429 past the hourly quota, per merchant, without any change', async () => {
    await admin('POST', '/_sandbox/merchants', { partenaire: OTHER_KEY });
    const oID = await newOrder();
    await admin('PUT', '/_sandbox/faults', { rateLimitPerHour: 2 });
    expect((await ws('xml_export_orders.php', { oID })).code).toBe(1);
    expect((await ws('xml_export_orders.php', { oID })).code).toBe(1);
    const limited = await ws('xml_maj_orders.php', { oID, statut: 2 });
    expect(limited.status).toBe(200);
    expect(limited.code).toBe(-429);
    expect(limited.root.statut.id).toBe('-429');
    const stock = await ws('xml_maj_stock.php', {
      reference_partenaire: 'R',
      products_size_reference: 'R-1',
      products_quantity: 1,
    });
    expect(stock.root.errors).toBe('-429');
    expect(await statusOf(oID)).toBe(11);
    expect((await admin('GET', `/_sandbox/stock?partenaire=${KEY}`)).json).toEqual([]);
    expect((await ws('xml_export_orders.php', { date: '2024-01-01:00:00:00' }, OTHER_KEY)).code).toBe(1);
    await admin('PUT', '/_sandbox/faults', { rateLimitPerHour: 0 });
    expect((await ws('xml_maj_orders.php', { oID, statut: 2 })).code).toBe(1);
  });

  it('injects faults only into the webservices named in scripts; an unknown script is a 400', async () => {
    const unknown = await admin('PUT', '/_sandbox/faults', { failureRate: 1, scripts: ['xml_nope.php'] });
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(unknown.json)).toMatch(/scripts/);
    expect((await admin('GET', '/_sandbox/faults')).json.failureRate).toBe(0);
    const oID = await newOrder();
    const set = await admin('PUT', '/_sandbox/faults', {
      failureRate: 1,
      rateLimitPerHour: 1,
      scripts: ['xml_maj_stock.php', 'xml_maj_stock_batch.php'],
    });
    expect(set.json.scripts).toEqual(['xml_maj_stock.php', 'xml_maj_stock_batch.php']);
    try {
      // The orders' webservices answer, however many calls (the quota counts only the faulted scripts).
      for (let i = 0; i < 3; i++) expect((await ws('xml_export_orders.php', { oID })).code).toBe(1);
      await fetch(`${base}/mp/xml_maj_stock.php`, {
        method: 'POST',
        body: new URLSearchParams({
          partenaire: KEY,
          reference_partenaire: 'R',
          products_size_reference: 'R-1',
          products_quantity: '3',
        }),
      }).catch(() => undefined);
      const faulted = (await admin('GET', `/_sandbox/calls?partenaire=${KEY}`)).json as {
        script: string;
        fault?: string;
      }[];
      expect(faulted.filter((c) => c.fault).map((c) => c.script)).toEqual(['xml_maj_stock.php']);
    } finally {
      await admin('PUT', '/_sandbox/faults', {});
    }
  });

  it('answers broken XML when malformed', async () => {
    await admin('PUT', '/_sandbox/faults', { malformedRate: 1 });
    for (let i = 0; i < 6; i++) {
      const response = await fetch(`${base}/mp/xml_export_orders.php`, {
        method: 'POST',
        body: new URLSearchParams({ partenaire: KEY, date: '2024-01-01:00:00:00' }),
      });
      expect(response.status).toBe(200);
      expect(XMLValidator.validate(await response.text())).not.toBe(true);
    }
  });

  it('delays answers by latencyMs', async () => {
    await admin('PUT', '/_sandbox/faults', { latencyMs: 150 });
    const started = Date.now();
    expect((await ws('xml_export_orders.php', { date: '2024-01-01:00:00:00' })).code).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    const adminStarted = Date.now();
    await admin('GET', '/_sandbox/faults');
    expect(Date.now() - adminStarted).toBeLessThan(140);
  });
});

describe('xml_export_bl.php', () => {
  const slipXml = (orderId: string, products: [string, string | number][]) =>
    `<?xml version="1.0" encoding="UTF-8"?><root><order_id>${orderId}</order_id><products>${products
      .map(
        ([reference, quantity]) =>
          `<product><reference_partenaire>${reference}</reference_partenaire><product_quantity>${quantity}</product_quantity></product>`,
      )
      .join('')}</products></root>`;
  const pdfOf = (answer: Answer) => Buffer.from(String(answer.root.pdf), 'base64');

  async function acceptedOrder() {
    const oID = await newOrder({
      products: [
        {
          products_reference: 'BOOT',
          products_size_reference: 'BOOT-40',
          products_qty: 2,
          products_name: 'Boot',
        },
        {
          products_reference: 'BOOT',
          products_size_reference: 'BOOT-41',
          products_qty: 1,
          products_name: 'Boot',
        },
        {
          products_reference: 'SOCK',
          products_size_reference: 'SOCK-U',
          products_qty: 1,
          products_name: 'Sock',
        },
      ],
    });
    expect((await ws('xml_maj_orders.php', { oID, statut: 2 })).code).toBe(1);
    return oID;
  }

  it('answers one parcel’s slip as a base64 PDF naming the order and its products', async () => {
    const oID = await acceptedOrder();
    const answer = await ws('xml_export_bl.php', {
      xml: slipXml(oID, [
        ['BOOT', 3],
        ['SOCK', 1],
      ]),
    });
    expect(answer.code).toBe(1);
    const pdf = pdfOf(answer);
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const text = pdf.toString('latin1');
    expect(text).toContain(oID);
    expect(text).toMatch(/%%EOF\s*$/);
    for (const size of ['BOOT-40', 'BOOT-41', 'SOCK-U']) expect(text).toContain(size);
    // One parcel of a split: only what it holds.
    const split = pdfOf(await ws('xml_export_bl.php', { xml: slipXml(oID, [['BOOT', 1]]) })).toString(
      'latin1',
    );
    expect(split).toContain('1 x   BOOT   BOOT-40');
    expect(split).not.toContain('SOCK');
    // Shipped orders keep their slip.
    expect((await ws('xml_maj_orders.php', { oID, statut: 3, tracking_number: 'T-1' })).code).toBe(1);
    expect((await ws('xml_export_bl.php', { xml: slipXml(oID, [['SOCK', 1]]) })).code).toBe(1);
  });

  it('refuses an order not accepted yet (-7), an unknown or another merchant’s order (-6), a cancelled one (-7)', async () => {
    const waiting = await newOrder({ products: [{ products_reference: 'BOOT', products_qty: 1 }] });
    const notYet = await ws('xml_export_bl.php', { xml: slipXml(waiting, [['BOOT', 1]]) });
    expect(notYet.code).toBe(-7);
    expect(notYet.root.statut.description).toMatch(/not accepted yet/);
    expect(notYet.root.pdf).toBeUndefined();
    expect((await ws('xml_export_bl.php', { xml: slipXml('FFFFFFFFFFFFFFFF', [['BOOT', 1]]) })).code).toBe(
      -6,
    );
    const theirs = await newOrder({ products: [{ products_reference: 'BOOT', products_qty: 1 }] }, OTHER_KEY);
    expect((await ws('xml_export_bl.php', { xml: slipXml(theirs, [['BOOT', 1]]) })).code).toBe(-6);
    expect((await ws('xml_maj_orders.php', { oID: waiting, statut: 41 })).code).toBe(1);
    expect((await ws('xml_export_bl.php', { xml: slipXml(waiting, [['BOOT', 1]]) })).code).toBe(-7);
  });

  it.each([
    ['no xml', undefined, -11],
    ['broken xml', '<root><order_id>', -15],
    ['no order_id', '<root><products/></root>', -3],
    ['no product', 'EMPTY', -12],
    ['a product not in the order', [['NOPE', 1]], -14],
    ['more than ordered', [['BOOT', 4]], -16],
    ['a quantity of 0', [['BOOT', 0]], -16],
    ['a quantity that is not a number', [['BOOT', 'two']], -16],
    ['no reference', [['', 1]], -12],
  ] as const)('answers %s with %i', async (_name, products, code) => {
    const oID = await acceptedOrder();
    const xml =
      products === undefined || typeof products === 'string'
        ? products === 'EMPTY'
          ? slipXml(oID, [])
          : products
        : slipXml(oID, products as unknown as [string, string | number][]);
    const answer = await ws('xml_export_bl.php', xml === undefined ? {} : { xml });
    expect(answer.code).toBe(code);
    expect(answer.root.statut.description).not.toBe('');
  });
});

/**
 * The requests of the public PHP client debuss/spartoo (src/App.php), byte for byte as it builds them:
 * curl with an array of fields (multipart/form-data), `array_filter` dropping empty fields, DOMDocument
 * XML with formatOutput, sizes whose quantity is 0 written without <size_quantity>.
 */
describe('the public PHP client debuss/spartoo', () => {
  interface CurlFile {
    path: string;
    mime: string;
    bytes: Buffer;
  }
  type Field = string | number | null | undefined | CurlFile;

  /** PHP's array_filter: drops null, '', 0 and '0'. */
  const arrayFilter = (fields: Record<string, Field>) =>
    Object.entries(fields).filter(
      ([, v]) => v !== null && v !== undefined && v !== '' && v !== 0 && v !== '0',
    );

  /** What curl sends for CURLOPT_POSTFIELDS given an array: multipart/form-data, its boundary style. */
  async function curlPost(script: string, fields: [string, Field][]): Promise<Answer> {
    const boundary = `------------------------${'0123456789abcdef'.repeat(1)}`;
    const chunks: Buffer[] = [];
    for (const [name, value] of fields) {
      if (typeof value === 'object' && value !== null) {
        chunks.push(
          Buffer.from(
            `--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${value.path.split('/').at(-1)}"\r\nContent-Type: ${value.mime}\r\n\r\n`,
          ),
          value.bytes,
          Buffer.from('\r\n'),
        );
      } else {
        chunks.push(
          Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`),
        );
      }
    }
    chunks.push(Buffer.from(`--${boundary}--\r\n`));
    return read(
      await fetch(`${base}/mp/${script}`, {
        method: 'POST',
        headers: {
          'content-type': `multipart/form-data; boundary=${boundary}`,
          'user-agent':
            'Mozilla/5.0 (Windows; U; Windows NT 5.1; en-US; rv:1.8.1.1) Gecko/20061204 Firefox/2.0.0.1',
        },
        body: Buffer.concat(chunks),
      }),
    );
  }

  /** DOMDocument::saveXML() with formatOutput: declaration, two-space indentation. */
  function domXml(tree: [string, unknown]): string {
    const write = ([name, value]: [string, unknown], depth: number): string => {
      const pad = '  '.repeat(depth);
      if (Array.isArray(value)) {
        if (value.length === 0) return `${pad}<${name}/>\n`;
        return `${pad}<${name}>\n${value.map((child) => write(child as [string, unknown], depth + 1)).join('')}${pad}</${name}>\n`;
      }
      return `${pad}<${name}>${value}</${name}>\n`;
    };
    return `<?xml version="1.0" encoding="UTF-8"?>\n${write(tree, 0)}`;
  }

  /** A Product with a size list, as Size::toXML writes it: array_filter of its properties. */
  interface Size {
    quantity: number;
    reference: string;
  }
  const sizeXml = (size: Size): [string, unknown] => [
    'size',
    arrayFilter({ size_quantity: size.quantity, size_reference: size.reference }) as [string, unknown][],
  ];

  const php = {
    exportOrders: (date?: Date, oID?: string, status?: number) =>
      curlPost(
        'xml_export_orders.php',
        arrayFilter({
          partenaire: KEY,
          // DateTime::format('Y-m-d:H:i:s'), in the PHP process's time zone (Paris, as Spartoo).
          date: date ? parisDate(date) : null,
          oID,
          statut: status,
        }),
      ),
    majOrders: (oID: string, status: number, trackingNumber?: string) =>
      curlPost(
        'xml_maj_orders.php',
        arrayFilter({ partenaire: KEY, oID, statut: status, tracking_number: trackingNumber }),
      ),
    exportReturns: (date?: Date, oID?: string, rID?: string, status?: number) =>
      curlPost(
        'xml_export_returns.php',
        arrayFilter({
          partenaire: KEY,
          date: date ? String(Math.floor(date.getTime() / 1000)) : null,
          oID,
          rID,
          statut: status,
        }),
      ),
    majReturns: (rID: string, status?: number, labelLink?: string, labelFile?: CurlFile) =>
      curlPost(
        'xml_maj_returns.php',
        arrayFilter({ partenaire: KEY, rID, statut: status, label_link: labelLink, label_file: labelFile }),
      ),
    // Not filtered: a quantity of 0 is sent.
    majStock: (reference: string, sizeReference: string, quantity: number) =>
      curlPost('xml_maj_stock.php', [
        ['partenaire', KEY],
        ['reference_partenaire', reference],
        ['products_size_reference', sizeReference],
        ['products_quantity', quantity],
      ]),
    majStockBatch: (products: { reference: string; quantity?: number; sizes: Size[] }[]) =>
      curlPost(
        'xml_maj_stock_batch.php',
        arrayFilter({
          partenaire: KEY,
          xml: domXml([
            'catalogue',
            products.map((p) => [
              'product',
              [
                ['reference_partenaire', p.reference],
                ...(p.sizes.length ? [] : [['product_quantity', p.quantity ?? 0]]),
                ['size_list', p.sizes.map(sizeXml)],
              ],
            ]),
          ]),
        }),
      ),
    exportBL: (orderId: string, reference: string, quantity: number) =>
      curlPost('xml_export_bl.php', [
        ['partenaire', KEY],
        [
          'xml',
          domXml([
            'root',
            [
              ['order_id', orderId],
              [
                'products',
                [
                  [
                    'product',
                    [
                      ['reference_partenaire', reference],
                      ['product_quantity', quantity],
                    ],
                  ],
                ],
              ],
            ],
          ]),
        ],
      ]),
  };

  /** `YYYY-MM-DD:hh:mm:ss` on Paris clocks. */
  function parisDate(date: Date): string {
    const parts = Object.fromEntries(
      new Intl.DateTimeFormat('en-GB', {
        timeZone: 'Europe/Paris',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
        hourCycle: 'h23',
      })
        .formatToParts(date)
        .map((p) => [p.type, p.value]),
    );
    return `${parts.year}-${parts.month}-${parts.day}:${parts.hour}:${parts.minute}:${parts.second}`;
  }

  it('exports orders by date, by oID and with a status; accepts and ships', async () => {
    const oID = await newOrder({
      date_purchased: '2024-03-01 10:00:00',
      products: [{ products_reference: '98', products_qty: 1 }],
    });
    const byDate = await php.exportOrders(new Date(Date.UTC(2024, 2, 1, 8, 0, 0)));
    expect(byDate.code).toBe(1);
    expect(byDate.root.orders.order.map((o: { orders_id: string }) => o.orders_id)).toEqual([oID]);
    expect((await php.exportOrders(new Date(Date.UTC(2024, 2, 1, 10, 0, 0)))).root.orders).toBe('');
    expect((await php.exportOrders(undefined, oID)).root.orders.order[0].orders_id).toBe(oID);
    expect((await php.exportOrders(new Date(Date.UTC(2024, 0, 1)), undefined, 2)).root.orders).toBe('');
    expect((await php.majOrders(oID, 2)).code).toBe(1);
    expect(
      (await php.exportOrders(new Date(Date.UTC(2024, 0, 1)), undefined, 2)).root.orders.order,
    ).toHaveLength(1);
    expect((await php.majOrders(oID, 3, 'TRACK-98')).code).toBe(1);
    expect((await admin('GET', `/_sandbox/orders/${oID}`)).json).toMatchObject({
      orders_status_id: 3,
      tracking_number: 'TRACK-98',
    });
    expect((await php.majOrders(oID, 3, 'TRACK-98')).code).toBe(-9);
  });

  it('exports returns by Unix date, oID, rID and status; accepts one with a label link, another with a label file', async () => {
    const oID = await newOrder({ products: [{ products_reference: '98', products_qty: 2 }] });
    const created = async () =>
      (
        await admin('POST', '/_sandbox/returns', {
          partenaire: KEY,
          return: { order: oID, return_date: '2024-03-10 10:00:00' },
        })
      ).json.return_id as string;
    const [linked, uploaded] = [await created(), await created()];
    expect((await php.exportReturns(new Date(Date.UTC(2024, 2, 5)))).root.returns.return).toHaveLength(2);
    expect((await php.exportReturns(undefined, oID)).root.returns.return).toHaveLength(2);
    expect((await php.exportReturns(undefined, undefined, linked)).root.returns.return[0].return_id).toBe(
      linked,
    );
    expect((await php.exportReturns(undefined, oID, undefined, 4)).root.returns).toBe('');

    expect((await php.majReturns(linked, 4, 'https://labels.example/98.pdf')).code).toBe(1);
    expect((await admin('GET', `/_sandbox/returns/${linked}`)).json).toMatchObject({
      return_status: 4,
      label_link: 'https://labels.example/98.pdf',
    });
    const bytes = Buffer.concat([
      Buffer.from('%PDF-1.4\n'),
      Buffer.from([0, 1, 2, 255, 13, 10, 45, 45]),
      Buffer.from('\n%%EOF\n'),
    ]);
    const label: CurlFile = { path: '/tmp/label-98.pdf', mime: 'application/pdf', bytes };
    // array_filter drops the null status: the label alone, then the status alone.
    expect((await php.majReturns(uploaded, undefined, undefined, label)).code).toBe(1);
    expect((await php.majReturns(uploaded, 4)).code).toBe(1);
    const held = (await admin('GET', `/_sandbox/returns/${uploaded}`)).json;
    expect(held).toMatchObject({
      return_status: 4,
      label_file: { filename: 'label-98.pdf', content_type: 'application/pdf', size: bytes.length },
    });
    expect(held.label_file.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
  });

  it('sets one size, quantity 0 included', async () => {
    expect((await php.majStock('98', '98_38', 3)).code).toBe(1);
    expect((await php.majStock('98', '98_38', 0)).code).toBe(1);
    expect((await admin('GET', `/_sandbox/stock?partenaire=${KEY}`)).json).toEqual([
      { reference_partenaire: '98', size_reference: '98_38', quantity: 0 },
    ]);
  });

  it('sets a batch without the <products> wrapper; reports the size it sent without quantity and the product without sizes', async () => {
    const answer = await php.majStockBatch([
      {
        reference: '98',
        sizes: [
          { quantity: 4, reference: '98_38' },
          { quantity: 0, reference: '98_39' },
        ],
      },
      { reference: '99', quantity: 5, sizes: [] },
    ]);
    expect(answer.code).toBe(1);
    expect(
      answer.root.products.product.map((p: Record<string, string>) => [
        p.reference_partenaire,
        p.size_reference,
        p.errors,
      ]),
    ).toEqual([
      ['98', '98_38', '1'],
      ['98', '98_39', '-16'],
      ['99', '', '-13'],
    ]);
    expect((await admin('GET', `/_sandbox/stock?partenaire=${KEY}`)).json).toEqual([
      { reference_partenaire: '98', size_reference: '98_38', quantity: 4 },
    ]);
  });

  it('gets a delivery slip once the order is accepted', async () => {
    const oID = await newOrder({ products: [{ products_reference: '98', products_qty: 2 }] });
    expect((await php.exportBL(oID, '98', 1)).code).toBe(-7);
    expect((await php.majOrders(oID, 2)).code).toBe(1);
    const slip = await php.exportBL(oID, '98', 2);
    expect(slip.code).toBe(1);
    const pdf = Buffer.from(String(slip.root.pdf), 'base64');
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.toString('latin1')).toContain(oID);
  });
});
