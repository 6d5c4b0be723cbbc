/**
 * Form bodies as PHP reads them into $_POST: url-encoded and multipart text fields (a file part keeps
 * its file name). No body parser package is installed, and the scripts need nothing more.
 */

export function parseUrlEncoded(body: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(body));
}

/** Text fields of a multipart/form-data body; throws when the boundary is missing. */
export function parseMultipart(body: Buffer, contentType: string): Record<string, string> {
  const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const marker = boundary?.[1] ?? boundary?.[2];
  if (!marker) throw new Error('multipart body without a boundary');
  const fields: Record<string, string> = {};
  const text = body.toString('utf8');
  for (const part of text.split(`--${marker}`).slice(1)) {
    if (part.startsWith('--')) break;
    const headerEnd = part.search(/\r?\n\r?\n/);
    if (headerEnd < 0) continue;
    const headers = part.slice(0, headerEnd);
    const separator = /\r?\n\r?\n/.exec(part.slice(headerEnd))?.[0] ?? '\r\n\r\n';
    const value = part.slice(headerEnd + separator.length).replace(/\r?\n$/, '');
    const disposition = /content-disposition:[^\r\n]*/i.exec(headers)?.[0] ?? '';
    const name = /\bname="([^"]*)"/i.exec(disposition)?.[1];
    if (name === undefined) continue;
    const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1];
    fields[name] = filename === undefined ? value : filename;
  }
  return fields;
}
