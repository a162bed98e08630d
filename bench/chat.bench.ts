/**
 * npm run bench:chat -- [--residents 1,50,200] [--workers 1,2] [--seconds 10] [--realistic] [--cpu-prof DIR]
 *
 * Chat throughput on a real PostgreSQL server (issue 11). A fresh database (DATABASE_URL as admin, default
 * postgresql://postgres@127.0.0.1:5432/postgres) gets the regions and synthetic persons; then, for each worker
 * count and each number of residents, the real server (`node --require tsx/cjs src/app/main.ts`, as `npm start`, WORKERS=N,
 * LOG_LEVEL=info with stdout to /dev/null) runs in its own process(es) and a load generator in another
 * (bench/chat-load.ts) drives concurrent residents through whole conversations for --seconds: create session,
 * agree to the notice, ID number, name, last 4 phone digits, status, confirm, "all correct". The echo
 * baseline (bench/echo-server.ts, a bare express JSON echo with the same WORKERS) goes through the same
 * generator with the same concurrency and duration. Reported: turns/s, p50/p90/p99 latency, errors (the server's),
 * timeouts (requests the generator gave up on, counted apart), and the
 * peak RSS (VmHWM) of the largest server process. --realistic adds 2,000 residents with 3-8 s think time
 * between messages (latency only). --cpu-prof DIR writes a V8 CPU profile of each server process;
 * --server-log DIR keeps each server's log (stdout) there instead of discarding it.
 * The database is dropped at the end.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { parseDatabaseUrl } from '../src/db/database-target';
import { openDatabase, type OpenDatabase } from '../src/db/open-database';
import { computeCheckChar } from '../src/domain/codes/id-number';
import { seedRegions } from '../src/domain/registry/region.service';
import type { LoadJob, LoadResult, Resident } from './chat-load';

const ROOT = path.resolve(__dirname, '..');

const DEFAULT_ADMIN = 'postgresql://postgres@127.0.0.1:5432/postgres';
const SURNAMES = '王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤';
const GIVEN = '秀英桂兰玉珍芳丽建华国强明军志伟红梅文杰海燕德顺春花永福金凤光荣家和小平';

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


function options() {
  const { values } = parseArgs({
    options: {
      residents: { type: 'string', default: '1,50,200' },
      workers: { type: 'string', default: '1,2' },
      seconds: { type: 'string', default: '10' },
      realistic: { type: 'boolean', default: false },
      'realistic-residents': { type: 'string', default: '2000' },
      'realistic-seconds': { type: 'string', default: '60' },
      'realistic-workers': { type: 'string', default: '2' },
      'cpu-prof': { type: 'string' },
      'server-log': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log('npm run bench:chat -- [--residents 1,50,200] [--workers 1,2] [--seconds 10] [--realistic] [--realistic-residents 2000] [--realistic-seconds 60] [--cpu-prof DIR] [--server-log DIR]');
    process.exit(0);
  }
  const list = (v: string, name: string) => {
    const xs = v.split(',').filter(Boolean).map(Number);
    if (!xs.length || xs.some((x) => !Number.isInteger(x) || x < 1 || x > 5000)) throw new Error(`--${name} must be whole numbers from 1 to 5000, comma-separated`);
    return xs;
  };
  const seconds = Number(values.seconds);
  if (!(seconds > 0 && seconds <= 3600)) throw new Error('--seconds must be between 1 and 3600');
  return {
    residents: list(values.residents, 'residents'),
    workers: list(values.workers, 'workers'),
    seconds,
    realistic: values.realistic ? { residents: list(values['realistic-residents'], 'realistic-residents')[0]!, seconds: Number(values['realistic-seconds']), workers: list(values['realistic-workers'], 'realistic-workers')[0]! } : null,
    cpuProf: values['cpu-prof'],
    serverLog: values['server-log'],
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** A server in its own process tree (`node --require tsx/cjs <script>`, as `npm start` runs the server), ready when GET /readyz answers 200. */
async function startProcess(script: string, env: Record<string, string>, cpuProf?: string, logFile?: string): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const log = logFile ? fs.openSync(logFile, 'w') : 'ignore';
  const child = spawn(process.execPath, [...(cpuProf ? ['--cpu-prof', '--cpu-prof-dir', cpuProf] : []), '--require', 'tsx/cjs', script], {
    cwd: ROOT,
    env: { ...process.env, NODE_OPTIONS: '', PORT: String(port), HOST: '127.0.0.1', ...env },
    stdio: ['ignore', log, 'pipe'],
  });
  if (typeof log === 'number') fs.closeSync(log);
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${script} exited: ${err}`);
    if (Date.now() > deadline) throw new Error(`${script} not ready after 120 s: ${err}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { child, port };
}

