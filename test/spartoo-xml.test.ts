import { readFileSync } from 'node:fs';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { isRetryable, SpartooError, SpartooTransportError } from '../spartoo/errors';
import {
  formatAmount,
  formatOrdersExportDate,
  formatReturnsExportDate,
  formatSpartooDateTime,
  spartooDateToIso,
  toCents,
} from '../spartoo/values';
import {
  buildStockBatchXml,
  parseAcknowledgementXml,
  parseOrdersXml,
  parseReturnsXml,
  parseStockBatchXml,
} from '../spartoo/xml';

const fixture = (name: string) =>
  readFileSync(new URL(`./fixtures/spartoo/${name}`, import.meta.url), 'utf8');

/** The orders of an answer that must hold nothing unreadable. */
function readOrders(body: string) {
  const { orders, unreadable } = parseOrdersXml(body);
  expect(unreadable).toEqual([]);
  return orders;
}

function readReturns(body: string) {
  const { returns, unreadable } = parseReturnsXml(body);
  expect(unreadable).toEqual([]);
  return returns;
}

/** The error a call throws, for assertions on its fields. */
function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}

describe('amounts to cents', () => {
  it.each([
    ['49.90', 4990],
    ['49,9', 4990],
    ['49,90', 4990],
    ['120', 12000],
    ['0.29', 29],
    ['0.1', 10],
    ['.5', 50],
    ['7.', 700],
    [' 19.99 ', 1999],
    ['1 234,56', 123456],
    ['1\u00a0234,56', 123456],
    ['-3.5', -350],
    ['+2.00', 200],
    ['0.00', 0],
    ['-0.00', 0],
    ['49.995', 5000],
    ['49.994', 4999],
    ['1.005', 101],
    ['123456789.99', 12345678999],
  ])('%s → %i', (text, cents) => {
    expect(toCents(text)).toBe(cents);
  });

  it.each(['', ' ', 'abc', '12.3.4', '1,234.56', '€12', '12 EUR', '-', '.', '1e3'])(
    'rejects "%s"',
    (text) => {
      expect(() => toCents(text)).toThrow(RangeError);
    },
  );

  it('writes cents back as Spartoo amounts', () => {
    expect(formatAmount(4990)).toBe('49.90');
    expect(formatAmount(5)).toBe('0.05');
    expect(formatAmount(12000)).toBe('120.00');
    expect(formatAmount(-350)).toBe('-3.50');
  });
});

