import { isUtf8 } from 'node:buffer';
import { Transform, type TransformCallback } from 'node:stream';
import { TextDecoder } from 'node:util';
import { ImportFileError } from './formats';

/**
 * The character encoding of an incoming CSV (registry import, departmental feeds). Departments export from
 * Chinese Windows and Excel, where "CSV" is often GB18030 (GBK), and some tools write UTF-16, so a file is read
 * in the encoding its first bytes show and handed on as UTF-8:
 * - a byte-order mark decides (UTF-8, UTF-16 LE or BE);
 * - else the first 64 KiB: valid UTF-8 is UTF-8 (ASCII included; a few damaged bytes among much UTF-8 too),
 *   else valid GB18030 is GB18030, else more UTF-8 than damage is UTF-8;
 * - a workbook (.xlsx, .xls), a binary file (over 5 % NUL bytes), or bytes that are neither is refused with
 *   a precise error before any row is read.
 * Bytes later in the file that are not valid in its encoding become U+FFFD, which no name, address or other
 * free-text value accepts (person-fields.ts): that row is rejected or the value left out; the others still apply.
 */

export type CsvEncoding = 'utf-8' | 'gb18030' | 'utf-16le' | 'utf-16be';
/** How a summary names an encoding. */
export const ENCODING_NAMES: Record<CsvEncoding, string> = { 'utf-8': 'UTF-8', gb18030: 'GB18030 (GBK)', 'utf-16le': 'UTF-16', 'utf-16be': 'UTF-16 (big-endian)' };

/** How much of the start of a file decides its encoding. */
export const SNIFF_BYTES = 64 * 1024;

const startsWith = (b: Buffer, ...bytes: number[]) => bytes.every((x, i) => b[i] === x);

function nulShare(b: Buffer): number {
  let n = 0;
  for (let i = b.indexOf(0); i !== -1; i = b.indexOf(0, i + 1)) n++;
  return b.length ? n / b.length : 0;
}

/** The start of `b` without a UTF-8 sequence cut off at its end (the rest of the file follows). */
function wholeUtf8(b: Buffer): Buffer {
  for (let back = 1; back <= Math.min(3, b.length); back++) {
    const byte = b[b.length - back] as number;
    if (byte < 0x80) return b;
    if (byte >= 0xc0) {
      const len = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2;
      return len > back ? b.subarray(0, b.length - back) : b;
    }
  }
  return b;
}

/**
 * How much of `head` reads as UTF-8: characters beyond ASCII, and damaged sequences (each one U+FFFD). A UTF-8
 * file with a few damaged bytes stays UTF-8 (only those rows are affected): read as GB18030, a UTF-8 file's
 * Chinese turns into other, plausible Chinese characters.
 */
function utf8Reading(head: Buffer): { wide: number; damaged: number } {
  let damaged = 0;
  let wide = 0;
  for (const ch of new TextDecoder('utf-8').decode(head)) {
    if (ch === '\uFFFD') damaged++;
    else if (ch.charCodeAt(0) > 0x7f) wide++;
  }
  return { wide, damaged };
}

/** The encoding of a file from its first bytes (`complete`: the whole file), or why it is not a text CSV. */
export function detectEncoding(start: Buffer, complete: boolean): { encoding: CsvEncoding } | { error: string } {
  if (startsWith(start, 0xef, 0xbb, 0xbf)) return { encoding: 'utf-8' };
  if (startsWith(start, 0xff, 0xfe)) return { encoding: 'utf-16le' };
  if (startsWith(start, 0xfe, 0xff)) return { encoding: 'utf-16be' };
  if (startsWith(start, 0x50, 0x4b, 0x03, 0x04) || startsWith(start, 0xd0, 0xcf, 0x11, 0xe0)) {
    return { error: 'is an Excel workbook (or another binary file), not CSV: save it from Excel as "CSV UTF-8 (comma delimited)"' };
  }
  // A stray NUL in text is a control character like others (stripped from the values); many are a binary file.
  if (nulShare(start) > 0.05) return { error: 'is a binary file, not CSV text (it contains NUL bytes)' };
  const head = complete ? start : wholeUtf8(start);
  if (isUtf8(head)) return { encoding: 'utf-8' };
  // Mostly UTF-8: damaged UTF-8. Else valid GB18030 is GB18030; else more UTF-8 than damage is damaged UTF-8.
  const { wide, damaged } = utf8Reading(head);
  if (wide >= 10 * damaged) return { encoding: 'utf-8' };
  try {
    new TextDecoder('gb18030', { fatal: true }).decode(start, { stream: !complete });
    return { encoding: 'gb18030' };
  } catch {
    if (wide > damaged) return { encoding: 'utf-8' };
    return { error: 'is neither UTF-8 nor GB18030 (GBK) text: save it as "CSV UTF-8"' };
  }
}

/**
 * A transform from the file's bytes to UTF-8: decides the encoding on the first SNIFF_BYTES (or the whole file
 * when shorter), passes UTF-8 through unchanged and decodes the others. `bytesIn` counts the file's own bytes
 * (progress against the file's size).
 */
export class ToUtf8 extends Transform {
  encoding: CsvEncoding | undefined;
  bytesIn = 0;
  private head: Buffer[] = [];
  private headBytes = 0;
  private decoder: TextDecoder | undefined;

  constructor(private readonly label: string) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytesIn += chunk.length;
    if (this.encoding) return done(null, this.convert(chunk));
    this.head.push(chunk);
    this.headBytes += chunk.length;
    if (this.headBytes < SNIFF_BYTES) return done();
    this.decide(false, done);
  }

  override _flush(done: TransformCallback): void {
    if (!this.encoding) return this.decide(true, done, true);
    const rest = this.decoder?.decode();
    done(null, rest ? Buffer.from(rest, 'utf8') : undefined);
  }

  private decide(complete: boolean, done: TransformCallback, end = false): void {
    const start = Buffer.concat(this.head);
    this.head = [];
    const found = detectEncoding(start, complete);
    if ('error' in found) return done(new ImportFileError(`${this.label} ${found.error}`, this.label));
    this.encoding = found.encoding;
    if (found.encoding !== 'utf-8') this.decoder = new TextDecoder(found.encoding);
    const out = this.convert(start);
    const rest = end ? this.decoder?.decode() : undefined;
    done(null, rest ? Buffer.concat([out, Buffer.from(rest, 'utf8')]) : out);
  }

  private convert(chunk: Buffer): Buffer {
    return this.decoder ? Buffer.from(this.decoder.decode(chunk, { stream: true }), 'utf8') : chunk;
  }
}
