import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { staffRouters } from '../../src/app/staff-routers';
import { findConversation } from '../../src/conversation/transcript';
import type { Prisma } from '../../src/generated/prisma/client';
import { computeCheckChar } from '../../src/domain/codes/id-number';
import { seedRegions } from '../../src/domain/registry/region.service';
import { authenticate, createStaff, type StaffRole } from '../../src/domain/staff/staff.service';
import { openQuestionsFor, recordResidentAnswer } from '../../src/domain/review';
import { reviewDueAt } from '../../src/domain/calendar/working-days';
import { createTestApp, type TestApp } from '../helpers/test-app';

const PASSWORD = 'correct horse battery';
let app: TestApp;
const prisma = () => app.db.prisma;
const http = () => request(app.app);

/** A fresh valid ID number per call (distinct sequence numbers), so tests never share a person. */
let seq = 0;
function newIdNumber(county = '530102', birth = '19900307', sex: 'MALE' | 'FEMALE' = 'MALE'): string {
  seq += 1;
  const n = seq * 2 + (sex === 'MALE' ? 1 : 0);
  const first17 = `${county}${birth}${String(n % 1000).padStart(3, '0')}`;
  return first17 + computeCheckChar(first17);
}
let refSeq = 0;
const newReference = () => `CR2611${String(++refSeq).padStart(4, '0')}${randomBytes(2).toString('hex').toUpperCase()}`;

interface Staff {
  id: string;
  username: string;
  auth: { Authorization: string };
}
async function staff(role: StaffRole, regionCode = '530100'): Promise<Staff> {
  const username = `${role.toLowerCase().slice(0, 5)}-${randomBytes(4).toString('hex')}`;
  const s = await createStaff(prisma(), { username, role, regionCode, password: PASSWORD });
  const r = await authenticate(prisma(), username, PASSWORD, app.clock, app.config);
  if (!r.ok) throw new Error('login failed');
  return { id: s.id, username, auth: { Authorization: `Bearer ${r.token}` } };
}

async function newPerson(opts: Partial<Prisma.PersonUncheckedCreateInput> & { county?: string } = {}) {
  const { county = '530102', ...rest } = opts;
  const idNumber = rest.idNumber ?? newIdNumber(county);
  const householdId = `H${randomBytes(5).toString('hex')}`;
  await prisma().household.create({ data: { id: householdId, regionCode: county } });
  return prisma().person.create({
    data: {
      idNumber,
      name: '李秀英',
      ethnicity: '01',
      sex: Number(idNumber[16]) % 2 === 1 ? 'MALE' : 'FEMALE',
      birthDate: new Date(`${idNumber.slice(6, 10)}-${idNumber.slice(10, 12)}-${idNumber.slice(12, 14)}T00:00:00Z`),
      phone: '13812345678',
      hukouRegion: county,
      hukouAddress: '云南省昆明市五华区华山街道12号3栋201',
      residenceRegion: county,
      residenceAddress: '云南省昆明市五华区华山街道12号3栋201',
      regionCode: county,
      householdId,
      registrationStatus: 'PENDING_REVIEW',
      ...rest,
    },
  });
}

type Person = Awaited<ReturnType<typeof newPerson>>;

async function fieldChange(
  person: Person,
  field: string,
  current: string | null,
  proposed: string | null,
  opts: Partial<Prisma.ChangeRequestUncheckedCreateInput> = {},
) {
  const createdAt = (opts.createdAt as Date | undefined) ?? new Date('2026-11-27T02:00:00Z');
  return prisma().changeRequest.create({
    data: {
      reference: newReference(),
      kind: 'FIELD_CHANGE',
      personId: person.id,
      fields: [field],
      currentValues: { [field]: current },
      proposedValues: { [field]: proposed },
      regionCode: person.regionCode,
      channel: 'web',
      dueAt: reviewDueAt(createdAt),
      createdAt,
      ...opts,
    },
  });
}

