import { birthFromId, enrolment, enrolmentsCsv, newId, person, personsCsv, useImportDatabase } from '../helpers/registry-import-fixtures';

/**
 * Registry import (src/domain/registry-import), on a test database with the regions (test/helpers/registry-import-fixtures.ts).
 * Flags and warnings.
 */

const { prisma, runImport, findPerson } = useImportDatabase();

describe('importRegistry: flags and warnings', () => {
  it('computes the flags once the enrolments are known, and clears them when the data is corrected', async () => {
    const dupMedical = newId();
    const dupPension = newId();
    const unknownRegion = newId();
    const persons = personsCsv([
      person({ id_number: dupMedical }),
      person({ id_number: dupPension, phone: '' }),
      person({ id_number: unknownRegion, residence_region: '530121' }),
    ]);
    const { summary } = await runImport(
      persons,
      enrolmentsCsv([
        enrolment({ id_number: dupMedical, insurance_type: '310' }),
        enrolment({ id_number: dupMedical, insurance_type: '390' }),
        enrolment({ id_number: dupPension, insurance_type: '110' }),
        enrolment({ id_number: dupPension, insurance_type: '170' }),
        enrolment({ id_number: unknownRegion, insurance_type: '390', region: '530122' }),
      ]),
    );
    expect(summary.warningsByKind).toEqual({ UNKNOWN_REGION: 2 });
    expect((await findPerson(dupMedical)).flags).toEqual(['DUPLICATE_MEDICAL']);
    expect((await findPerson(dupPension)).flags).toEqual(['MISSING_PHONE', 'DUPLICATE_PENSION']);
    expect((await findPerson(unknownRegion)).flags).toEqual(['UNKNOWN_REGION']);

    // Resident medical ends: the duplicate goes; a flag-only change is neither an update nor audited.
    const audits = await prisma().auditEvent.count({ where: { action: 'person.update' } });
    const again = await runImport(persons, enrolmentsCsv([enrolment({ id_number: dupMedical, insurance_type: '390', status: '3' })]));
    expect(again.summary.persons).toMatchObject({ updated: 0, unchanged: 3 });
    expect((await findPerson(dupMedical)).flags).toEqual([]);
    expect(await prisma().auditEvent.count({ where: { action: 'person.update' } })).toBe(audits);
  });

  it('flags SEX_MISMATCH on a record created elsewhere and keeps flags other code owns', async () => {
    const id = newId('MALE');
    await prisma().person.create({
      data: {
        idNumber: id,
        name: '测试样例',
        sex: 'FEMALE',
        ethnicity: '01',
        birthDate: new Date(`${birthFromId(id)}T00:00:00Z`),
        phone: '13800000001',
        hukouRegion: '530102001',
        hukouAddress: '昆明市五华区华山街道演示路1号',
        residenceRegion: '530102001',
        residenceAddress: '昆明市五华区华山街道演示小区1栋101室',
        regionCode: '530102001',
        employmentStatus: 'EMPLOYED',
        employer: '五华区演示科技有限公司',
        flags: ['EMPLOYMENT_MISMATCH'],
      },
    });
    // An empty sex cell keeps the stored value; the flags follow the stored data.
    const { summary } = await runImport(personsCsv([person({ id_number: id })]));
    expect(summary.persons).toMatchObject({ unchanged: 1, updated: 0 });
    expect(await findPerson(id)).toMatchObject({ sex: 'FEMALE', flags: ['SEX_MISMATCH', 'EMPLOYMENT_MISMATCH'] });

    // The file's sex (consistent with the ID number) corrects it.
    await runImport(personsCsv([person({ id_number: id, sex: '1' })]));
    expect(await findPerson(id)).toMatchObject({ sex: 'MALE', flags: ['EMPLOYMENT_MISMATCH'] });
  });

  it('counts warnings and imports the rows: unknown county, unknown region, a phone that is not a mobile number', async () => {
    const beijing = newId('MALE', '110105');
    const landline = newId();
    const { summary, rejects } = await runImport(
      personsCsv([
        person({ id_number: beijing, hukou_region: '530121001' }),
        person({ id_number: landline, phone: '0871-6512345' }),
      ]),
    );
    expect(rejects).toEqual([]);
    expect(summary.persons.inserted).toBe(2);
    expect(summary.warningsByKind).toEqual({ UNKNOWN_COUNTY: 1, UNKNOWN_REGION: 1, BAD_PHONE: 1 });
    expect((await findPerson(beijing)).flags).toEqual(['UNKNOWN_REGION']);
    expect(await findPerson(landline)).toMatchObject({ phone: null, flags: ['MISSING_PHONE'] });
  });

  it('imports a person whose address or employer is not plausible, without that value and with a warning', async () => {
    const id = newId();
    const { summary, rejects } = await runImport(personsCsv([person({ id_number: id, hukou_address: '和平村', residence_address: '12', employer: '公'.repeat(101) })]));
    expect(rejects).toEqual([]);
    expect(summary.persons.inserted).toBe(1);
    expect(summary.warningsByKind).toEqual({ BAD_ADDRESS: 2, BAD_EMPLOYER: 1 });
    expect(await findPerson(id)).toMatchObject({ hukouAddress: null, residenceAddress: null, employer: null, flags: ['MISSING_RESIDENCE'] });
  });
});
