import fs from 'node:fs';
import path from 'node:path';
import { segmentWhere } from '../../src/domain/campaigns/segment-filter';
import { contributionSql } from '../../src/domain/progress/counters';
import { FEED_COLUMNS, matchFeed } from '../../src/domain/feeds';
import { getEnrolmentStatusView } from '../../src/domain/registry/resident-view.service';
import { createI18n } from '../../src/lib/i18n';
import { statusParts } from '../../flows/resident/prompts';
import { newIdNumber } from '../helpers/chat-fixtures';
import { addPerson, newTownship } from '../helpers/community-fixtures';
import { ps, useFeedDatabase, ymd } from '../helpers/feed-fixtures';

/**
 * Departmental feeds (issue 17): every event kind of public security, civil affairs and the card file,
 * authority, provenance, idempotence, order, merged numbers, batches written at once. Health: feeds-health.test.ts.
 */
const { prisma, tmp, run, rerun, reload, provOf, audits } = useFeedDatabase();

describe('public security (户籍)', () => {
  it('UPDATE applies authoritative fields with provenance; the same file twice changes nothing the second time', async () => {
    const p = await addPerson(prisma(), { region: newTownship() });
    const { summary, file } = await run('public-security', [ps(p.idNumber, 'UPDATE', '2026-03-01', { ethnicity: '02', hukou_region: '530102001', hukou_address: '华山路1号', household_id: `H${p.id.slice(0, 8)}` })]);
    expect(summary.counts).toMatchObject({ read: 1, matched: 1, new: 0, changed: 1, conflicting: 0, rejected: 0 });
    const after = await reload(p.id);
    expect(after).toMatchObject({ name: '李户籍', ethnicity: '02', hukouRegion: '530102001', hukouAddress: '华山路1号' });
    const prov = await provOf(p.id);
    expect(prov.name).toEqual({ source: 'public-security', on: '2026-03-01', run: summary.runId });
    expect(prov.hukouRegion?.on).toBe('2026-03-01');
    const before = await audits(p.id);
    expect(before).toBe(1);

    const again = await rerun('public-security', file);
    expect(again.counts).toMatchObject({ read: 1, matched: 1, changed: 0, unchanged: 1 });
    expect(await audits(p.id)).toBe(before);
    expect((await reload(p.id)).version).toBe(after.version);
    expect((await provOf(p.id)).name?.run).toBe(summary.runId);
  });

  it('older facts never overwrite newer ones: out of order in one file and across runs', async () => {
    const p = await addPerson(prisma(), { region: newTownship() });
    await run('public-security', [
      ps(p.idNumber, 'NAME_CHANGE', '2026-05-01', { name: '新名字' }),
      ps(p.idNumber, 'NAME_CHANGE', '2026-01-01', { name: '旧名字' }),
    ]);
    expect((await reload(p.id)).name).toBe('新名字');
    const { summary } = await run('public-security', [ps(p.idNumber, 'NAME_CHANGE', '2026-02-01', { name: '更旧' })]);
    expect(summary.counts).toMatchObject({ matched: 1, changed: 0 });
    expect((await reload(p.id)).name).toBe('新名字');
    expect((await provOf(p.id)).name?.on).toBe('2026-05-01');
  });

  it('one person\'s fields stated on different dates in one batch keep each its own date (provenance written in rounds)', async () => {
    const p = await addPerson(prisma(), { region: newTownship() });
    const { summary, file } = await run('public-security', [
      ps(p.idNumber, 'UPDATE', '2026-03-01', { hukou_address: '华山路2号' }),
      ps(p.idNumber, 'NAME_CHANGE', '2026-05-01', { name: '五月名' }),
      ps(p.idNumber, 'DEATH', '2026-06-01', { name: '五月名' }),
    ]);
    expect(await reload(p.id)).toMatchObject({ name: '五月名', hukouAddress: '华山路2号', deceasedOn: new Date('2026-06-01T00:00:00Z') });
    const prov = await provOf(p.id);
    expect(prov.hukouAddress).toEqual({ source: 'public-security', on: '2026-03-01', run: summary.runId });
    expect(prov.name).toEqual({ source: 'public-security', on: '2026-06-01', run: summary.runId });
    expect(prov.deceasedOn).toEqual({ source: 'public-security', on: '2026-06-01', run: summary.runId });
    const again = await rerun('public-security', file);
    expect(again.counts).toMatchObject({ read: 3, changed: 0 });
  });

  it('two values of one field on one day: the later line wins, and the same file again changes nothing', async () => {
    const p = await addPerson(prisma(), { region: newTownship() });
    const { file } = await run('public-security', [
      ps(p.idNumber, 'NAME_CHANGE', '2026-04-01', { name: '甲名字' }),
      ps(p.idNumber, 'NAME_CHANGE', '2026-04-01', { name: '乙名字' }),
    ]);
    const after = await reload(p.id);
    expect(after.name).toBe('乙名字');
    const before = await audits(p.id);
    const again = await rerun('public-security', file);
    expect(again.counts).toMatchObject({ matched: 2, changed: 0 });
    expect(await reload(p.id)).toMatchObject({ name: '乙名字', version: after.version });
    expect(await audits(p.id)).toBe(before);
  });

  it('BIRTH of someone not in the registry creates the person (户不漏人), in the newborn segment while without medical cover', async () => {
    const region = newTownship();
    const id = newIdNumber(region.slice(0, 6), '20260301');
    const { summary } = await run('public-security', [{ id_number: id, name: '王小宝', sex: '', ethnicity: '01', birth_date: '2026-03-01', hukou_region: region, hukou_address: '', household_id: '', relationship: '子', event: 'BIRTH', event_date: '2026-03-02' }]);
    expect(summary.counts).toMatchObject({ read: 1, new: 1, matched: 0, rejected: 0 });
    const p = await prisma().person.findUniqueOrThrow({ where: { idNumber: id } });
    expect(p).toMatchObject({ name: '王小宝', hukouRegion: region, regionCode: region });
    const inSegment = await prisma().$queryRaw<{ id: string }[]>`SELECT p.id::text FROM person p WHERE ${segmentWhere({ region, newbornEnrolment: true, excludeOptedOut: false }, new Date('2026-06-01T00:00:00Z'))}`;
    expect(inSegment.map((r) => r.id)).toContain(p.id);
  });

  it('MOVE_IN adds the person to the new region and the new-residents segment; MOVE_OUT of the province closes them and raises the worklist', async () => {
    const from = newTownship('530102');
    const to = newTownship('530103');
    const p = await addPerson(prisma(), { region: from, paying: ['390'] });
    await prisma().person.update({ where: { id: p.id }, data: { residenceRegion: null, hukouRegion: from } });
    const moveIn = await run('public-security', [ps(p.idNumber, 'MOVE_IN', '2026-04-01', { hukou_region: to, hukou_address: '新村12号' })]);
    expect(moveIn.summary.counts.changed).toBe(1);
    const moved = await reload(p.id);
    expect(moved).toMatchObject({ hukouRegion: to, regionCode: to });
    expect(ymd(moved.movedInOn)).toBe('2026-04-01');
    const residents = await prisma().$queryRaw<{ id: string }[]>`SELECT p.id::text FROM person p WHERE ${segmentWhere({ region: to, movedInDays: 365, excludeOptedOut: false }, new Date('2026-06-01T00:00:00Z'))}`;
    expect(residents.map((r) => r.id)).toEqual([p.id]);

    const out = await run('public-security', [ps(p.idNumber, 'MOVE_OUT', '2026-05-01', { hukou_region: '110101' })]);
    expect(out.summary.counts).toMatchObject({ changed: 1, rejected: 0 });
    const gone = await reload(p.id);
    expect(ymd(gone.movedOutOn)).toBe('2026-05-01');
    expect(gone.hukouRegion).toBe(to);
    const items = await prisma().workItem.findMany({ where: { personId: p.id } });
    expect(items).toEqual([expect.objectContaining({ kind: 'MOVED_OUT_ENROLMENT', regionCode: to, status: 'OPEN' })]);
    expect(items[0]?.details).toMatchObject({ insuranceType: '390', destination: '110101', source: 'public-security' });
    const again = await rerun('public-security', out.file);
    expect(again.counts.changed).toBe(0);
    expect(await prisma().workItem.count({ where: { personId: p.id } })).toBe(1);
    const segment = await prisma().$queryRaw<{ id: string }[]>`SELECT p.id::text FROM person p WHERE ${segmentWhere({ region: to, excludeOptedOut: false }, new Date())}`;
    expect(segment.map((r) => r.id)).not.toContain(p.id);
  });

  it('MOVE_OUT to a region of the province is a change of hukou: the person stays, no worklist', async () => {
    // A code of the region table.
    const to = '530103';
    const p = await addPerson(prisma(), { region: newTownship('530102'), paying: ['390'] });
    const { summary } = await run('public-security', [ps(p.idNumber, 'MOVE_OUT', '2026-05-01', { hukou_region: to, hukou_address: '城东路8号' })]);
    expect(summary.counts).toMatchObject({ matched: 1, changed: 1, rejected: 0 });
    const after = await reload(p.id);
    expect(after).toMatchObject({ hukouRegion: to, hukouAddress: '城东路8号', movedOutOn: null });
    expect(await prisma().workItem.count({ where: { personId: p.id } })).toBe(0);
  });

  it('MOVE_OUT to a township of the province missing from the region table still keeps the person in the province', async () => {
    const to = '530103999'; // Yunnan (53…), a township code the region table does not have
    const p = await addPerson(prisma(), { region: newTownship('530102'), paying: ['390'] });
    const { summary } = await run('public-security', [ps(p.idNumber, 'MOVE_OUT', '2026-05-01', { hukou_region: to, hukou_address: '城东路9号' })]);
    expect(summary.counts).toMatchObject({ matched: 1, rejected: 0 });
    expect(await reload(p.id)).toMatchObject({ hukouRegion: to, movedOutOn: null });
    expect(await prisma().workItem.count({ where: { personId: p.id } })).toBe(0);
  });

  it('DEATH marks the person deceased, never deletes, and puts active enrolments on the worklist once', async () => {
    const p = await addPerson(prisma(), { region: newTownship(), paying: ['170', '390'] });
    const { summary, file } = await run('public-security', [ps(p.idNumber, 'DEATH', '2026-02-10', { name: p.name })]);
    expect(summary.counts).toMatchObject({ matched: 1, changed: 1 });
    const dead = await reload(p.id);
    expect(ymd(dead.deceasedOn)).toBe('2026-02-10');
    expect((await provOf(p.id)).deceasedOn?.source).toBe('public-security');
    const items = await prisma().workItem.findMany({ where: { personId: p.id }, orderBy: { dedupeKey: 'asc' } });
    expect(items.map((i) => [i.kind, (i.details as { insuranceType: string }).insuranceType])).toEqual([
      ['DECEASED_ENROLMENT', '170'],
      ['DECEASED_ENROLMENT', '390'],
    ]);
    expect((await rerun('public-security', file)).counts.changed).toBe(0);
    expect(await prisma().workItem.count({ where: { personId: p.id } })).toBe(2);
    expect(await prisma().enrolment.count({ where: { personId: p.id } })).toBe(2);
    // Progress: the death marks the person for the rollup, which then counts them nowhere (not "missing").
    expect(await prisma().progressDirty.count({ where: { personId: p.id } })).toBeGreaterThan(0);
    expect(await prisma().$queryRawUnsafe(contributionSql('ids', '$1::uuid[]'), [p.id])).toEqual([]);
  });

  it('rejects bad rows with line and reason, and DEATH of someone unknown', async () => {
    const region = newTownship();
    const good = newIdNumber(region.slice(0, 6), '19700101');
    const { summary, rejected } = await run(
      'public-security',
      [
        ps(newIdNumber(region.slice(0, 6), '19700102'), 'DEATH', '2026-01-01'),
        ps('123', 'UPDATE', '2026-01-01'),
        ps(good, 'EMIGRATE', '2026-01-01'),
        ps(good, 'UPDATE', '2026-13-01'),
        ps(good, 'UPDATE', '2026-01-01', { birth_date: '1970-01-02' }),
      ],
      ['only,three,fields'],
    );
    expect(summary.counts).toMatchObject({ read: 6, rejected: 6 });
    expect(rejected.map((r) => [r.line, r.reason])).toEqual(
      expect.arrayContaining([
        ['2', 'UNKNOWN_PERSON'],
        ['3', 'BAD_ID_NUMBER'],
        ['4', 'UNKNOWN_EVENT'],
        ['5', 'BAD_DATE'],
        ['6', 'BIRTH_DATE_MISMATCH'],
        ['7', 'MALFORMED_ROW'],
      ]),
    );
  });
});

