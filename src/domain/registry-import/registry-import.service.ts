import fs from 'node:fs';
import path from 'node:path';
import { pipeline, type Readable, type Writable } from 'node:stream';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { parse, type Parser } from 'csv-parse';
import { stringify } from 'csv-stringify';
import { z } from 'zod';
import type { PrismaClient } from '../../generated/prisma/client';
import { isEthnicityCode } from '../codes/ethnicity';
import { parseIdNumber, type IdParseOk } from '../codes/id-number';
import { INSURANCE_TYPES } from '../codes/insurance';
import { maskIdNumberForStaff } from '../codes/masking';
import { parseMobilePhone } from '../codes/phone';
import { loadRegionCodes } from '../registry/region.service';
import { flagsAfter, managingRegion } from '../registry/person-change';
import {
  COMPUTED_FLAGS,
  computeFlags,
  sameFlags,
  knownRegionFrom,
  type FlagEnrolmentInput,
  type FlagPersonInput,
} from '../registry/person-flags';

/**
 * The data-matching import (数据比对): persons.csv and enrolments.csv from existing systems into the registry.
 *
 * - Streams both files (csv-parse), validates every row with zod, and writes in batches (default 2,000 rows,
 *   one transaction each) with set-based SQL (unnest arrays), identically on PGlite and PostgreSQL.
 * - Persons match on the normalised ID number (legacy 15-digit numbers converted to 18). New → insert;
 *   changed → update plus one `person.update` audit event with old and new values; identical → no write.
 *   An empty optional cell means "not known in the source" and never clears a stored value; an empty sex or
 *   birth date on a person with none stored is filled from the ID number.
 * - Enrolments upsert on (person, insurance type), same rules; a change is audited as `enrolment.update`.
 * - Data-quality flags (person-flags.ts) are recomputed for every person written and for every person whose
 *   enrolments changed; flags other code owns (EMPLOYMENT_MISMATCH) are kept.
 * - A bad row is rejected with a stable reason and its physical line number and never stops the import;
 *   an unreadable file or a wrong header stops it before anything is written ({@link ImportFileError}).
 * - Concurrent writers (the bot) are respected: updates check Person.version / Enrolment.updated_at, and a
 *   batch that lost a race is re-run with row locks.
 */

// ------------------------------------------------------------------ formats

export const PERSON_COLUMNS = [
  'id_number',
  'name',
  'sex',
  'ethnicity',
  'birth_date',
  'phone',
  'hukou_region',
  'hukou_address',
  'residence_region',
  'residence_address',
  'household_id',
  'employment_status',
  'employer',
] as const;
export type PersonColumn = (typeof PERSON_COLUMNS)[number];
/** One persons.csv row as text ('' for an empty cell). */
export type PersonCsvRow = Record<PersonColumn, string>;

export const ENROLMENT_COLUMNS = [
  'id_number',
  'insurance_type',
  'status',
  'region',
  'first_enrolled',
  'last_paid_month',
  'employer',
] as const;
export type EnrolmentColumn = (typeof ENROLMENT_COLUMNS)[number];
/** One enrolments.csv row as text ('' for an empty cell). */
export type EnrolmentCsvRow = Record<EnrolmentColumn, string>;

export const REJECT_COLUMNS = ['file', 'line', 'reason', 'message', 'id_number_masked'] as const;

export const ENROLMENT_STATUS_CODES = { '1': 'PAYING', '2': 'SUSPENDED', '3': 'TERMINATED' } as const;
export const EMPLOYMENT_STATUSES = [
  'EMPLOYED',
  'FLEXIBLE',
  'SELF_EMPLOYED',
  'FARMING',
  'UNEMPLOYED',
  'STUDENT',
  'RETIRED',
  'OTHER',
] as const;

/**
 * Why a row was rejected (stable codes, written to the rejects file). Messages name the column and the rule,
 * never a value from the row; the ID number appears only masked for staff (first 6 and last 4).
 */
