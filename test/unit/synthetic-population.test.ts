import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { parseIdNumber } from '../../src/domain/codes/id-number';
import { computeFlags, knownRegionFrom, type DataQualityFlagName } from '../../src/domain/registry/person-flags';
import { REGIONS_SEED } from '../../src/domain/registry/region.service';
import { ENROLMENT_COLUMNS, OPTIONAL_ENROLMENT_COLUMNS, PERSON_COLUMNS } from '../../src/domain/registry-import';
import {
  generateSyntheticPopulation,
  writeSyntheticCsv,
  type SyntheticRecord,
} from '../../src/domain/demo/synthetic-population';

const N = 4000;
let records: SyntheticRecord[];
const regionCodes = new Set(
  (parse(fs.readFileSync(REGIONS_SEED), { columns: true, bom: true }) as { code: string }[]).map((r) => r.code),
);
const knownRegion = knownRegionFrom(regionCodes);

beforeAll(() => {
  records = [...generateSyntheticPopulation({ persons: N, seed: 'unit-test' })];
});

describe('generateSyntheticPopulation', () => {
  it('yields exactly the number of persons asked for', () => {
    expect(records).toHaveLength(N);
    expect([...generateSyntheticPopulation({ persons: 7, seed: 1 })]).toHaveLength(7);
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const again = [...generateSyntheticPopulation({ persons: 50, seed: 'unit-test' })];
    expect(again).toEqual(records.slice(0, 50));
    const other = [...generateSyntheticPopulation({ persons: 50, seed: 'another' })];
    expect(other.map((r) => r.person.id_number)).not.toEqual(again.map((r) => r.person.id_number));
  });

  it('produces only valid, unique ID numbers consistent with birth date and sex', () => {
    const seen = new Set<string>();
    const wrong: string[] = [];
    for (const { person } of records) {
      const id = parseIdNumber(person.id_number, { today: new Date('2025-06-01T00:00:00Z') });
      if (!id.ok) wrong.push(`invalid ${person.id_number}`);
      else {
        if (seen.has(id.idNumber)) wrong.push(`duplicate ${id.idNumber}`);
        seen.add(id.idNumber);
        if (person.birth_date && person.birth_date !== id.birthDate) wrong.push(`birth date of ${id.idNumber}`);
        if (person.sex && person.sex !== (id.sex === 'MALE' ? '1' : '2')) wrong.push(`sex of ${id.idNumber}`);
      }
    }
    expect(wrong).toEqual([]);
    // Some legacy 15-digit numbers and some empty sex / birth-date cells are there on purpose.
    expect(records.some((r) => r.person.id_number.length === 15)).toBe(true);
    expect(records.some((r) => r.person.sex === '')).toBe(true);
    expect(records.some((r) => r.person.birth_date === '')).toBe(true);
  });

  it('never produces a reserved ID number', () => {
    const reserved = records.slice(0, 20).map((r) => r.person.id_number).filter((id) => id.length === 18);
    const again = [...generateSyntheticPopulation({ persons: 20, seed: 'unit-test', reservedIdNumbers: reserved })];
    for (const r of again) expect(reserved).not.toContain(r.person.id_number);
  });

  it('looks obviously synthetic', () => {
    const wrong = records
      .map((r) => r.person)
      .filter(
        (p) =>
          !/^.样例.$/u.test(p.name) ||
          (p.hukou_address && !p.hukou_address.includes('演示')) ||
          (p.residence_address && !p.residence_address.includes('演示')) ||
          !/^SYN-\d{6}-\d{7}$/.test(p.household_id) ||
          (p.phone && !/^1380000\d{4}$/.test(p.phone)),
      );
    expect(wrong).toEqual([]);
  });

  it('uses townships and counties from the region table, and households of 1 to 6 people', () => {
    const sizes = new Map<string, number>();
    for (const { person } of records) sizes.set(person.household_id, (sizes.get(person.household_id) ?? 0) + 1);
    expect(records.filter((r) => !regionCodes.has(r.person.hukou_region))).toEqual([]);
    const counts = [...sizes.values()];
    expect(Math.max(...counts)).toBeLessThanOrEqual(6);
    expect(Math.min(...counts)).toBeGreaterThanOrEqual(1);
    expect(new Set(counts).size).toBeGreaterThanOrEqual(5);
  });

  it('gives about nine in ten people a phone', () => {
    const share = records.filter((r) => r.person.phone).length / N;
    expect(share).toBeGreaterThan(0.85);
    expect(share).toBeLessThan(0.97);
  });

  it('gives enrolments by employment, all valid and pointing at their person', () => {
    const wrong: string[] = [];
    for (const { person, enrolments } of records) {
      const id = parseIdNumber(person.id_number);
      if (!id.ok) throw new Error('invalid');
      for (const e of enrolments) {
        if (
          e.id_number !== id.idNumber ||
          !['110', '120', '170', '210', '310', '390', '410', '510'].includes(e.insurance_type) ||
          !['1', '2', '3'].includes(e.status) ||
          !(e.first_enrolled <= '2025-01-01') ||
          !/^\d{4}-(0[1-9]|1[0-2])$/.test(e.last_paid_month)
        ) {
          wrong.push(JSON.stringify(e));
        }
      }
      const types = enrolments.map((e) => e.insurance_type);
      if (person.employment_status === 'EMPLOYED' && types.length && !types.includes('310')) wrong.push(`employed ${id.idNumber}`);
      if (person.employment_status === 'STUDENT' && types.length && !types.includes('390')) wrong.push(`student ${id.idNumber}`);
    }
    expect(wrong).toEqual([]);
    expect(records.some((r) => r.enrolments.length === 0)).toBe(true);
  });

  it('reaches every flag the import computes; SEX_MISMATCH never (the demo seed sets it)', () => {
    const seen = new Set<DataQualityFlagName>();
    for (const { person, enrolments } of records) {
      const id = parseIdNumber(person.id_number);
      if (!id.ok) throw new Error('invalid');
      const flags = computeFlags(
        {
          idNumber: id.idNumber,
          sex: person.sex === '1' ? 'MALE' : person.sex === '2' ? 'FEMALE' : id.sex,
          phone: person.phone || null,
          hukouRegion: person.hukou_region || null,
          residenceRegion: person.residence_region || null,
          residenceAddress: person.residence_address || null,
        },
        enrolments.map((e) => ({
          insuranceType: e.insurance_type,
          status: e.status === '1' ? 'PAYING' : e.status === '2' ? 'SUSPENDED' : 'TERMINATED',
        })),
        knownRegion,
      );
      flags.forEach((f) => seen.add(f));
    }
    expect([...seen].sort()).toEqual(
      ['DUPLICATE_MEDICAL', 'DUPLICATE_PENSION', 'MISSING_PHONE', 'MISSING_RESIDENCE', 'UNKNOWN_REGION'].sort(),
    );
  });

  it('uses county codes outside the region table for some ID numbers (UNKNOWN_COUNTY warnings)', () => {
    const unknown = records.filter((r) => !regionCodes.has(r.person.id_number.slice(0, 6)));
    expect(unknown.length).toBeGreaterThan(0);
    expect(unknown.length / N).toBeLessThan(0.1);
  });
});

describe('writeSyntheticCsv', () => {
  it('writes both files in the import format, fixed records first', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'canbao-synth-'));
    try {
      const personsFile = path.join(dir, 'p.csv');
      const enrolmentsFile = path.join(dir, 'e.csv');
      const before = records.slice(0, 2);
      const out = await writeSyntheticCsv({ persons: 30, seed: 'csv', personsFile, enrolmentsFile, before });
      const persons = parse(fs.readFileSync(personsFile), { columns: true }) as Record<string, string>[];
      const enrolments = parse(fs.readFileSync(enrolmentsFile), { columns: true }) as Record<string, string>[];
      expect(out.persons).toBe(32);
      expect(persons).toHaveLength(32);
      expect(enrolments).toHaveLength(out.enrolments);
      expect(Object.keys(persons[0]!)).toEqual([...PERSON_COLUMNS]);
      expect(Object.keys(enrolments[0]!)).toEqual([...ENROLMENT_COLUMNS, ...OPTIONAL_ENROLMENT_COLUMNS]);
      expect(persons[0]).toEqual(before[0]!.person);
      expect(new Set(persons.map((p) => p.id_number)).size).toBe(32);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
