import { randomUUID } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ATTENTION_ORDER_STATUSES, ORDER_STATUSES } from '../domain/statuses';
import type { SpartooOrder } from '../spartoo/types';
import { launchBrowser, screenshot, watchErrors } from './support/browser';
import { type Sandbox, startSandbox } from './support/sandbox';
import { startTestStack, type TestStack } from './support/stack';
import { waitFor } from './support/wait';

/**
 * The dashboard walked as a merchant would, in Debian's Chromium: sign in, add a connection (an
 * invalid threshold first), synchronize, accept a waiting order, ship it from the store, follow the
 * link to the Temporal UI; then every order status, an unreadable order and a lost parcel.
 * Screenshots of the main screens land in test-artifacts/dashboard/.
 */
describe('dashboard', () => {
  let stack: TestStack;
  let sandbox: Sandbox;
  let browser: Browser;
  let baseUrl: string;
  const contexts: BrowserContext[] = [];
  const partenaire = `P-${randomUUID().slice(0, 8)}`;
  /** Requests the tests provoke on purpose (wrong token, invalid settings) log a console error. */
  const expectedFailures = [/status of (400|401)/];

  beforeAll(async () => {
    browser = await launchBrowser(); // first: without Chromium, fail at once and say why
    [stack, sandbox] = await Promise.all([startTestStack(), startSandbox()]);
    await stack.store.upsertProducts([
      {
        id: 'SNEAKER-42',
        sku: 'SNK-42',
        name: 'Sneaker Azur 42',
        stock: 12,
        priceFinalInclTaxCents: 5990,
        priceOriginalInclTaxCents: 7490,
      },
      {
        id: 'SNEAKER-43',
        sku: 'SNK-43',
        name: 'Sneaker Azur 43',
        stock: 0,
        priceFinalInclTaxCents: 5990,
        priceOriginalInclTaxCents: 7490,
      },
    ]);
    baseUrl = await stack.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close();
    await stack?.close();
    await sandbox?.close();
  });

  async function newPage(viewport = { width: 1280, height: 860 }): Promise<{ page: Page; errors: string[] }> {
    const context = await browser.newContext({ viewport, locale: 'en-GB', timezoneId: 'Europe/Paris' });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    return { page, errors: watchErrors(page, expectedFailures) };
  }

  async function signIn(page: Page) {
    await page.goto(baseUrl);
    await page.getByLabel('API token').fill(stack.apiToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Connections', level: 1 }).waitFor();
  }

  /** A browser assertion that holds once the page has caught up (the dashboard polls every 2 s). */
  const eventually = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 20_000, interval: 100 });

  const sneakerLine = (price: string, qty = 1) => ({
    products_reference: 'SNEAKER',
    products_size_reference: 'SNEAKER-42',
    products_name: 'Sneaker Azur 42',
    products_qty: String(qty),
    products_price_unit: price,
    products_price_unit_with_reduce: price,
  });

  let connectionId = '';
  let orderId = '';

  it('serves its pages and assets without a token, while the API still wants one', async () => {
    for (const [url, type] of [
      ['/', 'text/html'],
      ['/assets/app.js', 'javascript'],
      ['/assets/views/order.js', 'javascript'],
      ['/assets/app.css', 'text/css'],
    ] as const) {
      const res = await fetch(`${baseUrl}${url}`);
      expect(res.status, url).toBe(200);
      expect(res.headers.get('content-type'), url).toContain(type);
    }
    expect((await fetch(`${baseUrl}/connections`)).status).toBe(401);
  });

  it('walks the demo: sign in, add a connection, synchronize, accept, ship, see SHIPPED, open the Temporal UI', async () => {
    const { page, errors } = await newPage();

    // Sign in: a wrong token is refused, the right one opens the connections grid.
    await page.goto(baseUrl);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByLabel('API token').fill('not-the-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await eventually(() => page.locator('#token-error').textContent()).toContain('not accepted');
    await screenshot(page, '01-sign-in');
    await page.getByLabel('API token').fill(stack.apiToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('No connection yet').waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('spartoo-sync.token'))).toBe(stack.apiToken);

    // Add Connection: every setting with the seed's labels and defaults.
    await page.getByRole('link', { name: 'Add Connection' }).first().click();
    await page.getByRole('heading', { name: 'Add Connection' }).waitFor();
    const defaults = {
      'Activate Order Synchronization': 'true',
      'Order Synchronization Level': 'ORDERS_AND_STOCK',
      'Accept Orders Automatically': 'false',
      'Price Attribute': 'PRICE_FINAL_INCL_TAX',
      Threshold: '0.97',
      'Use Billing Address For Shipping': 'false',
      'Product Identification Attribute': 'id',
      'Sync Orders Created From Date': '',
      'Default Shipping Service': 'Colissimo',
    };
    for (const [label, value] of Object.entries(defaults)) {
      expect(await page.getByLabel(label, { exact: true }).inputValue(), label).toBe(value);
    }
    await eventually(() => page.getByText('We recommend 0.97').count()).toBe(1);
    expect(await page.getByLabel('API key').getAttribute('type')).toBe('password');

    await page.getByLabel('Name', { exact: true }).fill('Spartoo France');
    await page.getByLabel('API key').fill(partenaire);
    await page.getByLabel('Custom webservice URL').fill(sandbox.baseUrl);
    await page.getByLabel('Accept Orders Automatically').selectOption('true');
    await page.getByLabel('Threshold', { exact: true }).fill('12');
    await page.getByRole('button', { name: 'Add Connection' }).click();
    const thresholdError = page.locator('#f-autoAcceptThreshold-error');
    await thresholdError.waitFor();
    expect(await thresholdError.textContent()).toMatch(/at most 10/);
    expect(await page.getByLabel('Threshold', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByRole('alert').first().textContent()).toContain('nothing was saved');
    expect((await stack.connections.list()).length).toBe(0);
    await screenshot(page, '02-add-connection-invalid-threshold');

    await page.getByLabel('Threshold', { exact: true }).fill('0.97');
    await page.getByRole('button', { name: 'Add Connection' }).click();
    await page.getByRole('heading', { name: 'Spartoo France', level: 1 }).waitFor();
    connectionId = decodeURIComponent(/#\/connections\/([^?]+)/.exec(page.url())![1]!);
    const saved = await stack.connections.get(connectionId);
    expect(saved?.settings).toMatchObject({
      autoAccept: true,
      autoAcceptThreshold: 0.97,
      baseUrl: sandbox.baseUrl,
    });
    expect(await page.locator('#cycles').textContent()).toContain(`••••${partenaire.slice(-4)}`);

    // The workflow's first poll runs at once; the order created after it is found by Synchronize Orders.
    await waitFor(
      () => stack.connections.get(connectionId),
      (c) => c?.lastPoll != null,
    );
    // 49.00 is below 0.97 × 59.90 = 58.11: the rule leaves it to the merchant.
    orderId = await sandbox.createOrder(partenaire, {
      products: [sneakerLine('49.00')],
      customers: { customers_firstname: 'Camille', customers_lastname: 'Durand' },
    });
    await page.getByRole('button', { name: 'Synchronize Orders' }).click();
    const syncResult = page.locator('#sync-result');
    await eventually(() => syncResult.textContent()).toMatch(/Synchronized: 1 order found, 1 started/);
    await eventually(() => page.locator('#last-poll').textContent()).toContain('OK');
    await page.getByRole('button', { name: 'Push stock now' }).click();
    await eventually(() => syncResult.textContent()).toMatch(/Stock pushed: \d+ sizes? sent, 0 errors/);
    await screenshot(page, '03-connection');

    // Orders Configuration: edit and save.
    await page.getByLabel('Threshold', { exact: true }).fill('0,95');
    const carriers = page.getByRole('group', { name: 'Carrier mapping' });
    await carriers.getByRole('button', { name: 'Add a mapping' }).click();
    await carriers.getByLabel('Store carrier').fill('My Courier');
    await carriers.getByLabel('Spartoo service').selectOption('GLS');
    await page.getByRole('button', { name: 'Save' }).click();
    await eventually(() => page.locator('#form-notice').textContent()).toContain('Saved');
    expect((await stack.connections.get(connectionId))?.settings).toMatchObject({
      autoAcceptThreshold: 0.95,
      shippingServiceMap: { 'My Courier': 'GLS' },
    });

    // The orders grid shows it waiting; the Attention view counts it.
    await page.locator('#nav').getByRole('link', { name: 'Orders', exact: true }).click();
    const row = page.locator('#orders tbody tr', { hasText: orderId });
    await row.locator('[data-status="WAITING_ACCEPTANCE"]').waitFor();
    expect(await row.textContent()).toContain('Camille Durand');
    await screenshot(page, '04-orders');
    await page
      .getByRole('link', { name: /^Attention/ })
      .first()
      .click();
    await eventually(() => page.locator('#count-WAITING_ACCEPTANCE .counter-value').textContent()).toBe('1');
    await eventually(() => page.locator('#attention-count').textContent()).toBe('1');
    await screenshot(page, '05-attention');

    // Order details: the decision with the failed line's reason and numbers; accept it.
    await page.getByRole('link', { name: orderId }).click();
    await page.getByRole('heading', { name: `Order ${orderId}` }).waitFor();
    const reasons = page.locator('#reasons');
    await reasons.waitFor();
    const reasonText = await reasons.textContent();
    expect(reasonText).toContain('PRICE_BELOW_THRESHOLD');
    expect(reasonText).toMatch(/49\.00/);
    expect(reasonText).toMatch(/59\.90/);
    await screenshot(page, '06-order-waiting');
    await page.getByRole('button', { name: 'Accept', exact: true }).click();
    await eventually(() => page.locator('#action-result').textContent()).toContain('Accepted on Spartoo');
    await page.locator('#order-status [data-status="AWAITING_SHIPMENT"]').waitFor();
    expect(await page.getByRole('button', { name: 'Accept', exact: true }).count()).toBe(0);
    await page.getByRole('tab', { name: 'Address' }).click();
    expect(await page.locator('#billing-address').textContent()).toContain('Camille Durand');
    await screenshot(page, '07-order-address');
    // Keyboard: arrows move between tabs.
    await page.getByRole('tab', { name: 'Address' }).press('ArrowRight');
    expect(await page.getByRole('tab', { name: 'Items' }).getAttribute('aria-selected')).toBe('true');
    expect(await page.locator('#items').textContent()).toContain('Sneaker Azur 42');
    await page.getByRole('tab', { name: 'Communications log' }).click();
    expect(await page.locator('#log').textContent()).toContain('→ Spartoo');
    await screenshot(page, '08-order-log');
    await page.getByRole('tab', { name: 'RMA' }).click();
    await page.getByText('No return for this order.').waitFor();

    // The store plays the merchant's shop: ship the imported order.
    await page.locator('#nav').getByRole('link', { name: 'Store', exact: true }).click();
    const storeRow = page.locator('#store-orders tbody tr', { hasText: orderId });
    await storeRow.waitFor();
    await storeRow.getByLabel('Carrier').fill('Colissimo');
    await storeRow.getByLabel('Tracking number').fill('6A12345678901');
    await screenshot(page, '09-store');
    await storeRow.getByRole('button', { name: 'Ship' }).click();
    await eventually(() => page.locator('#store-result').textContent()).toContain('shipped with Colissimo');
    await page.locator('#products tbody tr', { hasText: 'SNEAKER-42' }).waitFor();
    await page.getByLabel('Search products').fill('43');
    await eventually(() => page.locator('#products tbody tr').count()).toBe(1);

    // Back on the order: it reaches SHIPPED without a reload.
    await page.goBack();
    await page.getByRole('heading', { name: `Order ${orderId}` }).waitFor();
    await page.locator('#order-status [data-status="SHIPPED"]').waitFor({ timeout: 30_000 });
    await page.getByRole('tab', { name: 'Shipments' }).click();
    expect(await page.locator('#shipments').textContent()).toContain('6A12345678901');
    expect(await sandbox.order(orderId)).toMatchObject({
      orders_status_id: 3,
      tracking_number: '6A12345678901',
    });
    await screenshot(page, '10-order-shipped');

    // The workflow's history in the Temporal UI answers.
    const link = page.locator('#workflow-link');
    const href = (await link.getAttribute('href'))!;
    expect(href.startsWith(inject('temporalUiUrl'))).toBe(true);
    const answered = page.context().waitForEvent('response', { predicate: (r) => r.url() === href });
    const [popup] = await Promise.all([page.waitForEvent('popup'), link.click()]);
    const status = (await answered).status();
    expect(status).toBe(200);
    // The UI is a single-page app: wait for it to show the workflow before the screenshot.
    await popup.getByText(orderId).first().waitFor({ timeout: 15_000 });
    await screenshot(popup, '11-temporal-ui');

    expect(errors).toEqual([]);
  }, 240_000);

  it('shows untrusted data as text, and is usable on a phone', async () => {
    expect(connectionId, 'the walk-through created the connection').not.toBe('');
    const evil = '<img src=x onerror="window.__pwned=1">';
    const evilOrder = await sandbox.createOrder(partenaire, {
      products: [sneakerLine('59.90')],
      customers: { customers_firstname: evil, customers_lastname: '<b>Bold</b>' },
    });
    const sync = await stack.app.inject({
      method: 'POST',
      url: `/connections/${connectionId}/sync`,
      headers: stack.auth,
    });
    expect(sync.statusCode).toBe(200);

    const { page, errors } = await newPage({ width: 390, height: 844 });
    await signIn(page);
    await screenshot(page, '12-phone-connections');
    await page.goto(`${baseUrl}/#/orders/${connectionId}/${evilOrder}`);
    await page.getByRole('heading', { name: `Order ${evilOrder}` }).waitFor();
    await page.locator('#order-status [data-status]').waitFor();
    expect(await page.locator('#order-summary').textContent()).toContain(evil);
    expect(await page.locator('main img, main b').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(page, '13-phone-order');
    await page.locator('#nav').getByRole('link', { name: 'Orders', exact: true }).click();
    await page.locator('#orders tbody tr', { hasText: evilOrder }).waitFor();
    await screenshot(page, '14-phone-orders');
    await page.locator('#nav').getByRole('link', { name: 'Store', exact: true }).click();
    await page.locator('#store-orders tbody tr', { hasText: evilOrder }).getByLabel('Carrier').waitFor();
    expect(
      await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth),
    ).toBeLessThanOrEqual(0);
    await screenshot(page, '15-phone-store');

    // Sign out forgets the token; the API's 401 sends an expired session back to sign-in.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('spartoo-sync.token'))).toBeNull();
    await page.evaluate(() => sessionStorage.setItem('spartoo-sync.token', 'stale-token'));
    await page.goto(`${baseUrl}/#/store`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('spartoo-sync.token'))).toBeNull();
    expect(errors).toEqual([]);
  }, 120_000);

  /** A readable Spartoo order as the client parses it, for seeding the read model directly. */
  const spartooOrder = (ordersId: string, statusId: number): SpartooOrder => {
    const person = {
      firstname: 'Léa',
      lastname: 'Martin',
      company: '',
      streetAddress: '3 rue des Lilas',
      suburb: '',
      city: 'Lyon',
      postcode: '69003',
      state: '',
      country: 'FR',
    };
    return {
      ordersId,
      customers: { ...person, email: 'lea@example.com', telephone: '0600000000' },
      delivery: person,
      paymentMethod: 'CB',
      paymentPriceCents: 0,
      shippingPriceCents: 490,
      shippingName: 'Colissimo',
      orderTotalCents: 6480,
      ordersStatusId: statusId,
      ordersStatusName: 'Parcel lost',
      datePurchased: new Date(Date.now() - 20 * 86_400_000).toISOString(),
      lastModified: '',
      products: [
        {
          productsReference: 'SNEAKER',
          productsName: 'Sneaker Azur 42',
          productsQty: 1,
          productsSpartoo: '',
          productsManufacturers: '',
          productsSize: '42',
          productsSizeReference: 'SNEAKER-42',
          productsColor: 'Blue',
          priceUnitCents: 5990,
          finalPriceCents: 5990,
        },
      ],
      errors: [],
    };
  };

  it('lists every status, shows an unreadable order and a lost parcel with what to do next', async () => {
    expect(connectionId, 'the walk-through created the connection').not.toBe('');
    const base = 800_000_000 + Math.floor(Math.random() * 1e8);
    const [unreadableId, lostId] = [String(base), String(base + 1)];
    const parserError = 'Order has no valid date_purchased ("2025-02-31 25:61:00")';
    await stack.orders.saveUnreadableOrder(connectionId, unreadableId, parserError);
    await stack.orders.saveSpartooOrder(connectionId, spartooOrder(lostId, 45), 'SHIPPED');
    await stack.orders.recordStatus(connectionId, lostId, 'PARCEL_LOST', null);

    const { page, errors } = await newPage();
    await signIn(page);

    // One list of statuses in the dashboard, the same as the domain's, in the same order.
    // (a string, so that the test runner does not rewrite the browser's import())
    const dashboard: { statuses: Record<string, { label: string; tone: string }>; attention: string[] } =
      await page.evaluate(
        "import('/assets/api.js').then((m) => ({ statuses: m.ORDER_STATUSES, attention: m.ATTENTION_STATUSES }))",
      );
    expect(Object.keys(dashboard.statuses)).toEqual([...ORDER_STATUSES]);
    expect(dashboard.attention).toEqual(['WAITING_ACCEPTANCE', ...ATTENTION_ORDER_STATUSES]);
    for (const [status, shown] of Object.entries(dashboard.statuses)) {
      expect(shown.label, status).toMatch(/^[A-Z][a-z ]+$/);
      expect(['ok', 'warn', 'danger', 'info', 'muted'], status).toContain(shown.tone);
      if (status.endsWith('_FAILED')) expect(shown.tone, status).toBe('danger');
    }

    // The grid: both orders, the unreadable one with dashes, never "Invalid Date" or "NaN".
    await page.locator('#nav').getByRole('link', { name: 'Orders', exact: true }).click();
    const unreadableRow = page.locator('#orders tbody tr', { hasText: unreadableId });
    const lostRow = page.locator('#orders tbody tr', { hasText: lostId });
    await unreadableRow.locator('[data-status="FETCH_FAILED"]').waitFor();
    expect(await unreadableRow.locator('[data-status]').textContent()).toBe('Fetch failed');
    expect(await unreadableRow.locator('td[data-label="Date"]').textContent()).toBe('—');
    expect(await unreadableRow.locator('td[data-label="Total"]').textContent()).toBe('—');
    expect(await unreadableRow.locator('td[data-label="Customer"]').textContent()).toBe('—');
    expect(await lostRow.locator('[data-status]').textContent()).toBe('Parcel lost');
    expect(await lostRow.locator('td[data-label="Total"]').textContent()).toMatch(/64\.80/);
    expect(await page.locator('#orders').textContent()).not.toMatch(/Invalid Date|NaN|null/);

    // The status filter offers every status, in the domain's order, each with its label.
    const options = await page
      .locator('#filter-status option')
      .evaluateAll((all) => all.map((o) => [(o as HTMLOptionElement).value, o.textContent]));
    expect(options.map(([value]) => value)).toEqual(['', ...ORDER_STATUSES]);
    expect(Object.fromEntries(options)).toMatchObject({
      FETCH_FAILED: 'Fetch failed',
      ACCEPT_FAILED: 'Acceptance failed',
      REFUSE_FAILED: 'Refusal failed',
      CANCEL_FAILED: 'Cancellation failed',
      PARCEL_LOST: 'Parcel lost',
      NOT_DELIVERED: 'Not delivered',
    });
    await page.getByLabel('Status').selectOption('FETCH_FAILED');
    await eventually(() => page.locator('#orders tbody tr').count()).toBe(1);
    await unreadableRow.waitFor();
    await screenshot(page, '16-orders-fetch-failed');

    // Attention: a counter per status, both orders with their next step, the unreadable one first.
    await page
      .getByRole('link', { name: /^Attention/ })
      .first()
      .click();
    const attentionRows = page.locator('#attention tbody tr');
    await page.locator('#attention tbody tr', { hasText: lostId }).waitFor();
    for (const status of dashboard.attention) await page.locator(`#count-${status}`).waitFor();
    expect(await page.locator('#count-FETCH_FAILED .counter-value').textContent()).toBe('1');
    expect(await page.locator('#count-PARCEL_LOST .counter-value').textContent()).toBe('1');
    expect(await page.locator('#count-NOT_DELIVERED .counter-value').textContent()).toBe('0');
    const unreadableAttention = page.locator('#attention tbody tr', { hasText: unreadableId });
    expect(await unreadableAttention.locator('td[data-label="Next step"]').textContent()).toBe(
      "Spartoo's copy could not be read: check it on Spartoo, then retry",
    );
    expect(await unreadableAttention.locator('td[data-label="Date"]').textContent()).toBe('—');
    expect(await unreadableAttention.locator('td[data-label="Total"]').textContent()).toBe('—');
    expect(
      await page
        .locator('#attention tbody tr', { hasText: lostId })
        .locator('td[data-label="Next step"]')
        .textContent(),
    ).toBe('Spartoo reports the parcel lost: contact the carrier');
    expect(await attentionRows.first().textContent()).toContain(unreadableId);
    expect(await page.locator('#attention').textContent()).not.toMatch(/Invalid Date|NaN|null/);
    // The menu's count is the API's, for every attention status.
    const counts = (
      await stack.app.inject({ method: 'GET', url: '/orders/counts', headers: stack.auth })
    ).json().counts as Record<string, number>;
    const expected = dashboard.attention.reduce((sum, s) => sum + (counts[s] ?? 0), 0);
    await eventually(() => page.locator('#attention-count').textContent()).toBe(String(expected));
    await screenshot(page, '17-attention-new-statuses');

    // One counter filters the list.
    await page.locator('#count-PARCEL_LOST').click();
    await eventually(() => attentionRows.count()).toBe(1);
    expect(await attentionRows.first().textContent()).toContain(lostId);

    // The unreadable order's page: what failed, what to do, the parser's message; Retry; dashes.
    await page.goto(`${baseUrl}/#/orders/${connectionId}/${unreadableId}`);
    await page.getByRole('heading', { name: `Order ${unreadableId}` }).waitFor();
    expect(await page.locator('#failure').textContent()).toContain('check it on Spartoo, then retry');
    expect(await page.locator('#last-error').textContent()).toBe(parserError);
    expect(await page.locator('#order-summary').textContent()).toContain('could not be read');
    await page.getByRole('button', { name: 'Retry', exact: true }).waitFor();
    const general = await page.locator('#panel-general').textContent();
    expect(general).toMatch(/Purchased\s*—/);
    expect(general).toMatch(/Total\s*—/);
    expect(general).toMatch(/Spartoo status\s*—/);
    expect(await page.locator('main').textContent()).not.toMatch(/Invalid Date|NaN|null/);
    await page.getByRole('tab', { name: 'Items' }).click();
    await page.locator('#panel-items').getByText("Spartoo's copy of this order could not be read").waitFor();
    await page.getByRole('tab', { name: 'General' }).click();
    await screenshot(page, '18-order-fetch-failed');

    // The lost parcel's page: what to do, no Retry (nothing of the product failed).
    await page.goto(`${baseUrl}/#/orders/${connectionId}/${lostId}`);
    await page.getByRole('heading', { name: `Order ${lostId}` }).waitFor();
    expect(await page.locator('#next-step').textContent()).toContain('contact the carrier');
    expect(await page.getByRole('button', { name: 'Retry', exact: true }).count()).toBe(0);
    expect(await page.locator('#panel-general').textContent()).toContain('45 — Parcel lost');
    await screenshot(page, '19-order-parcel-lost');

    // The Attention page on a phone: nine counters and the list fit the screen.
    const phone = await newPage({ width: 390, height: 844 });
    await signIn(phone.page);
    await phone.page.goto(`${baseUrl}/#/attention`);
    await phone.page.locator('#attention tbody tr', { hasText: unreadableId }).waitFor();
    expect(
      await phone.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth),
    ).toBeLessThanOrEqual(0);
    await screenshot(phone.page, '20-phone-attention');

    expect(errors).toEqual([]);
    expect(phone.errors).toEqual([]);
  }, 120_000);
});
