import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, watchErrors } from './support/browser';
import { type Sandbox, startSandbox } from './support/sandbox';
import { SHOPIFY_SECRET, SHOPIFY_TOKEN, startShopifySandbox } from './support/shopify';
import { startTestStack, type TestStack } from './support/stack';
import { waitFor } from './support/wait';

/**
 * The dashboard's part of issue 11 (the Stores page, the connection's store) and issue 13 item 6 (bulk
 * decisions on the Attention page, the orders grid as CSV), in Debian's Chromium, against the Shopify
 * sandbox: add a Shopify store (a missing secret first), test it, pick it in the connection form, fail
 * to delete it while a connection uses it, give it a revoked token and see its problem on the store and
 * on the connection; accept two waiting orders at once; export the grid.
 */
describe('dashboard: stores, bulk decisions, CSV export', () => {
  let stack: TestStack;
  let sandbox: Sandbox;
  let shopify: Awaited<ReturnType<typeof startShopifySandbox>>;
  let browser: Browser;
  let baseUrl: string;
  const contexts: BrowserContext[] = [];
  /** Requests the tests provoke on purpose: invalid fields (400), a store in use (409), a check failing (502). */
  const expected = [/status of (400|409|502)/, /status of 401.*favicon\.ico/];

  beforeAll(async () => {
    browser = await launchBrowser();
    [stack, sandbox, shopify] = await Promise.all([startTestStack(), startSandbox(), startShopifySandbox()]);
    baseUrl = await stack.app.listen({ port: 0, host: '127.0.0.1' });
    await shopify.addProduct('Sneaker Azur', [{ sku: 'SNK-42', price: '59.90', available: 5 }]);
    await stack.store.upsertProducts([
      {
        id: 'BOOT-40',
        sku: 'BOOT-40',
        name: 'Boot 40',
        stock: 10,
        priceFinalInclTaxCents: 8990,
        priceOriginalInclTaxCents: 8990,
      },
    ]);
  });
  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close();
    await stack?.close();
    await Promise.all([sandbox?.close(), shopify?.app.close()]);
  });

  async function signedIn(
    viewport = { width: 1280, height: 900 },
  ): Promise<{ page: Page; errors: string[] }> {
    const context = await browser.newContext({ viewport, locale: 'en-GB', timezoneId: 'Europe/Paris' });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    const errors = watchErrors(page, expected);
    await page.goto(baseUrl);
    await page.getByLabel('API token').fill(stack.apiToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Connections', level: 1 }).waitFor();
    return { page, errors };
  }
  const eventually = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 20_000, interval: 100 });
  const api = (method: 'GET' | 'POST', url: string, payload?: object) =>
    stack.app.inject({ method, url, headers: stack.auth, ...(payload ? { payload } : {}) });

  it('lists the built-in store, adds a Shopify store, tests it, offers it to a connection, shows its problem', async () => {
    const { page, errors } = await signedIn();
    await page.locator('#nav').getByRole('link', { name: 'Stores', exact: true }).click();
    await page.getByRole('heading', { name: 'Stores', level: 1 }).waitFor();
    const builtin = page.locator('#stores tbody tr', { hasText: 'Built-in store' });
    await builtin.waitFor();
    expect(await builtin.getByRole('link', { name: 'Products and orders' }).getAttribute('href')).toBe(
      '#/store',
    );
    expect(await builtin.getByRole('button', { name: 'Delete' }).count()).toBe(0);

    // Shopify is offered first; a missing secret is named next to its field and nothing is saved.
    expect(await page.getByLabel('Shopify', { exact: true }).isChecked()).toBe(true);
    await page.getByLabel('Name', { exact: true }).fill('My Shopify');
    await page.getByLabel('Shop URL').fill(shopify.url);
    await page.getByLabel('Admin API access token').fill(SHOPIFY_TOKEN);
    await page.getByRole('button', { name: 'Add store' }).click();
    await eventually(() => page.locator('#store-webhookSecret-error').textContent()).toMatch(/required/i);
    expect(await page.getByLabel('Webhook secret').getAttribute('aria-invalid')).toBe('true');
    expect((await api('GET', '/stores')).json().items).toHaveLength(1);
    // WooCommerce's fields replace Shopify's, and back.
    await page.getByLabel('WooCommerce', { exact: true }).check();
    await page.getByLabel('Consumer key').waitFor();
    expect(await page.getByLabel('Shop URL').count()).toBe(0);
    await page.getByLabel('Shopify', { exact: true }).check();
    await page.getByLabel('Name', { exact: true }).fill('My Shopify');
    await page.getByLabel('Shop URL').fill(shopify.url);
    await page.getByLabel('Admin API access token').fill(SHOPIFY_TOKEN);
    await page.getByLabel('Webhook secret').fill(SHOPIFY_SECRET);
    await screenshot(page, 'stores-01-add-shopify');
    await page.getByRole('button', { name: 'Add store' }).click();
    const row = page.locator('#stores tbody tr', { hasText: 'My Shopify' });
    await row.waitFor();
    await eventually(() => page.locator('#stores-result').textContent()).toContain('My Shopify added');
    expect(await row.textContent()).toContain(`••••${SHOPIFY_TOKEN.slice(-4)}`);
    expect(await row.textContent()).toContain(shopify.url);
    expect(await page.content()).not.toContain(SHOPIFY_TOKEN);
    const storeId = (await api('GET', '/stores'))
      .json()
      .items.find((s: { kind: string }) => s.kind === 'shopify').id as string;

    await row.getByRole('button', { name: 'Test' }).click();
    await eventually(() => page.locator('#stores-result').textContent()).toMatch(
      /connected to “.+”, 1 product, \d+ webhooks? registered/,
    );
    await screenshot(page, 'stores-02-tested');

    // The connection form offers it (the built-in store by default); the connection imports into it.
    await page.locator('#nav').getByRole('link', { name: 'Connections', exact: true }).click();
    await page.getByRole('link', { name: 'Add Connection' }).first().click();
    const choice = page.getByLabel('Store', { exact: true });
    await choice.waitFor();
    expect(await choice.inputValue()).toBe('builtin');
    expect(await choice.locator('option').allTextContents()).toEqual([
      'Built-in store',
      'My Shopify (Shopify)',
    ]);
    await choice.selectOption(storeId);
    await page.getByLabel('Name', { exact: true }).fill('Spartoo to Shopify');
    await page.getByLabel('API key').fill(`P-${randomUUID().slice(0, 8)}`);
    await page.locator('#f-baseUrl').fill(sandbox.baseUrl);
    await page.getByRole('button', { name: 'Add Connection' }).click();
    await page.getByRole('heading', { name: 'Spartoo to Shopify', level: 1 }).waitFor();
    const connectionId = decodeURIComponent(/#\/connections\/([^?]+)/.exec(page.url())![1]!);
    expect((await stack.connections.get(connectionId))?.settings.storeId).toBe(storeId);
    expect(await page.getByLabel('Store', { exact: true }).inputValue()).toBe(storeId);

    // In use: the delete is refused with the API's reason.
    await page.locator('#nav').getByRole('link', { name: 'Stores', exact: true }).click();
    await eventually(() => row.textContent()).toContain('Spartoo to Shopify');
    expect(await row.getByRole('link', { name: 'Spartoo to Shopify' }).getAttribute('href')).toBe(
      `#/connections/${connectionId}`,
    );
    page.once('dialog', (dialog) => dialog.accept());
    await row.getByRole('button', { name: 'Delete' }).click();
    await eventually(() => page.locator('#stores-result').textContent()).toContain('is used by connection');
    await screenshot(page, 'stores-03-in-use');

    // A revoked token: saved, checked at once, and the store's problem is shown on it and its connection.
    await row.getByRole('button', { name: 'Edit' }).click();
    await page.getByRole('heading', { name: 'Edit My Shopify' }).waitFor();
    expect(await page.getByLabel('Shop URL').inputValue()).toBe(shopify.url);
    await page.getByLabel('Admin API access token').fill('shpat_revoked');
    await page.getByRole('button', { name: 'Save' }).click();
    await eventually(() => page.locator('#stores-result').textContent()).toContain('My Shopify saved, but');
    const problem = row.locator('[data-store-problem]');
    await problem.waitFor();
    expect(await problem.getAttribute('data-store-problem')).toBe('STORE_ACCESS');
    expect(await page.locator('#stores-problem-summary').textContent()).toContain('My Shopify');
    await row.getByRole('button', { name: 'Test' }).click();
    await eventually(() => page.locator('#stores-result').textContent()).toContain('Test failed');
    await screenshot(page, 'stores-04-problem');

    await page.goto(`${baseUrl}/#/connections/${encodeURIComponent(connectionId)}`);
    const onConnection = page.locator('#cycles [data-store-problem]');
    await onConnection.waitFor();
    expect(await onConnection.textContent()).toContain('Store problem: The shop refused access');
    await screenshot(page, 'stores-05-connection-store-problem');
    expect(errors).toEqual([]);
  }, 180_000);

  /** The connection of the bulk decisions: every order waits for the merchant. */
  const partenaire = `P-${randomUUID().slice(0, 8)}`;
  let manualConnection = '';
  const bootLine = {
    products_reference: 'BOOT',
    products_size_reference: 'BOOT-40',
    products_name: 'Boot 40',
    products_qty: '1',
    products_price_unit: '89.90',
    products_price_unit_with_reduce: '89.90',
  };
  /** The manual connection's orders waiting for a decision. */
  const waiting = () =>
    api('GET', `/orders?connectionId=${manualConnection}&status=WAITING_ACCEPTANCE`).then(
      (r) => r.json().items,
    );
  /** Polls Spartoo (Synchronize Orders) until `count` orders wait. */
  const syncUntilWaiting = (count: number) =>
    waitFor(
      async () => {
        await api('POST', `/connections/${manualConnection}/sync`);
        return waiting();
      },
      (items) => items.length === count,
      60_000,
      1000,
    );

  it('accepts two waiting orders at once from the Attention page, then exports the grid as CSV', async () => {
    const created = await api('POST', '/connections', {
      name: 'Manual decisions',
      apiKey: partenaire,
      baseUrl: sandbox.baseUrl,
      autoAccept: false,
    });
    expect(created.statusCode).toBe(201);
    const connectionId = created.json().id as string;
    manualConnection = connectionId;
    const line = bootLine;
    const orderIds = [
      await sandbox.createOrder(partenaire, {
        products: [line],
        customers: { customers_firstname: 'Ana', customers_lastname: 'Lopez' },
      }),
      await sandbox.createOrder(partenaire, {
        products: [line],
        customers: { customers_firstname: 'Jules', customers_lastname: 'Petit' },
      }),
    ];
    expect(await syncUntilWaiting(2)).toHaveLength(2);

    const { page, errors } = await signedIn();
    await page
      .locator('#nav')
      .getByRole('link', { name: /^Attention/ })
      .click();
    for (const id of orderIds) await page.getByLabel(`Select order ${id}`).check();
    await eventually(() => page.locator('#bulk-count').textContent()).toContain('2 orders selected');
    await screenshot(page, 'bulk-01-selected');
    await page.getByRole('button', { name: 'Accept selected' }).click();
    const results = page.locator('#bulk-result');
    await eventually(() => results.textContent()).toContain('Accept: 2 of 2 done');
    for (const id of orderIds) {
      expect(await results.locator(`li[data-order="${id}"]`).getAttribute('data-result')).toBe('ok');
    }
    // Refreshed: neither waits any more.
    for (const id of orderIds) {
      await eventually(() => page.getByLabel(`Select order ${id}`).count()).toBe(0);
    }
    // Nothing left to decide: the bulk buttons go away, the results stay.
    await eventually(() => page.locator('#bulk').isHidden()).toBe(true);
    await screenshot(page, 'bulk-02-results');
    expect(await waiting()).toEqual([]);

    // The grid of this connection, exported: every matching row, a header line first.
    await page.goto(`${baseUrl}/#/orders?connectionId=${encodeURIComponent(connectionId)}`);
    await page.locator('#orders tbody tr', { hasText: orderIds[0]! }).waitFor();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^spartoo-orders-\d{4}-\d{2}-\d{2}\.csv$/);
    const text = await readFile((await download.path())!, 'utf8');
    const lines = text.trimEnd().split('\r\n');
    // The header names the grid item's fields, in the API's order.
    const gridItem = (await api('GET', `/orders?connectionId=${connectionId}&limit=1`)).json().items[0];
    expect(lines[0]).toBe(Object.keys(gridItem).join(','));
    expect(lines[0]).toMatch(/^connectionId,orderId,status,/);
    expect(lines).toHaveLength(3);
    for (const id of orderIds) expect(text).toContain(`${connectionId},${id},`);
    await eventually(() => page.locator('#export-result').textContent()).toContain('Downloaded');
    await screenshot(page, 'bulk-03-orders-export');
    expect(errors).toEqual([]);
  }, 180_000);

  it('fits a phone: the Stores page, and a refusal from the Attention selection', async () => {
    expect(manualConnection, 'the bulk test created the connection').not.toBe('');
    const orderId = await sandbox.createOrder(partenaire, { products: [bootLine] });
    expect(await syncUntilWaiting(1)).toHaveLength(1);
    const { page, errors } = await signedIn({ width: 390, height: 844 });
    const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    await page.locator('#nav').getByRole('link', { name: 'Stores', exact: true }).click();
    await page.locator('#stores tbody tr', { hasText: 'My Shopify' }).waitFor();
    expect(await overflow()).toBeLessThanOrEqual(0);
    await screenshot(page, 'stores-06-phone');

    await page
      .locator('#nav')
      .getByRole('link', { name: /^Attention/ })
      .click();
    await page.getByLabel(`Select order ${orderId}`).check();
    expect(await overflow()).toBeLessThanOrEqual(0);
    await screenshot(page, 'bulk-04-phone-selected');
    page.once('dialog', (dialog) => dialog.accept());
    await page.getByRole('button', { name: 'Refuse selected' }).click();
    await eventually(() => page.locator('#bulk-result').textContent()).toContain('Refuse: 1 of 1 done');
    expect(await waiting()).toEqual([]);
    await screenshot(page, 'bulk-05-phone-refused');
    expect(errors).toEqual([]);
  }, 120_000);
});