describe('dates', () => {
  it('reads Spartoo date-times as Paris wall-clock time: CET in winter, CEST in summer', () => {
    expect(spartooDateToIso('2024-03-01 10:15:30')).toBe('2024-03-01T09:15:30.000Z');
    expect(spartooDateToIso('2024-03-01:10:15:30')).toBe('2024-03-01T09:15:30.000Z');
    expect(spartooDateToIso('2024-03-01T10:15:30')).toBe('2024-03-01T09:15:30.000Z');
    expect(spartooDateToIso('2026-01-15 12:00:00')).toBe('2026-01-15T11:00:00.000Z');
    expect(spartooDateToIso('2026-07-01 12:00:00')).toBe('2026-07-01T10:00:00.000Z');
    expect(spartooDateToIso('2026-12-31 23:30:00')).toBe('2026-12-31T22:30:00.000Z');
    // A bare day is midnight in Paris.
    expect(spartooDateToIso('2024-03-01')).toBe('2024-02-29T23:00:00.000Z');
  });

  it('keeps an explicit offset, Z or Unix seconds as the instant they say', () => {
    expect(spartooDateToIso('2024-03-01T12:00:00+02:00')).toBe('2024-03-01T10:00:00.000Z');
    expect(spartooDateToIso('2024-07-01T12:00:00Z')).toBe('2024-07-01T12:00:00.000Z');
    expect(spartooDateToIso('2024-07-01 12:00:00-0130')).toBe('2024-07-01T13:30:00.000Z');
    expect(spartooDateToIso('1710172800')).toBe('2024-03-11T16:00:00.000Z');
  });

  it('reads the wall times of the daylight-saving changes sensibly', () => {
    // Spring forward, 2026-03-29: 02:00 CET jumps to 03:00 CEST (01:00 UTC).
    expect(spartooDateToIso('2026-03-29 01:59:59')).toBe('2026-03-29T00:59:59.000Z');
    // A time the clocks skip is the instant just after the gap, so it never reads before a later time.
    expect(spartooDateToIso('2026-03-29 02:00:00')).toBe('2026-03-29T01:00:00.000Z');
    expect(spartooDateToIso('2026-03-29 02:30:00')).toBe('2026-03-29T01:00:00.000Z');
    expect(spartooDateToIso('2026-03-29 03:00:00')).toBe('2026-03-29T01:00:00.000Z');
    expect(spartooDateToIso('2026-03-29 03:00:01')).toBe('2026-03-29T01:00:01.000Z');
    // Fall back, 2026-10-25: 03:00 CEST goes back to 02:00 CET (01:00 UTC); 02:30 happens twice.
    expect(spartooDateToIso('2026-10-25 01:59:59')).toBe('2026-10-24T23:59:59.000Z');
    expect(spartooDateToIso('2026-10-25 02:30:00')).toBe('2026-10-25T00:30:00.000Z');
    expect(spartooDateToIso('2026-10-25 03:00:00')).toBe('2026-10-25T02:00:00.000Z');
  });

  it('reads no date as empty', () => {
    expect(spartooDateToIso('')).toBe('');
    expect(spartooDateToIso('0000-00-00 00:00:00')).toBe('');
  });

  it.each(['2024-02-30 10:00:00', '2024-13-01 00:00:00', '2024-03-01 25:00:00', 'yesterday', '01/03/2024'])(
    'rejects %s',
    (text) => {
      expect(() => spartooDateToIso(text)).toThrow(RangeError);
    },
  );

  it('formats the export dates of each script: Paris wall-clock time for orders, Unix seconds for returns', () => {
    const winter = new Date('2024-03-01T09:05:07.900Z');
    expect(formatOrdersExportDate(winter)).toBe('2024-03-01:10:05:07');
    expect(formatSpartooDateTime(winter)).toBe('2024-03-01 10:05:07');
    expect(formatReturnsExportDate(winter)).toBe('1709283907');
    const summer = new Date('2024-07-01T22:30:00Z');
    expect(formatOrdersExportDate(summer)).toBe('2024-07-02:00:30:00');
    expect(formatSpartooDateTime(summer)).toBe('2024-07-02 00:30:00');
  });

  it('formats the instants around the daylight-saving changes as Paris clocks showed them', () => {
    expect(formatSpartooDateTime(new Date('2026-03-29T00:59:59Z'))).toBe('2026-03-29 01:59:59');
    expect(formatSpartooDateTime(new Date('2026-03-29T01:00:00Z'))).toBe('2026-03-29 03:00:00');
    // Both 02:30 of 2026-10-25; the second reads back as the first, which as a lower bound is safe.
    expect(formatSpartooDateTime(new Date('2026-10-25T00:30:00Z'))).toBe('2026-10-25 02:30:00');
    expect(formatSpartooDateTime(new Date('2026-10-25T01:30:00Z'))).toBe('2026-10-25 02:30:00');
    expect(formatOrdersExportDate(new Date('2026-10-25T01:30:00Z'))).toBe('2026-10-25:02:30:00');
  });

  it('round-trips every instant of a year through Spartoo’s format, but the repeated autumn hour', () => {
    const wrong: string[] = [];
    for (let t = Date.UTC(2026, 0, 1); t < Date.UTC(2027, 0, 1); t += 7 * 60_000 + 13_000) {
      const back = Date.parse(spartooDateToIso(formatSpartooDateTime(new Date(t))));
      const repeated = t >= Date.UTC(2026, 9, 25, 1) && t < Date.UTC(2026, 9, 25, 2);
      if (back !== (repeated ? t - 3_600_000 : t)) wrong.push(new Date(t).toISOString());
    }
    expect(wrong).toEqual([]);
  });
});

