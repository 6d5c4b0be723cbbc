import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../api/app';
import { baseUrlRefusal, SPARTOO_SITES, siteBaseUrl, siteOfBaseUrl } from '../domain/settings';
import { launchBrowser, screenshot, watchErrors } from './support/browser';
import { type Sandbox, startSandbox } from './support/sandbox';
import { startTestStack, type TestStack } from './support/stack';
import { waitFor } from './support/wait';

/**
 * Issue 13, item 9: a connection's country site fills its webservice URL; a custom URL (the sandbox)
 * only when the operator allows it, and then only http(s).
 */
describe('country sites', () => {
  let stack: TestStack;
  let sandbox: Sandbox;
  /** The same product with SPARTOO_ALLOW_CUSTOM_URL unset. */
  let strict: FastifyInstance;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    browser = await launchBrowser();
    [stack, sandbox] = await Promise.all([startTestStack(), startSandbox()]);
    strict = await buildApp({
      database: stack.database,
      connections: stack.connections,
      orders: stack.orders,
      returns: stack.returns,
      store: stack.store,
      stores: stack.stores,
      allowCustomUrls: false,
      notifications: stack.notifications,
      workflows: stack.workflows,
      apiToken: stack.apiToken,
      temporalUiUrl: 'http://localhost:8233',
      namespace: 'default',
    });
  });
  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close();
    await strict?.close();
    await stack?.close();
    await sandbox?.close();
  });

  const create = (app: FastifyInstance, payload: Record<string, unknown>) =>
    app.inject({
      method: 'POST',
      url: '/connections',
      headers: stack.auth,
      payload: { name: 'Site test', apiKey: 'KEY-1234', active: false, ...payload },
    });
  const patch = (app: FastifyInstance, id: string, payload: Record<string, unknown>) =>
    app.inject({ method: 'PATCH', url: `/connections/${id}`, headers: stack.auth, payload });

  it('knows exactly the documented webservice hosts', () => {
    expect(SPARTOO_SITES.map(siteBaseUrl)).toEqual([
      'https://sws.spartoo.com/mp/',
      'https://sws.spartoo.co.uk/mp/',
      'https://sws.spartoo.it/mp/',
      'https://sws.spartoo.de/mp/',
      'https://sws.spartoo.es/mp/',
      'https://sws.spartoo.eu/mp/',
      'https://sws.spartoo.net/mp/',
      'https://sws.spartoo.se/mp/',
      'https://sws.spartoo.fi/mp/',
      'https://sws.spartoo.ch/mp/',
      'https://sws.spartoo.com.hr/mp/',
    ]);
    expect(siteOfBaseUrl('https://SWS.spartoo.co.uk/mp')).toBe('uk');
    expect(siteOfBaseUrl('https://sws.spartoo.com.evil.example/mp/')).toBeUndefined();
    expect(baseUrlRefusal('https://sws.spartoo.de/mp/', { allowCustomUrls: false })).toBeUndefined();
    expect(baseUrlRefusal('http://sws.spartoo.de/mp/', { allowCustomUrls: false })).toContain(
      'SPARTOO_ALLOW_CUSTOM_URL=1',
    );
  });

  it('fills the webservice URL from the site, fr by default; a Spartoo URL brings its site', async () => {
    const byDefault = await create(stack.app, {});
    expect(byDefault.statusCode).toBe(201);
    expect(byDefault.json()).toMatchObject({ site: 'fr', baseUrl: 'https://sws.spartoo.com/mp/' });
    const uk = await create(strict, { site: 'uk' });
    expect(uk.statusCode).toBe(201);
    expect(uk.json()).toMatchObject({ site: 'uk', baseUrl: 'https://sws.spartoo.co.uk/mp/' });
    const hr = await create(strict, { baseUrl: 'https://sws.spartoo.com.hr/mp' });
    expect(hr.json()).toMatchObject({ site: 'hr', baseUrl: 'https://sws.spartoo.com.hr/mp/' });
    const both = await create(strict, { site: 'it', baseUrl: 'https://sws.spartoo.it/mp/' });
    expect(both.json()).toMatchObject({ site: 'it', baseUrl: 'https://sws.spartoo.it/mp/' });

    // PATCH: a new site moves a Spartoo URL along; null goes back to the site's; a custom URL stays.
    const id = uk.json().id as string;
    expect((await patch(strict, id, { site: 'de' })).json()).toMatchObject({
      site: 'de',
      baseUrl: 'https://sws.spartoo.de/mp/',
    });
    expect((await patch(strict, id, { baseUrl: 'https://sws.spartoo.es/mp/' })).json()).toMatchObject({
      site: 'es',
      baseUrl: 'https://sws.spartoo.es/mp/',
    });
    expect((await patch(stack.app, id, { baseUrl: sandbox.baseUrl })).json()).toMatchObject({
      site: 'es',
      baseUrl: sandbox.baseUrl,
    });
    expect((await patch(stack.app, id, { site: 'se' })).json()).toMatchObject({
      site: 'se',
      baseUrl: sandbox.baseUrl,
    });
    expect((await patch(strict, id, { baseUrl: null })).json()).toMatchObject({
      site: 'se',
      baseUrl: 'https://sws.spartoo.se/mp/',
    });
    for (const c of [byDefault, uk, hr, both]) {
      await stack.app.inject({ method: 'DELETE', url: `/connections/${c.json().id}`, headers: stack.auth });
    }
  });

  it('refuses a site and a baseUrl that disagree, and an unknown site, with 400 naming the field', async () => {
    const disagree = await create(stack.app, { site: 'uk', baseUrl: 'https://sws.spartoo.com/mp/' });
    expect(disagree.statusCode).toBe(400);
    const fields = disagree.json().errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(['baseUrl']);
    expect(disagree.json().errors[0].message).toContain('site "fr", not of the site "uk"');
    const unknown = await create(stack.app, { site: 'us' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().errors.map((e: { field: string }) => e.field)).toEqual(['site']);
    const c = await create(stack.app, { site: 'fr' });
    const patched = await patch(stack.app, c.json().id, {
      site: 'it',
      baseUrl: 'https://sws.spartoo.de/mp/',
    });
    expect(patched.statusCode).toBe(400);
    expect(patched.json().errors.map((e: { field: string }) => e.field)).toEqual(['baseUrl']);
    await stack.app.inject({ method: 'DELETE', url: `/connections/${c.json().id}`, headers: stack.auth });
  });

  it('refuses any other URL unless the operator allows custom URLs, and then only http(s)', async () => {
    for (const url of [
      sandbox.baseUrl,
      'http://169.254.169.254/latest/',
      'https://example.com/mp/',
      'http://sws.spartoo.com/mp/',
    ]) {
      const refused = await create(strict, { baseUrl: url });
      expect(refused.statusCode, url).toBe(400);
      const [error] = refused.json().errors;
      expect(error.field).toBe('baseUrl');
      expect(error.message).toContain('must be a Spartoo webservice host');
      expect(error.message).toContain('SPARTOO_ALLOW_CUSTOM_URL=1');
    }
    for (const url of ['file:///etc/passwd', 'ftp://example.com/mp/', 'http://user:pw@127.0.0.1:1/mp/']) {
      const refused = await create(stack.app, { baseUrl: url });
      expect(refused.statusCode, url).toBe(400);
      expect(refused.json().errors[0].field).toBe('baseUrl');
    }
    const c = await create(strict, {});
    expect((await patch(strict, c.json().id, { baseUrl: sandbox.baseUrl })).statusCode).toBe(400);
    expect((await stack.connections.get(c.json().id))!.settings.baseUrl).toBe('https://sws.spartoo.com/mp/');
    await stack.app.inject({ method: 'DELETE', url: `/connections/${c.json().id}`, headers: stack.auth });
  });

  it('a connection of a site on the sandbox (custom URL allowed) polls the sandbox', async () => {
    const partenaire = `P-${randomUUID().slice(0, 8)}`;
    await sandbox.createMerchant(partenaire);
    const orderId = await sandbox.createOrder(partenaire);
    const created = await create(stack.app, {
      apiKey: partenaire,
      site: 'de',
      baseUrl: sandbox.baseUrl,
      active: true,
      pollIntervalSeconds: 10,
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ site: 'de', baseUrl: sandbox.baseUrl });
    const id = created.json().id as string;
    await waitFor(
      () => stack.orders.get(id, orderId),
      (o) => o !== undefined,
    );
    await stack.app.inject({ method: 'DELETE', url: `/connections/${id}`, headers: stack.auth });
  });

  it('the dashboard offers the site as a choice and shows a custom URL only when there is one', async () => {
    const baseUrl = await stack.app.listen({ port: 0, host: '127.0.0.1' });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    const errors = watchErrors(page, [/status of 400/, /status of 401.*favicon\.ico/]);
    await page.goto(baseUrl);
    await page.getByLabel('API token').fill(stack.apiToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Connections', level: 1 }).waitFor();

    await page.goto(`${baseUrl}/#/connections/new`);
    const site = page.getByLabel('Spartoo site');
    await site.waitFor();
    expect(await site.inputValue()).toBe('fr');
    const options = await site.locator('option').allTextContents();
    expect(options).toContain('United Kingdom (spartoo.co.uk)');
    expect(options).toHaveLength(SPARTOO_SITES.length);
    await page.getByLabel('Name', { exact: true }).fill('Spartoo Italia');
    await page.getByLabel('API key').fill('KEY-ITALIA');
    await site.selectOption('it');
    // A URL of another site than the one chosen: named next to the field.
    await page.getByLabel('Custom webservice URL').fill('https://sws.spartoo.de/mp/');
    await page.getByRole('button', { name: 'Add Connection' }).click();
    const fieldError = page.locator('#f-baseUrl-error');
    await fieldError.waitFor();
    expect(await fieldError.textContent()).toContain('not of the site "it"');
    await screenshot(page, 'sites-01-disagreement');
    await page.getByLabel('Custom webservice URL').fill('');
    await page.getByRole('button', { name: 'Add Connection' }).click();
    await page.getByRole('heading', { name: 'Spartoo Italia', level: 1 }).waitFor();
    const saved = (await stack.connections.list()).find((c) => c.settings.name === 'Spartoo Italia')!;
    expect(saved.settings).toMatchObject({ site: 'it', baseUrl: 'https://sws.spartoo.it/mp/' });

    // Its page: the site chosen, no custom URL shown; moving it to the UK moves the webservice.
    expect(await page.getByLabel('Spartoo site').inputValue()).toBe('it');
    expect(await page.getByLabel('Custom webservice URL').inputValue()).toBe('');
    await page.getByLabel('Spartoo site').selectOption('uk');
    await page.getByRole('button', { name: 'Save' }).click();
    await waitFor(
      () => stack.connections.get(saved.id),
      (c) => c?.settings.site === 'uk',
    );
    expect((await stack.connections.get(saved.id))!.settings.baseUrl).toBe('https://sws.spartoo.co.uk/mp/');
    await screenshot(page, 'sites-02-connection-uk');
    expect(errors).toEqual([]);
    await stack.app.inject({ method: 'DELETE', url: `/connections/${saved.id}`, headers: stack.auth });
  });
});
