import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { UnknownStoreError } from '../db/stores';
import { DecisionRefusedError, RequestFailedError } from '../runtime/workflow-gateway';

/** RFC 9457 problem details: every error the API answers. */
export const fieldErrorSchema = z.object({ field: z.string(), message: z.string() });
export const problemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  errors: z.array(fieldErrorSchema).optional(),
});
export type FieldError = z.infer<typeof fieldErrorSchema>;

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

/** Thrown by route handlers for an answer other than success. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    detail: string,
    readonly errors?: FieldError[],
  ) {
    super(detail);
  }
}

export const notFound = (what: string) => new HttpProblem(404, `${what} not found`);
export const conflict = (detail: string) => new HttpProblem(409, detail);

export function sendProblem(reply: FastifyReply, status: number, detail: string, errors?: FieldError[]) {
  return reply
    .code(status)
    .type('application/problem+json')
    .send({
      type: status === 400 && errors ? 'urn:spartoo-sync:validation-error' : 'about:blank',
      title: TITLES[status] ?? 'Error',
      status,
      detail,
      ...(errors ? { errors } : {}),
    });
}

interface ValidationIssue {
  instancePath: string;
  message?: string;
  keyword?: string;
  params?: { keys?: string[] };
}

/** One entry per offending field; an unknown key is named as the field it is. */
export function fieldErrors(issues: ValidationIssue[], context?: string): FieldError[] {
  // Body fields are named as they are; query and path fields say where they are.
  const scope = context === 'body' ? undefined : context;
  const prefix = (p: string) => [scope, p].filter(Boolean).join('.');
  return issues.flatMap((issue) => {
    const path = issue.instancePath.replace(/^\//, '').replaceAll('/', '.');
    if (issue.keyword === 'unrecognized_keys' && issue.params?.keys?.length) {
      return issue.params.keys.map((key) => ({
        field: prefix([path, key].filter(Boolean).join('.')),
        message: 'is not a known field',
      }));
    }
    return [{ field: prefix(path) || context || 'body', message: issue.message ?? 'is invalid' }];
  });
}

export function errorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof HttpProblem) return sendProblem(reply, error.status, error.message, error.errors);
  // A workflow refused the request (not in the right status, or ended), or took it and failed it.
  if (error instanceof DecisionRefusedError) return sendProblem(reply, 409, error.message);
  if (error instanceof RequestFailedError) return sendProblem(reply, 502, error.message);
  // A connection named a store that does not exist: nothing was saved.
  if (error instanceof UnknownStoreError) {
    const message = `is not a store: ${error.storeId} does not exist (GET /stores lists them)`;
    return sendProblem(reply, 400, `Invalid body: storeId ${message}`, [{ field: 'storeId', message }]);
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const errors = fieldErrors(error.validation as ValidationIssue[], error.validationContext);
    const detail = `Invalid ${error.validationContext ?? 'request'}: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}`;
    return sendProblem(reply, 400, detail, errors);
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) return sendProblem(reply, status, error.message);
  request.log.error({ err: error }, 'request failed');
  return sendProblem(reply, Math.max(status, 500), 'The request could not be completed; see the server log');
}
