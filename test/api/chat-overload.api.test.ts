import { seedRegions } from '../../src/domain/registry/region.service';
import { ChatClient, createPerson, randomMessageId, textOf, type TestPerson } from '../helpers/chat-fixtures';
import { createTestApp, type TestApp } from '../helpers/test-app';

/**
 * Issue 11: many more turns at once than the database pool has connections (1 on the embedded database, 5 on
 * PostgreSQL in tests). Turns wait their turn in the engine's queue: every one is answered, none fails with a
 * 500 waiting for a connection, and each conversation's messages are answered in the order they came.
 */
let app: TestApp;

jest.setTimeout(300_000);

beforeAll(async () => {
  app = await createTestApp();
  await seedRegions(app.db.prisma);
});
afterAll(async () => {
  await app?.close();
});

const RESIDENTS = 24;
const EXPECTED = {
  'zh-CN': { id: /身份证号码（18位）/, name: /姓名/, factor: /后4位/, verified: /身份核对成功/ },
  en: { id: /ID number/, name: /full name/, factor: /last 4 digits/, verified: /identity is confirmed/ },
} as const;
const localeOf = (i: number) => (i % 2 ? 'en' : 'zh-CN');

async function residents(n: number): Promise<TestPerson[]> {
  const out: TestPerson[] = [];
  for (let i = 0; i < n; i++) out.push(await createPerson(app.db.prisma));
  return out;
}

it('answers every resident of a burst over HTTP (no 500), each conversation in order, in both languages', async () => {
  const people = await residents(RESIDENTS);
  const outcomes = await Promise.all(
    people.map(async (p, i) => {
      const expected = EXPECTED[localeOf(i)];
      const chat = await ChatClient.start(app.app);
      if (localeOf(i) === 'en') await chat.send('2');
      // ChatClient.send throws on any status but 200 (a 500 included).
      const steps: [string, RegExp][] = [
        ['1', expected.id],
        [p.idNumber, expected.name],
        [p.name, expected.factor],
        [p.phone!.slice(-4), expected.verified],
      ];
      const seen: boolean[] = [];
      for (const [text, want] of steps) seen.push(want.test(textOf(await chat.send(text))));
      return seen;
    }),
  );
  expect(outcomes).toEqual(people.map(() => [true, true, true, true]));
});

it('keeps the order of one conversation’s messages sent all at once, while other conversations crowd the queue', async () => {
  const people = await residents(RESIDENTS);
  const chats = await Promise.all(people.map(() => ChatClient.start(app.app)));
  // Every conversation's three messages are handed to the engine in order without waiting for an answer:
  // 3 × RESIDENTS turns in flight at once.
  const inFlight = chats.map((chat, i) => {
    const p = people[i]!;
    const texts = localeOf(i) === 'en' ? ['2', '1', p.idNumber, p.name] : ['1', p.idNumber, p.name];
    return Promise.all(
      texts.map((text) => app.engine.handle({ channel: 'web', endpoint: chat.sessionId, messageId: randomMessageId(), text, receivedAt: app.clock.now() })),
    );
  });
  const results = await Promise.all(inFlight);
  results.forEach((turns, i) => {
    const expected = EXPECTED[localeOf(i)];
    const answers = turns.slice(-3).map((t) => textOf(t.replies.map((r) => ({ id: r.id ?? '', text: r.text, options: r.options }))));
    expect([expected.id.test(answers[0]!), expected.name.test(answers[1]!), expected.factor.test(answers[2]!)]).toEqual([true, true, true]);
  });
  // The transcript has each answer right after its message: in, out…, in, out…
  for (const [i, chat] of chats.entries()) {
    const transcript = await chat.transcript();
    const inbound = transcript.filter((m) => m.direction === 'in').length;
    expect(inbound).toBe(localeOf(i) === 'en' ? 4 : 3);
    const runs = transcript.map((m) => m.direction).join('').replace(/(out)+/g, 'O').replace(/in/g, 'I');
    expect(runs).toBe(`O${'IO'.repeat(inbound)}`);
  }
});