describe('xml_export_orders.php answers', () => {
  it('reads one order with every field', () => {
    const orders = readOrders(fixture('order-single.xml'));
    expect(orders).toEqual([
      {
        ordersId: '3FF75E96C3434E92',
        customers: {
          firstname: 'Hélène',
          lastname: 'Lefèvre',
          company: 'Chaussures & Co',
          streetAddress: '12 rue de la République',
          suburb: 'Bâtiment B',
          city: 'Bourg-en-Bresse',
          postcode: '01000',
          state: 'Auvergne-Rhône-Alpes',
          country: 'France',
          email: 'helene.lefevre@example.fr',
          telephone: '0612345678',
        },
        delivery: {
          firstname: 'Hélène',
          lastname: 'Lefèvre',
          company: '',
          streetAddress: '4 allée des Tilleuls',
          suburb: '',
          city: 'Lyon',
          postcode: '69003',
          state: 'Auvergne-Rhône-Alpes',
          country: 'France',
        },
        paymentMethod: 'Carte Bancaire',
        paymentPriceCents: 0,
        shippingPriceCents: 490,
        shippingName: 'Colissimo',
        orderTotalCents: 10470,
        ordersStatusId: 11,
        ordersStatusName: 'Commande Vérifiée',
        // 10:15:30 in Paris, winter time (UTC+1).
        datePurchased: '2024-03-01T09:15:30.000Z',
        lastModified: '2024-03-01T09:20:00.000Z',
        products: [
          {
            productsReference: 'KIC-10001',
            productsName: 'Baskets Kickers',
            productsQty: 2,
            productsSpartoo: '4567890',
            productsManufacturers: 'Kickers',
            productsSize: '38',
            productsSizeReference: 'KIC-10001-38',
            productsColor: 'Bleu marine',
            priceUnitCents: 5990,
            priceUnitWithReduceCents: 4990,
            finalPriceCents: 9980,
          },
        ],
        errors: [],
      },
    ]);
  });

  it('reads many orders, each with one or many lines, in document order', () => {
    const orders = readOrders(fixture('orders-many.xml'));
    expect(orders.map((o) => o.ordersId)).toEqual([
      '0000000000000001',
      '0000000000000002',
      '0000000000000003',
    ]);
    expect(orders.map((o) => o.ordersStatusId)).toEqual([11, 2, 41]);
    expect(orders[0]!.products.map((p) => p.productsSizeReference)).toEqual(['GEO-1-39', 'GEO-2-39']);
    expect(orders[1]!.products).toHaveLength(1);
    // "45.5" and "120": amounts without two decimals are exact cents too.
    expect(orders[1]!.orderTotalCents).toBe(4550);
    expect(orders[2]!.orderTotalCents).toBe(12000);
    expect(orders[2]!.products[0]).toMatchObject({
      productsQty: 3,
      priceUnitCents: 4000,
      finalPriceCents: 12000,
    });
    expect(orders[2]!.datePurchased).toBe('2024-03-02T22:59:59.000Z');
  });

  it('reads a pick-up point delivery', () => {
    const [order] = readOrders(fixture('order-relay.xml'));
    expect(order!.shippingName).toBe('Mondial Relay');
    expect(order!.delivery.relayInfo).toEqual({
      relayId: '024356',
      relayType: 'MR',
      relayName: 'Tabac Presse du Centre',
      relayAddress: '2 place de la Mairie',
      relayCity: 'Rezé',
      relayPostcode: '44400',
      relayCountryIso: 'FR',
    });
    expect(order!.delivery.city).toBe('Nantes');
  });

  it('gives missing optional tags empty values, and derives what it safely can', () => {
    const [order] = readOrders(fixture('order-minimal.xml'));
    expect(order!.customers).toEqual({
      firstname: '',
      lastname: '',
      company: '',
      streetAddress: '',
      suburb: '',
      city: '',
      postcode: '',
      state: '',
      country: '',
      email: '',
      telephone: '',
    });
    expect(order!.delivery.firstname).toBe('');
    expect(order!.delivery.relayInfo).toBeUndefined();
    expect(order!.paymentMethod).toBe('');
    expect(order!.shippingName).toBe('');
    expect(order!.datePurchased).toBe('2024-03-01T09:00:00.000Z');
    expect(order!.lastModified).toBe('');
    expect(order!.errors).toEqual([]);
    const line = order!.products[0]!;
    expect(line.priceUnitCents).toBe(1050);
    expect(line.priceUnitWithReduceCents).toBeUndefined();
    expect(line.productsSizeReference).toBe('');
    // No line total: unit price paid times quantity; no order total: lines plus shipping and payment.
    expect(line.finalPriceCents).toBe(2100);
    expect(order!.orderTotalCents).toBe(2100);
    expect(order!.shippingPriceCents).toBe(0);
  });

  it('ignores unknown tags and attributes, and keeps per-order errors', () => {
    const [order] = readOrders(fixture('order-unknown-tags.xml'));
    expect(order!.ordersId).toBe('FEEDFACE00000042');
    expect(order!.customers.firstname).toBe('Sophie');
    expect(order!.orderTotalCents).toBe(123450);
    expect(order!.products[0]).toMatchObject({
      priceUnitCents: 123450,
      priceUnitWithReduceCents: 123450,
      finalPriceCents: 123450,
    });
    expect(order!.errors).toEqual([{ id: -20, description: 'size no longer valid' }]);
    expect(Object.keys(order!)).not.toContain('currency');
    expect(Object.keys(order!.products[0]!)).not.toContain('productsEan');
  });

  it('reads an empty list as no orders', () => {
    const none = { orders: [], unreadable: [] };
    expect(parseOrdersXml(fixture('orders-empty.xml'))).toEqual(none);
    expect(parseOrdersXml('<root><orders></orders><statut><id>1</id></statut></root>')).toEqual(none);
    expect(parseOrdersXml('<root><orders>\n  </orders></root>')).toEqual(none);
    expect(parseOrdersXml('<root><statut><id>1</id><description>OK</description></statut></root>')).toEqual(
      none,
    );
  });

  it('keeps ids and postcodes as text: no number parsing of leading zeros or long digits', () => {
    const xml = `<root><orders><order><orders_id>0012345678901234567</orders_id>
      <customers><customers_postcode>01000</customers_postcode><customers_telephone>0612345678</customers_telephone>
      </customers><orders_status_id>11</orders_status_id><date_purchased>2024-03-01 10:00:00</date_purchased>
      <products/></order></orders></root>`;
    const [order] = readOrders(xml);
    expect(order!.ordersId).toBe('0012345678901234567');
    expect(order!.customers.postcode).toBe('01000');
    expect(order!.customers.telephone).toBe('0612345678');
    expect(order!.products).toEqual([]);
  });

  it('decodes entities and CDATA text', () => {
    const xml = `<root><orders><order><orders_id>X1</orders_id><orders_status_id>2</orders_status_id>
      <date_purchased>2024-03-01 10:00:00</date_purchased><customers><customers_lastname>D&apos;Artagnan &amp; fils</customers_lastname>
      <customers_company><![CDATA[<Les "Pieds" & Co>]]></customers_company></customers>
      <products><product><products_qty>1</products_qty><products_price_unit>1</products_price_unit></product>
      </products></order></orders></root>`;
    const [order] = readOrders(xml);
    expect(order!.customers.lastname).toBe("D'Artagnan & fils");
    expect(order!.customers.company).toBe('<Les "Pieds" & Co>');
  });

  it('throws Spartoo’s code as a SpartooError with its description', () => {
    const err = thrown(() =>
      parseOrdersXml(
        '<root><statut><id>-2</id><description>Partenaire inconnu</description></statut></root>',
      ),
    );
    expect(err).toBeInstanceOf(SpartooError);
    expect(err).toMatchObject({
      code: -2,
      script: 'xml_export_orders.php',
      description: 'Partenaire inconnu',
      retryable: false,
    });
    const limited = thrown(() => parseOrdersXml('<root><orders/><statut><id>-429</id></statut></root>'));
    expect(limited).toMatchObject({
      code: -429,
      retryable: true,
      description: 'too many requests in the current hour',
    });
    expect(isRetryable(limited)).toBe(true);
  });

  it.each([
    ['an empty body', ''],
    ['plain text', 'Internal Server Error'],
    ['an HTML page', '<html><body><h1>502 Bad Gateway</h1></body></html>'],
    ['a truncated document', fixture('order-single.xml').slice(0, 900)],
    ['a PHP warning before the XML', `<br />\n<b>Warning</b>: oops<br />\n${fixture('orders-empty.xml')}`],
    ['mismatched tags', '<root><orders></order></root>'],
    ['an empty root', '<root/>'],
    ['a root without orders nor code', '<root><something>1</something></root>'],
    ['text where the list of orders should be', '<root><orders>none today</orders></root>'],
  ])('rejects %s as a retryable transport failure, never as data', (_label, body) => {
    const err = thrown(() => parseOrdersXml(body));
    expect(err).toBeInstanceOf(SpartooTransportError);
    expect((err as SpartooTransportError).retryable).toBe(true);
    expect(['invalid_xml', 'unexpected_shape']).toContain((err as SpartooTransportError).kind);
  });
});

