import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import type { OpenDatabase } from '../../src/db/open-database';
import type { Person } from '../../src/generated/prisma/client';
import { computeCheckChar } from '../../src/domain/codes/id-number';
import { createChangeRequest, submitCorrection } from '../../src/domain/corrections/change-request.service';
import { importRegistry, PERSON_COLUMNS } from '../../src/domain/registry-import';
import { planPersonChange, personState } from '../../src/domain/registry/person-change';
import { seedRegions } from '../../src/domain/registry/region.service';
import { approveRequest, planApproval } from '../../src/domain/review';
import { applyVisitResults } from '../../src/domain/visits/visit-list.service';
import { fixedClock } from '../../src/lib/clock';
import { createI18n } from '../../src/lib/i18n';
import { createTestDatabase } from '../helpers/test-database';

/**
 * One writer of person records: the same change applied directly by the resident, by an approved change
 * request, by a visit-list upload and by the registry import gives the same row, the same flags and the same
 * difference in the audit.
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

type Change = { field: 'residenceRegion' | 'phone'; value: string };

/** The change applied directly by the resident (both fields are DIRECT corrections). */
async function direct(p: Person, c: Change) {
  const r = await submitCorrection(db.prisma, { personId: p.id, field: c.field, value: c.value }, { ethnicityNames: () => [], now: clock.now(), channel: 'web' });
  // A new residence region names the street address as the field to offer next.
  expect(r).toEqual(c.field === 'residenceRegion' ? { outcome: 'APPLIED', next: 'residenceAddress' } : { outcome: 'APPLIED' });
}

/** The change as a request a reviewer approves. */
async function approved(p: Person, c: Change) {
  const request = await createChangeRequest(
    db.prisma,
    { kind: 'FIELD_CHANGE', personId: p.id, fields: [c.field], currentValues: { [c.field]: p[c.field] }, proposedValues: { [c.field]: c.value }, regionCode: p.regionCode, channel: 'web', now: clock.now() },
    p.id,
  );
  const env = { db: db.prisma, clock, i18n: createI18n(), holidays: [] };
  expect(await approveRequest(env, await staffReviewer(), request.id, { version: request.version })).toMatchObject({ ok: true, result: { outcome: 'APPROVED' } });
}

/** Uploads a visit-list result for the person: the row's result, phone and residence address columns. */
async function visitRow(p: Person, phone: string, residenceAddress = '') {
  const reviewer = await staffReviewer();
  const list = await db.prisma.visitList.create({ data: { regionCode: '530102', source: {}, createdBy: reviewer.principal.id, createdAt: clock.now() } });
  await db.prisma.visitListEntry.create({ data: { visitListId: list.id, rowKey: 'V000001', personId: p.id, township: '530102001', village: '530102001' } });
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('530102001');
  ws.addRow(['row', 'idNumber', 'name', 'address', 'missing', 'household', 'result', 'phone', 'residenceAddress']);
  ws.addRow(['V000001', '', '', '', '', '', 'visited', phone, residenceAddress]);
  const file = Buffer.from(await wb.xlsx.writeBuffer());
  return applyVisitResults(db.prisma, { staff: reviewer.principal, source: 'api', now: clock.now() }, list.id, file);
}

/** The change as a visit-list result (a worker fills in the phone column of the person's row). */
async function visited(p: Person, c: Change) {
  expect(await visitRow(p, c.value)).toMatchObject({ ok: true, report: { applied: 1, rejects: [] } });
}

/** Imports one persons.csv row of these cells (an empty cell keeps the stored value). */
async function importRow(cells: Record<string, string>) {
  const csv = `${PERSON_COLUMNS.join(',')}\n${PERSON_COLUMNS.map((col) => cells[col] ?? '').join(',')}\n`;
  return (await importRegistry(db.prisma, { persons: Readable.from([Buffer.from(csv, 'utf8')]), clock: () => clock.now() })).persons;
}

/** The change as a registry import row: the key, the required name and the change. */
async function imported(p: Person, c: Change) {
  const column = { residenceRegion: 'residence_region', phone: 'phone' }[c.field];
  expect(await importRow({ id_number: p.idNumber, name: p.name, [column]: c.value })).toMatchObject({ updated: 1, rejected: 0 });
}

describe('applyPersonChange', () => {
  it('a residence region change gives the same row, flags and audit directly, by approval and by import', async () => {
    const change: Change = { field: 'residenceRegion', value: NEW_REGION };
    const people = [await newPerson(), await newPerson(), await newPerson()];
    await direct(people[0]!, change);
    await approved(people[1]!, change);
    await imported(people[2]!, change);

    const expected = {
      row: { residenceRegion: NEW_REGION, regionCode: NEW_REGION, hukouRegion: '530102001', phone: '13800000011', flags: [], updatedAt: clock.now() },
      audit: { diff: { residenceRegion: { old: '530199999', new: NEW_REGION }, regionCode: { old: '530199999', new: NEW_REGION } }, flags: [] },
    };
    for (const p of people) expect(await outcome(p.id)).toEqual(expected);
  });

  it('a new phone gives the same row, flags and audit directly, by approval, by a visit-list upload and by import', async () => {
    const change: Change = { field: 'phone', value: '+86 139-1234-5678' };
    const missing = { phone: null, flags: ['MISSING_PHONE', 'UNKNOWN_REGION'] } as const;
    const people: Person[] = [];
    for (let i = 0; i < 4; i++) people.push(await newPerson({ ...missing, flags: [...missing.flags] }));
    await direct(people[0]!, change);
    await approved(people[1]!, change);
    await visited(people[2]!, change);
    await imported(people[3]!, change);

    // The value is read by the phone's one rule everywhere (13912345678); MISSING_PHONE is cleared, UNKNOWN_REGION kept.
    const expected = {
      row: { residenceRegion: '530199999', regionCode: '530199999', hukouRegion: '530102001', phone: '13912345678', flags: ['UNKNOWN_REGION'], updatedAt: clock.now() },
      audit: { diff: { phone: { old: null, new: '13912345678' } }, flags: ['UNKNOWN_REGION'] },
    };
    for (const p of people) expect(await outcome(p.id)).toEqual(expected);
  });

  it('a value one path refuses every path refuses: a one-letter name, a three-character address', async () => {
    const today = clock.now();
    const p = await newPerson();
    for (const [field, value] of [['name', '张'], ['residenceAddress', '演示路']] as const) {
      expect(planApproval({ fields: [field], proposedValues: { [field]: value } }, p, today).changes).toEqual({});
      const r = await submitCorrection(db.prisma, { personId: p.id, field, value }, { ethnicityNames: () => [], now: today, channel: 'web' });
      expect(r).toMatchObject({ outcome: 'REFUSED' });
    }
    expect(await visitRow(p, '', '演示路')).toMatchObject({ ok: true, report: { applied: 0, rejects: [{ reason: 'BAD_ADDRESS' }] } });
    expect(await importRow({ id_number: p.idNumber, name: '张' })).toMatchObject({ updated: 0, rejected: 1 });
    // The import refuses the address but keeps the row (a warning, like a landline phone): nothing changes here.
    expect(await importRow({ id_number: p.idNumber, name: p.name, residence_address: '演示路' })).toMatchObject({ updated: 0, rejected: 0 });
    expect(await db.prisma.person.findUniqueOrThrow({ where: { id: p.id } })).toMatchObject({ name: p.name, residenceAddress: p.residenceAddress });
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
