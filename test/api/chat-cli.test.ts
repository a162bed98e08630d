import { seedRegions } from '../../src/domain/registry/region.service';
import { createPerson, type TestPerson } from '../helpers/chat-fixtures';
import { createFreshDatabase, type FreshDatabase } from '../helpers/fresh-database';
import { type CliRun, runCli } from '../helpers/cli';

/** `npm run chat` as a child process with piped stdin, on a database of its own (PGlite folder or PostgreSQL). */
let fresh: FreshDatabase;
let person: TestPerson;

const chatCli = (args: string[], stdin: string): Promise<CliRun> =>
  runCli('chat', args, { env: { DATABASE_URL: fresh.url, DEMO_SEED: 'false', LOG_LEVEL: '' }, stdin });

const open = () => fresh.open('chat-cli.test');

beforeAll(async () => {
  fresh = await createFreshDatabase('canbao-chat-cli');
  const db = await open();
  try {
    await seedRegions(db.prisma);
    person = await createPerson(db.prisma, { name: '杨国华' });
  } finally {
    await db.close();
  }
});
afterAll(async () => {
  await fresh?.drop();
});

jest.setTimeout(240_000);

it('verifies and shows the status through piped stdin while another process owns the database, then resumes the conversation', async () => {
  // This test process holds the database, as a running server would: with PGlite the CLI goes through its socket.
  const db = await open();
  try {
    expect(db.role).toBe(fresh.target.kind === 'postgres' ? 'server' : 'owner');
    const run = await chatCli(['--as', 'tester'], ['1', person.idNumber, person.name, person.phone!.slice(-4), '1', 'exit', 'ignored after exit'].join('\n'));
    expect([run.code, run.stderr]).toEqual([0, '']);
    expect(run.stdout).toContain('您好！这里是全民参保登记服务。');
    expect(run.stdout).toContain('1. 我知道了，继续');
    expect(run.stdout).toContain('身份核对成功。');
    expect(run.stdout).toContain('杨**的参保情况：');
    expect(run.stdout).not.toContain(person.idNumber);
    expect(run.stdout).not.toContain(person.phone!);
    // Every reply printed once.
    expect(run.stdout.split('身份核对成功。')).toHaveLength(2);

    const conv = await db.prisma.conversation.findUniqueOrThrow({ where: { channel_endpoint: { channel: 'terminal', endpoint: 'tester' } } });
    expect(conv.personId).toBe(person.id);
    const inbound = await db.prisma.message.findMany({ where: { conversationId: conv.id, direction: 'IN' }, orderBy: { seq: 'asc' } });
    expect(inbound.map((m) => m.text)).toEqual(['1', expect.stringMatching(/^\d\*{15}[\dX]{2}$/), '杨国华', person.phone!.slice(-4), '1']);
    const outbox = await db.prisma.outboxMessage.findMany({ where: { conversationId: conv.id } });
    expect(outbox.length).toBeGreaterThan(5);
    expect(new Set(outbox.map((o) => o.status))).toEqual(new Set(['SENT']));
  } finally {
    await db.close();
  }

  // Alone now (the CLI owns the database): the conversation resumes after the status, ended by Ctrl-D (EOF).
  const again = await chatCli(['--as', 'tester'], '2\n');
  expect(again.code).toBe(0);
  expect(again.stdout).toMatch(/^接下来：\n(请回复数字[^\n]*\n)?1\. /);
  expect(again.stdout).toContain('请问您要办理什么？');
  expect(again.stdout).not.toContain('请输入您的身份证号码');
});

it('keeps different terminal users apart and rejects a bad --as', async () => {
  const other = await chatCli(['--as', 'someone-else'], 'English\n');
  expect(other.code).toBe(0);
  expect(other.stdout).toContain('Before we start');
  expect(other.stdout).not.toContain('身份核对成功');

  const bad = await chatCli(['--as', 'no spaces please'], '');
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain('--as must be');
});
