import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { OpenDatabase } from '../../src/db/open-database';
import { isWorkingAge } from '../../src/domain/progress/counters';
import { refreshDaily } from '../../src/domain/progress/daily.service';
import { rollupDrift, runProgressJob } from '../../src/domain/progress/progress.job';
import { foldBatch, foldChanges } from '../../src/domain/progress/rollup.service';
import { fixedClock } from '../../src/lib/clock';
import { createTestDatabase } from '../helpers/test-database';

const clock = fixedClock('2026-12-01T04:00:00Z');
let db: OpenDatabase;
const REGIONS = ['530102001', '530102002', '530103001', '532301001', '530102', '530000999', null] as const;
const STATUSES = ['UNREGISTERED', 'PENDING_REVIEW', 'CONFIRMED', 'NEEDS_VISIT'] as const;
const FLAGS = ['MISSING_PHONE', 'MISSING_RESIDENCE', 'DUPLICATE_MEDICAL', 'DUPLICATE_PENSION', 'SEX_MISMATCH', 'UNKNOWN_REGION', 'EMPLOYMENT_MISMATCH'] as const;
const TYPES = ['110', '120', '170', '210', '310', '390'] as const;
const ENROL = ['PAYING', 'SUSPENDED', 'TERMINATED'] as const;
const EMPLOYMENT = ['EMPLOYED', 'FLEXIBLE', 'FARMING', null] as const;
let serial = 0;

async function addPerson(p: { region: string | null; status: string; flags: string[]; sex: string | null; birthYear: number | null; employment: string | null }) {
  serial++;
  const id = randomUUID();
  await db.prisma.person.create({
    data: {
      id,
      idNumber: `T${String(serial).padStart(17, '0')}`,
      name: '样例',
      regionCode: p.region,
      registrationStatus: p.status as never,
      flags: p.flags as never,
      sex: p.sex as never,
      birthDate: p.birthYear ? new Date(`${p.birthYear}-06-15T00:00:00Z`) : null,
      employmentStatus: p.employment as never,
    },
  });
  return id;
}

const personArb = fc.record({
  region: fc.constantFrom(...REGIONS),
  status: fc.constantFrom(...STATUSES),
  flags: fc.subarray([...FLAGS]),
  sex: fc.constantFrom('MALE', 'FEMALE', null),
  birthYear: fc.option(fc.integer({ min: 1940, max: 2020 }), { nil: null }),
  employment: fc.constantFrom(...EMPLOYMENT),
});

/** One random registry change, on a person picked by index (modulo the live persons). */
const changeArb = fc.oneof(
  fc.record({ kind: fc.constant('add' as const), person: personArb }),
  fc.record({ kind: fc.constant('update' as const), pick: fc.nat(), person: personArb }),
  fc.record({ kind: fc.constant('status' as const), pick: fc.nat(), status: fc.constantFrom(...STATUSES) }),
  fc.record({ kind: fc.constant('enrol' as const), pick: fc.nat(), type: fc.constantFrom(...TYPES), status: fc.constantFrom(...ENROL) }),
  fc.record({ kind: fc.constant('unenrol' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('platform' as const), pick: fc.nat(), platform: fc.option(fc.constantFrom('美团', '滴滴'), { nil: null }) }),
  fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }),
);
type Change = typeof changeArb extends fc.Arbitrary<infer T> ? T : never;

async function apply(ids: string[], c: Change) {
  if (c.kind === 'add') {
    ids.push(await addPerson(c.person));
    return;
  }
  if (!ids.length) return;
  const id = ids[c.pick % ids.length] as string;
  switch (c.kind) {
    case 'update':
      await db.prisma.person.update({
        where: { id },
        data: {
          regionCode: c.person.region,
          registrationStatus: c.person.status as never,
          flags: c.person.flags as never,
          sex: c.person.sex as never,
          birthDate: c.person.birthYear ? new Date(`${c.person.birthYear}-01-01T00:00:00Z`) : null,
          employmentStatus: c.person.employment as never,
          phone: `138${serial}`,
        },
      });
      break;
    case 'status':
      await db.prisma.person.update({ where: { id }, data: { registrationStatus: c.status } });
      break;
    case 'enrol':
      await db.prisma.enrolment.upsert({
        where: { personId_insuranceType: { personId: id, insuranceType: c.type } },
        create: { personId: id, insuranceType: c.type, status: c.status },
        update: { status: c.status },
      });
      break;
    case 'unenrol':
      await db.prisma.enrolment.deleteMany({ where: { personId: id } });
      break;
    case 'platform':
      await db.prisma.employmentReport.create({
        data: { personId: id, status: 'FLEXIBLE', platformWork: c.platform, effectiveDate: new Date('2026-11-01T00:00:00Z'), channel: 'test' },
      });
      break;
    case 'delete':
      await db.prisma.person.delete({ where: { id } });
      ids.splice(ids.indexOf(id), 1);
      break;
  }
}

