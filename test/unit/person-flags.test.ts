import {
  computeFlags,
  FLAG_ORDER,
  knownRegionFrom,
  mergeFlags,
  sameFlags,
  type DataQualityFlagName,
  type FlagEnrolmentInput,
  type FlagPersonInput,
} from '../../src/domain/registry/person-flags';

const MALE_ID = '530102199003071238';
const FEMALE_ID = '532301198511200042';
const known = new Set(['530000', '530100', '530102', '530102001', '532301', '532301101']);
const knownRegion = (c: string) => known.has(c);

/** A person with no flag at all; each case changes one thing. */
const clean: FlagPersonInput = {
  idNumber: MALE_ID,
  sex: 'MALE',
  phone: '13800001234',
  hukouRegion: '530102001',
  residenceRegion: '530102001',
  residenceAddress: '昆明市五华区华山街道演示路1号',
};

const paying = (...types: string[]): FlagEnrolmentInput[] => types.map((t) => ({ insuranceType: t, status: 'PAYING' }));

interface Case {
  name: string;
  person?: Partial<FlagPersonInput>;
  enrolments?: FlagEnrolmentInput[];
  flags: DataQualityFlagName[];
}

const cases: Case[] = [
  { name: 'a complete, consistent record', flags: [] },
  // MISSING_PHONE
  { name: 'no phone', person: { phone: null }, flags: ['MISSING_PHONE'] },
  { name: 'empty phone', person: { phone: '' }, flags: ['MISSING_PHONE'] },
  { name: 'blank phone', person: { phone: '   ' }, flags: ['MISSING_PHONE'] },
  // MISSING_RESIDENCE
  { name: 'no residence region', person: { residenceRegion: null }, flags: ['MISSING_RESIDENCE'] },
  { name: 'no residence address', person: { residenceAddress: '' }, flags: ['MISSING_RESIDENCE'] },
  { name: 'no residence at all', person: { residenceRegion: undefined, residenceAddress: undefined }, flags: ['MISSING_RESIDENCE'] },
  // DUPLICATE_MEDICAL
  { name: 'employee and resident medical both paying', enrolments: paying('310', '390'), flags: ['DUPLICATE_MEDICAL'] },
  {
    name: 'employee medical paying, resident medical suspended',
    enrolments: [...paying('310'), { insuranceType: '390', status: 'SUSPENDED' }],
    flags: [],
  },
  {
    name: 'resident medical paying, employee medical terminated',
    enrolments: [...paying('390'), { insuranceType: '310', status: 'TERMINATED' }],
    flags: [],
  },
  { name: 'one medical scheme', enrolments: paying('310', '110', '210'), flags: [] },
  // DUPLICATE_PENSION
  { name: 'enterprise and resident pension both paying', enrolments: paying('110', '170'), flags: ['DUPLICATE_PENSION'] },
  { name: 'enterprise and institution pension both paying', enrolments: paying('110', '120'), flags: ['DUPLICATE_PENSION'] },
  { name: 'three pensions paying', enrolments: paying('110', '120', '170'), flags: ['DUPLICATE_PENSION'] },
  {
    name: 'a suspended pension next to a paying one',
    enrolments: [...paying('170'), { insuranceType: '110', status: 'SUSPENDED' }],
    flags: [],
  },
  { name: 'pension plus unemployment and work injury', enrolments: paying('110', '210', '410', '510'), flags: [] },
  // SEX_MISMATCH
  { name: 'stored sex contradicts a male ID number', person: { sex: 'FEMALE' }, flags: ['SEX_MISMATCH'] },
  { name: 'stored sex contradicts a female ID number', person: { idNumber: FEMALE_ID, sex: 'MALE' }, flags: ['SEX_MISMATCH'] },
  { name: 'female ID number, female', person: { idNumber: FEMALE_ID, sex: 'FEMALE' }, flags: [] },
  { name: 'no stored sex', person: { sex: null }, flags: [] },
  // UNKNOWN_REGION
  { name: 'unknown hukou region', person: { hukouRegion: '530121' }, flags: ['UNKNOWN_REGION'] },
  { name: 'unknown residence region', person: { residenceRegion: '530122001' }, flags: ['UNKNOWN_REGION'] },
  { name: 'no hukou region is not unknown', person: { hukouRegion: null }, flags: [] },
  // Several at once, always in the schema's order.
  {
    name: 'everything wrong at once',
    person: { phone: null, residenceAddress: null, sex: 'FEMALE', hukouRegion: '999999' },
    enrolments: paying('310', '390', '110', '170'),
    flags: ['MISSING_PHONE', 'MISSING_RESIDENCE', 'DUPLICATE_MEDICAL', 'DUPLICATE_PENSION', 'SEX_MISMATCH', 'UNKNOWN_REGION'],
  },
];

describe('computeFlags', () => {
  it.each(cases)('$name → $flags', ({ person, enrolments, flags }) => {
    expect(computeFlags({ ...clean, ...person }, enrolments ?? [], knownRegion)).toEqual(flags);
  });

  it('returns flags in the order of the DataQualityFlag enum', () => {
    const all = computeFlags(
      { idNumber: MALE_ID, sex: 'FEMALE', phone: null, hukouRegion: 'x', residenceRegion: null, residenceAddress: null },
      paying('390', '310', '170', '110'),
      () => false,
    );
    expect(all).toEqual(FLAG_ORDER.filter((f) => all.includes(f)));
  });
});

describe('mergeFlags', () => {
  it('replaces the computed flags and keeps flags other code owns', () => {
    expect(mergeFlags(['MISSING_PHONE', 'EMPLOYMENT_MISMATCH'], ['UNKNOWN_REGION'])).toEqual([
      'UNKNOWN_REGION',
      'EMPLOYMENT_MISMATCH',
    ]);
    expect(mergeFlags(null, ['SEX_MISMATCH', 'MISSING_PHONE'])).toEqual(['MISSING_PHONE', 'SEX_MISMATCH']);
    expect(mergeFlags(['DUPLICATE_MEDICAL'], [])).toEqual([]);
  });
});

describe('sameFlags', () => {
  it.each([
    [[], [], true],
    [['MISSING_PHONE', 'SEX_MISMATCH'], ['SEX_MISMATCH', 'MISSING_PHONE'], true],
    [['MISSING_PHONE'], [], false],
    [['MISSING_PHONE'], ['SEX_MISMATCH'], false],
  ])('%j vs %j → %s', (a, b, same) => {
    expect(sameFlags(a, b)).toBe(same);
  });
});

describe('knownRegionFrom', () => {
  const codes = new Set(['530102', '530102001', '530102002', '530102002001']);
  const isKnown = knownRegionFrom(codes);
  it.each([
    ['530102', true],
    ['530102001', true],
    ['530121', false],
    ['530102009', false],
    // A village of a township without village data: the township is the finest check possible.
    ['530102001005', true],
    // A village of a township whose villages are loaded must be one of them.
    ['530102002001', true],
    ['530102002009', false],
    // A village of an unknown township.
    ['530102009001', false],
  ])('%s → %s', (code, expected) => {
    expect(isKnown(code)).toBe(expected);
  });
});
