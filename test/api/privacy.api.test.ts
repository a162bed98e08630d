import { seedRegions } from '../../src/domain/registry/region.service';
import type { DevSmsGateway } from '../../src/app/sms-gateway';
import { ChatClient, createPerson, newIdNumber, newPhone, numberOf, type ChatReply, type TestPerson } from '../helpers/chat-fixtures';
import { createTestApp, type TestApp } from '../helpers/test-app';

/**
 * Whole conversations in which residents type their full ID number and phone (in odd formats, in the wrong
 * place, in both languages): no reply, no transcript entry and no log line may carry either in full
 * (docs/domain.md: mask on the server; the logger and the transcript redact).
 */
let app: TestApp;
let smsApp: TestApp;

beforeAll(async () => {
  app = await createTestApp({ LOG_LEVEL: 'debug' });
  smsApp = await createTestApp({ VERIFY_METHOD: 'sms', LOG_LEVEL: 'debug' }, { db: app.db });
  await seedRegions(app.db.prisma);
});
afterAll(async () => {
  await smsApp?.close();
  await app?.close();
});

/** Everything a resident or an operator could read: replies as returned, and the transcript afterwards. */
class Recorder {
  readonly replies: ChatReply[] = [];
  constructor(readonly chat: ChatClient) {
    this.replies.push(...chat.greeting);
  }
  async say(text: string): Promise<ChatReply[]> {
    const r = await this.chat.send(text);
    this.replies.push(...r);
    return r;
  }
  /** Picks an option by its value when offered; returns null (and sends nothing) when it is not. */
  async choose(value: string): Promise<ChatReply[] | null> {
    let n: string;
    try {
      n = numberOf(this.replies, value);
    } catch {
      return null;
    }
    return this.say(n);
  }
  last(): ChatReply {
    return this.replies.at(-1)!;
  }
}

const squash = (s: string) => s.replace(/[\s\-+()（）]/g, '').toUpperCase();

/** Asserts that none of the texts holds the person's full ID number or phone, in any spacing or case. */
function expectNoFullIdOrPhone(texts: string[], people: { idNumber: string; phone: string | null }[], where: string) {
  for (const text of texts) {
    const flat = squash(text);
    for (const p of people) {
      if (flat.includes(p.idNumber.toUpperCase())) throw new Error(`${where} holds a full ID number: ${text}`);
      if (p.phone && flat.includes(p.phone)) throw new Error(`${where} holds a full phone number: ${text}`);
    }
  }
}

const replyTexts = (rs: ChatReply[]) => rs.flatMap((r) => [r.text, ...(r.options ?? []).map((o) => o.label)]);

async function transcriptTexts(chats: ChatClient[]): Promise<string[]> {
  const out: string[] = [];
  for (const c of chats) out.push(...replyTexts(await c.transcript()));
  return out;
}

/** An ID number ending in X (typed as lower-case x by the resident). */
function idEndingInX(): string {
  for (;;) {
    const id = newIdNumber('530102', '19620815');
    if (id.endsWith('X')) return id;
  }
}

it('keeps full ID numbers and phones out of Chinese conversations, their transcript and the logs', async () => {
  const p = await createPerson(app.db.prisma, { idNumber: idEndingInX(), name: '段玉芬' });
  const spaced = `${p.idNumber.slice(0, 6)} ${p.idNumber.slice(6, 14)} ${p.idNumber.slice(14).toLowerCase()}`;
  const phone = p.phone!;
  const newNumber = newPhone();
  const c = new Recorder(await ChatClient.start(app.app));

  await c.say('1');
  await c.say(spaced);
  await c.say(p.name);
  // The whole number instead of the last 4 digits: its last 4 digits are taken.
  const verified = await c.say(phone);
  expect(verified[0]!.text).toBe('身份核对成功。');
  await c.say(`+86 ${phone.slice(0, 3)} ${phone.slice(3, 7)} ${phone.slice(7)}`); // free text at the menu

  await c.say(`我的身份证是${p.idNumber}，电话${phone}`); // free text at the menu
  await c.choose('status');
  await c.choose('menu');
  await c.choose('confirm');
  const details = c.replies.find((r) => r.text.includes('身份证号：'));
  expect(details?.text).toContain(`${p.idNumber[0]}${'*'.repeat(15)}${p.idNumber.slice(-2)}`);

  // A correction of the phone: the new number typed in full, twice; the confirmation shows it masked.
  expect(await c.choose('wrong')).not.toBeNull();
  expect(await c.choose('phone')).not.toBeNull();
  await c.say(newNumber);
  await c.say(newNumber);
  expect(c.replies.at(-1)?.text).toContain(`改为：${newNumber.slice(0, 3)}****${newNumber.slice(-4)}`);
  await c.choose('submit');
  await c.say("人工");

  const people = [p, { idNumber: p.idNumber, phone: newNumber }];
  expectNoFullIdOrPhone(replyTexts(c.replies), people, 'a reply');
  expectNoFullIdOrPhone(await transcriptTexts([c.chat]), people, 'the transcript');
  expectNoFullIdOrPhone(app.logs.lines, people, 'a log line');
  // Replies show the name and address masked too.
  for (const text of replyTexts(c.replies)) {
    expect(text).not.toContain(p.name);
    expect(text).not.toContain(p.residenceAddress);
  }
  expect(app.logs.lines.length).toBeGreaterThan(10);
});

