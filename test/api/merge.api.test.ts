import { randomInt } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { normaliseIdNumber } from '../../src/domain/codes/id-number';
import { FEED_COLUMNS, matchFeed } from '../../src/domain/feeds';
import { findMergeCandidates, openMergeCandidates } from '../../src/domain/review/merge-request';
import { SegmentFilterSchema, segmentWhere } from '../../src/domain/campaigns/segment-filter';
import { recordAudit } from '../../src/domain/staff/audit.service';
import { mergePersons } from '../../src/domain/registry/person-merge';
import { ChatClient, newIdNumber } from '../helpers/chat-fixtures';
import { bindWechat } from '../helpers/community-fixtures';
import { signedInStaff } from '../helpers/staff-fixtures';
import { useStaffApp } from '../helpers/staff-app';

/** One person under two numbers (issue 17): found by the scan or opened by staff, decided by two reviewers, both histories kept. */
const app = useStaffApp();

const prisma = () => app().db.prisma;
const http = () => request(app().app);

/** A legacy 15-digit row and its 18-digit twin in a county: the legacy one has the phone, a report, a chat, an old audit trail. */
async function twins(county = '530102') {
  const legacyNumber = `${county}${String(randomInt(40, 79))}0${randomInt(1, 9)}1${randomInt(0, 9)}${String(randomInt(100, 999))}`;
  const birthDate = new Date(`19${legacyNumber.slice(6, 8)}-${legacyNumber.slice(8, 10)}-${legacyNumber.slice(10, 12)}T00:00:00Z`);
  const base = { name: '钱样例', birthDate, hukouRegion: county, regionCode: county, residenceRegion: county };
  const legacy = await prisma().person.create({
    data: { ...base, idNumber: legacyNumber, phone: '13900001111', enrolments: { create: [{ insuranceType: '390', status: 'PAYING', regionCode: county }, { insuranceType: '170', status: 'PAYING', regionCode: county }] } },
  });
  const current = await prisma().person.create({
    data: { ...base, idNumber: normaliseIdNumber(legacyNumber), registrationStatus: 'CONFIRMED', enrolments: { create: [{ insuranceType: '310', status: 'PAYING', regionCode: county }, { insuranceType: '170', status: 'TERMINATED', regionCode: county }] } },
  });
  await prisma().employmentReport.create({ data: { personId: legacy.id, status: 'EMPLOYED', effectiveDate: new Date('2026-01-01T00:00:00Z'), channel: 'web' } });
  const chat = await bindWechat(prisma(), legacy.id);
  await recordAudit(prisma(), { actorType: 'IMPORT', source: 'import', action: 'person.update', targetType: 'person', targetId: legacy.id, details: { note: 'legacy history' } });
  return { legacy, current, chat };
}

const approve = (id: string, auth: Record<string, string>, version: number) => http().post(`/api/review/requests/${id}/approve`).set(auth).send({ version });

