import { randomUUID } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, watchErrors } from './support/browser';
import { type Sandbox, startSandbox } from './support/sandbox';
import { startTestStack, type TestStack } from './support/stack';
import { waitFor } from './support/wait';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver';

/**
 * The dashboard's part of issue 13 items 5 and 11, in Debian's Chromium: a connection whose key Spartoo
 * refuses shows its account problem on its card and its page; the Notifications page adds a webhook
 * (a too-short secret first), sends it a test and lists the delivery.
 */
describe('dashboard: notifications and account problems', () => {
  let stack: TestStack;
  let sandbox: Sandbox;
  let receiver: WebhookReceiver;
  let browser: Browser;
  let baseUrl: string;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    browser = await launchBrowser();
    [stack, sandbox, receiver] = await Promise.all([
      startTestStack(),
      startSandbox(),
      startWebhookReceiver(),
    ]);
    baseUrl = await stack.app.listen({ port: 0, host: '127.0.0.1' });
    // A connection whose key Spartoo refuses (-2): its first poll gives it its problem.
    const created = await stack.app.inject({
      method: 'POST',
      url: '/connections',
      headers: stack.auth,
      payload: { name: 'Refused key', apiKey: `P-${randomUUID().slice(0, 8)}`, baseUrl: sandbox.baseUrl },
    });
    expect(created.statusCode).toBe(201);
    const id = created.json().id as string;
    await waitFor(
      async () =>
        (await stack.app.inject({ method: 'GET', url: `/connections/${id}`, headers: stack.auth })).json(),
      (c) => c.problem !== null,
    );
  });
  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close();
    await stack?.close();
    await Promise.all([sandbox?.close(), receiver?.close()]);
  });

  async function signedIn(
    viewport = { width: 1280, height: 900 },
  ): Promise<{ page: Page; errors: string[] }> {
    const context = await browser.newContext({ viewport, locale: 'en-GB' });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    // The browser's own favicon request is not a public path (401), as in test/dashboard.test.ts.
    const errors = watchErrors(page, [/status of 400/, /status of 401.*favicon\.ico/]);
    await page.goto(baseUrl);
    await page.getByLabel('API token').fill(stack.apiToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Connections', level: 1 }).waitFor();
    return { page, errors };
  }

  it('shows an account problem on the connection card and page', async () => {
    const { page, errors } = await signedIn();
    await page.reload();
    const card = page.locator('.tile', { hasText: 'Refused key' });
    const notice = card.locator('[data-problem]');
    await notice.waitFor();
    expect(await notice.getAttribute('data-problem')).toBe('-2');
    expect(await notice.textContent()).toContain('Account problem: key refused (-2)');
    expect(await notice.textContent()).toContain('partenaire unknown');
    await screenshot(page, 'notifications-01-connection-problem');

    await card.getByRole('link', { name: 'Refused key' }).click();
    await page.getByRole('heading', { name: 'Refused key', level: 1 }).waitFor();
    expect(await page.locator('#cycles [data-problem]').textContent()).toContain('every 15 minutes');
    expect(errors).toEqual([]);
  });

  it('adds a webhook from the Notifications page, sends it a test and lists the delivery', async () => {
    const { page, errors } = await signedIn();
    await page.getByRole('link', { name: 'Notifications' }).click();
    await page.getByRole('heading', { name: 'Notifications', level: 1 }).waitFor();
    await page.getByText('No webhook yet.').waitFor();

    // Every event is offered, checked; a too-short secret is refused next to its field.
    expect(await page.locator('input[name="events"]').count()).toBe(10);
    await page.getByLabel('URL').fill(receiver.url('/dashboard'));
    await page.getByLabel('Secret').fill('short');
    await page.locator('input[value="return.received"]').uncheck();
    await page.getByRole('button', { name: 'Add webhook' }).click();
    await expect.poll(() => page.locator('#webhook-secret-error').textContent()).toContain('at least 16');
    await page.getByLabel('Secret').fill('whsec-dashboard-0123456789');
    await page.getByRole('button', { name: 'Add webhook' }).click();
    const row = page.locator('#webhooks tbody tr', { hasText: receiver.url('/dashboard') });
    await row.waitFor();
    expect(await row.textContent()).toContain('••••6789');
    expect(await row.textContent()).not.toContain('return.received');
    expect(await page.content()).not.toContain('whsec-dashboard-0123456789');

    await row.getByRole('button', { name: 'Send test' }).click();
    await expect.poll(() => page.locator('#webhooks-result').textContent()).toContain('Test delivered');
    const attempt = page.locator('#attempts tbody tr').first();
    await attempt.waitFor();
    expect(await attempt.textContent()).toContain('ping');
    expect(await attempt.textContent()).toContain('Delivered');
    expect(receiver.received.filter((r) => r.path === '/dashboard')).toHaveLength(1);
    await screenshot(page, 'notifications-02-webhooks');

    page.once('dialog', (dialog) => dialog.accept());
    await row.getByRole('button', { name: 'Delete' }).click();
    await page.getByText('No webhook yet.').waitFor();
    expect(errors).toEqual([]);
  });

  it('fits a phone: the menu with Notifications, the connection card with its problem, the webhooks page', async () => {
    await stack.app.inject({
      method: 'POST',
      url: '/webhooks',
      headers: stack.auth,
      payload: {
        url: receiver.url('/a-rather-long-path/for/a/phone'),
        secret: 'whsec-0123456789abcdef',
        events: ['order.needs_decision'],
      },
    });
    const { page, errors } = await signedIn({ width: 390, height: 844 });
    const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    await page.locator('[data-problem]').first().waitFor();
    expect(await overflow()).toBeLessThanOrEqual(0);
    await page.locator('#nav').getByRole('link', { name: 'Notifications', exact: true }).click();
    await page.locator('#webhooks tbody tr').first().waitFor();
    expect(await overflow()).toBeLessThanOrEqual(0);
    await screenshot(page, 'notifications-03-phone');
    expect(errors).toEqual([]);
  });
});