describe('civil affairs (民政)', () => {
  it('DEATH marks the person deceased; a differing name becomes one change request for review', async () => {
    const p = await addPerson(prisma(), { region: newTownship(), paying: ['390'] });
    const { summary, file } = await run('civil-affairs', [{ id_number: p.idNumber, name: '别名', event: 'DEATH', event_date: '2026-03-03' }]);
    expect(summary.counts).toMatchObject({ matched: 1, changed: 1, conflicting: 1 });
    const after = await reload(p.id);
    expect(ymd(after.deceasedOn)).toBe('2026-03-03');
    expect(after.name).toBe(p.name);
    const crs = await prisma().changeRequest.findMany({ where: { personId: p.id } });
    expect(crs).toEqual([expect.objectContaining({ kind: 'FIELD_CHANGE', channel: 'feed', fields: ['name'], status: 'PENDING', proposedValues: { name: '别名' } })]);
    expect(await prisma().auditEvent.findFirst({ where: { action: 'change_request.submit', targetId: crs[0]!.id } })).toMatchObject({ actorType: 'IMPORT', source: 'feed' });
    await rerun('civil-affairs', file);
    expect(await prisma().changeRequest.count({ where: { personId: p.id } })).toBe(1);
  });

  it('DIBAO and TEKUN periods are recorded with their dates, idempotently, whatever the row order', async () => {
    const p = await addPerson(prisma(), { region: newTownship() });
    const row = (event: string, date: string) => ({ id_number: p.idNumber, name: p.name, event, event_date: date });
    const { summary, file } = await run('civil-affairs', [row('DIBAO_END', '2025-12-31'), row('DIBAO_START', '2025-01-01'), row('TEKUN_START', '2026-01-01')]);
    expect(summary.counts).toMatchObject({ matched: 3, changed: 3, conflicting: 0 });
    const periods = await prisma().assistancePeriod.findMany({ where: { personId: p.id }, orderBy: { startedOn: 'asc' } });
    expect(periods.map((x) => [x.kind, ymd(x.startedOn), ymd(x.endedOn)])).toEqual([
      ['DIBAO', '2025-01-01', '2025-12-31'],
      ['TEKUN', '2026-01-01', null],
    ]);
    expect((await rerun('civil-affairs', file)).counts.changed).toBe(0);
    expect(await prisma().assistancePeriod.count({ where: { personId: p.id } })).toBe(2);
    // TEKUN_END closes the open special-hardship period; once.
    const end = await run('civil-affairs', [row('TEKUN_END', '2026-06-30')]);
    expect(end.summary.counts).toMatchObject({ matched: 1, changed: 1 });
    expect((await rerun('civil-affairs', end.file)).counts.changed).toBe(0);
    const tekun = await prisma().assistancePeriod.findFirstOrThrow({ where: { personId: p.id, kind: 'TEKUN' } });
    expect([ymd(tekun.startedOn), ymd(tekun.endedOn)]).toEqual(['2026-01-01', '2026-06-30']);
  });
});

