import request from 'supertest';
import { staffRouters } from '../../src/app/staff-routers';
import { seedRegions } from '../../src/domain/registry/region.service';
import type { StaffRole } from '../../src/domain/staff/staff.service';
import type { Locale } from '../../src/lib/i18n';
import { ChatClient, createPerson, newPhone, type ChatReply, type TestPerson } from '../helpers/chat-fixtures';
import { signedInStaff, type SignedInStaff } from '../helpers/staff-fixtures';
import { createTestApp, type TestApp } from '../helpers/test-app';

/**
 * Agent-assisted conversations (issue 13): the same table of scenarios, run by a resident in the web chat and by
 * an agent typing a caller's answers, gives the same registry outcome; assisted rows are attributed to the agent.
 */
let app: TestApp;
const prisma = () => app.db.prisma;
type Staff = SignedInStaff;
const staff = (role: StaffRole, regionCode?: string): Promise<Staff> => signedInStaff(app, role, regionCode);

/** One way of talking to the bot: a resident in the web chat, or an agent in an assisted session. */
interface Driver {
  last: ChatReply[];
  send(text: string): Promise<ChatReply[]>;
}
async function selfService(): Promise<Driver> {
  const chat = await ChatClient.start(app.app);
  const d: Driver = { last: chat.greeting, send: async (text) => (d.last = await chat.send(text)) };
  return d;
}
let agent: Staff;
let sessionIds: string[] = [];
async function assisted(): Promise<Driver> {
  const res = await request(app.app).post('/api/assisted/sessions').set(agent.auth).send({ callerNumber: '138 0000 1234' }).expect(201);
  const id = res.body.sessionId as string;
  sessionIds.push(id);
  const d: Driver = {
    last: res.body.replies,
    send: async (text) => {
      const r = await request(app.app).post(`/api/assisted/sessions/${id}/messages`).set(agent.auth).send({ text });
      if (r.status !== 200) throw new Error(`"${text}" → ${r.status} ${JSON.stringify(r.body)}`);
      return (d.last = r.body.replies as ChatReply[]);
    },
  };
  return d;
}
const choose = (d: Driver, value: string) => {
  const options = [...d.last].reverse().find((r) => r.options?.length)?.options ?? [];
  const i = options.findIndex((o) => o.value === value);
  if (i < 0) throw new Error(`no option ${value} in ${JSON.stringify(options)}`);
  return d.send(String(i + 1));
};
async function verify(d: Driver, p: TestPerson, locale: Locale, factor = p.phone!.slice(-4)) {
  if (locale === 'en') await d.send('English');
  await choose(d, 'agree');
  await d.send(p.idNumber);
  await d.send(p.name);
  await d.send(factor);
}

type Scenario = (d: Driver, p: TestPerson, locale: Locale) => Promise<void>;
const NEW_PHONE = newPhone();
const SCENARIOS: [string, Scenario][] = [
  ['confirms the record', async (d, p, l) => {
    await verify(d, p, l);
    await choose(d, 'confirm');
    await choose(d, 'correct');
  }],
  ['corrects the name (reviewed)', async (d, p, l) => {
    await verify(d, p, l);
    await choose(d, 'correct');
    await choose(d, 'name');
    await d.send('王小明');
    await choose(d, 'submit');
    await d.send('户口本上是这样写的');
  }],
  ['changes the phone (direct)', async (d, p, l) => {
    await verify(d, p, l);
    await choose(d, 'correct');
    await choose(d, 'phone');
    await d.send(NEW_PHONE);
    await d.send(NEW_PHONE);
    await choose(d, 'submit');
  }],
  ['gives a wrong factor (nothing changes)', async (d, p, l) => {
    await verify(d, p, l, '0000');
  }],
];

/** The registry outcome of a scenario for one person, without ids, times or channels. */
async function outcome(p: TestPerson) {
  const person = await prisma().person.findUniqueOrThrow({ where: { id: p.id } });
  const requests = await prisma().changeRequest.findMany({ where: { personId: p.id } });
  return {
    registrationStatus: person.registrationStatus,
    phoneChanged: person.phone !== p.phone,
    name: person.name === p.name ? 'unchanged' : person.name,
    requests: requests.map((r) => ({ kind: r.kind, fields: r.fields, status: r.status, proposed: r.proposedValues, evidence: r.evidence })),
  };
}