async function newPersonRequest(household: { id: string; regionCode: string }, proposed: Record<string, string>, opts: Partial<Prisma.ChangeRequestUncheckedCreateInput> = {}) {
  const createdAt = new Date('2026-11-27T03:00:00Z');
  return prisma().changeRequest.create({
    data: {
      reference: newReference(),
      kind: 'NEW_PERSON',
      householdId: household.id,
      fields: Object.keys(proposed),
      currentValues: {},
      proposedValues: proposed,
      subjectKey: proposed.idNumber ?? null,
      regionCode: household.regionCode,
      channel: 'web',
      dueAt: reviewDueAt(createdAt),
      createdAt,
      ...opts,
    },
  });
}

/** A web chat session bound to the person (as after verification), in a language. */
async function chatSession(personId: string | null, locale: 'zh-CN' | 'en' = 'zh-CN') {
  const res = await http().post('/api/chat/sessions').expect(201);
  const sessionId = res.body.sessionId as string;
  const conv = await findConversation(prisma(), 'web', sessionId);
  if (!conv) throw new Error('no conversation');
  await prisma().conversation.update({ where: { id: conv.id }, data: { personId, locale } });
  return { sessionId, conversationId: conv.id };
}

const transcriptTexts = async (sessionId: string) =>
  ((await http().get(`/api/chat/sessions/${sessionId}/messages`).expect(200)).body.messages as { direction: string; text: string }[])
    .filter((m) => m.direction === 'out')
    .map((m) => m.text);

const auditOf = (targetId: string, action: string) =>
  prisma().auditEvent.findMany({ where: { targetId, action }, orderBy: { id: 'asc' } });

let reviewer: Staff;
let reviewer2: Staff;
let agent: Staff;

beforeAll(async () => {
  app = await createTestApp({ HOLIDAYS: '2026-12-01' }, { extraRouters: staffRouters() });
  await seedRegions(prisma());
  reviewer = await staff('REVIEWER');
  reviewer2 = await staff('REVIEWER');
  agent = await staff('AGENT');
});
afterAll(async () => {
  await app?.close();
});

