import request from 'supertest';
import { campaignRenderer } from '../../src/app/campaigns';
import { staffRouters } from '../../src/app/staff-routers';
import { CampaignDispatcher } from '../../src/domain/campaigns/campaign-dispatcher';
import { TEMPLATE_NAMES } from '../../src/domain/campaigns/campaign.service';
import { openDatabase } from '../../src/db/open-database';
import { seedRegions } from '../../src/domain/registry/region.service';
import type { PrismaClient } from '../../src/generated/prisma/client';
import { createI18n } from '../../src/lib/i18n';
import { numberOf, type ChatReply } from '../helpers/chat-fixtures';
import { addPerson, api, bindWechat, newTownship, staffToken } from '../helpers/community-fixtures';
import { createTestApp, type TestApp } from '../helpers/test-app';

/** Campaigns: templates, channel choice, quiet hours, rate, caps, crash and restart, opt-out everywhere, the funnel. */
let app: TestApp;
const sms: { phone: string; template: string; text: string }[] = [];
const SMS_TOKEN = 'gateway-secret-0123456789';

beforeAll(async () => {
  app = await createTestApp(
    { STAFF_TOKEN_TTL_HOURS: '168', CAMPAIGN_SMS_PER_MINUTE: '1000', CAMPAIGN_BATCH: '50', SMS_HTTP_TOKEN: SMS_TOKEN, CAMPAIGN_LINK_BASE: 'https://rs.example.cn' },
    {
      extraRouters: staffRouters(),
      smsPost: async (b) => {
        sms.push(b);
        return { status: 200, body: 'ok' };
      },
    },
  );
  await seedRegions(app.db.prisma);
}, 120_000);
afterAll(async () => {
  await app?.close();
});
const prisma = () => app.db.prisma;
const DAY = 86_400_000;

async function newCampaign(auth: Record<string, string>, body: object): Promise<string> {
  const r = await api(app.app, auth).post('/api/campaigns', { name: 'test', message: 'reminder.confirm', channels: ['wechat', 'sms'], ...body });
  expect(r.status).toBe(201);
  return (r.body as { id: string }).id;
}
const start = (auth: Record<string, string>, id: string) => api(app.app, auth).post(`/api/campaigns/${id}/start`);
const outboxOf = (personIds: string[]) =>
  prisma().$queryRaw<{ person_id: string; n: bigint }[]>`
    SELECT r.person_id::text, count(o.id) AS n FROM campaign_recipient r LEFT JOIN outbox_message o ON o.id = r.outbox_id
    WHERE r.person_id = ANY(${personIds}::uuid[]) GROUP BY r.person_id`;

/** A running SMS campaign over `n` new persons of a fresh township in 530103. */
async function smsCampaign(n: number) {
  const town = newTownship('530103');
  app.clock.set('2026-12-01T03:00:00Z');
  const { auth } = await staffToken(prisma(), app.clock, app.config, '530103');
  const people = [];
  for (let i = 0; i < n; i++) people.push(await addPerson(prisma(), { region: town }));
  const id = await newCampaign(auth, { filter: { region: town }, channels: ['sms'], quietHours: null });
  await start(auth, id);
  return { auth, people, id };
}

/** A dispatcher whose second batch fails after its claim (a crash inside the batch's transaction). */
function failingOnBatch2() {
  let calls = 0;
  return dispatcher(prisma(), {
    faultAfterClaim: () => {
      calls += 1;
      if (calls === 2) throw new Error('killed');
    },
  });
}

function dispatcher(db: PrismaClient, extra: Partial<ConstructorParameters<typeof CampaignDispatcher>[0]> = {}) {
  return new CampaignDispatcher({
    prisma: db,
    clock: app.clock,
    logger: app.logger,
    render: campaignRenderer(app.i18n),
    linkBase: 'https://rs.example.cn',
    linkDays: 14,
    batchSize: 7,
    rates: null,
    ...extra,
  });
}