/** A customer whose every value must stay out of an unreadable order's message. */
const CUSTOMER = {
  firstname: 'Gwendoline',
  lastname: 'Quatrefages',
  street: '17 impasse des Secrets',
  email: 'gwendoline.quatrefages@example.fr',
  phone: '0698765432',
};

function orderXml(
  id: string,
  {
    date = '2024-03-01 10:00:00',
    qty = '1',
    price = '<products_price_unit>49.90</products_price_unit>',
  } = {},
) {
  return `<order><orders_id>${id}</orders_id>
    <customers><customers_firstname>${CUSTOMER.firstname}</customers_firstname>
      <customers_lastname>${CUSTOMER.lastname}</customers_lastname>
      <customers_street_address>${CUSTOMER.street}</customers_street_address>
      <customers_email_address>${CUSTOMER.email}</customers_email_address>
      <customers_telephone>${CUSTOMER.phone}</customers_telephone></customers>
    <delivery><delivery_lastname>${CUSTOMER.lastname}</delivery_lastname>
      <delivery_street_address>${CUSTOMER.street}</delivery_street_address></delivery>
    <orders_status_id>11</orders_status_id><date_purchased>${date}</date_purchased>
    <products><product><products_reference>R1</products_reference><products_qty>${qty}</products_qty>${price}</product></products>
  </order>`;
}

