import { useReviewApp } from '../helpers/review-fixtures';

/**
 * The review API (/api/review), on an app with two reviewers and an agent (test/helpers/review-fixtures.ts).
 * Approving a request.
 */

const { app, prisma, http, reviewer, newPerson, fieldChange, chatSession, transcriptTexts, auditOf } = useReviewApp();

describe('POST /api/review/requests/:id/approve', () => {
  it('needs the version the reviewer saw: 428 without, 409 VERSION_CONFLICT when stale', async () => {
    const p = await newPerson();
    const r = await fieldChange(p, 'phone', '13812345678', '13900008888');
    const none = await http().post(`/api/review/requests/${r.id}/approve`).set(reviewer.auth).send({}).expect(428);
    expect(none.body.error.code).toBe('VERSION_REQUIRED');
    await prisma().changeRequest.update({ where: { id: r.id }, data: { version: 3 } });
    const stale = await http().post(`/api/review/requests/${r.id}/approve`).set(reviewer.auth).set('If-Match', '"2"').expect(409);
    expect(stale.body.error).toMatchObject({ code: 'VERSION_CONFLICT', details: { expected: 2, current: 3 } });
    for (const path of ['reject', 'ask'] as const) {
      const body = path === 'reject' ? { version: 0, reason: 'r' } : { version: 0, question: 'q' };
      expect((await http().post(`/api/review/requests/${r.id}/${path}`).set(reviewer.auth).send(body).expect(409)).body.error.code).toBe('VERSION_CONFLICT');
    }
    await http().post(`/api/review/requests/${r.id}/approve`).set(reviewer.auth).set('If-Match', 'nonsense').expect(400);
    expect((await prisma().person.findUniqueOrThrow({ where: { id: p.id } })).phone).toBe('13812345678');
    expect((await auditOf(r.id, 'review.approve')).map((e) => e.outcome)).toEqual(['FAILED']);
  });

  it('writes the registry, confirms the registration, audits old and new values and tells the resident in their chat', async () => {
    const p = await newPerson();
    const { sessionId, conversationId } = await chatSession(p.id, 'zh-CN');
    const r = await fieldChange(p, 'phone', '13812345678', '13900009999', { conversationId });
    const res = await http().post(`/api/review/requests/${r.id}/approve`).set(reviewer.auth).set('If-Match', '"0"').expect(200);
    expect(res.body.result).toMatchObject({ outcome: 'APPROVED', personId: p.id, registrationStatus: 'CONFIRMED', notification: { queued: true } });
    expect(res.body.request).toMatchObject({ status: 'APPROVED', version: 1, decidedBy: reviewer.username });

    const person = await prisma().person.findUniqueOrThrow({ where: { id: p.id } });
    expect(person).toMatchObject({ phone: '13900009999', registrationStatus: 'CONFIRMED', confirmedChannel: 'review', version: p.version + 2 });
    expect(person.confirmedAt?.toISOString()).toBe(app().clock.now().toISOString());
    const update = await auditOf(p.id, 'person.update');
    expect(update).toHaveLength(1);
    expect(update[0]).toMatchObject({ actorType: 'STAFF', actorId: reviewer.id, at: app().clock.now() });
    expect(update[0]?.details).toMatchObject({ requestId: r.id, reference: r.reference, changes: [{ field: 'phone', old: '13812345678', new: '13900009999' }] });
    expect(await auditOf(p.id, 'registration.confirm')).toHaveLength(1);
    expect(await auditOf(r.id, 'review.approve')).toHaveLength(1);

    const texts = await transcriptTexts(sessionId);
    expect(texts[texts.length - 1]).toBe(`您申请修改的手机号（编号 ${r.reference}）已审核通过，登记信息已更新。`);
    const outbox = await prisma().outboxMessage.findMany({ where: { conversationId, kind: 'notification' } });
    expect(outbox).toHaveLength(1);
    expect(outbox[0]).toMatchObject({ channel: 'web', endpoint: sessionId });

    // The decision woke the dispatcher, which delivers the notification through the web chat hub.
    await app().dispatcher.kick();
    const sent = await prisma().outboxMessage.findMany({ where: { conversationId, kind: 'notification' } });
    expect(sent[0]).toMatchObject({ status: 'SENT' });
    expect(sent[0]?.sentAt).not.toBeNull();
    expect(app().logs.lines.join('\n')).not.toContain('13900009999');
  });

  it('notifies in the resident’s language', async () => {
    const p = await newPerson();
    const { sessionId, conversationId } = await chatSession(p.id, 'en');
    const r = await fieldChange(p, 'residenceAddress', '云南省昆明市五华区华山街道12号3栋201', '云南省昆明市盘龙区北京路1号', { conversationId });
    await http().post(`/api/review/requests/${r.id}/approve`).set(reviewer.auth).send({ version: 0 }).expect(200);
    expect((await transcriptTexts(sessionId)).pop()).toBe(
      `Your request to change your home address (reference ${r.reference}) has been approved. Your registration is updated.`,
    );
  });

  it('keeps the person PENDING_REVIEW while another request is open, and finds the conversation by person', async () => {
    const p = await newPerson();
    const { sessionId } = await chatSession(p.id);
    const r1 = await fieldChange(p, 'phone', '13812345678', '13911110000');
    const r2 = await fieldChange(p, 'ethnicity', '01', '07');
    const res = await http().post(`/api/review/requests/${r1.id}/approve`).set(reviewer.auth).send({ version: 0 }).expect(200);
    expect(res.body.result.registrationStatus).toBe('PENDING_REVIEW');
    expect((await prisma().person.findUniqueOrThrow({ where: { id: p.id } })).registrationStatus).toBe('PENDING_REVIEW');
    await http().post(`/api/review/requests/${r2.id}/approve`).set(reviewer.auth).send({ version: 0 }).expect(200);
    expect(await prisma().person.findUniqueOrThrow({ where: { id: p.id } })).toMatchObject({ registrationStatus: 'CONFIRMED', ethnicity: '07', phone: '13911110000' });
    expect((await transcriptTexts(sessionId)).filter((t) => t.includes('已审核通过'))).toHaveLength(2);
  });

  it('flags a record changed since submission as a conflict; approval then needs force', async () => {
    const p = await newPerson();
    const r = await fieldChange(p, 'phone', '13812345678', '13922220000');
    await prisma().person.update({ where: { id: p.id }, data: { phone: '13633330000' } });
    const detail = await http().get(`/api/review/requests/${r.id}`).set(reviewer.auth).expect(200);
    expect(detail.body.checks).toContainEqual({ code: 'FIELD_CHANGED', severity: 'conflict', field: 'phone' });
    expect(detail.body.diff[0]).toMatchObject({ atSubmission: '138****5678', onRecord: '136****0000', changedSinceSubmission: true });
    expect(detail.body.actions.needsForce).toBe(true);
    const refused = await http().post(`/api/review/requests/${r.id}/approve`).set(reviewer.auth).send({ version: 0 }).expect(409);
    expect(refused.body.error.code).toBe('FORCE_REQUIRED');
    const forced = await http().post(`/api/review/requests/${r.id}/approve`).set(reviewer.auth).send({ version: 0, force: true }).expect(200);
    expect(forced.body.result.outcome).toBe('APPROVED');
    expect((await auditOf(p.id, 'person.update'))[0]?.details).toMatchObject({ forced: true, changes: [{ old: '13633330000', new: '13922220000' }] });
  });
});
