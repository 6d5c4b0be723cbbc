import { createHash, randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { returnLabels } from '../db/schema';
import { returnWorkflowId } from '../workflows/messages';
import { recordHistory } from './support/histories';
import { type Sandbox, startSandbox } from './support/sandbox';
import { startTestStack, type TestStack } from './support/stack';
import { waitFor } from './support/wait';

const PDF = Buffer.concat([
  Buffer.from('%PDF-1.4\n% return label\n'),
  Buffer.from([0, 7, 200, 255, 13, 10, 45, 45]),
  Buffer.from('\n%%EOF\n'),
]);
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82]);

/** A multipart/form-data body as a browser sends it: files and text fields. */
function multipart(parts: { name: string; filename?: string; type?: string; content: Buffer | string }[]) {
  const boundary = `----spartoo-sync-test-${randomUUID()}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition = `form-data; name="${part.name}"${part.filename === undefined ? '' : `; filename="${part.filename}"`}`;
    const type = part.type ? `\r\nContent-Type: ${part.type}` : '';
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}${type}\r\n\r\n`));
    chunks.push(Buffer.isBuffer(part.content) ? part.content : Buffer.from(part.content));
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** A workflow history as text with every payload decoded (payload data is base64 in the history). */
function readable(history: unknown): string {
  const decoded: string[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === 'data' && typeof value === 'string')
          decoded.push(Buffer.from(value, 'base64').toString('latin1'));
        else if (key === 'data' && value instanceof Uint8Array)
          decoded.push(Buffer.from(value).toString('latin1'));
        else walk(value);
      }
    }
  };
  walk(history);
  return `${JSON.stringify(history)}\n${decoded.join('\n')}`;
}

/**
 * Return labels (issue 13, item 2) through the product: the API, the return workflow on the real
 * Temporal dev server, its activity and the sandbox's xml_maj_returns.php.
 */
