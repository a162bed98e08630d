import { dueDateOf, newReference } from '../../src/domain/corrections/change-request.service';
import { employmentMismatches, type EnrolmentFact } from '../../src/domain/corrections/employment-report.service';
import { ETHNICITY_CODES, parseEthnicity } from '../../src/domain/codes/ethnicity';
import {
  CORRECTABLE_FIELDS,
  FIELD_POLICY,
  parseFieldValue,
  policyOf,
  type FieldCheckContext,
} from '../../src/domain/corrections/field-policy';
import { isPlausibleAddress, isPlausiblePersonName, parseBirthDate } from '../../src/domain/registry/person-fields';
import type { CorrectableField, EmploymentStatusCode } from '../../src/domain/ports';
import { reviewDueAt } from '../../src/domain/calendar/working-days';
import { createI18n, LOCALES } from '../../src/lib/i18n';
import { CORRECTION_FIELDS } from '../../flows/resident';

const i18n = createI18n();
const ethnicityNames = (code: string) => LOCALES.map((lng) => i18n.t(`reference.ethnicity.${code}`, { lng }));
const TODAY = new Date('2026-11-29T02:00:00Z');
/** 530102199003071238: male, born 1990-03-07. */
const MALE: FieldCheckContext = { idNumber: '530102199003071238', ethnicityNames, today: TODAY };
/** 532301198511200042: female, born 1985-11-20. */
const FEMALE: FieldCheckContext = { ...MALE, idNumber: '532301198511200042' };

describe('the field policy table', () => {
  it.each<[CorrectableField, 'DIRECT' | 'REVIEWED']>([
    ['phone', 'DIRECT'],
    ['residenceRegion', 'DIRECT'],
    ['residenceAddress', 'DIRECT'],
    ['ethnicity', 'DIRECT'],
    ['name', 'REVIEWED'],
    ['sex', 'REVIEWED'],
    ['birthDate', 'REVIEWED'],
    ['idNumber', 'REVIEWED'],
    ['hukouRegion', 'REVIEWED'],
    ['hukouAddress', 'REVIEWED'],
  ])('%s is %s', (field, policy) => {
    expect(policyOf(field)).toBe(policy);
  });

  it('covers exactly the ten fields the bot offers, in the same order', () => {
    expect(Object.keys(FIELD_POLICY).sort()).toEqual([...CORRECTABLE_FIELDS].sort());
    expect(CORRECTION_FIELDS).toEqual(CORRECTABLE_FIELDS);
  });

  it('recomputes contact flags only for the fields they depend on', () => {
    expect(FIELD_POLICY.phone.flags).toEqual(['MISSING_PHONE']);
    expect(FIELD_POLICY.residenceRegion.flags).toEqual(['MISSING_RESIDENCE', 'UNKNOWN_REGION']);
    expect(FIELD_POLICY.residenceAddress.flags).toEqual(['MISSING_RESIDENCE']);
    expect(FIELD_POLICY.ethnicity.flags).toEqual([]);
  });
});

