/**
 * Typed failures of a Spartoo webservice call (spartoo-webservices.md, "Error codes").
 * Three families: Spartoo answered with a negative code (SpartooError), no usable answer came back
 * (SpartooTransportError), or a well-formed answer holds the document asked for in a shape it cannot
 * be read in (SpartooUnreadableDocumentError). None ever carries the merchant code (`partenaire`).
 */

/** Spartoo's code table; used when an answer carries a bare code without a description. */
export const SPARTOO_ERROR_MESSAGES: Readonly<Record<number, string>> = {
  1: 'no error',
  [-1]: 'partenaire missing or empty',
  [-2]: 'partenaire unknown',
  [-3]: 'date or oID/rID missing',
  [-5]: 'oID/rID or status missing',
  [-6]: 'order or return not found',
  [-7]: 'illegal status transition',
  [-9]: 'new status equals current status',
  [-11]: 'xml missing or empty',
  [-12]: 'reference_partenaire missing',
  [-13]: 'products_size_reference missing',
  [-14]: 'product not found',
  [-15]: 'XML syntax error',
  [-16]: 'stock cannot be set to that quantity',
  [-18]: 'stock unchanged',
  [-20]: 'size no longer valid for the product',
  // Return labels (xml_maj_returns.php): Spartoo documents -22…-25 as "label upload problems" only.
  // -24 is "link too long"; the other meanings are the project's assumption (spartoo-webservices.md).
  [-22]: 'return label missing or empty',
  [-23]: 'return label format not accepted (PDF, PNG or JPEG file; http(s) link)',
  [-24]: 'return label link too long',
  [-25]: 'return label file too large',
  [-428]: 'account deactivated',
  [-429]: 'too many requests in the current hour',
};

export function spartooErrorMessage(code: number): string {
  return SPARTOO_ERROR_MESSAGES[code] ?? `error ${code}`;
}

/** Spartoo's refusals of a return label (xml_maj_returns.php `label_link` / `label_file`). */
export const RETURN_LABEL_ERROR_CODES: ReadonlySet<number> = new Set([-22, -23, -24, -25]);

/** Codes that mean "the change is already in effect": success for an idempotent retry. */
export const ALREADY_DONE_CODES: ReadonlySet<number> = new Set([-9, -18]);

/** Spartoo answered, with a negative code. Permanent for that request unless `retryable` (-429). */
export class SpartooError extends Error {
  override readonly name = 'SpartooError';
  readonly code: number;
  readonly script: string;
  /** Spartoo's own description of the code (or the code table's when Spartoo sent none). */
  readonly description: string;
  readonly retryable: boolean;
  readonly alreadyDone: boolean;

  constructor(code: number, script: string, description?: string) {
    const text = description?.trim() || spartooErrorMessage(code);
    super(`Spartoo ${script} answered ${code}: ${text}`);
    this.code = code;
    this.script = script;
    this.description = text;
    this.retryable = code === -429;
    this.alreadyDone = ALREADY_DONE_CODES.has(code);
  }
}

export type SpartooTransportFailure =
  | 'network'
  | 'timeout'
  | 'http_status'
  | 'invalid_xml'
  | 'unexpected_shape';

/** No usable answer: network failure, timeout, HTTP status other than 200, broken or unexpected XML. */
export class SpartooTransportError extends Error {
  override readonly name = 'SpartooTransportError';
  readonly script: string;
  readonly kind: SpartooTransportFailure;
  readonly httpStatus?: number;
  /** What went wrong, without the script and kind the message starts with. */
  readonly detail: string;
  readonly retryable = true;

  constructor(
    script: string,
    kind: SpartooTransportFailure,
    detail: string,
    options?: { httpStatus?: number; cause?: unknown },
  ) {
    super(`Spartoo ${script}: ${kind.replace('_', ' ')}: ${detail}`, { cause: options?.cause });
    this.script = script;
    this.kind = kind;
    this.detail = detail;
    this.httpStatus = options?.httpStatus;
  }
}

/**
 * Spartoo answered, well-formed, but the one order or return asked for does not have the expected shape
 * (no purchase date, a line without a price, a quantity "two"): asking again gets the same answer
 * until Spartoo's data is fixed, so it is not retryable. The message names the fields and what is
 * wrong with them, never their values (customer names, addresses, e-mails, phones).
 */
export class SpartooUnreadableDocumentError extends Error {
  override readonly name = 'SpartooUnreadableDocumentError';
  readonly script: string;
  /** `orders_id` / `return_id` of the document asked for. */
  readonly documentId?: string;
  readonly retryable = false;

  constructor(script: string, message: string, documentId?: string) {
    super(message);
    this.script = script;
    this.documentId = documentId;
  }
}

/** Whether trying the same call again later can succeed (a Temporal retry, a back-off). */
export function isRetryable(err: unknown): boolean {
  if (err instanceof SpartooError) return err.retryable;
  if (err instanceof SpartooTransportError) return true;
  return false;
}
