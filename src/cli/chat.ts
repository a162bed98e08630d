import os from 'node:os';
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../app/config';
import { createContainer } from '../app/container';
import { seedDemo } from '../app/demo';
import { renderAsText, type OutboundMessage } from '../conversation/messages';
import { parseDatabaseUrl } from '../db/database-target';
import { openDatabase } from '../db/open-database';
import { seedRegions } from '../domain/registry/region.service';
import { createLogger } from '../lib/logger';

const CHANNEL = 'terminal';
const EXIT_WORDS = new Set(['exit', 'quit', '退出']);

const USAGE = `Usage: npm run chat -- [--as <name>]

Talks to the Canbao bot in the terminal, as the resident <name> (default: your user name). The same
conversation continues the next time you start with the same name. Type exit or 退出 (or press Ctrl-D) to
leave. Uses DATABASE_URL like the server (default: the embedded database in ./data/pglite); works while the
server is running. Standard input may be a pipe: one message per line.`;

class UsageError extends Error {}

function osUser(): string {
  try {
    return os.userInfo().username || 'resident';
  } catch {
    return 'resident'; // no passwd entry (some containers)
  }
}

function parseCli(argv: string[]): { endpoint: string } {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { as: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (parsed.values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const endpoint = (parsed.values.as ?? osUser()).trim();
  if (!/^[\p{L}\p{N}_.@-]{1,64}$/u.test(endpoint)) throw new UsageError('--as must be 1-64 letters, digits, _ . @ or -');
  return { endpoint };
}

async function main() {
  const { endpoint } = parseCli(process.argv.slice(2));
  const config = loadConfig();
  // Log lines go to stderr, and only warnings unless LOG_LEVEL asks for more: stdout is the conversation.
  const logger = createLogger({ level: process.env.LOG_LEVEL ? config.LOG_LEVEL : 'warn', destination: process.stderr });
  const db = await openDatabase(parseDatabaseUrl(process.env.DATABASE_URL), { migrate: true, command: 'chat' });
  if ((await db.prisma.region.count()) === 0) await seedRegions(db.prisma);
  if (config.DEMO_SEED) await seedDemo(db.prisma, config, logger);
  const c = createContainer({ config, db, logger });

  const out = process.stdout;
  const printed = new Set<string>();
  /** Prints a bot message once, whether it arrives as a reply or later from the outbox (notifications). */
  const print = (m: OutboundMessage) => {
    if (m.id) {
      if (printed.has(m.id)) return;
      printed.add(m.id);
    }
    out.write(`${renderAsText(m)}\n\n`);
  };
  c.dispatcher.register({
    channel: CHANNEL,
    async send(to, m) {
      // Another terminal user's message: leave it for the process that talks to them.
      if (to !== endpoint) throw new Error('terminal user not attached to this process');
      print(m);
    },
  });
  c.startBackground();

  const interactive = Boolean(process.stdin.isTTY);
  if (interactive) out.write(`Canbao · ${endpoint} · exit / 退出 / Ctrl-D\n\n`);
  const first = await c.engine.start(CHANNEL, endpoint);
  if (first.replies.length) first.replies.forEach(print);
  else {
    // Resumed mid-conversation: show the last question again.
    const last = await db.prisma.message.findFirst({ where: { conversationId: first.conversationId, direction: 'OUT' }, orderBy: { seq: 'desc' } });
    if (last) {
      const options = Array.isArray(last.options) ? (last.options as unknown as OutboundMessage['options']) : undefined;
      print({ id: last.seq.toString(), text: last.text, ...(options ? { options } : {}) });
    }
  }

  const rl = readline.createInterface({ input: process.stdin, output: interactive ? out : undefined, terminal: interactive, prompt: '> ' });
  rl.on('SIGINT', () => rl.close());
  if (interactive) rl.prompt();
  for await (const line of rl) {
    const text = line.trim();
    if (EXIT_WORDS.has(text.toLowerCase())) break;
    if (text) {
      try {
        const r = await c.engine.handle({ channel: CHANNEL, endpoint, text: text.slice(0, 500), receivedAt: c.clock.now() });
        r.replies.forEach(print);
      } catch (e) {
        logger.error({ err: e }, 'turn failed');
        out.write('(系统出了点问题，请稍后再试。 Something went wrong; please try again.)\n\n');
      }
    }
    if (interactive) rl.prompt();
  }
  rl.close();
  if (interactive) out.write('\n');

  await c.dispatcher.kick(); // mark what was printed as sent
  await c.stop();
  await db.close();
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    if (e instanceof UsageError) {
      console.error(`${e.message}\n\n${USAGE}`);
      process.exit(2);
    }
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(2);
    }
    console.error(e instanceof Error ? (e.stack ?? e.message) : e);
    process.exit(1);
  },
);