const answer = (...orders: string[]) =>
  `<root><orders>${orders.join('')}</orders><statut><id>1</id><description>OK</description></statut></root>`;

function expectNoCustomerValue(text: string) {
  for (const value of Object.values(CUSTOMER)) expect(text).not.toContain(value);
}

describe('unreadable orders', () => {
  it('reads the good order of an export and reports each unreadable one apart, with its id and what is wrong', () => {
    const { orders, unreadable } = parseOrdersXml(
      answer(
        orderXml('NO-PRICE', { price: '' }),
        orderXml('GOOD'),
        orderXml('BAD-QTY', { qty: 'two' }),
        orderXml('NO-DATE', { date: '' }),
      ),
    );
    expect(orders.map((o) => o.ordersId)).toEqual(['GOOD']);
    expect(orders[0]!.customers.lastname).toBe(CUSTOMER.lastname);
    expect(unreadable).toEqual([
      {
        id: 'NO-PRICE',
        error:
          'order NO-PRICE: products.product.0.products_price_unit: a line needs products_price_unit or products_price_unit_with_reduce',
        datePurchased: '2024-03-01T09:00:00.000Z',
        statusId: 11,
      },
      {
        id: 'BAD-QTY',
        error: 'order BAD-QTY: products.product.0.products_qty: must be an integer',
        datePurchased: '2024-03-01T09:00:00.000Z',
        statusId: 11,
      },
      { id: 'NO-DATE', error: 'order NO-DATE: date_purchased: is required', statusId: 11 },
    ]);
    const reported = JSON.stringify(unreadable);
    expectNoCustomerValue(reported);
    expect(reported).not.toContain('two');
  });

  it.each([
    [
      'no orders_id',
      '<orders_status_id>2</orders_status_id><date_purchased>2024-03-01 10:00:00</date_purchased>',
      'order #1 of the answer: orders_id: is required',
    ],
    [
      'a status that is not a number',
      '<orders_id>A</orders_id><orders_status_id>x</orders_status_id><date_purchased>2024-03-01 10:00:00</date_purchased>',
      'order A: orders_status_id: must be an integer',
    ],
    [
      'no status',
      '<orders_id>A</orders_id><date_purchased>2024-03-01 10:00:00</date_purchased>',
      'order A: orders_status_id: is required',
    ],
    [
      'an amount that is not one',
      '<orders_id>A</orders_id><orders_status_id>2</orders_status_id><order_total>N/A</order_total><date_purchased>2024-03-01 10:00:00</date_purchased>',
      'order A: order_total: is not an amount',
    ],
    [
      'an impossible date',
      '<orders_id>A</orders_id><orders_status_id>2</orders_status_id><date_purchased>2024-02-31 10:00:00</date_purchased>',
      'order A: date_purchased: is not a date',
    ],
    [
      'MySQL’s zero date',
      '<orders_id>A</orders_id><orders_status_id>2</orders_status_id><date_purchased>0000-00-00 00:00:00</date_purchased>',
      'order A: date_purchased: is required',
    ],
    [
      'no date_purchased tag',
      '<orders_id>A</orders_id><orders_status_id>2</orders_status_id>',
      'order A: date_purchased: is required',
    ],
    [
      'tags where a value should be',
      `<orders_id>A</orders_id><orders_status_id>2</orders_status_id><date_purchased>2024-03-01 10:00:00</date_purchased><customers><customers_lastname><b>${CUSTOMER.lastname}</b></customers_lastname></customers>`,
      'order A: customers.customers_lastname: must be text, not nested tags',
    ],
  ])('reports an order with %s as unreadable, never as a transport failure', (_label, inner, error) => {
    const good = orderXml('GOOD');
    const { orders, unreadable } = parseOrdersXml(answer(`<order>${inner}</order>`, good));
    expect(orders.map((o) => o.ordersId)).toEqual(['GOOD']);
    expect(unreadable).toHaveLength(1);
    expect(unreadable[0]!.error).toBe(error);
    expectNoCustomerValue(unreadable[0]!.error);
  });

  it('names the first three faults of one order by their paths, and counts the others', () => {
    const { unreadable } = parseOrdersXml(
      answer(
        `<order><orders_id>A</orders_id><orders_status_id>x</orders_status_id><order_total>N/A</order_total>
        <products><product><products_qty>1.5</products_qty></product><product><products_qty>-</products_qty></product></products></order>`,
      ),
    );
    expect(unreadable).toEqual([
      {
        id: 'A',
        error:
          'order A: order_total: is not an amount; orders_status_id: must be an integer; date_purchased: is required; and 2 more',
      },
    ]);
  });
});