describe('GET /api/review/requests', () => {
  it('lists the area’s open requests oldest first, masked, with due date, age and overdue', async () => {
    const p1 = await newPerson();
    const p2 = await newPerson();
    const older = await fieldChange(p1, 'phone', '13812345678', '13900001111', { createdAt: new Date('2026-11-20T01:00:00Z') });
    const newer = await fieldChange(p2, 'phone', '13812345678', '13900002222', { createdAt: new Date('2026-11-28T01:00:00Z') });
    const res = await http().get('/api/review/requests?limit=200').set(reviewer.auth).expect(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const ids = (res.body.items as { id: string }[]).map((i) => i.id);
    expect(ids.indexOf(older.id)).toBeGreaterThanOrEqual(0);
    expect(ids.indexOf(older.id)).toBeLessThan(ids.indexOf(newer.id));
    const item = res.body.items.find((i: { id: string }) => i.id === older.id);
    expect(item).toMatchObject({
      reference: older.reference,
      kind: 'FIELD_CHANGE',
      status: 'PENDING',
      fields: ['phone'],
      version: 0,
      subject: { name: '李**', idNumber: `${p1.idNumber.slice(0, 6)}********${p1.idNumber.slice(14)}` },
      region: { code: '530102', name: '五华区' },
      dueAt: older.dueAt.toISOString(),
      overdue: true,
      lowRisk: false,
      needsFourEyes: false,
    });
    expect(item.ageHours).toBe(9 * 24 + 1);
    expect(res.body.items.find((i: { id: string }) => i.id === newer.id).overdue).toBe(false);
    expect(JSON.stringify(res.body)).not.toContain(p1.idNumber);
    expect(await prisma().auditEvent.count({ where: { action: 'review.list', actorId: reviewer.id } })).toBeGreaterThan(0);
  });

  it('filters by status, kind, region, overdue and q (reference or ID number), and pages with a cursor', async () => {
    const county = '530112';
    const a = await newPerson({ county });
    const b = await newPerson({ county });
    const c = await newPerson({ county });
    const ra = await fieldChange(a, 'hukouAddress', null, '西山区马街1号', { createdAt: new Date('2026-11-10T01:00:00Z') });
    const rb = await fieldChange(b, 'hukouAddress', null, '西山区马街2号', { createdAt: new Date('2026-11-28T01:00:00Z') });
    const rc = await fieldChange(c, 'phone', '13812345678', '13700000000', { createdAt: new Date('2026-11-28T02:00:00Z'), status: 'NEEDS_INFO' });
    const list = async (query: string) =>
      ((await http().get(`/api/review/requests?${query}`).set(reviewer.auth).expect(200)).body.items as { id: string }[]).map((i) => i.id);

    expect(await list(`region=${county}`)).toEqual([ra.id, rb.id, rc.id]);
    expect(await list(`region=${county}&status=PENDING`)).toEqual([ra.id, rb.id]);
    expect(await list(`region=${county}&status=NEEDS_INFO,APPROVED`)).toEqual([rc.id]);
    expect(await list(`region=${county}&overdue=true`)).toEqual([ra.id]);
    expect(await list(`region=${county}&kind=NEW_PERSON`)).toEqual([]);
    expect(await list(`q=${rb.reference}`)).toEqual([rb.id]);
    expect(await list(`q=${rb.reference.slice(0, -2).toLowerCase()}`)).toContain(rb.id);
    expect(await list(`q=${c.idNumber}`)).toEqual([rc.id]);

    const first = await http().get(`/api/review/requests?region=${county}&limit=2`).set(reviewer.auth).expect(200);
    expect(first.body.items.map((i: { id: string }) => i.id)).toEqual([ra.id, rb.id]);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await http().get(`/api/review/requests?region=${county}&limit=2&cursor=${first.body.nextCursor}`).set(reviewer.auth).expect(200);
    expect(second.body.items.map((i: { id: string }) => i.id)).toEqual([rc.id]);
    expect(second.body.nextCursor).toBeNull();

    await http().get('/api/review/requests?cursor=garbage').set(reviewer.auth).expect(400);
    await http().get('/api/review/requests?status=DONE').set(reviewer.auth).expect(400);
  });

  it('never shows another prefecture’s requests, refuses a region filter outside the area (audited) and needs a token', async () => {
    const p = await newPerson();
    const r = await fieldChange(p, 'phone', '13812345678', '13900003333');
    const qujing = await staff('REVIEWER', '530300');
    const res = await http().get('/api/review/requests?limit=200').set(qujing.auth).expect(200);
    expect(res.body.items.map((i: { id: string }) => i.id)).not.toContain(r.id);
    const refused = await http().get('/api/review/requests?region=530102').set(qujing.auth).expect(403);
    expect(refused.body.error.code).toBe('OUT_OF_SCOPE');
    expect(await prisma().auditEvent.count({ where: { action: 'review.list', actorId: qujing.id, outcome: 'DENIED' } })).toBe(1);
    // A wider filter than the area is narrowed to the area.
    await http().get('/api/review/requests?region=530000').set(qujing.auth).expect(200);
    await http().get('/api/review/requests').expect(401);
  });
});

describe('GET /api/review/requests/:id', () => {
  it('shows the values side by side (masked), the checks, the conversation excerpt and the history', async () => {
    const p = await newPerson();
    const { conversationId } = await chatSession(p.id);
    // The excerpt is the conversation up to the submission: the greeting and the resident's line, not what came after.
    await prisma().message.create({ data: { conversationId, direction: 'IN', text: `我的身份证是${p.idNumber}`, createdAt: new Date(app.clock.now().getTime() + 60_000) } });
    const r = await fieldChange(p, 'phone', '13812345678', '13900004444', { conversationId, evidence: '居民本人在线申请，旧号码 13812345678 已停用', createdAt: new Date(app.clock.now().getTime() + 120_000) });
    await prisma().message.create({ data: { conversationId, direction: 'IN', text: '菜单', createdAt: new Date(app.clock.now().getTime() + 180_000) } });
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

describe('roles', () => {
  it('lets agents and community workers view their area but not decide', async () => {
    const p = await newPerson();
    const r = await fieldChange(p, 'phone', '13812345678', '13900006666');
    const worker = await staff('COMMUNITY_WORKER', '530102');
    await http().get(`/api/review/requests/${r.id}`).set(agent.auth).expect(200);
    const list = await http().get('/api/review/requests?region=530102&limit=200').set(worker.auth).expect(200);
    expect(list.body.items.map((i: { id: string }) => i.id)).toContain(r.id);
    for (const who of [agent, worker]) {
      const res = await http().post(`/api/review/requests/${r.id}/approve`).set(who.auth).send({ version: 0 }).expect(403);
      expect(res.body.error.code).toBe('FORBIDDEN');
      await http().post(`/api/review/requests/${r.id}/reject`).set(who.auth).send({ version: 0, reason: 'x' }).expect(403);
      await http().post(`/api/review/requests/${r.id}/claim`).set(who.auth).send({}).expect(403);
    }
    expect(await prisma().auditEvent.count({ where: { actorId: agent.id, action: 'review.decide', outcome: 'DENIED' } })).toBeGreaterThanOrEqual(2);
    expect((await prisma().changeRequest.findUniqueOrThrow({ where: { id: r.id } })).status).toBe('PENDING');
  });
});

describe('claim and release', () => {
  it('keeps others from deciding a claimed request until it is released', async () => {
    const p = await newPerson();
    const r = await fieldChange(p, 'phone', '13812345678', '13900007777');
    const claimed = await http().post(`/api/review/requests/${r.id}/claim`).set(reviewer.auth).set('If-Match', '"0"').expect(200);
    expect(claimed.body.request).toMatchObject({ claimedBy: reviewer.username, version: 1 });
    const other = await http().post(`/api/review/requests/${r.id}/approve`).set(reviewer2.auth).send({ version: 1 }).expect(409);
    expect(other.body.error).toMatchObject({ code: 'CLAIMED_BY_OTHER', details: { claimedBy: reviewer.username } });
    await http().post(`/api/review/requests/${r.id}/claim`).set(reviewer2.auth).send({}).expect(409);
    const notYours = await http().post(`/api/review/requests/${r.id}/release`).set(reviewer2.auth).send({}).expect(409);
    expect(notYours.body.error.code).toBe('NOT_CLAIMED_BY_YOU');
    const released = await http().post(`/api/review/requests/${r.id}/release`).set(reviewer.auth).send({ version: 1 }).expect(200);
    expect(released.body.request).toMatchObject({ claimedBy: null, version: 2 });
    await http().post(`/api/review/requests/${r.id}/approve`).set(reviewer2.auth).send({ version: 2 }).expect(200);
    await http().post(`/api/review/requests/${r.id}/claim`).set(reviewer.auth).send({}).expect(409); // decided
  });
});

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
    expect(person.confirmedAt?.toISOString()).toBe(app.clock.now().toISOString());
    const update = await auditOf(p.id, 'person.update');
    expect(update).toHaveLength(1);
    expect(update[0]).toMatchObject({ actorType: 'STAFF', actorId: reviewer.id, at: app.clock.now() });
    expect(update[0]?.details).toMatchObject({ requestId: r.id, reference: r.reference, changes: [{ field: 'phone', old: '13812345678', new: '13900009999' }] });
    expect(await auditOf(p.id, 'registration.confirm')).toHaveLength(1);
    expect(await auditOf(r.id, 'review.approve')).toHaveLength(1);

    const texts = await transcriptTexts(sessionId);
    expect(texts[texts.length - 1]).toBe(`您申请修改的手机号（编号 ${r.reference}）已审核通过，登记信息已更新。`);
    const outbox = await prisma().outboxMessage.findMany({ where: { conversationId, kind: 'notification' } });
    expect(outbox).toHaveLength(1);
    expect(outbox[0]).toMatchObject({ channel: 'web', endpoint: sessionId });

    // The decision woke the dispatcher, which delivers the notification through the web chat hub.
    await app.dispatcher.kick();
    const sent = await prisma().outboxMessage.findMany({ where: { conversationId, kind: 'notification' } });
    expect(sent[0]).toMatchObject({ status: 'SENT' });
    expect(sent[0]?.sentAt).not.toBeNull();
    expect(app.logs.lines.join('\n')).not.toContain('13900009999');
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
    const base = { requestId: r.id, answer: '已经拍好了', channel: 'web', now: app.clock.now() };
    expect(await recordResidentAnswer(prisma(), { ...base, personId: other.id })).toEqual({ ok: false, code: 'NOT_FOUND' });
    expect(await recordResidentAnswer(prisma(), { ...base, personId: p.id })).toMatchObject({ ok: true, reference: r.reference });
    expect(await recordResidentAnswer(prisma(), { ...base, personId: p.id })).toEqual({ ok: false, code: 'INVALID_STATE' });
    expect(await prisma().changeRequest.findUniqueOrThrow({ where: { id: r.id } })).toMatchObject({ status: 'PENDING', answer: '已经拍好了', version: 2 });
    expect((await auditOf(r.id, 'review.answer'))[0]).toMatchObject({ actorType: 'RESIDENT', actorId: p.id });
    expect(await openQuestionsFor(prisma(), p.id)).toEqual([]);
  });
});

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
    expect(detail.body.checks).toContainEqual({ code: 'DUPLICATE_SUBJECT', severity: 'warning', params: { reference: twin.reference, status: 'PENDING' } });
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
    expect(second.body.error.details.checks).toContainEqual({ code: 'PERSON_EXISTS', severity: 'error', field: 'idNumber' });
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
});

