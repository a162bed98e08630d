import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FEED_COLUMNS } from '../../src/domain/feeds';
import { newIdNumber } from '../helpers/chat-fixtures';
import { type CliRun, runCli } from '../helpers/cli';

/**
 * `npm run registry:match` and `npm run worklists:scan` (issue 17) as child processes on an embedded database of
 * their own: exit codes, the summary, the rejects file, and a second run of the same file changing nothing.
 */
let tmp: string;
let dbUrl: string;

/** An npm script of package.json, started as `npm run` starts it (registry:match with its heap flags). */
const cli = (script: string, args: string[]): Promise<CliRun> => runCli(script, args, { env: { DATABASE_URL: dbUrl } });
const match = (args: string[]) => cli('registry:match', args);
/** The figure of one count line of the summary ("  new  1"). */
const count = (out: string, key: string) => Number(new RegExp(`^\\s+${key}\\s+([\\d,]+)$`, 'm').exec(out)?.[1]?.replace(/,/g, '') ?? NaN);

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'canbao-match-cli-'));
  dbUrl = `pglite:${path.join(tmp, 'db')}`;
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('npm run registry:match', () => {
  it('refuses a bad source or a missing file with exit 2 and the usage', async () => {
    const bad = await match(['--source', 'police', '--file', 'x.csv']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--source must be one of public-security, civil-affairs, health, ssc');
    const none = await match(['--source', 'ssc']);
    expect([none.code, none.stderr.includes('--file is required')]).toEqual([2, true]);
  }, 120_000);

  it('matches a public-security file, writes the rejects, and the same file again changes nothing; worklists:scan runs', async () => {
    const child = newIdNumber('530102', '20260301');
    const sex = Number(child[16]) % 2 === 1 ? '1' : '2'; // the ID number's own sex digit (a contradiction is rejected)
    const csv = path.join(tmp, 'ps.csv');
    fs.writeFileSync(
      csv,
      [
        FEED_COLUMNS['public-security'].join(','),
        `${child},王小宝,${sex},01,2026-03-01,530102001,昆明市五华区华山街道演示路1号,,子,BIRTH,2026-03-02`,
        `${child.slice(0, 17)}${child.endsWith('0') ? '1' : '0'},坏号,1,01,2026-03-01,530102001,,,,BIRTH,2026-03-02`,
        `${newIdNumber()},李四,1,01,1990-03-07,530102001,,,,WEDDING,2026-03-02`,
      ].join('\n') + '\n',
    );
    const rejects = path.join(tmp, 'rejects.csv');
    const first = await match(['--source', 'public-security', '--file', csv, '--rejects', rejects]);
    expect([first.code, first.stderr]).toEqual([0, expect.any(String)]);
    expect([count(first.stdout, 'read'), count(first.stdout, 'new'), count(first.stdout, 'rejected')]).toEqual([3, 1, 2]);
    const rejected = fs.readFileSync(rejects, 'utf8');
    expect(rejected).toMatch(/BAD_ID_NUMBER/);
    expect(rejected).not.toContain(child.slice(0, 17)); // ID numbers are masked in the rejects file

    const again = await match(['--source', 'public-security', '--file', csv]);
    expect(again.code).toBe(0);
    expect([count(again.stdout, 'new'), count(again.stdout, 'changed')]).toEqual([0, 0]);

    const scan = await cli('worklists:scan', ['--no-merges']);
    expect(scan.code).toBe(0);
    expect(scan.stdout).toMatch(/^duplicate cover: 0 new worklist entries$/m);
  }, 240_000);
});