describe('the status reply (政府代缴)', () => {
  it('tells a resident on dibao that the government pays their resident contributions, in both locales, while the period runs', async () => {
    const p = await addPerson(prisma(), { region: newTownship(), paying: ['390'] });
    await run('civil-affairs', [{ id_number: p.idNumber, name: p.name, event: 'DIBAO_START', event_date: '2026-01-01' }]);
    const view = await getEnrolmentStatusView(prisma(), p.id, new Date('2026-06-01T02:00:00Z'));
    expect(view.advice).toContain('GOVERNMENT_PAYS_DIBAO');
    const i18n = createI18n();
    const text = (lng: string) => statusParts(view).map((part) => i18n.t(part.key, { ...part.params, lng })).join('\n');
    expect(text('zh-CN')).toContain('您是低保对象，城乡居民养老保险和医疗保险的个人缴费由政府代缴');
    expect(text('en')).toContain('the government pays your resident pension and medical contributions');
    await run('civil-affairs', [{ id_number: p.idNumber, name: p.name, event: 'DIBAO_END', event_date: '2026-03-31' }]);
    expect((await getEnrolmentStatusView(prisma(), p.id, new Date('2026-06-01T02:00:00Z'))).advice).not.toContain('GOVERNMENT_PAYS_DIBAO');
  });
});