describe('checking a proposed value', () => {
  it.each<[CorrectableField, string, FieldCheckContext, ReturnType<typeof parseFieldValue>]>([
    ['name', '  张三丰 ', MALE, { ok: true, value: '张三丰' }],
    ['name', 'Li  Wei', MALE, { ok: true, value: 'Li Wei' }],
    ['name', '阿依·古丽', MALE, { ok: true, value: '阿依·古丽' }],
    ['name', '张3', MALE, { ok: false, error: 'BAD_NAME' }],
    ['name', '张', MALE, { ok: false, error: 'BAD_NAME' }],
    ['sex', '男', MALE, { ok: true, value: 'MALE' }],
    ['sex', 'MALE', MALE, { ok: true, value: 'MALE' }],
    ['sex', 'female', FEMALE, { ok: true, value: 'FEMALE' }],
    ['sex', '女', MALE, { ok: false, error: 'SEX_CONTRADICTS_ID' }],
    ['sex', 'MALE', FEMALE, { ok: false, error: 'SEX_CONTRADICTS_ID' }],
    ['sex', '不知道', MALE, { ok: false, error: 'BAD_SEX' }],
    ['birthDate', '1990-03-07', MALE, { ok: true, value: '1990-03-07' }],
    ['birthDate', '1990年3月7日', MALE, { ok: true, value: '1990-03-07' }],
    ['birthDate', '1990/3/7', MALE, { ok: true, value: '1990-03-07' }],
    ['birthDate', '19900307', MALE, { ok: true, value: '1990-03-07' }],
    ['birthDate', '1990-03-08', MALE, { ok: false, error: 'BIRTH_DATE_CONTRADICTS_ID' }],
    ['birthDate', '1990-02-30', MALE, { ok: false, error: 'BAD_BIRTH_DATE' }],
    ['birthDate', '2030-01-01', MALE, { ok: false, error: 'BAD_BIRTH_DATE' }],
    ['birthDate', 'March', MALE, { ok: false, error: 'BAD_BIRTH_DATE' }],
    ['idNumber', '11010519491231002x', MALE, { ok: true, value: '11010519491231002X' }],
    ['idNumber', '', MALE, { ok: false, error: 'ID_EMPTY' }],
    ['idNumber', '53010219900307123A', MALE, { ok: false, error: 'ID_BAD_CHARACTERS' }],
    ['idNumber', '5301021990030712', MALE, { ok: false, error: 'ID_BAD_LENGTH' }],
    ['idNumber', '530102199002301238', MALE, { ok: false, error: 'ID_BAD_DATE' }],
    ['idNumber', '530102199003071230', MALE, { ok: false, error: 'ID_BAD_CHECK' }],
    ['ethnicity', '彝族', MALE, { ok: true, value: '07' }],
    ['ethnicity', '彝', MALE, { ok: true, value: '07' }],
    ['ethnicity', 'Yi', MALE, { ok: true, value: '07' }],
    ['ethnicity', '7', MALE, { ok: true, value: '07' }],
    ['ethnicity', "De'ang", MALE, { ok: true, value: '46' }],
    ['ethnicity', '57', MALE, { ok: false, error: 'BAD_ETHNICITY' }],
    ['ethnicity', '火星族', MALE, { ok: false, error: 'BAD_ETHNICITY' }],
    ['phone', '+86 139-1234-5678', MALE, { ok: true, value: '13912345678' }],
    ['phone', '0871-1234567', MALE, { ok: false, error: 'BAD_PHONE' }],
    ['phone', '1391234567', MALE, { ok: false, error: 'BAD_PHONE' }],
    ['residenceAddress', '华山街道西仓坡5号', MALE, { ok: true, value: '华山街道西仓坡5号' }],
    ['hukouAddress', '12', MALE, { ok: false, error: 'BAD_ADDRESS' }],
  ])('%s %j', (field, raw, ctx, expected) => {
    expect(parseFieldValue(field, raw, ctx)).toEqual(expected);
  });

  it('region fields are checked against the region table, not here', () => {
    expect(() => parseFieldValue('residenceRegion', '530102', MALE)).toThrow(/region table/);
  });

  it('names, addresses and birth dates on their own', () => {
    expect(isPlausiblePersonName('欧阳修')).toBe(true);
    expect(isPlausiblePersonName('x'.repeat(41))).toBe(false);
    expect(isPlausibleAddress('1234')).toBe(false);
    expect(isPlausibleAddress('x'.repeat(101))).toBe(false);
    expect(parseBirthDate('2026-11-29', TODAY)).toBe('2026-11-29');
    expect(parseBirthDate('2026-11-30', TODAY)).toBeNull();
    expect(parseBirthDate('1899-12-31', TODAY)).toBeNull();
  });
});

