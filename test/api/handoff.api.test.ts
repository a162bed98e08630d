import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { seedRegions } from '../../src/domain/registry/region.service';
import type { StaffRole } from '../../src/domain/staff/staff.service';
import { createI18n } from '../../src/lib/i18n';
import { ChatClient, createPerson, numberOf, textOf } from '../helpers/chat-fixtures';
import { listen, SseReader } from '../helpers/sse-reader';
import { signedInStaff, type SignedInStaff } from '../helpers/staff-fixtures';
import { createTestApp, type TestApp } from '../helpers/test-app';

/**
 * Handoff to a person (issue 13): the queue, silence while a person has the conversation, claims, replies through
 * the resident's channel, tasks, closing, service hours, escalation and region scope.
 * Clock: Tuesday 2026-12-01 10:00 China time (inside the default hours) unless a test moves it.
 */
const TUESDAY_10 = '2026-12-01T02:00:00.000Z';
const i18n = createI18n();
const t = (key: string, lng: 'zh-CN' | 'en' = 'zh-CN', params: Record<string, unknown> = {}) => i18n.t(key, { lng, ...params });
/** What the desk tells a waiting resident: the sentence, then how to stop waiting. */
const desk = (key: string, lng: 'zh-CN' | 'en' = 'zh-CN', params: Record<string, unknown> = {}) => `${t(key, lng, params)}\n${t('handoff.resident.howToWithdraw', lng)}`;

let app: TestApp;
const prisma = () => app.db.prisma;
type Staff = SignedInStaff;
const staff = (role: StaffRole, regionCode?: string): Promise<Staff> => signedInStaff(app, role, regionCode);

interface Item {
  id: string;
  conversationId: string;
  status: string;
  version: number;
  reason: string;
  channel: string;
  regionCode: string | null;
  waitingSeconds: number;
  escalated: boolean;
  person?: { name: string; idNumber: string };
}

/** A verified resident of Kunming (530102) who has asked for a person. */
async function residentWaiting(opts: { county?: string; locale?: 'zh-CN' | 'en' } = {}) {
  const person = await createPerson(prisma(), { county: opts.county ?? '530102' });
  const chat = await ChatClient.start(app.app);
  if (opts.locale === 'en') await chat.send('English');
  await chat.verify(person);
  const replies = await chat.send('人工');
  const row = await prisma().handoffRequest.findFirstOrThrow({ where: { personId: person.id, status: 'OPEN' } });
  return { person, chat, replies, handoffId: row.id };
}

async function claimed(agent: Staff) {
  const w = await residentWaiting();
  await request(app.app).post(`/api/handoffs/${w.handoffId}/claim`).set(agent.auth).send({ version: 0 }).expect(200);
  return w;
}

beforeAll(async () => {
  app = await createTestApp({}, { start: TUESDAY_10 });
  await seedRegions(prisma());
}, 180_000);
afterAll(async () => {
  await app.close();
});
beforeEach(() => app.clock.set(TUESDAY_10));

