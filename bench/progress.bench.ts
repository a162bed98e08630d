/**
 * Progress dispatch benchmark (npm run bench:progress -- --persons 5000000): a synthetic population spread
 * over Yunnan's 1,461 townships on a fresh PostgreSQL database (loaded with triggers off, like data that was
 * there before the rollup existed), then:
 *   1. the rollup build time (buildRollup) and the first daily refresh (refreshDaily);
 *   2. the province page and a county page (getProgress, the service behind GET /api/progress, including its
 *      audit row) at p50/p99 over --runs calls, and the trend (30 days);
 *   3. baseline in the same run: the same province totals counted straight from the registry (what a page
 *      would cost without rollups);
 *   4. --changes random registry changes (status, flags, region moves, enrolments added and removed, new and
 *      deleted persons) through the triggers, folded by two concurrent workers, then the drift from a full
 *      recount (must be 0);
 *   5. peak RSS of this process, and where it was reached: per phase, the highest RSS sampled (every 20 ms)
 *      with the V8 heap, external memory and array buffers at that moment, and the kernel's high-water mark.
 * DATABASE_URL: the PostgreSQL server (default postgresql://postgres@127.0.0.1:5432/postgres); the database
 * canbao_bench_progress_<random> is dropped at the end unless --keep. Migrations and the region seed run in a
 * child process (this file with --setup), so the peak RSS is that of the progress work.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { openDatabase } from '../src/db/open-database';
import { refreshDaily } from '../src/domain/progress/daily.service';
import { rollupDrift } from '../src/domain/progress/progress.job';
import { getProgress, getTrend, type ProgressActor } from '../src/domain/progress/progress.service';
import { buildRollup, foldChanges } from '../src/domain/progress/rollup.service';
import { seedRegions } from '../src/domain/registry/region.service';
import { createStaff } from '../src/domain/staff/staff.service';
import { systemClock } from '../src/lib/clock';

const { values } = parseArgs({
  options: {
    persons: { type: 'string', default: '1000000' },
    changes: { type: 'string', default: '100000' },
    runs: { type: 'string', default: '200' },
    keep: { type: 'boolean', default: false },
    /** Internal: migrate and seed the regions of this database URL, then exit (run as a child process). */
    setup: { type: 'string' },
  },
});

/** Peak memory per phase: RSS sampled every 20 ms, with the heap, external and array buffers at the peak. */
const MB = (n: number) => Math.round(n / 1048576);
const phases: { name: string; peak: NodeJS.MemoryUsage; maxRss: number }[] = [];
/** The kernel's high-water mark (KB), which also sees peaks between samples. */
const maxRss = () => process.resourceUsage().maxRSS * 1024;
function phase(name: string) {
  const prev = phases[phases.length - 1];
  if (prev) prev.maxRss = maxRss();
  phases.push({ name, peak: process.memoryUsage(), maxRss: 0 });
}
const sampler = setInterval(() => {
  const cur = phases[phases.length - 1];
  if (cur && process.memoryUsage.rss() > cur.peak.rss) cur.peak = process.memoryUsage();
}, 20);
sampler.unref();
function memoryTable() {
  phase('end');
  console.log('phase (MB)'.padEnd(40), ' max rss  sampled:  rss  heapTotal  heapUsed  external  arrayBuffers  other');
  for (const p of phases.slice(0, -1)) {
    const m = p.peak;
    console.log(p.name.padEnd(40), [p.maxRss, m.rss, m.heapTotal, m.heapUsed, m.external, m.arrayBuffers, m.rss - m.heapTotal - m.external].map((x) => String(MB(x)).padStart(9)).join(' '));
  }
}
const PERSONS = Number(values.persons);
const CHANGES = Number(values.changes);
const RUNS = Number(values.runs);
const ADMIN_URL = process.env.DATABASE_URL?.startsWith('postgres') ? process.env.DATABASE_URL : 'postgresql://postgres@127.0.0.1:5432/postgres';
const COUNTY = '530102';

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
const secs = (t0: number) => `${((performance.now() - t0) / 1000).toFixed(1)} s`;

async function timed(runs: number, fn: () => Promise<unknown>): Promise<{ p50: number; p99: number }> {
  for (let i = 0; i < 5; i++) await fn();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  return { p50: pct(ms, 50), p99: pct(ms, 99) };
}