describe('social-security card (社保卡)', () => {
  it('records the card status; an older issue never overwrites a newer one', async () => {
    const p = await addPerson(prisma(), { region: newTownship() });
    const { summary } = await run('ssc', [
      { id_number: p.idNumber, name: p.name, card_status: 'LOST', issued_on: '2026-02-01' },
      { id_number: p.idNumber, name: p.name, card_status: 'active', issued_on: '2025-02-01' },
    ]);
    expect(summary.counts).toMatchObject({ read: 2, matched: 2, conflicting: 0, rejected: 0 });
    const older = await run('ssc', [{ id_number: p.idNumber, name: p.name, card_status: 'CANCELLED', issued_on: '2025-06-01' }]);
    expect(older.summary.counts).toMatchObject({ matched: 1, changed: 0, unchanged: 1 });
    const after = await reload(p.id);
    expect(after.sscCardStatus).toBe('LOST');
    expect(ymd(after.sscCardIssuedOn)).toBe('2026-02-01');
    expect((await provOf(p.id)).sscCard?.source).toBe('ssc');
  });
});

describe('merged persons (issue 17 merges)', () => {
  it('a row naming a merged number applies to the survivor, also with the survivor\'s own number in the same batch', async () => {
    const region = newTownship();
    const kept = await addPerson(prisma(), { region });
    const merged = await addPerson(prisma(), { region });
    await prisma().person.update({ where: { id: merged.id }, data: { mergedIntoId: kept.id, mergedAt: new Date() } });
    const { summary } = await run('ssc', [
      { id_number: merged.idNumber, name: kept.name, card_status: 'LOST', issued_on: '2026-02-01' },
      { id_number: kept.idNumber, name: kept.name, card_status: 'ACTIVE', issued_on: '2025-02-01' },
    ]);
    expect(summary.counts).toMatchObject({ read: 2, matched: 2, new: 0, rejected: 0 });
    const after = await reload(kept.id);
    expect(after.sscCardStatus).toBe('LOST');
    expect(ymd(after.sscCardIssuedOn)).toBe('2026-02-01');
    expect((await reload(merged.id)).sscCardStatus).toBeNull();
    expect(await prisma().fieldProvenance.count({ where: { personId: merged.id } })).toBe(0);
    const events = await prisma().auditEvent.findMany({ where: { targetId: kept.id, action: 'person.update', source: 'feed' } });
    expect(events.map((e) => (e.details as { mergedFrom?: string }).mergedFrom)).toContain(merged.id);

    // A public-security row of a merged number changes the survivor and creates no new person.
    const moved = await run('public-security', [ps(merged.idNumber, 'UPDATE', '2026-03-01', { hukou_address: '华山路2号' })]);
    expect(moved.summary.counts).toMatchObject({ matched: 1, new: 0 });
    expect((await reload(kept.id)).hukouAddress).toBe('华山路2号');
    expect((await reload(merged.id)).hukouAddress).not.toBe('华山路2号');
  });
});