describe('the handoff queue reaches a person', () => {
  it('lists the entry with reason, channel, masked person, region and waiting time; the detail has the transcript', async () => {
    const agent = await staff('AGENT');
    const w = await residentWaiting();
    expect(textOf(w.replies)).toBe(desk('handoff.resident.requested'));
    app.clock.advance(90_000);
    const list = await request(app.app).get('/api/handoffs').set(agent.auth).expect(200);
    const item = (list.body.items as Item[]).find((i) => i.id === w.handoffId)!;
    expect(item).toMatchObject({ status: 'OPEN', reason: 'RESIDENT_ASKED', channel: 'web', regionCode: '530102', waitingSeconds: 90, escalated: false });
    expect(item.person?.name).toBe(`${w.person.name[0]}**`.slice(0, w.person.name.length));
    expect(item.person?.idNumber).toBe(`${w.person.idNumber.slice(0, 6)}********${w.person.idNumber.slice(-4)}`);
    const detail = await request(app.app).get(`/api/handoffs/${w.handoffId}`).set(agent.auth).expect(200);
    const transcript = detail.body.transcript as { author: string; text: string }[];
    expect(transcript.filter((m) => m.author === 'resident').map((m) => m.text)).toContain('人工');
    expect(JSON.stringify(transcript)).not.toContain(w.person.idNumber);
    expect(detail.body.cannedReplies).toEqual(Object.values(i18n.t('handoff.canned', { lng: 'zh-CN', returnObjects: true }) as Record<string, string>));
    expect(await prisma().auditEvent.count({ where: { action: 'handoff.view', actorId: agent.id, targetId: w.handoffId } })).toBe(1);
  });

  it('keeps the bot silent: one acknowledgement, messages reach the agent live, no "did not understand"', async () => {
    const agent = await staff('AGENT');
    const server = await listen(app.app);
    const sse = await SseReader.open(`${server.base}/api/handoffs/events`, agent.auth);
    try {
      const w = await residentWaiting();
      await sse.waitFor((e) => (e.data as { type: string; handoffId: string }).type === 'handoff.created' && (e.data as { handoffId: string }).handoffId === w.handoffId);
      expect(textOf(await w.chat.send('你好，有人吗'))).toBe(desk('handoff.resident.ack'));
      expect(await w.chat.send('在吗')).toEqual([]);
      expect(await w.chat.send('2')).toEqual([]);
      const got = await sse.waitFor((e) => JSON.stringify(e.data).includes('在吗'));
      expect(got.data).toMatchObject({ type: 'handoff.message', handoffId: w.handoffId, message: { author: 'resident', text: '在吗' } });
      const all = textOf((await w.chat.transcript()).filter((m) => m.direction === 'out'));
      expect(all).not.toContain(t('common.pleaseChoose'));
    } finally {
      sse.close();
      await server.close();
    }
  });

  it('two agents claiming at once: one wins, the other gets 409', async () => {
    const [a, b] = [await staff('AGENT'), await staff('REVIEWER')];
    const w = await residentWaiting();
    const results = await Promise.all([a, b].map((s) => request(app.app).post(`/api/handoffs/${w.handoffId}/claim`).set(s.auth).send({ version: 0 })));
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    const winner = results[0]!.status === 200 ? a : b;
    const row = await prisma().handoffRequest.findUniqueOrThrow({ where: { id: w.handoffId } });
    expect(row).toMatchObject({ status: 'TAKEN', takenBy: winner.id, version: 1 });
    expect(results.find((r) => r.status === 409)!.body.error.code).toBe('ALREADY_TAKEN');
    await request(app.app).post(`/api/handoffs/${w.handoffId}/claim`).set(a.auth).send({}).expect(428);
  });

  it("the agent's reply goes out through the resident's channel and appears in their chat", async () => {
    const agent = await staff('AGENT');
    const w = await claimed(agent);
    const other = await staff('AGENT');
    await request(app.app).post(`/api/handoffs/${w.handoffId}/messages`).set(other.auth).send({ text: '我来' }).expect(409);
    const r = await request(app.app).post(`/api/handoffs/${w.handoffId}/messages`).set(agent.auth).send({ text: '您好，我是人工客服。' }).expect(201);
    const out = (await w.chat.transcript()).filter((m) => m.direction === 'out').map((m) => m.text);
    expect(out.at(-1)).toBe('您好，我是人工客服。');
    const outbox = await prisma().outboxMessage.findFirstOrThrow({ where: { messageSeq: BigInt(r.body.message.id) } });
    expect(outbox).toMatchObject({ channel: 'web', endpoint: w.chat.sessionId, kind: 'agent' });
    const msg = await prisma().message.findUniqueOrThrow({ where: { seq: BigInt(r.body.message.id) } });
    expect(msg.staffId).toBe(agent.id);
    // The resident answers: the agent gets it, the bot says nothing.
    expect(await w.chat.send('谢谢')).toEqual([]);
  });

  it('a WeChat resident gets the reply through the WeChat outbox', async () => {
    const agent = await staff('AGENT', '530000');
    const endpoint = `oa-${randomBytes(4).toString('hex')}`;
    const m = (text: string) => app.engine.handle({ channel: 'wechat-oa', endpoint, text, messageId: randomBytes(6).toString('hex'), receivedAt: app.clock.now() });
    await m('你好');
    const r = await m('人工');
    expect(r.replies.map((x) => x.text).join('\n')).toBe(desk('handoff.resident.requested'));
    const row = await prisma().handoffRequest.findFirstOrThrow({ where: { channel: 'wechat-oa', conversationId: r.conversationId } });
    expect(row.regionCode).toBe('530000');
    await request(app.app).post(`/api/handoffs/${row.id}/claim`).set(agent.auth).send({ version: 0 }).expect(200);
    const sent = await request(app.app).post(`/api/handoffs/${row.id}/messages`).set(agent.auth).send({ text: 'Hello from the desk' }).expect(201);
    const outbox = await prisma().outboxMessage.findFirstOrThrow({ where: { messageSeq: BigInt(sent.body.message.id) } });
    expect(outbox).toMatchObject({ channel: 'wechat-oa', endpoint, kind: 'agent' });
  });

  it('closing hands back to the bot, which greets from the menu; the next answer is the bot’s again', async () => {
    const agent = await staff('AGENT');
    const w = await claimed(agent);
    await w.chat.send('我的名字错了');
    const r = await request(app.app).post(`/api/handoffs/${w.handoffId}/close`).set(agent.auth).send({ outcome: 'ANSWERED' }).expect(200);
    expect(r.body.replies[0].text).toBe(t('handoff.resident.closed'));
    expect(r.body.replies.at(-1).options.map((o: { value: string }) => o.value)).toContain('status');
    const row = await prisma().handoffRequest.findUniqueOrThrow({ where: { id: w.handoffId } });
    expect(row).toMatchObject({ status: 'CLOSED', outcome: 'ANSWERED', closedBy: agent.id });
    const out = (await w.chat.transcript()).filter((m) => m.direction === 'out');
    expect(out.at(-1)!.options?.length).toBeGreaterThan(0);
    const next = await w.chat.send(numberOf(r.body.replies, 'status'));
    expect(textOf(next)).not.toBe('');
    expect(textOf(next)).not.toContain(t('handoff.resident.ack'));
    await request(app.app).post(`/api/handoffs/${w.handoffId}/messages`).set(agent.auth).send({ text: '还在吗' }).expect(409);
  });

  it('start {task} sends the resident into a correction in their chat and closes the handoff', async () => {
    const agent = await staff('AGENT');
    const w = await claimed(agent);
    const r = await request(app.app).post(`/api/handoffs/${w.handoffId}/start`).set(agent.auth).send({ task: 'correction' }).expect(200);
    expect(r.body.replies).toHaveLength(1);
    expect(r.body.replies[0].options.map((o: { value: string }) => o.value)).toContain('name');
    const row = await prisma().handoffRequest.findUniqueOrThrow({ where: { id: w.handoffId } });
    expect(row).toMatchObject({ status: 'CLOSED', outcome: 'SENT_TO_TASK' });
    const next = await w.chat.send(numberOf(r.body.replies, 'name'));
    expect(textOf(next)).not.toBe(t('handoff.resident.ack'));
    expect(next.length).toBeGreaterThan(0);
  });

  it('start is refused (409 NOT_VERIFIED) for a resident who has not verified; the handoff stays with the agent', async () => {
    const agent = await staff('AGENT', '530000');
    const chat = await ChatClient.start(app.app);
    await chat.send('人工');
    const conv = await prisma().conversation.findFirstOrThrow({ where: { channel: 'web', endpoint: chat.sessionId } });
    const row = await prisma().handoffRequest.findFirstOrThrow({ where: { conversationId: conv.id } });
    expect(row).toMatchObject({ regionCode: '530000', personId: null });
    await request(app.app).post(`/api/handoffs/${row.id}/claim`).set(agent.auth).send({ version: 0 }).expect(200);
    const r = await request(app.app).post(`/api/handoffs/${row.id}/start`).set(agent.auth).send({ task: 'employment' }).expect(409);
    expect(r.body.error.code).toBe('NOT_VERIFIED');
    expect((await prisma().handoffRequest.findUniqueOrThrow({ where: { id: row.id } })).status).toBe('TAKEN');
  });

  it('菜单 withdraws the request (the agent sees it); 退订 opts out and stays silent otherwise', async () => {
    const w = await residentWaiting();
    const menu = await w.chat.send('菜单');
    expect(menu[0]!.text).toBe(t('handoff.resident.withdrawn'));
    expect(menu.at(-1)!.options?.map((o) => o.value)).toContain('status');
    expect(await prisma().handoffRequest.findUniqueOrThrow({ where: { id: w.handoffId } })).toMatchObject({ status: 'CLOSED', outcome: 'WITHDRAWN' });
    const w2 = await residentWaiting();
    const stop = await w2.chat.send('退订');
    expect(textOf(stop)).toBe(t('common.optedOut'));
    expect((await prisma().person.findUniqueOrThrow({ where: { id: w2.person.id } })).remindersOptOut).toBe(true);
    expect((await prisma().handoffRequest.findUniqueOrThrow({ where: { id: w2.handoffId } })).status).toBe('OPEN');
    const agent = await staff('AGENT');
    const detail = await request(app.app).get(`/api/handoffs/${w2.handoffId}`).set(agent.auth).expect(200);
    expect(detail.body.transcript.at(-2)).toMatchObject({ author: 'resident', text: '退订' });
  });

  it('reasons: three failed answers and then 人工; a locked verification and then 人工', async () => {
    const chat = await ChatClient.start(app.app);
    await chat.send('1');
    for (const x of ['abc', 'def', 'ghi']) await chat.send(x);
    await chat.send('人工');
    const conv = await prisma().conversation.findFirstOrThrow({ where: { endpoint: chat.sessionId } });
    expect((await prisma().handoffRequest.findFirstOrThrow({ where: { conversationId: conv.id } })).reason).toBe('REPEATED_FAILURES');

    const person = await createPerson(prisma());
    const locked = await ChatClient.start(app.app);
    await locked.send('1');
    for (let i = 0; i < app.config.VERIFY_MAX_FAILURES; i++) {
      await locked.send(person.idNumber);
      await locked.send(person.name);
      await locked.send('0000');
    }
    await locked.send('人工');
    const conv2 = await prisma().conversation.findFirstOrThrow({ where: { endpoint: locked.sessionId } });
    expect((await prisma().handoffRequest.findFirstOrThrow({ where: { conversationId: conv2.id } })).reason).toBe('VERIFICATION_LOCKED');
  });

  it('region scope: an agent of 532300 never sees a Kunming handoff (404 like a missing one, audited)', async () => {
    const chuxiong = await staff('AGENT', '532300');
    const w = await residentWaiting();
    const list = await request(app.app).get('/api/handoffs').set(chuxiong.auth).expect(200);
    expect((list.body.items as Item[]).map((i) => i.id)).not.toContain(w.handoffId);
    const missing = await request(app.app).get('/api/handoffs/00000000-0000-4000-8000-000000000000').set(chuxiong.auth).expect(404);
    const hidden = await request(app.app).get(`/api/handoffs/${w.handoffId}`).set(chuxiong.auth).expect(404);
    expect(hidden.body.error).toMatchObject({ code: missing.body.error.code, message: missing.body.error.message });
    await request(app.app).post(`/api/handoffs/${w.handoffId}/claim`).set(chuxiong.auth).send({ version: 0 }).expect(404);
    const denied = await prisma().auditEvent.findMany({ where: { actorId: chuxiong.id, targetId: w.handoffId, outcome: 'DENIED' } });
    expect(denied.map((d) => d.action).sort()).toEqual(['handoff.claim', 'handoff.view']);
    expect((await prisma().handoffRequest.findUniqueOrThrow({ where: { id: w.handoffId } })).status).toBe('OPEN');
  });

  it('roles: a community worker may not work the queue (403)', async () => {
    const worker = await staff('COMMUNITY_WORKER');
    await request(app.app).get('/api/handoffs').set(worker.auth).expect(403);
    await request(app.app).get('/api/handoffs').expect(401);
  });

  it('is in the OpenAPI document', async () => {
    const doc = await request(app.app).get('/api/openapi.json').expect(200);
    for (const p of ['/api/handoffs', '/api/handoffs/{id}', '/api/handoffs/{id}/claim', '/api/handoffs/{id}/messages', '/api/handoffs/{id}/start', '/api/handoffs/{id}/close']) {
      expect(Object.keys(doc.body.paths)).toContain(p);
    }
  });
});