describe('merge requests', () => {
  it('the scan opens one for a 15-digit number and its 18-digit form; two reviewers approve; both rows, histories and audit are kept', async () => {
    const { legacy, current, chat } = await twins();
    expect(await findMergeCandidates(prisma())).toEqual(expect.arrayContaining([{ survivorId: current.id, mergedId: legacy.id, reason: 'ID15_TO_18' }]));
    const first = await openMergeCandidates(prisma(), { source: 'cli', now: app().clock.now() });
    expect(first.opened).toBeGreaterThanOrEqual(1);
    const again = await openMergeCandidates(prisma(), { source: 'cli', now: app().clock.now() });
    expect(again.opened).toBe(0);
    const cr = await prisma().changeRequest.findFirstOrThrow({ where: { kind: 'MERGE', personId: legacy.id } });

    const one = await signedInStaff(app(), 'REVIEWER', '530100');
    const two = await signedInStaff(app(), 'REVIEWER', '530102');
    const detail = await http().get(`/api/review/requests/${cr.id}`).set(one.auth).expect(200);
    expect(detail.body).toMatchObject({ kind: 'MERGE', needsFourEyes: true, merge: { reason: 'ID15_TO_18', survivor: { id: current.id }, merged: { id: legacy.id } } });
    expect(detail.body.merge.merged.enrolments.map((e: { insuranceType: string }) => e.insuranceType)).toEqual(['170', '390']);
    expect(detail.body.merge.survivor.idNumber).not.toBe(current.idNumber);
    expect(detail.body.checks.map((c: { code: string }) => c.code)).toEqual(expect.arrayContaining(['NEEDS_SECOND_APPROVAL', 'MERGE_ENROLMENT_OVERLAP']));

    expect((await approve(cr.id, one.auth, 0).expect(200)).body.result).toEqual({ outcome: 'FIRST_APPROVAL' });
    expect((await approve(cr.id, one.auth, 1).expect(403)).body.error.code).toBe('SAME_REVIEWER');
    expect((await prisma().person.findUniqueOrThrow({ where: { id: legacy.id } })).mergedIntoId).toBeNull();
    const done = await approve(cr.id, two.auth, 1).expect(200);
    expect(done.body.result).toMatchObject({ outcome: 'APPROVED', personId: current.id });

    const kept = await prisma().person.findUniqueOrThrow({ where: { id: current.id }, include: { enrolments: true } });
    const merged = await prisma().person.findUniqueOrThrow({ where: { id: legacy.id }, include: { enrolments: true } });
    expect(merged).toMatchObject({ mergedIntoId: current.id, idNumber: legacy.idNumber });
    expect(kept.phone).toBe('13900001111');
    expect(kept.enrolments.map((e) => [e.insuranceType, e.status]).sort()).toEqual([['170', 'TERMINATED'], ['310', 'PAYING'], ['390', 'PAYING']]);
    // The enrolment the survivor already had a row of stays with the merged row (kept, never deleted).
    expect(merged.enrolments.map((e) => e.insuranceType)).toEqual(['170']);
    expect(kept.flags).toContain('DUPLICATE_MEDICAL');
    expect(await prisma().workItem.findMany({ where: { personId: current.id }, select: { dedupeKey: true } })).toEqual([{ dedupeKey: `DUPLICATE_COVER:${current.id}:medical` }]);
    expect((await prisma().employmentReport.findMany({ where: { personId: current.id } })).length).toBe(1);
    expect((await prisma().conversation.findUniqueOrThrow({ where: { id: chat.id } })).personId).toBe(current.id);
    expect((await prisma().changeRequest.findUniqueOrThrow({ where: { id: cr.id } })).status).toBe('APPROVED');

    // Both histories stay: the legacy row's old trail, and a person.merge event on each row.
    const trail = async (id: string) => (await prisma().auditEvent.findMany({ where: { targetType: 'person', targetId: id }, orderBy: { id: 'asc' } })).map((e) => e.action);
    expect(await trail(legacy.id)).toEqual(['person.update', 'person.merge']);
    expect(await trail(current.id)).toEqual(expect.arrayContaining(['person.update', 'person.merge']));
    const mergeEvent = await prisma().auditEvent.findFirstOrThrow({ where: { targetId: current.id, action: 'person.merge' } });
    expect(mergeEvent).toMatchObject({ actorId: two.id, details: { survivorId: current.id, mergedId: legacy.id, reference: cr.reference, keptOnMerged: ['170'] } });
    expect(await prisma().auditEvent.count({ where: { targetId: cr.id, action: { in: ['review.first_approval', 'review.approve'] }, outcome: 'OK' } })).toBe(2);
    // Merged rows are not candidates any more.
    expect((await findMergeCandidates(prisma())).filter((p) => p.mergedId === legacy.id || p.survivorId === legacy.id)).toEqual([]);
    // The merged row is in no segment (no campaign reaches it twice).
    const inSegment = await prisma().$queryRaw<{ id: string }[]>`SELECT p.id FROM person p WHERE ${segmentWhere(SegmentFilterSchema.parse({ region: '530102' }), new Date())} AND p.id IN (${legacy.id}::uuid, ${current.id}::uuid)`;
    expect(inSegment.map((r) => r.id)).toEqual([current.id]);
  });

  it('the 15-digit pass computes the 18-digit form in SQL as normaliseIdNumber does, every check character included', async () => {
    // Legacy numbers of one birth day, one for each check character 0-9 and X of their 18-digit forms.
    const byCheck = new Map<string, string>();
    for (let seq = 100; byCheck.size < 11 && seq < 1000; seq++) {
      const legacy = `530103${String(randomInt(40, 79))}0707${seq}`;
      const check = normaliseIdNumber(legacy).slice(-1);
      if (!byCheck.has(check)) byCheck.set(check, legacy);
    }
    expect([...byCheck.keys()].sort()).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'X']);
    const base = { name: '褚样例', regionCode: '530103' };
    const made = await Promise.all(
      [...byCheck.values()].map(async (legacy) => ({
        legacy: (await prisma().person.create({ data: { ...base, idNumber: legacy } })).id,
        current: (await prisma().person.create({ data: { ...base, idNumber: normaliseIdNumber(legacy) } })).id,
      })),
    );
    const found = await findMergeCandidates(prisma());
    for (const m of made) expect(found).toContainEqual({ survivorId: m.current, mergedId: m.legacy, reason: 'ID15_TO_18' });
  });

  it('staff open one by the two numbers in their region; the opener may not approve it; outside the region it is 404', async () => {
    const { legacy, current } = await twins('530102');
    const opener = await signedInStaff(app(), 'REVIEWER', '530102');
    const other = await signedInStaff(app(), 'COMMUNITY_WORKER', '530103');
    const out = await http().post('/api/merge-requests').set(other.auth).send({ survivorId: current.id, mergedId: legacy.id }).expect(404);
    expect(out.body.error.code).toBe('NOT_FOUND');
    expect(await prisma().auditEvent.count({ where: { action: 'merge_request.open', actorId: other.id, outcome: 'DENIED' } })).toBe(1);
    await http().post('/api/merge-requests').set(opener.auth).send({ survivorId: current.id, mergedId: current.id }).expect(400);

    const opened = await http().post('/api/merge-requests').set(opener.auth).send({ survivorId: current.id, mergedId: legacy.id }).expect(201);
    const twice = await http().post('/api/merge-requests').set(opener.auth).send({ survivorId: legacy.id, mergedId: current.id }).expect(200);
    expect(twice.body).toEqual({ ...opened.body, created: false });
    expect((await approve(opened.body.id, opener.auth, 0).expect(403)).body.error.code).toBe('SELF_SUBMITTED');
    const queue = await http().get('/api/review/requests').query({ kind: 'MERGE' }).set(opener.auth).expect(200);
    expect(queue.body.items.map((i: { id: string }) => i.id)).toContain(opened.body.id);

    // Rejected: nothing moves.
    const reviewer = await signedInStaff(app(), 'REVIEWER', '530100');
    await http().post(`/api/review/requests/${opened.body.id}/reject`).set(reviewer.auth).send({ version: 0, reason: '不是同一人' }).expect(200);
    expect((await prisma().person.findUniqueOrThrow({ where: { id: legacy.id } })).mergedIntoId).toBeNull();
    expect(await prisma().enrolment.count({ where: { personId: legacy.id } })).toBe(2);
  });

  it('a resident who verifies with the number merged away is bound to the record kept', async () => {
    const wrong = newIdNumber('530102', '19720101');
    const right = newIdNumber('530102', '19720101');
    const base = { name: '吴样例', birthDate: new Date('1972-01-01T00:00:00Z'), regionCode: '530102' };
    const merged = await prisma().person.create({ data: { ...base, idNumber: wrong, phone: '13900002222' } });
    const kept = await prisma().person.create({ data: { ...base, idNumber: right } });
    expect(await findMergeCandidates(prisma())).toEqual(expect.arrayContaining([expect.objectContaining({ reason: 'CORRECTED_NUMBER' })]));
    const r = await prisma().$transaction((tx) => mergePersons(tx, { survivorId: kept.id, mergedId: merged.id }, { actorType: 'SYSTEM', actorId: null, source: 'cli', at: app().clock.now() }));
    expect(r).toMatchObject({ ok: true, filled: ['phone'] });

    const c = await ChatClient.start(app().app);
    await c.send('1');
    await c.send(wrong);
    await c.send('吴样例');
    await c.send('2222');
    const bound = await prisma().conversation.findFirstOrThrow({ where: { personId: { in: [kept.id, merged.id] } } });
    expect(bound.personId).toBe(kept.id);
  });

  it('feed facts follow the merge: provenance, assistance periods and the survivor\'s empty feed columns', async () => {
    const base = { name: '郑样例', birthDate: new Date('1950-03-03T00:00:00Z'), regionCode: '530102' };
    const day = (d: string) => new Date(`${d}T00:00:00Z`);
    const dibao = { kind: 'DIBAO' as const, startedOn: day('2024-01-01') };
    const merged = await prisma().person.create({
      data: {
        ...base,
        idNumber: newIdNumber('530102', '19500303'),
        deceasedOn: day('2026-05-01'),
        movedInOn: day('2025-02-02'),
        sscCardStatus: 'LOST',
        sscCardIssuedOn: day('2020-01-01'),
        assistance: { create: [dibao, { kind: 'TEKUN', startedOn: day('2025-01-01') }] },
      },
    });
    await prisma().fieldProvenance.create({ data: { personId: merged.id, fields: { deceasedOn: { source: 'civil', on: '2026-05-01' } } } });
    const kept = await prisma().person.create({ data: { ...base, idNumber: newIdNumber('530102', '19500303'), sscCardStatus: 'ACTIVE', assistance: { create: [dibao] } } });
    const at = app().clock.now();
    const r = await prisma().$transaction((tx) => mergePersons(tx, { survivorId: kept.id, mergedId: merged.id }, { actorType: 'SYSTEM', actorId: null, source: 'cli', at }));
    expect(r).toMatchObject({ ok: true, moved: { field_provenance: 1, assistance_period: 1 } });
    if (!r.ok) return;
    expect(r.filled.sort()).toEqual(['deceasedOn', 'movedInOn', 'sscCardIssuedOn']);
    const after = await prisma().person.findUniqueOrThrow({ where: { id: kept.id }, include: { assistance: { orderBy: { kind: 'asc' } } } });
    expect(after).toMatchObject({ deceasedOn: day('2026-05-01'), movedInOn: day('2025-02-02'), movedOutOn: null, sscCardStatus: 'ACTIVE', sscCardIssuedOn: day('2020-01-01') });
    expect((await prisma().fieldProvenance.findUniqueOrThrow({ where: { personId: kept.id } })).fields).toEqual({ deceasedOn: { source: 'civil', on: '2026-05-01' } });
    expect(after.assistance.map((a) => a.kind)).toEqual(['DIBAO', 'TEKUN']);
    // The period the survivor already had stays with the merged row (kept, never deleted).
    expect(await prisma().assistancePeriod.count({ where: { personId: merged.id } })).toBe(1);
    const event = await prisma().auditEvent.findFirstOrThrow({ where: { targetId: kept.id, action: 'person.merge' } });
    expect((event.details as { filled: string[] }).filled).toEqual(expect.arrayContaining(['deceasedOn', 'movedInOn', 'sscCardIssuedOn']));
  });

  it('provenance is combined field by field: the newer fact wins (the survivor on a tie) and brings its value; later feeds refuse older facts', async () => {
    const base = { name: '冯样例', birthDate: new Date('1960-04-04T00:00:00Z'), regionCode: '530102', hukouRegion: '530102' };
    const entry = (on: string) => ({ source: 'public-security', on, run: 'r1' });
    const merged = await prisma().person.create({
      data: {
        ...base,
        idNumber: newIdNumber('530102', '19600404'),
        name: '冯新名',
        ethnicity: '02',
        hukouAddress: '新路1号',
        sscCardStatus: 'LOST',
        sscCardIssuedOn: new Date('2026-03-01T00:00:00Z'),
      },
    });
    await prisma().fieldProvenance.create({ data: { personId: merged.id, fields: { name: entry('2020-01-01'), ethnicity: entry('2025-01-01'), hukouAddress: entry('2026-02-01'), sscCard: { ...entry('2026-03-01'), source: 'ssc' } } } });
    const kept = await prisma().person.create({
      data: {
        ...base,
        idNumber: newIdNumber('530102', '19600404'),
        ethnicity: '01',
        hukouAddress: '旧路9号',
        sscCardStatus: 'ACTIVE',
        sscCardIssuedOn: new Date('2025-01-01T00:00:00Z'),
      },
    });
    await prisma().fieldProvenance.create({ data: { personId: kept.id, fields: { name: entry('2025-01-01'), ethnicity: entry('2025-01-01'), sscCard: { ...entry('2025-01-01'), source: 'ssc' } } } });
    const r = await prisma().$transaction((tx) => mergePersons(tx, { survivorId: kept.id, mergedId: merged.id }, { actorType: 'SYSTEM', actorId: null, source: 'cli', at: app().clock.now() }));
    expect(r).toMatchObject({ ok: true, moved: { field_provenance: 2 } });
    expect((await prisma().fieldProvenance.findUniqueOrThrow({ where: { personId: kept.id } })).fields).toEqual({
      name: entry('2025-01-01'),
      ethnicity: entry('2025-01-01'),
      hukouAddress: entry('2026-02-01'),
      sscCard: { ...entry('2026-03-01'), source: 'ssc' },
    });
    // Value and provenance agree: the fields the merged row's newer facts won carry its values; the rest stay.
    expect(await prisma().person.findUniqueOrThrow({ where: { id: kept.id } })).toMatchObject({
      name: '冯样例',
      ethnicity: '01',
      hukouAddress: '新路1号',
      sscCardStatus: 'LOST',
      sscCardIssuedOn: new Date('2026-03-01T00:00:00Z'),
    });
    // The merged row keeps its own provenance row; both audit trails have the merge.
    expect(await prisma().fieldProvenance.count({ where: { personId: merged.id } })).toBe(1);
    expect(await prisma().auditEvent.count({ where: { targetId: { in: [kept.id, merged.id] }, action: 'person.merge' } })).toBe(2);

    // A later feed with an older address (a fact only the merged record had) changes nothing; a newer one applies.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'canbao-merge-prov-'));
    const feed = async (address: string, date: string) => {
      const file = path.join(dir, `ps-${date}.csv`);
      fs.writeFileSync(file, `${FEED_COLUMNS['public-security'].join(',')}\n${kept.idNumber},冯样例,,,,,${address},,,UPDATE,${date}\n`);
      return (await matchFeed(prisma(), { source: 'public-security', file })).counts;
    };
    try {
      expect(await feed('旧路9号', '2026-01-15')).toMatchObject({ matched: 1, changed: 0 });
      expect((await prisma().person.findUniqueOrThrow({ where: { id: kept.id } })).hukouAddress).toBe('新路1号');
      expect(await feed('更新路3号', '2026-04-01')).toMatchObject({ matched: 1, changed: 1 });
      expect((await prisma().person.findUniqueOrThrow({ where: { id: kept.id } })).hukouAddress).toBe('更新路3号');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a later merge of the survivor re-points the earlier merged row (a pointer is one hop)', async () => {
    const base = { name: '陈样例', birthDate: new Date('1965-05-05T00:00:00Z'), regionCode: '530102' };
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => prisma().person.create({ data: { ...base, idNumber: newIdNumber('530102', '19650505') } })));
    const merge = (survivorId: string, mergedId: string) => prisma().$transaction((tx) => mergePersons(tx, { survivorId, mergedId }, { actorType: 'SYSTEM', actorId: null, source: 'cli', at: app().clock.now() }));
    expect(await merge(b!.id, a!.id)).toMatchObject({ ok: true });
    expect(await merge(c!.id, b!.id)).toMatchObject({ ok: true, moved: { merged_into: 1 } });
    expect((await prisma().person.findUniqueOrThrow({ where: { id: a!.id } })).mergedIntoId).toBe(c!.id);
  });
});

