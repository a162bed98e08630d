/**
 * npm run bench:chat -- [--residents 200] [--seconds N]
 *
 * Chat throughput on a real PostgreSQL server: a fresh database (DATABASE_URL as admin, default
 * postgresql://postgres@127.0.0.1:5432/postgres) with the regions and <residents> synthetic persons, the real
 * app (createContainer, outbox dispatcher and scheduler running) on a loopback port, and <residents>
 * concurrent simulated residents, each going through a whole conversation over HTTP: create session, agree
 * to the notice, ID number, name, last 4 phone digits, status, confirm, "all correct". Without --seconds each
 * resident does one conversation; with it, residents start new conversations until the time is up.
 * Then a bare express JSON echo endpoint gets the same concurrency and the same number of requests, as the
 * ceiling of this machine's HTTP stack: the ratio says how much of it the chat turn keeps.
 * The database is dropped at the end.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import express from 'express';
import { Client } from 'pg';
import { loadConfig } from '../src/app/config';
import { createContainer } from '../src/app/container';
import { parseDatabaseUrl } from '../src/db/database-target';
import { openDatabase, type OpenDatabase } from '../src/db/open-database';
import { computeCheckChar } from '../src/domain/codes/id-number';
import { seedRegions } from '../src/domain/registry/region.service';
import { createLogger } from '../src/lib/logger';

const DEFAULT_ADMIN = 'postgresql://postgres@127.0.0.1:5432/postgres';
const SURNAMES = '王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤';
const GIVEN = '秀英桂兰玉珍芳丽建华国强明军志伟红梅文杰海燕德顺春花永福金凤光荣家和小平';

interface Resident {
  idNumber: string;
  name: string;
  phone: string;
}

function options() {
  const { values } = parseArgs({
    options: { residents: { type: 'string', default: '200' }, seconds: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log('npm run bench:chat -- [--residents 200] [--seconds N]');
    process.exit(0);
  }
  const residents = Number(values.residents);
  const seconds = values.seconds === undefined ? undefined : Number(values.seconds);
  if (!Number.isInteger(residents) || residents < 1 || residents > 5000) throw new Error('--residents must be a whole number from 1 to 5000');
  if (seconds !== undefined && !(seconds > 0 && seconds <= 3600)) throw new Error('--seconds must be between 1 and 3600');
  return { residents, seconds };
}

/** N synthetic residents with valid, distinct ID numbers (a distinct birth date each) and phones. */
function makeResidents(n: number): Resident[] {
  const out: Resident[] = [];
  const base = Date.UTC(1950, 0, 1);
  for (let i = 0; i < n; i++) {
    const birth = new Date(base + i * 86400_000).toISOString().slice(0, 10).replace(/-/g, '');
    const seqNo = String(100 + (i % 800)).padStart(3, '0');
    const first17 = `530102${birth}${seqNo}`;
    const name = SURNAMES[i % SURNAMES.length]! + GIVEN[(i * 7) % GIVEN.length]! + GIVEN[(i * 13 + 5) % GIVEN.length]!;
    out.push({ idNumber: first17 + computeCheckChar(first17), name, phone: `139${String(10_000_000 + i).padStart(8, '0')}` });
  }
  return out;
}

async function seedResidents(db: OpenDatabase, residents: Resident[]) {
  for (let i = 0; i < residents.length; i += 1000) {
    const chunk = residents.slice(i, i + 1000).map((r) => ({ ...r, id: randomUUID() }));
    await db.prisma.person.createMany({
      data: chunk.map((r) => ({
        id: r.id,
        idNumber: r.idNumber,
        name: r.name,
        phone: r.phone,
        sex: Number(r.idNumber[16]) % 2 ? ('MALE' as const) : ('FEMALE' as const),
        birthDate: new Date(`${r.idNumber.slice(6, 10)}-${r.idNumber.slice(10, 12)}-${r.idNumber.slice(12, 14)}T00:00:00Z`),
        ethnicity: '01',
        hukouRegion: '530102',
        residenceRegion: '530102',
        residenceAddress: '云南省昆明市五华区华山街道1号',
        regionCode: '530102',
        employmentStatus: 'FARMING' as const,
      })),
    });
    await db.prisma.enrolment.createMany({
      data: chunk.flatMap((r) => [
        { personId: r.id, insuranceType: '170', status: 'PAYING' as const, regionCode: '530102', lastPaidMonth: '2026-10' },
        { personId: r.id, insuranceType: '390', status: 'PAYING' as const, regionCode: '530102', lastPaidMonth: '2026-10' },
      ]),
    });
  }
}