it('keeps them out of English conversations, failed verifications and the lockout', async () => {
  const p = await createPerson(app.db.prisma, { name: 'Zhang Wei' });
  const stranger: TestPerson = { id: '', idNumber: newIdNumber('530402', '19750101'), name: 'Nobody', phone: newPhone(), residenceAddress: '' };
  const c = new Recorder(await ChatClient.start(app.app));

  await c.say('English');
  expect(c.last().text).toMatch(/Before we start/);
  await c.say('1');
  await c.say(`my id is ${p.idNumber} and my phone ${p.phone}`); // the ID number is taken from the sentence
  await c.say(p.name);
  const wrong = await c.say(p.phone!.slice(-4) === '9999' ? '8888' : '9999');
  expect(wrong[0]!.text).toMatch(/could not verify/);
  expect((await c.say(`my phone is ${p.phone}`))[0]!.text).toMatch(/identity is confirmed/);
  await c.choose('confirm');
  expect(c.replies.some((r) => r.text.includes(`${p.phone!.slice(0, 3)}****${p.phone!.slice(-4)}`))).toBe(true);
  await c.say('stop');

  // Someone trying a stranger's number until locked out.
  const s = new Recorder(await ChatClient.start(app.app));
  await s.say('english');
  await s.say('1');
  for (let i = 0; i < 5; i++) {
    await s.say(stranger.idNumber);
    await s.say('Li Na');
    await s.say(stranger.phone!);
    await s.say(stranger.phone!.slice(-4));
  }
  expect(s.last().text).toMatch(/Too many failed attempts/);
  await s.say(`${stranger.idNumber} ${stranger.phone}`);

  const people = [p, stranger];
  expectNoFullIdOrPhone([...replyTexts(c.replies), ...replyTexts(s.replies)], people, 'a reply');
  expectNoFullIdOrPhone(await transcriptTexts([c.chat, s.chat]), people, 'the transcript');
  expectNoFullIdOrPhone(app.logs.lines, people, 'a log line');
});

it('keeps the phone out of the logs when a one-time code is sent by SMS', async () => {
  const p = await createPerson(app.db.prisma, { name: '普春花' });
  const c = new Recorder(await ChatClient.start(smsApp.app));
  await c.say('1');
  await c.say(p.idNumber);
  await c.say(p.name);
  expect(c.last().text).toContain('验证码');
  await smsApp.dispatcher.kick(); // the code goes out through the outbox after the turn committed
  const sent = (smsApp.sms as DevSmsGateway).sent.filter((m) => m.phone === p.phone);
  expect(sent).toHaveLength(1);
  expect((await c.say(sent[0]!.code))[0]!.text).toBe('身份核对成功。');

  expectNoFullIdOrPhone(replyTexts(c.replies), [p], 'a reply');
  expectNoFullIdOrPhone(await transcriptTexts([c.chat]), [p], 'the transcript');
  expectNoFullIdOrPhone(smsApp.logs.lines, [p], 'a log line');
  expect(smsApp.logs.lines.some((l) => l.includes(`${p.phone!.slice(0, 3)}****${p.phone!.slice(-4)}`))).toBe(true);
});