describe('return labels', () => {
  let stack: TestStack;
  let sandbox: Sandbox;
  let connectionId = '';
  let partenaire = '';
  let orderId = '';

  beforeAll(async () => {
    [stack, sandbox] = await Promise.all([startTestStack(), startSandbox()]);
    await stack.store.upsertProducts([{ id: 'LBL-40', stock: 20, priceFinalInclTaxCents: 4000 }]);
    partenaire = `P-${randomUUID().slice(0, 8)}`;
    await sandbox.createMerchant(partenaire);
    orderId = await sandbox.createOrder(partenaire, {
      products: [
        {
          products_reference: 'LBL',
          products_size_reference: 'LBL-40',
          products_qty: '3',
          products_price_unit: '40.00',
          products_price_unit_with_reduce: '40.00',
        },
      ],
    });
    const created = await api('POST', '/connections', {
      name: 'Labels',
      apiKey: partenaire,
      baseUrl: sandbox.baseUrl,
      autoAccept: true,
      pollIntervalSeconds: 3600,
      stockSyncIntervalSeconds: 3600,
    });
    expect(created.statusCode).toBe(201);
    connectionId = created.json().id;
    await waitFor(
      async () => (await stack.orders.get(connectionId, orderId))?.status,
      (s) => s === 'AWAITING_SHIPMENT',
    );
  });
  afterAll(async () => {
    await stack?.close();
    await sandbox?.close();
  });

  function api(method: string, url: string, payload?: unknown) {
    return stack.app.inject({
      method: method as 'GET',
      url,
      headers: stack.auth,
      ...(payload ? { payload } : {}),
    });
  }
  const acceptUrl = (returnId: string) => `/connections/${connectionId}/returns/${returnId}/accept`;
  function upload(returnId: string, parts: Parameters<typeof multipart>[0]) {
    const { payload, contentType } = multipart(parts);
    return stack.app.inject({
      method: 'POST',
      url: acceptUrl(returnId),
      headers: { ...stack.auth, 'content-type': contentType },
      payload,
    });
  }

  /** A return Spartoo holds, seen by a sync, its workflow running. */
  async function newReturn(): Promise<string> {
    const returnId = await sandbox.createReturn(partenaire, { order: orderId, return_reason: 'Too big' });
    expect((await api('POST', `/connections/${connectionId}/sync`)).statusCode).toBe(200);
    await waitFor(
      () =>
        stack.client.workflow
          .getHandle(returnWorkflowId(connectionId, returnId))
          .describe()
          .then((d) => d.status.name)
          .catch(() => 'NONE'),
      (s) => s === 'RUNNING',
    );
    return returnId;
  }

  it('sends a label link as label_link', async () => {
    const returnId = await newReturn();
    const res = await api('POST', acceptUrl(returnId), { labelUrl: 'https://labels.example/r/1.pdf' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ACCEPTED', restocked: true, lastError: null });
    expect(await sandbox.getReturn(returnId)).toMatchObject({
      return_status: 4,
      label_link: 'https://labels.example/r/1.pdf',
    });
    await recordHistory(
      stack.client,
      returnWorkflowId(connectionId, returnId),
      'return-accepted-with-label-link',
    );
  });

  it('answers Spartoo’s -24 (link too long) as a 422 with its meaning, then takes a label file by id', async () => {
    const returnId = await newReturn();
    const tooLong = `https://labels.example/${'x'.repeat(300)}.pdf`;
    const refused = await api('POST', acceptUrl(returnId), { labelUrl: tooLong });
    expect(refused.statusCode).toBe(422);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(refused.json()).toMatchObject({
      status: 422,
      title: 'Unprocessable Content',
      detail: expect.stringMatching(/^Spartoo refused the return label \(-24\): label_link too long/),
      errors: [{ field: 'labelUrl', message: expect.stringContaining('-24') }],
    });
    // Nothing changed on Spartoo; the return waits, with what went wrong.
    expect(await sandbox.getReturn(returnId)).toMatchObject({ return_status: 2, label_link: '' });
    const waiting = (await api('GET', `/returns?connectionId=${connectionId}`))
      .json()
      .items.find((r: { returnId: string }) => r.returnId === returnId);
    expect(waiting).toMatchObject({ status: 'WAITING_RECEPTION', lastError: expect.stringContaining('-24') });

    const accepted = await upload(returnId, [
      {
        name: 'label',
        filename: 'C:\\Users\\me\\étiquette retour.pdf',
        type: 'application/pdf',
        content: PDF,
      },
    ]);
    expect(accepted.statusCode).toBe(200);
    expect(accepted.json()).toMatchObject({ status: 'ACCEPTED', restocked: true, lastError: null });
    const held = (await sandbox.getReturn(returnId)) as unknown as {
      return_status: number;
      label_file: { filename: string; content_type: string; size: number; sha256: string };
    };
    expect(held.return_status).toBe(4);
    expect(held.label_file).toEqual({
      filename: 'étiquette retour.pdf',
      content_type: 'application/pdf',
      size: PDF.length,
      sha256: createHash('sha256').update(PDF).digest('hex'),
    });

    // Kept in the database, handed to the workflow by id: the file is in no history.
    const [row] = await stack.database.db
      .select()
      .from(returnLabels)
      .where(eq(returnLabels.returnId, returnId));
    expect(row).toMatchObject({ connectionId, filename: 'étiquette retour.pdf', size: PDF.length });
    expect(row?.sentAt).toBeInstanceOf(Date);
    expect(Buffer.from(row!.content).equals(PDF)).toBe(true);
    const history = readable(
      await stack.client.workflow.getHandle(returnWorkflowId(connectionId, returnId)).fetchHistory(),
    );
    expect(history).toContain(`"labelId":"${row!.id}"`);
    expect(history).not.toContain('%PDF');
    expect(history).not.toContain(PDF.toString('base64').slice(0, 24));
    await recordHistory(
      stack.client,
      returnWorkflowId(connectionId, returnId),
      'return-label-refused-then-file',
    );
  });

  it('takes a PNG label; refuses a file that is not PDF, PNG or JPEG (415), over 5 MB (413), empty, misnamed or with other fields (400)', async () => {
    const returnId = await newReturn();
    const gif = await upload(returnId, [
      { name: 'label', filename: 'l.gif', type: 'image/gif', content: 'GIF89a…' },
    ]);
    expect(gif.statusCode).toBe(415);
    const big = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(5 * 1024 * 1024)]);
    const tooBig = await upload(returnId, [
      { name: 'label', filename: 'l.pdf', type: 'application/pdf', content: big },
    ]);
    expect(tooBig.statusCode).toBe(413);
    expect(tooBig.headers['content-type']).toContain('application/problem+json');
    const empty = await upload(returnId, [
      { name: 'label', filename: 'l.pdf', type: 'application/pdf', content: '' },
    ]);
    expect(empty.statusCode).toBe(400);
    const misnamed = await upload(returnId, [{ name: 'file', filename: 'l.pdf', content: PDF }]);
    expect(misnamed.statusCode).toBe(400);
    expect(misnamed.json().errors).toEqual([{ field: 'file', message: expect.any(String) }]);
    const noFile = await upload(returnId, [{ name: 'labelUrl', content: 'https://labels.example/x.pdf' }]);
    expect(noFile.statusCode).toBe(400);
    const notHttp = await api('POST', acceptUrl(returnId), { labelUrl: 'javascript:alert(1)' });
    expect(notHttp.statusCode).toBe(400);
    expect(notHttp.json().errors).toEqual([{ field: 'labelUrl', message: expect.any(String) }]);
    const unknownField = await api('POST', acceptUrl(returnId), { label: 'x' });
    expect(unknownField.statusCode).toBe(400);
    // None of it reached Spartoo, nor the database.
    expect((await sandbox.calls(partenaire)).filter((c) => c.params.rID === returnId)).toEqual([]);
    expect(
      await stack.database.db.select().from(returnLabels).where(eq(returnLabels.returnId, returnId)),
    ).toEqual([]);

    const png = await upload(returnId, [
      { name: 'label', filename: 'label.png', type: 'image/png', content: PNG },
    ]);
    expect(png.statusCode).toBe(200);
    expect(
      ((await sandbox.getReturn(returnId)) as unknown as { label_file: unknown }).label_file,
    ).toMatchObject({
      filename: 'label.png',
      content_type: 'image/png',
    });
  });

  it('keeps no label for an accept the workflow refuses (409), and accepts without a label as before', async () => {
    const returnId = await newReturn();
    expect((await api('POST', acceptUrl(returnId))).json()).toMatchObject({ status: 'ACCEPTED' });
    expect(await sandbox.getReturn(returnId)).toMatchObject({ return_status: 4, label_link: '' });
    const again = await upload(returnId, [
      { name: 'label', filename: 'l.pdf', type: 'application/pdf', content: PDF },
    ]);
    expect(again.statusCode).toBe(409);
    expect(
      await stack.database.db.select().from(returnLabels).where(eq(returnLabels.returnId, returnId)),
    ).toEqual([]);
    expect((await api('POST', `/connections/${connectionId}/returns/NOPE/accept`)).statusCode).toBe(404);
  });
});
