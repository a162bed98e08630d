import type { PrismaClient } from '../../generated/prisma/client';
import { chinaDate } from '../calendar/china-time';
import { type IdParseOk } from '../codes/id-number';
import { INSURANCE_TYPES } from '../codes/insurance';
import { maskIdNumberForStaff } from '../codes/masking';
import { fieldChecker, isPlausibleAddress, withinLength } from '../registry/person-fields';
import { loadRegionCodes } from '../registry/region.service';
import { knownRegionFrom } from '../registry/person-flags';
import { ENROLMENT_COLUMNS, ENROLMENT_STATUS_CODES, OPTIONAL_ENROLMENT_COLUMNS, type EnrolmentColumn, type ImportCounts, ImportFileError, type ImportOptions, type ImportProgress, type ImportSummary, PERSON_COLUMNS, type RejectReason, type WarningKind } from './formats';
import { IdKeyMap } from './id-key-map';
import { type CsvRecord, type Source, bytesRead, closeSource, encodingOf, nextRecord, openSource, readHeader } from './csv-source';
import { type Rejection, type RowContext, buildSchemas, describeIssues, toObject } from './row-schema';
import { type EnrolmentValues, type PersonValues, isConcurrentChange } from './sql';
import { writeEnrolments, writePersons } from './batch-writers';
import { type RejectWriter, openRejects } from './rejects';
import { stripControlChars } from '../../lib/control-chars';

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

// ------------------------------------------------------------------ the import

export interface ValidPerson {
  line: number;
  id: IdParseOk;
  values: Partial<PersonValues>;
}

export interface ValidEnrolment {
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
    encodings: { persons: 'utf-8' },
    ms: 0,
  };
  const warn = (k: WarningKind, n = 1) => {
    summary.warningsByKind[k] = (summary.warningsByKind[k] ?? 0) + n;
  };
  const employer = (v: string | undefined) => (v === undefined || withinLength('employer', v) ? v : (warn('BAD_EMPLOYER'), undefined));

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
      eIndex = await readHeader<EnrolmentColumn>(enrolments, ENROLMENT_COLUMNS, OPTIONAL_ENROLMENT_COLUMNS);
    }
    summary.encodings = { persons: encodingOf(persons), ...(enrolments ? { enrolments: encodingOf(enrolments) } : {}) };
    rejectOut = await openRejects(opts.rejects);

    const regionCodes = await loadRegionCodes(db);
    const knownRegion = knownRegionFrom(regionCodes);
    const now = clock();
    const ctx: RowContext = { now, today: chinaDate(now), knownCounty: (c) => regionCodes.has(c) };
    const checkPhone = fieldChecker('phone', { today: now });
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
          const p = checkPhone(d.phone);
          if (p.ok && p.value) phone = p.value;
          else warn('BAD_PHONE');
        }
        const address = (v: string | undefined) => (v === undefined || isPlausibleAddress(v) ? v : (warn('BAD_ADDRESS'), undefined));
        const values: Partial<PersonValues> = {
          name: d.name,
          sex,
          ethnicity: d.ethnicity,
          birth_date: d.birth_date,
          phone,
          hukou_region: d.hukou_region,
          hukou_address: address(d.hukou_address),
          residence_region: d.residence_region,
          residence_address: address(d.residence_address),
          household_id: d.household_id,
          employment_status: d.employment_status,
          employer: employer(d.employer),
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
          const input = toObject(rec.fields, index, [...ENROLMENT_COLUMNS, ...OPTIONAL_ENROLMENT_COLUMNS], []);
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
              employer: employer(d.employer),
              benefit_from: d.benefit_from,
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

export interface BatchResult {
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
        bytesRead: bytesRead(source),
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
          idRaw: stripControlChars(rec.fields[idAt] ?? '').trim(),
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
    bytesRead: bytesRead(source),
    totalBytes: source.totalBytes,
    rowsRead: counts.read,
    done: true,
  });
}