describe('xml_export_returns.php answers', () => {
  it('reads returns, with a Unix timestamp date, an empty product and unknown tags', () => {
    const returns = readReturns(fixture('returns-many.xml'));
    expect(returns).toEqual([
      {
        returnId: '1000001',
        returnDate: '2024-03-10T13:00:00.000Z',
        returnStatus: 2,
        returnStatusName: 'En attente de réception',
        returnReason: 'Taille trop petite',
        orderId: '3FF75E96C3434E92',
        product: {
          productsReference: 'KIC-10001',
          productsName: 'Baskets Kickers',
          productsSpartoo: '4567890',
          productsManufacturers: 'Kickers',
          productsSize: '38',
          productsColor: 'Bleu marine',
        },
      },
      {
        returnId: '1000002',
        returnDate: '2024-03-11T16:00:00.000Z',
        returnStatus: 4,
        returnStatusName: '',
        returnReason: 'Article défectueux',
        orderId: 'A1B2C3D4E5F60718',
        product: {
          productsReference: '',
          productsName: '',
          productsSpartoo: '',
          productsManufacturers: '',
          productsSize: '',
          productsColor: '',
        },
      },
    ]);
  });

  it('reads one return as a list of one, and <returns/> as none', () => {
    const one = `<root><returns><return><return_id>7</return_id><return_status>3</return_status>
      <return_date>1710172800</return_date><order>O1</order></return></returns><statut><id>1</id></statut></root>`;
    expect(readReturns(one).map((r) => [r.returnId, r.returnStatus, r.orderId])).toEqual([['7', 3, 'O1']]);
    expect(parseReturnsXml('<root><returns/><statut><id>1</id></statut></root>')).toEqual({
      returns: [],
      unreadable: [],
    });
  });

  it('throws -6 as not found', () => {
    const err = thrown(() =>
      parseReturnsXml('<root><statut><id>-6</id><description>not found</description></statut></root>'),
    );
    expect(err).toMatchObject({ code: -6, script: 'xml_export_returns.php', alreadyDone: false });
  });

  it('reads the good returns and reports the unreadable ones apart', () => {
    const ret = (id: string, date: string, status: string) =>
      `<return><return_id>${id}</return_id><return_date>${date}</return_date><return_status>${status}</return_status>
        <return_reason>Taille trop petite</return_reason><order>O1</order></return>`;
    const { returns, unreadable } = parseReturnsXml(
      `<root><returns>${ret('NO-DATE', '', '2')}${ret('GOOD', '2024-07-01 10:00:00', '2')}${ret('BAD-STATUS', '2024-07-02 10:00:00', 'deux')}</returns><statut><id>1</id></statut></root>`,
    );
    expect(returns.map((r) => [r.returnId, r.returnDate])).toEqual([['GOOD', '2024-07-01T08:00:00.000Z']]);
    expect(unreadable).toEqual([
      { id: 'NO-DATE', error: 'return NO-DATE: return_date: is required', statusId: 2 },
      {
        id: 'BAD-STATUS',
        error: 'return BAD-STATUS: return_status: must be an integer',
        datePurchased: '2024-07-02T08:00:00.000Z',
      },
    ]);
    expect(JSON.stringify(unreadable)).not.toContain('deux');
  });
});

