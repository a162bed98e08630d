import { randomBytes } from 'node:crypto';
import { types, WechatyBuilder, type Wechaty } from 'wechaty';
import { mock, PuppetMock } from 'wechaty-puppet-mock';
import { startWechatChannels, type WechatChannels, type WechatyChannel } from '../../src/app/wechat';
import { loadWechatConfig } from '../../src/app/wechat-config';
import { DEFAULT_GROUP_POINTER } from '../../src/channels/wechaty/canbao-plugin';
import { WechatyRunner } from '../../src/channels/wechaty/wechaty-runner';
import { computeCheckChar } from '../../src/domain/codes/id-number';
import { seedRegions } from '../../src/domain/registry/region.service';
import { SUITE_SETUP_TIMEOUT_MS, suiteResources } from '../helpers/suite-resources';
import { createTestApp, type TestApp } from '../helpers/test-app';

type ContactMock = ReturnType<mock.Mocker['createContact']>;

let app: TestApp;
let channels: WechatChannels;
let wechaty: WechatyChannel;
const mocker = new mock.Mocker();
const botContact = mocker.createContact({ name: 'Canbao' });
let puppet: PuppetMock;
const printed: string[] = [];
/** What each mock contact (or room) received from the bot, in order. */
const inbox = new Map<string, string[]>();

async function waitFor<T>(probe: () => Promise<T | undefined | false> | T | undefined | false, what: string, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 40));
  }
}

function newUser(name = '用户'): ContactMock {
  const user = mocker.createContact({ name });
  inbox.set(user.id, []);
  user.on('message', (m) => {
    if (m.talker().id === botContact.id) inbox.get(user.id)!.push(m.text() ?? '');
  });
  return user;
}

const received = (c: { id: string }) => inbox.get(c.id) ?? [];

const conversationOf = (endpoint: string) =>
  app.db.prisma.conversation.findUnique({ where: { channel_endpoint: { channel: 'wechaty', endpoint } } });

async function outboxOf(endpoint: string) {
  return app.db.prisma.outboxMessage.findMany({ where: { channel: 'wechaty', endpoint }, orderBy: { createdAt: 'asc' } });
}

/** The user says something; resolves with what the bot answered (once every reply of the turn went out). */
async function converse(user: ContactMock, text: string): Promise<string> {
  const before = received(user).length;
  const conv = await conversationOf(user.id);
  const inBefore = conv ? await app.db.prisma.message.count({ where: { conversationId: conv.id, direction: 'IN' } }) : 0;
  user.say(text).to(botContact);
  await waitFor(async () => {
    const c = await conversationOf(user.id);
    if (!c) return false;
    const n = await app.db.prisma.message.count({ where: { conversationId: c.id, direction: 'IN' } });
    if (n <= inBefore) return false;
    const rows = await outboxOf(user.id);
    return rows.every((r) => r.status === 'SENT');
  }, `the answer to "${text}"`);
  return received(user).slice(before).join('\n');
}

const t = (key: string) => app.i18n.t(key, { lng: 'zh-CN' });

let idSeq = 300;
async function newPerson() {
  idSeq += 2;
  const first17 = `53010219850612${String(idSeq).padStart(3, '0')}`;
  const idNumber = first17 + computeCheckChar(first17);
  const person = await app.db.prisma.person.create({
    data: {
      idNumber,
      name: '李秀英',
      sex: idSeq % 2 ? 'MALE' : 'FEMALE',
      ethnicity: '01',
      birthDate: new Date('1985-06-12T00:00:00Z'),
      phone: '13912345678',
      hukouRegion: '530102',
      residenceRegion: '530102',
      residenceAddress: '云南省昆明市五华区华山街道西仓坡5号',
      regionCode: '530102',
      registrationStatus: 'UNREGISTERED',
      enrolments: { create: [{ insuranceType: '390', status: 'PAYING', regionCode: '530102', lastPaidMonth: '2026-10' }] },
    },
  });
  return { person, idNumber };
}

const resources = suiteResources();

beforeAll(async () => {
  // Outbox rows are due from the database's now(); a clock a day ahead makes them due at once.
  app = resources.track(await createTestApp({}, { start: new Date(Date.now() + 86_400_000).toISOString() }));
  await seedRegions(app.db.prisma);
  const config = loadWechatConfig({
    WECHATY_ACCEPT_FRIENDS: 'true',
    WECHATY_MIN_GAP_MS: '0',
    WECHATY_SENDS_PER_MINUTE: '100000',
    WECHATY_SENDS_PER_DAY: '1000000',
  });
  channels = resources.track(await startWechatChannels(app, config, {
    buildWechaty: () => {
      puppet = new PuppetMock({ mocker });
      return WechatyBuilder.build({ puppet });
    },
    print: (text) => printed.push(text),
  }), (c) => c.stop());
  wechaty = channels.wechaty!;
  mocker.scan('https://login.weixin.qq.com/l/canbao-test', types.ScanStatus.Waiting);
  await waitFor(() => wechaty.status.state === 'scanning' && printed.length > 0, 'the login QR code');
  mocker.login(botContact);
  await waitFor(() => wechaty.status.state === 'logged-in', 'login');
}, SUITE_SETUP_TIMEOUT_MS);