async function main() {
  phase('start (modules loaded)');
  const name = `canbao_bench_progress_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  console.log(`database ${name}; ${PERSONS.toLocaleString('en')} persons, ${CHANGES.toLocaleString('en')} changes, ${RUNS} runs per page`);
  // Set-up in a process of its own, as `npm run db:deploy` and a region import run before a server starts: the
  // schema engine (WebAssembly) keeps about 110 MB once loaded, and seeding 1,607 regions through Prisma's query
  // compiler (one deleteMany with 1,607 codes, one createMany) peaks 75 MB above it; neither is what the figures cost.
  phase('migrate, seed regions (child process)');
  execFileSync(process.execPath, ['--import', 'tsx', __filename, '--setup', url.toString()], { stdio: 'inherit' });
  const db = await openDatabase({ kind: 'postgres', url: url.toString() }, { migrate: false, poolSize: 4 });
  const sql = new Client({ connectionString: url.toString() });
  await sql.connect();
  const clock = systemClock;
  try {
    phase('load synthetic population (pg)');
    let t0 = performance.now();
    await sql.query('SET session_replication_role = replica'); // no triggers: data that predates the rollup
    await sql.query(
      `INSERT INTO person (id, id_number, name, sex, birth_date, region_code, registration_status, flags, employment_status, updated_at)
       SELECT gen_random_uuid(), 'S' || lpad(g.i::text, 17, '0'), '样例',
              (CASE WHEN g.i % 2 = 0 THEN 'MALE' ELSE 'FEMALE' END)::"Sex",
              date '1940-01-01' + ((g.i::bigint * 7919) % 30000)::int,
              t.codes[1 + ((g.i::bigint * 104729) % t.n)::int],
              (CASE WHEN g.r < 0.45 THEN 'CONFIRMED' WHEN g.r < 0.85 THEN 'UNREGISTERED' WHEN g.r < 0.93 THEN 'PENDING_REVIEW' ELSE 'NEEDS_VISIT' END)::"RegistrationStatus",
              (CASE WHEN g.i % 11 = 0 THEN ARRAY['MISSING_PHONE'] WHEN g.i % 97 = 0 THEN ARRAY['DUPLICATE_MEDICAL', 'MISSING_RESIDENCE'] ELSE ARRAY[]::text[] END)::"DataQualityFlag"[],
              (CASE WHEN g.i % 7 = 0 THEN 'FLEXIBLE' WHEN g.i % 3 = 0 THEN 'FARMING' ELSE 'EMPLOYED' END)::"EmploymentStatus",
              now()
         FROM (SELECT i, random() AS r FROM generate_series(1, $1::int) i) g
        CROSS JOIN (SELECT array_agg(code ORDER BY code) AS codes, count(*)::int AS n FROM region WHERE level = 'TOWNSHIP') t`,
      [PERSONS],
    );
    await sql.query(
      `INSERT INTO enrolment (id, person_id, insurance_type, status)
       SELECT gen_random_uuid(), id, x.t, 'PAYING' FROM person p,
              LATERAL (SELECT '390' AS t WHERE abs(hashtext(p.id_number)) % 10 < 8
                       UNION ALL SELECT CASE WHEN p.employment_status = 'EMPLOYED' THEN '110' ELSE '170' END WHERE abs(hashtext(p.id_number)) % 10 < 6) x`,
    );
    await sql.query('SET session_replication_role = origin');
    await sql.query('VACUUM ANALYZE');
    console.log(`synthetic population loaded in ${secs(t0)}`);

    phase('rollup build, daily refresh');
    t0 = performance.now();
    const built = await buildRollup(db.prisma, clock);
    const buildTime = secs(t0);
    t0 = performance.now();
    const refreshed = await refreshDaily(db.prisma, clock);
    const refreshTime = secs(t0);
    console.log(`rollup build: ${built.persons.toLocaleString('en')} persons in ${buildTime}; daily refresh (${refreshed.regions} regions) in ${refreshTime}`);

    phase('pages, trend, registry count');
    const province = await createStaff(db.prisma, { username: 'bench.province', role: 'ADMIN', regionCode: '530000', password: 'bench password 1' });
    const county = await createStaff(db.prisma, { username: 'bench.county', role: 'REVIEWER', regionCode: COUNTY, password: 'bench password 1' });
    const actor = (s: typeof province): ProgressActor => ({ principal: { id: s.id, username: s.username, role: s.role, regionCode: s.regionCode }, source: 'bench' });
    const provincePage = await timed(RUNS, () => getProgress(db.prisma, actor(province), { by: 'child' }, clock));
    const countyPage = await timed(RUNS, () => getProgress(db.prisma, actor(county), { by: 'child' }, clock));
    const trend = await timed(RUNS, () => getTrend(db.prisma, actor(province), {}, clock));
    const naive = await timed(Math.min(RUNS, 5), () =>
      sql.query(`SELECT left(region_code, 4) AS p, registration_status, count(*) FROM person WHERE region_code >= '53' AND region_code < '54' GROUP BY 1, 2`),
    );
    const row = (label: string, r: { p50: number; p99: number }) => console.log(`${label.padEnd(34)} p50 ${r.p50.toFixed(1).padStart(8)} ms   p99 ${r.p99.toFixed(1).padStart(8)} ms`);
    row('province page (16 prefectures)', provincePage);
    row(`county page (${COUNTY}, its townships)`, countyPage);
    row('province trend (30 days)', trend);
    row('baseline: count the registry', naive);
    console.log(`ratio province page p99 / registry count p50: ${(provincePage.p99 / naive.p50).toFixed(4)}`);

    // Random changes through the triggers, in statements of 1,000 rows, then two folders at once.
    phase('random changes (pg client)');
    t0 = performance.now();
    const kinds = [
      `UPDATE person SET registration_status = (ARRAY['UNREGISTERED','PENDING_REVIEW','CONFIRMED','NEEDS_VISIT'])[1 + floor(random() * 4)::int]::"RegistrationStatus" WHERE id IN (SELECT id FROM person TABLESAMPLE SYSTEM_ROWS(1000))`,
      `UPDATE person SET flags = CASE WHEN cardinality(flags) = 0 THEN ARRAY['MISSING_PHONE','DUPLICATE_PENSION']::"DataQualityFlag"[] ELSE ARRAY[]::"DataQualityFlag"[] END WHERE id IN (SELECT id FROM person TABLESAMPLE SYSTEM_ROWS(1000))`,
      `UPDATE person SET region_code = (SELECT code FROM region WHERE level = 'TOWNSHIP' ORDER BY random() LIMIT 1) WHERE id IN (SELECT id FROM person TABLESAMPLE SYSTEM_ROWS(1000))`,
      `DELETE FROM enrolment WHERE id IN (SELECT id FROM enrolment TABLESAMPLE SYSTEM_ROWS(1000))`,
      `INSERT INTO enrolment (id, person_id, insurance_type, status) SELECT gen_random_uuid(), id, '310', 'PAYING' FROM person TABLESAMPLE SYSTEM_ROWS(1000) ON CONFLICT DO NOTHING`,
      `UPDATE person SET birth_date = birth_date - 3650, sex = CASE WHEN sex = 'MALE' THEN 'FEMALE'::"Sex" ELSE 'MALE'::"Sex" END WHERE id IN (SELECT id FROM person TABLESAMPLE SYSTEM_ROWS(1000))`,
      `INSERT INTO person (id, id_number, name, region_code, updated_at) SELECT gen_random_uuid(), 'N' || lpad((nextval('progress_dirty_seq_seq') + 1e9)::bigint::text, 17, '0'), '新', '530102001', now() FROM generate_series(1, 1000)`,
      `DELETE FROM person WHERE id IN (SELECT id FROM person TABLESAMPLE SYSTEM_ROWS(1000))`,
    ];
    await sql.query('CREATE EXTENSION IF NOT EXISTS tsm_system_rows');
    for (let i = 0; i < CHANGES / 1000; i++) await sql.query(kinds[i % kinds.length] as string);
    const dirty = (await sql.query<{ n: string }>('SELECT count(*) AS n FROM progress_dirty')).rows[0]?.n;
    console.log(`${CHANGES.toLocaleString('en')} random changes applied in ${secs(t0)}; ${dirty} dirty rows queued`);
    phase('fold (two folders)');
    t0 = performance.now();
    const folded = await Promise.all([foldChanges(db.prisma, clock), foldChanges(db.prisma, clock)]);
    console.log(`folded ${(folded[0] + folded[1]).toLocaleString('en')} dirty rows with two concurrent folders in ${secs(t0)}`);
    phase('drift (full recount)');
    t0 = performance.now();
    const drift = await rollupDrift(db.prisma);
    console.log(`drift from a full recount: ${drift.cells} cells, ${drift.absolute} in absolute value (recount took ${secs(t0)})`);
    // The pages again, after the changes (a second sample of the same measurement, taken on a quieter database).
    phase('refresh, pages after the changes');
    await refreshDaily(db.prisma, clock);
    row('province page, after the changes', await timed(RUNS, () => getProgress(db.prisma, actor(province), { by: 'child' }, clock)));
    row('county page, after the changes', await timed(RUNS, () => getProgress(db.prisma, actor(county), { by: 'child' }, clock)));
    console.log(`peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
    memoryTable();
    if (drift.cells !== 0) process.exitCode = 1;
  } finally {
    await sql.end();
    await db.close();
    if (!values.keep) {
      const a = new Client({ connectionString: ADMIN_URL });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await a.end();
    }
  }
}

async function setup(url: string) {
  const db = await openDatabase({ kind: 'postgres', url }, { migrate: true, poolSize: 1 });
  try {
    console.log(`${await seedRegions(db.prisma)} regions`);
  } finally {
    await db.close();
  }
}

(values.setup ? setup(values.setup) : main()).catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
