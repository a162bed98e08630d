import os from 'node:os';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { openDatabase } from '../src/db/open-database';
import { CORRECTED_PAIRS_SQL, LEGACY_TWINS_SQL, findMergeCandidates } from '../src/domain/review/merge-request';
import { seedRegions } from '../src/domain/registry/region.service';
import { createFreshDatabase } from '../test/helpers/fresh-database';

/**
 * npm run bench:merge-scan -- [--persons 1000000] [--twins 1000] [--corrected 1000] [--keep] [--db-prefix canbao_merge_scan]
 *
 * The merge-candidate scan (issue 17) at scale. A fresh PostgreSQL database (admin URL: DATABASE_URL, else
 * postgresql://postgres@127.0.0.1:5432/postgres), migrated, with --persons synthetic persons of the shape
 * bench/match.bench.ts generates (county 530102, 1,000 per birth day from 1950-01-01, valid ID numbers, name
 * 样例N), plus planted duplicates: --twins legacy 15-digit numbers of existing persons, and --corrected pairs of
 * one name and birth date under two 18-digit numbers that differ in the sequence. Prints the plans (EXPLAIN) of
 * both statements, the scan's time (findMergeCandidates), and the pairs found against the planted ones; the
 * baseline in the same run is a plain sequential read of the person table (`SELECT count(*) … WHERE
 * length(id_number) = 15`), the least any scan over all persons costs.
 */

const DEFAULT_ADMIN_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';
const COUNTY = '530102';
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** SQL: the n-th synthetic person's 18-character number (birth day n/1000 after 1950-01-01, sequence n%1000). */
const ID_FN = `CREATE OR REPLACE FUNCTION pg_temp.bench_id(n bigint) RETURNS text LANGUAGE sql IMMUTABLE AS $f$
  SELECT s || substr('10X98765432', (SELECT sum(substr(s, i, 1)::int * (ARRAY[7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2])[i]) FROM generate_series(1, 17) i)::int % 11 + 1, 1)
  FROM (SELECT '${COUNTY}' || to_char(DATE '1950-01-01' + (n / 1000)::int, 'YYYYMMDD') || lpad((n % 1000)::text, 3, '0') AS s) x $f$`;

const PERSON_COLUMNS = 'id_number, name, sex, birth_date, hukou_region, region_code, flags';
const personSelect = (idExpr: string, nameExpr: string, n: string) =>
  `SELECT ${idExpr}, ${nameExpr}, CASE WHEN ${n} % 2 = 1 THEN 'MALE' ELSE 'FEMALE' END::"Sex", DATE '1950-01-01' + (${n} / 1000)::int, '530102001', '530102001', '{}'`;

async function loadPersons(c: Client, persons: number, twins: number, corrected: number) {
  await c.query(ID_FN);
  const chunk = 250_000;
  for (let from = 0; from < persons; from += chunk) {
    const to = Math.min(persons, from + chunk) - 1;
    await c.query(`INSERT INTO person (${PERSON_COLUMNS}) ${personSelect('pg_temp.bench_id(g)', `'样例' || g`, 'g')} FROM generate_series(${from}, ${to}) g`);
    process.stderr.write(`persons: ${fmt(to + 1)}\n`);
  }
  // Legacy twins: the 15-digit form (century dropped, no check character) of persons spread over the registry.
  const step = Math.max(1, Math.floor(persons / twins));
  await c.query(
    `INSERT INTO person (${PERSON_COLUMNS}) ${personSelect(`left(pg_temp.bench_id(g), 6) || substr(pg_temp.bench_id(g), 9, 9)`, `'样例' || g`, 'g')}
     FROM generate_series(0, ${twins - 1}) k, LATERAL (SELECT k * ${step} AS g) x`,
  );
  // Corrected numbers: on birth days after the generated ones, a person under sequence 000 and again under 001.
  const day0 = Math.ceil(persons / 1000) + 1;
  await c.query(
    `INSERT INTO person (${PERSON_COLUMNS}) ${personSelect('pg_temp.bench_id(g)', `'改号' || k`, 'g')}
     FROM generate_series(0, ${corrected - 1}) k, LATERAL (VALUES ((${day0} + k) * 1000), ((${day0} + k) * 1000 + 1)) x(g)`,
  );
  await c.query('TRUNCATE progress_dirty');
  await c.query('VACUUM ANALYZE person');
}

async function main() {
  const { values } = parseArgs({
    options: { persons: { type: 'string', default: '1000000' }, twins: { type: 'string', default: '1000' }, corrected: { type: 'string', default: '1000' }, keep: { type: 'boolean' }, 'db-prefix': { type: 'string', default: 'canbao_merge_scan' } },
  });
  const [persons, twins, corrected] = [Number(values.persons), Number(values.twins), Number(values.corrected)];
  if (!(persons >= 1 && twins >= 1 && twins <= persons && corrected >= 1)) throw new Error('--persons, --twins and --corrected must be positive, twins ≤ persons');
  // A fresh database on the PostgreSQL server (test/helpers/fresh-database.ts; it needs a postgres admin URL).
  if (!process.env.DATABASE_URL?.startsWith('postgres')) process.env.DATABASE_URL = DEFAULT_ADMIN_URL;
  const fresh = await createFreshDatabase(values['db-prefix']);
  const url = fresh.url;
  try {
    const setup = await fresh.open('bench:merge-scan');
    await seedRegions(setup.prisma);
    await setup.close();
    const c = new Client({ connectionString: url });
    await c.connect();
    let t = performance.now();
    await loadPersons(c, persons, twins, corrected);
    console.error(`generated ${fmt(persons)} persons (+${fmt(twins)} legacy twins, +${fmt(corrected * 2)} corrected-number rows) in ${secs(performance.now() - t)}`);
    for (const [label, sql] of [['15-digit pass', LEGACY_TWINS_SQL], ['corrected-number pass', CORRECTED_PAIRS_SQL]] as const) {
      const plan = (await c.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`)).rows.map((r) => r['QUERY PLAN']);
      // The index condition of the 15-digit pass spells out the check-character sum: shortened.
      const short = plan.map((l) => (l.length > 140 ? `${l.slice(0, 137)}...` : l));
      console.log(`plan of the ${label}:\n  ${short.join('\n  ')}`);
    }
    t = performance.now();
    await c.query('SELECT count(*) FROM person WHERE length(id_number) = 15');
    const seqMs = performance.now() - t;
    await c.end();

    const open = await openDatabase({ kind: 'postgres', url }, { migrate: false, poolSize: 1 });
    try {
      t = performance.now();
      const load = os.loadavg().map((x) => x.toFixed(1)).join(' ');
      const pairs = await findMergeCandidates(open.prisma);
      const scanMs = performance.now() - t;
      const found = (reason: string) => pairs.filter((p) => p.reason === reason).length;
      console.log(`persons ${fmt(persons)}: scan ${secs(scanMs)}; baseline sequential read of person ${secs(seqMs)} (ratio ${(scanMs / seqMs).toFixed(1)}); load average before the scan ${load}`);
      console.log(`pairs found: ID15_TO_18 ${fmt(found('ID15_TO_18'))} of ${fmt(twins)} planted, CORRECTED_NUMBER ${fmt(found('CORRECTED_NUMBER'))} of ${fmt(corrected)} planted`);
    } finally {
      await open.close();
    }
  } finally {
    if (values.keep) console.error(`kept the database: ${url}`);
    else await fresh.drop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
