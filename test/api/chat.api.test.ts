import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { PRIVACY_NOTICE_VERSION } from '../../flows/resident';
import { PermanentSendError, type ChannelSender, type OutboundMessage } from '../../src/conversation/messages';
import { hashIdNumber } from '../../src/domain/verification/verification.service';
import { seedRegions } from '../../src/domain/registry/region.service';
import { ChatClient, createPerson, newIdNumber, randomMessageId, textOf, type ChatReply } from '../helpers/chat-fixtures';
import { listen, SseReader } from '../helpers/sse-reader';
import { createTestApp, type TestApp } from '../helpers/test-app';

/** The web chat API, asserted through its outcomes in the database (one database for the whole file). */
let app: TestApp;

beforeAll(async () => {
  app = await createTestApp();
  await seedRegions(app.db.prisma);
});
afterAll(async () => {
  await app?.close();
});

const prisma = () => app.db.prisma;
const conversationOf = (c: ChatClient) =>
  prisma().conversation.findUniqueOrThrow({ where: { channel_endpoint: { channel: 'web', endpoint: c.sessionId } } });
const MENU_VALUES = expect.arrayContaining(['status', 'confirm', 'human']) as unknown as string[];
const lastOptions = (replies: ChatReply[]) => replies.at(-1)?.options?.map((o) => o.value);

