import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { openDatabase } from '../src/db/open-database';
import { computeCheckChar } from '../src/domain/codes/id-number';
import { seedRegions } from '../src/domain/registry/region.service';
import { FEED_COLUMNS, matchFeed, type FeedSummary } from '../src/domain/feeds';

/**
 * npm run bench:match -- [--persons 5000000] [--feed 1000000] [--batch-size 2000] [--concurrency 2] [--keep] [--max-old-space-size MB]
 *   (the match process runs with the Node flags of `npm run registry:match`; --max-old-space-size overrides the heap)
 *
 * 1. A fresh PostgreSQL database (admin URL: DATABASE_URL, else postgresql://postgres@127.0.0.1:5432/postgres),
 *    migrated, with the regions and --persons synthetic persons generated in SQL (valid ID numbers).
 * 2. A public-security feed of --feed UPDATE rows spread over them (one in ten with a new name, one in ten with
 *    a new hukou address) is written to bench/out/ and matched with matchFeed in a child process whose RSS is
 *    sampled (maxRSS reported).
 * 3. The baseline, in the same run and database: the same file loaded with psql \copy into a staging table and
 *    matched by a plain `INSERT ... SELECT ... JOIN person` into a result table. Prints rows/s and the ratio.
 */

const DEFAULT_ADMIN_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';
const OUT_DIR = path.resolve(__dirname, 'out');
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const mb = (bytes: number) => `${(bytes / 1048576).toFixed(0)} MB`;
const COUNTY = '530102';
const BASE_DAY = Date.UTC(1950, 0, 1);

/** The n-th synthetic person's ID number: birth day n/1000 after 1950-01-01, sequence n%1000. */
function idOf(n: number): string {
  const birth = new Date(BASE_DAY + Math.floor(n / 1000) * 86_400_000).toISOString().slice(0, 10).replace(/-/g, '');
  const first17 = `${COUNTY}${birth}${String(n % 1000).padStart(3, '0')}`;
  return first17 + computeCheckChar(first17);
}

/** CPU milliseconds so far of PostgreSQL server processes (by pid), from /proc (null when it cannot tell). */
function procCpuMs(pids: number[]): number | null {
  let total = 0;
  let seen = 0;
  for (const pid of pids) {
    try {
      const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      total += ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
      seen++;
    } catch {
      // a connection that has closed since: not counted
    }
  }
  return seen && Number.isFinite(total) ? total : null;
}

interface ChildResult {
  summary: FeedSummary;
  ms: number;
  /** CPU of the match process and of its database server processes. */
  cpuMs: number;
  backendCpuMs: number | null;
  baselineRss: number;
  maxRss: number;
  peakRssSampled: number;
  /** Milliseconds waited on each kind of statement (summed over the batches written at once). */
  timings: Record<string, number>;
}

async function child(db: string, file: string, batchSize?: number, concurrency?: number) {
  let peak = 0;
  const sample = () => {
    peak = Math.max(peak, process.memoryUsage().rss);
  };
  const sampler = setInterval(sample, 100);
  // The pool of registry:match (openDatabase's default size).
  const open = await openDatabase({ kind: 'postgres', url: db }, { migrate: false });
  try {
    const baselineRss = process.memoryUsage().rss;
    // The server processes the match uses (opened by a first query on each connection: the run's own queries and
    // the batches written at once).
    await Promise.all([0, 1, 2, 3].map(() => open.prisma.$queryRawUnsafe('SELECT pg_sleep(0.05)::text AS s')));
    const pids = (await open.prisma.$queryRawUnsafe<{ pid: number }[]>('SELECT pid FROM pg_stat_activity WHERE datname = current_database()')).map((r) => r.pid);
    const backend0 = procCpuMs(pids);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const timings: Record<string, number> = {};
    const summary = await matchFeed(open.prisma, { source: 'public-security', file, batchSize, concurrency, timings });
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const backend1 = procCpuMs(pids);
    clearInterval(sampler);
    sample();
    const result: ChildResult = {
      summary,
      ms,
      cpuMs: (cpu.user + cpu.system) / 1000,
      backendCpuMs: backend0 === null || backend1 === null ? null : backend1 - backend0,
      baselineRss, peakRssSampled: peak, maxRss: process.resourceUsage().maxRSS * 1024, timings };
    process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
  } finally {
    clearInterval(sampler);
    await open.close();
  }
}