describe('answers to changes', () => {
  const statut = (code: number) =>
    `<root><orders><order><oID>A</oID><statut>2</statut><errors/></order></orders><statut><id>${code}</id><description>d</description></statut></root>`;

  it('reads OK, and -9 / -18 as already done', () => {
    expect(parseAcknowledgementXml(statut(1), 'xml_maj_orders.php')).toEqual({ alreadyDone: false });
    expect(parseAcknowledgementXml(statut(-9), 'xml_maj_orders.php')).toEqual({ alreadyDone: true });
    expect(parseAcknowledgementXml('<root><errors>1</errors></root>', 'xml_maj_stock.php')).toEqual({
      alreadyDone: false,
    });
    expect(parseAcknowledgementXml('<root><errors>-18</errors></root>', 'xml_maj_stock.php')).toEqual({
      alreadyDone: true,
    });
  });

  it('throws other codes, permanent unless -429', () => {
    const illegal = thrown(() => parseAcknowledgementXml(statut(-7), 'xml_maj_orders.php'));
    expect(illegal).toMatchObject({ code: -7, description: 'd', retryable: false, alreadyDone: false });
    expect(isRetryable(illegal)).toBe(false);
    const bare = thrown(() =>
      parseAcknowledgementXml('<root><errors>-16</errors></root>', 'xml_maj_stock.php'),
    );
    expect(bare).toMatchObject({ code: -16, description: 'stock cannot be set to that quantity' });
    const quota = thrown(() =>
      parseAcknowledgementXml('<root><errors>-429</errors></root>', 'xml_maj_stock.php'),
    );
    expect(isRetryable(quota)).toBe(true);
  });

  it('uses an item’s error when the root has no code', () => {
    const xml =
      '<root><orders><order><oID>A</oID><errors><error><id>-7</id><description>chronologie</description></error></errors></order></orders></root>';
    expect(thrown(() => parseAcknowledgementXml(xml, 'xml_maj_orders.php'))).toMatchObject({
      code: -7,
      description: 'chronologie',
    });
  });

  it('does not take an answer without any code for a success', () => {
    const err = thrown(() => parseAcknowledgementXml('<root><orders/></root>', 'xml_maj_orders.php'));
    expect(err).toBeInstanceOf(SpartooTransportError);
  });
});

