import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { OpenDatabase } from '../../src/db/open-database';
import { FEED_COLUMNS, matchFeed } from '../../src/domain/feeds';
import { seedRegions } from '../../src/domain/registry/region.service';
import { newIdNumber } from '../helpers/chat-fixtures';
import { addPerson, newTownship } from '../helpers/community-fixtures';
import { createTestDatabase } from '../helpers/test-database';

/**
 * Departmental feeds written two batches at once (issue 17, speed): the rows of one person spread over batches
 * written at the same time apply exactly as one by one; a file twice changes nothing the second time.
 */

let db: OpenDatabase;
let tmp: string;
const prisma = () => db.prisma;

beforeAll(async () => {
  db = await createTestDatabase();
  await seedRegions(db.prisma);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'canbao-feed-conc-'));
}, 60_000);
afterAll(async () => {
  await db?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const NAMES = ['张三', '李四', '王五', '赵六', '孙七', '周八', '吴九', '郑十'];
const DATES = ['2026-01-01', '2026-02-01', '2026-03-01', '2026-04-01'];
const cols = FEED_COLUMNS['public-security'] as readonly string[];

/** A file of NAME_CHANGE rows: row r names person r % n, with a name and a date that vary out of order. */
function writeFile(ids: string[], rows: number, name: string): string {
  const file = path.join(tmp, name);
  const lines = [cols.join(',')];
  for (let r = 0; r < rows; r++) {
    const row: Record<string, string> = { id_number: ids[r % ids.length] as string, name: NAMES[(r * 5) % NAMES.length] as string, event: 'NAME_CHANGE', event_date: DATES[(Math.floor(r / ids.length) * 3 + (r % ids.length)) % DATES.length] as string };
    lines.push(cols.map((c) => row[c] ?? '').join(','));
  }
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

async function state(ids: string[]) {
  const persons = await Promise.all(ids.map((id) => prisma().person.findUniqueOrThrow({ where: { id }, include: { provenance: true } })));
  const audits = await Promise.all(ids.map((id) => prisma().auditEvent.count({ where: { targetId: id, action: 'person.update' } })));
  return persons.map((p, i) => ({ name: p.name, on: (p.provenance?.fields as Record<string, { on: string }> | undefined)?.name?.on, version: p.version, audits: audits[i] }));
}

describe('batches written at once', () => {
  it('rows of the same persons in batches written at once end as one by one: newest fact, equal dates by line, exact counts', async () => {
    const region = newTownship();
    const one: string[] = [];
    const two: string[] = [];
    for (let i = 0; i < 5; i++) one.push((await addPerson(prisma(), { region })).id);
    for (let i = 0; i < 5; i++) two.push((await addPerson(prisma(), { region })).id);
    const numbers = async (ids: string[]) => Promise.all(ids.map(async (id) => (await prisma().person.findUniqueOrThrow({ where: { id } })).idNumber));
    // The same rows, for two sets of persons: one by one (a batch per row), and three-row batches two at once.
    const fileOne = writeFile(await numbers(one), 40, 'one.csv');
    const a = await matchFeed(prisma(), { source: 'public-security', file: fileOne, batchSize: 1, concurrency: 1 });
    const fileTwo = writeFile(await numbers(two), 40, 'two.csv');
    const b = await matchFeed(prisma(), { source: 'public-security', file: fileTwo, batchSize: 3, concurrency: 2 });
    expect(b.counts).toEqual(a.counts);
    expect(b.counts).toMatchObject({ read: 40, matched: 40, rejected: 0 });
    expect(b.counts.changed).toBeGreaterThan(5);
    expect(b.counts.unchanged).toBeGreaterThan(0);
    const after = await state(two);
    expect(after.map(({ name, on, audits }) => ({ name, on, audits }))).toEqual((await state(one)).map(({ name, on, audits }) => ({ name, on, audits })));
    for (const p of after) expect(p.on).toBe('2026-04-01');

    // The same files again: the same outcome one by one and two at once (the rows dated like the newest fact
    // apply again: two such rows with different names leave the later line's name, as in the first run).
    const againOne = await matchFeed(prisma(), { source: 'public-security', file: fileOne, batchSize: 1, concurrency: 1 });
    const againTwo = await matchFeed(prisma(), { source: 'public-security', file: fileTwo, batchSize: 3, concurrency: 2 });
    expect(againTwo.counts).toEqual(againOne.counts);
    expect((await state(two)).map(({ name, on, audits }) => ({ name, on, audits }))).toEqual((await state(one)).map(({ name, on, audits }) => ({ name, on, audits })));
    expect((await state(two)).map((p) => p.name)).toEqual(after.map((p) => p.name));
  });

  it('a person created by a BIRTH row is created once when its rows fall in batches written at once', async () => {
    const region = newTownship();
    const id = newIdNumber(region.slice(0, 6), '20260301');
    const file = path.join(tmp, 'birth.csv');
    const row = (event: string, date: string, name: string) => [id, name, '', '01', '2026-03-01', region, '', '', '', event, date].join(',');
    fs.writeFileSync(file, `${cols.join(',')}\n${row('BIRTH', '2026-03-02', '王小宝')}\n${row('NAME_CHANGE', '2026-04-01', '王大宝')}\n${row('UPDATE', '2026-03-05', '王中宝')}\n`);
    const s = await matchFeed(prisma(), { source: 'public-security', file, batchSize: 1, concurrency: 2 });
    expect(s.counts).toMatchObject({ read: 3, new: 1, rejected: 0 });
    const p = await prisma().person.findUniqueOrThrow({ where: { idNumber: id } });
    expect(p.name).toBe('王大宝');
    expect(await prisma().person.count({ where: { idNumber: id } })).toBe(1);
  });
});
