import { randomUUID } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatSpartooDateTime } from '../spartoo/values';
import { launchBrowser, screenshot, watchErrors } from './support/browser';
import { type Sandbox, startSandbox } from './support/sandbox';
import { startTestStack, type TestStack } from './support/stack';
import { waitFor } from './support/wait';

const HOUR = 3_600_000;

/**
 * The acceptance deadline's time left (order page, Attention list) and the shipping address fixed
 * before the import (issue 13, items 4 and 7), in Debian's Chromium against the product on the
 * Temporal dev server and the sandbox. Screenshots: test-artifacts/dashboard/deadline-*.png, address-*.png.
 */
describe('dashboard: acceptance deadline and address correction', () => {
  let stack: TestStack;
  let sandbox: Sandbox;
  let browser: Browser;
  let baseUrl: string;
  const contexts: BrowserContext[] = [];
  const ids = { waiting: '', late: '', broken: '', manual: '', auto: '' };
  /** The address form is sent with a blank street on purpose (400). */
  const expectedFailures = [/status of 400/, /status of 401.*favicon\.ico/];

  const line = {
    products_reference: 'REF',
    products_size_reference: 'DDA-1',
    products_qty: '1',
    products_price_unit: '49.90',
  };
  const api = (method: 'GET' | 'POST', url: string, payload?: unknown) =>
    stack.app.inject({ method, url, headers: stack.auth, ...(payload ? { payload } : {}) });

  async function connection(settings: Record<string, unknown>) {
    const partenaire = `P-${randomUUID().slice(0, 8)}`;
    await sandbox.createMerchant(partenaire);
    const res = await api('POST', '/connections', {
      name: settings.autoAccept ? 'Automatic' : 'Manual',
      apiKey: partenaire,
      baseUrl: sandbox.baseUrl,
      pollIntervalSeconds: 3600,
      stockSyncIntervalSeconds: 3600,
      ...settings,
    });
    expect(res.statusCode).toBe(201);
    return { id: res.json().id as string, partenaire };
  }
  const status = async (connectionId: string, orderId: string) =>
    (await stack.orders.get(connectionId, orderId))?.status;

  beforeAll(async () => {
    browser = await launchBrowser();
    [stack, sandbox] = await Promise.all([startTestStack(), startSandbox()]);
    await stack.store.upsertProducts([
      { id: 'DDA-1', name: 'Boot', stock: 30, priceFinalInclTaxCents: 5000 },
    ]);
    baseUrl = await stack.app.listen({ port: 0, host: '127.0.0.1' });
    const manual = await connection({ autoAccept: false });
    const auto = await connection({ autoAccept: true });
    ids.manual = manual.id;
    ids.auto = auto.id;
    const purchased = (ago: number) => formatSpartooDateTime(new Date(Date.now() - ago));
    ids.waiting = await sandbox.createOrder(manual.partenaire, {
      products: [line],
      date_purchased: purchased(40 * HOUR),
    });
    ids.late = await sandbox.createOrder(manual.partenaire, {
      products: [line],
      date_purchased: purchased(49 * HOUR),
    });
    ids.broken = await sandbox.createOrder(auto.partenaire, {
      products: [line],
      delivery: { delivery_street_address: '' },
    });
    await Promise.all([
      stack.workflows.startOrder(manual.id, ids.waiting),
      stack.workflows.startOrder(manual.id, ids.late),
      stack.workflows.startOrder(auto.id, ids.broken),
    ]);
    await waitFor(
      async () => (await stack.orders.get(manual.id, ids.late))?.detail.deadlinePassed,
      (passed) => passed === true,
    );
    await waitFor(
      () => status(auto.id, ids.broken),
      (s) => s === 'IMPORT_FAILED',
    );
    await waitFor(
      () => status(manual.id, ids.waiting),
      (s) => s === 'WAITING_ACCEPTANCE',
    );
  });
  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close();
    await stack?.close();
    await sandbox?.close();
  });

  async function signedIn(): Promise<{ page: Page; errors: string[] }> {
    const context = await browser.newContext({
      viewport: { width: 1280, height: 900 },
      locale: 'en-GB',
      timezoneId: 'Europe/Paris',
    });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    const errors = watchErrors(page, expectedFailures);
    await page.goto(baseUrl);
    await page.getByLabel('API token').fill(stack.apiToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Connections', level: 1 }).waitFor();
    return { page, errors };
  }
  const orderUrl = (connectionId: string, orderId: string) =>
    `${baseUrl}/#/orders/${encodeURIComponent(connectionId)}/${encodeURIComponent(orderId)}`;

  it('the order page and the Attention list show the time left before the deadline, or that it passed', async () => {
    const { page, errors } = await signedIn();
    await page.goto(orderUrl(ids.manual, ids.waiting));
    await page.getByRole('heading', { name: `Order ${ids.waiting}` }).waitFor();
    const notice = page.locator('#acceptance-deadline');
    await expect.poll(() => notice.textContent()).toMatch(/(7 h \d+ min|8 h) left to accept/);
    expect(await notice.textContent()).toContain('Spartoo cancels orders not accepted by');
    expect(await page.locator('#deadline-time time').getAttribute('datetime')).toMatch(/^\d{4}-/);
    await screenshot(page, 'deadline-order');

    await page.goto(orderUrl(ids.manual, ids.late));
    await page.getByRole('heading', { name: `Order ${ids.late}` }).waitFor();
    await expect
      .poll(() => page.locator('#acceptance-deadline').textContent())
      .toMatch(/acceptance deadline passed/i);
    expect(await page.locator('#deadline-time').textContent()).toContain('passed while waiting');

    await page.goto(`${baseUrl}/#/attention`);
    await page.getByRole('heading', { name: 'Attention', level: 1 }).waitFor();
    const row = (id: string) => page.locator('#attention tbody tr', { hasText: id });
    await expect
      .poll(() => row(ids.waiting).locator('[data-deadline]').textContent())
      .toMatch(/left to accept/);
    await expect
      .poll(() => row(ids.late).locator('[data-deadline]').textContent())
      .toMatch(/deadline passed/);
    await screenshot(page, 'deadline-attention');
    expect(errors).toEqual([]);
  });

  it('an IMPORT_FAILED order: "Edit shipping address" says Spartoo keeps its own, names a bad field, saves, and the retry imports it', async () => {
    const { page, errors } = await signedIn();
    await page.goto(orderUrl(ids.auto, ids.broken));
    await page.getByRole('heading', { name: `Order ${ids.broken}` }).waitFor();
    await page.getByRole('button', { name: 'Edit shipping address' }).click();
    const form = page.locator('#address-form');
    await form.waitFor();
    expect(await page.locator('#address-frozen').textContent()).toMatch(/Spartoo freezes the address/);
    // A blank street is refused, the field named.
    await form.getByLabel('Street *').fill('  ');
    await form.getByRole('button', { name: 'Save address' }).click();
    await expect.poll(() => page.locator('#addr-street-error').textContent()).toMatch(/required/);
    expect(await form.getByLabel('Street *').getAttribute('aria-invalid')).toBe('true');
    await screenshot(page, 'address-invalid');

    await form.getByLabel('Street *').fill('8 quai Saint-Vincent');
    await form.getByLabel('City *').fill('Lyon');
    await form.getByLabel('Postcode *').fill('69001');
    await form.getByRole('button', { name: 'Save address' }).click();
    await expect
      .poll(() => page.locator('#action-result').textContent())
      .toMatch(/Shipping address corrected/);
    expect(await page.locator('#address-fix').isHidden()).toBe(true);
    await page.getByRole('tab', { name: 'Address' }).click();
    await expect
      .poll(() => page.locator('#shipping-address').textContent())
      .toContain('8 quai Saint-Vincent');
    expect(await page.locator('#address-corrected').textContent()).toMatch(/Spartoo keeps/);
    await screenshot(page, 'address-corrected');

    await page.getByRole('button', { name: 'Retry' }).click();
    await expect
      .poll(() => page.locator('#order-status').textContent(), { timeout: 30_000 })
      .toMatch(/shipment/i);
    expect(await page.getByRole('button', { name: 'Edit shipping address' }).count()).toBe(0);
    const storeOrder = await stack.store.findStoreOrder(ids.auto, ids.broken);
    expect(storeOrder?.shippingAddress.street).toBe('8 quai Saint-Vincent');
    expect(errors).toEqual([]);
  });
});
