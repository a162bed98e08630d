import type { OpenDatabase } from '../../src/db/open-database';
import { DEMO_PERSONS, DEMO_SEX_MISMATCHES, lastMonth, seedDemoIfEmpty } from '../../src/domain/demo/demo-seed.service';
import { createTestDatabase } from '../helpers/test-database';

/**
 * The demo seed (seedDemoIfEmpty): regions and the demo population loaded through the registry import, on a
 * test database of its own.
 */

describe('seedDemoIfEmpty', () => {
  it('pays regular payers up to the month before the clock, in China time (January: December of the year before)', () => {
    expect(lastMonth(new Date('2026-12-01T02:00:00Z'))).toBe('2026-11');
    expect(lastMonth(new Date('2027-01-15T02:00:00Z'))).toBe('2026-12');
    // 31 December 20:00 UTC is already 1 January in China.
    expect(lastMonth(new Date('2026-12-31T20:00:00Z'))).toBe('2026-12');
  });

  let demo: OpenDatabase;
  beforeAll(async () => {
    demo = await createTestDatabase();
  }, 60_000);
  afterAll(async () => {
    await demo?.close();
  });

  it('loads regions and the demo population through the import once, with the documented demo persons', async () => {
    // The application clock: 1 December 2026 in China.
    const now = new Date('2026-12-01T02:00:00Z');
    const result = await seedDemoIfEmpty(demo.prisma, { persons: 300, now });
    expect(result).toMatchObject({ seeded: true, persons: 300 });
    expect(result.summary?.persons).toMatchObject({ inserted: 300, rejected: 0 });
    expect(result.summary?.enrolments.rejected).toBe(0);
    expect(await demo.prisma.region.count()).toBeGreaterThan(1500);

    for (const d of DEMO_PERSONS) {
      const p = await demo.prisma.person.findUniqueOrThrow({ where: { idNumber: d.idNumber } });
      expect(p).toMatchObject({ name: d.name, sex: d.sex, phone: d.phone, regionCode: d.regionCode });
      expect(p.birthDate?.toISOString().slice(0, 10)).toBe(d.birthDate);
    }
    // Paid up to last month as of the clock (not a fixed month that lapses as time goes by).
    const zhang = await demo.prisma.person.findUniqueOrThrow({ where: { idNumber: '530102199003071238' }, include: { enrolments: true } });
    expect(new Set(zhang.enrolments.map((e) => e.lastPaidMonth))).toEqual(new Set(['2026-11']));
    // Generated payers too: none paid up to a month after the clock, and most within the last three months.
    const paying = await demo.prisma.enrolment.findMany({ where: { status: 'PAYING' }, select: { lastPaidMonth: true } });
    expect(paying.filter((e) => (e.lastPaidMonth ?? '') > '2026-12')).toEqual([]);
    expect(paying.filter((e) => (e.lastPaidMonth ?? '') >= '2026-09').length).toBeGreaterThan(paying.length * 0.9);
    const zhao = await demo.prisma.person.findUniqueOrThrow({ where: { idNumber: '530111199506151236' } });
    expect(zhao.flags).toEqual(['MISSING_RESIDENCE', 'DUPLICATE_MEDICAL']);
    const mismatched = await demo.prisma.$queryRawUnsafe<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM person WHERE 'SEX_MISMATCH' = ANY(flags)`,
    );
    expect(mismatched[0]?.n).toBe(DEMO_SEX_MISMATCHES);

    expect(await seedDemoIfEmpty(demo.prisma, { persons: 300 })).toEqual({ seeded: false, persons: 300 });
  });
});
