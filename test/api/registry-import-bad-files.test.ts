import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { ImportFileError, importRegistry, PERSON_COLUMNS, type ImportOptions } from '../../src/domain/registry-import';
import { newId, person, personsCsv, stream, useImportDatabase } from '../helpers/registry-import-fixtures';

/**
 * Registry import (src/domain/registry-import), on a test database with the regions (test/helpers/registry-import-fixtures.ts).
 * Files that cannot be imported.
 */

const { prisma, tmp } = useImportDatabase();

describe('importRegistry: files that cannot be imported', () => {
  it('stops on a wrong persons header before anything is written', async () => {
    const before = await prisma().person.count();
    const rejectsFile = path.join(tmp(), 'never.csv');
    const header = [...PERSON_COLUMNS.filter((c) => c !== 'employer'), 'favourite_colour'].join(',');
    const text = `${header}\n${newId()},样例,1,01,,,,,,,,,\n`;
    const err = await importRegistry(prisma(), { persons: stream(text), rejects: rejectsFile }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImportFileError);
    expect((err as ImportFileError).message).toMatch(/missing column\(s\) employer/);
    expect((err as ImportFileError).message).toMatch(/unknown column\(s\) "favourite_colour"/);
    expect((err as ImportFileError).nothingWritten).toBe(true);
    expect(await prisma().person.count()).toBe(before);
    expect(fs.existsSync(rejectsFile)).toBe(false);
  });

  it('checks the enrolments header before writing the persons', async () => {
    const before = await prisma().person.count();
    const err = await importRegistry(prisma(), {
      persons: stream(personsCsv([person({ id_number: newId() })])),
      enrolments: stream('id_number,insurance_type,status\n'),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImportFileError);
    expect((err as Error).message).toMatch(/enrolments\.csv: wrong header: missing column\(s\) region/);
    expect(await prisma().person.count()).toBe(before);
  });

  it('stops on an unreadable, missing, empty or directory path', async () => {
    const empty = path.join(tmp(), 'empty.csv');
    fs.writeFileSync(empty, '');
    const failing = new Readable({
      read() {
        this.destroy(new Error('disk on fire'));
      },
    });
    const cases: [ImportOptions['persons'], RegExp][] = [
      [path.join(tmp(), 'does-not-exist.csv'), /Cannot read the persons file .*does-not-exist\.csv/],
      [tmp(), /is not a file/],
      [empty, /empty\.csv is empty/],
      [failing, /disk on fire/],
    ];
    for (const [persons, message] of cases) {
      const err = await importRegistry(prisma(), { persons }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ImportFileError);
      expect((err as Error).message).toMatch(message);
    }
  });
});
