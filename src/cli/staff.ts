import os from 'node:os';
import { parseArgs } from 'node:util';
import { parseDatabaseUrl } from '../db/database-target';
import { openDatabase } from '../db/open-database';
import { seedRegions } from '../domain/registry/region.service';
import {
  createStaff,
  disableStaff,
  listStaff,
  parseStaffRole,
  resetPassword,
  type StaffActor,
  StaffError,
  type StaffSummary,
  validPassword,
  validUsername,
} from '../domain/staff/staff.service';

const USAGE = `Usage:
  npm run staff -- add --username <name> --role admin|reviewer|agent|community_worker --region <code> --password-stdin
  npm run staff -- list [--json]
  npm run staff -- disable --username <name>
  npm run staff -- reset-password --username <name> --password-stdin

The password is read from standard input (a prompt without echo on a terminal, otherwise the first line),
never from the command line. Passwords need at least 10 characters.`;

/** A mistake the caller can fix: printed with the usage hint, exit code 2. */
class UsageError extends Error {}

function readHidden(prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(prompt);
    let value = '';
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    const done = (err?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return done();
        if (ch === '\u0003') return done(new UsageError('Cancelled.'));
        if (ch === '\u007f' || ch === '\b') value = Array.from(value).slice(0, -1).join('');
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

async function readPasswordFromStdin(): Promise<string> {
  if (process.stdin.isTTY) return readHidden('Password: ');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  // The first line, without its line break; a password may contain spaces.
  return text.split(/\r?\n/)[0] ?? '';
}

function cliActor(): StaffActor {
  let who = 'unknown';
  try {
    who = os.userInfo().username;
  } catch {
    // no passwd entry (some containers)
  }
  return { actorType: 'SYSTEM', actorId: `cli:${who}`, source: 'cli' };
}

function fmtDate(d: Date | null): string {
  return d ? d.toISOString().replace(/\.\d{3}Z$/, 'Z') : '-';
}

function printTable(rows: StaffSummary[], now: Date): void {
  if (!rows.length) {
    console.log('No staff accounts yet. Add one with: npm run staff -- add --username ... --password-stdin');
    return;
  }
  const table = rows.map((r) => ({
    username: r.username,
    role: r.role.toLowerCase(),
    region: r.regionCode,
    state: r.disabled ? 'disabled' : r.lockedUntil && r.lockedUntil > now ? `locked until ${fmtDate(r.lockedUntil)}` : 'active',
    'last login': fmtDate(r.lastLoginAt),
    created: fmtDate(r.createdAt),
  }));
  const cols = Object.keys(table[0] ?? {}) as (keyof (typeof table)[number])[];
  const width = (c: (typeof cols)[number]) => Math.max(c.length, ...table.map((t) => t[c].length));
  console.log(cols.map((c) => c.padEnd(width(c))).join('  ').trimEnd());
  for (const t of table) console.log(cols.map((c) => t[c].padEnd(width(c))).join('  ').trimEnd());
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    console.log(USAGE);
    if (!command) throw new UsageError('No command given.');
    return;
  }
  if (!['add', 'list', 'disable', 'reset-password'].includes(command)) throw new UsageError(`Unknown command "${command}".`);

  const options = {
    username: { type: 'string' },
    role: { type: 'string' },
    region: { type: 'string' },
    'password-stdin': { type: 'boolean' },
    json: { type: 'boolean' },
    password: { type: 'string' },
  } as const;
  let values: ReturnType<typeof parseArgs<{ args: string[]; options: typeof options; strict: true; allowPositionals: false }>>['values'];
  try {
    ({ values } = parseArgs({ args: rest, options, strict: true, allowPositionals: false }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if ('password' in values) throw new UsageError('Never put a password on the command line; use --password-stdin.');

  const need = (name: 'username' | 'role' | 'region'): string => {
    const v = values[name];
    if (!v) throw new UsageError(`${command} needs --${name}.`);
    return v;
  };
  const allowed: Record<string, string[]> = {
    add: ['username', 'role', 'region', 'password-stdin'],
    list: ['json'],
    disable: ['username'],
    'reset-password': ['username', 'password-stdin'],
  };
  const extra = Object.keys(values).filter((k) => !allowed[command]?.includes(k));
  if (extra.length) throw new UsageError(`${command} does not take ${extra.map((k) => `--${k}`).join(', ')}.`);

  // Check everything that needs no database before opening it (and before reading the password).
  let password = '';
  if (command === 'add') {
    validUsername(need('username'));
    parseStaffRole(need('role'));
    need('region');
  } else if (command !== 'list') {
    need('username');
  }
  if (command === 'add' || command === 'reset-password') {
    if (!values['password-stdin']) throw new UsageError(`${command} reads the password from standard input: add --password-stdin.`);
    password = await readPasswordFromStdin();
    if (!password) throw new UsageError('No password on standard input.');
    validPassword(password);
  }

  const db = await openDatabase(parseDatabaseUrl(process.env.DATABASE_URL), { migrate: true, command: 'staff' });
  try {
    const prisma = db.prisma;
    const actor = cliActor();
    switch (command) {
      case 'add': {
        if ((await prisma.region.count()) === 0) {
          const n = await seedRegions(prisma);
          console.error(`Loaded ${n} regions into the empty region table.`);
        }
        const s = await createStaff(prisma, { username: need('username'), role: need('role'), regionCode: need('region'), password }, actor);
        console.log(`Added ${s.username} (${s.role.toLowerCase()}, region ${s.regionCode}).`);
        break;
      }
      case 'list': {
        const rows = await listStaff(prisma);
        if (values.json) console.log(JSON.stringify(rows, null, 2));
        else printTable(rows, new Date());
        break;
      }
      case 'disable': {
        const s = await disableStaff(prisma, need('username'), actor);
        console.log(`Disabled ${s.username}; their sign-in tokens are revoked.`);
        break;
      }
      case 'reset-password': {
        const s = await resetPassword(prisma, need('username'), password, actor);
        console.log(`New password set for ${s.username}; lockout cleared and old sign-in tokens revoked.`);
        break;
      }
    }
  } finally {
    await db.close();
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (e: unknown) => {
    if (e instanceof UsageError) {
      console.error(`Error: ${e.message}\n\n${USAGE}`);
      process.exit(2);
    }
    if (e instanceof StaffError) {
      console.error(`Error: ${e.message}`);
      process.exit(2);
    }
    console.error(`Failed: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