/** A minimal JSON-over-HTTP client on a keep-alive agent. */
function jsonClient(port: number, maxSockets: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  return {
    agent,
    request(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      return new Promise((resolve, reject) => {
        const req = http.request(
          {
            host: '127.0.0.1',
            port,
            method,
            path,
            agent,
            headers: payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {},
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              const text = Buffer.concat(chunks).toString('utf8');
              let parsed: unknown = text;
              try {
                parsed = JSON.parse(text);
              } catch {
                // not JSON
              }
              resolve({ status: res.statusCode ?? 0, body: parsed });
            });
          },
        );
        req.on('error', reject);
        req.end(payload);
      });
    },
  };
}

function listen(app: express.Express): Promise<http.Server> {
  return new Promise((resolve) => {
    const server = http.createServer(app);
    server.keepAliveTimeout = 30_000;
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

const portOf = (s: http.Server) => (s.address() as AddressInfo).port;
const closeServer = (s: http.Server) =>
  new Promise<void>((resolve) => {
    s.closeAllConnections();
    s.close(() => resolve());
  });

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const ms = (n: number) => `${n.toFixed(1)} ms`;
const mb = (bytes: number) => `${Math.round(bytes / 1048576)} MB`;

async function main() {
  const opts = options();
  const adminTarget = parseDatabaseUrl(process.env.DATABASE_URL);
  const adminUrl = adminTarget.kind === 'postgres' ? adminTarget.url : DEFAULT_ADMIN;
  const dbName = `canbao_bench_${randomBytes(4).toString('hex')}`;
  const admin = async (sql: string) => {
    const c = new Client({ connectionString: adminUrl });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  const url = new URL(adminUrl);
  url.pathname = `/${dbName}`;

  console.log(`bench:chat · ${opts.residents} residents${opts.seconds ? ` for ${opts.seconds} s` : ', one conversation each'} · database ${dbName}`);
  await admin(`CREATE DATABASE "${dbName}"`);
  let db: OpenDatabase | undefined;
  let dropped = false;
  const drop = async () => {
    if (dropped) return;
    dropped = true;
    await db?.close().catch(() => undefined);
    await admin(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void drop().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
    });
  }

  try {
    const poolSize = Math.min(20, Math.max(4, Math.ceil(opts.residents / 10)));
    db = await openDatabase({ kind: 'postgres', url: url.toString() }, { migrate: true, poolSize });
    await seedRegions(db.prisma);
    const residents = makeResidents(opts.residents);
    const seedStart = Date.now();
    await seedResidents(db, residents);
    console.log(`seeded ${residents.length} persons in ${((Date.now() - seedStart) / 1000).toFixed(1)} s; database pool ${poolSize}`);

    const config = loadConfig({
      NODE_ENV: 'development',
      LOG_LEVEL: 'silent',
      CHAT_RATE_LIMIT_PER_MINUTE: '100000',
      DEMO_SEED: 'false',
      DATABASE_URL: url.toString(),
    });
    const c = createContainer({ config, db, logger: createLogger({ level: 'silent' }) });
    c.startBackground();
    const chatServer = await listen(c.app);
    const chat = jsonClient(portOf(chatServer), opts.residents);

    // ---------------------------------------------------------------- chat
    const latencies: number[] = [];
    let errors = 0;
    let conversations = 0;
    const deadline = opts.seconds ? Date.now() + opts.seconds * 1000 : Infinity;
    const timed = async (method: string, path: string, body?: unknown) => {
      const t0 = process.hrtime.bigint();
      const r = await chat.request(method, path, body);
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      return r;
    };

    /** One whole conversation: 'done', 'cut' by the deadline, or 'failed' (an unexpected answer). */
    async function converse(r: Resident): Promise<'done' | 'cut' | 'failed'> {
      const created = await timed('POST', '/api/chat/sessions');
      if (created.status !== 201) {
        errors++;
        return 'failed';
      }
      const id = (created.body as { sessionId: string }).sessionId;
      const steps: [string, RegExp][] = [
        ['1', /身份证号码/],
        [r.idNumber, /姓名/],
        [r.name, /后4位/],
        [r.phone.slice(-4), /身份核对成功/],
        ['1', /的参保情况/],
        ['1', /这些信息对吗/],
        ['1', /已确认/],
      ];
      for (const [text, expected] of steps) {
        if (Date.now() > deadline) return 'cut';
        const res = await timed('POST', `/api/chat/sessions/${id}/messages`, { text });
        const replies = (res.body as { replies?: { text: string }[] }).replies ?? [];
        if (res.status !== 200 || !replies.some((m) => expected.test(m.text))) {
          if (errors++ < 3) console.error(`unexpected answer to "${text.length > 10 ? '…' : text}": ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
          return 'failed';
        }
      }
      return 'done';
    }

    const started = process.hrtime.bigint();
    await Promise.all(
      residents.map(async (r) => {
        do {
          const outcome = await converse(r);
          if (outcome !== 'done') break;
          conversations++;
        } while (opts.seconds && Date.now() < deadline);
      }),
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    await c.dispatcher.kick();
    const confirmed = await db.prisma.person.count({ where: { registrationStatus: 'CONFIRMED', confirmedChannel: 'web' } });
    const pendingOutbox = await db.prisma.outboxMessage.count({ where: { status: { not: 'SENT' } } });
    await c.stop();
    await closeServer(chatServer);
    chat.agent.destroy();

    const sorted = [...latencies].sort((a, b) => a - b);
    const turns = latencies.length;
    const chatRate = turns / seconds;
    const peakRss = process.resourceUsage().maxRSS * 1024;
    console.log(
      `chat: ${turns} turns (${conversations} conversations, ${confirmed} persons CONFIRMED, ${errors} errors, ${pendingOutbox} outbox rows not yet SENT) in ${seconds.toFixed(1)} s`,
    );
    console.log(`chat: ${chatRate.toFixed(1)} turns/s · latency p50 ${ms(percentile(sorted, 50))}, p90 ${ms(percentile(sorted, 90))}, p99 ${ms(percentile(sorted, 99))}, max ${ms(sorted.at(-1) ?? NaN)}`);
    console.log(`chat: peak RSS ${mb(peakRss)} (one process: app, PostgreSQL client pool and the ${opts.residents} simulated residents)`);

    // ---------------------------------------------------------------- echo baseline
    const echoApp = express();
    echoApp.use(express.json());
    echoApp.post('/echo', (req, res) => {
      res.json({ echo: req.body as unknown });
    });
    const echoServer = await listen(echoApp);
    const echo = jsonClient(portOf(echoServer), opts.residents);
    let remaining = turns;
    let echoErrors = 0;
    const echoStart = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: opts.residents }, async () => {
        while (remaining > 0) {
          remaining--;
          const r = await echo.request('POST', '/echo', { text: '1' });
          if (r.status !== 200) echoErrors++;
        }
      }),
    );
    const echoSeconds = Number(process.hrtime.bigint() - echoStart) / 1e9;
    await closeServer(echoServer);
    echo.agent.destroy();
    const echoRate = turns / echoSeconds;
    console.log(`echo: ${turns} requests (${echoErrors} errors) in ${echoSeconds.toFixed(2)} s → ${echoRate.toFixed(0)} req/s (bare express JSON echo, same concurrency)`);
    console.log(`ratio: chat turns/s ÷ echo req/s = ${(chatRate / echoRate).toFixed(3)}`);
    if (errors || echoErrors) process.exitCode = 1;
  } finally {
    await drop();
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exit(1);
});