describe('automatic checks on field changes', () => {
  it('flags a sex change that contradicts the ID number, other open requests, duplicate insurance and regions outside the area', async () => {
    const p = await newPerson({ employmentStatus: 'FARMING', enrolments: { create: [{ insuranceType: '390', status: 'PAYING' }, { insuranceType: '170', status: 'PAYING' }] } });
    const sex = await fieldChange(p, 'sex', 'MALE', 'FEMALE');
    const sexAgain = await fieldChange(p, 'sex', 'MALE', 'FEMALE');
    const work = await fieldChange(p, 'employmentStatus', 'FARMING', 'EMPLOYED');
    const move = await fieldChange(p, 'residenceRegion', '530102', '530302');
    const nowhere = await fieldChange(p, 'hukouRegion', '530102', '539999');
    const checksOf = async (id: string) => (await http().get(`/api/review/requests/${id}`).set(reviewer.auth).expect(200)).body.checks as unknown[];

    const s = await checksOf(sex.id);
    expect(s).toContainEqual({ code: 'SEX_MISMATCH', severity: 'warning', field: 'sex', params: { fromIdNumber: 'MALE' } });
    expect(s).toContainEqual({ code: 'OTHER_OPEN_REQUEST_SAME_FIELD', severity: 'warning', params: { reference: sexAgain.reference, fields: 'sex' } });
    expect(s).toContainEqual({ code: 'OTHER_OPEN_REQUEST', severity: 'warning', params: { reference: work.reference, fields: 'employmentStatus' } });
    const w = await checksOf(work.id);
    expect(w).toContainEqual({ code: 'DUPLICATE_MEDICAL', severity: 'warning', field: 'employmentStatus', params: { reason: 'employee_insurance', paying: '390' } });
    expect(w).toContainEqual({ code: 'DUPLICATE_PENSION', severity: 'warning', field: 'employmentStatus', params: { reason: 'employee_insurance', paying: '170' } });
    expect(await checksOf(move.id)).toContainEqual({ code: 'REGION_OUT_OF_SCOPE', severity: 'warning', field: 'residenceRegion', params: { region: '530302' } });
    expect(await checksOf(nowhere.id)).toContainEqual({ code: 'UNKNOWN_REGION', severity: 'error', field: 'hukouRegion', params: { region: '539999' } });

    // Approving the move puts the person under the new residence region.
    await http().post(`/api/review/requests/${move.id}/approve`).set(reviewer.auth).send({ version: 0 }).expect(200);
    expect((await prisma().person.findUniqueOrThrow({ where: { id: p.id } })).regionCode).toBe('530302');
  });

  it('flags duplicate enrolment when a new ID number belongs to a record with its own insurance', async () => {
    const p = await newPerson({ enrolments: { create: [{ insuranceType: '390', status: 'PAYING' }] } });
    const other = await newPerson({ enrolments: { create: [{ insuranceType: '310', status: 'PAYING' }] } });
    const r = await fieldChange(p, 'idNumber', p.idNumber, other.idNumber);
    const checks = (await http().get(`/api/review/requests/${r.id}`).set(reviewer.auth).expect(200)).body.checks;
    expect(checks).toContainEqual({ code: 'ID_NUMBER_TAKEN', severity: 'error', field: 'idNumber' });
    expect(checks).toContainEqual({ code: 'DUPLICATE_MEDICAL', severity: 'warning', field: 'idNumber', params: { reason: 'merge' } });
  });
});

