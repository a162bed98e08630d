import { birthFromId, newId, person, personsCsv, useImportDatabase } from '../helpers/registry-import-fixtures';

/**
 * Registry import (src/domain/registry-import), on a test database with the regions (test/helpers/registry-import-fixtures.ts).
 * New persons: households, enrolments, computed fields.
 */

const { runImport, findPerson } = useImportDatabase();

describe('importRegistry: new persons', () => {
  it('inserts persons with their household, managing region and flags; fills sex and birth date from the ID number', async () => {
    const a = newId('MALE');
    const b = newId('FEMALE');
    const household = `H-NEW-${a}`;
    const { summary, rejects } = await runImport(
      personsCsv([
        person({ id_number: a, name: '张样例明', sex: '1', birth_date: birthFromId(a), ethnicity: '07', household_id: household }),
        person({
          id_number: b,
          name: '李样例芳',
          phone: '',
          residence_region: '',
          residence_address: '',
          household_id: household,
          employment_status: 'farming',
          employer: '',
        }),
      ]),
    );
    expect(rejects).toEqual([]);
    expect(summary.persons).toEqual({ read: 2, inserted: 2, updated: 0, unchanged: 0, rejected: 0 });

    const pa = await findPerson(a);
    expect(pa).toMatchObject({
      name: '张样例明',
      sex: 'MALE',
      ethnicity: '07',
      phone: '13800000001',
      regionCode: '530102001',
      householdId: household,
      employmentStatus: 'EMPLOYED',
      registrationStatus: 'UNREGISTERED',
      flags: [],
    });
    expect(pa.birthDate?.toISOString().slice(0, 10)).toBe(birthFromId(a));
    expect(pa.household).toMatchObject({ id: household, regionCode: '530102001', address: '昆明市五华区华山街道演示路1号' });

    const pb = await findPerson(b);
    expect(pb).toMatchObject({ sex: 'FEMALE', phone: null, regionCode: '530102001', employmentStatus: 'FARMING' });
    expect(pb.birthDate?.toISOString().slice(0, 10)).toBe(birthFromId(b));
    expect(pb.flags).toEqual(['MISSING_PHONE', 'MISSING_RESIDENCE']);
    // The hukou region manages a person without a residence region.
    expect(pb.regionCode).toBe('530102001');
  });

  it('stores text with quotes, commas, braces and backslashes exactly', async () => {
    const id = newId();
    const name = 'O"Brien, {样例} \\ 测试';
    const address = '演示路 1,2 号 "东" {楼}\\室';
    await runImport(personsCsv([person({ id_number: id, name, residence_address: address })]));
    expect(await findPerson(id)).toMatchObject({ name, residenceAddress: address });
  });
});
