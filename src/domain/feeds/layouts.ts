import { type Readable, type Writable } from 'node:stream';
import { z } from 'zod';
import { type FeedSource } from './authority';
import { type CsvEncoding } from '../registry-import/csv-encoding';
import { registryColumns, type RowContext } from '../registry-import/row-schema';

/** The four CSV layouts of the departmental feeds (docs/feeds.md), their row schemas, options and summary. */

export const FEED_COLUMNS = {
  'public-security': ['id_number', 'name', 'sex', 'ethnicity', 'birth_date', 'hukou_region', 'hukou_address', 'household_id', 'relationship', 'event', 'event_date'],
  'civil-affairs': ['id_number', 'name', 'event', 'event_date'],
  health: ['certificate_no', 'child_name', 'sex', 'birth_date', 'mother_id_number', 'birth_region'],
  ssc: ['id_number', 'name', 'card_status', 'issued_on'],
} as const satisfies Record<FeedSource, readonly string[]>;

export const PUBLIC_SECURITY_EVENTS = ['BIRTH', 'MOVE_IN', 'MOVE_OUT', 'DEATH', 'NAME_CHANGE', 'UPDATE'] as const;
export const CIVIL_AFFAIRS_EVENTS = ['DEATH', 'DIBAO_START', 'DIBAO_END', 'TEKUN_START', 'TEKUN_END'] as const;
export const CARD_STATUSES = ['ISSUED', 'ACTIVE', 'SUSPENDED', 'LOST', 'CANCELLED'] as const;

/** Stable reasons of a rejected feed row (the rejects file's reason column). */
export const FEED_REJECT_REASONS = ['BAD_ID_NUMBER', 'BAD_DATE', 'BIRTH_DATE_MISMATCH', 'SEX_MISMATCH', 'UNKNOWN_EVENT', 'UNKNOWN_PERSON', 'MALFORMED_ROW'] as const;
export type FeedRejectReason = (typeof FEED_REJECT_REASONS)[number];

export interface FeedCounts {
  read: number;
  /** Rows whose person was in the registry. */
  matched: number;
  /** Persons created and newborn leads raised. */
  new: number;
  /** Rows that changed the registry (fields, status, periods, worklists). */
  changed: number;
  /** Rows with a non-authoritative value that differs from the record (a change request for review). */
  conflicting: number;
  /** Rows older than what the registry already holds for every fact they carry, or identical to it. */
  unchanged: number;
  rejected: number;
}

export interface FeedSummary {
  runId: string;
  source: FeedSource;
  /** The encoding the file was read in (csv-encoding.ts). */
  encoding: CsvEncoding;
  counts: FeedCounts;
  rejectedByReason: Partial<Record<FeedRejectReason, number>>;
  ms: number;
}

export interface FeedProgress {
  bytesRead: number;
  totalBytes?: number;
  rowsRead: number;
  done: boolean;
}

export interface FeedOptions {
  source: FeedSource;
  /** The CSV: a path or a stream of bytes (UTF-8, GB18030 or UTF-16: csv-encoding.ts). */
  file: Readable | string;
  /** Name recorded on the feed run when `file` is a stream. */
  fileName?: string;
  rejects?: Writable | string;
  onProgress?: (p: FeedProgress) => void;
  /** The staff member who started the run (API), else null (command line). */
  startedBy?: string | null;
  clock?: () => Date;
  batchSize?: number;
  /** Batches written at once, each in its own transaction on its own connection (default 2; 1: one by one). */
  concurrency?: number;
  /** When given, the milliseconds spent waiting on each kind of statement are added to it (bench:match prints them). */
  timings?: Record<string, number>;
}

/** The zod schema of each layout's row (trimmed cells, empty → absent). */
export function feedSchemas(ctx: RowContext) {
  // The registry's own column rules (ID number, person fields by the field table), as in the persons import.
  const cols = registryColumns(ctx);
  const { idNumber, text } = cols;
  const date = (what: string) => cols.date(what);
  const region = cols.region('hukouRegion');
  const sex = z.enum(['1', '2'], { error: 'sex must be 1 (male) or 2 (female)' }).transform((s) => (s === '1' ? 'MALE' : 'FEMALE'));
  const name = z.string({ error: 'name is required' }).pipe(text('name'));
  return {
    'public-security': z.object({
      id_number: idNumber,
      name,
      sex: sex.optional(),
      ethnicity: cols.field('ethnicity', 'ethnicity must be a GB/T 3304 code 01-56').optional(),
      birth_date: date('birth_date').optional(),
      hukou_region: region.optional(),
      hukou_address: text('hukouAddress').optional(),
      household_id: cols.field('householdId', 'must be 1-64 letters, digits, - or _').optional(),
      relationship: z.string().max(20, { message: 'longer than 20 characters' }).optional(),
      event: z.enum(PUBLIC_SECURITY_EVENTS, { error: `event must be one of ${PUBLIC_SECURITY_EVENTS.join(' ')}` }),
      event_date: date('event_date'),
    }),
    'civil-affairs': z.object({
      id_number: idNumber,
      name: name.optional(),
      event: z.enum(CIVIL_AFFAIRS_EVENTS, { error: `event must be one of ${CIVIL_AFFAIRS_EVENTS.join(' ')}` }),
      event_date: date('event_date'),
    }),
    health: z.object({
      certificate_no: z.string({ error: 'certificate_no is required' }).regex(/^[0-9A-Za-z-]{4,32}$/, { message: 'must be 4-32 letters, digits or -' }),
      child_name: name.optional(),
      sex,
      birth_date: date('birth_date'),
      mother_id_number: idNumber,
      birth_region: region.optional(),
    }),
    ssc: z.object({
      id_number: idNumber,
      name: name.optional(),
      card_status: z.enum(CARD_STATUSES, { error: `card_status must be one of ${CARD_STATUSES.join(' ')}` }),
      issued_on: date('issued_on'),
    }),
  };
}
export type FeedSchemas = ReturnType<typeof feedSchemas>;
export type FeedRow<S extends FeedSource> = z.infer<FeedSchemas[S]>;

/** Which reject reason an invalid value of a column gets; anything else is MALFORMED_ROW. */
export const FEED_REASON_BY_COLUMN: Record<string, FeedRejectReason> = {
  id_number: 'BAD_ID_NUMBER',
  mother_id_number: 'BAD_ID_NUMBER',
  birth_date: 'BAD_DATE',
  event_date: 'BAD_DATE',
  issued_on: 'BAD_DATE',
  event: 'UNKNOWN_EVENT',
};
