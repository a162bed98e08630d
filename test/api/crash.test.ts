import { seedRegions } from '../../src/domain/registry/region.service';
import { createPerson, randomMessageId, type ChatReply, type TestPerson, type TranscriptEntry } from '../helpers/chat-fixtures';
import { createFreshDatabase, type FreshDatabase } from '../helpers/fresh-database';
import { freePort, startServerProcess } from '../helpers/server-process';

/**
 * The real server (src/app/main.ts) in a child process, killed with SIGKILL in the middle of a conversation
 * and started again on the same data: the conversation resumes where it was and no accepted message is lost.
 */
let fresh: FreshDatabase;
let person: TestPerson;
let port: number;

jest.setTimeout(300_000);

const startServer = () => startServerProcess(fresh.url, port);

const base = () => `http://127.0.0.1:${port}`;

async function post(sessionId: string, text: string, messageId: string): Promise<{ replies: ChatReply[]; duplicate: boolean }> {
  const res = await fetch(`${base()}/api/chat/sessions/${sessionId}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text, messageId }),
  });
  if (res.status !== 200) throw new Error(`POST ${text} → ${res.status} ${await res.text()}`);
  return (await res.json()) as { replies: ChatReply[]; duplicate: boolean };
}

beforeAll(async () => {
  fresh = await createFreshDatabase('canbao-crash');
  const db = await fresh.open('crash.test');
  try {
    await seedRegions(db.prisma);
    person = await createPerson(db.prisma, { name: '和丽萍' });
  } finally {
    await db.close();
  }
  port = await freePort();
});
afterAll(async () => {
  await fresh?.drop();
});

it('resumes the conversation after kill -9 and a restart, losing no accepted message', async () => {
  let server = await startServer();
  const accepted: { text: string; messageId: string }[] = [];
  let sessionId: string;
  try {
    const created = await fetch(`${base()}/api/chat/sessions`, { method: 'POST' });
    expect(created.status).toBe(201);
    sessionId = ((await created.json()) as { sessionId: string }).sessionId;

    for (const text of ['1', person.idNumber, person.name]) {
      const messageId = randomMessageId();
      await post(sessionId, text, messageId);
      accepted.push({ text, messageId });
    }
  } catch (e) {
    server.child.kill('SIGKILL');
    throw e;
  }

  // A message in flight when the server dies: it may or may not have been accepted.
  const inFlight = { text: 'abc', messageId: randomMessageId() };
  const inFlightResult = post(sessionId, inFlight.text, inFlight.messageId).then(
    (r) => r,
    () => null,
  );
  await new Promise((r) => setTimeout(r, 40));
  server.child.kill('SIGKILL');
  expect((await server.exited).signal).toBe('SIGKILL');
  const firstAnswer = await inFlightResult;

  server = await startServer(); // takes over the stale embedded-database lock
  try {
    // The client retries the in-flight message with the same id: answered once, whatever happened.
    const retry = await post(sessionId, inFlight.text, inFlight.messageId);
    if (firstAnswer) expect(retry).toEqual({ replies: firstAnswer.replies, duplicate: true });
    expect(retry.replies.at(-1)!.text).toContain('手机号码的后4位');
    accepted.push(inFlight);

    // The conversation continues at the phone question: verification completes, then the menu works.
    const factor = { text: person.phone!.slice(-4), messageId: randomMessageId() };
    const verified = await post(sessionId, factor.text, factor.messageId);
    accepted.push(factor);
    expect(verified.replies[0]!.text).toBe('身份核对成功。');
    const status = { text: '1', messageId: randomMessageId() };
    const shown = await post(sessionId, status.text, status.messageId);
    accepted.push(status);
    expect(shown.replies[0]!.text).toContain('和**的参保情况');

    const res = await fetch(`${base()}/api/chat/sessions/${sessionId}/messages`);
    const transcript = ((await res.json()) as { messages: TranscriptEntry[] }).messages;
    const inbound = transcript.filter((m) => m.direction === 'in').map((m) => m.text);
    const masked = `${person.idNumber[0]}${'*'.repeat(15)}${person.idNumber.slice(-2)}`;
    expect(inbound).toEqual(accepted.map((a) => (a.text === person.idNumber ? masked : a.text)));
  } finally {
    server.child.kill('SIGTERM');
    const end = await server.exited;
    if (end.code !== 0) console.warn(`server did not stop cleanly (${JSON.stringify(end)}):\n${server.output()}`);
  }

  const db = await fresh.open('crash.test');
  try {
    const conv = await db.prisma.conversation.findUniqueOrThrow({ where: { channel_endpoint: { channel: 'web', endpoint: sessionId } } });
    expect(conv.personId).toBe(person.id);
    const rows = await db.prisma.message.findMany({ where: { conversationId: conv.id, direction: 'IN' }, orderBy: { seq: 'asc' } });
    expect(rows.map((r) => r.externalId)).toEqual(accepted.map((a) => a.messageId));
    // Nothing the turns committed was given up on.
    const outbox = await db.prisma.outboxMessage.findMany({ where: { conversationId: conv.id } });
    expect(outbox.filter((o) => o.status === 'FAILED' || o.status === 'UNDELIVERABLE')).toEqual([]);
  } finally {
    await db.close();
  }
});
