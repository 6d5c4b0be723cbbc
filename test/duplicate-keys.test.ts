import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from './support/sandbox';
import { startTestStack, type TestStack } from './support/stack';

/**
 * Duplicate ids and keys in the merchant's catalogue (issue "Nothing lost, nothing stuck", items 7 and 15):
 * the same id twice in one upload is refused, nothing saved; the same sku on two products never blocks
 * the stock cycle, the lowest id wins, and the connection says which keys are shared.
 */
describe('duplicate product ids and keys', () => {
  let stack: TestStack;
  let sandbox: Sandbox;
  beforeAll(async () => {
    [stack, sandbox] = await Promise.all([startTestStack(), startSandbox()]);
  });
  afterAll(async () => {
    await stack?.close();
    await sandbox?.close();
  });

  const api = (method: string, url: string, payload?: unknown) =>
    stack.app.inject({ method: method as 'GET', url, headers: stack.auth, ...(payload ? { payload } : {}) });

  it('PUT /store/products with the same id twice: 400 naming the id, and nothing saved', async () => {
    const res = await api('PUT', '/store/products', [
      { id: 'DUP-1', stock: 1 },
      { id: 'DUP-2', stock: 2 },
      { id: 'DUP-1', stock: 3 },
      { id: ' DUP-2 ', stock: 4 },
      { id: 'DUP-3', stock: 5 },
    ]);
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    const problem = res.json();
    expect(problem).toMatchObject({ status: 400, type: 'urn:spartoo-sync:validation-error' });
    expect(problem.errors).toEqual([
      { field: '2.id', message: expect.stringContaining('"DUP-1"') },
      { field: '3.id', message: expect.stringContaining('"DUP-2"') },
    ]);
    expect(problem.detail).toContain('DUP-1');
    for (const id of ['DUP-1', 'DUP-2', 'DUP-3']) {
      expect((await api('GET', `/store/products/${id}`)).statusCode).toBe(404);
    }
    // The same batch without the repeats is saved.
    const ok = await api('PUT', '/store/products', [
      { id: 'DUP-1', stock: 1 },
      { id: 'DUP-2', stock: 2 },
    ]);
    expect(ok.json()).toEqual({ upserted: 2 });
  });

  it('with an sku on several products: the stock push completes, each sku once with the lowest id, and the connection warns', async () => {
    const tag = randomUUID().slice(0, 6);
    const sku = (name: string) => `${name}-${tag}`;
    const put = await api('PUT', '/store/products', [
      { id: `${tag}-b1`, sku: sku('SHOE'), reference: 'SHOE', stock: 1 },
      { id: `${tag}-a9`, sku: sku('SHOE'), reference: 'SHOE', stock: 2 },
      { id: `${tag}-B1`, sku: sku('SHOE'), reference: 'SHOE', stock: 3 },
      { id: `${tag}-a10`, sku: sku('SHOE'), reference: 'SHOE', stock: 4 },
      { id: `${tag}-x1`, sku: sku('BOOT'), reference: 'BOOT-R1', stock: 5 },
      { id: `${tag}-x2`, sku: ` ${sku('BOOT')} `, reference: 'BOOT-R2', stock: 6 },
      { id: `${tag}-y`, sku: sku('SOCK'), stock: 7 },
    ]);
    expect(put.statusCode).toBe(200);
    const partenaire = `P-${randomUUID().slice(0, 8)}`;
    await sandbox.createMerchant(partenaire);
    const created = await api('POST', '/connections', {
      name: 'Duplicates',
      apiKey: partenaire,
      baseUrl: sandbox.baseUrl,
      syncLevel: 'STOCK_ONLY',
      productIdentificationAttribute: 'sku',
      stockSyncIntervalSeconds: 3600,
    });
    expect(created.statusCode).toBe(201);
    const id = created.json().id as string;

    // Twice: "Push stock now" sends every size each time.
    for (let i = 0; i < 2; i++) {
      const pushed = await api('POST', `/connections/${id}/stock-sync`);
      expect(pushed.statusCode, pushed.body).toBe(200);
      expect(pushed.json().errors).toEqual([]);
    }
    const mine = (await sandbox.stock(partenaire)).filter((s) => s.size_reference.endsWith(tag));
    expect(mine.sort((a, b) => (a.size_reference < b.size_reference ? -1 : 1))).toEqual([
      { reference_partenaire: 'BOOT-R1', size_reference: sku('BOOT'), quantity: 5 },
      { reference_partenaire: 'SHOE', size_reference: sku('SHOE'), quantity: 3 },
      { reference_partenaire: sku('SOCK'), size_reference: sku('SOCK'), quantity: 7 },
    ]);
    const sent = (await sandbox.calls(partenaire))
      .filter((c) => c.script === 'xml_maj_stock_batch.php')
      .map((c) => c.params.xml ?? '');
    // Once a push: one sizes line per key, never the losers' beside the winner's.
    expect(sent.length).toBeGreaterThan(0);
    for (const xml of sent) {
      expect(xml.split(sku('SHOE')).length - 1).toBeLessThanOrEqual(1);
      expect(xml.split(sku('BOOT')).length - 1).toBeLessThanOrEqual(1);
    }

    const shown = await api('GET', `/connections/${id}`);
    expect(shown.statusCode).toBe(200);
    expect(shown.json().lastStockSync).toMatchObject({ ok: true });
    const warnings = shown.json().warnings.filter((w: { key: string }) => w.key.endsWith(tag));
    expect(warnings).toEqual([
      {
        code: 'DUPLICATE_PRODUCT_KEY',
        key: sku('BOOT'),
        productIds: [`${tag}-x1`, `${tag}-x2`],
        productCount: 2,
      },
      {
        code: 'DUPLICATE_PRODUCT_KEY',
        key: sku('SHOE'),
        productIds: [`${tag}-B1`, `${tag}-a10`, `${tag}-a9`, `${tag}-b1`],
        productCount: 4,
      },
    ]);
    // Identified by id, the same products share nothing.
    await api('PATCH', `/connections/${id}`, { productIdentificationAttribute: 'id' });
    const byId = (await api('GET', `/connections/${id}`)).json();
    expect(byId.warnings.filter((w: { key: string }) => w.key.includes(tag))).toEqual([]);
  });
});
