import path from 'node:path';
import multipart from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createReturnLabelRepository, type ReturnLabelFile } from '../../db/return-labels';
import type { ReturnRecord } from '../../db/returns';
import { RETURN_STATUSES } from '../../domain/statuses';
import { DecisionRefusedError, ReturnLabelRejectedError } from '../../runtime/workflow-gateway';
import { type ReturnLabelRef, returnWorkflowId } from '../../workflows/messages';
import type { AppDependencies } from '../app';
import { HttpProblem, notFound, problemSchema } from '../problem';
import { temporalUiUrl } from '../temporal-links';

const returnSchema = z.object({
  connectionId: z.string(),
  returnId: z.string(),
  orderId: z.string(),
  status: z.enum(RETURN_STATUSES),
  spartooStatus: z.number(),
  reason: z.string(),
  product: z.record(z.string(), z.unknown()),
  returnedAt: z.string().nullable(),
  restocked: z.boolean(),
  lastError: z.string().nullable(),
  workflowId: z.string(),
  temporalUiUrl: z.string(),
  updatedAt: z.string(),
});

const errors = { 400: problemSchema, 401: problemSchema, 404: problemSchema, 409: problemSchema };

/** Largest return label file taken (issue 13, item 2). */
export const RETURN_LABEL_MAX_BYTES = 5 * 1024 * 1024;
const LABEL_TYPES = { pdf: 'application/pdf', png: 'image/png', jpeg: 'image/jpeg' } as const;

/** PDF, PNG or JPEG, told by the file's first bytes (never by its name or the type the browser gave). */
function labelType(bytes: Buffer): string | undefined {
  if (bytes.subarray(0, 5).toString('latin1') === '%PDF-') return LABEL_TYPES.pdf;
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    return LABEL_TYPES.png;
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return LABEL_TYPES.jpeg;
  return undefined;
}

/** A file name safe to send on: its last part, printable, at most 120 characters. */
function labelFileName(given: string | undefined, type: string): string {
  const base = path.basename(String(given ?? '').replaceAll('\\', '/')).replace(/[^\p{L}\p{N}._ -]/gu, '_');
  const extension = type === LABEL_TYPES.pdf ? 'pdf' : type === LABEL_TYPES.png ? 'png' : 'jpg';
  return base.replace(/^[._ ]+/, '').slice(-120) || `return-label.${extension}`;
}

/** The one part of a multipart accept: the file `label` (PDF, PNG or JPEG, 5 MB at most). */
async function readLabelUpload(request: FastifyRequest): Promise<ReturnLabelFile> {
  let file: ReturnLabelFile | undefined;
  for await (const part of request.parts()) {
    if (part.type !== 'file' || part.fieldname !== 'label' || file) {
      if (part.type === 'file') await part.toBuffer().catch(() => undefined);
      throw new HttpProblem(400, 'A return label upload is one file in the multipart field `label`', [
        { field: part.fieldname, message: 'is not expected: send the label file as `label`' },
      ]);
    }
    const content = await part.toBuffer();
    if (content.length === 0) {
      throw new HttpProblem(400, 'The return label file is empty', [{ field: 'label', message: 'is empty' }]);
    }
    const contentType = labelType(content);
    if (!contentType) throw new HttpProblem(415, 'The return label must be a PDF, PNG or JPEG file');
    file = { filename: labelFileName(part.filename, contentType), contentType, content };
  }
  if (!file) {
    throw new HttpProblem(400, 'No return label file: send it in the multipart field `label`', [
      { field: 'label', message: 'is required in a multipart accept' },
    ]);
  }
  return file;
}

/** Spartoo's meaning of its refusal, without the "Spartoo <script> answered <code>:" in front. */
const spartooMeaning = (message: string) => message.replace(/^Spartoo \S+ answered -?\d+:\s*/, '');

