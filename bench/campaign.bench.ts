/**
 * Campaign benchmark (npm run bench:campaign -- --recipients N): N synthetic persons in one prefecture
 * (Kunming, 530100, spread over its townships) on a fresh PostgreSQL database, then as a community worker of
 * the prefecture:
 * - the segment preview (count, reach per channel, sample, estimate) through the real service, 5 runs;
 * - recipients materialised by CampaignDispatcher.materialiseBatch (--materialise-batch, default 20000 like
 *   CAMPAIGN_MATERIALISE_BATCH; dispatch and the outbox claim --batch, default 500 like CAMPAIGN_BATCH)
 *   against one INSERT ... SELECT of the same rows into a scratch table in the same run (the ratio);
 * - dispatch with pacing off and a fake SMS gateway that accepts at once: campaign dispatcher (claim,
 *   re-check, outbox rows, audit) and then the campaign SMS outbox sending every row; messages/s of the whole;
 * - peak RSS sampled every 50 ms.
 * DATABASE_URL: a PostgreSQL server (default postgresql://postgres@127.0.0.1:5432/postgres); a database
 * <BENCH_DB_PREFIX, default canbao_bench_campaign>_<random> is created and dropped at the end (BENCH_KEEP=1 keeps it).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { campaignRenderer } from '../src/app/campaigns';
import { CampaignSmsOutbox } from '../src/conversation/campaign-sms-outbox';
import { SmsCampaignSender } from '../src/channels/sms/sms-campaign-sender';
import { openDatabase } from '../src/db/open-database';
import { CampaignDispatcher } from '../src/domain/campaigns/campaign-dispatcher';
import { previewSegment } from '../src/domain/campaigns/segment.service';
import { systemClock } from '../src/lib/clock';
import { createI18n } from '../src/lib/i18n';
import { createLogger } from '../src/lib/logger';

const ADMIN_URL = process.env.DATABASE_URL?.startsWith('postgres') ? process.env.DATABASE_URL : 'postgresql://postgres@127.0.0.1:5432/postgres';
const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const N = arg('recipients', 100_000);
// The server's defaults (CAMPAIGN_BATCH, CAMPAIGN_MATERIALISE_BATCH in src/app/config.ts).
const BATCH = arg('batch', 500);
const MATERIALISE_BATCH = arg('materialise-batch', 20000);
const PREFECTURE = '530100';

async function main() {
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  /** RSS now and the peak so far, to tell which phase holds memory. */
  const phase = () => {
    const m = process.memoryUsage();
    const mb = (n: number) => (n / 1048576).toFixed(0);
    return `RSS ${mb(m.rss)} MB (peak ${mb(peak)} MB; V8 heap ${mb(m.heapUsed)}/${mb(m.heapTotal)} MB, external ${mb(m.external)} MB, array buffers ${mb(m.arrayBuffers)} MB)`;
  };
  console.log(`start: ${phase()}`);
  const name = `${process.env.BENCH_DB_PREFIX ?? 'canbao_bench_campaign'}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  console.log(`database ${name}; ${N.toLocaleString()} persons; batch ${BATCH}, materialised ${MATERIALISE_BATCH} at a time`);
  // Migrations in a child process (npm run db:deploy): the schema engine's WASM would otherwise stay in this
  // process's RSS, which is meant to show what dispatch holds.
  execFileSync(process.execPath, [require.resolve('tsx/cli'), 'src/cli/db-deploy.ts'], { env: { ...process.env, DATABASE_URL: url.toString() }, stdio: 'inherit' });
  // The first staff account through the CLI, as an operator sets up a server (`npm run staff -- add`, which also
  // loads the region table when it is empty): this process then holds what a server started on a set-up
  // database holds. (A server started on an empty region table loads it itself, some 45 MB more until restart.)
  execFileSync(process.execPath, [require.resolve('tsx/cli'), 'src/cli/staff.ts', 'add', '--username', 'bench-worker', '--role', 'community_worker', '--region', PREFECTURE, '--password-stdin'], {
    env: { ...process.env, DATABASE_URL: url.toString() },
    input: 'bench password 123\n',
    stdio: ['pipe', 'inherit', 'inherit'],
  });
  const db = await openDatabase({ kind: 'postgres', url: url.toString() }, { poolSize: 4 });
  const sql = new Client({ connectionString: url.toString() });
  await sql.connect();
  const logger = createLogger({ level: 'warn' });
  try {
    const towns = (await sql.query<{ code: string }>(`SELECT code FROM region WHERE level = 'TOWNSHIP' AND code LIKE '5301%' ORDER BY code`)).rows.map((r) => r.code);
    const t0 = performance.now();
    // Unregistered four in five; a phone for nine in ten; a bound WeChat identity for one in twenty.
    await sql.query(
      `INSERT INTO person (id, id_number, name, phone, region_code, residence_region, birth_date, registration_status, employment_status, flags)
       SELECT gen_random_uuid(), 'B' || lpad(g.i::text, 17, '0'), '样例' || g.i,
              CASE WHEN g.i % 10 = 0 THEN NULL ELSE '139' || lpad((g.i % 100000000)::text, 8, '0') END,
              ($1::text[])[1 + g.i % array_length($1::text[], 1)], ($1::text[])[1 + g.i % array_length($1::text[], 1)],
              DATE '1950-01-01' + (g.i % 20000), CASE WHEN g.i % 5 = 0 THEN 'CONFIRMED' ELSE 'UNREGISTERED' END::"RegistrationStatus",
              'FARMING', '{}'::"DataQualityFlag"[]
       FROM generate_series(1, $2) AS g(i)`,
      [towns, N],
    );
    await sql.query(
      `INSERT INTO conversation (id, channel, endpoint, flow_id, flow_version, person_id, bound_until)
       SELECT gen_random_uuid(), 'wechaty', 'wx' || p.id, 'resident', 3, p.id, now() + interval '30 days' FROM person p WHERE p.id_number LIKE '%21'`,
    );
    await sql.query('ANALYZE');
    console.log(`generated in ${((performance.now() - t0) / 1000).toFixed(1)} s; ${phase()}`);

    const staff = await db.prisma.staffUser.findUniqueOrThrow({ where: { username: 'bench-worker' } });
    const ctx = { staff: { id: staff.id, username: staff.username, role: staff.role, regionCode: staff.regionCode }, source: 'bench', now: new Date() };
    const filter = { region: PREFECTURE, registrationStatus: ['UNREGISTERED' as const] };
    const times: number[] = [];
    let count = 0;
    for (let i = 0; i < 5; i++) {
      const s = performance.now();
      const r = await previewSegment(db.prisma, ctx, filter, { channels: ['wechat', 'sms'], quietHours: null, rates: { wechatPerMinute: 20, smsPerMinute: 300 } });
      times.push(performance.now() - s);
      if (r.ok) {
        count = r.preview.count;
        if (i === 0) console.log(`preview: ${JSON.stringify(r.preview.byChannel)}, estimated ${r.preview.estimatedHours} h`);
      }
    }
    times.sort((a, b) => a - b);
    console.log(`preview of ${count.toLocaleString()} persons in scope: median ${times[2]!.toFixed(0)} ms, max ${times[4]!.toFixed(0)} ms; ${phase()}`);

    const campaign = await db.prisma.campaign.create({
      data: { name: 'bench', regionCode: PREFECTURE, filter, template: 'reminder.unregistered', channels: ['sms'], status: 'RUNNING', createdBy: staff.id },
    });
    let fakeSent = 0;
    const outbox = new CampaignSmsOutbox(db.prisma, systemClock, logger, new SmsCampaignSender(async () => ({ status: 200, body: (fakeSent++).toString() })), { batchSize: BATCH });
    const dispatcher = new CampaignDispatcher({
      prisma: db.prisma,
      clock: systemClock,
      logger,
      render: campaignRenderer(createI18n()),
      linkBase: 'https://rs.example.cn',
      linkDays: 14,
      batchSize: BATCH,
      materialiseBatchSize: MATERIALISE_BATCH,
      rates: null,
    });
    const running = { id: campaign.id, filter, template: campaign.template, channels: campaign.channels, quiet: null, materialised: false };
    const m0 = performance.now();
    let materialised = 0;
    for (;;) {
      const n = await dispatcher.materialiseBatch(running);
      materialised += n;
      const c = await db.prisma.campaign.findUniqueOrThrow({ where: { id: campaign.id }, select: { materialised: true } });
      if (c.materialised) break;
    }
    const mMs = performance.now() - m0;
    await sql.query(`CREATE TABLE scratch_recipient (LIKE campaign_recipient INCLUDING ALL)`);
    const b0 = performance.now();
    await sql.query(
      `INSERT INTO scratch_recipient (id, campaign_id, person_id, region_code, queued_at)
       SELECT gen_random_uuid(), $1::uuid, p.id, p.region_code, now() FROM person p
       WHERE p.region_code >= '5301' AND p.region_code < '5302' AND p.registration_status = 'UNREGISTERED'
         AND NOT p.reminders_opt_out AND p.id NOT IN (SELECT person_id FROM do_not_contact)
         AND p.id NOT IN (SELECT person_id FROM change_request WHERE status IN ('PENDING','NEEDS_INFO') AND person_id IS NOT NULL)
       ORDER BY p.id`,
      [campaign.id],
    );
    const bMs = performance.now() - b0;
    const mRate = materialised / (mMs / 1000);
    const bRate = materialised / (bMs / 1000);
    console.log(`materialised ${materialised.toLocaleString()} recipients: ${mRate.toFixed(0)} rows/s; INSERT ... SELECT ${bRate.toFixed(0)} rows/s; ratio ${(mRate / bRate).toFixed(2)}; ${phase()}`);

    const d0 = performance.now();
    let sent = 0;
    for (;;) {
      const r = await dispatcher.dispatchBatch(running);
      sent += r.sent;
      if (!r.sent && !r.skipped) break;
    }
    const enqMs = performance.now() - d0;
    // Printed before the outbox runs, so a run stopped during the outbox still reports the dispatcher's rate.
    console.log(`campaign dispatcher: ${sent.toLocaleString()} messages to the outbox in ${(enqMs / 1000).toFixed(1)} s = ${(sent / (enqMs / 1000)).toFixed(0)} msg/s; ${phase()}`);
    await outbox.kick();
    const dMs = performance.now() - d0;
    console.log(`through the outbox to the fake channel: ${fakeSent.toLocaleString()} sent, end to end ${(fakeSent / (dMs / 1000)).toFixed(0)} msg/s; ${phase()}`);
  } finally {
    clearInterval(sampler);
    await sql.end();
    await db.close();
    if (process.env.BENCH_KEEP !== '1') {
      const a = new Client({ connectionString: ADMIN_URL });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await a.end();
    }
    console.log(`peak RSS ${(peak / 1048576).toFixed(0)} MB; load average ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