beforeAll(async () => {
  app = await createTestApp({}, { extraRouters: staffRouters() });
  await seedRegions(prisma());
  agent = await staff('REVIEWER');
}, 180_000);
afterAll(async () => {
  await app.close();
});
beforeEach(() => {
  sessionIds = [];
});

describe.each<Locale>(['zh-CN', 'en'])('the same scenarios, self-service and assisted (%s)', (locale) => {
  it.each(SCENARIOS)('%s: same registry outcome; assisted rows carry the agent', async (_name, scenario) => {
    const [alone, helped] = [await createPerson(prisma()), await createPerson(prisma())];
    await scenario(await selfService(), alone, locale);
    await scenario(await assisted(), helped, locale);
    expect(await outcome(helped)).toEqual(await outcome(alone));

    const requests = await prisma().changeRequest.findMany({ where: { personId: helped.id } });
    for (const r of requests) expect(r).toMatchObject({ channel: 'assisted', submittedByStaff: agent.id });
    const conv = await prisma().conversation.findFirstOrThrow({ where: { channel: 'assisted', endpoint: sessionIds[0] } });
    const audits = await prisma().auditEvent.findMany({ where: { source: 'assisted', at: { gte: new Date(0) }, OR: [{ targetId: helped.id }, { targetId: { in: requests.map((r) => r.id) } }] } });
    for (const a of audits) expect(a.details).toMatchObject({ agent: { id: agent.id, username: agent.username } });
    const ack = await prisma().noticeAcknowledgement.findFirstOrThrow({ where: { conversationId: conv.id } });
    expect(ack).toMatchObject({ mode: 'VERBAL', staffId: agent.id });
    const session = await prisma().assistedSession.findUniqueOrThrow({ where: { id: sessionIds[0]! } });
    expect(session.callerNumber).toBe('138 0000 1234');
  });
});

describe('attribution and four eyes', () => {
  it('an assisted name correction shows channel assisted and the agent; the agent cannot approve it, another reviewer can', async () => {
    const p = await createPerson(prisma());
    await SCENARIOS[1]![1](await assisted(), p, 'zh-CN');
    const cr = await prisma().changeRequest.findFirstOrThrow({ where: { personId: p.id } });
    const list = await request(app.app).get('/api/review/requests').set(agent.auth).query({ q: cr.reference }).expect(200);
    expect(list.body.items[0]).toMatchObject({ channel: 'assisted', agent: { id: agent.id, username: agent.username }, submittedByStaff: agent.username });
    const self = await request(app.app).post(`/api/review/requests/${cr.id}/approve`).set(agent.auth).send({ version: cr.version }).expect(403);
    expect(self.body.error.code).toBe('SELF_SUBMITTED');
    const other = await staff('REVIEWER');
    await request(app.app).post(`/api/review/requests/${cr.id}/approve`).set(other.auth).send({ version: cr.version }).expect(200);
    const audit = await prisma().auditEvent.findFirstOrThrow({ where: { action: 'change_request.submit', targetId: cr.id } });
    expect(audit).toMatchObject({ actorType: 'RESIDENT', actorId: p.id, source: 'assisted', details: { agent: { id: agent.id, username: agent.username } } });
  });

  it('the caller must answer the verification: the agent cannot skip it, and the caller number is no factor', async () => {
    const p = await createPerson(prisma(), { phone: '13800001234' });
    const d = await assisted();
    await choose(d, 'agree');
    expect(await d.send('菜单')).not.toEqual(expect.arrayContaining([expect.objectContaining({ options: expect.arrayContaining([expect.objectContaining({ value: 'status' })]) })]));
    await d.send(p.idNumber);
    await d.send(p.name);
    const r = await d.send('9999');
    expect(r.some((x) => x.options?.some((o) => o.value === 'status'))).toBe(false);
    expect(await prisma().conversation.findFirstOrThrow({ where: { channel: 'assisted', endpoint: sessionIds[0] } })).toMatchObject({ personId: null });
  });

  it('only the agent who opened a session can type in it; roles and OpenAPI', async () => {
    const d = await assisted();
    void d;
    const other = await staff('AGENT');
    await request(app.app).post(`/api/assisted/sessions/${sessionIds[0]}/messages`).set(other.auth).send({ text: '1' }).expect(404);
    const worker = await staff('COMMUNITY_WORKER');
    await request(app.app).post('/api/assisted/sessions').set(worker.auth).send({}).expect(403);
    const doc = await request(app.app).get('/api/openapi.json').expect(200);
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/api/assisted/sessions', '/api/assisted/sessions/{id}/messages']));
  });
});