describe('templates', () => {
  it('lists the five templates; each fits one SMS (70 characters) with a real link, in Chinese', async () => {
    const { auth } = await staffToken(prisma(), app.clock, app.config, '530102');
    const r = await api(app.app, auth).get('/api/campaigns/templates');
    const names = (r.body as { templates: { name: string }[] }).templates.map((t) => t.name);
    expect(names).toEqual(['reminder.unregistered', 'reminder.confirm', 'reminder.missingPhone', 'reminder.missingCover', 'reminder.employment']);
    const render = campaignRenderer(createI18n());
    const link = `https://rs.example.cn/chat?c=${'A'.repeat(16)}`;
    for (const t of TEMPLATE_NAMES) {
      const zh = render('zh-CN', t, { name: '欧阳*', township: '华山街道', missing: ['170', '390'], link });
      expect([...zh].length).toBeLessThanOrEqual(70);
      expect(zh).toContain(link);
      expect(zh).toContain('TD');
      const en = render('en', t, { name: 'L*', township: 'Huashan', missing: ['390'], link });
      expect(en).toContain(link);
      expect(en).toContain('STOP');
    }
  });
});

describe('dispatch', () => {
  it('chooses the channel per person, keeps quiet hours and the rate, sends each person once, and counts the funnel', async () => {
    const town = newTownship('530102');
    // 22:00 China time: quiet.
    app.clock.set('2026-11-30T14:00:00Z');
    const { auth } = await staffToken(prisma(), app.clock, app.config, '530102');
    const wechaty = await addPerson(prisma(), { region: town });
    const oaRecent = await addPerson(prisma(), { region: town });
    const oaOld = await addPerson(prisma(), { region: town });
    const smsOnly = await addPerson(prisma(), { region: town });
    const nobody = await addPerson(prisma(), { region: town, phone: null });
    await bindWechat(prisma(), wechaty.id, 'wechaty');
    await bindWechat(prisma(), oaRecent.id, 'wechat-oa', new Date(app.clock.now().getTime() - 3600_000));
    await bindWechat(prisma(), oaOld.id, 'wechat-oa', new Date(app.clock.now().getTime() - 3 * DAY));

    const id = await newCampaign(auth, { filter: { region: town } });
    expect((await start(auth, id)).body).toEqual({ status: 'RUNNING' });
    const d = dispatcher(prisma(), { rates: { smsPerMinute: 1, wechatPerMinute: 1000 } });
    const quiet = await d.runOnce();
    expect(quiet).toEqual({ materialised: 5, sent: 0, skipped: 0 });
    // 08:00 China time: sending; SMS paced at 1 a minute.
    app.clock.set('2026-12-01T00:00:00Z');
    const first = await d.runOnce();
    expect(first).toMatchObject({ sent: 3, skipped: 1 });
    const rows = await prisma().campaignRecipient.findMany({ where: { campaignId: id } });
    const byPerson = new Map(rows.map((r) => [r.personId, r]));
    expect(byPerson.get(wechaty.id)).toMatchObject({ status: 'SENT', channel: 'wechaty' });
    expect(byPerson.get(oaRecent.id)).toMatchObject({ status: 'SENT', channel: 'wechat-oa' });
    expect(byPerson.get(nobody.id)).toMatchObject({ status: 'SKIPPED', skipReason: 'NO_CHANNEL' });
    // oaOld (outside the 48 h window, no template configured) and smsOnly both need SMS: one now, one next minute.
    expect([byPerson.get(oaOld.id)?.status, byPerson.get(smsOnly.id)?.status].sort()).toEqual(['QUEUED', 'SENT']);
    expect((await d.runOnce()).sent).toBe(0);
    app.clock.advance(61_000);
    expect((await d.runOnce()).sent).toBe(1);
    expect((await d.runOnce()).sent).toBe(0);

    // Each person exactly one outbox row; the SMS go out through the gateway as {phone, template, text}.
    const counts = await outboxOf([wechaty.id, oaRecent.id, oaOld.id, smsOnly.id]);
    expect(counts.map((c) => Number(c.n))).toEqual([1, 1, 1, 1]);
    sms.length = 0;
    await app.campaigns.smsOutbox.kick();
    const phones = sms.map((s) => s.phone).sort();
    expect(phones).toEqual([oaOld.phone, smsOnly.phone].sort());
    expect(sms[0]).toMatchObject({ template: 'campaign' });
    expect(sms[0]!.text).toMatch(/^.\*+请点链接核对确认参保信息https:\/\/rs\.example\.cn\/chat\?c=[\w-]{16} 回TD退订$/);
    const audit = await prisma().auditEvent.count({ where: { action: 'campaign.send', targetId: { in: [wechaty.id, oaRecent.id, oaOld.id, smsOnly.id] } } });
    expect(audit).toBe(4);

    const view = await api(app.app, auth).get(`/api/campaigns/${id}`);
    expect(view.body).toMatchObject({ status: 'FINISHED', counts: { recipients: 5, sent: 4, skipped: 1, queued: 0, opened: 0 }, skippedBy: { NO_CHANNEL: 1 } });
    expect((view.body as { byTownship: { township: string; sent: number }[] }).byTownship).toEqual([expect.objectContaining({ township: town, sent: 4 })]);
  });

  it('a dispatcher that dies mid-batch and is restarted sends to each person exactly once', async () => {
    const { auth, people, id } = await smsCampaign(20);
    await expect(failingOnBatch2().runOnce()).rejects.toThrow('killed');
    const afterCrash = await prisma().campaignRecipient.groupBy({ by: ['status'], where: { campaignId: id }, _count: { _all: true } });
    expect(Object.fromEntries(afterCrash.map((g) => [g.status, g._count._all]))).toEqual({ SENT: 7, QUEUED: 7 });
    // The dead batch rolled back: its recipients are still queued and the next dispatcher sends them and the rest.
    const restarted = dispatcher(prisma());
    expect((await restarted.runOnce()).sent).toBe(13);
    const counts = await outboxOf(people.map((p) => p.id));
    expect(counts).toHaveLength(20);
    expect(counts.every((c) => Number(c.n) === 1)).toBe(true);
    expect((await api(app.app, auth).get(`/api/campaigns/${id}`)).body).toMatchObject({ status: 'FINISHED', counts: { sent: 20 } });
  });

  it('the same dispatcher, after a batch that failed, goes back for that batch and the rest', async () => {
    const { people } = await smsCampaign(16);
    const d = failingOnBatch2();
    await expect(d.runOnce()).rejects.toThrow('killed');
    expect((await d.runOnce()).sent).toBe(9);
    const counts = await outboxOf(people.map((p) => p.id));
    expect(counts).toHaveLength(16);
    expect(counts.every((c) => Number(c.n) === 1)).toBe(true);
  });

  it('two dispatchers sharing one campaign send no one twice', async () => {
    const town = newTownship('530111');
    const { auth } = await staffToken(prisma(), app.clock, app.config, '530111');
    const people = [];
    for (let i = 0; i < 60; i++) people.push(await addPerson(prisma(), { region: town }));
    const id = await newCampaign(auth, { filter: { region: town }, channels: ['sms'], quietHours: null });
    await start(auth, id);
    // On PostgreSQL the second dispatcher has its own connection pool (another process, as far as the server knows).
    const target = app.db.target;
    const second = target.kind === 'postgres' ? await openDatabase(target, { poolSize: 3 }) : null;
    try {
      await Promise.all([dispatcher(prisma(), { batchSize: 5 }).runOnce(), dispatcher(second?.prisma ?? prisma(), { batchSize: 5 }).runOnce()]);
    } finally {
      await second?.close();
    }
    const counts = await outboxOf(people.map((p) => p.id));
    expect(counts).toHaveLength(60);
    expect(counts.every((c) => Number(c.n) === 1)).toBe(true);
    expect(await prisma().outboxMessage.count({ where: { kind: 'campaign', endpoint: { in: people.map((p) => p.phone!) } } })).toBe(60);
  });

  it('opt-out from every route: chat 退订 (and 订阅 back), SMS reply TD, staff do-not-contact, re-checked at send time', async () => {
    const town = newTownship('530112');
    const { auth } = await staffToken(prisma(), app.clock, app.config, '530112');
    const byChat = await addPerson(prisma(), { region: town });
    const backIn = await addPerson(prisma(), { region: town });
    const bySms = await addPerson(prisma(), { region: town });
    const byStaff = await addPerson(prisma(), { region: town });
    const byOa = await addPerson(prisma(), { region: town, phone: null });
    const keep = await addPerson(prisma(), { region: town });
    const chatOf = async (personId: string, channel = 'wechaty') => {
      const conv = await bindWechat(prisma(), personId, channel);
      return (text: string) => app.engine.handle({ channel, endpoint: conv.endpoint, text, receivedAt: app.clock.now() });
    };
    const id = await newCampaign(auth, { filter: { region: town }, quietHours: null });
    await start(auth, id);
    await dispatcher(prisma()).materialiseBatch({ id, filter: { region: town }, template: 'reminder.confirm', channels: ['wechat', 'sms'], quiet: null, materialised: false });

    // After the recipients were listed, each opts out by another route.
    const say1 = await chatOf(byChat.id);
    const stop = await say1('退订');
    expect(stop.replies[0]!.text).toContain('');
    const say2 = await chatOf(backIn.id);
    await say2('TD');
    const back = await say2('订阅');
    expect(back.replies.map((r) => r.text).join('\n')).toContain('已重新开启参保提醒');
    const sayOa = await chatOf(byOa.id, 'wechat-oa');
    await sayOa('STOP');
    const reply = await request(app.app).post('/api/sms/inbound').set('Authorization', `Bearer ${SMS_TOKEN}`).send({ phone: bySms.phone, text: ' td ' });
    expect(reply.body).toEqual({ command: 'stop', persons: 1 });
    await request(app.app).post('/api/sms/inbound').set('Authorization', 'Bearer wrong-token-0000000000').send({ phone: bySms.phone, text: 'TD' }).expect(401);
    await api(app.app, auth).post('/api/do-not-contact', { idNumber: byStaff.idNumber, doNotContact: true, reason: '家属要求' }).expect(204);
    const outsider = await staffToken(prisma(), app.clock, app.config, '530300');
    await api(app.app, outsider.auth).post('/api/do-not-contact', { idNumber: keep.idNumber, doNotContact: true }).expect(404);

    await dispatcher(prisma()).runOnce();
    const rows = await prisma().campaignRecipient.findMany({ where: { campaignId: id } });
    const status = Object.fromEntries(rows.map((r) => [r.personId, `${r.status}${r.skipReason ? `:${r.skipReason}` : ''}`]));
    expect(status).toEqual({
      [byChat.id]: 'SKIPPED:OPTED_OUT',
      [backIn.id]: 'SENT',
      [bySms.id]: 'SKIPPED:OPTED_OUT',
      [byStaff.id]: 'SKIPPED:DO_NOT_CONTACT',
      [byOa.id]: 'SKIPPED:OPTED_OUT',
      [keep.id]: 'SENT',
    });
    // A new segment leaves the opted-out out from the start.
    const preview = await api(app.app, auth).post('/api/segments/preview', { filter: { region: town } });
    expect((preview.body as { count: number }).count).toBe(2);
  });

  it('the funnel after scripted replies: link opened, verified, straight to the task, confirmed or corrected (both languages)', async () => {
    const town = newTownship('530113');
    const { auth } = await staffToken(prisma(), app.clock, app.config, '530113');
    const confirmer = await addPerson(prisma(), { region: town, name: '杨一' });
    const corrector = await addPerson(prisma(), { region: town, name: '杨二' });
    const opener = await addPerson(prisma(), { region: town, name: '杨三' });
    await addPerson(prisma(), { region: town, name: '杨四' });
    const id = await newCampaign(auth, { filter: { region: town }, channels: ['sms'], quietHours: null });
    await start(auth, id);
    sms.length = 0;
    await dispatcher(prisma()).runOnce();
    await app.campaigns.smsOutbox.kick();
    const tokenOf = (phone: string | null) => /c=([\w-]{16})/.exec(sms.find((s) => s.phone === phone)!.text)![1]!;

    const chat = async (token: string) => {
      const s = await request(app.app).post('/api/chat/sessions').send({ campaignToken: token }).expect(201);
      const sessionId = (s.body as { sessionId: string }).sessionId;
      return async (text: string) => ((await request(app.app).post(`/api/chat/sessions/${sessionId}/messages`).send({ text }).expect(200)).body as { replies: ChatReply[] }).replies;
    };
    const c1 = await chat(tokenOf(confirmer.phone));
    await c1('1');
    await c1(confirmer.idNumber);
    await c1(confirmer.name);
    const task = await c1(confirmer.phone!.slice(-4));
    // Straight to the campaign's task (confirming the details), not the menu.
    expect(task.map((r) => r.options?.map((o) => o.value) ?? []).flat()).toEqual(expect.arrayContaining(['correct', 'wrong']));
    await c1(numberOf(task, 'correct'));
    expect((await prisma().person.findUniqueOrThrow({ where: { id: confirmer.id } })).registrationStatus).toBe('CONFIRMED');

    const c2 = await chat(tokenOf(corrector.phone));
    await c2('English');
    await c2('1');
    await c2(corrector.idNumber);
    await c2(corrector.name);
    const t2 = await c2(corrector.phone!.slice(-4));
    expect(t2.map((r) => r.text).join('\n')).toMatch(/[A-Za-z]/);
    const fields = await c2(numberOf(t2, 'wrong'));
    const value = await c2(numberOf(fields, 'phone'));
    expect(value.length).toBeGreaterThan(0);
    await c2('13700002222');
    const check = await c2('13700002222');
    await c2(numberOf(check, 'submit'));
    expect((await prisma().person.findUniqueOrThrow({ where: { id: corrector.id } })).phone).toBe('13700002222');

    await chat(tokenOf(opener.phone));
    // An unknown token is ignored: the chat works as usual.
    await request(app.app).post('/api/chat/sessions').send({ campaignToken: 'x'.repeat(16) }).expect(201);
    await request(app.app).post('/api/chat/sessions').send({ campaignToken: 'short' }).expect(400);

    const view = (await api(app.app, auth).get(`/api/campaigns/${id}`)).body as { counts: Record<string, number>; byTownship: Record<string, unknown>[] };
    expect(view.counts).toMatchObject({ recipients: 4, sent: 4, opened: 3, verified: 2, confirmed: 1, corrected: 1 });
    expect(view.byTownship[0]).toMatchObject({ township: town, opened: 3, verified: 2, confirmed: 1, corrected: 1 });
    // Token is single-person: stored only as a hash.
    const stored = await prisma().campaignRecipient.findFirstOrThrow({ where: { campaignId: id, personId: confirmer.id } });
    expect(stored.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(stored)).not.toContain(tokenOf(confirmer.phone));
  });

  it('states: start, pause, resume, cancel; wrong transitions are 409; another region is 404', async () => {
    const town = newTownship('530114');
    const { auth } = await staffToken(prisma(), app.clock, app.config, '530114');
    await addPerson(prisma(), { region: town });
    const later = new Date(app.clock.now().getTime() + DAY).toISOString();
    const id = await newCampaign(auth, { filter: { region: town }, startAt: later });
    const post = (action: string) => api(app.app, auth).post(`/api/campaigns/${id}/${action}`);
    expect((await post('resume')).status).toBe(409);
    expect((await post('start')).body).toEqual({ status: 'SCHEDULED' });
    expect((await post('pause')).body).toEqual({ status: 'PAUSED' });
    expect((await post('resume')).body).toEqual({ status: 'SCHEDULED' });
    await dispatcher(prisma()).runOnce();
    expect((await prisma().campaign.findUniqueOrThrow({ where: { id } })).status).toBe('SCHEDULED');
    app.clock.advance(DAY + 1000);
    await dispatcher(prisma()).runOnce();
    expect((await prisma().campaign.findUniqueOrThrow({ where: { id } })).status).toBe('FINISHED');
    const id2 = await newCampaign(auth, { filter: { region: town } });
    expect((await api(app.app, auth).post(`/api/campaigns/${id2}/cancel`)).body).toEqual({ status: 'FINISHED' });
    expect((await api(app.app, auth).post(`/api/campaigns/${id2}/start`)).status).toBe(409);
    const other = await staffToken(prisma(), app.clock, app.config, '530300');
    expect((await api(app.app, other.auth).get(`/api/campaigns/${id}`)).status).toBe(404);
    expect((await api(app.app, other.auth).post(`/api/campaigns/${id}/pause`)).status).toBe(404);
    expect((await api(app.app, other.auth).post('/api/campaigns', { name: 'x', message: 'reminder.confirm', filter: { region: town } })).status).toBe(404);
    expect((await api(app.app, auth).post('/api/campaigns', { name: 'x', message: 'reminder.nope', filter: { region: town } })).status).toBe(400);
  });
});
