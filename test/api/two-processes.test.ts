import { seedRegions } from '../../src/domain/registry/region.service';
import { randomMessageId } from '../helpers/chat-fixtures';
import { createFreshDatabase, type FreshDatabase } from '../helpers/fresh-database';
import { freePort, startServerProcess, type ServerProcess } from '../helpers/server-process';

/**
 * Per-conversation order across server processes (issue 11): two messages of one conversation sent at the same
 * moment to two processes on one database are handled one after the other; the transcript never interleaves
 * one turn's replies with the other's message. On PostgreSQL also through WORKERS=2 (node:cluster). On the
 * embedded database the second process goes through the first one's socket.
 */
let fresh: FreshDatabase;
const servers: ServerProcess[] = [];

jest.setTimeout(300_000);

beforeAll(async () => {
  fresh = await createFreshDatabase('canbao_h11_two');
  const db = await fresh.open('two-processes.test');
  try {
    await seedRegions(db.prisma);
  } finally {
    await db.close();
  }
});
afterAll(async () => {
  for (const s of servers) if (s.child.exitCode === null) s.child.kill('SIGKILL');
  await fresh?.drop();
});

async function stop(s: ServerProcess) {
  s.child.kill('SIGTERM');
  await s.exited;
}

async function post(port: number, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: await res.json() };
}

/** Sends `rounds` pairs of messages of one session at once, one of each pair to each port. */
async function race(ports: [number, number], rounds: number): Promise<string> {
  const created = await post(ports[0], '/api/chat/sessions');
  expect(created.status).toBe(201);
  const sessionId = (created.body as { sessionId: string }).sessionId;
  for (let i = 0; i < rounds; i++) {
    const answers = await Promise.all(ports.map((port, k) => post(port, `/api/chat/sessions/${sessionId}/messages`, { text: `第${i}轮${k}`, messageId: randomMessageId() })));
    for (const a of answers) expect(a).toMatchObject({ status: 200, body: { duplicate: false } });
  }
  return sessionId;
}

/** Every reply follows its own message: IN, its OUTs, IN, its OUTs … and the version counts every turn. */
async function expectInOrder(sessionId: string, turns: number) {
  const db = await fresh.open('two-processes.test');
  try {
    const conv = await db.prisma.conversation.findUniqueOrThrow({ where: { channel_endpoint: { channel: 'web', endpoint: sessionId } } });
    expect(conv.version).toBe(turns);
    const rows = await db.prisma.message.findMany({ where: { conversationId: conv.id }, orderBy: { seq: 'asc' } });
    let lastIn: bigint | null = null;
    for (const m of rows) {
      if (m.direction === 'IN') lastIn = m.seq;
      else expect(m.inReplyTo).toBe(lastIn);
    }
    expect(rows.filter((m) => m.direction === 'IN')).toHaveLength(turns - 1);
  } finally {
    await db.close();
  }
}

it('keeps one conversation in order when two processes get its messages at the same moment', async () => {
  const a = await freePort();
  servers.push(await startServerProcess(fresh.url, a));
  const b = await freePort();
  servers.push(await startServerProcess(fresh.url, b));
  const sessionId = await race([a, b], 8);
  // The embedded database is held by the first process: stop both before reading it here.
  await stop(servers.pop()!);
  await stop(servers.pop()!);
  await expectInOrder(sessionId, 1 + 16);
});

const onPostgres = process.env.DATABASE_URL?.startsWith('postgres') ? it : it.skip;
onPostgres('serves one port from WORKERS=2 processes, in order per conversation', async () => {
  const port = await freePort();
  const s = await startServerProcess(fresh.url, port, { WORKERS: '2' });
  servers.push(s);
  const sessionId = await race([port, port], 8);
  await expectInOrder(sessionId, 1 + 16);
  await stop(s);
  expect(s.output()).toMatch(/"worker":0[^\n]*Canbao is listening|Canbao is listening[^\n]*"worker":0/);
  expect(s.output()).toMatch(/"worker":1[^\n]*Canbao is listening|Canbao is listening[^\n]*"worker":1/);
});
