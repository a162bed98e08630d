import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { computeCheckChar } from '../../src/domain/codes/id-number';
import { ENROLMENT_COLUMNS, importRegistry, PERSON_COLUMNS, type EnrolmentCsvRow, type ImportOptions, type PersonCsvRow } from '../../src/domain/registry-import';
import { useRegionDatabase } from './region-database';

/**
 * Registry import tests (test/api/registry-import-*.test.ts): CSV rows and files, fresh ID numbers, and a test
 * database with the regions on which the import runs.
 */

let serial = 0;
/** A valid ID number no other test uses (each call takes the next birth date from 1940-01-01). */
export function newId(sex: 'MALE' | 'FEMALE' = 'MALE', county = '530102'): string {
  const birth = birthOf(serial++);
  const first17 = `${county}${birth.replace(/-/g, '')}00${sex === 'MALE' ? '1' : '2'}`;
  return first17 + computeCheckChar(first17);
}
export const birthOf = (n: number) => new Date(Date.UTC(1940, 0, 1) + n * 86_400_000).toISOString().slice(0, 10);
export const birthFromId = (id: string) => `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`;

export function person(p: Partial<PersonCsvRow> & { id_number: string }): PersonCsvRow {
  return {
    name: '测试样例',
    sex: '',
    ethnicity: '01',
    birth_date: '',
    phone: '13800000001',
    hukou_region: '530102001',
    hukou_address: '昆明市五华区华山街道演示路1号',
    residence_region: '530102001',
    residence_address: '昆明市五华区华山街道演示小区1栋101室',
    household_id: '',
    employment_status: 'EMPLOYED',
    employer: '五华区演示科技有限公司',
    ...p,
  };
}

export function enrolment(e: Partial<EnrolmentCsvRow> & { id_number: string; insurance_type: string }): EnrolmentCsvRow {
  return { status: '1', region: '530102', first_enrolled: '2015-01-01', last_paid_month: '2024-12', employer: '', ...e };
}

export const csvLine = (values: string[]) => stringify([values]).replace(/\n$/, '');
export const personsCsv = (rows: PersonCsvRow[]) =>
  [PERSON_COLUMNS.join(','), ...rows.map((r) => csvLine(PERSON_COLUMNS.map((c) => r[c])))].join('\n') + '\n';
export const enrolmentsCsv = (rows: EnrolmentCsvRow[]) =>
  [ENROLMENT_COLUMNS.join(','), ...rows.map((r) => csvLine(ENROLMENT_COLUMNS.map((c) => r[c])))].join('\n') + '\n';
export const stream = (text: string | Buffer) => Readable.from([typeof text === 'string' ? Buffer.from(text, 'utf8') : text]);

export interface RejectRow {
  file: string;
  line: string;
  reason: string;
  message: string;
  id_number_masked: string;
}

/**
 * A test database with the regions, and a temporary folder for the files. Call at the top of a test file: it
 * registers the suite's set-up and tear-down.
 */
export function useImportDatabase() {
  const { prisma, tmp } = useRegionDatabase('canbao-import-test-');

  let runNo = 0;
  /** Runs the import on CSV texts; returns the summary and the rejects file (raw and parsed). */
  async function runImport(persons: string | Buffer, enrolments?: string | Buffer, opts: Partial<ImportOptions> = {}) {
    const rejectsFile = path.join(tmp(), `rejects-${++runNo}.csv`);
    const summary = await importRegistry(prisma(), {
      persons: stream(persons),
      enrolments: enrolments === undefined ? undefined : stream(enrolments),
      rejects: rejectsFile,
      ...opts,
    });
    const rejectsText = fs.readFileSync(rejectsFile, 'utf8');
    const rejects = parse(rejectsText, { columns: true }) as RejectRow[];
    return { summary, rejects, rejectsText };
  }

  return {
    prisma,
    tmp,
    runImport,
    findPerson: (idNumber: string) =>
      prisma().person.findUniqueOrThrow({ where: { idNumber }, include: { enrolments: true, household: true } }),
  };
}
