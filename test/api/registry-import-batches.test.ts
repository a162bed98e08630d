import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { importRegistry, type ImportProgress } from '../../src/domain/registry-import';
import { enrolment, enrolmentsCsv, newId, person, personsCsv, type RejectRow, stream, useImportDatabase } from '../helpers/registry-import-fixtures';

/**
 * Registry import (src/domain/registry-import), on a test database with the regions (test/helpers/registry-import-fixtures.ts).
 * Batches, progress and streams.
 */

const { prisma, tmp } = useImportDatabase();

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
    const summary = await importRegistry(prisma(), {
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
    const personsFile = path.join(tmp(), 'persons-path.csv');
    const rejectsFile = path.join(tmp(), 'rejects-path.csv');
    fs.writeFileSync(personsFile, personsCsv([person({ id_number: newId() })]));
    const progress: ImportProgress[] = [];
    const summary = await importRegistry(prisma(), {
      persons: personsFile,
      rejects: rejectsFile,
      onProgress: (p) => progress.push(p),
    });
    expect(summary.persons.inserted).toBe(1);
    expect(progress.at(-1)).toMatchObject({ file: 'persons', done: true, totalBytes: fs.statSync(personsFile).size });
    expect(fs.readFileSync(rejectsFile, 'utf8')).toBe('file,line,reason,message,id_number_masked\n');
  });
});