describe('xml_maj_stock_batch.php', () => {
  it('builds the catalogue grouped per reference_partenaire, free text in CDATA', () => {
    const xml = buildStockBatchXml([
      { referencePartenaire: 'R1', sizeReference: 'R1-42', quantity: 3 },
      { referencePartenaire: 'R2 & <co>', sizeReference: 'odd]]>ref', quantity: 0 },
      { referencePartenaire: 'R1', sizeReference: 'R1-43', quantity: 10 },
    ]);
    expect(xml).toContain('<reference_partenaire><![CDATA[R1]]></reference_partenaire>');
    expect(xml).toContain('<![CDATA[R2 & <co>]]>');
    const doc = new XMLParser({
      parseTagValue: false,
      isArray: (_n, path) =>
        ['catalogue.products.product', 'catalogue.products.product.size_list.size'].includes(String(path)),
    }).parse(xml);
    expect(doc.catalogue.products.product).toEqual([
      {
        reference_partenaire: 'R1',
        size_list: {
          size: [
            { size_reference: 'R1-42', size_quantity: '3' },
            { size_reference: 'R1-43', size_quantity: '10' },
          ],
        },
      },
      {
        reference_partenaire: 'R2 & <co>',
        size_list: { size: [{ size_reference: 'odd]]>ref', size_quantity: '0' }] },
      },
    ]);
  });

  it('reads every size’s code from the answer', () => {
    const xml = `<root><errors>1</errors><products>
      <product><reference_partenaire>R1</reference_partenaire><size_reference>R1-42</size_reference><errors>1</errors></product>
      <product><reference_partenaire>R1</reference_partenaire><size_reference>R1-43</size_reference><errors>-18</errors></product>
      <product><reference_partenaire>R2</reference_partenaire><size_reference>R2-1</size_reference><errors>-16</errors></product>
    </products></root>`;
    expect(parseStockBatchXml(xml)).toEqual([
      { referencePartenaire: 'R1', sizeReference: 'R1-42', code: 1, message: 'no error' },
      { referencePartenaire: 'R1', sizeReference: 'R1-43', code: -18, message: 'stock unchanged' },
      {
        referencePartenaire: 'R2',
        sizeReference: 'R2-1',
        code: -16,
        message: 'stock cannot be set to that quantity',
      },
    ]);
  });

  it('throws a whole-request error', () => {
    expect(thrown(() => parseStockBatchXml('<root><errors>-15</errors></root>'))).toMatchObject({
      code: -15,
    });
  });
});
