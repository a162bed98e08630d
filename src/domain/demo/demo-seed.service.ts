import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PrismaClient } from '../../generated/prisma/client';
import { chinaDate } from '../calendar/china-time';
import { computeFlags, knownRegionFrom, mergeFlags } from '../registry/person-flags';
import { loadRegionCodes, seedRegions } from '../registry/region.service';
import { importRegistry, type ImportSummary } from '../registry-import';
import { writeSyntheticCsv, type SyntheticRecord } from './synthetic-population';

/**
 * The demo population: on an empty registry, load the regions (if missing) and a clearly synthetic population
 * through the real import (CSV files in a temporary folder → importRegistry), then give a few people a sex
 * that contradicts their ID number (SEX_MISMATCH cannot come through the import, where it is a reject).
 * Every ID number is fictitious; names of the generated people contain 样例, addresses 演示.
 */

export interface DemoPerson {
  idNumber: string;
  name: string;
  sex: 'MALE' | 'FEMALE';
  birthDate: string;
  /** Mobile phone on record; null when there is none. */
  phone: string | null;
  /** The managing region (residence, else hukou). */
  regionCode: string;
  /** What to try with this person in the chat. */
  tryThis: string;
}

const row = (p: Partial<SyntheticRecord['person']> & { id_number: string; name: string }): SyntheticRecord['person'] => ({
  sex: '',
  ethnicity: '01',
  birth_date: '',
  phone: '',
  hukou_region: '',
  hukou_address: '',
  residence_region: '',
  residence_address: '',
  household_id: '',
  employment_status: '',
  employer: '',
  ...p,
});

/** The month before the one `now` falls in (China time), YYYY-MM: what a regular payer has paid up to. */
export function lastMonth(now: Date): string {
  const [y, m] = chinaDate(now).split('-').map(Number) as [number, number];
  return m === 1 ? `${String(y - 1)}-12` : `${String(y)}-${String(m - 1).padStart(2, '0')}`;
}

/**
 * The fixed demo persons, written before the generated ones (README "Demo" lists them). Their paying enrolments
 * are paid up to last month as of `now` (the application clock), so the demo never shows 缴费中断 by age alone.
 */
export function demoRecords(now: Date): SyntheticRecord[] {
  const paidUpTo = lastMonth(now);
  const paying = (idNumber: string, types: string[], region: string, since: string, employer = '') =>
    types.map((t) => ({
      id_number: idNumber,
      insurance_type: t,
      status: '1',
      region,
      first_enrolled: since,
      last_paid_month: paidUpTo,
      employer,
    }));
  return [
    {
      // Complete and consistent: verify with the phone's last 4 digits and confirm directly.
      person: row({
        id_number: '530102199003071238',
        name: '张三',
        sex: '1',
        birth_date: '1990-03-07',
        phone: '13800001234',
        hukou_region: '530102001',
        hukou_address: '昆明市五华区华山街道演示路1号',
        residence_region: '530102001',
        residence_address: '昆明市五华区华山街道演示小区1栋101室',
        household_id: 'SYN-DEMO-0001',
        employment_status: 'EMPLOYED',
        employer: '五华区演示科技有限公司',
      }),
      enrolments: paying('530102199003071238', ['110', '210', '310', '410', '510'], '530102', '2012-07-01', '五华区演示科技有限公司'),
    },
    {
      // No phone on record: cannot be verified remotely (household visit).
      person: row({
        id_number: '532301198511200042',
        name: '李四',
        sex: '2',
        ethnicity: '07',
        birth_date: '1985-11-20',
        hukou_region: '532301101',
        hukou_address: '楚雄彝族自治州楚雄市鹿城镇演示村3组8号',
        residence_region: '532301101',
        residence_address: '楚雄彝族自治州楚雄市鹿城镇演示村3组8号',
        household_id: 'SYN-DEMO-0002',
        employment_status: 'FARMING',
      }),
      enrolments: paying('532301198511200042', ['170', '390'], '532301', '2011-03-15'),
    },
    {
      // Born in Beijing (ID county 110105, outside the region table), check character X, retired in Kunming.
      person: row({
        id_number: '11010519491231002X',
        name: '王五',
        sex: '2',
        birth_date: '1949-12-31',
        phone: '13800005678',
        hukou_region: '530103001',
        hukou_address: '昆明市盘龙区拓东街道演示路5号',
        residence_region: '530103001',
        residence_address: '昆明市盘龙区拓东街道演示路5号2栋302室',
        household_id: 'SYN-DEMO-0003',
        employment_status: 'RETIRED',
      }),
      // Retired in 2005: draws the pension and keeps employee medical insurance without paying (领取待遇).
      enrolments: paying('11010519491231002X', ['110', '310'], '530103', '1996-01-01').map((e) => ({ ...e, benefit_from: '2005-01' })),
    },
    {
      // Two data-quality flags to resolve: employee and resident medical both paying; no residence on record.
      person: row({
        id_number: '530111199506151236',
        name: '赵六',
        sex: '1',
        birth_date: '1995-06-15',
        phone: '13800002468',
        hukou_region: '530111001',
        hukou_address: '昆明市官渡区关上街道演示路9号',
        household_id: 'SYN-DEMO-0004',
        employment_status: 'EMPLOYED',
        employer: '官渡区演示物流有限公司',
      }),
      enrolments: [
        ...paying('530111199506151236', ['110', '210', '310', '410'], '530111', '2018-09-01', '官渡区演示物流有限公司'),
        ...paying('530111199506151236', ['390'], '530111', '2015-01-01'),
      ],
    },
  ];
}