describe('sessions and request validation', () => {
  it('issues distinct unguessable 32-character session ids and greets with the privacy notice', async () => {
    const sessions = await Promise.all(Array.from({ length: 12 }, () => ChatClient.start(app.app)));
    const ids = sessions.map((s) => s.sessionId);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(new Set(ids).size).toBe(ids.length);
    // 32 base64url characters carry 192 random bits: no two ids share a long common prefix.
    const prefixes = new Set(ids.map((id) => id.slice(0, 6)));
    expect(prefixes.size).toBe(ids.length);

    const first = sessions[0]!;
    expect(first.greeting).toHaveLength(1);
    expect(first.greeting[0]!.text).toContain('全民参保登记');
    expect(lastOptions(first.greeting)).toEqual(['agree', 'language']);
  });

  it('offers only the other language on the notice: English in Chinese, 中文 in English, by number or by word', async () => {
    const labels = (rs: ChatReply[]) => rs.at(-1)?.options?.map((o) => o.label);
    const c = await ChatClient.start(app.app);
    expect(labels(c.greeting)).toEqual([app.i18n.t('welcome.awaitingNoticeAck.optionAgree', { lng: 'zh-CN' }), 'English']);
    const en = await c.send('2');
    expect(labels(en)).toEqual([app.i18n.t('welcome.awaitingNoticeAck.optionAgree', { lng: 'en' }), '中文 (Chinese)']);
    const zh = await c.send('2');
    expect(labels(zh)).not.toContain('中文');
    expect(labels(zh)).toContain('English');
    // The language command typed instead: the notice shown again offers the other language.
    const typed = await c.send('English');
    expect(labels(typed)).toEqual([app.i18n.t('welcome.awaitingNoticeAck.optionAgree', { lng: 'en' }), '中文 (Chinese)']);
    expect((await conversationOf(c)).locale).toBe('en');
  });

  it('answers 404 SESSION_NOT_FOUND for an unknown id on every session route, and creates nothing', async () => {
    const unknown = randomBytes(24).toString('base64url');
    const before = await prisma().conversation.count();
    const post = await request(app.app).post(`/api/chat/sessions/${unknown}/messages`).send({ text: '你好' });
    expect(post.status).toBe(404);
    expect(post.body.error.code).toBe('SESSION_NOT_FOUND');
    const get = await request(app.app).get(`/api/chat/sessions/${unknown}/messages`);
    expect([get.status, get.body.error.code]).toEqual([404, 'SESSION_NOT_FOUND']);
    const events = await request(app.app).get(`/api/chat/sessions/${unknown}/events`);
    expect([events.status, events.body.error.code]).toEqual([404, 'SESSION_NOT_FOUND']);
    expect(await prisma().conversation.count()).toBe(before);
  });

  it('rejects a malformed session id with 400 VALIDATION_FAILED', async () => {
    const res = await request(app.app).post('/api/chat/sessions/not-a-session/messages').send({ text: 'hi' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.message).toMatch(/session id/);
  });

  it.each([
    ['a missing text', {}, 'text'],
    ['a blank text', { text: '   ' }, 'text'],
    ['a text over 500 characters', { text: 'x'.repeat(501) }, 'text'],
    ['a bad messageId', { text: 'hi', messageId: 'has spaces!' }, 'messageId'],
    ['a number as text', { text: 42 }, 'text'],
  ])('rejects %s with 400 VALIDATION_FAILED naming the field', async (_what, body, field) => {
    const c = await ChatClient.start(app.app);
    const res = await request(app.app).post(`/api/chat/sessions/${c.sessionId}/messages`).send(body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: field })]));
    const conv = await conversationOf(c);
    expect(await prisma().message.count({ where: { conversationId: conv.id, direction: 'IN' } })).toBe(0);
  });

  it('rejects unknown body fields and broken JSON', async () => {
    const c = await ChatClient.start(app.app);
    const extra = await request(app.app).post(`/api/chat/sessions/${c.sessionId}/messages`).send({ text: 'hi', admin: true });
    expect([extra.status, extra.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(extra.body.error.message).toContain('admin');
    const broken = await request(app.app)
      .post(`/api/chat/sessions/${c.sessionId}/messages`)
      .set('content-type', 'application/json')
      .send('{"text": ');
    expect([broken.status, broken.body.error.code]).toEqual([400, 'MALFORMED_JSON']);
  });

  it('rejects a malformed transcript cursor', async () => {
    const c = await ChatClient.start(app.app);
    const res = await request(app.app).get(`/api/chat/sessions/${c.sessionId}/messages?after=abc`);
    expect([res.status, res.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);
  });
});

describe('the /chat page', () => {
  it('serves the page and its assets under a CSP that allows only its own scripts', async () => {
    const page = await request(app.app).get('/chat').expect(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    const html = page.text;
    // No inline scripts or handlers (they would be blocked by the CSP).
    for (const tag of html.match(/<script\b[^>]*>/g) ?? []) expect(tag).toMatch(/\ssrc="\/chat\/assets\//);
    expect(html).not.toMatch(/\son[a-z]+=/i);
    expect(html).toMatch(/aria-live="polite"/);
    expect(html).toMatch(/<label for="input"/);

    const js = await request(app.app).get('/chat/assets/chat.js').expect(200);
    expect(js.headers['content-type']).toMatch(/javascript/);
    expect(js.text).toContain('/api/chat/sessions');
    // The page's own labels load first (deferred scripts run in order).
    expect(html.indexOf('/chat/assets/chat-labels.js')).toBeGreaterThan(-1);
    expect(html.indexOf('/chat/assets/chat-labels.js')).toBeLessThan(html.indexOf('/chat/assets/chat.js'));
    const labels = await request(app.app).get('/chat/assets/chat-labels.js').expect(200);
    expect(labels.text).toContain('window.CanbaoChatLabels');
    expect(labels.text).toContain('全民参保登记');
    const css = await request(app.app).get('/chat/assets/chat.css').expect(200);
    expect(css.headers['content-type']).toMatch(/^text\/css/);
    await request(app.app).get('/chat/assets/nothing.js').expect(404);
  });
});

describe('verification, status and confirmation', () => {
  it('records the privacy notice acknowledgement with its version, time and language', async () => {
    const c = await ChatClient.start(app.app);
    const replies = await c.send('1');
    expect(replies.at(-1)!.text).toContain('身份证号码');
    const conv = await conversationOf(c);
    const acks = await prisma().noticeAcknowledgement.findMany({ where: { conversationId: conv.id } });
    expect(acks).toEqual([
      expect.objectContaining({
        channel: 'web',
        endpoint: c.sessionId,
        noticeVersion: PRIVACY_NOTICE_VERSION,
        locale: 'zh-CN',
        acknowledgedAt: app.clock.now(),
        personId: null,
      }),
    ]);
  });

  it('verifies, shows the status and confirms: CONFIRMED with time, channel web and an audit row', async () => {
    const p = await createPerson(prisma());
    const c = await ChatClient.start(app.app);
    const verified = await c.verify(p);
    expect(verified[0]!.text).toBe('身份核对成功。');
    expect(lastOptions(verified)).toEqual(MENU_VALUES);

    const status = await c.send('1');
    expect(status[0]!.text).toContain('李**的参保情况');
    expect(status[0]!.text).toContain('城乡居民基本养老保险：正常参保缴费（昆明市，缴费到2026-10）');
    expect(status[0]!.text).toContain('登记状态：还没有确认登记');
    expect(lastOptions(status)).toEqual(['confirm', 'menu']);

    const details = await c.send('1');
    expect(details[0]!.text).toContain(`身份证号：${p.idNumber[0]}${'*'.repeat(15)}${p.idNumber.slice(-2)}`);
    expect(details[0]!.text).toContain(`手机：${p.phone!.slice(0, 3)}****${p.phone!.slice(-4)}`);
    expect(lastOptions(details)).toEqual(['correct', 'wrong', 'menu']);

    app.clock.advance(30_000);
    const done = await c.send('全部正确，确认登记');
    expect(done[0]!.text).toBe('谢谢！您的参保登记已确认。');
    expect(lastOptions(done)).toEqual(MENU_VALUES);

    const person = await prisma().person.findUniqueOrThrow({ where: { id: p.id } });
    expect(person).toMatchObject({ registrationStatus: 'CONFIRMED', confirmedAt: app.clock.now(), confirmedChannel: 'web' });
    const conv = await conversationOf(c);
    expect(conv.personId).toBe(p.id);
    expect(conv.boundUntil!.getTime() - app.clock.now().getTime()).toBeGreaterThan(29 * 86400_000);
    const audit = await prisma().auditEvent.findMany({ where: { targetType: 'person', targetId: p.id }, orderBy: { id: 'asc' } });
    expect(audit.map((a) => [a.action, a.actorType, a.source, a.outcome])).toEqual([
      ['identity.verified', 'RESIDENT', 'web', 'OK'],
      ['registration.confirm', 'RESIDENT', 'web', 'OK'],
    ]);
    expect(audit[1]!.at).toEqual(app.clock.now());
    expect(audit[1]!.details).toMatchObject({ from: 'UNREGISTERED', to: 'CONFIRMED', conversationId: conv.id });
    const ack = await prisma().noticeAcknowledgement.findFirstOrThrow({ where: { conversationId: conv.id } });
    expect(ack.personId).toBe(p.id);
  });

  it('puts a person without a phone on the visit list (NEEDS_VISIT with the reason)', async () => {
    const p = await createPerson(prisma(), { phone: null });
    const c = await ChatClient.start(app.app);
    await c.send('1');
    await c.send(p.idNumber);
    const offer = await c.send(p.name);
    expect(offer.at(-1)!.text).toContain('没有登记手机号码');
    expect(lastOptions(offer)).toEqual(['visit', 'human', 'retry']);
    const ask = await c.send('1');
    expect(ask.at(-1)!.text).toContain('方便上门的时间');
    const done = await c.send('13912345678 周六上午');
    expect(done.at(-1)!.text).toContain('已登记上门需求');

    const person = await prisma().person.findUniqueOrThrow({ where: { id: p.id } });
    expect(person).toMatchObject({ registrationStatus: 'NEEDS_VISIT', needsVisitReason: 'NO_PHONE_ON_RECORD' });
    const audit = await prisma().auditEvent.findMany({ where: { targetId: p.id, action: 'registration.needs_visit' } });
    expect(audit).toHaveLength(1);
    expect(audit[0]!.details).toMatchObject({ reason: 'NO_PHONE_ON_RECORD', from: 'UNREGISTERED' });
    expect((await conversationOf(c)).personId).toBeNull();
  });
});

describe('lockout after 5 failed verifications', () => {
  /** One failed round: ID number, name, a wrong factor. Returns the replies to the factor. */
  async function failOnce(c: ChatClient, idNumber: string, name: string, factor = '0000') {
    await c.send(idNumber);
    await c.send(name);
    return c.send(factor);
  }
  const wrongFactor = (phone: string) => (phone.slice(-4) === '0000' ? '1111' : '0000');

  it('locks an ID number after 5 failures spread over two sessions, and a third session with the right answers is refused', async () => {
    const p = await createPerson(prisma());
    const a = await ChatClient.start(app.app);
    await a.send('1');
    for (let i = 0; i < 3; i++) {
      const r = await failOnce(a, p.idNumber, p.name, wrongFactor(p.phone!));
      // ID number and name are kept; from the third failure the tries left are said.
      expect(r[0]!.text).toContain('信息核对没有通过。身份证号码和姓名已经记下了');
      if (i === 2) expect(r[0]!.text).toContain('还可以再试2次');
    }
    const b = await ChatClient.start(app.app);
    await b.send('1');
    await failOnce(b, p.idNumber, p.name, wrongFactor(p.phone!));
    const fifth = await failOnce(b, p.idNumber, p.name, wrongFactor(p.phone!));
    expect(fifth[0]!.text).toContain('核对失败次数太多');

    const c = await ChatClient.start(app.app);
    await c.send('1');
    await c.send(p.idNumber);
    const refused = await c.send(p.name);
    expect(refused[0]!.text).toContain('核对失败次数太多');
    // Even the right factor typed now is not checked.
    const still = await c.send(p.phone!.slice(-4));
    expect(still[0]!.text).toContain('核对失败次数太多');

    const hash = hashIdNumber(app.config.ID_HASH_SECRET, p.idNumber);
    const attempts = await prisma().verificationAttempt.findMany({ where: { idNumberHash: hash } });
    expect(attempts.map((x) => x.success)).toEqual([false, false, false, false, false]);
    expect(JSON.stringify(attempts)).not.toContain(p.idNumber);
    expect((await prisma().person.findUniqueOrThrow({ where: { id: p.id } })).registrationStatus).toBe('UNREGISTERED');
    for (const s of [a, b, c]) expect((await conversationOf(s)).personId).toBeNull();

    // The lock lasts VERIFY_LOCK_HOURS; afterwards the person can verify again.
    app.clock.advance(24 * 3600_000 + 60_000);
    const d = await ChatClient.start(app.app);
    const ok = await d.verify(p);
    expect(ok[0]!.text).toBe('身份核对成功。');
  });

  it('locks one session that tries different ID numbers, with the same answer whatever was wrong', async () => {
    const p = await createPerson(prisma(), { name: '王建国' });
    const q = await createPerson(prisma(), { name: '赵丽' });
    const c = await ChatClient.start(app.app);
    await c.send('1');
    const unknownId = await failOnce(c, newIdNumber('530103'), '刘某');
    const wrongName = await failOnce(c, p.idNumber, '王建军', p.phone!.slice(-4));
    const wrongPhone = await failOnce(c, q.idNumber, q.name, wrongFactor(q.phone!));
    expect(textOf(wrongName)).toBe(textOf(unknownId));
    // The third failure says the tries left, and is otherwise the same answer.
    expect(textOf(wrongPhone)).toContain('还可以再试2次');
    expect(textOf(wrongPhone).replace('还可以再试2次，再错就会暂停在线核对24小时。\n', '')).toBe(textOf(unknownId));
    await failOnce(c, newIdNumber('530111'), '陈某');
    const fifth = await failOnce(c, newIdNumber('530112'), '杨某');
    expect(fifth[0]!.text).toContain('核对失败次数太多');

    // Starting over in the same session does not lift the lock, even for a person with no failures.
    const again = await c.send('重新开始');
    expect(again.at(-1)!.text).toContain('身份证号码');
    await c.send(p.idNumber);
    const refused = await c.send(p.name);
    expect(refused[0]!.text).toContain('核对失败次数太多');
    expect((await conversationOf(c)).personId).toBeNull();

    // The person themself, in another session, is not locked (their ID number had one failure).
    const other = await ChatClient.start(app.app);
    expect((await other.verify(p))[0]!.text).toBe('身份核对成功。');
  });

  /**
   * The kinds of wrong attempt a guesser must not be able to tell apart. A person without a phone is answered
   * differently only for the right name (no phone on record); for a wrong name nothing may differ, not even when
   * the tries left are said or the lock comes (once it came one attempt early and gave the ID number away).
   */
  async function guesses() {
    const withPhone = await createPerson(prisma(), { name: '王建国', phone: '13900005678' });
    const noPhone = await createPerson(prisma(), { name: '李四', phone: null });
    return [
      { what: 'an unknown ID number', idNumber: newIdNumber('530102', '19800101'), wrongName: '张三', rightName: '张三' },
      { what: 'a wrong name of a person with a phone', idNumber: withPhone.idNumber, wrongName: '王建军', rightName: withPhone.name },
      { what: 'a wrong name of a person without a phone', idNumber: noPhone.idNumber, wrongName: '李五', rightName: noPhone.name },
    ];
  }
  /** Failure and success rows of an ID number and of a chat identity. */
  async function rows(idNumber: string, c: ChatClient) {
    const count = (where: object, success: boolean) => prisma().verificationAttempt.count({ where: { ...where, success } });
    const byId = { idNumberHash: hashIdNumber(app.config.ID_HASH_SECRET, idNumber) };
    const byChat = { endpointKey: `web:${c.sessionId}` };
    return { idFailed: await count(byId, false), chatFailed: await count(byChat, false), succeeded: await count(byId, true) + (await count(byChat, true)) };
  }

  it('counts one failure per attempt whatever was wrong: the tries left and the lock come at the same attempt for every kind of ID number', async () => {
    const seen: { what: string; replies: string[]; rows: Awaited<ReturnType<typeof rows>>[] }[] = [];
    for (const g of await guesses()) {
      const c = await ChatClient.start(app.app);
      await c.send('1');
      const replies = [textOf(await c.send(g.idNumber)), textOf(await c.send(g.wrongName))];
      const after: Awaited<ReturnType<typeof rows>>[] = [];
      for (const factor of ['0000', '1111', '2222', '3333', '4444']) {
        replies.push(textOf(await c.send(factor)));
        after.push(await rows(g.idNumber, c));
      }
      // Locked: starting over with the same ID number is refused at once, even with the right name.
      replies.push(textOf(await c.send('重新开始')), textOf(await c.send(g.idNumber)), textOf(await c.send(g.rightName)));
      after.push(await rows(g.idNumber, c));
      seen.push({ what: g.what, replies, rows: after });
    }

    const [first] = seen;
    const answers = first!.replies.slice(2, 7);
    expect(first!.replies[1]).toContain('后4位');
    for (const a of answers.slice(0, 4)) expect(a).toContain('信息核对没有通过');
    for (const a of answers.slice(0, 2)) expect(a).not.toContain('还可以再试');
    expect(answers[2]).toContain('还可以再试2次');
    expect(answers[3]).toContain('还可以再试1次');
    expect(answers[4]).toContain('核对失败次数太多');
    expect(answers[4]).not.toContain('信息核对没有通过');
    expect(first!.replies.at(-1)).toContain('核对失败次数太多');
    // One failure row per answer, by ID number and by chat identity; none after the lock.
    const counts = (n: number) => ({ idFailed: n, chatFailed: n, succeeded: 0 });
    expect(first!.rows).toEqual([1, 2, 3, 4, 5, 5].map(counts));
    // Every other kind of guess reads exactly the same, reply by reply, and leaves the same rows.
    for (const s of seen.slice(1)) expect({ what: s.what, replies: s.replies, rows: s.rows }).toEqual({ what: s.what, replies: first!.replies, rows: first!.rows });
  });

  it('counts an identity check left without an answer as the attempt, for every kind of ID number: five names tried lock the sixth check', async () => {
    const seen: { what: string; replies: string[]; rows: Awaited<ReturnType<typeof rows>>[] }[] = [];
    for (const g of await guesses()) {
      const c = await ChatClient.start(app.app);
      await c.send('1');
      const replies: string[] = [];
      const after: Awaited<ReturnType<typeof rows>>[] = [];
      // The same ID number and name checked again in the same chat is the same attempt (a resident starting over).
      for (const name of ['赵一', '赵一', '赵二', '赵三', '赵四', '赵五']) {
        // At the digits question a new ID number starts again from the name.
        replies.push(textOf(await c.send(g.idNumber)), textOf(await c.send(name)));
        after.push(await rows(g.idNumber, c));
      }
      // The sixth name is refused whichever it is: the right name of a person without a phone gets no
      // "no phone on record" answer that would tell the guesser it was right.
      replies.push(textOf(await c.send('重新开始')), textOf(await c.send(g.idNumber)), textOf(await c.send(g.rightName)));
      after.push(await rows(g.idNumber, c));
      seen.push({ what: g.what, replies, rows: after });
    }

    const [first] = seen;
    for (let i = 1; i < 12; i += 2) expect(first!.replies[i]).toContain('后4位');
    expect(first!.replies.at(-1)).toContain('核对失败次数太多');
    expect(first!.replies.at(-1)).not.toContain('没有登记手机号码');
    const counts = (n: number) => ({ idFailed: n, chatFailed: n, succeeded: 0 });
    expect(first!.rows).toEqual([1, 1, 2, 3, 4, 5, 5].map(counts));
    for (const s of seen.slice(1)) expect({ what: s.what, replies: s.replies, rows: s.rows }).toEqual({ what: s.what, replies: first!.replies, rows: first!.rows });
  });

  it('keeps the right ID number and name of a person without a phone apart: offered a visit, no failure recorded', async () => {
    const p = await createPerson(prisma(), { name: '李四', phone: null });
    const c = await ChatClient.start(app.app);
    await c.send('1');
    // A wrong name first: the digits question like everyone, one attempt.
    await c.send(p.idNumber);
    expect((await c.send('李五')).at(-1)!.text).toContain('后4位');
    await c.send('0000');
    expect(await rows(p.idNumber, c)).toEqual({ idFailed: 1, chatFailed: 1, succeeded: 0 });
    // Then the right name: told at once, and nothing counted.
    await c.send(p.idNumber);
    const offer = await c.send(p.name);
    expect(offer.at(-1)!.text).toContain('没有登记手机号码');
    expect(lastOptions(offer)).toEqual(['visit', 'human', 'retry']);
    expect(await rows(p.idNumber, c)).toEqual({ idFailed: 1, chatFailed: 1, succeeded: 0 });
  });
});

describe('transcript, notifications and idle expiry', () => {
  it('ends an idle session with a notification in the transcript and over SSE; the 30-day binding keeps the person verified', async () => {
    const p = await createPerson(prisma());
    const server = await listen(app.app);
    const c = await ChatClient.start(app.app);
    const sse = await SseReader.open(`${server.base}/api/chat/sessions/${c.sessionId}/events`);
    try {
      const verified = await c.verify(p);
      const lastReply = verified.at(-1)!;
      // Replies are also pushed over SSE once the dispatcher has sent them.
      await app.dispatcher.kick();
      await sse.waitFor((e) => e.id === lastReply.id);

      app.clock.advance(16 * 60_000);
      await app.scheduler.tick();
      await app.dispatcher.kick();

      const later = await c.transcript(lastReply.id);
      expect(later).toEqual([expect.objectContaining({ direction: 'out', text: '您很久没有回复，本次对话已结束。需要时请随时发消息给我们。' })]);
      const pushed = await sse.waitFor((e) => e.id === later[0]!.id);
      expect(pushed.data).toMatchObject({ id: later[0]!.id, text: later[0]!.text });
      const outbox = await prisma().outboxMessage.findFirstOrThrow({ where: { messageSeq: BigInt(later[0]!.id) } });
      expect(outbox).toMatchObject({ kind: 'notification', status: 'SENT' });

      // A fresh start, straight to the menu: the chat is still bound to the person.
      const fresh = await c.send('你好');
      expect(lastOptions(fresh)).toEqual(MENU_VALUES);
      expect(textOf(fresh)).not.toContain('身份证号码');
      expect((await conversationOf(c)).personId).toBe(p.id);

      // After the binding period the person has to verify again.
      app.clock.advance(31 * 86400_000);
      const expired = await c.send('你好');
      expect(expired.at(-1)!.text).toContain('身份证号码');
    } finally {
      sse.close();
      await server.close();
    }
  });

  it('returns the whole transcript in order, with inbound messages redacted, and pages with after=', async () => {
    const p = await createPerson(prisma());
    const c = await ChatClient.start(app.app);
    await c.verify(p);
    const all = await c.transcript();
    expect(all.map((m) => m.direction)).toEqual(['out', 'in', 'out', 'in', 'out', 'in', 'out', 'in', 'out', 'out']);
    const ids = all.map((m) => BigInt(m.id));
    expect([...ids].sort((x, y) => (x < y ? -1 : 1))).toEqual(ids);
    expect(all[3]!.text).toBe(`${p.idNumber[0]}${'*'.repeat(15)}${p.idNumber.slice(-2)}`);
    const tail = await c.transcript(all[5]!.id);
    expect(tail).toEqual(all.slice(6));
    expect(await c.transcript(all.at(-1)!.id)).toEqual([]);
  });

  it('replays missed messages over SSE after Last-Event-ID', async () => {
    const server = await listen(app.app);
    const c = await ChatClient.start(app.app);
    const r = await c.send('1');
    const sse = await SseReader.open(`${server.base}/api/chat/sessions/${c.sessionId}/events`, { 'last-event-id': c.greeting[0]!.id });
    try {
      await sse.waitFor((e) => e.id === r[0]!.id);
      expect(sse.events.map((e) => e.id)).not.toContain(c.greeting[0]!.id);
    } finally {
      sse.close();
      await server.close();
    }
  });
});

describe('delivery: de-duplication, rate limit, outbox', () => {
  it('answers a repeated messageId with the identical replies and stores the message once', async () => {
    const c = await ChatClient.start(app.app);
    const id = randomMessageId();
    const first = await c.post('1', id);
    const again = await c.post('1', id);
    expect(first.duplicate).toBe(false);
    expect(again).toEqual({ replies: first.replies, duplicate: true });

    // Two retries racing each other: one is processed, the other gets the same answer.
    const id2 = randomMessageId();
    const [x, y] = await Promise.all([c.post('abc', id2), c.post('abc', id2)]);
    expect([x.duplicate, y.duplicate].sort()).toEqual([false, true]);
    expect(x.replies).toEqual(y.replies);

    const conv = await conversationOf(c);
    const inbound = await prisma().message.findMany({ where: { conversationId: conv.id, direction: 'IN' }, orderBy: { seq: 'asc' } });
    expect(inbound.map((m) => m.externalId)).toEqual([id, id2]);
    // The flow advanced once: still waiting for the ID number after one bad answer.
    expect((await c.send('hello')).at(-1)!.text).toContain('身份证号码');
  });

  it('keeps web replies in the transcript only, and marks the outbox rows of a pushing channel SENT after dispatch', async () => {
    const c = await ChatClient.start(app.app);
    await c.send('1');
    await app.dispatcher.kick();
    const conv = await conversationOf(c);
    // The web chat's answer is the HTTP response and the transcript row (issue 11): no outbox row.
    expect(await prisma().outboxMessage.count({ where: { conversationId: conv.id } })).toBe(0);
    expect((await c.transcript()).filter((m) => m.direction === 'out')).toHaveLength(2);

    const sent: OutboundMessage[] = [];
    app.dispatcher.register({ channel: 'test-push', send: async (_endpoint, m) => void sent.push(m) });
    const endpoint = `push-${randomBytes(4).toString('hex')}`;
    await app.engine.start('test-push', endpoint);
    const turn = await app.engine.handle({ channel: 'test-push', endpoint, text: '1', receivedAt: app.clock.now() });
    await app.dispatcher.kick();
    const rows = await prisma().outboxMessage.findMany({ where: { conversationId: turn.conversationId }, orderBy: { messageSeq: 'asc' } });
    expect(rows).toHaveLength(2);
    for (const r of rows) expect(r).toMatchObject({ channel: 'test-push', endpoint, kind: 'reply', status: 'SENT', attempts: 1 });
    expect(sent.map((m) => m.id)).toEqual(rows.map((r) => r.messageSeq!.toString()));
    expect(sent.slice(1)).toEqual(turn.replies);
  });

  it('answers 429 RATE_LIMITED beyond CHAT_RATE_LIMIT_PER_MINUTE, per session and per address', async () => {
    const limited = await createTestApp({ CHAT_RATE_LIMIT_PER_MINUTE: '3' }, { db: app.db });
    try {
      const c = await ChatClient.start(limited.app);
      for (const t of ['1', 'x', 'y']) await c.send(t);
      const res = await request(limited.app).post(`/api/chat/sessions/${c.sessionId}/messages`).send({ text: 'z' });
      expect(res.status).toBe(429);
      expect(res.body.error.code).toBe('RATE_LIMITED');
      expect(res.headers['ratelimit-policy']).toBeDefined();
      const conv = await conversationOf(c);
      expect(await prisma().message.count({ where: { conversationId: conv.id, direction: 'IN' } })).toBe(3);

      await ChatClient.start(limited.app);
      await ChatClient.start(limited.app);
      const fourth = await request(limited.app).post('/api/chat/sessions');
      expect([fourth.status, fourth.body.error.code]).toEqual([429, 'RATE_LIMITED']);
    } finally {
      await limited.close();
    }
  });

  it('retries a failing channel with exponential backoff, records each failure, and gives up on a permanent error', async () => {
    let failuresLeft = 2;
    const sent: OutboundMessage[] = [];
    const flaky: ChannelSender = {
      channel: 'test-flaky',
      async send(_endpoint, m) {
        if (failuresLeft-- > 0) throw new Error('gateway timeout');
        sent.push(m);
      },
    };
    app.dispatcher.register(flaky);
    const endpoint = `user-${randomBytes(4).toString('hex')}`;
    const turn = await app.engine.handle({ channel: 'test-flaky', endpoint, text: '你好', receivedAt: app.clock.now() });
    expect(turn.replies).toHaveLength(1);
    await app.dispatcher.kick();

    const row = () => prisma().outboxMessage.findFirstOrThrow({ where: { conversationId: turn.conversationId } });
    const t0 = app.clock.now().getTime();
    expect(await row()).toMatchObject({ status: 'PENDING', attempts: 1, lastError: 'gateway timeout', nextAttemptAt: new Date(t0 + 1000) });
    await app.dispatcher.kick();
    expect((await row()).attempts).toBe(1); // not due yet

    app.clock.advance(1000);
    await app.dispatcher.kick();
    expect(await row()).toMatchObject({ status: 'PENDING', attempts: 2, nextAttemptAt: new Date(t0 + 1000 + 2000) });

    app.clock.advance(2000);
    await app.dispatcher.kick();
    expect(await row()).toMatchObject({ status: 'SENT', attempts: 3, lastError: null, sentAt: app.clock.now() });
    expect(sent.map((m) => m.id)).toEqual([turn.replies[0]!.id]);
    expect(app.logs.lines.filter((l) => l.includes('send failed') && l.includes('test-flaky'))).toHaveLength(2);

    const dead: ChannelSender = {
      channel: 'test-dead',
      async send() {
        throw new PermanentSendError('blocked by the user');
      },
    };
    app.dispatcher.register(dead);
    const gone = await app.engine.handle({ channel: 'test-dead', endpoint, text: '你好', receivedAt: app.clock.now() });
    await app.dispatcher.kick();
    const deadRow = await prisma().outboxMessage.findFirstOrThrow({ where: { conversationId: gone.conversationId } });
    expect(deadRow).toMatchObject({ status: 'UNDELIVERABLE', attempts: 1, lastError: 'blocked by the user' });
  });
});

describe('the outbox follows the application clock', () => {
  it('dispatches replies at once when the application clock is behind the database clock', async () => {
    // A process whose clock runs an hour behind the database server's (clock skew, or a fixed test clock):
    // the outbox rows are due by the engine's clock, not by the database's now().
    const behind = await createTestApp({}, { db: app.db, start: new Date(Date.now() - 3600_000).toISOString() });
    try {
      behind.dispatcher.register({ channel: 'test-behind', send: async () => {} });
      const turn = await behind.engine.start('test-behind', `behind-${randomBytes(4).toString('hex')}`);
      await behind.dispatcher.kick();
      const row = await prisma().outboxMessage.findFirstOrThrow({ where: { conversationId: turn.conversationId } });
      expect(row.status).toBe('SENT');
    } finally {
      await behind.close();
    }
  });
});
