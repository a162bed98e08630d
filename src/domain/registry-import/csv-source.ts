import fs from 'node:fs';
import path from 'node:path';
import { pipeline, type Readable } from 'node:stream';
import { parse, type Parser } from 'csv-parse';
import { type CsvEncoding, ToUtf8 } from './csv-encoding';
import { ImportFileError } from './formats';

/** Reading a CSV file or stream record by record, with physical line numbers. */
// ------------------------------------------------------------------ CSV reading

export interface CsvRecord {
  /** The physical line the record starts on (header = 1). */
  line: number;
  fields: string[];
}
/** The rest of a file that csv-parse could not read (an unclosed quote swallows everything after it). */
interface CsvUnreadable {
  line: number;
  error: string;
}

export interface Source<K extends string = 'persons' | 'enrolments'> {
  kind: K;
  /** The name written to the rejects file. */
  label: string;
  totalBytes?: number;
  parser: Parser;
  iterator: AsyncIterator<string[]>;
  stream: Readable;
  nextLine: number;
  /** Records taken from the parser so far (header and empty lines included). */
  consumed: number;
  /** Set when csv-parse gave up: how many records it emitted before, and why. */
  skip: { unreadable?: { recordsBefore: number; message: string } };
  ended: boolean;
  /** The file's bytes as read, before decoding to UTF-8 (csv-encoding.ts). */
  decoding: ToUtf8;
}

/** The file's bytes read so far (progress against totalBytes). */
export const bytesRead = (s: Source<string>): number => s.decoding.bytesIn;

/** The encoding the file was read in (known once its first bytes are). */
export const encodingOf = (s: Source<string>): CsvEncoding => s.decoding.encoding ?? 'utf-8';

export async function openSource<K extends string>(input: Readable | string, kind: K): Promise<Source<K>> {
  let stream: Readable;
  let label = `${kind}.csv`;
  let totalBytes: number | undefined;
  if (typeof input === 'string') {
    label = path.basename(input);
    try {
      const st = await fs.promises.stat(input);
      if (!st.isFile()) throw new ImportFileError(`${input} is not a file`, label);
      await fs.promises.access(input, fs.constants.R_OK);
      totalBytes = st.size;
    } catch (e) {
      if (e instanceof ImportFileError) throw e;
      throw new ImportFileError(`Cannot read the ${kind} file ${input}: ${(e as Error).message}`, label);
    }
    stream = fs.createReadStream(input, { highWaterMark: 256 * 1024 });
  } else {
    stream = input;
  }
  // Lenient on quotes and field counts (a wrong count is a rejected row, not a parse error). Empty lines come
  // through as one empty field, which keeps the line count exact without csv-parse's per-record info objects.
  // What is left unreadable (an unclosed quote runs to the end of the file, or a record over 1 MB) is reported
  // as one rejected row once the records before it are processed: skip_records_with_error keeps them, where a
  // parse error would destroy the stream with its buffered records.
  const skip: Source['skip'] = {};
  const parser = parse({
    bom: true,
    relax_column_count: true,
    relax_quotes: true,
    max_record_size: MAX_RECORD_CHARS,
    skip_records_with_error: true,
    on_skip: (err: Error | undefined) => {
      skip.unreadable ??= {
        recordsBefore: parser.info.records,
        message: `unreadable CSV from this line to the end of the file: ${err?.message ?? 'parse error'}`,
      };
      return undefined;
    },
  });
  // Any encoding a department exports (UTF-8, GB18030, UTF-16) reaches the parser as UTF-8.
  const decoding = new ToUtf8(label);
  pipeline(stream, decoding, parser, () => undefined);
  const iterator = (parser as AsyncIterable<string[]>)[Symbol.asyncIterator]();
  return { kind, label, totalBytes, parser, iterator, stream, nextLine: 1, consumed: 0, skip, ended: false, decoding };
}

const MAX_RECORD_CHARS = 1 << 20;

export function closeSource(s: Source<string> | undefined): void {
  if (!s) return;
  s.parser.destroy();
  s.decoding.destroy();
  s.stream.destroy();
}

/** The next record with its line number, the unreadable rest of the file, or null at the end. */
export async function nextRecord(s: Source<string>): Promise<CsvRecord | CsvUnreadable | null> {
  if (s.ended) return null;
  const line = s.nextLine;
  const { unreadable } = s.skip;
  const giveUp = (message: string) => {
    s.ended = true;
    return { line, error: message };
  };
  if (unreadable && s.consumed >= unreadable.recordsBefore) return giveUp(unreadable.message);
  let r: IteratorResult<string[]>;
  try {
    r = await s.iterator.next();
  } catch (e) {
    const err = e as Error & { code?: unknown };
    if (err instanceof ImportFileError) {
      s.ended = true;
      throw err;
    }
    if (typeof err.code === 'string' && err.code.startsWith('CSV_')) {
      return giveUp(`unreadable CSV from this line to the end of the file: ${err.message}`);
    }
    s.ended = true;
    throw new ImportFileError(`Cannot read ${s.label}: ${err.message}`, s.label);
  }
  if (r.done) {
    if (s.skip.unreadable) return giveUp(s.skip.unreadable.message);
    s.ended = true;
    return null;
  }
  s.consumed++;
  const fields = r.value;
  // A quoted field may span lines.
  let lines = 1;
  for (const f of fields) {
    for (let i = f.indexOf('\n'); i !== -1; i = f.indexOf('\n', i + 1)) lines++;
  }
  s.nextLine += lines;
  return { line, fields };
}

/**
 * Reads and checks the header (any column order); returns the column index of each expected column (-1 for an
 * optional column the file does not have).
 */
export async function readHeader<C extends string>(s: Source<string>, columns: readonly C[], optional: readonly C[] = []): Promise<Record<C, number> & { count: number }> {
  const rec = await nextRecord(s);
  if (!rec || 'error' in rec) {
    throw new ImportFileError(rec ? `${s.label}: the header line is not valid CSV` : `${s.label} is empty (no header line)`, s.label);
  }
  if (rec.fields.length === 1 && /[\t;]/.test(rec.fields[0] as string)) {
    // Excel's "Unicode text" is tab-separated; some locales save "CSV" with semicolons.
    const sep = (rec.fields[0] as string).includes('\t') ? 'tabs' : 'semicolons';
    throw new ImportFileError(`${s.label}: the header is separated by ${sep}, not commas: save the file as "CSV UTF-8 (comma delimited)"`, s.label);
  }
  const names = rec.fields.map((f) => f.trim().toLowerCase());
  const missing = columns.filter((c) => !names.includes(c));
  const unknown = names.filter((n) => !(columns as readonly string[]).includes(n) && !(optional as readonly string[]).includes(n));
  const dup = names.filter((n, i) => names.indexOf(n) !== i);
  if (missing.length || unknown.length || dup.length) {
    const parts = [
      missing.length ? `missing column(s) ${missing.join(', ')}` : '',
      unknown.length ? `unknown column(s) ${unknown.map((u) => JSON.stringify(u)).join(', ')}` : '',
      dup.length ? `duplicate column(s) ${dup.join(', ')}` : '',
    ].filter(Boolean);
    throw new ImportFileError(
      `${s.label}: wrong header: ${parts.join('; ')}. Expected the columns ${columns.join(',')} (any order).`,
      s.label,
    );
  }
  const index = { count: names.length } as Record<C, number> & { count: number };
  for (const c of [...columns, ...optional]) (index as Record<string, number>)[c] = names.indexOf(c);
  return index;
}