export const REJECT_REASONS = [
  'BAD_ID_NUMBER',
  'BAD_DATE',
  'BIRTH_DATE_MISMATCH',
  'SEX_MISMATCH',
  'DUPLICATE_ID_IN_FILE',
  'UNKNOWN_PERSON',
  'UNKNOWN_INSURANCE_TYPE',
  'UNKNOWN_STATUS',
  'MALFORMED_ROW',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/**
 * Warnings: counted, the row is imported.
 * - UNKNOWN_COUNTY: the ID number's county code is not in the region table (codes change; never a reject).
 * - UNKNOWN_REGION: a region code (hukou, residence, enrolment) is not in the region table.
 * - BAD_PHONE: the phone is not a mainland mobile number; the row is imported without it.
 */
export const WARNING_KINDS = ['UNKNOWN_COUNTY', 'UNKNOWN_REGION', 'BAD_PHONE'] as const;
export type WarningKind = (typeof WARNING_KINDS)[number];

export interface ImportCounts {
  read: number;
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: number;
}

export interface ImportSummary {
  persons: ImportCounts;
  enrolments: ImportCounts;
  /** Only reasons that occurred. */
  rejectedByReason: Partial<Record<RejectReason, number>>;
  /** Only kinds that occurred. */
  warningsByKind: Partial<Record<WarningKind, number>>;
  /** Wall-clock duration of the import. */
  ms: number;
}

export interface ImportProgress {
  file: 'persons' | 'enrolments';
  /** Bytes of this file parsed so far. */
  bytesRead: number;
  /** The file's size when it was given as a path. */
  totalBytes?: number;
  /** Data rows of this file read so far. */
  rowsRead: number;
  /** True on the last report for this file. */
  done: boolean;
}

export interface ImportOptions {
  /** persons.csv: a path or a stream of UTF-8 bytes. */
  persons: Readable | string;
  enrolments?: Readable | string;
  /** Where to write rejected rows (CSV). A stream is ended when the import finishes. */
  rejects?: Writable | string;
  onProgress?: (p: ImportProgress) => void;
  /** Time stamps of writes and audit events (default: now). */
  clock?: () => Date;
  /** Rows per transaction (default 2,000). */
  batchSize?: number;
}

/**
 * A file cannot be imported: unreadable, empty, or a wrong header (then nothing was written), or a read
 * error in the middle of a file (then the batches before it were committed; `nothingWritten` is false).
 */
export class ImportFileError extends Error {
  constructor(
    message: string,
    readonly file: string,
    readonly nothingWritten = true,
  ) {
    super(message);
    this.name = 'ImportFileError';
  }
}

// ------------------------------------------------------------------ compact ID-number map

/**
 * A hash map from a valid 18-character ID number to a 32-bit value and 8 flag bits, in typed arrays (open
 * addressing, at most 3/4 full): 13 bytes a slot instead of ~100 for a Map<string, number>, so the duplicate
 * checks of a million-row file stay small. Keys use the first 17 digits (the check character follows from
 * them).
 */
export class IdKeyMap {
  private keys: Uint32Array;
  private vals: Uint32Array;
  private bits: Uint8Array;
  private mask: number;
  size = 0;

  constructor(initialCapacity = 1 << 14) {
    let cap = 16;
    while (cap < initialCapacity) cap <<= 1;
    this.keys = new Uint32Array(cap * 2);
    this.vals = new Uint32Array(cap);
    this.bits = new Uint8Array(cap);
    this.mask = cap - 1;
  }

  /** hi is stored + 1 so that 0 marks an empty slot. */
  private static hi = (id: string) => Number(id.slice(0, 9)) + 1;
  private static lo = (id: string) => Number(id.slice(9, 17));

  /** The slot holding the key (hi, lo), or the empty slot where it would go. */
  private find(hi: number, lo: number): number {
    let h = Math.imul(hi ^ Math.imul(lo, 0x9e3779b1), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    let i = h & this.mask;
    for (;;) {
      const k = this.keys[i * 2];
      if (k === 0 || (k === hi && this.keys[i * 2 + 1] === lo)) return i;
      i = (i + 1) & this.mask;
    }
  }

  /** The slot of the key, added (value 0, no bits) when missing. */
  private slotFor(id: string): number {
    if ((this.size + 1) * 4 > (this.mask + 1) * 3) this.grow();
    const hi = IdKeyMap.hi(id);
    const lo = IdKeyMap.lo(id);
    const i = this.find(hi, lo);
    if (this.keys[i * 2] === 0) {
      this.keys[i * 2] = hi;
      this.keys[i * 2 + 1] = lo;
      this.size++;
    }
    return i;
  }

  has(id: string): boolean {
    return this.keys[this.find(IdKeyMap.hi(id), IdKeyMap.lo(id)) * 2] !== 0;
  }

  /** The value; 0 for a missing key. */
  get(id: string): number {
    const i = this.find(IdKeyMap.hi(id), IdKeyMap.lo(id));
    return this.keys[i * 2] === 0 ? 0 : (this.vals[i] as number);
  }

  set(id: string, value: number): void {
    this.vals[this.slotFor(id)] = value >>> 0;
  }

  /** The flag bits; 0 for a missing key. */
  getBits(id: string): number {
    const i = this.find(IdKeyMap.hi(id), IdKeyMap.lo(id));
    return this.keys[i * 2] === 0 ? 0 : (this.bits[i] as number);
  }

  addBits(id: string, bits: number): void {
    const i = this.slotFor(id);
    this.bits[i] = (this.bits[i] as number) | bits;
  }

  private grow(): void {
    const { keys, vals, bits } = this;
    const cap = (this.mask + 1) * 2;
    this.keys = new Uint32Array(cap * 2);
    this.vals = new Uint32Array(cap);
    this.bits = new Uint8Array(cap);
    this.mask = cap - 1;
    for (let j = 0; j < vals.length; j++) {
      const hi = keys[j * 2] as number;
      if (hi === 0) continue;
      const lo = keys[j * 2 + 1] as number;
      const i = this.find(hi, lo);
      this.keys[i * 2] = hi;
      this.keys[i * 2 + 1] = lo;
      this.vals[i] = vals[j] as number;
      this.bits[i] = bits[j] as number;
    }
  }
}

// ------------------------------------------------------------------ CSV reading

interface CsvRecord {
  /** The physical line the record starts on (header = 1). */
  line: number;
  fields: string[];
}
/** The rest of a file that csv-parse could not read (an unclosed quote swallows everything after it). */
interface CsvUnreadable {
  line: number;
  error: string;
}

interface Source {
  kind: 'persons' | 'enrolments';
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
}

async function openSource(input: Readable | string, kind: Source['kind']): Promise<Source> {
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
  pipeline(stream, parser, () => undefined);
  const iterator = (parser as AsyncIterable<string[]>)[Symbol.asyncIterator]();
  return { kind, label, totalBytes, parser, iterator, stream, nextLine: 1, consumed: 0, skip, ended: false };
}

const MAX_RECORD_CHARS = 1 << 20;

function closeSource(s: Source | undefined): void {
  if (!s) return;
  s.parser.destroy();
  s.stream.destroy();
}

/** The next record with its line number, the unreadable rest of the file, or null at the end. */
async function nextRecord(s: Source): Promise<CsvRecord | CsvUnreadable | null> {
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

/** Reads and checks the header (any column order); returns the column index of each expected column. */
async function readHeader<C extends string>(s: Source, columns: readonly C[]): Promise<Record<C, number> & { count: number }> {
  const rec = await nextRecord(s);
  if (!rec || 'error' in rec) {
    throw new ImportFileError(rec ? `${s.label}: the header line is not valid CSV` : `${s.label} is empty (no header line)`, s.label);
  }
  const names = rec.fields.map((f) => f.trim().toLowerCase());
  const missing = columns.filter((c) => !names.includes(c));
  const unknown = names.filter((n) => !(columns as readonly string[]).includes(n));
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
  for (const c of columns) (index as Record<string, number>)[c] = names.indexOf(c);
  return index;
}

// ------------------------------------------------------------------ row validation (zod)

const CHINA_OFFSET_MS = 8 * 3600 * 1000;
const chinaToday = (now: Date) => new Date(now.getTime() + CHINA_OFFSET_MS).toISOString().slice(0, 10);

function isRealDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (mo < 1 || mo > 12 || d < 1) return false;
  const dim = mo === 2 ? (y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28) : [4, 6, 9, 11].includes(mo) ? 30 : 31;
  return d <= dim;
}

const REGION_RE = /^\d{6}(\d{3}){0,2}$/;

interface RowContext {
  today: string;
  now: Date;
  knownCounty: (code: string) => boolean;
}

function buildSchemas(ctx: RowContext) {
  const idNumber = z.string().transform((raw, c): IdParseOk => {
    const r = parseIdNumber(raw, { today: ctx.now, knownCounty: ctx.knownCounty });
    if (!r.ok) {
      const why: Record<string, string> = {
        EMPTY: 'empty',
        BAD_CHARACTERS: 'characters other than digits and a final X',
        BAD_LENGTH: 'not 15 or 18 characters',
        BAD_DATE: 'the birth date in it is impossible or in the future',
        BAD_CHECK: 'the check character is wrong',
      };
      c.issues.push({ code: 'custom', input: raw, message: `invalid ID number (${why[r.error] ?? r.error})` });
      return z.NEVER;
    }
    return r;
  });
  const date = (what: string) =>
    z.string().refine((s) => isRealDate(s) && s >= '1900-01-01' && s <= ctx.today, {
      message: `${what} must be a real date YYYY-MM-DD, not in the future`,
    });
  const maxYear = Number(ctx.today.slice(0, 4)) + 1;
  const month = z.string().refine(
    (s) => /^\d{4}-(0[1-9]|1[0-2])$/.test(s) && Number(s.slice(0, 4)) >= 1950 && Number(s.slice(0, 4)) <= maxYear,
    { message: 'last_paid_month must be a month YYYY-MM' },
  );
  const region = z.string().regex(REGION_RE, { message: 'must be a 6-, 9- or 12-digit region code' });
  const text = (max: number) => z.string().max(max, { message: `longer than ${max} characters` });

  const person = z.object({
    id_number: idNumber,
    name: z.string({ error: 'name is required' }).max(100, { message: 'longer than 100 characters' }),
    sex: z.enum(['1', '2'], { error: 'sex must be 1 (male) or 2 (female)' }).optional(),
    ethnicity: z.string().refine(isEthnicityCode, { message: 'ethnicity must be a GB/T 3304 code 01-56' }).optional(),
    birth_date: date('birth_date').optional(),
    phone: z.string().optional(),
    hukou_region: region.optional(),
    hukou_address: text(200).optional(),
    residence_region: region.optional(),
    residence_address: text(200).optional(),
    household_id: z.string().regex(/^[0-9A-Za-z_-]{1,64}$/, { message: 'must be 1-64 letters, digits, - or _' }).optional(),
    employment_status: z.enum(EMPLOYMENT_STATUSES, { error: `must be one of ${EMPLOYMENT_STATUSES.join(' ')}` }).optional(),
    employer: text(200).optional(),
  });

  const enrolment = z.object({
    id_number: idNumber,
    insurance_type: z.enum(INSURANCE_TYPES, { error: `must be one of ${INSURANCE_TYPES.join(' ')}` }),
    status: z.enum(['1', '2', '3'], { error: 'must be 1 (paying), 2 (suspended) or 3 (terminated)' }),
    region: region.optional(),
    first_enrolled: date('first_enrolled').optional(),
    last_paid_month: month.optional(),
    employer: text(200).optional(),
  });
  return { person, enrolment };
}

/** Which reject reason an invalid (non-empty) value of a column gets; anything else is MALFORMED_ROW. */
const REASON_BY_COLUMN: Record<string, RejectReason> = {
  id_number: 'BAD_ID_NUMBER',
  birth_date: 'BAD_DATE',
  first_enrolled: 'BAD_DATE',
  last_paid_month: 'BAD_DATE',
  insurance_type: 'UNKNOWN_INSURANCE_TYPE',
  status: 'UNKNOWN_STATUS',
};

interface Rejection {
  line: number;
  reason: RejectReason;
  message: string;
  idRaw: string;
}

/** Turns the record into an object of trimmed values (empty → absent). */
function toObject(fields: string[], index: Record<string, number>, columns: readonly string[], upper: readonly string[]) {
  const o: Record<string, string | undefined> = {};
  for (const c of columns) {
    let v = (fields[index[c] as number] ?? '').trim();
    if (upper.includes(c)) v = v.toUpperCase();
    o[c] = v === '' ? undefined : v;
  }
  return o;
}

function describeIssues(issues: z.core.$ZodIssue[], input: Record<string, string | undefined>): { reason: RejectReason; message: string } {
  const first = issues[0];
  const col = String(first?.path[0] ?? '');
  const missing = input[col] === undefined;
  const reason: RejectReason = missing ? 'MALFORMED_ROW' : (REASON_BY_COLUMN[col] ?? 'MALFORMED_ROW');
  const message = issues
    .map((i) => {
      const c = String(i.path[0] ?? '');
      if (input[c] === undefined) return `${c} is required`;
      return i.message.startsWith(c) ? i.message : `${c}: ${i.message}`;
    })
    .join('; ');
  return { reason, message };
}

// ------------------------------------------------------------------ stored rows

interface StoredPerson {
  id: string;
  id_number: string;
  name: string;
  sex: string | null;
  ethnicity: string | null;
  birth_date: string | null;
  phone: string | null;
  hukou_region: string | null;
  hukou_address: string | null;
  residence_region: string | null;
  residence_address: string | null;
  region_code: string | null;
  household_id: string | null;
  employment_status: string | null;
  employer: string | null;
  flags: string[] | null;
  version: number;
}

/** Person columns an import sets, with the audit's field name. */
const PERSON_FIELDS = [
  ['name', 'name'],
  ['sex', 'sex'],
  ['ethnicity', 'ethnicity'],
  ['birth_date', 'birthDate'],
  ['phone', 'phone'],
  ['hukou_region', 'hukouRegion'],
  ['hukou_address', 'hukouAddress'],
  ['residence_region', 'residenceRegion'],
  ['residence_address', 'residenceAddress'],
  ['region_code', 'regionCode'],
  ['household_id', 'householdId'],
  ['employment_status', 'employmentStatus'],
  ['employer', 'employer'],
] as const;
type PersonField = (typeof PERSON_FIELDS)[number][0];
type PersonValues = Record<PersonField, string | null>;

interface StoredEnrolment {
  id: string;
  person_id: string;
  insurance_type: string;
  status: string;
  region_code: string | null;
  first_enrolled: string | null;
  last_paid_month: string | null;
  employer: string | null;
  stamp: string;
}

const ENROLMENT_FIELDS = [
  ['status', 'status'],
  ['region_code', 'regionCode'],
  ['first_enrolled', 'firstEnrolled'],
  ['last_paid_month', 'lastPaidMonth'],
  ['employer', 'employer'],
] as const;
type EnrolmentField = (typeof ENROLMENT_FIELDS)[number][0];
type EnrolmentValues = Record<EnrolmentField, string | null>;

// ------------------------------------------------------------------ SQL

const TS = (n: number) => `($${n}::timestamptz AT TIME ZONE 'UTC')`;
const FLAGS = (expr: string) => `string_to_array(${expr}, ',')::"DataQualityFlag"[]`;
const texts = (from: number, n: number) => Array.from({ length: n }, (_, i) => `$${from + i}::text[]`).join(', ');

/**
 * Stored persons of a batch with all their enrolments. Lookups join an unnest of the keys (rather than
 * `= ANY($1)`) so the plan is a nested loop over the unique index even when the table's statistics are stale
 * during a bulk import.
 */
const selectPersons = (lock: boolean) => `SELECT p.id::text AS id, p.id_number, p.name, p.sex::text AS sex, p.ethnicity,
    to_char(p.birth_date, 'YYYY-MM-DD') AS birth_date, p.phone, p.hukou_region, p.hukou_address, p.residence_region,
    p.residence_address, p.region_code, p.household_id, p.employment_status::text AS employment_status, p.employer,
    p.flags::text[] AS flags, p.version,
    (SELECT json_agg(json_build_array(e.id::text, e.insurance_type, e.status::text, e.region_code,
        to_char(e.first_enrolled, 'YYYY-MM-DD'), e.last_paid_month, e.employer, e.updated_at::text))
      FROM enrolment e WHERE e.person_id = p.id) AS enrolments
  FROM unnest($1::text[]) AS k(id_number) JOIN person p ON p.id_number = k.id_number${lock ? ' FOR UPDATE OF p' : ''}`;

const INSERT_HOUSEHOLDS = `INSERT INTO household (id, region_code, address, created_at)
  SELECT u.id, u.region_code, u.address, ${TS(4)}
  FROM unnest(${texts(1, 3)}) AS u(id, region_code, address)
  ON CONFLICT (id) DO NOTHING`;

const INSERT_PERSONS = `INSERT INTO person (id_number, name, sex, ethnicity, birth_date, phone, hukou_region,
    hukou_address, residence_region, residence_address, region_code, household_id, employment_status, employer,
    flags, created_at, updated_at)
  SELECT u.id_number, u.name, u.sex::"Sex", u.ethnicity, u.birth_date::date, u.phone, u.hukou_region,
    u.hukou_address, u.residence_region, u.residence_address, u.region_code, u.household_id,
    u.employment_status::"EmploymentStatus", u.employer, ${FLAGS('u.flags')}, ${TS(16)}, ${TS(16)}
  FROM unnest(${texts(1, 15)})
    AS u(id_number, name, sex, ethnicity, birth_date, phone, hukou_region, hukou_address, residence_region,
      residence_address, region_code, household_id, employment_status, employer, flags)
  ON CONFLICT (id_number) DO NOTHING
  RETURNING id_number`;
/** Inserts the batch's new persons; returns how many, and the ID numbers that already existed (null: none). */
const INSERT_PERSONS_RETURNING = `WITH ins AS (${INSERT_PERSONS})
  SELECT count(ins.id_number)::int AS n, array_agg(k.id_number) FILTER (WHERE ins.id_number IS NULL) AS existing
  FROM unnest($1::text[]) AS k(id_number) LEFT JOIN ins ON ins.id_number = k.id_number`;

const UPDATE_PERSONS = `UPDATE person AS p SET name = u.name, sex = u.sex::"Sex", ethnicity = u.ethnicity,
    birth_date = u.birth_date::date, phone = u.phone, hukou_region = u.hukou_region, hukou_address = u.hukou_address,
    residence_region = u.residence_region, residence_address = u.residence_address, region_code = u.region_code,
    household_id = u.household_id, employment_status = u.employment_status::"EmploymentStatus",
    employer = u.employer, flags = ${FLAGS('u.flags')}, version = p.version + 1, updated_at = ${TS(17)}
  FROM unnest(${texts(1, 16)})
    AS u(id, version, name, sex, ethnicity, birth_date, phone, hukou_region, hukou_address, residence_region,
      residence_address, region_code, household_id, employment_status, employer, flags)
  WHERE p.id = u.id::uuid AND p.version = u.version::int
  RETURNING p.id`;

const UPDATE_FLAGS = `UPDATE person AS p SET flags = ${FLAGS('u.flags')}, version = p.version + 1, updated_at = ${TS(4)}
  FROM unnest(${texts(1, 3)}) AS u(id, version, flags)
  WHERE p.id = u.id::uuid AND p.version = u.version::int
  RETURNING p.id`;

const INSERT_AUDIT = `INSERT INTO audit_event (at, actor_type, source, action, target_type, target_id, outcome, details)
  SELECT ${TS(1)}, 'IMPORT', 'import', u.action, 'person', u.target_id, 'OK', u.details::jsonb
  FROM unnest(${texts(2, 3)}) AS u(action, target_id, details)`;

const INSERT_ENROLMENTS = `INSERT INTO enrolment (person_id, insurance_type, status, region_code, first_enrolled,
    last_paid_month, employer, updated_at)
  SELECT u.person_id::uuid, u.insurance_type, u.status::"EnrolmentStatus", u.region_code, u.first_enrolled::date,
    u.last_paid_month, u.employer, ${TS(8)}
  FROM unnest(${texts(1, 7)})
    AS u(person_id, insurance_type, status, region_code, first_enrolled, last_paid_month, employer)
  ON CONFLICT (person_id, insurance_type) DO NOTHING
  RETURNING person_id`;

const UPDATE_ENROLMENTS = `UPDATE enrolment AS e SET status = u.status::"EnrolmentStatus", region_code = u.region_code,
    first_enrolled = u.first_enrolled::date, last_paid_month = u.last_paid_month, employer = u.employer,
    updated_at = ${TS(8)}
  FROM unnest(${texts(1, 7)})
    AS u(id, stamp, status, region_code, first_enrolled, last_paid_month, employer)
  WHERE e.id = u.id::uuid AND e.updated_at::text = u.stamp
  RETURNING e.id`;

/** A batch lost a race with another writer; it is re-run with row locks. */
class ConcurrentChangeError extends Error {
  readonly concurrentChange = true;
}
const isConcurrentChange = (e: unknown) => !!e && typeof e === 'object' && 'concurrentChange' in e;

type Tx = Pick<PrismaClient, '$queryRawUnsafe' | '$executeRawUnsafe'>;

/**
 * Planner settings for one batch transaction. The batch queries are key lookups and small set-based writes;
 * during a bulk load the table statistics are stale, and PostgreSQL may then pick a hash join over a full
 * scan, or spend a second JIT-compiling a query that runs in milliseconds. SET LOCAL ends with the transaction.
 */
const TUNE_BATCH = `SELECT set_config('jit', 'off', true), set_config('enable_hashjoin', 'off', true),
  set_config('enable_mergejoin', 'off', true)`;

/**
 * A PostgreSQL array literal of text values, for a `$n::text[]` parameter. Building it here (one string per
 * column) instead of passing a JS array keeps the driver layers from serialising every element separately,
 * which costs more than the database's own work at a million rows.
 */
export function pgTextArray(values: readonly (string | null)[]): string {
  return col(values, (v) => v);
}
/** Elements that must be quoted: empty, the word NULL, or holding whitespace or any of { } , " \\ */
const NEEDS_QUOTES = /^$|^null$|[\s{}",\\]/i;
const ESCAPE_ALL = /["\\]/g;
const arrayElement = (v: string | null | undefined) =>
  v === null || v === undefined ? 'NULL' : !NEEDS_QUOTES.test(v) ? v : `"${v.replace(ESCAPE_ALL, '\\$&')}"`;

/** One column of a batch as an array literal. */
function col<T>(rows: readonly T[], f: (r: T) => string | null | undefined): string {
  const parts = new Array<string>(rows.length);
  for (let i = 0; i < rows.length; i++) parts[i] = arrayElement(f(rows[i] as T));
  return `{${parts.join(',')}}`;
}

// ------------------------------------------------------------------ the import

interface ValidPerson {
  line: number;
  id: IdParseOk;
  values: Partial<PersonValues>;
}

interface ValidEnrolment {
  line: number;
  idNumber: string;
  type: string;
  values: Partial<EnrolmentValues> & { status: string };
}

interface Batch<R> {
  rows: R[];
  rejects: Rejection[];
  /** Rows of the file in this batch, valid or rejected. */
  size: number;
}

const newBatch = <R>(): Batch<R> => ({ rows: [], rejects: [], size: 0 });

/** Imports persons (and enrolments) into the registry; see the file comment. */
export async function importRegistry(db: PrismaClient, opts: ImportOptions): Promise<ImportSummary> {
  const started = performance.now();
  const clock = opts.clock ?? (() => new Date());
  const batchSize = Math.max(1, opts.batchSize ?? 2000);
  const summary: ImportSummary = {
    persons: { read: 0, inserted: 0, updated: 0, unchanged: 0, rejected: 0 },
    enrolments: { read: 0, inserted: 0, updated: 0, unchanged: 0, rejected: 0 },
    rejectedByReason: {},
    warningsByKind: {},
    ms: 0,
  };
  const warn = (k: WarningKind, n = 1) => {
    summary.warningsByKind[k] = (summary.warningsByKind[k] ?? 0) + n;
  };

  let persons: Source | undefined;
  let enrolments: Source | undefined;
  let rejectOut: RejectWriter | undefined;
  try {
    // 1. Open both files and check both headers before anything is written.
    persons = await openSource(opts.persons, 'persons');
    const pIndex = await readHeader(persons, PERSON_COLUMNS);
    let eIndex: (Record<EnrolmentColumn, number> & { count: number }) | undefined;
    if (opts.enrolments !== undefined) {
      enrolments = await openSource(opts.enrolments, 'enrolments');
      eIndex = await readHeader(enrolments, ENROLMENT_COLUMNS);
    }
    rejectOut = await openRejects(opts.rejects);

    const regionCodes = await loadRegionCodes(db);
    const knownRegion = knownRegionFrom(regionCodes);
    const now = clock();
    const ctx: RowContext = { now, today: chinaToday(now), knownCounty: (c) => regionCodes.has(c) };
    const schemas = buildSchemas(ctx);

    const writeRejects = async (source: Source, rejects: Rejection[], counts: ImportCounts) => {
      rejects.sort((a, b) => a.line - b.line);
      for (const r of rejects) {
        counts.rejected++;
        summary.rejectedByReason[r.reason] = (summary.rejectedByReason[r.reason] ?? 0) + 1;
        await rejectOut?.write([source.label, String(r.line), r.reason, r.message, r.idRaw ? maskIdNumberForStaff(r.idRaw) : '']);
      }
    };

    // 2. Persons. From here on, a read error leaves the batches before it committed.
    const midway = (e: unknown) =>
      e instanceof ImportFileError && e.nothingWritten ? new ImportFileError(e.message, e.file, false) : e;
    // Every ID number of the import: value = line of its accepted persons row, bits = enrolment types seen.
    const seen = new IdKeyMap();
    const rejectedPersons = new IdKeyMap(1 << 8);
    await runFile<ValidPerson>({
      source: persons,
      counts: summary.persons,
      index: pIndex,
      batchSize,
      onProgress: opts.onProgress,
      validate: (rec) => {
        const input = toObject(rec.fields, pIndex, PERSON_COLUMNS, ['employment_status']);
        const idRaw = input.id_number ?? '';
        const parsed = schemas.person.safeParse(input);
        if (!parsed.success) return { line: rec.line, idRaw, ...describeIssues(parsed.error.issues, input) };
        const d = parsed.data;
        const id = d.id_number;
        const reject = (reason: RejectReason, message: string): Rejection => {
          if (!seen.get(id.idNumber)) rejectedPersons.set(id.idNumber, rec.line);
          return { line: rec.line, idRaw, reason, message };
        };
        if (d.birth_date && d.birth_date !== id.birthDate) {
          return reject('BIRTH_DATE_MISMATCH', 'birth_date contradicts the birth date in the ID number');
        }
        const sex = d.sex === '1' ? 'MALE' : d.sex === '2' ? 'FEMALE' : undefined;
        if (sex && sex !== id.sex) {
          return reject('SEX_MISMATCH', 'sex contradicts the sex digit of the ID number');
        }
        const first = seen.get(id.idNumber);
        if (first) {
          return { line: rec.line, idRaw, reason: 'DUPLICATE_ID_IN_FILE', message: `the same person is on line ${first}` };
        }
        seen.set(id.idNumber, rec.line);
        // Warnings only for rows that are imported.
        if (id.warnings.includes('UNKNOWN_COUNTY')) warn('UNKNOWN_COUNTY');
        if (d.hukou_region && !knownRegion(d.hukou_region)) warn('UNKNOWN_REGION');
        if (d.residence_region && !knownRegion(d.residence_region)) warn('UNKNOWN_REGION');
        let phone: string | undefined;
        if (d.phone) {
          const p = parseMobilePhone(d.phone);
          if (p.ok) phone = p.phone;
          else warn('BAD_PHONE');
        }
        const values: Partial<PersonValues> = {
          name: d.name,
          sex,
          ethnicity: d.ethnicity,
          birth_date: d.birth_date,
          phone,
          hukou_region: d.hukou_region,
          hukou_address: d.hukou_address,
          residence_region: d.residence_region,
          residence_address: d.residence_address,
          household_id: d.household_id,
          employment_status: d.employment_status,
          employer: d.employer,
        };
        return { line: rec.line, id, values };
      },
      write: (rows, lock) => db.$transaction((tx) => writePersons(tx, rows, lock, clock(), knownRegion, persons!.label), TX_OPTS),
      writeRejects,
    }).catch((e: unknown) => {
      throw midway(e);
    });

    // Fresh statistics after a bulk load, so the lookups below (and the application) plan well.
    if (summary.persons.inserted >= ANALYZE_AFTER) await db.$executeRawUnsafe('ANALYZE person, household');

    // 3. Enrolments.
    if (enrolments && eIndex) {
      const typeBit = (t: string) => 1 << (INSURANCE_TYPES as readonly string[]).indexOf(t);
      const index = eIndex;
      await runFile<ValidEnrolment>({
        source: enrolments,
        counts: summary.enrolments,
        index,
        batchSize,
        onProgress: opts.onProgress,
        validate: (rec) => {
          const input = toObject(rec.fields, index, ENROLMENT_COLUMNS, []);
          const idRaw = input.id_number ?? '';
          const parsed = schemas.enrolment.safeParse(input);
          if (!parsed.success) return { line: rec.line, idRaw, ...describeIssues(parsed.error.issues, input) };
          const d = parsed.data;
          const idNumber = d.id_number.idNumber;
          const bit = typeBit(d.insurance_type);
          if (seen.getBits(idNumber) & bit) {
            return {
              line: rec.line,
              idRaw,
              reason: 'DUPLICATE_ID_IN_FILE',
              message: `insurance type ${d.insurance_type} of this person is already on an earlier line`,
            };
          }
          seen.addBits(idNumber, bit);
          if (d.region && !knownRegion(d.region)) warn('UNKNOWN_REGION');
          return {
            line: rec.line,
            idNumber,
            type: d.insurance_type,
            values: {
              status: ENROLMENT_STATUS_CODES[d.status],
              region_code: d.region,
              first_enrolled: d.first_enrolled,
              last_paid_month: d.last_paid_month,
              employer: d.employer,
            },
          };
        },
        write: (rows, lock) =>
          db.$transaction(
            (tx) => writeEnrolments(tx, rows, lock, clock(), knownRegion, enrolments!.label, rejectedPersons),
            TX_OPTS,
          ),
        writeRejects,
      }).catch((e: unknown) => {
        throw midway(e);
      });
    }
    if (summary.enrolments.inserted >= ANALYZE_AFTER) await db.$executeRawUnsafe('ANALYZE enrolment');
    await rejectOut?.end();
    rejectOut = undefined;
  } finally {
    closeSource(persons);
    closeSource(enrolments);
    if (rejectOut) await rejectOut.end().catch(() => undefined);
  }
  summary.ms = Math.round(performance.now() - started);
  return summary;
}

/** Inserted rows after which a table is analysed. */
const ANALYZE_AFTER = 10_000;

const TX_OPTS = { timeout: 300_000, maxWait: 60_000 };

interface BatchResult {
  inserted: number;
  updated: number;
  unchanged: number;
  rejects: Rejection[];
}

interface RunFileArgs<R> {
  source: Source;
  counts: ImportCounts;
  /** Column positions of the header, and how many columns it has. */
  index: Record<'id_number', number> & { count: number };
  batchSize: number;
  onProgress?: (p: ImportProgress) => void;
  validate: (rec: CsvRecord) => R | Rejection;
  write: (rows: R[], lock: boolean) => Promise<BatchResult>;
  writeRejects: (source: Source, rejects: Rejection[], counts: ImportCounts) => Promise<void>;
}

/** Streams one file: validates rows, and writes a batch while the next one is being parsed. */
async function runFile<R extends { line: number }>(a: RunFileArgs<R>): Promise<void> {
  const { source, counts } = a;
  let batch = newBatch<R>();
  let inflight: Promise<void> = Promise.resolve();

  const flush = (b: Batch<R>): Promise<void> => {
    const p = (async () => {
      let result: BatchResult = { inserted: 0, updated: 0, unchanged: 0, rejects: [] };
      if (b.rows.length) {
        for (let attempt = 0; ; attempt++) {
          try {
            result = await a.write(b.rows, attempt > 0);
            break;
          } catch (e) {
            if (!isConcurrentChange(e) || attempt >= 3) throw e;
          }
        }
      }
      counts.inserted += result.inserted;
      counts.updated += result.updated;
      counts.unchanged += result.unchanged;
      await a.writeRejects(source, [...b.rejects, ...result.rejects], counts);
      a.onProgress?.({
        file: source.kind,
        bytesRead: source.parser.info.bytes,
        totalBytes: source.totalBytes,
        rowsRead: counts.read,
        done: false,
      });
    })();
    p.catch(() => undefined);
    return p;
  };

  try {
    for (;;) {
      const rec = await nextRecord(source);
      if (!rec) break;
      if ('error' in rec) {
        counts.read++;
        batch.rejects.push({ line: rec.line, reason: 'MALFORMED_ROW', message: rec.error, idRaw: '' });
        break;
      }
      // An empty line is a record of one empty field: skip it.
      if (rec.fields.length === 1 && (rec.fields[0] as string).trim() === '') continue;
      counts.read++;
      batch.size++;
      if (rec.fields.length !== a.index.count) {
        const idAt = a.index.id_number;
        batch.rejects.push({
          line: rec.line,
          reason: 'MALFORMED_ROW',
          message: `expected ${a.index.count} fields, got ${rec.fields.length}`,
          idRaw: (rec.fields[idAt] ?? '').trim(),
        });
      } else {
        const v = a.validate(rec);
        if ('reason' in v) batch.rejects.push(v);
        else batch.rows.push(v);
      }
      if (batch.size >= a.batchSize) {
        await inflight;
        inflight = flush(batch);
        batch = newBatch<R>();
      }
    }
  } catch (e) {
    // Never leave a batch's transaction running behind the caller's back.
    await inflight.catch(() => undefined);
    throw e;
  }
  await inflight;
  await flush(batch);
  a.onProgress?.({
    file: source.kind,
    bytesRead: source.parser.info.bytes,
    totalBytes: source.totalBytes,
    rowsRead: counts.read,
    done: true,
  });
}

// ------------------------------------------------------------------ batch writers

const nn = (v: string | null | undefined) => (v === undefined ? null : v);

function flagInput(idNumber: string, v: PersonValues): FlagPersonInput {
  return {
    idNumber,
    sex: v.sex as FlagPersonInput['sex'],
    phone: v.phone,
    hukouRegion: v.hukou_region,
    residenceRegion: v.residence_region,
    residenceAddress: v.residence_address,
  };
}

type EnrolmentTuple = [string, string, string, string | null, string | null, string | null, string | null, string];

/** Reads the stored persons of a batch (and their enrolments), keyed by ID number. */
async function loadStored(tx: Tx, idNumbers: string[], lock: boolean) {
  const rows = await tx.$queryRawUnsafe<(StoredPerson & { enrolments: EnrolmentTuple[] | null })[]>(
    selectPersons(lock),
    pgTextArray(idNumbers),
  );
  const byNumber = new Map<string, StoredPerson>();
  const enrolments = new Map<string, StoredEnrolment[]>();
  for (const r of rows) {
    const { enrolments: list, ...person } = r;
    byNumber.set(r.id_number, person);
    enrolments.set(
      r.id,
      (list ?? []).map(([id, insurance_type, status, region_code, first_enrolled, last_paid_month, employer, stamp]) => ({
        id,
        person_id: r.id,
        insurance_type,
        status,
        region_code,
        first_enrolled,
        last_paid_month,
        employer,
        stamp,
      })),
    );
  }
  return { byNumber, enrolments };
}

const toFlagEnrolments = (rows: readonly { insurance_type: string; status: string }[]): FlagEnrolmentInput[] =>
  rows.map((r) => ({ insuranceType: r.insurance_type, status: r.status as FlagEnrolmentInput['status'] }));

async function writeAudits(tx: Tx, at: string, audits: { action: string; targetId: string; details: unknown }[]) {
  if (!audits.length) return;
  await tx.$executeRawUnsafe(
    INSERT_AUDIT,
    at,
    col(audits, (a) => a.action),
    col(audits, (a) => a.targetId),
    col(audits, (a) => JSON.stringify(a.details)),
  );
}

async function writeHouseholds(tx: Tx, households: Map<string, { region: string | null; address: string | null }>, at: string) {
  if (!households.size) return;
  const hh = [...households.entries()];
  await tx.$executeRawUnsafe(
    INSERT_HOUSEHOLDS,
    col(hh, ([id]) => id),
    col(hh, ([, h]) => h.region),
    col(hh, ([, h]) => h.address),
    at,
  );
}

/** Writes flags (with the version check) where they differ from the stored ones. */
async function writeFlags(tx: Tx, changes: { s: StoredPerson; flags: string[] }[], at: string) {
  if (!changes.length) return;
  const done = await tx.$queryRawUnsafe<unknown[]>(
    UPDATE_FLAGS,
    col(changes, (u) => u.s.id),
    col(changes, (u) => String(u.s.version)),
    col(changes, (u) => u.flags.join(',')),
    at,
  );
  if (done.length !== changes.length) throw new ConcurrentChangeError('a person was changed concurrently');
}

/**
 * One batch of persons: every row is first inserted as a new person (ON CONFLICT DO NOTHING, so a first
 * import needs no lookup at all); the rows that already existed are then read, compared and updated.
 */
async function writePersons(
  tx: Tx,
  rows: ValidPerson[],
  lock: boolean,
  now: Date,
  knownRegion: (code: string) => boolean,
  file: string,
): Promise<BatchResult> {
  const at = now.toISOString();
  // Households first (the foreign key), for every household the file names; existing ones stay as they are.
  const households = new Map<string, { region: string | null; address: string | null }>();
  const fresh = rows.map((r) => {
    const v = {} as PersonValues;
    for (const [f] of PERSON_FIELDS) v[f] = nn(r.values[f]);
    // Sex and birth date follow from the ID number when the file leaves them empty.
    v.sex ??= r.id.sex;
    v.birth_date ??= r.id.birthDate;
    v.region_code = v.residence_region ?? v.hukou_region;
    if (v.household_id && !households.has(v.household_id)) {
      households.set(v.household_id, { region: v.region_code, address: v.hukou_address });
    }
    return { r, v, flags: computeFlags(flagInput(r.id.idNumber, v), [], knownRegion) };
  });
  await writeHouseholds(tx, households, at);
  const [inserted] = await tx.$queryRawUnsafe<{ n: number; existing: string[] | null }[]>(
    INSERT_PERSONS_RETURNING,
    col(fresh, (x) => x.r.id.idNumber),
    ...PERSON_FIELDS.map(([f]) => col(fresh, (x) => x.v[f])),
    col(fresh, (x) => x.flags.join(',')),
    at,
  );
  const insertedCount = inserted?.n ?? 0;
  if (!inserted?.existing?.length) return { inserted: insertedCount, updated: 0, unchanged: 0, rejects: [] };

  // The rest already existed: merge (an empty cell keeps the stored value) and compare.
  const existingSet = new Set(inserted.existing);
  const existing = rows.filter((r) => existingSet.has(r.id.idNumber));
  await tx.$queryRawUnsafe(TUNE_BATCH);
  const stored = await loadStored(tx, inserted.existing, lock);
  const updates: { s: StoredPerson; v: PersonValues; flags: string[]; line: number; changes: Record<string, unknown> }[] = [];
  const flagOnly: { s: StoredPerson; flags: string[] }[] = [];
  let unchanged = 0;
  for (const r of existing) {
    const s = stored.byNumber.get(r.id.idNumber);
    if (!s) throw new ConcurrentChangeError('a person was deleted concurrently');
    const v = {} as PersonValues;
    for (const [f] of PERSON_FIELDS) v[f] = nn(r.values[f]) ?? s[f];
    v.sex ??= r.id.sex;
    v.birth_date ??= r.id.birthDate;
    v.region_code = managingRegion({ residenceRegion: v.residence_region, hukouRegion: v.hukou_region, regionCode: s.region_code });
    const enrols = toFlagEnrolments(stored.enrolments.get(s.id) ?? []);
    // The data-matching step re-derives every computed flag (with the enrolments), by the rules of person-change.ts.
    const flags = flagsAfter(s.flags, flagInput(r.id.idNumber, v), COMPUTED_FLAGS, enrols, knownRegion);
    const changes: Record<string, { old: string | null; new: string | null }> = {};
    for (const [f, name] of PERSON_FIELDS) if (s[f] !== v[f]) changes[name] = { old: s[f], new: v[f] };
    if (Object.keys(changes).length) {
      updates.push({ s, v, flags, line: r.line, changes });
    } else {
      unchanged++;
      if (!sameFlags(s.flags ?? [], flags)) flagOnly.push({ s, flags });
    }
  }
  if (updates.length) {
    const done = await tx.$queryRawUnsafe<unknown[]>(
      UPDATE_PERSONS,
      col(updates, (u) => u.s.id),
      col(updates, (u) => String(u.s.version)),
      ...PERSON_FIELDS.map(([f]) => col(updates, (u) => u.v[f])),
      col(updates, (u) => u.flags.join(',')),
      at,
    );
    if (done.length !== updates.length) throw new ConcurrentChangeError('a person was changed concurrently');
    await writeAudits(
      tx,
      at,
      updates.map((u) => ({ action: 'person.update', targetId: u.s.id, details: { changes: u.changes, file, line: u.line, diff: u.changes, flags: u.flags } })),
    );
  }
  await writeFlags(tx, flagOnly, at);
  return { inserted: insertedCount, updated: updates.length, unchanged, rejects: [] };
}

/** One batch of enrolments: read the batch's persons with their enrolments, then insert, update, re-flag. */
async function writeEnrolments(
  tx: Tx,
  rows: ValidEnrolment[],
  lock: boolean,
  now: Date,
  knownRegion: (code: string) => boolean,
  file: string,
  rejectedPersons: IdKeyMap,
): Promise<BatchResult> {
  await tx.$queryRawUnsafe(TUNE_BATCH);
  const at = now.toISOString();
  const stored = await loadStored(tx, [...new Set(rows.map((r) => r.idNumber))], lock);

  const rejects: Rejection[] = [];
  const inserts: { personId: string; type: string; v: EnrolmentValues }[] = [];
  const updates: { e: StoredEnrolment; v: EnrolmentValues; changes: Record<string, unknown>; line: number }[] = [];
  const touched = new Set<string>();
  let unchanged = 0;

  for (const r of rows) {
    const p = stored.byNumber.get(r.idNumber);
    if (!p) {
      const rejectedAt = rejectedPersons.get(r.idNumber);
      rejects.push({
        line: r.line,
        reason: 'UNKNOWN_PERSON',
        idRaw: r.idNumber,
        message:
          rejectedAt
            ? `the person's row (line ${rejectedAt} of the persons file) was rejected`
            : 'no person with this ID number in the registry or the persons file',
      });
      continue;
    }
    const list = stored.enrolments.get(p.id) as StoredEnrolment[];
    const e = list.find((x) => x.insurance_type === r.type);
    const v = {} as EnrolmentValues;
    for (const [f] of ENROLMENT_FIELDS) v[f] = nn(r.values[f]) ?? (e ? e[f] : null);
    if (!e) {
      inserts.push({ personId: p.id, type: r.type, v });
      list.push({ id: '', person_id: p.id, insurance_type: r.type, ...v, status: r.values.status, stamp: '' });
      touched.add(p.id);
      continue;
    }
    const changes: Record<string, { old: string | null; new: string | null }> = {};
    for (const [f, name] of ENROLMENT_FIELDS) if (e[f] !== v[f]) changes[name] = { old: e[f], new: v[f] };
    if (!Object.keys(changes).length) {
      unchanged++;
      continue;
    }
    updates.push({ e: { ...e }, v, changes, line: r.line });
    Object.assign(e, v);
    touched.add(p.id);
  }

  if (inserts.length) {
    const done = await tx.$queryRawUnsafe<unknown[]>(
      INSERT_ENROLMENTS,
      col(inserts, (i) => i.personId),
      col(inserts, (i) => i.type),
      ...ENROLMENT_FIELDS.map(([f]) => col(inserts, (i) => i.v[f])),
      at,
    );
    if (done.length !== inserts.length) throw new ConcurrentChangeError('an enrolment was inserted concurrently');
  }
  if (updates.length) {
    const done = await tx.$queryRawUnsafe<unknown[]>(
      UPDATE_ENROLMENTS,
      col(updates, (u) => u.e.id),
      col(updates, (u) => u.e.stamp),
      ...ENROLMENT_FIELDS.map(([f]) => col(updates, (u) => u.v[f])),
      at,
    );
    if (done.length !== updates.length) throw new ConcurrentChangeError('an enrolment was changed concurrently');
    await writeAudits(
      tx,
      at,
      updates.map((u) => ({
        action: 'enrolment.update',
        targetId: u.e.person_id,
        details: { insuranceType: u.e.insurance_type, changes: u.changes, file, line: u.line },
      })),
    );
  }

  // Flags of every person whose enrolments changed.
  const flagChanges: { s: StoredPerson; flags: string[] }[] = [];
  for (const s of stored.byNumber.values()) {
    if (!touched.has(s.id)) continue;
    const flags = flagsAfter(s.flags, flagInput(s.id_number, s), COMPUTED_FLAGS, toFlagEnrolments(stored.enrolments.get(s.id) ?? []), knownRegion);
    if (!sameFlags(s.flags ?? [], flags)) flagChanges.push({ s, flags });
  }
  await writeFlags(tx, flagChanges, at);
  return { inserted: inserts.length, updated: updates.length, unchanged, rejects };
}

// ------------------------------------------------------------------ rejects file

interface RejectWriter {
  write(record: string[]): Promise<void>;
  end(): Promise<void>;
}

async function openRejects(target: Writable | string | undefined): Promise<RejectWriter | undefined> {
  if (target === undefined) return undefined;
  let out: Writable;
  if (typeof target === 'string') {
    const ws = fs.createWriteStream(target);
    try {
      await Promise.race([
        once(ws, 'open'),
        once(ws, 'error').then(([e]) => {
          throw e;
        }),
      ]);
    } catch (e) {
      throw new ImportFileError(`Cannot write the rejects file ${target}: ${(e as Error).message}`, path.basename(target));
    }
    out = ws;
  } else {
    out = target;
  }
  const stringifier = stringify({ header: true, columns: [...REJECT_COLUMNS] });
  stringifier.pipe(out);
  let ended = false;
  return {
    async write(record) {
      if (!stringifier.write(record)) await once(stringifier, 'drain');
    },
    async end() {
      if (ended) return;
      ended = true;
      stringifier.end();
      await finished(out);
    },
  };
}
