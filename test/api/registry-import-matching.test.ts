import { ENROLMENT_COLUMNS } from '../../src/domain/registry-import';
import { csvLine, enrolment, enrolmentsCsv, newId, person, personsCsv, useImportDatabase } from '../helpers/registry-import-fixtures';

/**
 * Registry import (src/domain/registry-import), on a test database with the regions (test/helpers/registry-import-fixtures.ts).
 * Matching existing persons.
 */

const { prisma, runImport, findPerson } = useImportDatabase();

describe('importRegistry: matching existing persons', () => {
  it('is idempotent: the same files again change nothing and add no audit rows', async () => {
    const ids = [newId(), newId('FEMALE'), newId()];
    const persons = personsCsv(ids.map((id, n) => person({ id_number: id, household_id: `H-IDEM-${ids[0]}`, phone: n ? '' : '13800000009' })));
    const enrolments = enrolmentsCsv([
      enrolment({ id_number: ids[0]!, insurance_type: '310' }),
      enrolment({ id_number: ids[0]!, insurance_type: '390' }),
      enrolment({ id_number: ids[1]!, insurance_type: '170', status: '2', employer: '' }),
    ]);
    const first = await runImport(persons, enrolments);
    expect(first.summary.persons.inserted).toBe(3);
    expect(first.summary.enrolments.inserted).toBe(3);
    const snapshot = await prisma().person.findMany({ where: { idNumber: { in: ids } }, orderBy: { idNumber: 'asc' } });
    const audits = await prisma().auditEvent.count();
    const households = await prisma().household.count();

    const second = await runImport(persons, enrolments);
    expect(second.summary.persons).toEqual({ read: 3, inserted: 0, updated: 0, unchanged: 3, rejected: 0 });
    expect(second.summary.enrolments).toEqual({ read: 3, inserted: 0, updated: 0, unchanged: 3, rejected: 0 });
    expect(await prisma().auditEvent.count()).toBe(audits);
    expect(await prisma().household.count()).toBe(households);
    expect(await prisma().person.findMany({ where: { idNumber: { in: ids } }, orderBy: { idNumber: 'asc' } })).toEqual(snapshot);
  });

  it('updates a changed person and audits the change with old and new values; empty cells keep stored values', async () => {
    const id = newId();
    await runImport(personsCsv([person({ id_number: id, phone: '13800000011', ethnicity: '14' })]));
    const before = await findPerson(id);

    const at = new Date('2026-01-02T03:04:05.000Z');
    const { summary } = await runImport(
      personsCsv([
        person({
          id_number: id,
          phone: '+86 138 0000 0022',
          ethnicity: '',
          residence_region: '530103001',
          employer: '新的演示公司',
        }),
      ]),
      undefined,
      { clock: () => at },
    );
    expect(summary.persons).toEqual({ read: 1, inserted: 0, updated: 1, unchanged: 0, rejected: 0 });

    const after = await findPerson(id);
    expect(after).toMatchObject({ phone: '13800000022', ethnicity: '14', regionCode: '530103001', version: before.version + 1 });
    expect(after.updatedAt.toISOString()).toBe(at.toISOString());
    const audit = await prisma().auditEvent.findMany({ where: { targetId: before.id } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      actorType: 'IMPORT',
      source: 'import',
      action: 'person.update',
      targetType: 'person',
      outcome: 'OK',
      at,
    });
    expect((audit[0]!.details as { changes: unknown }).changes).toEqual({
      phone: { old: '13800000011', new: '13800000022' },
      residenceRegion: { old: '530102001', new: '530103001' },
      regionCode: { old: '530102001', new: '530103001' },
      employer: { old: '五华区演示科技有限公司', new: '新的演示公司' },
    });
  });

  it('upserts enrolments on (person, insurance type) and audits a changed one', async () => {
    const id = newId();
    await runImport(
      personsCsv([person({ id_number: id })]),
      enrolmentsCsv([enrolment({ id_number: id, insurance_type: '110' }), enrolment({ id_number: id, insurance_type: '310' })]),
    );
    const { summary } = await runImport(
      personsCsv([person({ id_number: id })]),
      enrolmentsCsv([
        enrolment({ id_number: id, insurance_type: '110', status: '2', last_paid_month: '2024-06' }),
        enrolment({ id_number: id, insurance_type: '310' }),
        enrolment({ id_number: id, insurance_type: '410', first_enrolled: '', last_paid_month: '' }),
      ]),
    );
    expect(summary.enrolments).toEqual({ read: 3, inserted: 1, updated: 1, unchanged: 1, rejected: 0 });
    const p = await findPerson(id);
    const byType = Object.fromEntries(p.enrolments.map((e) => [e.insuranceType, e]));
    expect(Object.keys(byType).sort()).toEqual(['110', '310', '410']);
    expect(byType['110']).toMatchObject({ status: 'SUSPENDED', lastPaidMonth: '2024-06', regionCode: '530102' });
    expect(byType['410']).toMatchObject({ status: 'PAYING', firstEnrolled: null, lastPaidMonth: null });
    const audit = await prisma().auditEvent.findFirstOrThrow({ where: { targetId: p.id, action: 'enrolment.update' } });
    expect(audit.details).toMatchObject({
      insuranceType: '110',
      changes: { status: { old: 'PAYING', new: 'SUSPENDED' }, lastPaidMonth: { old: '2024-12', new: '2024-06' } },
    });

    // Enrolments of a person already in the registry need no persons row.
    const only = await runImport(personsCsv([]), enrolmentsCsv([enrolment({ id_number: id, insurance_type: '510' })]));
    expect(only.summary.persons.read).toBe(0);
    expect(only.summary.enrolments).toMatchObject({ inserted: 1, rejected: 0 });
    expect((await findPerson(id)).enrolments.map((e) => e.insuranceType).sort()).toEqual(['110', '310', '410', '510']);
  });

  it('reads the optional benefit_from column (the month a pension is drawn from) when a file has it', async () => {
    const id = newId();
    const cols = [...ENROLMENT_COLUMNS, 'benefit_from'] as const;
    const rows = [enrolment({ id_number: id, insurance_type: '110', benefit_from: '2005-01' }), enrolment({ id_number: id, insurance_type: '310' })];
    const csv = [cols.join(','), ...rows.map((r) => csvLine(cols.map((c) => r[c] ?? '')))].join('\n') + '\n';
    const { summary } = await runImport(personsCsv([person({ id_number: id, employment_status: 'RETIRED' })]), csv);
    expect(summary.enrolments).toMatchObject({ inserted: 2, rejected: 0 });
    const byType = Object.fromEntries((await findPerson(id)).enrolments.map((e) => [e.insuranceType, e.benefitFrom]));
    expect(byType).toEqual({ '110': '2005-01', '310': null });
    const bad = [cols.join(','), csvLine(cols.map((c) => (c === 'benefit_from' ? '2005-13' : (rows[0]![c] ?? ''))))].join('\n') + '\n';
    const again = await runImport(personsCsv([]), bad);
    expect(again.rejects.map((r) => r.reason)).toEqual(['BAD_DATE']);
  });
});
