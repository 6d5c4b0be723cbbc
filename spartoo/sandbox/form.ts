/**
 * Form bodies as PHP reads them: url-encoded and multipart text fields into $_POST (a file part's
 * name is its file name there too, as the call log shows it), and multipart file parts, bytes
 * intact, into $_FILES (a return label sent as `label_file`). No body parser package is installed,
 * and the scripts need nothing more.
 */

/** One uploaded file, as PHP's $_FILES holds it. */
export interface UploadedFile {
  filename: string;
  contentType: string;
  bytes: Buffer;
}

export interface FormBody {
  fields: Record<string, string>;
  files: Record<string, UploadedFile>;
}

export function parseUrlEncoded(body: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(body));
}

const HEADER_END = Buffer.from('\r\n\r\n');

/**
 * Text fields and files of a multipart/form-data body; throws when the boundary is missing. Parts are
 * split on the raw bytes, so a binary file (a PDF, a PNG) arrives exactly as sent.
 */
export function parseMultipart(body: Buffer, contentType: string): FormBody {
  const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const marker = boundary?.[1] ?? boundary?.[2];
  if (!marker) throw new Error('multipart body without a boundary');
  const delimiter = Buffer.from(`--${marker}`);
  const fields: Record<string, string> = {};
  const files: Record<string, UploadedFile> = {};
  let start = body.indexOf(delimiter);
  while (start >= 0) {
    const partStart = start + delimiter.length;
    // The closing delimiter is followed by "--".
    if (body.subarray(partStart, partStart + 2).toString('latin1') === '--') break;
    const next = body.indexOf(delimiter, partStart);
    if (next < 0) break;
    // A part is "\r\n" headers "\r\n\r\n" content "\r\n" before the next delimiter.
    const part = body.subarray(partStart, next);
    start = next;
    const headerEnd = indexOfHeaderEnd(part);
    if (headerEnd.at < 0) continue;
    const headers = part.subarray(0, headerEnd.at).toString('utf8');
    let content = part.subarray(headerEnd.at + headerEnd.length);
    if (content.subarray(-2).toString('latin1') === '\r\n') content = content.subarray(0, -2);
    else if (content.subarray(-1).toString('latin1') === '\n') content = content.subarray(0, -1);
    const disposition = /content-disposition:[^\r\n]*/i.exec(headers)?.[0] ?? '';
    const name = /\bname="([^"]*)"/i.exec(disposition)?.[1];
    if (name === undefined) continue;
    const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1];
    if (filename === undefined) {
      fields[name] = content.toString('utf8');
      continue;
    }
    fields[name] = filename;
    files[name] = {
      filename,
      contentType: /content-type:\s*([^\r\n;]+)/i.exec(headers)?.[1]?.trim() ?? 'application/octet-stream',
      bytes: Buffer.from(content),
    };
  }
  return { fields, files };
}

/** Where a part's headers end: a blank line, "\r\n\r\n" (or "\n\n" from a lax client). */
function indexOfHeaderEnd(part: Buffer): { at: number; length: number } {
  const crlf = part.indexOf(HEADER_END);
  const lf = part.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf <= lf)) return { at: crlf, length: 4 };
  return { at: lf, length: lf >= 0 ? 2 : 0 };
}
