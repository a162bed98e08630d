import { reviewDueAt } from '../../src/domain/calendar/working-days';
import { reportMissingMember } from '../../src/domain/corrections/household.service';
import type { ReviewDetail } from '../../src/domain/review';
import { requestPage } from '../../src/http/console/request.page';
import { newIdNumber, newReference, useReviewApp } from '../helpers/review-fixtures';

/**
 * The review API (/api/review), on an app with two reviewers and an agent (test/helpers/review-fixtures.ts).
 * Requests for a new person in a household.
 */

const { app, prisma, http, reviewer, newPerson, newPersonRequest, chatSession, transcriptTexts, auditOf } = useReviewApp();

describe('new persons', () => {
  it('creates the reported person in the household with sex and birth date from the ID number', async () => {
    const reporter = await newPerson();
    const { sessionId, conversationId } = await chatSession(reporter.id);
    const household = { id: reporter.householdId as string, regionCode: '530102' };
    const childId = newIdNumber('530102', '20150601', 'FEMALE');
    const r = await newPersonRequest(household, { idNumber: childId, name: '李小花', relationship: '女儿', sex: 'FEMALE', birthDate: '2015-06-01' }, { conversationId });
    const twin = await newPersonRequest(household, { idNumber: childId, name: '李小花', relationship: '女儿', sex: 'FEMALE', birthDate: '2015-06-01' });
    const detail = await http().get(`/api/review/requests/${r.id}`).set(reviewer.auth).expect(200);
    expect(detail.body.subject).toEqual({ name: '李**', idNumber: `${childId.slice(0, 6)}********${childId.slice(14)}` });
    expect(detail.body.checks).toContainEqual({ code: 'DUPLICATE_SUBJECT', severity: 'warning', params: { reference: twin.reference, status: 'PENDING', household: 'SAME' } });
    expect(detail.body.diff.find((d: { field: string }) => d.field === 'relationship')).toMatchObject({ proposed: '女儿' });

    const res = await http().post(`/api/review/requests/${r.id}/approve`).set(reviewer.auth).send({ version: 0 }).expect(200);
    expect(res.body.result).toMatchObject({ outcome: 'APPROVED', registrationStatus: 'UNREGISTERED' });
    const child = await prisma().person.findUniqueOrThrow({ where: { idNumber: childId } });
    expect(child).toMatchObject({ name: '李小花', sex: 'FEMALE', householdId: household.id, regionCode: '530102', registrationStatus: 'UNREGISTERED' });
    // Flagged like any new row: no phone and no residence on record yet; the household's region is known.
    expect(child.flags).toEqual(['MISSING_PHONE', 'MISSING_RESIDENCE']);
    expect(child.birthDate?.toISOString().slice(0, 10)).toBe('2015-06-01');
    expect((await prisma().changeRequest.findUniqueOrThrow({ where: { id: r.id } })).personId).toBe(child.id);
    expect(await auditOf(child.id, 'person.create')).toHaveLength(1);
    expect((await transcriptTexts(sessionId)).pop()).toBe(`您报告的家庭成员（编号 ${r.reference}）已审核通过，已加入您家的登记。`);

    const second = await http().post(`/api/review/requests/${twin.id}/approve`).set(reviewer.auth).send({ version: 0 }).expect(422);
    expect(second.body.error.details.checks).toContainEqual({ code: 'PERSON_EXISTS', severity: 'error', field: 'idNumber', params: { household: 'SAME' } });
  });

  it('handles a report without a household: the reporter is neither the subject nor changed, and is told', async () => {
    const reporter = await newPerson({ householdId: null });
    const { sessionId } = await chatSession(reporter.id);
    const motherId = newIdNumber('530102', '19600505', 'FEMALE');
    const created = new Date('2026-11-27T03:00:00Z');
    const r = await prisma().changeRequest.create({
      data: {
        reference: newReference(),
        kind: 'NEW_PERSON',
        personId: reporter.id,
        fields: ['idNumber', 'name', 'relationship', 'sex', 'birthDate'],
        currentValues: { reportedBy: reporter.id },
        proposedValues: { idNumber: motherId, name: '王桂芳', relationship: '母亲', sex: 'FEMALE', birthDate: '1960-05-05' },
        subjectKey: motherId,
        regionCode: '530102',
        channel: 'web',
        dueAt: reviewDueAt(created),
        createdAt: created,
      },
    });
    const detail = await http().get(`/api/review/requests/${r.id}`).set(reviewer.auth).expect(200);
    expect(detail.body.subject).toEqual({ name: '王**', idNumber: `${motherId.slice(0, 6)}********${motherId.slice(14)}` });
    expect(detail.body.person).toBeNull();
    expect(detail.body.diff.every((d: { onRecord: string | null }) => d.onRecord === null)).toBe(true);
    expect(detail.body.checks).toContainEqual({ code: 'NO_HOUSEHOLD', severity: 'warning' });
    await http().post(`/api/review/requests/${r.id}/approve`).set(reviewer.auth).send({ version: 0 }).expect(200);
    const mother = await prisma().person.findUniqueOrThrow({ where: { idNumber: motherId } });
    expect(mother).toMatchObject({ name: '王桂芳', householdId: null, regionCode: '530102' });
    expect(await prisma().person.findUniqueOrThrow({ where: { id: reporter.id } })).toMatchObject({ name: reporter.name, registrationStatus: reporter.registrationStatus });
    expect((await transcriptTexts(sessionId)).pop()).toBe(`您报告的家庭成员（编号 ${r.reference}）已审核通过，已加入您家的登记。`);
  });

  it('refuses an invalid ID number and flags sex and birth date that contradict it', async () => {
    const reporter = await newPerson();
    const household = { id: reporter.householdId as string, regionCode: '530102' };
    const bad = await newPersonRequest(household, { idNumber: '530102199003071230', name: '王五', relationship: '儿子', sex: 'MALE', birthDate: '1990-03-07' });
    const detail = await http().get(`/api/review/requests/${bad.id}`).set(reviewer.auth).expect(200);
    expect(detail.body.checks).toContainEqual({ code: 'ID_NUMBER_INVALID', severity: 'error', field: 'idNumber', params: { reason: 'BAD_CHECK' } });
    expect(detail.body.actions.approve).toBe(false);
    expect((await http().post(`/api/review/requests/${bad.id}/approve`).set(reviewer.auth).send({ version: 0 }).expect(422)).body.error.code).toBe('CHECKS_FAILED');

    const id = newIdNumber('530102', '20000101', 'MALE');
    const odd = await newPersonRequest(household, { idNumber: id, name: '王六', relationship: '儿子', sex: 'FEMALE', birthDate: '2000-01-02' });
    const checks = (await http().get(`/api/review/requests/${odd.id}`).set(reviewer.auth).expect(200)).body.checks;
    expect(checks).toContainEqual({ code: 'SEX_MISMATCH', severity: 'warning', field: 'idNumber', params: { fromIdNumber: 'MALE' } });
    expect(checks).toContainEqual({ code: 'BIRTH_DATE_MISMATCH', severity: 'warning', field: 'idNumber' });
  });
  it('shows the reviewer what the reporter was not told: the number on record in another household, or reported by another one', async () => {
    const reporter = await newPerson();
    const holder = await newPerson();
    const neighbour = await newPerson();
    const ctx = { channel: 'web', now: new Date('2026-11-27T03:00:00Z') };
    const reportBy = async (personId: string, idNumber: string) => {
      const r = await reportMissingMember(prisma(), { personId, idNumber, name: '李小华', relationship: 'CHILD' }, ctx);
      if (r.outcome !== 'CREATED') throw new Error(`not created: ${r.outcome}`);
      return prisma().changeRequest.findUniqueOrThrow({ where: { reference: r.reference } });
    };
    // The reporter names someone on record in another household: a request like any other, marked for the reviewer.
    const onRecord = await reportBy(reporter.id, holder.idNumber);
    expect(onRecord).toMatchObject({ householdId: reporter.householdId, currentValues: { reportedBy: reporter.id, onRecord: 'OTHER_HOUSEHOLD' } });
    // A child reported by the reporter's household and then by a neighbour's: the second carries the first's reference.
    const child = newIdNumber('530102', '20200202', 'FEMALE');
    const first = await reportBy(reporter.id, child);
    const second = await reportBy(neighbour.id, child);
    expect(second.currentValues).toEqual({ reportedBy: neighbour.id, otherReports: [first.reference] });

    const detailOf = async (id: string) => (await http().get(`/api/review/requests/${id}`).set(reviewer.auth).expect(200)).body as ReviewDetail;
    const exists = await detailOf(onRecord.id);
    expect(exists.checks).toContainEqual({ code: 'PERSON_EXISTS', severity: 'error', field: 'idNumber', params: { household: 'OTHER' } });
    expect(exists.actions.approve).toBe(false);
    const twin = await detailOf(second.id);
    expect(twin.checks).toContainEqual({ code: 'DUPLICATE_SUBJECT', severity: 'warning', params: { reference: first.reference, status: 'PENDING', household: 'OTHER' } });
    expect((await detailOf(first.id)).checks).toContainEqual({ code: 'DUPLICATE_SUBJECT', severity: 'warning', params: { reference: second.reference, status: 'PENDING', household: 'OTHER' } });

    // The console says it in the reviewer's language, with the warning not to tell the reporter.
    const i18n = app().i18n;
    for (const lng of ['zh-CN', 'en'] as const) {
      const page = (detail: ReviewDetail) => requestPage({ t: i18n.getFixedT(lng), lng, url: '/' }, { detail, canReveal: false, now: ctx.now });
      const status = i18n.t('labels.status.PENDING', { lng });
      expect(page(exists)).toContain(i18n.t('console.check.PERSON_EXISTS_OTHER', { lng }));
      expect(page(twin)).toContain(i18n.t('console.check.DUPLICATE_SUBJECT_OTHER', { lng, reference: first.reference, status }));
    }
    expect(i18n.t('console.check.PERSON_EXISTS_OTHER', { lng: 'zh-CN' })).toContain('另一户');
    expect(i18n.t('console.check.DUPLICATE_SUBJECT_OTHER', { lng: 'en' })).toContain('Another household');
  });
});
