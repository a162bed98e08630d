import fs from 'node:fs';
import path from 'node:path';
import { FEED_COLUMNS, matchFeed } from '../../src/domain/feeds';
import { ImportFileError } from '../../src/domain/registry-import/formats';
import { addPerson, newTownship } from '../helpers/community-fixtures';
import { gb18030, utf16le } from '../helpers/encodings';
import { ps, useFeedDatabase } from '../helpers/feed-fixtures';

/**
 * Departmental feeds (issue 17) in the encodings departments export: GB18030 (GBK) and UTF-16 files are read as
 * such, a workbook is refused before anything is written, and a damaged row is rejected while the others apply.
 */
const { prisma, tmp, reload } = useFeedDatabase();

let seq = 0;
const COLS = FEED_COLUMNS['public-security'] as readonly string[];
const csv = (rows: Record<string, string>[]) => [COLS.join(','), ...rows.map((r) => COLS.map((c) => r[c] ?? '').join(','))].join('\r\n') + '\r\n';
function write(bytes: Buffer): string {
  const file = path.join(tmp(), `encoded-${seq++}.csv`);
  fs.writeFileSync(file, bytes);
  return file;
}

describe('feed files in the encodings departments export', () => {
  it('a GB18030 (GBK) and a UTF-16 public-security file apply their Chinese names and addresses as written', async () => {
    const a = await addPerson(prisma(), { region: newTownship() });
    const b = await addPerson(prisma(), { region: newTownship() });
    const gbk = await matchFeed(prisma(), { source: 'public-security', file: write(gb18030(csv([ps(a.idNumber, 'NAME_CHANGE', '2026-03-01', { name: '欧阳秀英', hukou_address: '云南省昆明市五华区华山街道翠湖路7号' })]))) });
    expect(gbk).toMatchObject({ encoding: 'gb18030', counts: { read: 1, matched: 1, changed: 1, rejected: 0 } });
    expect(await reload(a.id)).toMatchObject({ name: '欧阳秀英', hukouAddress: '云南省昆明市五华区华山街道翠湖路7号' });

    const u16 = await matchFeed(prisma(), { source: 'public-security', file: write(utf16le(csv([ps(b.idNumber, 'NAME_CHANGE', '2026-03-01', { name: '段正淳' })]))) });
    expect(u16).toMatchObject({ encoding: 'utf-16le', counts: { read: 1, changed: 1 } });
    expect((await reload(b.id)).name).toBe('段正淳');
    const audit = await prisma().auditEvent.findFirstOrThrow({ where: { action: 'feed.run', targetId: gbk.runId } });
    expect(audit.details).toMatchObject({ encoding: 'gb18030' });
  });

  it('a workbook saved under a .csv name is refused with what to do, before any run is recorded', async () => {
    const runs = await prisma().feedRun.count();
    const file = write(Buffer.concat([Buffer.from('PK\u0003\u0004', 'latin1'), Buffer.alloc(200, 1)]));
    const err = await matchFeed(prisma(), { source: 'public-security', file }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImportFileError);
    expect((err as ImportFileError).message).toBe(`${path.basename(file)} is an Excel workbook (or another binary file), not CSV: save it from Excel as "CSV UTF-8 (comma delimited)"`);
    expect((err as ImportFileError).nothingWritten).toBe(true);
    expect(await prisma().feedRun.count()).toBe(runs);
  });

  it('a tab-separated file (Excel\'s "Unicode text") is refused with what to do', async () => {
    const file = write(utf16le(`${COLS.join('\t')}\r\n${COLS.map(() => '').join('\t')}\r\n`));
    await expect(matchFeed(prisma(), { source: 'public-security', file })).rejects.toThrow(
      `${path.basename(file)}: the header is separated by tabs, not commas: save the file as "CSV UTF-8 (comma delimited)"`,
    );
  });

  it('a UTF-8 file with damaged bytes rejects the rows that hold them and applies the others', async () => {
    const a = await addPerson(prisma(), { region: newTownship() });
    const b = await addPerson(prisma(), { region: newTownship() });
    const c = await addPerson(prisma(), { region: newTownship() });
    const text = csv([
      ps(a.idNumber, 'NAME_CHANGE', '2026-03-01', { name: '张好好' }),
      ps(b.idNumber, 'NAME_CHANGE', '2026-03-01', { name: '王坏坏' }),
      ps(c.idNumber, 'UPDATE', '2026-03-01', { name: '李正常', hukou_address: '华山路坏坏号' }),
    ]);
    const bytes = Buffer.from(text, 'utf8');
    // The last byte of 坏 (b's name, then c's address) replaced by one no UTF-8 sequence ends with.
    for (let at = bytes.indexOf(Buffer.from('坏', 'utf8')); at !== -1; at = bytes.indexOf(Buffer.from('坏', 'utf8'), at + 1)) bytes[at + 2] = 0x20;
    const file = write(bytes);
    const rejects = `${file}.rejects.csv`;
    const summary = await matchFeed(prisma(), { source: 'public-security', file, rejects });
    expect(summary).toMatchObject({ encoding: 'utf-8', counts: { read: 3, matched: 1, changed: 1, rejected: 2 } });
    expect((await reload(a.id)).name).toBe('张好好');
    expect((await reload(b.id)).name).toBe(b.name);
    expect(await reload(c.id)).toMatchObject({ name: c.name, hukouAddress: c.hukouAddress });
    const rejected = fs.readFileSync(rejects, 'utf8');
    expect(rejected).toContain(",3,MALFORMED_ROW,name: holds bytes that are not valid text in the file's encoding,");
    expect(rejected).toContain(",4,MALFORMED_ROW,hukou_address: holds bytes that are not valid text in the file's encoding,");
  });
});
