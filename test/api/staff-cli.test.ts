import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../src/db/open-database';
import { type CliRun, runCli } from '../helpers/cli';

/** `npm run staff` as a child process on an embedded database of its own. */
let dataDir: string;

const staffCli = (args: string[], stdin?: string): Promise<CliRun> => runCli('staff', args, { env: { DATABASE_URL: `pglite:${dataDir}` }, stdin });

const newName = () => `cli-${randomBytes(3).toString('hex')}`;
const PASSWORD = 'a long enough passphrase';

beforeAll(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'canbao-staff-cli-'));
});
afterAll(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
});

// Each CLI run opens the embedded database and checks migrations (~5 s, more on a busy machine).
jest.setTimeout(300_000);

it('adds, lists, disables and resets a staff member, reading passwords from stdin and printing no hashes', async () => {
  const username = newName();
  const add = await staffCli(['add', '--username', username, '--role', 'reviewer', '--region', '530100', '--password-stdin'], `${PASSWORD}\n`);
  expect([add.code, add.stderr]).toEqual([0, expect.any(String)]);
  expect(add.stdout).toContain(`Added ${username} (reviewer, region 530100)`);

  const list = await staffCli(['list']);
  expect(list.code).toBe(0);
  const line = list.stdout.split('\n').find((l) => l.startsWith(username));
  expect(line).toMatch(new RegExp(`^${username}\\s+reviewer\\s+530100\\s+active`));

  const disable = await staffCli(['disable', '--username', username]);
  expect(disable.code).toBe(0);
  const json = await staffCli(['list', '--json']);
  expect(json.code).toBe(0);
  const rows = JSON.parse(json.stdout) as { username: string; disabled: boolean; role: string }[];
  expect(rows.find((r) => r.username === username)).toMatchObject({ disabled: true, role: 'REVIEWER' });

  const reset = await staffCli(['reset-password', '--username', username, '--password-stdin'], 'another long passphrase\n');
  expect(reset.code).toBe(0);

  for (const r of [add, list, disable, json, reset]) {
    expect(r.stdout + r.stderr).not.toContain('$argon2');
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
  }

  // What landed in the database: an argon2id hash and the audit trail of each step.
  const db = await openDatabase({ kind: 'pglite', dataDir }, { command: 'staff-cli.test' });
  try {
    const user = await db.prisma.staffUser.findUniqueOrThrow({ where: { username } });
    expect(user.passwordHash).toMatch(/^\$argon2id\$/);
    const actions = await db.prisma.auditEvent.findMany({ where: { targetType: 'staff', targetId: user.id }, orderBy: { id: 'asc' } });
    expect(actions.map((a) => [a.action, a.source, a.actorType])).toEqual([
      ['staff.create', 'cli', 'SYSTEM'],
      ['staff.disable', 'cli', 'SYSTEM'],
      ['staff.reset_password', 'cli', 'SYSTEM'],
    ]);
    expect(await db.prisma.region.count()).toBeGreaterThan(1000);
  } finally {
    await db.close();
  }
});

it.each([
  ['a bad role', ['add', '--username', 'someone', '--role', 'boss', '--region', '530100', '--password-stdin'], /Role must be one of admin, reviewer, agent, community_worker/],
  ['a password on the command line', ['add', '--username', 'someone', '--role', 'admin', '--region', '530100', '--password', PASSWORD], /Never put a password on the command line/],
  ['no --password-stdin', ['add', '--username', 'someone', '--role', 'admin', '--region', '530100'], /--password-stdin/],
  ['a missing --region', ['add', '--username', 'someone', '--role', 'admin', '--password-stdin'], /add needs --region/],
  ['a bad username', ['add', '--username', 'No Spaces!', '--role', 'admin', '--region', '530100', '--password-stdin'], /Username must be 3-32/],
  ['an unknown command', ['promote', '--username', 'someone'], /Unknown command "promote"/],
  ['an unknown option', ['list', '--everything'], /Unknown option '--everything'/],
])('exits with 2 and says why for %s', async (_what, args, message) => {
  const r = await staffCli(args, `${PASSWORD}\n`);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(message);
});

it('exits with 2 for a short password, an unknown region, a taken username and an unknown user', async () => {
  const short = await staffCli(['add', '--username', newName(), '--role', 'agent', '--region', '530100', '--password-stdin'], 'short\n');
  expect([short.code, short.stderr]).toEqual([2, expect.stringMatching(/at least 10 characters/)]);

  const region = await staffCli(['add', '--username', newName(), '--role', 'agent', '--region', '999900', '--password-stdin'], `${PASSWORD}\n`);
  expect([region.code, region.stderr]).toEqual([2, expect.stringMatching(/Region 999900 is not in the region table/)]);

  const username = newName();
  const args = ['add', '--username', username, '--role', 'community_worker', '--region', '530102', '--password-stdin'];
  expect((await staffCli(args, `${PASSWORD}\n`)).code).toBe(0);
  const again = await staffCli(args, `${PASSWORD}\n`);
  expect([again.code, again.stderr]).toEqual([2, expect.stringMatching(/already taken/)]);

  const unknown = await staffCli(['disable', '--username', newName()]);
  expect([unknown.code, unknown.stderr]).toEqual([2, expect.stringMatching(/No staff member named/)]);
});