describe('login', () => {
  it('printed the QR code for the terminal and reports the logged-in account', () => {
    expect(printed.join('')).toContain('https://login.weixin.qq.com/l/canbao-test');
    expect(wechaty.status).toMatchObject({ state: 'logged-in', user: { id: botContact.id, name: 'Canbao' }, restarts: 0 });
    expect(wechaty.status.qrCode).toBeUndefined();
  });
});

describe('a resident in a private chat', () => {
  it('verifies, sees the status, asks for a correction and confirms, all through the mock contact', async () => {
    const { person, idNumber } = await newPerson();
    const user = newUser();

    expect(await converse(user, '你好')).toContain(t('welcome.awaitingNoticeAck.greeting'));
    expect(await converse(user, '好的')).toContain(t('verify.awaitingIdNumber.prompt'));
    expect(await converse(user, idNumber)).toContain(t('verify.awaitingName.prompt'));
    expect(await converse(user, '李秀英')).toContain(t('verify.awaitingFactor.promptPhone'));
    const verified = await converse(user, '5678');
    expect(verified).toContain(t('verify.verified.success'));
    expect(verified).toContain(t('menu.awaitingChoice.prompt'));
    expect(verified).toMatch(/\n1\. /); // the menu as a numbered list

    expect(await converse(user, '查询')).toContain(t('status.afterStatus.prompt'));
    expect(await converse(user, '菜单')).toContain(t('menu.awaitingChoice.prompt'));
    // The correction flow asks which item to change; the global "菜单" command goes back to the menu.
    expect(await converse(user, '修改')).toContain(t('correct.awaitingField.prompt'));
    expect(await converse(user, '菜单')).toContain(t('menu.awaitingChoice.prompt'));
    expect(await converse(user, '确认')).toContain(t('confirm.confirmingDetails.prompt'));
    expect(await converse(user, '对')).toContain(t('confirm.confirmingRegistration.done'));

    const after = await app.db.prisma.person.findUniqueOrThrow({ where: { id: person.id } });
    expect(after.registrationStatus).toBe('CONFIRMED');
    expect(after.confirmedChannel).toBe('wechaty');
    // Nothing the contact received carries the full ID number or phone.
    const all = received(user).join('\n');
    expect(all).not.toContain(idNumber);
    expect(all).not.toContain('13912345678');
  });

  it('handles a message delivered twice only once', async () => {
    const user = newUser();
    const id = `dup-${randomBytes(6).toString('hex')}`;
    mocker.MessageMock.create({ id, talkerId: user.id, listenerId: botContact.id, timestamp: Date.now(), type: types.Message.Text, text: '你好' });
    puppet.emit('message', { messageId: id });
    puppet.emit('message', { messageId: id });
    await waitFor(() => app.logs.lines.some((l) => l.includes('duplicate message ignored') && l.includes(id)), 'the duplicate to be seen');
    await waitFor(async () => {
      const rows = await outboxOf(user.id);
      return rows.length > 0 && rows.every((r) => r.status === 'SENT');
    }, 'the reply to go out');
    const conv = await conversationOf(user.id);
    expect(await app.db.prisma.message.count({ where: { conversationId: conv!.id, direction: 'IN', externalId: id } })).toBe(1);
    expect(received(user).filter((m) => m.includes(t('welcome.awaitingNoticeAck.greeting')))).toHaveLength(1);
  });

  it('answers a picture with "please type" and the question again, and strips NUL from text', async () => {
    const { idNumber } = await newPerson();
    const user = newUser();
    await converse(user, '你好');
    expect(await converse(user, '好的')).toContain(t('verify.awaitingIdNumber.prompt'));
    const id = `img-${randomBytes(6).toString('hex')}`;
    const before = received(user).length;
    mocker.MessageMock.create({ id, talkerId: user.id, listenerId: botContact.id, timestamp: Date.now(), type: types.Message.Image });
    puppet.emit('message', { messageId: id });
    const answer = await waitFor(() => received(user).length >= before + 2 && received(user).slice(before).join('\n'), 'the answer to a picture');
    expect(answer).toContain('暂时只能看懂文字，请打字回复。');
    expect(answer).toContain(t('verify.awaitingIdNumber.prompt'));
    expect(answer).not.toContain(t('common.pleaseChoose'));
    // A NUL character in the middle of the ID number is dropped: the number is accepted.
    expect(await converse(user, `${idNumber.slice(0, 9)}\u0000${idNumber.slice(9)}`)).toContain(t('verify.awaitingName.prompt'));
    const conv = await conversationOf(user.id);
    const texts = await app.db.prisma.message.findMany({ where: { conversationId: conv!.id, direction: 'IN' }, select: { text: true } });
    expect(texts.some((m) => m.text.includes('\u0000'))).toBe(false);
  });

  it('drops messages from before the start', async () => {
    const user = newUser();
    const id = `old-${randomBytes(6).toString('hex')}`;
    mocker.MessageMock.create({ id, talkerId: user.id, listenerId: botContact.id, timestamp: Date.now() - 3600_000, type: types.Message.Text, text: '你好' });
    puppet.emit('message', { messageId: id });
    await waitFor(() => app.logs.lines.some((l) => l.includes('message from before the start dropped') && l.includes(id)), 'the old message to be dropped');
    expect(await conversationOf(user.id)).toBeNull();
  });

  it('retries a reply the puppet failed to send, from the outbox, and records the failure', async () => {
    const user = newUser();
    const original = puppet.messageSendText.bind(puppet);
    let failures = 0;
    puppet.messageSendText = async (conversationId: string, text: string) => {
      if (conversationId === user.id && failures === 0) {
        failures++;
        throw new Error('puppet connection lost');
      }
      return original(conversationId, text);
    };
    try {
      user.say('你好').to(botContact);
      const failed = await waitFor(async () => {
        const rows = await outboxOf(user.id);
        return rows.find((r) => r.status === 'PENDING' && r.attempts === 1 && r.lastError) ?? false;
      }, 'the failed send to be recorded');
      expect(failed.lastError).toContain('puppet connection lost');
      expect(failed.sentAt).toBeNull();
      expect(received(user)).toEqual([]);

      app.clock.advance(5_000); // past the first backoff
      await wechaty.dispatcher.kick();
      const sent = await waitFor(async () => {
        const rows = await outboxOf(user.id);
        return rows.length > 0 && rows.every((r) => r.status === 'SENT') && rows;
      }, 'the retry to go out');
      expect(sent.find((r) => r.id === failed.id)!.attempts).toBe(2);
      expect(received(user).join('\n')).toContain(t('welcome.awaitingNoticeAck.greeting'));
      expect(received(user).filter((m) => m.includes(t('welcome.awaitingNoticeAck.greeting')))).toHaveLength(1);
      expect(app.logs.lines.some((l) => l.includes('send failed') && l.includes('puppet connection lost'))).toBe(true);
    } finally {
      puppet.messageSendText = original;
    }
  });

  it('accepts a friend request and greets the new contact', async () => {
    const user = newUser('新朋友');
    const friendshipId = `fr-${randomBytes(4).toString('hex')}`;
    Object.assign(puppet, {
      friendshipRawPayload: async (id: string) => ({ id, contactId: user.id, hello: '我想办参保登记', timestamp: Date.now(), type: types.Friendship.Receive, ticket: 't' }),
    });
    puppet.emit('friendship', { friendshipId });
    await waitFor(() => received(user).some((m) => m.includes(t('welcome.awaitingNoticeAck.greeting'))), 'the greeting');
  });
});

