/**
 * A small, valid PDF 1.4 written by hand (no PDF package is installed, and a delivery slip needs only
 * lines of text): A4 pages, Helvetica and Helvetica-Bold (standard fonts, nothing embedded),
 * WinAnsiEncoding, uncompressed content streams, a correct cross-reference table. Text outside
 * Latin-1 is written as "?".
 */

export interface PdfLine {
  text: string;
  bold?: boolean;
  /** Font size in points; 10 unless given. */
  size?: number;
}

const PAGE_WIDTH = 595;
const PAGE_HEIGHT = 842;
const MARGIN = 50;
const LEADING = 1.45;

/** Escapes a PDF literal string and keeps it in Latin-1. */
function pdfString(text: string): string {
  const latin1 = [...text].map((c) => (c.codePointAt(0)! <= 0xff ? c : '?')).join('');
  return `(${latin1.replace(/[\\()]/g, (c) => `\\${c}`).replace(/[\r\n]+/g, ' ')})`;
}

/** One page's content stream: each line at its place from the top. */
function pageContent(lines: readonly PdfLine[]): string {
  const ops: string[] = [];
  let y = PAGE_HEIGHT - MARGIN;
  for (const line of lines) {
    const size = line.size ?? 10;
    y -= size * LEADING;
    if (line.text === '') continue;
    ops.push(
      `BT /${line.bold ? 'F2' : 'F1'} ${size} Tf ${MARGIN} ${y.toFixed(1)} Td ${pdfString(line.text)} Tj ET`,
    );
  }
  return ops.join('\n');
}

/** Splits lines into pages that fit between the margins. */
function paginate(lines: readonly PdfLine[]): PdfLine[][] {
  const pages: PdfLine[][] = [[]];
  let used = 0;
  for (const line of lines) {
    const height = (line.size ?? 10) * LEADING;
    if (used + height > PAGE_HEIGHT - 2 * MARGIN && pages.at(-1)!.length > 0) {
      pages.push([]);
      used = 0;
    }
    pages.at(-1)!.push(line);
    used += height;
  }
  return pages;
}

/** The PDF document's bytes, `%PDF-1.4` first. */
export function renderPdf(title: string, lines: readonly PdfLine[]): Buffer {
  const pages = paginate(lines);
  // Objects: 1 catalog, 2 page tree, 3 Helvetica, 4 Helvetica-Bold, 5 info, then a page and its
  // content stream for each page.
  const objects: string[] = [];
  const pageIds = pages.map((_, i) => 6 + i * 2);
  objects[1] = '<< /Type /Catalog /Pages 2 0 R >>';
  objects[2] = `<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(' ')}] /Count ${pages.length} >>`;
  objects[3] = '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>';
  objects[4] = '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>';
  objects[5] = `<< /Title ${pdfString(title)} /Producer (spartoo-sync sandbox) >>`;
  pages.forEach((page, i) => {
    const pageId = pageIds[i]!;
    const content = Buffer.from(pageContent(page), 'latin1');
    objects[pageId] =
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${PAGE_WIDTH} ${PAGE_HEIGHT}] ` +
      `/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents ${pageId + 1} 0 R >>`;
    objects[pageId + 1] = `<< /Length ${content.length} >>\nstream\n${content.toString('latin1')}\nendstream`;
  });

  // A binary comment on the second line tells transfer tools the file is binary.
  let out = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n';
  const offsets: number[] = [];
  for (let id = 1; id < objects.length; id++) {
    offsets[id] = Buffer.byteLength(out, 'latin1');
    out += `${id} 0 obj\n${objects[id]}\nendobj\n`;
  }
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objects.length}\n0000000000 65535 f \n`;
  for (let id = 1; id < objects.length; id++) out += `${String(offsets[id]).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length} /Root 1 0 R /Info 5 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}