describe('POST /api/review/requests/batch-approve', () => {
  it('approves low-risk requests and refuses the others per item', async () => {
    const a = await newPerson();
    const b = await newPerson();
    const c = await newPerson();
    const d = await newPerson();
    const e = await newPerson({ county: '530302', idNumber: newIdNumber('530302') });
    const ra = await fieldChange(a, 'hukouAddress', '云南省昆明市五华区华山街道12号3栋201', '云南省昆明市五华区华山街道14号');
    const rb = await fieldChange(b, 'residenceAddress', '云南省昆明市五华区华山街道12号3栋201', '云南省昆明市五华区护国路3号');
    const rc = await fieldChange(c, 'phone', '13812345678', '13955550000');
    const rd = await fieldChange(d, 'hukouAddress', '云南省昆明市五华区华山街道12号3栋201', '云南省昆明市五华区文林街5号');
    await prisma().person.update({ where: { id: d.id }, data: { hukouAddress: '别的地址' } }); // a conflict
    const re = await fieldChange(e, 'hukouAddress', null, '曲靖市麒麟区1号');
    const f = await newPerson();
    const stale = await fieldChange(f, 'residenceAddress', '云南省昆明市五华区华山街道12号3栋201', '云南省昆明市五华区翠湖南路2号');

    const res = await http()
      .post('/api/review/requests/batch-approve')
      .set(reviewer.auth)
      .send({ ids: [ra.id, rb.id, rc.id, rd.id, re.id, stale.id], versions: [0, 0, 0, 0, 0, 5] })
      .expect(200);
    const byId = Object.fromEntries((res.body.results as { id: string; code: string }[]).map((r) => [r.id, r.code]));
    expect(byId).toEqual({
      [ra.id]: 'APPROVED',
      [rb.id]: 'APPROVED',
      [rc.id]: 'NOT_LOW_RISK',
      [rd.id]: 'NEEDS_INDIVIDUAL_REVIEW',
      [re.id]: 'NOT_FOUND',
      [stale.id]: 'VERSION_CONFLICT',
    });
    expect((await prisma().person.findUniqueOrThrow({ where: { id: a.id } })).hukouAddress).toBe('云南省昆明市五华区华山街道14号');
    expect((await prisma().person.findUniqueOrThrow({ where: { id: c.id } })).phone).toBe('13812345678');
    expect(await auditOf(ra.id, 'review.batch_approve')).toHaveLength(1);

    await http().post('/api/review/requests/batch-approve').set(reviewer.auth).send({ ids: [ra.id], versions: [] }).expect(400);
    const many = Array.from({ length: 101 }, () => '00000000-0000-4000-8000-000000000000');
    await http().post('/api/review/requests/batch-approve').set(reviewer.auth).send({ ids: many, versions: many.map(() => 0) }).expect(400);
    await http().post('/api/review/requests/batch-approve').set(agent.auth).send({ ids: [rb.id], versions: [1] }).expect(403);
  });
});

