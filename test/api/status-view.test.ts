import { getEnrolmentStatusView, getMaskedDetails } from '../../src/domain/registry/resident-view.service';
import type { EmploymentStatus, EnrolmentStatus } from '../../src/generated/prisma/client';
import type { OpenDatabase } from '../../src/db/open-database';
import { seedRegions } from '../../src/domain/registry/region.service';
import { createTestDatabase } from '../helpers/test-database';

/**
 * The resident's status view (issue 12 §4): only the schemes that apply to the person, a payment stopped more
 * than 3 months ago is "lapsed", a retiree's pension with a benefit month is "receiving". Fixed clock:
 * 1 December 2026, 10:00 China time.
 */

const NOW = new Date('2026-12-01T02:00:00Z');
let db: OpenDatabase;
let serial = 0;

beforeAll(async () => {
  db = await createTestDatabase();
  await seedRegions(db.prisma);
}, 120_000);

afterAll(async () => {
  await db?.close();
});

type E = { insuranceType: string; status?: EnrolmentStatus; lastPaidMonth?: string; benefitFrom?: string };

async function person(birth: string, employmentStatus: EmploymentStatus | null, enrolments: E[]) {
  const p = await db.prisma.person.create({
    data: {
      idNumber: `SV${String(++serial).padStart(16, '0')}`,
      name: '测试人',
      birthDate: new Date(`${birth}T00:00:00Z`),
      employmentStatus,
      enrolments: { create: enrolments.map((e) => ({ status: 'PAYING', regionCode: '530102', ...e })) },
    },
  });
  return getEnrolmentStatusView(db.prisma, p.id, NOW);
}

const lines = (v: Awaited<ReturnType<typeof person>>) => v.lines.map((l) => `${l.insuranceType} ${l.status}`);

describe('status view', () => {
  it('a farmer paying both resident schemes: two lines, nothing that does not apply', async () => {
    const v = await person('1958-03-12', 'FARMING', [
      { insuranceType: '170', lastPaidMonth: '2026-10' },
      { insuranceType: '390', lastPaidMonth: '2026-12' },
    ]);
    expect(lines(v)).toEqual(['170 PAYING', '390 PAYING']);
    expect(v.advice).toEqual(['CONFIRM_DETAILS']);
  });

  it('a retiree born 1949 whose payments stopped in 2024-12: "lapsed" with advice, not "paying"', async () => {
    const v = await person('1949-12-31', 'RETIRED', [
      { insuranceType: '110', lastPaidMonth: '2024-12' },
      { insuranceType: '310', lastPaidMonth: '2024-12' },
    ]);
    expect(lines(v)).toEqual(['110 LAPSED', '310 LAPSED']);
    expect(v.advice).toEqual(expect.arrayContaining(['LAPSED_PAYMENT']));
    expect(v.advice).not.toContain('MISSING_PENSION');
  });

  it('the same retiree with the benefit month on record: "receiving", no gap advice', async () => {
    const v = await person('1949-12-31', 'RETIRED', [
      { insuranceType: '110', lastPaidMonth: '2004-12', benefitFrom: '2005-01' },
      { insuranceType: '310', lastPaidMonth: '2004-12', benefitFrom: '2005-01' },
    ]);
    expect(lines(v)).toEqual(['110 RECEIVING', '310 RECEIVING']);
    expect(v.lines[0]).toMatchObject({ benefitFrom: '2005-01' });
    expect(v.advice).toEqual(['CONFIRM_DETAILS']);
  });

  it('exactly 3 months without a payment is still paying; 4 is lapsed', async () => {
    const v = await person('1980-01-01', 'FLEXIBLE', [
      { insuranceType: '110', lastPaidMonth: '2026-09' },
      { insuranceType: '390', lastPaidMonth: '2026-08' },
    ]);
    expect(lines(v)).toEqual(['110 PAYING', '390 LAPSED']);
  });

  it('an employee: the employee schemes, the missing ones as not enrolled', async () => {
    const v = await person('1990-03-07', 'EMPLOYED', [
      { insuranceType: '110', lastPaidMonth: '2026-11' },
      { insuranceType: '310', lastPaidMonth: '2026-11' },
    ]);
    expect(lines(v)).toEqual(['110 PAYING', '210 NOT_ENROLLED', '310 PAYING', '410 NOT_ENROLLED', '510 NOT_ENROLLED']);
  });

  it('a child: resident medical only (a gap is shown as not enrolled), no pension', async () => {
    const v = await person('2020-05-01', 'STUDENT', []);
    expect(lines(v)).toEqual(['390 NOT_ENROLLED']);
    expect(v.advice).toEqual(['MISSING_MEDICAL', 'CONFIRM_DETAILS']);
  });

  it('an adult with nothing on record: the two resident schemes as not enrolled', async () => {
    const v = await person('1985-11-20', null, []);
    expect(lines(v)).toEqual(['170 NOT_ENROLLED', '390 NOT_ENROLLED']);
  });

  it('a terminated scheme is shown only when nothing else of its kind is on record', async () => {
    const v = await person('1975-01-01', 'FARMING', [
      { insuranceType: '110', status: 'TERMINATED', lastPaidMonth: '2015-06' },
      { insuranceType: '170', lastPaidMonth: '2026-11' },
      { insuranceType: '310', status: 'TERMINATED', lastPaidMonth: '2015-06' },
      { insuranceType: '210', status: 'TERMINATED', lastPaidMonth: '2015-06' },
    ]);
    expect(lines(v)).toEqual(['170 PAYING', '310 TERMINATED']);
    expect(v.advice).toContain('MISSING_MEDICAL');
  });
});

describe('the masked details (confirm your details)', () => {
  it('names a place with its whole chain below the province, a township under its county', async () => {
    const p = await db.prisma.person.create({
      data: { idNumber: `SV${String(++serial).padStart(16, '0')}`, name: '测试人', hukouRegion: '530102001', residenceRegion: '530102', hukouAddress: '华山路1号' },
    });
    const d = await getMaskedDetails(db.prisma, p.id);
    expect([d.hukouRegionName, d.residenceRegionName]).toEqual(['昆明市五华区华山街道', '昆明市五华区']);
  });
});