export const DEMO_PERSONS: readonly DemoPerson[] = [
  {
    idNumber: '530102199003071238',
    name: '张三',
    sex: 'MALE',
    birthDate: '1990-03-07',
    phone: '13800001234',
    regionCode: '530102001',
    tryThis: 'verify with the last 4 phone digits 1234; the record is complete and can be confirmed directly',
  },
  {
    idNumber: '532301198511200042',
    name: '李四',
    sex: 'FEMALE',
    birthDate: '1985-11-20',
    phone: null,
    regionCode: '532301101',
    tryThis: 'no phone on record: cannot be verified remotely, goes to a household visit',
  },
  {
    idNumber: '11010519491231002X',
    name: '王五',
    sex: 'FEMALE',
    birthDate: '1949-12-31',
    phone: '13800005678',
    regionCode: '530103001',
    tryThis: 'verify with 5678; ID number ending in X (type a lower-case x too), born outside Yunnan, retired',
  },
  {
    idNumber: '530111199506151236',
    name: '赵六',
    sex: 'MALE',
    birthDate: '1995-06-15',
    phone: '13800002468',
    regionCode: '530111001',
    tryThis: 'verify with 2468; flags DUPLICATE_MEDICAL (310 and 390 both paying) and MISSING_RESIDENCE',
  },
];

export const DEMO_SEED = 'canbao-demo';
/** How many generated people get a sex that contradicts their ID number. */
export const DEMO_SEX_MISMATCHES = 3;

export interface DemoSeedOptions {
  /** Total people, the fixed demo persons included (default 3,000). */
  persons?: number;
  seed?: number | string;
  /** The application clock's now: payments are recent relative to it (default: the system time). */
  now?: Date;
}

export interface DemoSeedResult {
  seeded: boolean;
  /** People in the registry afterwards. */
  persons: number;
  /** The import's summary when it seeded. */
  summary?: ImportSummary;
}

/** Seeds the demo population when the person table is empty; see the file comment. */
export async function seedDemoIfEmpty(db: PrismaClient, opts: DemoSeedOptions = {}): Promise<DemoSeedResult> {
  const existing = await db.person.count();
  if (existing > 0) return { seeded: false, persons: existing };
  if ((await db.region.count()) === 0) await seedRegions(db);

  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'canbao-demo-'));
  let summary: ImportSummary;
  try {
    const personsFile = path.join(dir, 'persons.csv');
    const enrolmentsFile = path.join(dir, 'enrolments.csv');
    const now = opts.now ?? new Date();
    const records = demoRecords(now);
    const total = Math.max(records.length, opts.persons ?? 3000);
    await writeSyntheticCsv({
      persons: total - records.length,
      seed: opts.seed ?? DEMO_SEED,
      // The generated people's payments end in the last few months before today, not before a fixed date.
      referenceDate: chinaDate(now),
      personsFile,
      enrolmentsFile,
      before: records,
    });
    summary = await importRegistry(db, { persons: personsFile, enrolments: enrolmentsFile });
  } finally {
    await fs.promises.rm(dir, { recursive: true, force: true });
  }
  await markSexMismatches(db, DEMO_SEX_MISMATCHES);
  return { seeded: true, persons: await db.person.count(), summary };
}

/**
 * Gives `n` generated people (the first by ID number, never a fixed demo person) the sex their ID number
 * contradicts, and the SEX_MISMATCH flag through computeFlags. Does nothing when such people exist already
 * (a second seeding process must not flip them back).
 */
async function markSexMismatches(db: PrismaClient, n: number): Promise<void> {
  // Raw: the PGlite adapter sends `flags: { has: … }` on an enum array as a malformed array literal.
  const marked = await db.$queryRawUnsafe<unknown[]>(`SELECT 1 FROM person WHERE 'SEX_MISMATCH' = ANY(flags) LIMIT 1`);
  if (marked.length) return;
  const people = await db.person.findMany({
    where: { idNumber: { notIn: DEMO_PERSONS.map((p) => p.idNumber) }, sex: { not: null } },
    orderBy: { idNumber: 'asc' },
    take: n,
    include: { enrolments: { select: { insuranceType: true, status: true } } },
  });
  const knownRegion = knownRegionFrom(await loadRegionCodes(db));
  for (const p of people) {
    const sex = p.sex === 'MALE' ? 'FEMALE' : 'MALE';
    const flags = mergeFlags(p.flags, computeFlags({ ...p, sex }, p.enrolments, knownRegion));
    await db.person.update({ where: { id: p.id }, data: { sex, flags, version: { increment: 1 } } });
  }
}