const NAMES = ['张三', '李四', '王五', '赵六', '孙七', '周八', '吴九', '郑十'];
const DATES = ['2026-01-01', '2026-02-01', '2026-03-01', '2026-04-01'];
const psCols = FEED_COLUMNS['public-security'] as readonly string[];

/** A file of NAME_CHANGE rows: row r names person r % n, with a name and a date that vary out of order. */
function writeFile(ids: string[], rows: number, name: string): string {
  const file = path.join(tmp(), name);
  const lines = [psCols.join(',')];
  for (let r = 0; r < rows; r++) {
    const row: Record<string, string> = { id_number: ids[r % ids.length] as string, name: NAMES[(r * 5) % NAMES.length] as string, event: 'NAME_CHANGE', event_date: DATES[(Math.floor(r / ids.length) * 3 + (r % ids.length)) % DATES.length] as string };
    lines.push(psCols.map((c) => row[c] ?? '').join(','));
  }
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

async function nameState(ids: string[]) {
  const persons = await Promise.all(ids.map((id) => prisma().person.findUniqueOrThrow({ where: { id } })));
  const provenance = await Promise.all(ids.map((id) => prisma().fieldProvenance.findUnique({ where: { personId: id } })));
  const audits = await Promise.all(ids.map((id) => prisma().auditEvent.count({ where: { targetId: id, action: 'person.update' } })));
  return persons.map((p, i) => ({ name: p.name, on: (provenance[i]?.fields as Record<string, { on: string }> | undefined)?.name?.on, version: p.version, audits: audits[i] }));
}

/** Batches written two at once (issue 17, speed): the rows of one person spread over batches written at the same
 * time apply exactly as one by one. */
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
    const after = await nameState(two);
    expect(after.map(({ name, on, audits }) => ({ name, on, audits }))).toEqual((await nameState(one)).map(({ name, on, audits }) => ({ name, on, audits })));
    for (const p of after) expect(p.on).toBe('2026-04-01');

    // The same files again: the same outcome one by one and two at once (the rows dated like the newest fact
    // apply again: two such rows with different names leave the later line's name, as in the first run).
    const againOne = await matchFeed(prisma(), { source: 'public-security', file: fileOne, batchSize: 1, concurrency: 1 });
    const againTwo = await matchFeed(prisma(), { source: 'public-security', file: fileTwo, batchSize: 3, concurrency: 2 });
    expect(againTwo.counts).toEqual(againOne.counts);
    expect((await nameState(two)).map(({ name, on, audits }) => ({ name, on, audits }))).toEqual((await nameState(one)).map(({ name, on, audits }) => ({ name, on, audits })));
    expect((await nameState(two)).map((p) => p.name)).toEqual(after.map((p) => p.name));
  });

  it('a person created by a BIRTH row is created once when its rows fall in batches written at once', async () => {
    const region = newTownship();
    const id = newIdNumber(region.slice(0, 6), '20260301');
    const file = path.join(tmp(), 'birth.csv');
    const row = (event: string, date: string, name: string) => [id, name, '', '01', '2026-03-01', region, '', '', '', event, date].join(',');
    fs.writeFileSync(file, `${psCols.join(',')}\n${row('BIRTH', '2026-03-02', '王小宝')}\n${row('NAME_CHANGE', '2026-04-01', '王大宝')}\n${row('UPDATE', '2026-03-05', '王中宝')}\n`);
    const s = await matchFeed(prisma(), { source: 'public-security', file, batchSize: 1, concurrency: 2 });
    expect(s.counts).toMatchObject({ read: 3, new: 1, rejected: 0 });
    const p = await prisma().person.findUniqueOrThrow({ where: { idNumber: id } });
    expect(p.name).toBe('王大宝');
    expect(await prisma().person.count({ where: { idNumber: id } })).toBe(1);
  });
});