/** The largest peak RSS (VmHWM) of a process and its descendants (cluster workers), in bytes. */
function peakRss(pid: number): number {
  let max = 0;
  const visit = (p: number) => {
    try {
      const hwm = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${p}/status`, 'utf8'));
      if (hwm) max = Math.max(max, Number(hwm[1]) * 1024);
      for (const t of fs.readdirSync(`/proc/${p}/task`)) {
        for (const c of fs.readFileSync(`/proc/${p}/task/${t}/children`, 'utf8').split(' ').filter(Boolean)) visit(Number(c));
      }
    } catch {
      // gone
    }
  };
  visit(pid);
  return max;
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

/** Runs one load job in a generator process of its own. */
function generate(job: LoadJob): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const g = fork(path.join(__dirname, 'chat-load.ts'), [], { execArgv: ['--import', 'tsx'], env: { ...process.env, NODE_OPTIONS: '' } });
    g.once('message', (r) => resolve(r as LoadResult));
    g.once('exit', (code) => (code ? reject(new Error(`load generator exited with ${code}`)) : undefined));
    g.send(job);
  });
}

const ms = (n: number) => `${n.toFixed(1)} ms`;
const mb = (bytes: number) => `${Math.round(bytes / 1048576)} MB`;
const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');

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
  const children: ChildProcess[] = [];

  console.log(`bench:chat · residents ${opts.residents.join('/')} · WORKERS ${opts.workers.join('/')} · ${opts.seconds} s each · ${os.cpus().length} cores · database ${dbName}`);
  console.log(`load average before: ${load()}`);
  await admin(`CREATE DATABASE "${dbName}"`);
  let db: OpenDatabase | undefined;
  let dropped = false;
  const drop = async () => {
    if (dropped) return;
    dropped = true;
    for (const c of children) await stopProcess(c);
    await db?.close().catch(() => undefined);
    await admin(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void drop().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
    });
  }

  try {
    db = await openDatabase({ kind: 'postgres', url: url.toString() }, { migrate: true, poolSize: 4 });
    await seedRegions(db.prisma);
    const residents = makeResidents(Math.max(...opts.residents, opts.realistic?.residents ?? 0));
    const seedStart = Date.now();
    await seedResidents(db, residents);
    await db.close();
    db = undefined;
    console.log(`seeded ${residents.length} persons in ${((Date.now() - seedStart) / 1000).toFixed(1)} s`);
    const serverEnv = {
      NODE_ENV: 'development',
      LOG_LEVEL: 'info',
      CHAT_RATE_LIMIT_PER_MINUTE: '100000',
      DEMO_SEED: 'false',
      DATABASE_URL: url.toString(),
    };
    let failed = false;

    const run = async (script: string, env: Record<string, string>, job: Omit<LoadJob, 'port'>) => {
      const prof = opts.cpuProf && script.includes('main') ? path.resolve(opts.cpuProf) : undefined;
      const logFile = opts.serverLog && path.resolve(opts.serverLog, `${path.basename(script, '.ts')}-w${env.WORKERS}-r${job.residents.length}.log`);
      if (opts.serverLog) fs.mkdirSync(path.resolve(opts.serverLog), { recursive: true });
      const server = await startProcess(script, env, prof, logFile);
      children.push(server.child);
      const r = await generate({ ...job, port: server.port });
      const rss = peakRss(server.child.pid!);
      await stopProcess(server.child);
      if (r.errors || r.timeouts) {
        failed = true;
        for (const e of r.errorSamples) console.error(`  error: ${e}`);
        if (r.timeouts) console.error(`  ${r.timeouts} requests given up by the load generator (no answer within its timeout; not server errors)`);
      }
      return { ...r, rate: r.requests / r.seconds, rss };
    };

    console.log('\n| WORKERS | residents | chat turns/s | p50 | p90 | p99 | errors | timeouts | peak RSS | echo req/s | echo p50 | ratio |');
    console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
    for (const workers of opts.workers) {
      for (const n of opts.residents) {
        const chat = await run('src/app/main.ts', { ...serverEnv, WORKERS: String(workers) }, { mode: 'chat', residents: residents.slice(0, n), seconds: opts.seconds });
        const echo = await run('bench/echo-server.ts', { WORKERS: String(workers) }, { mode: 'echo', residents: residents.slice(0, n), seconds: opts.seconds });
        console.log(
          `| ${workers} | ${n} | ${chat.rate.toFixed(1)} | ${ms(chat.p50)} | ${ms(chat.p90)} | ${ms(chat.p99)} | ${chat.errors} | ${chat.timeouts} | ${mb(chat.rss)} | ${echo.rate.toFixed(0)} | ${ms(echo.p50)} | ${(chat.rate / echo.rate).toFixed(3)} |`,
        );
      }
    }
    if (opts.realistic) {
      const { residents: n, seconds, workers } = opts.realistic;
      const r = await run('src/app/main.ts', { ...serverEnv, WORKERS: String(workers) }, { mode: 'chat', residents: residents.slice(0, n), seconds, thinkMs: [3000, 8000] });
      console.log(
        `\nrealistic: ${n} residents, 3-8 s think time, WORKERS=${workers}, ${seconds} s: ${r.requests} turns (${r.rate.toFixed(1)}/s), p50 ${ms(r.p50)}, p90 ${ms(r.p90)}, p99 ${ms(r.p99)}, max ${ms(r.max)}, ${r.errors} errors, ${r.timeouts} generator timeouts, peak RSS ${mb(r.rss)}`,
      );
    }
    console.log(`\nload average after: ${load()}`);
    if (failed) process.exitCode = 1;
  } finally {
    await drop();
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exit(1);
});