/** The Node flags of `npm run registry:match` (package.json), so the match process runs as the real command does. */
function registryMatchNodeFlags(): string[] {
  const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const words = (pkg.scripts['registry:match'] ?? '').split(/\s+/);
  const script = words.findIndex((w) => w.endsWith('.ts'));
  return words[0] === 'node' && script > 0 ? words.slice(1, script) : [];
}

function run(cmd: string, args: string[], capture = false): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', capture ? 'pipe' : 'inherit', 'inherit'] });
    let out = '';
    p.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} exited with ${code}`))));
  });
}

/** Persons 0..n-1 generated server-side (the check character computed in SQL), in chunks. */
async function loadPersons(c: Client, n: number) {
  await c.query(`CREATE OR REPLACE FUNCTION pg_temp.bench_id(n bigint) RETURNS text LANGUAGE sql IMMUTABLE AS $f$
    SELECT s || substr('10X98765432', (SELECT sum(substr(s, i, 1)::int * (ARRAY[7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2])[i]) FROM generate_series(1, 17) i)::int % 11 + 1, 1)
    FROM (SELECT '${COUNTY}' || to_char(DATE '1950-01-01' + (n / 1000)::int, 'YYYYMMDD') || lpad((n % 1000)::text, 3, '0') AS s) x $f$`);
  const chunk = 250_000;
  for (let from = 0; from < n; from += chunk) {
    const to = Math.min(n, from + chunk) - 1;
    await c.query(`INSERT INTO person (id_number, name, sex, birth_date, ethnicity, phone, hukou_region, hukou_address, residence_region, residence_address, region_code, flags)
      SELECT pg_temp.bench_id(g), '样例' || g, CASE WHEN g % 2 = 1 THEN 'MALE' ELSE 'FEMALE' END::"Sex", DATE '1950-01-01' + (g / 1000)::int, '01',
        '138' || lpad(g::text, 8, '0'), '530102001', '演示路' || g || '号', '530102001', '演示小区' || g, '530102001', '{}'
      FROM generate_series(${from}, ${to}) g`);
    process.stderr.write(`persons: ${fmt(to + 1)}\n`);
  }
  await c.query('TRUNCATE progress_dirty');
  await c.query('VACUUM ANALYZE person');
  // Generating the persons leaves gigabytes of WAL and dirty pages: flush them now, so the match (measured first)
  // does not pay for the generation's checkpoint while the baseline (measured last) starts from a quiet server.
  await c.query('CHECKPOINT');
}

async function writeFeed(file: string, persons: number, feed: number) {
  const out = fs.createWriteStream(file);
  const write = async (s: string) => {
    if (!out.write(s)) await once(out, 'drain');
  };
  await write(`${FEED_COLUMNS['public-security'].join(',')}\n`);
  for (let i = 0; i < feed; i++) {
    const n = Math.floor((i * persons) / feed);
    const birth = new Date(BASE_DAY + Math.floor(n / 1000) * 86_400_000).toISOString().slice(0, 10);
    const name = i % 10 === 0 ? `新样例${n}` : `样例${n}`;
    const address = i % 10 === 1 ? `新路${n}号` : `演示路${n}号`;
    await write(`${idOf(n)},${name},${n % 2 === 1 ? 1 : 2},01,${birth},530102001,${address},,,UPDATE,2026-06-01\n`);
  }
  out.end();
  await once(out, 'finish');
}

async function main() {
  const { values } = parseArgs({
    options: {
      child: { type: 'boolean' },
      db: { type: 'string' },
      file: { type: 'string' },
      persons: { type: 'string', default: '200000' },
      feed: { type: 'string', default: '50000' },
      'batch-size': { type: 'string' },
      concurrency: { type: 'string' },
      'max-old-space-size': { type: 'string' },
      keep: { type: 'boolean' },
    },
  });
  const batchSize = values['batch-size'] ? Number(values['batch-size']) : undefined;
  const concurrency = values.concurrency ? Number(values.concurrency) : undefined;
  if (values.child) return child(values.db!, values.file!, batchSize, concurrency);
  const persons = Number(values.persons);
  const feed = Number(values.feed);
  if (!(persons >= 1 && feed >= 1 && feed <= persons)) throw new Error('--persons and --feed must be positive, feed ≤ persons');
  const adminUrl = process.env.DATABASE_URL?.startsWith('postgres') ? process.env.DATABASE_URL : DEFAULT_ADMIN_URL;
  const name = `canbao_match_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  const url = u.toString();
  fs.mkdirSync(OUT_DIR, { recursive: true });
  const file = path.join(OUT_DIR, 'public-security.csv');
  try {
    const open = await openDatabase({ kind: 'postgres', url }, { migrate: true, poolSize: 1 });
    await seedRegions(open.prisma);
    await open.close();
    const c = new Client({ connectionString: url });
    await c.connect();
    let t = performance.now();
    await loadPersons(c, persons);
    console.error(`generated ${fmt(persons)} persons in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    await writeFeed(file, persons, feed);

    // The feed match, in its own process.
    const flags = registryMatchNodeFlags();
    const loader = flags.includes('--require') || flags.includes('--import') ? [] : ['--import', 'tsx'];
    console.error(`match process: node ${[...flags, ...loader].join(' ')}`);
    const node = [...flags, ...loader, ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF] : []), ...(values['max-old-space-size'] ? [`--max-old-space-size=${values['max-old-space-size']}`] : []), __filename, '--child', '--db', url, '--file', file, ...(batchSize ? ['--batch-size', String(batchSize)] : []), ...(concurrency ? ['--concurrency', String(concurrency)] : [])];
    const out = await run(process.execPath, node, true);
    const line = out.split('\n').find((l) => l.startsWith('RESULT '));
    if (!line) throw new Error('the match process printed no result');
    const r = JSON.parse(line.slice(7)) as ChildResult;

    // The baseline: \copy the same file into a staging table, then INSERT ... SELECT ... JOIN.
    await c.query(`CREATE TABLE bench_stage (${FEED_COLUMNS['public-security'].map((x) => `${x} text`).join(', ')})`);
    await c.query('CREATE TABLE bench_result (person_id uuid, name text, hukou_region text, hukou_address text, event text, event_date date)');
    t = performance.now();
    await run('psql', [url, '-q', '-c', `\\copy bench_stage FROM '${file}' WITH (FORMAT csv, HEADER true)`]);
    const copyMs = performance.now() - t;
    const [{ pid }] = (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows as [{ pid: number }];
    const insCpu0 = procCpuMs([pid]);
    t = performance.now();
    const ins = await c.query(`INSERT INTO bench_result SELECT p.id, s.name, s.hukou_region, s.hukou_address, s.event, s.event_date::date
      FROM bench_stage s JOIN person p ON p.id_number = s.id_number`);
    const insertMs = performance.now() - t;
    const insCpu1 = procCpuMs([pid]);
    await c.end();

    const matchRate = feed / (r.ms / 1000);
    const baseRate = feed / ((copyMs + insertMs) / 1000);
    const insertRate = feed / (insertMs / 1000);
    console.log(`persons ${fmt(persons)}, feed ${fmt(feed)} public-security UPDATE rows`);
    console.log(`counts: ${JSON.stringify(r.summary.counts)}`);
    console.log(`feed match: ${(r.ms / 1000).toFixed(1)} s = ${fmt(matchRate)} rows/s; maxRSS ${mb(r.maxRss)} (sampled peak ${mb(r.peakRssSampled)}, ${mb(r.baselineRss)} before the first row)`);
    console.log(`baseline: \\copy ${(copyMs / 1000).toFixed(1)} s + INSERT ... SELECT ... JOIN ${(insertMs / 1000).toFixed(1)} s (${fmt(Number(ins.rowCount))} rows) = ${fmt(baseRate)} rows/s (the INSERT alone ${fmt(insertRate)} rows/s)`);
    console.log(`CPU of the match process: ${(r.cpuMs / 1000).toFixed(1)} s (${fmt(feed / (r.cpuMs / 1000))} rows per CPU-second)`);
    if (r.backendCpuMs !== null && insCpu0 !== null && insCpu1 !== null) {
      const matchCpu = r.cpuMs + r.backendCpuMs;
      console.log(`CPU: match ${(matchCpu / 1000).toFixed(1)} s (Node ${(r.cpuMs / 1000).toFixed(1)} s + server ${(r.backendCpuMs / 1000).toFixed(1)} s) = ${fmt(feed / (matchCpu / 1000))} rows per CPU-second; INSERT ... SELECT ... JOIN ${((insCpu1 - insCpu0) / 1000).toFixed(2)} s of server CPU`);
    }
    console.log(`statements waited on, µs per row (batches written at once overlap): ${Object.entries(r.timings).map(([k, ms]) => `${k} ${((ms * 1000) / feed).toFixed(1)}`).join(', ')}`);
    console.log(`ratio ${(matchRate / baseRate).toFixed(2)} (against the INSERT alone ${(matchRate / insertRate).toFixed(2)})`);
  } finally {
    if (!values.keep) {
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      fs.rmSync(file, { force: true });
    }
    await admin.end();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