describe('withdrawing the request (取消, 算了, 不用了, cancel, 菜单): confirmed to the resident, closed for the agents', () => {
  const LUNCH = '2026-12-01T05:00:00.000Z'; // Tuesday 13:00 China time: out of hours until 14:30
  const when = (lng: 'zh-CN' | 'en') => ({ month: 12, day: 1, weekday: t('handoff.weekday.2', lng), time: '14:30' });

  it.each([
    ['取消', 'zh-CN'],
    ['算了', 'zh-CN'],
    ['不用了', 'zh-CN'],
    ['不要人工了', 'zh-CN'],
    ['取消了吧。', 'zh-CN'],
    ['菜单', 'zh-CN'],
    ['cancel', 'en'],
    ['No thanks', 'en'],
    ['menu', 'en'],
  ] as const)('"%s" (%s) out of hours: "cancelled", then the menu; the request leaves the queue as WITHDRAWN', async (word, lng) => {
    app.clock.set(LUNCH);
    const agent = await staff('AGENT');
    const w = await residentWaiting({ locale: lng });
    expect(textOf(w.replies)).toBe(desk('handoff.resident.outOfHours', lng, when(lng)));
    expect(textOf(await w.chat.send(lng === 'en' ? 'hello?' : '有人吗'))).toBe(desk('handoff.resident.ackOutOfHours', lng, when(lng)));

    const replies = await w.chat.send(word);
    expect(replies[0]!.text).toBe(t('handoff.resident.withdrawn', lng));
    expect(replies.at(-1)!.text).toBe(`${t('menu.awaitingChoice.prompt', lng)}\n${t('common.hint.number', lng)}`);
    expect(replies.at(-1)!.options?.map((o) => o.value)).toContain('status');
    expect(await prisma().handoffRequest.findUniqueOrThrow({ where: { id: w.handoffId } })).toMatchObject({ status: 'CLOSED', outcome: 'WITHDRAWN', closedBy: null });
    expect((await prisma().conversation.findFirstOrThrow({ where: { channel: 'web', endpoint: w.chat.sessionId } })).handoff).toBe('NONE');
    expect(await prisma().auditEvent.count({ where: { action: 'handoff.close', targetId: w.handoffId, actorType: 'RESIDENT', actorId: w.person.id } })).toBe(1);

    const queue = await request(app.app).get('/api/handoffs').set(agent.auth).expect(200);
    expect((queue.body.items as Item[]).map((i) => i.id)).not.toContain(w.handoffId);
    const closed = await request(app.app).get('/api/handoffs?status=CLOSED').set(agent.auth).expect(200);
    expect((closed.body.items as (Item & { outcome: string })[]).find((i) => i.id === w.handoffId)).toMatchObject({ status: 'CLOSED', outcome: 'WITHDRAWN' });
    const claim = await request(app.app).post(`/api/handoffs/${w.handoffId}/claim`).set(agent.auth).send({ version: 0 }).expect(409);
    expect(claim.body.error.code).toBe('CLOSED');
    // The bot answers again.
    const next = await w.chat.send(numberOf(replies, 'status'));
    expect(next.length).toBeGreaterThan(0);
    expect(textOf(next)).not.toContain(t('handoff.resident.ack', lng));
  });

  it('withdrawn while an agent has it: the agent hears it live, cannot answer, and the console shows it withdrawn', async () => {
    const agent = await staff('AGENT');
    const server = await listen(app.app);
    const sse = await SseReader.open(`${server.base}/api/handoffs/events`, agent.auth);
    try {
      const w = await claimed(agent);
      const replies = await w.chat.send('不用了');
      expect(replies[0]!.text).toBe('已取消人工服务。您可以继续自助办理。');
      const signal = await sse.waitFor((e) => (e.data as { type: string; handoffId: string }).type === 'handoff.updated' && (e.data as { handoffId: string }).handoffId === w.handoffId && (e.data as { status?: string }).status === 'CLOSED');
      expect(signal.data).toMatchObject({ status: 'CLOSED', outcome: 'WITHDRAWN' });
      expect(await prisma().handoffRequest.findUniqueOrThrow({ where: { id: w.handoffId } })).toMatchObject({ status: 'CLOSED', outcome: 'WITHDRAWN', takenBy: agent.id });
      const answer = await request(app.app).post(`/api/handoffs/${w.handoffId}/messages`).set(agent.auth).send({ text: '您好' }).expect(409);
      expect(answer.body.error.code).toBe('CLOSED');

      const cookie = `cb_console=${agent.auth.Authorization.slice('Bearer '.length)}`;
      const page = (url: string) => request(app.app).get(url).set('Cookie', cookie).expect(200);
      const zh = await page(`/console/handoffs/${w.handoffId}?lang=zh-CN`);
      expect(zh.text).toContain(t('handoff.console.withdrawnNotice'));
      expect(zh.text).toContain('已结束 · ');
      expect(zh.text).toContain('居民已取消');
      expect(zh.text).not.toContain('id="reply-form"');
      const en = await page(`/console/handoffs/${w.handoffId}?lang=en`);
      expect(en.text).toContain('The resident withdrew this request: no reply is needed.');
      expect(en.text).toContain('Withdrawn by the resident');
      const rows = await page('/console/handoffs?status=CLOSED&lang=en');
      expect(rows.text).toMatch(new RegExp(`data-id="${w.handoffId}"[\\s\\S]*?Closed · ${agent.username} · Withdrawn by the resident`));
      expect((await page('/console/handoffs?lang=en')).text).not.toContain(`data-id="${w.handoffId}"`);
    } finally {
      sse.close();
      await server.close();
    }
  });
});

