import { Readable } from 'node:stream';
import type { OpenDatabase } from '../../src/db/open-database';
import type { Person } from '../../src/generated/prisma/client';
import { computeCheckChar } from '../../src/domain/codes/id-number';
import { createChangeRequest, submitCorrection } from '../../src/domain/corrections/change-request.service';
import { importRegistry, PERSON_COLUMNS } from '../../src/domain/registry-import';
import { planPersonChange, personState } from '../../src/domain/registry/person-change';
import { seedRegions } from '../../src/domain/registry/region.service';
import { approveRequest, planApproval } from '../../src/domain/review';
import { fixedClock } from '../../src/lib/clock';
import { createI18n } from '../../src/lib/i18n';
import { createTestDatabase } from '../helpers/test-database';

/**
 * One writer of person records: the same change applied directly by the resident, by an approved change
 * request and by the registry import gives the same row, the same flags and the same difference in the audit.
 */

let db: OpenDatabase;
const clock = fixedClock('2026-11-30T02:00:00Z');

beforeAll(async () => {
  db = await createTestDatabase();
  await seedRegions(db.prisma);
}, 180_000);

afterAll(async () => {
  await db?.close();
});

let serial = 0;
function newId(): string {
  const birth = new Date(Date.UTC(1960, 0, 1) + serial++ * 86_400_000).toISOString().slice(0, 10).replace(/-/g, '');
  const first17 = `530102${birth}001`;
  return first17 + computeCheckChar(first17);
}

/** A person whose stored flags agree with the data: the residence region is not in the region table. */
function newPerson(over: Partial<Person> = {}) {
  const idNumber = newId();
  return db.prisma.person.create({
    data: {
      idNumber,
      name: '一致样例',
      sex: 'MALE',
      birthDate: new Date(`${idNumber.slice(6, 10)}-${idNumber.slice(10, 12)}-${idNumber.slice(12, 14)}T00:00:00Z`),
      phone: '13800000011',
      hukouRegion: '530102001',
      hukouAddress: '昆明市五华区华山街道演示路1号',
      residenceRegion: '530199999',
      residenceAddress: '演示小区1栋101室',
      regionCode: '530199999',
      flags: ['UNKNOWN_REGION'],
      ...over,
    },
  });
}

const NEW_REGION = '530103001';

async function staffReviewer() {
  const u = await db.prisma.staffUser.create({ data: { username: `reviewer-${serial++}`, passwordHash: 'x', role: 'REVIEWER', regionCode: '53' } });
  return { principal: { id: u.id, username: u.username, role: u.role, regionCode: u.regionCode }, source: 'api' };
}

/** What must agree: the person's columns (identity and bookkeeping aside) and the audit's difference and flags. */
async function outcome(personId: string) {
  const p = await db.prisma.person.findUniqueOrThrow({ where: { id: personId } });
  const [audit, ...more] = await db.prisma.auditEvent.findMany({ where: { targetId: personId, action: 'person.update' } });
  expect(more).toHaveLength(0);
  const details = audit?.details as { diff: unknown; flags: unknown };
  return {
    row: { residenceRegion: p.residenceRegion, regionCode: p.regionCode, hukouRegion: p.hukouRegion, phone: p.phone, flags: p.flags, updatedAt: p.updatedAt },
    audit: { diff: details.diff, flags: details.flags },
  };
}

describe('applyPersonChange', () => {
  it('a residence region change gives the same row, flags and audit directly, by approval and by import', async () => {
    const direct = await newPerson();
    const r = await submitCorrection(db.prisma, { personId: direct.id, field: 'residenceRegion', value: NEW_REGION }, { ethnicityNames: () => [], now: clock.now(), channel: 'web' });
    expect(r).toEqual({ outcome: 'APPLIED' });

    const reviewed = await newPerson();
    const request = await createChangeRequest(
      db.prisma,
      {
        kind: 'FIELD_CHANGE',
        personId: reviewed.id,
        fields: ['residenceRegion'],
        currentValues: { residenceRegion: reviewed.residenceRegion },
        proposedValues: { residenceRegion: NEW_REGION },
        regionCode: reviewed.regionCode,
        channel: 'web',
        now: clock.now(),
      },
      reviewed.id,
    );
    const env = { db: db.prisma, clock, i18n: createI18n(), holidays: [] };
    const approved = await approveRequest(env, await staffReviewer(), request.id, { version: request.version });
    expect(approved).toMatchObject({ ok: true, result: { outcome: 'APPROVED' } });

    const imported = await newPerson();
    // An empty cell keeps the stored value: the row carries only the key, the required name and the change.
    const cells: Record<string, string> = { id_number: imported.idNumber, name: imported.name, residence_region: NEW_REGION };
    const csv = `${PERSON_COLUMNS.join(',')}\n${PERSON_COLUMNS.map((c) => cells[c] ?? '').join(',')}\n`;
    const summary = await importRegistry(db.prisma, { persons: Readable.from([Buffer.from(csv, 'utf8')]), clock: () => clock.now() });
    expect(summary.persons).toMatchObject({ updated: 1, rejected: 0 });

    const expected = {
      row: { residenceRegion: NEW_REGION, regionCode: NEW_REGION, hukouRegion: '530102001', phone: '13800000011', flags: [], updatedAt: clock.now() },
      audit: { diff: { residenceRegion: { old: '530199999', new: NEW_REGION }, regionCode: { old: '530199999', new: NEW_REGION } }, flags: [] },
    };
    expect(await outcome(direct.id)).toEqual(expected);
    expect(await outcome(reviewed.id)).toEqual(expected);
    expect(await outcome(imported.id)).toEqual(expected);
  });

  it('an approved hukou region change recomputes UNKNOWN_REGION both ways (it was only ever deleted before)', async () => {
    const known = await newPerson({ residenceRegion: '530102001', regionCode: '530102001', flags: [] });
    const plan = planPersonChange(personState(known), { hukouRegion: '530199999' }, (code) => code !== '530199999');
    expect(plan.flags).toEqual(['UNKNOWN_REGION']);
    expect(plan.diff).toEqual({ hukouRegion: { old: '530102001', new: '530199999' } });
    const back = planPersonChange({ ...personState(known), hukouRegion: '530199999', flags: ['UNKNOWN_REGION'] }, { hukouRegion: '530102001' }, () => true);
    expect(back.flags).toEqual([]);
  });

  it('planApproval takes the checked values of the person fields a request names', async () => {
    const p = await newPerson();
    const plan = planApproval({ fields: ['phone', 'relationship', 'birthDate'], proposedValues: { phone: '13900001111', relationship: '子女', birthDate: 'not a date' } }, p, clock.now());
    expect(plan.changes).toEqual({ phone: '13900001111' });
    expect(plan.audit).toEqual([{ field: 'phone', old: '13800000011', new: '13900001111' }]);
  });
});
