import { segmentWhere } from '../../src/domain/campaigns/segment-filter';
import { createI18n } from '../../src/lib/i18n';
import { householdParts } from '../../flows/resident/prompts';
import { getHouseholdView } from '../../src/domain/corrections/household.service';
import { newIdNumber } from '../helpers/chat-fixtures';
import { addPerson, newTownship } from '../helpers/community-fixtures';
import { childId, useFeedDatabase } from '../helpers/feed-fixtures';

/** Departmental feeds (issue 17), health: birth certificates as newborn leads, in either order with public security. */
const { prisma, run, rerun } = useFeedDatabase();

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