describe('group chats', () => {
  it('answers a mention with a pointer to a private chat only, and ignores other group messages', async () => {
    const user = newUser('群友');
    const room = mocker.createRoom({ topic: '五华区参保群', memberIdList: [botContact.id, user.id] });
    const roomInbox: string[] = [];
    room.on('message', (m) => {
      if (m.talker().id === botContact.id) roomInbox.push(m.text() ?? '');
    });

    user.say('大家好').to(room);
    user.say('@Canbao 我的身份证号是530102199003071238，帮我查一下', [botContact]).to(room);
    await waitFor(() => roomInbox.length > 0, 'the pointer');
    await new Promise((r) => setTimeout(r, 300));
    expect(roomInbox).toEqual([DEFAULT_GROUP_POINTER]);
    expect(received(user)).toEqual([]);
    expect(await conversationOf(user.id)).toBeNull();
    expect(await conversationOf(room.id)).toBeNull();
  });
});

describe('runner', () => {
  it('restarts with backoff when the bot fails to start', async () => {
    const m2 = new mock.Mocker();
    const me = m2.createContact({ name: 'Canbao2' });
    let builds = 0;
    const runner = new WechatyRunner({
      build: (): Wechaty => {
        builds++;
        if (builds === 1) throw new Error('puppet service unreachable');
        return WechatyBuilder.build({ puppet: new PuppetMock({ mocker: m2 }) });
      },
      plugin: () => undefined,
      logger: app.logger,
      print: () => {},
      backoff: { initialMs: 20, maxMs: 100 },
    });
    try {
      await runner.start();
      expect(runner.status).toMatchObject({ state: 'error', lastError: 'puppet service unreachable' });
      await waitFor(() => runner.status.restarts === 1 && runner.status.state === 'starting', 'the restart');
      await waitFor(() => builds === 2, 'a second build');
      await new Promise((r) => setTimeout(r, 50));
      m2.login(me);
      await waitFor(() => runner.status.state === 'logged-in', 'login after the restart');
    } finally {
      await runner.stop();
    }
    expect(runner.status.state).toBe('stopped');
  });
});