describe('service hours under a fixed clock', () => {
  it('at lunch time (13:00 China time) the resident is told 14:30 today and 12333; the entry waits', async () => {
    app.clock.set('2026-12-01T05:00:00.000Z');
    const w = await residentWaiting();
    const text = textOf(w.replies);
    expect(text).toBe(desk('handoff.resident.outOfHours', 'zh-CN', { month: 12, day: 1, weekday: t('handoff.weekday.2'), time: '14:30' }));
    expect(text.endsWith('回复“取消”可以不等人工，继续自助办理。')).toBe(true);
    expect(text).toContain('14:30');
    expect(text).toContain('12333');
    expect((await prisma().handoffRequest.findUniqueOrThrow({ where: { id: w.handoffId } })).status).toBe('OPEN');
    expect(textOf(await w.chat.send('有人吗'))).toContain('12333');
  });

  it('on a Saturday evening the answer names Monday 08:30', async () => {
    app.clock.set('2026-12-05T12:00:00.000Z');
    const w = await residentWaiting();
    expect(textOf(w.replies)).toContain(`12月7日（${t('handoff.weekday.1')}）08:30`);
  });

  it('escalation counts service time only: flagged after 10 minutes of open hours', async () => {
    const agent = await staff('ADMIN', '530000');
    app.clock.set('2026-12-01T03:55:00.000Z'); // 11:55, 5 minutes before the lunch break
    const w = await residentWaiting();
    app.clock.set('2026-12-01T06:33:00.000Z'); // 14:33: 5 + 3 service minutes
    let item = ((await request(app.app).get('/api/handoffs').set(agent.auth)).body.items as Item[]).find((i) => i.id === w.handoffId)!;
    expect(item.escalated).toBe(false);
    app.clock.set('2026-12-01T06:36:00.000Z'); // 14:36: 11 service minutes
    const list = await request(app.app).get('/api/handoffs').set(agent.auth).expect(200);
    item = (list.body.items as Item[]).find((i) => i.id === w.handoffId)!;
    expect(item.escalated).toBe(true);
    expect(list.body.escalatedCount).toBeGreaterThanOrEqual(1);
  });
});

describe('configuration', () => {
  it('HANDOFF_HOURS=always and HOLIDAYS', async () => {
    const always = await createTestApp({ HANDOFF_HOURS: 'always' }, { start: '2026-12-05T15:00:00.000Z' });
    const holiday = await createTestApp({ HOLIDAYS: '2026-12-01' }, { start: TUESDAY_10 });
    try {
      for (const [a, key] of [[always, 'handoff.resident.requested'], [holiday, 'handoff.resident.outOfHours']] as const) {
        const chat = await ChatClient.start(a.app);
        const r = await chat.send('人工');
        expect(textOf(r).startsWith(t(key, 'zh-CN', { month: 12, day: 2, weekday: t('handoff.weekday.3'), time: '08:30' }))).toBe(true);
      }
    } finally {
      await always.close();
      await holiday.close();
    }
  }, 180_000);
});