describe('ethnicity (GB/T 3304)', () => {
  it('has the 56 codes in order, each named in every locale', () => {
    expect(ETHNICITY_CODES).toHaveLength(56);
    expect(ETHNICITY_CODES[0]).toBe('01');
    expect(ETHNICITY_CODES[55]).toBe('56');
    for (const code of ETHNICITY_CODES) for (const lng of LOCALES) expect(i18n.exists(`reference.ethnicity.${code}`, { lng })).toBe(true);
  });

  it('reads every name back to its code, in both languages', () => {
    for (const code of ETHNICITY_CODES) {
      for (const name of ethnicityNames(code)) expect([name, parseEthnicity(name, ethnicityNames)]).toEqual([name, code]);
    }
  });

  it('uses the standard order, not population order (docs/domain.md)', () => {
    expect(parseEthnicity('白族', ethnicityNames)).toBe('14');
    expect(parseEthnicity('哈尼族', ethnicityNames)).toBe('16');
    expect(parseEthnicity('傣族', ethnicityNames)).toBe('18');
    expect(parseEthnicity('基诺族', ethnicityNames)).toBe('56');
    expect(parseEthnicity('Derung', ethnicityNames)).toBe('51');
  });
});

describe('employment report against enrolments (EMPLOYMENT_MISMATCH)', () => {
  const paying = (...types: string[]): EnrolmentFact[] => types.map((insuranceType) => ({ insuranceType, status: 'PAYING' }));
  it.each<[string, EmploymentStatusCode, EnrolmentFact[], string[]]>([
    ['employed with employee pension', 'EMPLOYED', paying('110', '310'), []],
    ['employed by a government unit (120)', 'EMPLOYED', paying('120', '310'), []],
    ['employed without any pension', 'EMPLOYED', [], ['EMPLOYED_WITHOUT_EMPLOYEE_PENSION']],
    ['employed, only resident pension', 'EMPLOYED', paying('170', '390'), ['EMPLOYED_WITHOUT_EMPLOYEE_PENSION']],
    ['employed, employee pension suspended', 'EMPLOYED', [{ insuranceType: '110', status: 'SUSPENDED' }], ['EMPLOYED_WITHOUT_EMPLOYEE_PENSION']],
    ['retired, still paying 110', 'RETIRED', paying('110'), ['RETIRED_STILL_PAYING_EMPLOYEE_PENSION']],
    ['retired, 110 terminated', 'RETIRED', [{ insuranceType: '110', status: 'TERMINATED' }], []],
    ['student paying 110', 'STUDENT', paying('110'), ['STUDENT_WITH_EMPLOYEE_PENSION']],
    ['student with resident medical', 'STUDENT', paying('390'), []],
    ['farming with resident schemes', 'FARMING', paying('170', '390'), []],
    ['flexible worker paying 110 as an individual', 'FLEXIBLE', paying('110'), []],
    ['self-employed with nothing', 'SELF_EMPLOYED', [], []],
    ['unemployed with nothing', 'UNEMPLOYED', [], []],
  ])('%s', (_label, status, enrolments, expected) => {
    expect(employmentMismatches(status, enrolments)).toEqual(expected);
  });
});

describe('change request references and due dates', () => {
  it('a reference is CR and 8 characters in two groups, without 0/O/1/I/L', () => {
    expect(newReference(TODAY, () => Buffer.from([0, 1, 8, 9, 30, 31, 62, 255]))).toBe('CR-23AB-Z229');
    for (let i = 0; i < 200; i++) expect(newReference(TODAY)).toMatch(/^CR-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$/);
    for (let i = 0; i < 200; i++) expect(newReference(TODAY)).not.toMatch(/[01OIL]/);
  });

  it('the resident is told the last working day: submitted on a Sunday, by Wednesday', () => {
    const sunday = new Date('2026-11-29T02:00:00Z');
    expect(dueDateOf(reviewDueAt(sunday))).toBe('2026-12-02');
    const friday = new Date('2026-11-27T09:00:00Z');
    expect(dueDateOf(reviewDueAt(friday))).toBe('2026-12-02');
    expect(dueDateOf(reviewDueAt(friday, ['2026-12-01']))).toBe('2026-12-03');
  });
});
