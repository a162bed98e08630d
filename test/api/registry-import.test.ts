import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import type { OpenDatabase } from '../../src/db/open-database';
import { DEMO_PERSONS, DEMO_SEX_MISMATCHES, lastMonth, seedDemoIfEmpty } from '../../src/domain/demo/demo-seed.service';
import { computeCheckChar } from '../../src/domain/codes/id-number';
import { seedRegions } from '../../src/domain/registry/region.service';
import {
  ENROLMENT_COLUMNS,
  ImportFileError,
  importRegistry,
  PERSON_COLUMNS,
  type EnrolmentCsvRow,
  type ImportOptions,
  type ImportProgress,
  type PersonCsvRow,
} from '../../src/domain/registry-import';
import { createTestDatabase } from '../helpers/test-database';

let db: OpenDatabase;
let tmp: string;

beforeAll(async () => {
  db = await createTestDatabase();
  await seedRegions(db.prisma);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'canbao-import-test-'));
}, 60_000);

afterAll(async () => {
  await db?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

// ------------------------------------------------------------------ helpers

let serial = 0;
/** A valid ID number no other test uses (each call takes the next birth date from 1940-01-01). */
function newId(sex: 'MALE' | 'FEMALE' = 'MALE', county = '530102'): string {
  const birth = birthOf(serial++);
  const first17 = `${county}${birth.replace(/-/g, '')}00${sex === 'MALE' ? '1' : '2'}`;
  return first17 + computeCheckChar(first17);
}
const birthOf = (n: number) => new Date(Date.UTC(1940, 0, 1) + n * 86_400_000).toISOString().slice(0, 10);
const birthFromId = (id: string) => `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`;

function person(p: Partial<PersonCsvRow> & { id_number: string }): PersonCsvRow {
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

function enrolment(e: Partial<EnrolmentCsvRow> & { id_number: string; insurance_type: string }): EnrolmentCsvRow {
  return { status: '1', region: '530102', first_enrolled: '2015-01-01', last_paid_month: '2024-12', employer: '', ...e };
}

const csvLine = (values: string[]) => stringify([values]).replace(/\n$/, '');
const personsCsv = (rows: PersonCsvRow[]) =>
  [PERSON_COLUMNS.join(','), ...rows.map((r) => csvLine(PERSON_COLUMNS.map((c) => r[c])))].join('\n') + '\n';
const enrolmentsCsv = (rows: EnrolmentCsvRow[]) =>
  [ENROLMENT_COLUMNS.join(','), ...rows.map((r) => csvLine(ENROLMENT_COLUMNS.map((c) => r[c])))].join('\n') + '\n';
const stream = (text: string) => Readable.from([Buffer.from(text, 'utf8')]);

interface RejectRow {
  file: string;
  line: string;
  reason: string;
  message: string;
  id_number_masked: string;
}

let runNo = 0;
/** Runs the import on CSV texts; returns the summary and the rejects file (raw and parsed). */
async function runImport(persons: string, enrolments?: string, opts: Partial<ImportOptions> = {}) {
  const rejectsFile = path.join(tmp, `rejects-${++runNo}.csv`);
  const summary = await importRegistry(db.prisma, {
    persons: stream(persons),
    enrolments: enrolments === undefined ? undefined : stream(enrolments),
    rejects: rejectsFile,
    ...opts,
  });
  const rejectsText = fs.readFileSync(rejectsFile, 'utf8');
  const rejects = parse(rejectsText, { columns: true }) as RejectRow[];
  return { summary, rejects, rejectsText };
}

const findPerson = (idNumber: string) =>
  db.prisma.person.findUniqueOrThrow({ where: { idNumber }, include: { enrolments: true, household: true } });

// ------------------------------------------------------------------ tests

describe('importRegistry: new persons', () => {
  it('inserts persons with their household, managing region and flags; fills sex and birth date from the ID number', async () => {
    const a = newId('MALE');
    const b = newId('FEMALE');
    const household = `H-NEW-${a}`;
    const { summary, rejects } = await runImport(
      personsCsv([
        person({ id_number: a, name: '张样例明', sex: '1', birth_date: birthFromId(a), ethnicity: '07', household_id: household }),
        person({
          id_number: b,
          name: '李样例芳',
          phone: '',
          residence_region: '',
          residence_address: '',
          household_id: household,
          employment_status: 'farming',
          employer: '',
        }),
      ]),
    );
    expect(rejects).toEqual([]);
    expect(summary.persons).toEqual({ read: 2, inserted: 2, updated: 0, unchanged: 0, rejected: 0 });

    const pa = await findPerson(a);
    expect(pa).toMatchObject({
      name: '张样例明',
      sex: 'MALE',
      ethnicity: '07',
      phone: '13800000001',
      regionCode: '530102001',
      householdId: household,
      employmentStatus: 'EMPLOYED',
      registrationStatus: 'UNREGISTERED',
      flags: [],
    });
    expect(pa.birthDate?.toISOString().slice(0, 10)).toBe(birthFromId(a));
    expect(pa.household).toMatchObject({ id: household, regionCode: '530102001', address: '昆明市五华区华山街道演示路1号' });

    const pb = await findPerson(b);
    expect(pb).toMatchObject({ sex: 'FEMALE', phone: null, regionCode: '530102001', employmentStatus: 'FARMING' });
    expect(pb.birthDate?.toISOString().slice(0, 10)).toBe(birthFromId(b));
    expect(pb.flags).toEqual(['MISSING_PHONE', 'MISSING_RESIDENCE']);
    // The hukou region manages a person without a residence region.
    expect(pb.regionCode).toBe('530102001');
  });

  it('stores text with quotes, commas, braces and backslashes exactly', async () => {
    const id = newId();
    const name = 'O"Brien, {样例} \\ 测试';
    const address = '演示路 1,2 号 "东" {楼}\\室';
    await runImport(personsCsv([person({ id_number: id, name, residence_address: address })]));
    expect(await findPerson(id)).toMatchObject({ name, residenceAddress: address });
  });
});

describe('importRegistry: rejects', () => {
  it('rejects each bad row with a stable reason and its physical line number, and never writes a full ID number', async () => {
    const a = newId();
    const b = newId();
    const c = newId();
    const d = newId('MALE');
    const f = newId();
    const g = newId();
    const h = newId();
    const i = newId();
    const j = newId();
    const k = newId();
    const stranger = newId();
    const badCheck = a.slice(0, 17) + (a.endsWith('0') ? '1' : '0');
    const line = (p: PersonCsvRow) => csvLine(PERSON_COLUMNS.map((col) => p[col]));
    const persons = [
      PERSON_COLUMNS.join(','), // 1
      line(person({ id_number: a })), // 2 ok
      line(person({ id_number: badCheck })), // 3 BAD_ID_NUMBER
      line(person({ id_number: b, birth_date: '1990-02-30' })), // 4 BAD_DATE
      line(person({ id_number: c, birth_date: '1999-09-09' })), // 5 BIRTH_DATE_MISMATCH
      line(person({ id_number: d, sex: '2' })), // 6 SEX_MISMATCH
      line(person({ id_number: a, name: 'again' })), // 7 DUPLICATE_ID_IN_FILE
      `${newId()},只有两列`, // 8 MALFORMED_ROW (column count)
      line(person({ id_number: f, ethnicity: '99' })), // 9 MALFORMED_ROW (ethnicity)
      line(person({ id_number: g, name: '' })), // 10 MALFORMED_ROW (name missing)
      '', // 11 empty: skipped
      line(person({ id_number: h, hukou_address: '演示路1号\n2栋' })), // 12-13 ok, a quoted field over two lines
      line(person({ id_number: i, hukou_region: '5301' })), // 14 MALFORMED_ROW (region format)
      line(person({ id_number: j, employment_status: 'ASTRONAUT' })), // 15 MALFORMED_ROW (employment)
      line(person({ id_number: k, sex: '3' })), // 16 MALFORMED_ROW (sex)
    ].join('\n');
    const eline = (e: EnrolmentCsvRow) => csvLine(ENROLMENT_COLUMNS.map((col) => e[col]));
    const enrolments = [
      ENROLMENT_COLUMNS.join(','), // 1
      eline(enrolment({ id_number: a, insurance_type: '310' })), // 2 ok
      eline(enrolment({ id_number: stranger, insurance_type: '390' })), // 3 UNKNOWN_PERSON
      eline(enrolment({ id_number: a, insurance_type: '999' })), // 4 UNKNOWN_INSURANCE_TYPE
      eline(enrolment({ id_number: a, insurance_type: '110', status: '4' })), // 5 UNKNOWN_STATUS
      eline(enrolment({ id_number: a, insurance_type: '120', first_enrolled: '2020-13-01' })), // 6 BAD_DATE
      eline(enrolment({ id_number: a, insurance_type: '310', status: '2' })), // 7 DUPLICATE_ID_IN_FILE
      eline(enrolment({ id_number: c, insurance_type: '390' })), // 8 UNKNOWN_PERSON (row rejected on line 5)
      eline(enrolment({ id_number: '53010219900307123', insurance_type: '390' })), // 9 BAD_ID_NUMBER
      eline(enrolment({ id_number: a, insurance_type: '110', last_paid_month: '2024-13' })), // 10 BAD_DATE
      eline(enrolment({ id_number: h, insurance_type: '390' })), // 11 ok
    ].join('\n');

    const { summary, rejects, rejectsText } = await runImport(persons, enrolments);

    expect(rejects.map((r) => [r.file, Number(r.line), r.reason])).toEqual([
      ['persons.csv', 3, 'BAD_ID_NUMBER'],
      ['persons.csv', 4, 'BAD_DATE'],
      ['persons.csv', 5, 'BIRTH_DATE_MISMATCH'],
      ['persons.csv', 6, 'SEX_MISMATCH'],
      ['persons.csv', 7, 'DUPLICATE_ID_IN_FILE'],
      ['persons.csv', 8, 'MALFORMED_ROW'],
      ['persons.csv', 9, 'MALFORMED_ROW'],
      ['persons.csv', 10, 'MALFORMED_ROW'],
      ['persons.csv', 14, 'MALFORMED_ROW'],
      ['persons.csv', 15, 'MALFORMED_ROW'],
      ['persons.csv', 16, 'MALFORMED_ROW'],
      ['enrolments.csv', 3, 'UNKNOWN_PERSON'],
      ['enrolments.csv', 4, 'UNKNOWN_INSURANCE_TYPE'],
      ['enrolments.csv', 5, 'UNKNOWN_STATUS'],
      ['enrolments.csv', 6, 'BAD_DATE'],
      ['enrolments.csv', 7, 'DUPLICATE_ID_IN_FILE'],
      ['enrolments.csv', 8, 'UNKNOWN_PERSON'],
      ['enrolments.csv', 9, 'BAD_ID_NUMBER'],
      ['enrolments.csv', 10, 'BAD_DATE'],
    ]);
    const msg = (file: string, l: number) => rejects.find((r) => r.file === file && Number(r.line) === l)?.message;
    expect(msg('persons.csv', 7)).toContain('line 2');
    expect(msg('persons.csv', 8)).toContain('expected 13 fields, got 2');
    expect(msg('persons.csv', 9)).toContain('ethnicity');
    expect(msg('persons.csv', 10)).toContain('name is required');
    expect(msg('persons.csv', 14)).toContain('hukou_region');
    expect(msg('persons.csv', 15)).toContain('employment_status');
    expect(msg('persons.csv', 16)).toContain('sex');
    expect(msg('enrolments.csv', 8)).toContain('line 5');

    // ID numbers only ever appear masked for staff (first 6 + last 4).
    expect(rejectsText).not.toMatch(/\d{17}[\dX]/);
    expect(rejects.find((r) => r.file === 'persons.csv' && r.line === '3')?.id_number_masked).toBe(
      `${badCheck.slice(0, 6)}********${badCheck.slice(14)}`,
    );

    expect(summary.persons).toEqual({ read: 13, inserted: 2, updated: 0, unchanged: 0, rejected: 11 });
    expect(summary.enrolments).toEqual({ read: 10, inserted: 2, updated: 0, unchanged: 0, rejected: 8 });
    expect(summary.rejectedByReason).toEqual({
      BAD_ID_NUMBER: 2,
      BAD_DATE: 3,
      BIRTH_DATE_MISMATCH: 1,
      SEX_MISMATCH: 1,
      DUPLICATE_ID_IN_FILE: 2,
      MALFORMED_ROW: 6,
      UNKNOWN_PERSON: 2,
      UNKNOWN_INSURANCE_TYPE: 1,
      UNKNOWN_STATUS: 1,
    });
    expect((await findPerson(h)).hukouAddress).toBe('演示路1号\n2栋');
    expect(await db.prisma.person.count({ where: { idNumber: { in: [b, c, d, f, g, i, j, k] } } })).toBe(0);
  });

  it('reports an unclosed quote as one malformed row and keeps what came before', async () => {
    const ok = newId();
    const text = `${personsCsv([person({ id_number: ok })])}${newId()},"never closed,1\n${newId()},x\n`;
    const { summary, rejects } = await runImport(text);
    expect(summary.persons).toMatchObject({ inserted: 1, rejected: 1 });
    expect(rejects).toEqual([expect.objectContaining({ line: '3', reason: 'MALFORMED_ROW' })]);
  });
});

describe('importRegistry: ID numbers and encodings', () => {
  it('converts legacy 15-digit numbers to 18 and matches enrolments and later imports on the 18-digit form', async () => {
    const id18 = newId('FEMALE');
    const id15 = id18.slice(0, 6) + id18.slice(8, 17);
    expect(id15).toHaveLength(15);
    const first = await runImport(
      personsCsv([person({ id_number: id15 })]),
      enrolmentsCsv([enrolment({ id_number: id18, insurance_type: '390' })]),
    );
    expect(first.summary.persons.inserted).toBe(1);
    expect(first.summary.enrolments.inserted).toBe(1);
    const p = await findPerson(id18);
    expect(p.sex).toBe('FEMALE');
    expect(p.enrolments.map((e) => e.insuranceType)).toEqual(['390']);

    const again = await runImport(personsCsv([person({ id_number: id18 })]));
    expect(again.summary.persons).toMatchObject({ inserted: 0, updated: 0, unchanged: 1 });

    const both = await runImport(personsCsv([person({ id_number: id15 }), person({ id_number: id18 })]));
    expect(both.rejects.map((r) => [r.line, r.reason])).toEqual([['3', 'DUPLICATE_ID_IN_FILE']]);
  });

  it('accepts a UTF-8 byte-order mark, CRLF line ends, lower-case x and any column order', async () => {
    const id = newId();
    const text = `\uFEFF${personsCsv([person({ id_number: id, name: '带BOM样例' })]).replace(/\n/g, '\r\n')}${'bad'}\r\n`;
    const { summary, rejects } = await runImport(text);
    expect(summary.persons).toMatchObject({ read: 2, inserted: 1, rejected: 1 });
    expect(rejects.map((r) => [r.line, r.reason])).toEqual([['3', 'MALFORMED_ROW']]);
    expect((await findPerson(id)).name).toBe('带BOM样例');

    // Reversed column order, upper-case header names.
    let x: string;
    do x = newId('FEMALE');
    while (!x.endsWith('X'));
    const cols = [...PERSON_COLUMNS].reverse();
    const row = person({ id_number: x.toLowerCase(), name: '倒序样例' });
    const reversed = `${cols.map((c) => c.toUpperCase()).join(',')}\n${csvLine(cols.map((c) => row[c]))}\n`;
    expect((await runImport(reversed)).summary.persons.inserted).toBe(1);
    expect((await findPerson(x)).name).toBe('倒序样例');
  });
});

describe('importRegistry: files that cannot be imported', () => {
  it('stops on a wrong persons header before anything is written', async () => {
    const before = await db.prisma.person.count();
    const rejectsFile = path.join(tmp, 'never.csv');
    const header = [...PERSON_COLUMNS.filter((c) => c !== 'employer'), 'favourite_colour'].join(',');
    const text = `${header}\n${newId()},样例,1,01,,,,,,,,,\n`;
    const err = await importRegistry(db.prisma, { persons: stream(text), rejects: rejectsFile }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImportFileError);
    expect((err as ImportFileError).message).toMatch(/missing column\(s\) employer/);
    expect((err as ImportFileError).message).toMatch(/unknown column\(s\) "favourite_colour"/);
    expect((err as ImportFileError).nothingWritten).toBe(true);
    expect(await db.prisma.person.count()).toBe(before);
    expect(fs.existsSync(rejectsFile)).toBe(false);
  });

  it('checks the enrolments header before writing the persons', async () => {
    const before = await db.prisma.person.count();
    const err = await importRegistry(db.prisma, {
      persons: stream(personsCsv([person({ id_number: newId() })])),
      enrolments: stream('id_number,insurance_type,status\n'),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImportFileError);
    expect((err as Error).message).toMatch(/enrolments\.csv: wrong header: missing column\(s\) region/);
    expect(await db.prisma.person.count()).toBe(before);
  });

  it('stops on an unreadable, missing, empty or directory path', async () => {
    const empty = path.join(tmp, 'empty.csv');
    fs.writeFileSync(empty, '');
    const failing = new Readable({
      read() {
        this.destroy(new Error('disk on fire'));
      },
    });
    const cases: [ImportOptions['persons'], RegExp][] = [
      [path.join(tmp, 'does-not-exist.csv'), /Cannot read the persons file .*does-not-exist\.csv/],
      [tmp, /is not a file/],
      [empty, /empty\.csv is empty/],
      [failing, /disk on fire/],
    ];
    for (const [persons, message] of cases) {
      const err = await importRegistry(db.prisma, { persons }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ImportFileError);
      expect((err as Error).message).toMatch(message);
    }
  });
});

describe('importRegistry: matching existing persons', () => {
  it('is idempotent: the same files again change nothing and add no audit rows', async () => {
    const ids = [newId(), newId('FEMALE'), newId()];
    const persons = personsCsv(ids.map((id, n) => person({ id_number: id, household_id: `H-IDEM-${ids[0]}`, phone: n ? '' : '13800000009' })));
    const enrolments = enrolmentsCsv([
      enrolment({ id_number: ids[0]!, insurance_type: '310' }),
      enrolment({ id_number: ids[0]!, insurance_type: '390' }),
      enrolment({ id_number: ids[1]!, insurance_type: '170', status: '2', employer: '' }),
    ]);
    const first = await runImport(persons, enrolments);
    expect(first.summary.persons.inserted).toBe(3);
    expect(first.summary.enrolments.inserted).toBe(3);
    const snapshot = await db.prisma.person.findMany({ where: { idNumber: { in: ids } }, orderBy: { idNumber: 'asc' } });
    const audits = await db.prisma.auditEvent.count();
    const households = await db.prisma.household.count();

    const second = await runImport(persons, enrolments);
    expect(second.summary.persons).toEqual({ read: 3, inserted: 0, updated: 0, unchanged: 3, rejected: 0 });
    expect(second.summary.enrolments).toEqual({ read: 3, inserted: 0, updated: 0, unchanged: 3, rejected: 0 });
    expect(await db.prisma.auditEvent.count()).toBe(audits);
    expect(await db.prisma.household.count()).toBe(households);
    expect(await db.prisma.person.findMany({ where: { idNumber: { in: ids } }, orderBy: { idNumber: 'asc' } })).toEqual(snapshot);
  });

  it('updates a changed person and audits the change with old and new values; empty cells keep stored values', async () => {
    const id = newId();
    await runImport(personsCsv([person({ id_number: id, phone: '13800000011', ethnicity: '14' })]));
    const before = await findPerson(id);

    const at = new Date('2026-01-02T03:04:05.000Z');
    const { summary } = await runImport(
      personsCsv([
        person({
          id_number: id,
          phone: '+86 138 0000 0022',
          ethnicity: '',
          residence_region: '530103001',
          employer: '新的演示公司',
        }),
      ]),
      undefined,
      { clock: () => at },
    );
    expect(summary.persons).toEqual({ read: 1, inserted: 0, updated: 1, unchanged: 0, rejected: 0 });

    const after = await findPerson(id);
    expect(after).toMatchObject({ phone: '13800000022', ethnicity: '14', regionCode: '530103001', version: before.version + 1 });
    expect(after.updatedAt.toISOString()).toBe(at.toISOString());
    const audit = await db.prisma.auditEvent.findMany({ where: { targetId: before.id } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      actorType: 'IMPORT',
      source: 'import',
      action: 'person.update',
      targetType: 'person',
      outcome: 'OK',
      at,
    });
    expect((audit[0]!.details as { changes: unknown }).changes).toEqual({
      phone: { old: '13800000011', new: '13800000022' },
      residenceRegion: { old: '530102001', new: '530103001' },
      regionCode: { old: '530102001', new: '530103001' },
      employer: { old: '五华区演示科技有限公司', new: '新的演示公司' },
    });
  });

  it('upserts enrolments on (person, insurance type) and audits a changed one', async () => {
    const id = newId();
    await runImport(
      personsCsv([person({ id_number: id })]),
      enrolmentsCsv([enrolment({ id_number: id, insurance_type: '110' }), enrolment({ id_number: id, insurance_type: '310' })]),
    );
    const { summary } = await runImport(
      personsCsv([person({ id_number: id })]),
      enrolmentsCsv([
        enrolment({ id_number: id, insurance_type: '110', status: '2', last_paid_month: '2024-06' }),
        enrolment({ id_number: id, insurance_type: '310' }),
        enrolment({ id_number: id, insurance_type: '410', first_enrolled: '', last_paid_month: '' }),
      ]),
    );
    expect(summary.enrolments).toEqual({ read: 3, inserted: 1, updated: 1, unchanged: 1, rejected: 0 });
    const p = await findPerson(id);
    const byType = Object.fromEntries(p.enrolments.map((e) => [e.insuranceType, e]));
    expect(Object.keys(byType).sort()).toEqual(['110', '310', '410']);
    expect(byType['110']).toMatchObject({ status: 'SUSPENDED', lastPaidMonth: '2024-06', regionCode: '530102' });
    expect(byType['410']).toMatchObject({ status: 'PAYING', firstEnrolled: null, lastPaidMonth: null });
    const audit = await db.prisma.auditEvent.findFirstOrThrow({ where: { targetId: p.id, action: 'enrolment.update' } });
    expect(audit.details).toMatchObject({
      insuranceType: '110',
      changes: { status: { old: 'PAYING', new: 'SUSPENDED' }, lastPaidMonth: { old: '2024-12', new: '2024-06' } },
    });

    // Enrolments of a person already in the registry need no persons row.
    const only = await runImport(personsCsv([]), enrolmentsCsv([enrolment({ id_number: id, insurance_type: '510' })]));
    expect(only.summary.persons.read).toBe(0);
    expect(only.summary.enrolments).toMatchObject({ inserted: 1, rejected: 0 });
    expect((await findPerson(id)).enrolments.map((e) => e.insuranceType).sort()).toEqual(['110', '310', '410', '510']);
  });

  it('reads the optional benefit_from column (the month a pension is drawn from) when a file has it', async () => {
    const id = newId();
    const cols = [...ENROLMENT_COLUMNS, 'benefit_from'] as const;
    const rows = [enrolment({ id_number: id, insurance_type: '110', benefit_from: '2005-01' }), enrolment({ id_number: id, insurance_type: '310' })];
    const csv = [cols.join(','), ...rows.map((r) => csvLine(cols.map((c) => r[c] ?? '')))].join('\n') + '\n';
    const { summary } = await runImport(personsCsv([person({ id_number: id, employment_status: 'RETIRED' })]), csv);
    expect(summary.enrolments).toMatchObject({ inserted: 2, rejected: 0 });
    const byType = Object.fromEntries((await findPerson(id)).enrolments.map((e) => [e.insuranceType, e.benefitFrom]));
    expect(byType).toEqual({ '110': '2005-01', '310': null });
    const bad = [cols.join(','), csvLine(cols.map((c) => (c === 'benefit_from' ? '2005-13' : (rows[0]![c] ?? ''))))].join('\n') + '\n';
    const again = await runImport(personsCsv([]), bad);
    expect(again.rejects.map((r) => r.reason)).toEqual(['BAD_DATE']);
  });
});

describe('importRegistry: flags and warnings', () => {
  it('computes the flags once the enrolments are known, and clears them when the data is corrected', async () => {
    const dupMedical = newId();
    const dupPension = newId();
    const unknownRegion = newId();
    const persons = personsCsv([
      person({ id_number: dupMedical }),
      person({ id_number: dupPension, phone: '' }),
      person({ id_number: unknownRegion, residence_region: '530121' }),
    ]);
    const { summary } = await runImport(
      persons,
      enrolmentsCsv([
        enrolment({ id_number: dupMedical, insurance_type: '310' }),
        enrolment({ id_number: dupMedical, insurance_type: '390' }),
        enrolment({ id_number: dupPension, insurance_type: '110' }),
        enrolment({ id_number: dupPension, insurance_type: '170' }),
        enrolment({ id_number: unknownRegion, insurance_type: '390', region: '530122' }),
      ]),
    );
    expect(summary.warningsByKind).toEqual({ UNKNOWN_REGION: 2 });
    expect((await findPerson(dupMedical)).flags).toEqual(['DUPLICATE_MEDICAL']);
    expect((await findPerson(dupPension)).flags).toEqual(['MISSING_PHONE', 'DUPLICATE_PENSION']);
    expect((await findPerson(unknownRegion)).flags).toEqual(['UNKNOWN_REGION']);

    // Resident medical ends: the duplicate goes; a flag-only change is neither an update nor audited.
    const audits = await db.prisma.auditEvent.count({ where: { action: 'person.update' } });
    const again = await runImport(persons, enrolmentsCsv([enrolment({ id_number: dupMedical, insurance_type: '390', status: '3' })]));
    expect(again.summary.persons).toMatchObject({ updated: 0, unchanged: 3 });
    expect((await findPerson(dupMedical)).flags).toEqual([]);
    expect(await db.prisma.auditEvent.count({ where: { action: 'person.update' } })).toBe(audits);
  });

  it('flags SEX_MISMATCH on a record created elsewhere and keeps flags other code owns', async () => {
    const id = newId('MALE');
    await db.prisma.person.create({
      data: {
        idNumber: id,
        name: '测试样例',
        sex: 'FEMALE',
        ethnicity: '01',
        birthDate: new Date(`${birthFromId(id)}T00:00:00Z`),
        phone: '13800000001',
        hukouRegion: '530102001',
        hukouAddress: '昆明市五华区华山街道演示路1号',
        residenceRegion: '530102001',
        residenceAddress: '昆明市五华区华山街道演示小区1栋101室',
        regionCode: '530102001',
        employmentStatus: 'EMPLOYED',
        employer: '五华区演示科技有限公司',
        flags: ['EMPLOYMENT_MISMATCH'],
      },
    });
    // An empty sex cell keeps the stored value; the flags follow the stored data.
    const { summary } = await runImport(personsCsv([person({ id_number: id })]));
    expect(summary.persons).toMatchObject({ unchanged: 1, updated: 0 });
    expect(await findPerson(id)).toMatchObject({ sex: 'FEMALE', flags: ['SEX_MISMATCH', 'EMPLOYMENT_MISMATCH'] });

    // The file's sex (consistent with the ID number) corrects it.
    await runImport(personsCsv([person({ id_number: id, sex: '1' })]));
    expect(await findPerson(id)).toMatchObject({ sex: 'MALE', flags: ['EMPLOYMENT_MISMATCH'] });
  });

  it('counts warnings and imports the rows: unknown county, unknown region, a phone that is not a mobile number', async () => {
    const beijing = newId('MALE', '110105');
    const landline = newId();
    const { summary, rejects } = await runImport(
      personsCsv([
        person({ id_number: beijing, hukou_region: '530121001' }),
        person({ id_number: landline, phone: '0871-6512345' }),
      ]),
    );
    expect(rejects).toEqual([]);
    expect(summary.persons.inserted).toBe(2);
    expect(summary.warningsByKind).toEqual({ UNKNOWN_COUNTY: 1, UNKNOWN_REGION: 1, BAD_PHONE: 1 });
    expect((await findPerson(beijing)).flags).toEqual(['UNKNOWN_REGION']);
    expect(await findPerson(landline)).toMatchObject({ phone: null, flags: ['MISSING_PHONE'] });
  });

  it('imports a person whose address or employer is not plausible, without that value and with a warning', async () => {
    const id = newId();
    const { summary, rejects } = await runImport(personsCsv([person({ id_number: id, hukou_address: '和平村', residence_address: '12', employer: '公'.repeat(101) })]));
    expect(rejects).toEqual([]);
    expect(summary.persons.inserted).toBe(1);
    expect(summary.warningsByKind).toEqual({ BAD_ADDRESS: 2, BAD_EMPLOYER: 1 });
    expect(await findPerson(id)).toMatchObject({ hukouAddress: null, residenceAddress: null, employer: null, flags: ['MISSING_RESIDENCE'] });
  });
});

describe('importRegistry: batches, progress and streams', () => {
  it('works across many small batches, reports progress and ends a rejects stream', async () => {
    const ids = Array.from({ length: 10 }, () => newId());
    const rows = ids.map((id) => person({ id_number: id }));
    rows.splice(8, 0, person({ id_number: ids[1]! })); // a duplicate of a row two batches earlier
    const progress: ImportProgress[] = [];
    const chunks: Buffer[] = [];
    let ended = false;
    const out = new Writable({
      write(chunk: Buffer, _enc, cb) {
        chunks.push(chunk);
        cb();
      },
      final(cb) {
        ended = true;
        cb();
      },
    });
    const summary = await importRegistry(db.prisma, {
      persons: stream(personsCsv(rows)),
      enrolments: stream(enrolmentsCsv(ids.map((id) => enrolment({ id_number: id, insurance_type: '390' })))),
      rejects: out,
      batchSize: 3,
      onProgress: (p) => progress.push(p),
    });
    expect(summary.persons).toEqual({ read: 11, inserted: 10, updated: 0, unchanged: 0, rejected: 1 });
    expect(summary.enrolments).toMatchObject({ inserted: 10, rejected: 0 });
    expect(ended).toBe(true);
    const rejects = parse(Buffer.concat(chunks).toString(), { columns: true }) as RejectRow[];
    expect(rejects.map((r) => [r.line, r.reason])).toEqual([['10', 'DUPLICATE_ID_IN_FILE']]);
    expect(progress.filter((p) => p.file === 'persons').length).toBeGreaterThanOrEqual(4);
    expect(progress.filter((p) => p.done).map((p) => [p.file, p.rowsRead])).toEqual([
      ['persons', 11],
      ['enrolments', 10],
    ]);
  });

  it('reports the file size for a path and writes a header-only rejects file when nothing is rejected', async () => {
    const personsFile = path.join(tmp, 'persons-path.csv');
    const rejectsFile = path.join(tmp, 'rejects-path.csv');
    fs.writeFileSync(personsFile, personsCsv([person({ id_number: newId() })]));
    const progress: ImportProgress[] = [];
    const summary = await importRegistry(db.prisma, {
      persons: personsFile,
      rejects: rejectsFile,
      onProgress: (p) => progress.push(p),
    });
    expect(summary.persons.inserted).toBe(1);
    expect(progress.at(-1)).toMatchObject({ file: 'persons', done: true, totalBytes: fs.statSync(personsFile).size });
    expect(fs.readFileSync(rejectsFile, 'utf8')).toBe('file,line,reason,message,id_number_masked\n');
  });
});

describe('seedDemoIfEmpty', () => {
  it('pays regular payers up to the month before the clock, in China time (January: December of the year before)', () => {
    expect(lastMonth(new Date('2026-12-01T02:00:00Z'))).toBe('2026-11');
    expect(lastMonth(new Date('2027-01-15T02:00:00Z'))).toBe('2026-12');
    // 31 December 20:00 UTC is already 1 January in China.
    expect(lastMonth(new Date('2026-12-31T20:00:00Z'))).toBe('2026-12');
  });

  let demo: OpenDatabase;
  beforeAll(async () => {
    demo = await createTestDatabase();
  }, 60_000);
  afterAll(async () => {
    await demo?.close();
  });

  it('loads regions and the demo population through the import once, with the documented demo persons', async () => {
    const t = Date.now();
    // The application clock: 1 December 2026 in China.
    const now = new Date('2026-12-01T02:00:00Z');
    const result = await seedDemoIfEmpty(demo.prisma, { persons: 300, now });
    expect(Date.now() - t).toBeLessThan(30_000);
    expect(result).toMatchObject({ seeded: true, persons: 300 });
    expect(result.summary?.persons).toMatchObject({ inserted: 300, rejected: 0 });
    expect(result.summary?.enrolments.rejected).toBe(0);
    expect(await demo.prisma.region.count()).toBeGreaterThan(1500);

    for (const d of DEMO_PERSONS) {
      const p = await demo.prisma.person.findUniqueOrThrow({ where: { idNumber: d.idNumber } });
      expect(p).toMatchObject({ name: d.name, sex: d.sex, phone: d.phone, regionCode: d.regionCode });
      expect(p.birthDate?.toISOString().slice(0, 10)).toBe(d.birthDate);
    }
    // Paid up to last month as of the clock (not a fixed month that lapses as time goes by).
    const zhang = await demo.prisma.person.findUniqueOrThrow({ where: { idNumber: '530102199003071238' }, include: { enrolments: true } });
    expect(new Set(zhang.enrolments.map((e) => e.lastPaidMonth))).toEqual(new Set(['2026-11']));
    // Generated payers too: none paid up to a month after the clock, and most within the last three months.
    const paying = await demo.prisma.enrolment.findMany({ where: { status: 'PAYING' }, select: { lastPaidMonth: true } });
    expect(paying.filter((e) => (e.lastPaidMonth ?? '') > '2026-12')).toEqual([]);
    expect(paying.filter((e) => (e.lastPaidMonth ?? '') >= '2026-09').length).toBeGreaterThan(paying.length * 0.9);
    const zhao = await demo.prisma.person.findUniqueOrThrow({ where: { idNumber: '530111199506151236' } });
    expect(zhao.flags).toEqual(['MISSING_RESIDENCE', 'DUPLICATE_MEDICAL']);
    const mismatched = await demo.prisma.$queryRawUnsafe<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM person WHERE 'SEX_MISMATCH' = ANY(flags)`,
    );
    expect(mismatched[0]?.n).toBe(DEMO_SEX_MISMATCHES);

    expect(await seedDemoIfEmpty(demo.prisma, { persons: 300 })).toEqual({ seeded: false, persons: 300 });
  });
});
