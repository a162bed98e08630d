import { ENROLMENT_COLUMNS, PERSON_COLUMNS, type EnrolmentCsvRow, type PersonCsvRow } from '../../src/domain/registry-import';
import { csvLine, enrolment, newId, person, personsCsv, useImportDatabase } from '../helpers/registry-import-fixtures';

/**
 * Registry import (src/domain/registry-import), on a test database with the regions (test/helpers/registry-import-fixtures.ts).
 * Rows left out, each with its reason in the rejects file.
 */

const { prisma, runImport, findPerson } = useImportDatabase();

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
    expect(await prisma().person.count({ where: { idNumber: { in: [b, c, d, f, g, i, j, k] } } })).toBe(0);
  });

  it('reports an unclosed quote as one malformed row and keeps what came before', async () => {
    const ok = newId();
    const text = `${personsCsv([person({ id_number: ok })])}${newId()},"never closed,1\n${newId()},x\n`;
    const { summary, rejects } = await runImport(text);
    expect(summary.persons).toMatchObject({ inserted: 1, rejected: 1 });
    expect(rejects).toEqual([expect.objectContaining({ line: '3', reason: 'MALFORMED_ROW' })]);
  });
});
