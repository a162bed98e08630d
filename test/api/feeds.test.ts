import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import type { OpenDatabase } from '../../src/db/open-database';
import { segmentWhere } from '../../src/domain/campaigns/segment-filter';
import { contributionSql } from '../../src/domain/progress/counters';
import { FEED_COLUMNS, type FeedSource, matchFeed } from '../../src/domain/feeds';
import { seedRegions } from '../../src/domain/registry/region.service';
import { getEnrolmentStatusView } from '../../src/domain/registry/resident-view.service';
import { createI18n } from '../../src/lib/i18n';
import { householdParts, statusParts } from '../../flows/resident/prompts';
import { getHouseholdView } from '../../src/domain/corrections/household.service';
import { newIdNumber } from '../helpers/chat-fixtures';
import { addPerson, newTownship } from '../helpers/community-fixtures';
import { createTestDatabase } from '../helpers/test-database';

/** Departmental feeds (issue 17): every event kind of every source, authority, provenance, idempotence, order. */

let db: OpenDatabase;
let tmp: string;
const prisma = () => db.prisma;

beforeAll(async () => {
  db = await createTestDatabase();
  await seedRegions(db.prisma);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'canbao-feed-test-'));
}, 60_000);
afterAll(async () => {
  await db?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

let fileSeq = 0;
/** Writes a feed CSV (the source's header, then the rows as given) and runs it; returns the summary and rejects. */
async function run(source: FeedSource, rows: Record<string, string>[], extra: string[] = []) {
  const cols = FEED_COLUMNS[source] as readonly string[];
  const file = path.join(tmp, `${source}-${fileSeq++}.csv`);
  const rejects = `${file}.rejects.csv`;
  fs.writeFileSync(file, [cols.join(','), ...rows.map((r) => cols.map((c) => r[c] ?? '').join(',')), ...extra].join('\n') + '\n');
  const summary = await matchFeed(prisma(), { source, file, rejects });
  const rejected = parse(fs.readFileSync(rejects), { columns: true }) as { line: string; reason: string; message: string }[];
  return { summary, rejected, file, rejects };
}
const rerun = (source: FeedSource, file: string) => matchFeed(prisma(), { source, file });
const ymd = (d: Date | null | undefined) => (d ? d.toISOString().slice(0, 10) : null);
const reload = (id: string) => prisma().person.findUniqueOrThrow({ where: { id } });
const provOf = async (personId: string) =>
  ((await prisma().fieldProvenance.findUnique({ where: { personId } }))?.fields ?? {}) as Record<string, { source: string; on: string; run: string } | undefined>;
const audits = (personId: string) => prisma().auditEvent.count({ where: { targetId: personId, action: 'person.update' } });

/** A fresh ID number of the given sex (the sex digit is the 17th character: odd for male). */
function childId(region: string, birth: string, sex: 'MALE' | 'FEMALE'): string {
  for (;;) {
    const id = newIdNumber(region.slice(0, 6), birth);
    if ((Number(id[16]) % 2 === 1) === (sex === 'MALE')) return id;
  }
}

function ps(idNumber: string, event: string, date: string, extra: Record<string, string> = {}): Record<string, string> {
  return { id_number: idNumber, name: '李户籍', event, event_date: date, ...extra };
}

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

describe('health (卫生健康)', () => {
  it('a birth certificate becomes a newborn lead in the mother household, once; the mother is in the newborn segment', async () => {
    const region = newTownship();
    const household = `HH-${region}`;
    await prisma().household.create({ data: { id: household, regionCode: region } });
    const mother = await addPerson(prisma(), { region, householdId: household, birth: '19950505' });
    const cert = `N${mother.id.slice(0, 8)}`;
    const { summary, file } = await run('health', [{ certificate_no: cert, child_name: '', sex: '2', birth_date: '2026-04-04', mother_id_number: mother.idNumber, birth_region: region }]);
    expect(summary.counts).toMatchObject({ read: 1, matched: 1, new: 1, rejected: 0 });
    const leads = await prisma().changeRequest.findMany({ where: { householdId: household } });
    expect(leads).toEqual([expect.objectContaining({ kind: 'NEW_PERSON', channel: 'feed', regionCode: region, status: 'PENDING' })]);
    expect(leads[0]?.currentValues).toMatchObject({ reportedBy: mother.id, lead: 'NEWBORN_WITHOUT_ID', certificateNo: cert });
    expect(leads[0]?.proposedValues).toMatchObject({ birthDate: '2026-04-04', sex: 'FEMALE', relationship: 'CHILD' });
    expect((await rerun('health', file)).counts).toMatchObject({ new: 0, changed: 0 });
    expect(await prisma().changeRequest.count({ where: { householdId: household } })).toBe(1);
    const segment = await prisma().$queryRaw<{ id: string }[]>`SELECT p.id::text FROM person p WHERE ${segmentWhere({ region, newbornEnrolment: true, excludeOptedOut: false, excludeOpenChangeRequest: false }, new Date())}`;
    expect(segment.map((r) => r.id)).toEqual([mother.id]);
    // The mother's household view in chat lists the newborn waiting to be registered, in both locales.
    const view = await getHouseholdView(prisma(), mother.id);
    expect(view.newborns).toEqual([{ maskedName: null, birthDate: '2026-04-04' }]);
    const i18n = createI18n();
    const text = (lng: string) => householdParts(view).map((part) => i18n.t(part.key, { ...part.params, lng })).join('\n');
    expect(text('zh-CN')).toContain('1. （尚未取名）  2026-04-04出生');
    expect(text('en')).toContain('1. (no name yet)  born 2026-04-04');
  });

  it('a public-security BIRTH that creates the child closes its open newborn lead (same household, date, name or none)', async () => {
    const region = newTownship();
    const household = `HB-${region}`;
    await prisma().household.create({ data: { id: household, regionCode: region } });
    const mother = await addPerson(prisma(), { region, householdId: household, birth: '19930303' });
    const cert = (n: number) => `B${mother.id.slice(0, 8)}${n}`;
    await run('health', [
      { certificate_no: cert(1), child_name: '', sex: '1', birth_date: '2026-05-05', mother_id_number: mother.idNumber, birth_region: region },
      { certificate_no: cert(2), child_name: '赵二宝', sex: '2', birth_date: '2026-05-05', mother_id_number: mother.idNumber, birth_region: region },
      { certificate_no: cert(3), child_name: '', sex: '1', birth_date: '2026-05-06', mother_id_number: mother.idNumber, birth_region: region },
    ]);
    const id = childId(region, '20260505', 'MALE');
    const birth = { id_number: id, name: '赵大宝', birth_date: '2026-05-05', hukou_region: region, household_id: household, event: 'BIRTH', event_date: '2026-05-07' };
    const { summary } = await run('public-security', [birth]);
    expect(summary.counts).toMatchObject({ read: 1, new: 1, changed: 1, rejected: 0 });
    const child = await prisma().person.findUniqueOrThrow({ where: { idNumber: id } });
    const leads = await prisma().changeRequest.findMany({ where: { householdId: household }, orderBy: { subjectKey: 'asc' } });
    expect(leads.map((l) => [l.status, l.personId])).toEqual([
      ['APPROVED', child.id],
      ['PENDING', null],
      ['PENDING', null],
    ]);
    expect(leads[0]?.decidedBy).toBeNull();
    // In the household view the child is now a member; the two leads still open are the newborns listed.
    const view = await getHouseholdView(prisma(), mother.id);
    expect(view.members).toHaveLength(2);
    expect(view.newborns?.map((b) => b.birthDate)).toEqual(['2026-05-05', '2026-05-06']);
    expect(await prisma().auditEvent.findFirst({ where: { targetId: leads[0]!.id, action: 'review.approve' } })).toMatchObject({ actorType: 'IMPORT', source: 'feed', details: { personId: child.id, closedBy: 'BIRTH' } });
    // Run again: the child exists, nothing more closes.
    expect((await run('public-security', [birth])).summary.counts).toMatchObject({ new: 0, matched: 1 });
    expect(await prisma().changeRequest.count({ where: { householdId: household, status: 'APPROVED' } })).toBe(1);
  });

  it('a certificate of a child already registered (public-security BIRTH first) opens no lead: it is recorded closed on the child, once; a twin gets its own lead', async () => {
    const region = newTownship();
    const household = `HC-${region}`;
    await prisma().household.create({ data: { id: household, regionCode: region } });
    const mother = await addPerson(prisma(), { region, householdId: household, birth: '19940404' });
    const born = (id: string, name: string) => ({ id_number: id, name, birth_date: '2026-07-07', hukou_region: region, household_id: household, event: 'BIRTH', event_date: '2026-07-08' });
    const first = childId(region, '20260707', 'MALE');
    await run('public-security', [born(first, '孙小一')]);
    const child = await prisma().person.findUniqueOrThrow({ where: { idNumber: first } });
    const cert = (n: number) => ({ certificate_no: `C${mother.id.slice(0, 8)}${n}`, child_name: '', sex: '1', birth_date: '2026-07-07', mother_id_number: mother.idNumber, birth_region: region });

    const { summary, file } = await run('health', [cert(1)]);
    expect(summary.counts).toMatchObject({ read: 1, matched: 1, new: 0, changed: 1, rejected: 0 });
    const leads = () => prisma().changeRequest.findMany({ where: { householdId: household, kind: 'NEW_PERSON' }, orderBy: { subjectKey: 'asc' } });
    expect((await leads()).map((l) => [l.status, l.personId])).toEqual([['APPROVED', child.id]]);
    const closed = (await leads())[0]!;
    expect(await prisma().auditEvent.findFirst({ where: { targetId: closed.id, action: 'review.approve' } })).toMatchObject({ actorType: 'IMPORT', source: 'feed', details: { personId: child.id, closedBy: 'REGISTERED' } });
    expect((await rerun('health', file)).counts).toMatchObject({ matched: 1, new: 0, changed: 0, unchanged: 1 });
    // The child is in the newborn segment (born this year, no medical cover); the mother is not (no open lead).
    const segment = async () =>
      (await prisma().$queryRaw<{ id: string }[]>`SELECT p.id::text FROM person p WHERE ${segmentWhere({ region, newbornEnrolment: true, excludeOptedOut: false }, new Date('2026-09-01T00:00:00Z'))}`).map((r) => r.id);
    expect(await segment()).toEqual([child.id]);

    // A second certificate of the same day and sex: the registered child is taken, so it is a twin's open lead.
    expect((await run('health', [cert(2)])).summary.counts).toMatchObject({ new: 1, changed: 1 });
    expect((await leads()).map((l) => l.status)).toEqual(['APPROVED', 'PENDING']);
    // The twin's registration closes that lead, and only that one.
    const second = childId(region, '20260707', 'MALE');
    expect((await run('public-security', [born(second, '孙小二')])).summary.counts).toMatchObject({ new: 1, changed: 1 });
    const twin = await prisma().person.findUniqueOrThrow({ where: { idNumber: second } });
    expect((await leads()).map((l) => [l.status, l.personId])).toEqual([['APPROVED', child.id], ['APPROVED', twin.id]]);
    expect((await segment()).sort()).toEqual([child.id, twin.id].sort());
  });

  it('a mother without a household: the child is tied by her hukou region and address, in either order; a different sex is not the child', async () => {
    const region = newTownship();
    const mother = await addPerson(prisma(), { region, birth: '19920202' });
    await prisma().person.update({ where: { id: mother.id }, data: { hukouRegion: region, hukouAddress: '和平村5号' } });
    const born = (id: string, date: string) => ({ id_number: id, name: '周宝', birth_date: date, hukou_region: region, hukou_address: '和平村5号', event: 'BIRTH', event_date: date });
    const cert = (n: number, date: string, sex: string) => ({ certificate_no: `D${mother.id.slice(0, 8)}${n}`, child_name: '', sex, birth_date: date, mother_id_number: mother.idNumber, birth_region: region });
    const lead = (n: number) => prisma().changeRequest.findFirstOrThrow({ where: { subjectKey: `birth-certificate:D${mother.id.slice(0, 8)}${n}` } });

    // Registered first, certificate later: closed on the child. A certificate of the other sex the same day: open.
    const x = childId(region, '20260303', 'FEMALE');
    await run('public-security', [born(x, '2026-03-03')]);
    const girl = await prisma().person.findUniqueOrThrow({ where: { idNumber: x } });
    expect((await run('health', [cert(1, '2026-03-03', '2')])).summary.counts).toMatchObject({ new: 0, changed: 1 });
    expect(await lead(1)).toMatchObject({ status: 'APPROVED', personId: girl.id });
    expect((await run('health', [cert(2, '2026-03-03', '1')])).summary.counts).toMatchObject({ new: 1 });
    expect(await lead(2)).toMatchObject({ status: 'PENDING', personId: mother.id, householdId: null });
    // The open lead on her own record brings her into the newborn segment, with the default exclusions on.
    const inSegment = await prisma().$queryRaw<{ id: string }[]>`SELECT p.id::text FROM person p WHERE ${segmentWhere({ region, newbornEnrolment: true }, new Date())}`;
    expect(inSegment.map((r) => r.id)).toContain(mother.id);

    // Certificate first, registered later: the BIRTH closes the open lead.
    await run('health', [cert(3, '2026-08-08', '1')]);
    const y = childId(region, '20260808', 'MALE');
    await run('public-security', [born(y, '2026-08-08')]);
    const boy = await prisma().person.findUniqueOrThrow({ where: { idNumber: y } });
    expect(await lead(3)).toMatchObject({ status: 'APPROVED', personId: boy.id });
    expect((await lead(2)).status).toBe('PENDING');
  });

  it('rejects a certificate whose mother is not in the registry', async () => {
    const { summary, rejected } = await run('health', [{ certificate_no: 'N0000001', child_name: '小明', sex: '1', birth_date: '2026-04-04', mother_id_number: newIdNumber('530102', '19900101'), birth_region: '' }]);
    expect(summary.counts).toMatchObject({ read: 1, rejected: 1, new: 0 });
    expect(rejected[0]).toMatchObject({ line: '2', reason: 'UNKNOWN_PERSON' });
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
  const file = path.join(tmp, name);
  const lines = [psCols.join(',')];
  for (let r = 0; r < rows; r++) {
    const row: Record<string, string> = { id_number: ids[r % ids.length] as string, name: NAMES[(r * 5) % NAMES.length] as string, event: 'NAME_CHANGE', event_date: DATES[(Math.floor(r / ids.length) * 3 + (r % ids.length)) % DATES.length] as string };
    lines.push(psCols.map((c) => row[c] ?? '').join(','));
  }
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

async function nameState(ids: string[]) {
  const persons = await Promise.all(ids.map((id) => prisma().person.findUniqueOrThrow({ where: { id }, include: { provenance: true } })));
  const audits = await Promise.all(ids.map((id) => prisma().auditEvent.count({ where: { targetId: id, action: 'person.update' } })));
  return persons.map((p, i) => ({ name: p.name, on: (p.provenance?.fields as Record<string, { on: string }> | undefined)?.name?.on, version: p.version, audits: audits[i] }));
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
    const file = path.join(tmp, 'birth.csv');
    const row = (event: string, date: string, name: string) => [id, name, '', '01', '2026-03-01', region, '', '', '', event, date].join(',');
    fs.writeFileSync(file, `${psCols.join(',')}\n${row('BIRTH', '2026-03-02', '王小宝')}\n${row('NAME_CHANGE', '2026-04-01', '王大宝')}\n${row('UPDATE', '2026-03-05', '王中宝')}\n`);
    const s = await matchFeed(prisma(), { source: 'public-security', file, batchSize: 1, concurrency: 2 });
    expect(s.counts).toMatchObject({ read: 3, new: 1, rejected: 0 });
    const p = await prisma().person.findUniqueOrThrow({ where: { idNumber: id } });
    expect(p.name).toBe('王大宝');
    expect(await prisma().person.count({ where: { idNumber: id } })).toBe(1);
  });
});
