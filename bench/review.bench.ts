/**
 * Review queue benchmark (npm run bench:review): 1,000,000 change requests across Yunnan's counties on a
 * fresh PostgreSQL database, then, as a reviewer of one prefecture (Kunming, 530100), the queue's first page,
 * a region + status filter, a deep page and the stats, each BENCH_RUNS times through the real service code
 * (which also writes its audit row per call). Prints p50/p95/p99 per query and EXPLAIN (ANALYZE, BUFFERS) of
 * the SQL Prisma sent. Goal: p99 < 50 ms.
 *
 * DATABASE_URL: a PostgreSQL server (default postgresql://postgres@127.0.0.1:5432/postgres); a database
 * canbao_bench_review_<random> is created on it and dropped at the end (BENCH_KEEP=1 keeps it).
 * BENCH_ROWS (default 1000000), BENCH_RUNS (default 200), BENCH_INDEX: extra CREATE INDEX statements
 * (separated by ;) to try before measuring.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { openDatabase } from '../src/db/open-database';
import { PrismaClient } from '../src/generated/prisma/client';
import { listRequests, type ListFilters, type ReviewActor, type ReviewEnv, reviewStats } from '../src/domain/review';
import { seedRegions } from '../src/domain/registry/region.service';
import { createStaff } from '../src/domain/staff/staff.service';
import { systemClock } from '../src/lib/clock';
import { createI18n } from '../src/lib/i18n';

const ADMIN_URL = process.env.DATABASE_URL?.startsWith('postgres') ? process.env.DATABASE_URL : 'postgresql://postgres@127.0.0.1:5432/postgres';
const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 200);
const WARMUP = 10;
const PREFECTURE = '530100';

function percentile(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? NaN;
}

const fmt = (ms: number) => `${ms.toFixed(1)} ms`;

async function main() {
  const name = `canbao_bench_review_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  console.log(`database ${name} on ${url.host}`);

  const db = await openDatabase({ kind: 'postgres', url: url.toString() }, { migrate: true, poolSize: 4 });
  const sql = new Client({ connectionString: url.toString() });
  await sql.connect();
  try {
    await seedRegions(db.prisma);
    const t0 = performance.now();
    // One statement: counties round-robin (scattered), a year of submissions, a backlog worth measuring
    // (15% PENDING, 5% NEEDS_INFO, the rest decided), one in ten a reported new person.
    await sql.query(
      `INSERT INTO change_request
         (id, reference, kind, fields, current_values, proposed_values, subject_key, region_code, channel,
          status, version, due_at, created_at, updated_at, decided_at)
       SELECT gen_random_uuid(),
              'CR' || lpad(g.i::text, 12, '0'),
              (CASE WHEN g.i % 10 = 0 THEN 'NEW_PERSON' ELSE 'FIELD_CHANGE' END)::"ChangeRequestKind",
              CASE WHEN g.i % 10 = 0 THEN ARRAY['idNumber','name','relationship','sex','birthDate'] ELSE ARRAY['phone'] END,
              CASE WHEN g.i % 10 = 0 THEN '{}'::jsonb ELSE '{"phone":"13800000000"}'::jsonb END,
              CASE WHEN g.i % 10 = 0 THEN '{"name":"张三","sex":"MALE","birthDate":"2020-01-01","relationship":"儿子"}'::jsonb
                   ELSE '{"phone":"13900000000"}'::jsonb END,
              NULL,
              c.codes[1 + ((g.i::bigint * 7919) % c.n)::int],
              CASE WHEN g.i % 3 = 0 THEN 'wechat' ELSE 'web' END,
              (CASE WHEN g.r < 0.15 THEN 'PENDING' WHEN g.r < 0.20 THEN 'NEEDS_INFO' WHEN g.r < 0.90 THEN 'APPROVED' ELSE 'REJECTED' END)::"ChangeRequestStatus",
              0,
              g.created + interval '5 days',
              g.created,
              g.created,
              CASE WHEN g.r >= 0.20 THEN g.created + interval '2 days' END
       FROM (SELECT i, random() AS r, (now() AT TIME ZONE 'UTC') - random() * interval '365 days' AS created
             FROM generate_series(1, $1::int) AS i) AS g
       CROSS JOIN (SELECT array_agg(code ORDER BY code) AS codes, count(*)::int AS n FROM region WHERE level = 'COUNTY') AS c`,
      [ROWS],
    );
    console.log(`inserted ${ROWS.toLocaleString('en')} change requests in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    for (const stmt of (process.env.BENCH_INDEX ?? '').split(';').map((s) => s.trim()).filter(Boolean)) {
      const ti = performance.now();
      await sql.query(stmt);
      console.log(`${stmt} (${((performance.now() - ti) / 1000).toFixed(1)} s)`);
    }
    await sql.query('VACUUM ANALYZE change_request');
    const dist = await sql.query(
      `SELECT status, count(*)::int AS n, count(*) FILTER (WHERE region_code >= '5301' AND region_code < '5302')::int AS kunming
       FROM change_request GROUP BY status ORDER BY status`,
    );
    console.table(dist.rows);

    const staff = await createStaff(db.prisma, { username: 'bench.reviewer', role: 'REVIEWER', regionCode: PREFECTURE, password: 'bench password 123' });
    // A client that reports the SQL it sends, so the plans below are of exactly those statements.
    const logged = new PrismaClient({ adapter: db.adapterFactory, log: [{ emit: 'event', level: 'query' }] });
    const seen: { query: string; params: string; duration: number }[] = [];
    logged.$on('query', (e) => seen.push({ query: e.query, params: e.params, duration: Number(e.duration) }));
    const env: ReviewEnv = { db: logged, clock: systemClock, i18n: createI18n(), holidays: [] };
    const actor: ReviewActor = { principal: { id: staff.id, username: staff.username, role: 'REVIEWER', regionCode: PREFECTURE }, source: 'bench' };

    // A cursor deep into the backlog (page 40 of the open queue).
    let deepCursor: string | undefined;
    for (let page = 0, cursor: string | undefined; page < 40; page++) {
      const r = await listRequests(env, actor, { ...(cursor ? { cursor } : {}), limit: 50 });
      if (!r.ok || !r.nextCursor) break;
      cursor = deepCursor = r.nextCursor;
    }

    const cases: { name: string; run: () => Promise<unknown>; marker: RegExp }[] = [
      { name: 'list: open queue, first page (50)', run: () => listRequests(env, actor, {}), marker: /FROM "public"\."change_request"/ },
      {
        name: 'filter: county 530102 + PENDING',
        run: () => listRequests(env, actor, { region: '530102', status: ['PENDING'] } satisfies ListFilters),
        marker: /FROM "public"\."change_request"/,
      },
      { name: 'filter: overdue only', run: () => listRequests(env, actor, { overdue: true }), marker: /FROM "public"\."change_request"/ },
      { name: 'list: page 41 by cursor', run: () => listRequests(env, actor, { ...(deepCursor ? { cursor: deepCursor } : {}) }), marker: /FROM "public"\."change_request"/ },
      { name: 'stats: open + decided in 30 days', run: () => reviewStats(env, actor), marker: /GROUP BY change_request\.status/ },
    ];

    const results: Record<string, string | number>[] = [];
    const plans: string[] = [];
    for (const c of cases) {
      for (let i = 0; i < WARMUP; i++) await c.run();
      const times: number[] = [];
      const sqlTimes: number[] = [];
      const isMain = (q: { query: string }) => c.marker.test(q.query) && !/^\s*INSERT/i.test(q.query);
      for (let i = 0; i < RUNS; i++) {
        seen.length = 0;
        const s = performance.now();
        await c.run();
        times.push(performance.now() - s);
        const mains = seen.filter(isMain);
        if (mains.length) sqlTimes.push(Math.max(...mains.map((q) => q.duration)));
      }
      const mains = seen.filter(isMain);
      times.sort((a, b) => a - b);
      sqlTimes.sort((a, b) => a - b);
      results.push({
        query: c.name,
        runs: RUNS,
        'p50 (call)': fmt(percentile(times, 50)),
        'p95 (call)': fmt(percentile(times, 95)),
        'p99 (call)': fmt(percentile(times, 99)),
        'p50 (SQL)': fmt(percentile(sqlTimes, 50)),
        'p99 (SQL)': fmt(percentile(sqlTimes, 99)),
      });
      for (const main of mains) {
        const params = JSON.parse(main.params) as unknown[];
        const plan = await sql.query(`EXPLAIN (ANALYZE, BUFFERS) ${main.query}`, params);
        plans.push(`--- ${c.name}\n${main.query}\nparams: ${main.params}\n${plan.rows.map((r: Record<string, string>) => r['QUERY PLAN']).join('\n')}`);
      }
    }
    console.log(`\nReviewer of ${PREFECTURE}; call = the service function (its queries + region and staff names + audit row); SQL = the slowest change_request statement of the call as Prisma timed it.`);
    console.table(results);
    console.log('\nPlans (EXPLAIN ANALYZE of the statement Prisma sent, same parameters):\n');
    console.log(plans.join('\n\n'));
    await logged.$disconnect();
  } finally {
    await sql.end();
    await db.close();
    if (process.env.BENCH_KEEP !== '1') {
      const a = new Client({ connectionString: ADMIN_URL });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await a.end();
      console.log(`\ndropped ${name}`);
    } else {
      console.log(`\nkept ${name}`);
    }
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
