import { PERSON_COLUMNS } from '../../src/domain/registry-import';
import { computeCheckChar } from '../../src/domain/codes/id-number';
import { ImportFileError, importRegistry } from '../../src/domain/registry-import';
import { gb18030, utf16le } from '../helpers/encodings';
import { csvLine, enrolment, enrolmentsCsv, newId, person, personsCsv, stream, useImportDatabase } from '../helpers/registry-import-fixtures';

/**
 * Registry import (src/domain/registry-import), on a test database with the regions (test/helpers/registry-import-fixtures.ts).
 * ID numbers and file encodings.
 */

const { prisma, runImport, findPerson } = useImportDatabase();

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

  it('reads files exported in GB18030 (GBK) or UTF-16 as such, says so, and refuses a workbook before anything is written', async () => {
    const id = newId('MALE');
    const persons = personsCsv([person({ id_number: id, name: '欧阳秀英', hukou_address: '云南省昆明市五华区翠湖路7号' })]);
    const { summary } = await runImport(gb18030(persons), utf16le(enrolmentsCsv([enrolment({ id_number: id, insurance_type: '390' })])));
    expect(summary.encodings).toEqual({ persons: 'gb18030', enrolments: 'utf-16le' });
    expect(summary.persons.inserted).toBe(1);
    expect(await findPerson(id)).toMatchObject({ name: '欧阳秀英', hukouAddress: '云南省昆明市五华区翠湖路7号', enrolments: [expect.objectContaining({ insuranceType: '390' })] });
    expect((await runImport(persons)).summary.encodings).toEqual({ persons: 'utf-8' });

    const before = await prisma().person.count();
    const err = await importRegistry(prisma(), { persons: stream(Buffer.from('PK\u0003\u0004[Content_Types].xml', 'latin1')) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImportFileError);
    expect((err as ImportFileError).message).toBe('persons.csv is an Excel workbook (or another binary file), not CSV: save it from Excel as "CSV UTF-8 (comma delimited)"');
    expect((err as ImportFileError).nothingWritten).toBe(true);
    expect(await prisma().person.count()).toBe(before);
  });

  it('says when Excel has mangled an ID number (scientific notation, or its last digits set to 0)', async () => {
    let zeroed: string;
    do zeroed = `${newId().slice(0, 15)}000`;
    while (computeCheckChar(zeroed.slice(0, 17)) === '0');
    const { rejects } = await runImport(personsCsv([person({ id_number: '5.30102E+17' }), person({ id_number: zeroed })]));
    expect(rejects.map((r) => [r.line, r.reason, r.message])).toEqual([
      ['2', 'BAD_ID_NUMBER', 'id_number: invalid ID number (characters other than digits and a final X): Excel has turned it into a number; format the column as text before saving the CSV'],
      ['3', 'BAD_ID_NUMBER', 'id_number: invalid ID number (the check character is wrong): Excel may have set its last digits to 0; format the column as text before saving the CSV'],
    ]);
  });
});
