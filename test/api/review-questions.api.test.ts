import { openQuestionsFor, recordResidentAnswer } from '../../src/domain/review';
import { useReviewApp } from '../helpers/review-fixtures';

/**
 * The review API (/api/review), on an app with two reviewers and an agent (test/helpers/review-fixtures.ts).
 * Rejecting, asking the resident a question, and the answer.
 */

const { app, prisma, http, reviewer, agent, newPerson, fieldChange, chatSession, transcriptTexts, auditOf } = useReviewApp();

describe('reject, ask and answer', () => {
  it('rejects with a reason the resident reads in their chat; the registration goes back to unconfirmed', async () => {
    const p = await newPerson();
    const { sessionId, conversationId } = await chatSession(p.id);
    const r = await fieldChange(p, 'birthDate', '1990-03-07', '1991-03-07', { conversationId });
    await http().post(`/api/review/requests/${r.id}/reject`).set(reviewer.auth).send({ version: 0 }).expect(400);
    const res = await http().post(`/api/review/requests/${r.id}/reject`).set(reviewer.auth).send({ version: 0, reason: '出生日期与身份证号不一致，请带户口本到乡镇社保所办理' }).expect(200);
    expect(res.body.request).toMatchObject({ status: 'REJECTED', decidedBy: reviewer.username });
    expect(res.body.result).toMatchObject({ registrationStatus: 'UNREGISTERED', notification: { queued: true } });
    const row = await prisma().changeRequest.findUniqueOrThrow({ where: { id: r.id } });
    expect(row.decisionReason).toBe('出生日期与身份证号不一致，请带户口本到乡镇社保所办理');
    expect((await prisma().person.findUniqueOrThrow({ where: { id: p.id } })).birthDate?.toISOString().slice(0, 10)).toBe('1990-03-07');
    const texts = await transcriptTexts(sessionId);
    expect(texts[texts.length - 1]).toBe(
      `您申请修改的出生日期（编号 ${r.reference}）没有通过审核。原因：出生日期与身份证号不一致，请带户口本到乡镇社保所办理\n如有疑问，请回复“人工”或拨打12333。`,
    );
    await http().post(`/api/review/requests/${r.id}/approve`).set(reviewer.auth).send({ version: 1 }).expect(409);
  });

  it('asks the resident a question (NEEDS_INFO) and takes the answer back into the queue with a new due date', async () => {
    const p = await newPerson();
    const { sessionId, conversationId } = await chatSession(p.id, 'en');
    const r = await fieldChange(p, 'ethnicity', '01', '14', { conversationId });
    const asked = await http().post(`/api/review/requests/${r.id}/ask`).set(reviewer.auth).send({ version: 0, question: 'Which document shows your ethnic group?' }).expect(200);
    expect(asked.body.request).toMatchObject({ status: 'NEEDS_INFO', version: 1 });
    expect((await transcriptTexts(sessionId)).pop()).toBe(
      `About your request to change your ethnic group (reference ${r.reference}), our staff need to know: Which document shows your ethnic group?\nTo answer: reply "restart", verify yourself and follow the prompts; or reply "human" or call 12333.`,
    );
    await http().post(`/api/review/requests/${r.id}/answer`).set(agent.auth).send({ answer: 'ID card' }).expect(428);
    const answered = await http().post(`/api/review/requests/${r.id}/answer`).set(agent.auth).send({ version: 1, answer: '户口本上写的是白族' }).expect(200);
    // Now is Sunday 2026-11-29 10:00 in China; 1 December is a holiday (HOLIDAYS): Mon 30, Wed 2, Thu 3.
    expect(answered.body.request).toMatchObject({ status: 'PENDING', version: 2, dueAt: '2026-12-03T16:00:00.000Z' });
    const detail = await http().get(`/api/review/requests/${r.id}`).set(reviewer.auth).expect(200);
    expect(detail.body).toMatchObject({ question: 'Which document shows your ethnic group?', answer: '户口本上写的是白族' });
    await http().post(`/api/review/requests/${r.id}/answer`).set(agent.auth).send({ version: 2, answer: 'again' }).expect(409);
  });
  it('takes the resident’s own answer (domain port for the chat) back into the queue', async () => {
    const p = await newPerson();
    const other = await newPerson();
    const r = await fieldChange(p, 'name', '李秀英', '李秀兰');
    await http().post(`/api/review/requests/${r.id}/ask`).set(reviewer.auth).send({ version: 0, question: '请拍一张户口本照片' }).expect(200);
    expect(await openQuestionsFor(prisma(), p.id)).toEqual([expect.objectContaining({ requestId: r.id, reference: r.reference, question: '请拍一张户口本照片' })]);
    const base = { requestId: r.id, answer: '已经拍好了', channel: 'web', now: app().clock.now() };
    expect(await recordResidentAnswer(prisma(), { ...base, personId: other.id })).toEqual({ ok: false, code: 'NOT_FOUND' });
    expect(await recordResidentAnswer(prisma(), { ...base, personId: p.id })).toMatchObject({ ok: true, reference: r.reference });
    expect(await recordResidentAnswer(prisma(), { ...base, personId: p.id })).toEqual({ ok: false, code: 'INVALID_STATE' });
    expect(await prisma().changeRequest.findUniqueOrThrow({ where: { id: r.id } })).toMatchObject({ status: 'PENDING', answer: '已经拍好了', version: 2 });
    expect((await auditOf(r.id, 'review.answer'))[0]).toMatchObject({ actorType: 'RESIDENT', actorId: p.id });
    expect(await openQuestionsFor(prisma(), p.id)).toEqual([]);
  });
});
