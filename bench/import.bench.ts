import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { parseDatabaseUrl } from '../src/db/database-target';
import { openDatabase, type OpenDatabase } from '../src/db/open-database';
import { normaliseIdNumber, parseIdNumber } from '../src/domain/codes/id-number';
import { computeFlags, knownRegionFrom } from '../src/domain/registry/person-flags';
import { loadRegionCodes, seedRegions } from '../src/domain/registry/region.service';
import { ENROLMENT_COLUMNS, importRegistry, PERSON_COLUMNS, type ImportSummary } from '../src/domain/registry-import';
import { createCsvFileWriter, generateSyntheticPopulation } from '../src/domain/demo/synthetic-population';

/**
 * npm run bench:import -- [--persons 100000] [--keep] [--reimport] [--batch-size 2000] [--seed 1]
 *                           [--max-old-space-size MB]
 *
 * 1. Generates persons.csv and enrolments.csv with the synthetic generator into bench/out/, plus the same
 *    person and household rows pre-transformed for COPY (normalised ID numbers, enum values, flags).
 * 2. Creates a fresh PostgreSQL database (admin URL: DATABASE_URL, else postgresql://postgres@127.0.0.1:5432/
 *    postgres), migrates it and loads the regions, then imports both files with importRegistry in a child
 *    process (the "import process") whose RSS is sampled every 100 ms and whose maxRSS is reported.
 * 3. Creates a second fresh database and loads the same households and persons with psql's \copy, the
 *    PostgreSQL baseline. Prints rows/s of both and the ratio.
 * Databases and files are removed at the end unless --keep. --max-old-space-size is passed to the import
 * process's Node (V8 otherwise lets garbage grow the heap to several times the live data).
 */

const DEFAULT_ADMIN_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';
const OUT_DIR = path.resolve(__dirname, 'out');
const PERSON_COPY_COLUMNS = [
  'id_number',
  'name',
  'sex',
  'ethnicity',
  'birth_date',
  'phone',
  'hukou_region',
  'hukou_address',
  'residence_region',
  'residence_address',
  'region_code',
  'household_id',
  'employment_status',
  'employer',
  'flags',
] as const;
const HOUSEHOLD_COPY_COLUMNS = ['id', 'region_code', 'address'] as const;

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const mb = (bytes: number) => `${(bytes / 1048576).toFixed(0)} MB`;

interface ChildResult {
  /** RSS once the database is open, before the import starts. */
  baselineRss: number;
  /** CPU time of the import process and of its PostgreSQL backends (null when /proc cannot tell). */
  importCpuMs: number;
  backendCpuMs: number | null;
  summary: ImportSummary;
  personsMs: number;
  enrolmentsMs: number;
  totalMs: number;
  reimport?: ImportSummary;
  peakRssSampled: number;
  maxRss: number;
}

// ------------------------------------------------------------------ the import process

async function child(args: { db: string; persons: string; enrolments: string; batchSize?: number; reimport: boolean }) {
  let peak = 0;
  const sample = () => {
    peak = Math.max(peak, process.memoryUsage().rss);
  };
  sample();
  const sampler = setInterval(sample, 100);
  // Migrated by the driver already, so the schema engine is not loaded here.
  const db = await openDatabase({ kind: 'postgres', url: args.db }, { migrate: true, poolSize: 2 });
  try {
    sample();
    const baselineRss = process.memoryUsage().rss;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let personsDone = t0;
    const summary = await importRegistry(db.prisma, {
      persons: args.persons,
      enrolments: args.enrolments,
      batchSize: args.batchSize,
      onProgress: (p) => {
        if (p.file === 'persons' && p.done) personsDone = performance.now();
      },
    });
    const t1 = performance.now();
    const reimport = args.reimport
      ? await importRegistry(db.prisma, { persons: args.persons, enrolments: args.enrolments, batchSize: args.batchSize })
      : undefined;
    clearInterval(sampler);
    sample();
    const cpu = process.cpuUsage(cpu0);
    const result: ChildResult = {
      baselineRss,
      importCpuMs: (cpu.user + cpu.system) / 1000,
      backendCpuMs: await backendCpuMs(db.prisma),
      summary,
      personsMs: personsDone - t0,
      enrolmentsMs: t1 - personsDone,
      totalMs: t1 - t0,
      reimport,
      peakRssSampled: peak,
      // maxRSS is in kilobytes.
      maxRss: process.resourceUsage().maxRSS * 1024,
    };
    process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
  } finally {
    clearInterval(sampler);
    await db.close();
  }
}