describe('GET /api/review/stats', () => {
  it('counts the caller’s area by status, kind, prefecture and overdue (decided ones over a window)', async () => {
    const county = '532301'; // Chuxiong: no other test writes there
    const p1 = await newPerson({ county, idNumber: newIdNumber(county) });
    const p2 = await newPerson({ county, idNumber: newIdNumber(county) });
    await fieldChange(p1, 'phone', '13812345678', '13966660000', { createdAt: new Date('2026-11-01T00:00:00Z') }); // overdue
    await fieldChange(p2, 'phone', '13812345678', '13966660001', { createdAt: new Date('2026-11-28T00:00:00Z') });
    await fieldChange(p2, 'ethnicity', '01', '07', { status: 'APPROVED', decidedAt: new Date('2026-11-28T00:00:00Z') });
    await fieldChange(p2, 'sex', 'MALE', 'FEMALE', { status: 'REJECTED', decidedAt: new Date('2026-09-01T00:00:00Z') }); // outside 30 days
    await newPersonRequest({ id: p1.householdId as string, regionCode: county }, { idNumber: newIdNumber(county), name: '张三', relationship: '儿子', sex: 'MALE', birthDate: '1990-03-07' }, { status: 'NEEDS_INFO' });

    const chuxiong = await staff('REVIEWER', '532300');
    const res = await http().get('/api/review/stats').set(chuxiong.auth).expect(200);
    expect(res.body).toEqual({
      scope: { code: '532300', name: '楚雄彝族自治州' },
      decidedSince: '2026-10-30T02:00:00.000Z',
      total: 4,
      open: 3,
      overdue: 1,
      byStatus: { PENDING: 2, NEEDS_INFO: 1, APPROVED: 1, REJECTED: 0 },
      byKind: { FIELD_CHANGE: 3, NEW_PERSON: 1, MERGE: 0 },
      byPrefecture: [{ region: { code: '532300', name: '楚雄彝族自治州' }, total: 4, open: 3, overdue: 1, decided: 1 }],
    });
    const longer = await http().get('/api/review/stats?days=120').set(chuxiong.auth).expect(200);
    expect(longer.body.byStatus).toEqual({ PENDING: 2, NEEDS_INFO: 1, APPROVED: 1, REJECTED: 1 });
    await http().get('/api/review/stats?days=0').set(chuxiong.auth).expect(400);
    const admin = await staff('ADMIN', '530000');
    const all = await http().get('/api/review/stats').set(admin.auth).expect(200);
    expect(all.body.byPrefecture.map((p: { region: { code: string } }) => p.region.code)).toEqual(expect.arrayContaining(['530100', '532300']));
    expect(all.body.byPrefecture.find((p: { region: { code: string } }) => p.region.code === '532300')).toEqual(res.body.byPrefecture[0]);
    expect(await prisma().auditEvent.count({ where: { action: 'review.stats', actorId: chuxiong.id } })).toBe(2);
  });
});

describe('OpenAPI', () => {
  it('documents the review routes', async () => {
    const doc = (await http().get('/api/openapi.json').expect(200)).body;
    for (const path of [
      '/api/review/requests',
      '/api/review/requests/{id}',
      '/api/review/requests/{id}/approve',
      '/api/review/requests/{id}/reject',
      '/api/review/requests/{id}/ask',
      '/api/review/requests/{id}/claim',
      '/api/review/requests/{id}/release',
      '/api/review/requests/batch-approve',
      '/api/review/stats',
    ]) {
      expect(doc.paths[path]).toBeDefined();
    }
  });
});
