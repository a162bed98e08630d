import { type Readable, type Writable } from 'node:stream';
import { type CsvEncoding } from './csv-encoding';

/** The import's file formats, reject reasons, options and summary. */
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
/** Columns an enrolments file may have (older files do not): the month a pension's benefits began (YYYY-MM). */
export const OPTIONAL_ENROLMENT_COLUMNS = ['benefit_from'] as const;
export type EnrolmentColumn = (typeof ENROLMENT_COLUMNS)[number] | (typeof OPTIONAL_ENROLMENT_COLUMNS)[number];
/** One enrolments.csv row as text ('' for an empty cell; optional columns may be absent). */
export type EnrolmentCsvRow = Record<(typeof ENROLMENT_COLUMNS)[number], string> & Partial<Record<(typeof OPTIONAL_ENROLMENT_COLUMNS)[number], string>>;

export const REJECT_COLUMNS = ['file', 'line', 'reason', 'message', 'id_number_masked'] as const;

export const ENROLMENT_STATUS_CODES = { '1': 'PAYING', '2': 'SUSPENDED', '3': 'TERMINATED' } as const;
export { EMPLOYMENT_STATUSES } from '../vocabulary';

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
 * - BAD_ADDRESS: a hukou or residence address is not plausible (4-100 characters with a letter); the row is
 *   imported without it (MISSING_RESIDENCE then says so for the residence).
 * - BAD_EMPLOYER: the employer is not 1-100 characters; the row is imported without it.
 */
export const WARNING_KINDS = ['UNKNOWN_COUNTY', 'UNKNOWN_REGION', 'BAD_PHONE', 'BAD_ADDRESS', 'BAD_EMPLOYER'] as const;
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
  /** The encoding each file was read in (csv-encoding.ts). */
  encodings: { persons: CsvEncoding; enrolments?: CsvEncoding };
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
  /** persons.csv: a path or a stream of bytes (UTF-8, GB18030 or UTF-16: csv-encoding.ts). */
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
