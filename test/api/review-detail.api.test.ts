import { useReviewApp } from '../helpers/review-fixtures';

/**
 * The review API (/api/review), on an app with two reviewers and an agent (test/helpers/review-fixtures.ts).
 * One request in detail.
 */

const { app, prisma, http, reviewer, staff, newPerson, fieldChange, chatSession, auditOf } = useReviewApp();

describe('GET /api/review/requests/:id', () => {
  it('shows the values side by side (masked), the checks, the conversation excerpt and the history', async () => {
    const p = await newPerson();
    const { conversationId } = await chatSession(p.id);
    // The excerpt is the conversation up to the submission: the greeting and the resident's line, not what came after.
    await prisma().message.create({ data: { conversationId, direction: 'IN', text: `我的身份证是${p.idNumber}`, createdAt: new Date(app().clock.now().getTime() + 60_000) } });
    const r = await fieldChange(p, 'phone', '13812345678', '13900004444', { conversationId, evidence: '居民本人在线申请，旧号码 13812345678 已停用', createdAt: new Date(app().clock.now().getTime() + 120_000) });
    await prisma().message.create({ data: { conversationId, direction: 'IN', text: '菜单', createdAt: new Date(app().clock.now().getTime() + 180_000) } });
    const res = await http().get(`/api/review/requests/${r.id}`).set(reviewer.auth).expect(200);
    expect(res.headers.etag).toBe('"0"');
    expect(res.body.diff).toEqual([{ field: 'phone', atSubmission: '138****5678', onRecord: '138****5678', proposed: '139****4444', changedSinceSubmission: false }]);
    expect(res.body.evidence).toBe('居民本人在线申请，旧号码 138****5678 已停用');
    expect(res.body.person).toMatchObject({ name: '李**', registrationStatus: 'PENDING_REVIEW' });
    expect(res.body.checks).toEqual([]);
    expect(res.body.actions).toEqual({ claim: true, release: false, approve: true, reject: true, ask: true, answer: false, needsForce: false });
    const lines = res.body.conversation.messages as { direction: string; text: string }[];
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines.length).toBeLessThanOrEqual(10);
    expect(lines[lines.length - 1]).toMatchObject({ direction: 'in' });
    expect(lines.map((l) => l.text)).not.toContain('菜单');
    expect(JSON.stringify(res.body)).not.toContain(p.idNumber);
    expect(JSON.stringify(res.body)).not.toContain('13900004444');

    await http().post(`/api/review/requests/${r.id}/claim`).set(reviewer.auth).send({}).expect(200);
    const again = await http().get(`/api/review/requests/${r.id}`).set(reviewer.auth).expect(200);
    expect(again.body.history.map((h: { action: string }) => h.action)).toEqual(['review.view', 'review.claim']);
    expect(again.body.history[1].actorUsername).toBe(reviewer.username);
  });

  it('reveals the full values on request, audited, and only to roles with person.reveal', async () => {
    const p = await newPerson();
    const r = await fieldChange(p, 'name', '李秀英', '李秀兰');
    const worker = await staff('COMMUNITY_WORKER', '530102');
    await http().get(`/api/review/requests/${r.id}`).set(worker.auth).expect(200);
    const refused = await http().get(`/api/review/requests/${r.id}?reveal=true`).set(worker.auth).expect(403);
    expect(refused.body.error.code).toBe('FORBIDDEN');
    const res = await http().get(`/api/review/requests/${r.id}?reveal=true`).set(reviewer.auth).expect(200);
    expect(res.body.revealed).toBe(true);
    expect(res.body.diff[0]).toMatchObject({ field: 'name', onRecord: '李秀英', proposed: '李秀兰' });
    expect(res.body.person.idNumber).toBe(p.idNumber);
    expect(await auditOf(r.id, 'review.reveal')).toHaveLength(2); // the worker's refusal and the reviewer's reveal
    expect((await auditOf(p.id, 'person.reveal')).map((e) => e.actorId)).toEqual([reviewer.id]);
  });

  it('answers 404 outside the area, like a missing request, and audits the refusal', async () => {
    const p = await newPerson();
    const r = await fieldChange(p, 'phone', '13812345678', '13900005555');
    const qujing = await staff('ADMIN', '530300');
    const outside = await http().get(`/api/review/requests/${r.id}`).set(qujing.auth).expect(404);
    const missing = await http().get('/api/review/requests/00000000-0000-4000-8000-000000000000').set(qujing.auth).expect(404);
    expect(outside.body.error.code).toBe(missing.body.error.code);
    expect(outside.body.error.message).toBe(missing.body.error.message);
    const denied = await auditOf(r.id, 'review.view');
    expect(denied).toHaveLength(1);
    expect(denied[0]).toMatchObject({ outcome: 'DENIED', actorId: qujing.id });
    const approve = await http().post(`/api/review/requests/${r.id}/approve`).set(qujing.auth).send({ version: 0 }).expect(404);
    expect(approve.body.error.code).toBe('NOT_FOUND');
    expect((await auditOf(r.id, 'review.approve'))[0]).toMatchObject({ outcome: 'DENIED' });
    expect((await prisma().changeRequest.findUniqueOrThrow({ where: { id: r.id } })).status).toBe('PENDING');
    await http().get('/api/review/requests/not-a-uuid').set(reviewer.auth).expect(400);
  });
});
