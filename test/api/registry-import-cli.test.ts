import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { ENROLMENT_COLUMNS, PERSON_COLUMNS } from '../../src/domain/registry-import';
import { type CliRun, runCli } from '../helpers/cli';

/** `npm run registry:import` as a child process on an embedded database of its own (DATABASE_URL=pglite:<tmp>). */
let tmp: string;
let dbUrl: string;

const cli = (args: string[]): Promise<CliRun> => runCli('registry:import', args, { env: { DATABASE_URL: dbUrl } });

const file = (name: string, text: string) => {
  const f = path.join(tmp, name);
  fs.writeFileSync(f, text);
  return f;
};

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'canbao-import-cli-'));
  dbUrl = `pglite:${path.join(tmp, 'db')}`;
});

afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('npm run registry:import', () => {
  it('imports, prints the summary table, writes the rejects and exits 0 even with rejected rows', async () => {
    const persons = file(
      'persons.csv',
      [
        PERSON_COLUMNS.join(','),
        '530102199003071238,张三,1,01,1990-03-07,13800001234,530102001,昆明市五华区华山街道演示路1号,530102001,昆明市五华区演示小区1栋,SYN-CLI-1,EMPLOYED,演示公司',
        '532301198511200042,李四,2,07,1985-11-20,,532301101,楚雄市鹿城镇演示村,,,SYN-CLI-2,FARMING,',
        '530102199003071230,坏号,1,01,,,,,,,,,',
      ].join('\n') + '\n',
    );
    const enrolments = file(
      'enrolments.csv',
      [
        ENROLMENT_COLUMNS.join(','),
        '530102199003071238,310,1,530102,2012-07-01,2024-12,演示公司',
        '532301198511200042,390,1,532301,2011-03-15,2024-12,',
        '532301198511200042,999,1,532301,2011-03-15,2024-12,',
      ].join('\n') + '\n',
    );
    const rejects = path.join(tmp, 'rejects.csv');

    const run = await cli(['--persons', persons, '--enrolments', enrolments, '--rejects', rejects]);
    expect(run.stderr).not.toMatch(/failed/);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^\s+read\s+inserted\s+updated\s+unchanged\s+rejected$/m);
    expect(run.stdout).toMatch(/^persons\s+3\s+2\s+0\s+0\s+1$/m);
    expect(run.stdout).toMatch(/^enrolments\s+3\s+2\s+0\s+0\s+1$/m);
    expect(run.stdout).toMatch(/BAD_ID_NUMBER\s+1/);
    expect(run.stdout).toMatch(/UNKNOWN_INSURANCE_TYPE\s+1/);
    expect(run.stdout).toContain(`Rejected rows are listed in ${rejects}`);
    // Empty region table: the CLI loaded the regions first.
    expect(run.stderr).toMatch(/loaded 1,607 regions/);
    const rows = parse(fs.readFileSync(rejects), { columns: true }) as { line: string; reason: string; id_number_masked: string }[];
    expect(rows.map((r) => [r.line, r.reason, r.id_number_masked])).toEqual([
      ['4', 'BAD_ID_NUMBER', '530102********1230'],
      ['4', 'UNKNOWN_INSURANCE_TYPE', '532301********0042'],
    ]);

    // The same files again: nothing changes.
    const again = await cli(['--persons', persons, '--enrolments', enrolments]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^persons\s+3\s+0\s+0\s+2\s+1$/m);
    expect(again.stdout).toMatch(/^enrolments\s+3\s+0\s+0\s+2\s+1$/m);
  }, 180_000);

  it('exits 2 on a wrong header and on usage errors, without importing', async () => {
    const wrong = file('wrong.csv', 'id_number,name,colour\n530102199003071238,张三,red\n');
    const run = await cli(['--persons', wrong]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/wrong\.csv: wrong header: missing column\(s\) sex/);
    expect(run.stderr).toMatch(/unknown column\(s\) "colour"/);
    expect(run.stderr).toMatch(/Nothing was imported/);
    expect(run.stdout).toBe('');

    const missing = await cli(['--persons', path.join(tmp, 'nope.csv')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/Cannot read the persons file/);

    const usage = await cli(['--enrolments', wrong]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--persons is required/);
    expect(usage.stderr).toMatch(/Usage: npm run registry:import/);

    const unknown = await cli(['--persons', wrong, '--frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown option '--frobnicate'/);
  }, 180_000);
});
