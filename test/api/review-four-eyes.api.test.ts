import { newIdNumber, useReviewApp } from '../helpers/review-fixtures';

/**
 * The review API (/api/review), on an app with two reviewers and an agent (test/helpers/review-fixtures.ts).
 * The four-eyes rule.
 */

const { prisma, http, reviewer, reviewer2, newPerson, fieldChange, auditOf } = useReviewApp();

describe('four eyes', () => {
  it('applies a name change only after a second, different reviewer approves', async () => {
    const p = await newPerson();
    const r = await fieldChange(p, 'name', '李秀英', '李秀兰');
    const first = await http().post(`/api/review/requests/${r.id}/approve`).set(reviewer.auth).send({ version: 0 }).expect(200);
    expect(first.body.result).toEqual({ outcome: 'FIRST_APPROVAL' });
    expect(first.body.request).toMatchObject({ status: 'PENDING', firstApprovalBy: reviewer.username, needsFourEyes: true, version: 1 });
    expect((await prisma().person.findUniqueOrThrow({ where: { id: p.id } })).name).toBe('李秀英');
    const same = await http().post(`/api/review/requests/${r.id}/approve`).set(reviewer.auth).send({ version: 1 }).expect(403);
    expect(same.body.error.code).toBe('SAME_REVIEWER');
    const detail = await http().get(`/api/review/requests/${r.id}`).set(reviewer2.auth).expect(200);
    expect(detail.body.checks).toContainEqual({ code: 'AWAITING_SECOND_APPROVAL', severity: 'info' });
    const second = await http().post(`/api/review/requests/${r.id}/approve`).set(reviewer2.auth).send({ version: 1 }).expect(200);
    expect(second.body.result.outcome).toBe('APPROVED');
    expect((await prisma().person.findUniqueOrThrow({ where: { id: p.id } })).name).toBe('李秀兰');
    const approvals = await auditOf(r.id, 'review.approve');
    expect(approvals.map((e) => [e.actorId, e.outcome])).toEqual([
      [reviewer.id, 'DENIED'],
      [reviewer2.id, 'OK'],
    ]);
    expect(await auditOf(r.id, 'review.first_approval')).toHaveLength(1);
  });

  it('applies an ID number change after two reviewers and refuses a number that belongs to someone else', async () => {
    const p = await newPerson();
    const newId = newIdNumber('530102', '19900307', 'MALE');
    const r = await fieldChange(p, 'idNumber', p.idNumber, newId);
    await http().post(`/api/review/requests/${r.id}/approve`).set(reviewer.auth).send({ version: 0 }).expect(200);
    await http().post(`/api/review/requests/${r.id}/approve`).set(reviewer2.auth).send({ version: 1 }).expect(200);
    expect((await prisma().person.findUniqueOrThrow({ where: { id: p.id } })).idNumber).toBe(newId);

    const q = await newPerson();
    const taken = await fieldChange(q, 'idNumber', q.idNumber, newId);
    const res = await http().post(`/api/review/requests/${taken.id}/approve`).set(reviewer.auth).send({ version: 0 }).expect(422);
    expect(res.body.error.code).toBe('CHECKS_FAILED');
    expect(res.body.error.details.checks).toContainEqual({ code: 'ID_NUMBER_TAKEN', severity: 'error', field: 'idNumber' });
  });

  it('never lets a reviewer approve a request they submitted on someone’s behalf', async () => {
    const p = await newPerson();
    const r = await fieldChange(p, 'phone', '13812345678', '13944440000', { submittedByStaff: reviewer.id, channel: 'staff' });
    const own = await http().post(`/api/review/requests/${r.id}/approve`).set(reviewer.auth).send({ version: 0 }).expect(403);
    expect(own.body.error.code).toBe('SELF_SUBMITTED');
    expect((await http().get(`/api/review/requests/${r.id}`).set(reviewer.auth).expect(200)).body.actions.approve).toBe(false);
    await http().post(`/api/review/requests/${r.id}/approve`).set(reviewer2.auth).send({ version: 0 }).expect(200);
  });
});