beforeAll(async () => {
  db = await createTestDatabase();
}, 180_000);
afterAll(async () => {
  await db?.close();
});

describe('progress rollup', () => {
  it('equals a full recount after random registry changes (zero drift), whatever the batch size', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) ids.push(await addPerson(fc.sample(personArb, { numRuns: 1, seed: i })[0] as never));
    await runProgressJob(db.prisma, clock);
    expect(await rollupDrift(db.prisma)).toEqual({ cells: 0, absolute: 0 });

    await fc.assert(
      fc.asyncProperty(fc.array(changeArb, { minLength: 1, maxLength: 25 }), fc.integer({ min: 1, max: 7 }), async (changes, batch) => {
        for (const c of changes) await apply(ids, c);
        // Two folders at once (separate connections on PostgreSQL) with small batches, then drain.
        await Promise.all([foldBatch(db.prisma, clock, batch), foldBatch(db.prisma, clock, batch)]);
        await foldChanges(db.prisma, clock, batch);
        expect(await rollupDrift(db.prisma)).toEqual({ cells: 0, absolute: 0 });
      }),
      { numRuns: 20, seed: 16 },
    );
  }, 300_000);

  it("writes today's figures for every region level that equal direct counts of the registry", async () => {
    await runProgressJob(db.prisma, clock);
    await refreshDaily(db.prisma, clock);
    const daily = await db.prisma.progressDaily.findMany({ where: { day: new Date('2026-12-01T00:00:00Z') } });
    const byCode = new Map(daily.map((d) => [d.regionCode, d]));
    const persons = await db.prisma.person.findMany({ include: { enrolments: true, employmentReports: true } });
    for (const code of ['530000', '530100', '530102', '530102001', '532300']) {
      const prefix = code.endsWith('0000') ? code.slice(0, 2) : code.endsWith('00') && code.length === 6 ? code.slice(0, 4) : code;
      const mine = persons.filter((p) => p.regionCode?.startsWith(prefix));
      const wa = mine.filter((p) =>
        isWorkingAge(p.sex === 'MALE' ? 'M' : p.sex === 'FEMALE' ? 'F' : 'U', p.birthDate ? p.birthDate.getUTCFullYear() : 0, 2026),
      );
      const covered = (p: (typeof mine)[number]) => p.enrolments.some((e) => e.status === 'PAYING' && ['110', '120', '170', '310', '390'].includes(e.insuranceType));
      const d = byCode.get(code);
      expect({ code, persons: d?.persons ?? 0, confirmed: d?.confirmed ?? 0, missingPhone: d?.fMissingPhone ?? 0, workingAge: d?.workingAge ?? 0, gap: d?.waNoCover ?? 0 }).toEqual({
        code,
        persons: mine.length,
        confirmed: mine.filter((p) => p.registrationStatus === 'CONFIRMED').length,
        missingPhone: mine.filter((p) => p.flags.includes('MISSING_PHONE')).length,
        workingAge: wa.length,
        gap: wa.filter((p) => !covered(p)).length,
      });
    }
  });
});

describe('rollupDrift', () => {
  it('sees a tampered rollup', async () => {
    await runProgressJob(db.prisma, clock);
    await db.prisma.$executeRawUnsafe(`UPDATE progress_live SET confirmed = confirmed + 1 WHERE ctid = (SELECT ctid FROM progress_live LIMIT 1)`);
    expect(await rollupDrift(db.prisma)).toEqual({ cells: 1, absolute: 1 });
    await db.prisma.$executeRawUnsafe(`UPDATE progress_live SET confirmed = confirmed - 1 WHERE ctid = (SELECT ctid FROM progress_live LIMIT 1)`);
  });
});