/** CPU time so far of this database's server processes (this process's pool), when PostgreSQL runs here. */
async function backendCpuMs(prisma: OpenDatabase['prisma']): Promise<number | null> {
  const rows = await prisma.$queryRawUnsafe<{ pid: number }[]>(
    'SELECT pid FROM pg_stat_activity WHERE datname = current_database()',
  );
  const ticks = 100; // USER_HZ on Linux
  let total = 0;
  try {
    for (const { pid } of rows) {
      const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      total += ((Number(fields[11]) + Number(fields[12])) * 1000) / ticks;
    }
  } catch {
    return null;
  }
  return Number.isFinite(total) ? total : null;
}

// ------------------------------------------------------------------ the driver

function withDatabase(adminUrl: string, name: string): string {
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

async function admin<T>(adminUrl: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: adminUrl });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function freshDatabase(adminUrl: string, name: string): Promise<string> {
  await admin(adminUrl, (c) => c.query(`CREATE DATABASE "${name}"`));
  const url = withDatabase(adminUrl, name);
  const db = await openDatabase({ kind: 'postgres', url }, { migrate: true, poolSize: 1 });
  await db.close();
  return url;
}

function run(cmd: string, args: string[], opts: { captureStdout?: boolean } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', opts.captureStdout ? 'pipe' : 'inherit', 'inherit'] });
    let out = '';
    p.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} exited with ${code}`))));
  });
}

/** Writes the import files and the COPY-ready files from one pass of the generator. */
async function generate(n: number, seed: string, regionCodes: Set<string>) {
  fs.mkdirSync(OUT_DIR, { recursive: true });
  const files = {
    persons: path.join(OUT_DIR, 'persons.csv'),
    enrolments: path.join(OUT_DIR, 'enrolments.csv'),
    personsCopy: path.join(OUT_DIR, 'persons.copy.csv'),
    householdsCopy: path.join(OUT_DIR, 'households.copy.csv'),
  };
  const pw = createCsvFileWriter(files.persons, PERSON_COLUMNS);
  const ew = createCsvFileWriter(files.enrolments, ENROLMENT_COLUMNS);
  const pc = createCsvFileWriter(files.personsCopy, PERSON_COPY_COLUMNS);
  const hc = createCsvFileWriter(files.householdsCopy, HOUSEHOLD_COPY_COLUMNS);
  const knownRegion = knownRegionFrom(regionCodes);
  let enrolments = 0;
  let households = 0;
  let lastHousehold = '';
  for (const rec of generateSyntheticPopulation({ persons: n, seed })) {
    const p = rec.person;
    await pw.write(p);
    for (const e of rec.enrolments) {
      await ew.write(e);
      enrolments++;
    }
    // The same row as the import stores it (first import: flags from person data only).
    const id = parseIdNumber(p.id_number);
    if (!id.ok) throw new Error(`generator produced an invalid ID number on row ${households}`);
    const sex = p.sex === '1' ? 'MALE' : p.sex === '2' ? 'FEMALE' : id.sex;
    const regionCode = p.residence_region || p.hukou_region;
    if (p.household_id && p.household_id !== lastHousehold) {
      lastHousehold = p.household_id;
      households++;
      await hc.write({ id: p.household_id, region_code: regionCode, address: p.hukou_address });
    }
    const flags = computeFlags(
      {
        idNumber: id.idNumber,
        sex,
        phone: p.phone || null,
        hukouRegion: p.hukou_region || null,
        residenceRegion: p.residence_region || null,
        residenceAddress: p.residence_address || null,
      },
      [],
      knownRegion,
    );
    await pc.write({
      ...p,
      id_number: normaliseIdNumber(p.id_number),
      sex,
      birth_date: p.birth_date || id.birthDate,
      region_code: regionCode,
      flags: `{${flags.join(',')}}`,
    });
  }
  await Promise.all([pw.end(), ew.end(), pc.end(), hc.end()]);
  return { files, enrolments, households };
}

async function main() {
  const { values } = parseArgs({
    options: {
      persons: { type: 'string', default: '100000' },
      keep: { type: 'boolean', default: false },
      reimport: { type: 'boolean', default: false },
      'batch-size': { type: 'string' },
      seed: { type: 'string', default: '1' },
      'max-old-space-size': { type: 'string' },
      child: { type: 'boolean', default: false },
      db: { type: 'string' },
      'persons-file': { type: 'string' },
      'enrolments-file': { type: 'string' },
    },
  });
  const batchSize = values['batch-size'] ? Number(values['batch-size']) : undefined;
  const heapMb = values['max-old-space-size'] ? Number(values['max-old-space-size']) : undefined;
  if (heapMb !== undefined && !(heapMb >= 32)) throw new Error('--max-old-space-size must be a number of MB (32 or more)');
  if (values.child) {
    await child({
      db: values.db as string,
      persons: values['persons-file'] as string,
      enrolments: values['enrolments-file'] as string,
      batchSize,
      reimport: values.reimport,
    });
    return;
  }

  const n = Number(values.persons);
  if (!Number.isInteger(n) || n < 1) throw new Error('--persons must be a positive whole number');
  const target = parseDatabaseUrl(process.env.DATABASE_URL ?? DEFAULT_ADMIN_URL);
  if (target.kind !== 'postgres') throw new Error('The benchmark needs PostgreSQL: set DATABASE_URL=postgresql://…');
  const adminUrl = target.url;
  const version = await admin(adminUrl, async (c) => (await c.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]?.v);

  const tag = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const importDbName = `canbao_bench_${tag}_import`;
  const copyDbName = `canbao_bench_${tag}_copy`;
  const created: string[] = [];
  const load = () => os.loadavg().map((l) => l.toFixed(1)).join(' ');
  console.log(
    `Canbao import benchmark: ${fmt(n)} persons (seed ${values.seed}), PostgreSQL ${version}, ` +
      `batch ${batchSize ?? 2000}, ${os.cpus().length} CPUs, load average at start ${load()}` +
      (heapMb ? `, import process run with --max-old-space-size=${heapMb}` : ''),
  );
  try {
    // The import database gets its regions here; their codes also give the COPY rows their flags.
    const importUrl = await freshDatabase(adminUrl, importDbName);
    created.push(importDbName);
    const regions = await openDatabase({ kind: 'postgres', url: importUrl }, { poolSize: 1 });
    let regionCodes: Set<string>;
    try {
      await seedRegions(regions.prisma);
      regionCodes = await loadRegionCodes(regions.prisma);
    } finally {
      await regions.close();
    }

    let t = performance.now();
    const gen = await generate(n, values.seed, regionCodes);
    const size = (f: string) => fs.statSync(f).size;
    console.log(
      `generated ${fmt(n)} persons (${mb(size(gen.files.persons))}), ${fmt(gen.enrolments)} enrolments ` +
        `(${mb(size(gen.files.enrolments))}), ${fmt(gen.households)} households in ${secs(performance.now() - t)}`,
    );

    // The import, in its own process.
    const out = await run(
      process.execPath,
      [
        ...(heapMb ? [`--max-old-space-size=${heapMb}`] : []),
        // TypeScript through tsx's CommonJS hook only: the ESM loader thread would add ~40 MB to the RSS measured.
        '--require',
        require.resolve('tsx/cjs'),
        __filename,
        '--child',
        '--db',
        importUrl,
        '--persons-file',
        gen.files.persons,
        '--enrolments-file',
        gen.files.enrolments,
        ...(batchSize ? ['--batch-size', String(batchSize)] : []),
        ...(values.reimport ? ['--reimport'] : []),
      ],
      { captureStdout: true },
    );
    const line = out.split('\n').find((l) => l.startsWith('RESULT '));
    if (!line) throw new Error(`the import process printed no result:\n${out}`);
    const r = JSON.parse(line.slice('RESULT '.length)) as ChildResult;
    const s = r.summary;
    const importRate = s.persons.read / (r.personsMs / 1000);
    console.log(
      `importRegistry persons:    ${fmt(s.persons.read)} rows in ${secs(r.personsMs)} = ${fmt(importRate)} rows/s ` +
        `(inserted ${fmt(s.persons.inserted)}, rejected ${fmt(s.persons.rejected)}, households created with them)`,
    );
    console.log(
      `importRegistry enrolments: ${fmt(s.enrolments.read)} rows in ${secs(r.enrolmentsMs)} = ` +
        `${fmt(s.enrolments.read / (r.enrolmentsMs / 1000))} rows/s (inserted ${fmt(s.enrolments.inserted)}, ` +
        `rejected ${fmt(s.enrolments.rejected)}; includes ANALYZE and flag updates)`,
    );
    console.log(`warnings: ${JSON.stringify(s.warningsByKind)}, rejects: ${JSON.stringify(s.rejectedByReason)}`);
    if (r.reimport) {
      const ri = r.reimport;
      console.log(
        `re-import of the same files: ${secs(ri.ms)}, persons inserted ${ri.persons.inserted} updated ` +
          `${ri.persons.updated} unchanged ${fmt(ri.persons.unchanged)}, enrolments inserted ${ri.enrolments.inserted} ` +
          `updated ${ri.enrolments.updated} unchanged ${fmt(ri.enrolments.unchanged)}`,
      );
    }

    // The COPY baseline.
    const copyUrl = await freshDatabase(adminUrl, copyDbName);
    created.push(copyDbName);
    t = performance.now();
    await run('psql', [
      copyUrl,
      '-q',
      '-v',
      'ON_ERROR_STOP=1',
      '-c',
      `\\copy household(${HOUSEHOLD_COPY_COLUMNS.join(',')}) FROM '${gen.files.householdsCopy}' CSV HEADER`,
      '-c',
      `\\copy person(${PERSON_COPY_COLUMNS.join(',')}) FROM '${gen.files.personsCopy}' CSV HEADER`,
    ]);
    const copyMs = performance.now() - t;
    const copyRate = n / (copyMs / 1000);
    console.log(`psql \\copy households + persons: ${fmt(n)} person rows in ${secs(copyMs)} = ${fmt(copyRate)} rows/s`);
    console.log(`ratio import/COPY (persons rows/s): ${(importRate / copyRate).toFixed(2)}`);
    console.log(
      `peak RSS of the import process: ${mb(r.peakRssSampled)} (sampled every 100 ms), ${mb(r.maxRss)} (maxRSS); ` +
        `${mb(r.baselineRss)} before the import started (modules, Prisma client, open database)`,
    );
    console.log(
      `CPU during the import: import process ${secs(r.importCpuMs)}` +
        (r.backendCpuMs === null ? '' : `, its PostgreSQL backends ${secs(r.backendCpuMs)}`),
    );
    console.log(`load average at end ${load()}`);
  } finally {
    if (values.keep) {
      console.log(`kept databases ${created.join(', ')} and files in ${OUT_DIR}`);
    } else {
      for (const name of created) await admin(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
      for (const f of ['persons.csv', 'enrolments.csv', 'persons.copy.csv', 'households.copy.csv']) {
        fs.rmSync(path.join(OUT_DIR, f), { force: true });
      }
    }
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