/** Returns (RMA): the grid and the merchant's accept (Spartoo 4, restock) or refuse (Spartoo 3). */
export const returnRoutes: FastifyPluginAsyncZod<AppDependencies> = async (app, deps) => {
  const labels = createReturnLabelRepository(deps.database.db);
  // Multipart for this plugin's routes only: the accept with a label file.
  await app.register(multipart, {
    limits: { fileSize: RETURN_LABEL_MAX_BYTES, files: 1, fields: 4, parts: 5 },
  });

  const present = (r: ReturnRecord): z.infer<typeof returnSchema> => {
    const workflowId = returnWorkflowId(r.connectionId, r.returnId);
    return {
      connectionId: r.connectionId,
      returnId: r.returnId,
      orderId: r.orderId,
      status: r.status as z.infer<typeof returnSchema>['status'],
      spartooStatus: r.spartooStatus,
      reason: r.reason,
      product: r.product,
      returnedAt: r.returnedAt?.toISOString() ?? null,
      restocked: r.restockedAt !== null,
      lastError: r.lastError,
      workflowId,
      temporalUiUrl: temporalUiUrl(deps.temporalUiUrl, deps.namespace, workflowId),
      updatedAt: r.updatedAt.toISOString(),
    };
  };

  app.get(
    '/returns',
    {
      schema: {
        tags: ['returns'],
        querystring: z.object({
          connectionId: z.string().optional(),
          status: z.enum(RETURN_STATUSES).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(50),
          cursor: z.iso.datetime().optional(),
        }),
        response: {
          200: z.object({ items: z.array(returnSchema), nextCursor: z.string().nullable() }),
          ...errors,
        },
      },
    },
    async (request) => {
      const { cursor, limit, ...filter } = request.query;
      const rows = await deps.returns.list({ ...filter, limit: limit + 1, before: cursor });
      const items = rows.slice(0, limit);
      return {
        items: items.map(present),
        nextCursor: rows.length > limit ? items.at(-1)!.createdAt.toISOString() : null,
      };
    },
  );

  const params = z.object({ id: z.string().min(1), returnId: z.string().min(1) });

  app.post(
    '/connections/:id/returns/:returnId/accept',
    {
      schema: {
        tags: ['returns'],
        summary: 'Accept a return (Spartoo 4), with a return label or without',
        description:
          'No body: no label. JSON `{labelUrl}`: the label as a link (sent as `label_link`). ' +
          'multipart/form-data with one file in the field `label` (PDF, PNG or JPEG, 5 MB at most): ' +
          'the label as a file (sent as `label_file`). Spartoo refusing the label (-22…-25) is a 422 ' +
          'with its meaning; the return stays waiting.',
        params,
        body: z
          .object({
            labelUrl: z
              .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
              .max(2048)
              .optional()
              .describe('the return label as a link (Spartoo `label_link`)'),
          })
          .strict()
          // No body, or a multipart one (read by the handler), arrive as null.
          .nullish(),
        response: {
          200: returnSchema,
          ...errors,
          413: problemSchema,
          415: problemSchema,
          422: problemSchema,
        },
      },
    },
    async (request) => {
      const { id, returnId } = request.params;
      if (!(await deps.returns.get(id, returnId))) throw notFound(`Return ${returnId} of connection ${id}`);
      let label: ReturnLabelRef | undefined;
      if (request.isMultipart())
        label = { labelId: await labels.save(id, returnId, await readLabelUpload(request)) };
      else if (request.body?.labelUrl) label = { labelUrl: request.body.labelUrl };
      try {
        await deps.workflows.decideReturn(id, returnId, 'accept', label);
      } catch (err) {
        // A label no decision will send is not kept.
        if (label?.labelId && err instanceof DecisionRefusedError) await labels.remove(label.labelId);
        if (err instanceof ReturnLabelRejectedError) {
          const meaning = spartooMeaning(err.message);
          throw new HttpProblem(422, `Spartoo refused the return label (${err.code}): ${meaning}`, [
            { field: label?.labelId ? 'label' : 'labelUrl', message: `Spartoo ${err.code}: ${meaning}` },
          ]);
        }
        throw err;
      }
      return present((await deps.returns.get(id, returnId))!);
    },
  );

  app.post(
    '/connections/:id/returns/:returnId/refuse',
    { schema: { tags: ['returns'], params, response: { 200: returnSchema, ...errors } } },
    async (request) => {
      const { id, returnId } = request.params;
      if (!(await deps.returns.get(id, returnId))) throw notFound(`Return ${returnId} of connection ${id}`);
      await deps.workflows.decideReturn(id, returnId, 'refuse');
      return present((await deps.returns.get(id, returnId))!);
    },
  );
};
