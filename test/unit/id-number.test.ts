import {
  computeCheckChar,
  isValidIdNumber,
  normaliseIdNumber,
  parseIdNumber,
  type IdNumberError,
  type IdParseOk,
} from '../../src/domain/codes/id-number';

/** 2026-01-15, noon in China. */
const TODAY = new Date('2026-01-15T12:00:00+08:00');

/** Append the computed check character to 17 digits. */
const withCheck = (first17: string): string => first17 + computeCheckChar(first17);

function expectOk(raw: string, opts: Parameters<typeof parseIdNumber>[1] = { today: TODAY }): IdParseOk {
  const r = parseIdNumber(raw, opts);
  if (!r.ok) throw new Error(`expected ${raw} to parse, got ${r.error}`);
  return r;
}

describe('computeCheckChar', () => {
  test.each([
    ['53010219900307123', '8'],
    ['53230119851120004', '2'],
    ['11010519491231002', 'X'],
    ['41272219750509354', '5'],
    ['53010219900230123', '0'],
  ])('%s -> %s', (first17, check) => {
    expect(computeCheckChar(first17)).toBe(check);
  });

  test.each([[''], ['1234567890123456'], ['123456789012345678'], ['1234567890123456X']])(
    'rejects malformed input %j',
    (bad) => {
      expect(() => computeCheckChar(bad)).toThrow(RangeError);
    },
  );
});

describe('normaliseIdNumber', () => {
  test.each([
    ['530102199003071238', '530102199003071238'],
    ['  530102199003071238  ', '530102199003071238'],
    ['530102 19900307 1238', '530102199003071238'],
    ['530102\u300019900307\t1238', '530102199003071238'],
    ['11010519491231002x', '11010519491231002X'],
    ['５３０１０２１９９００３０７１２３８', '530102199003071238'],
    // legacy 15 digits -> insert "19" and append the check character
    ['530102900307123', '530102199003071238'],
    [' 530102 900307 123 ', '530102199003071238'],
    // not validated beyond that
    ['abx', 'abX'],
    ['12345', '12345'],
    ['', ''],
  ])('%j -> %j', (raw, expected) => {
    expect(normaliseIdNumber(raw)).toBe(expected);
  });
});

describe('parseIdNumber: valid numbers', () => {
  test.each<[string, string, Pick<IdParseOk, 'idNumber' | 'birthDate' | 'sex' | 'countyCode' | 'kind' | 'convertedFrom15'>]>([
    [
      'male citizen',
      '530102199003071238',
      { idNumber: '530102199003071238', birthDate: '1990-03-07', sex: 'MALE', countyCode: '530102', kind: 'citizen', convertedFrom15: false },
    ],
    [
      'female citizen',
      '532301198511200042',
      { idNumber: '532301198511200042', birthDate: '1985-11-20', sex: 'FEMALE', countyCode: '532301', kind: 'citizen', convertedFrom15: false },
    ],
    [
      'check character X',
      '11010519491231002X',
      { idNumber: '11010519491231002X', birthDate: '1949-12-31', sex: 'FEMALE', countyCode: '110105', kind: 'citizen', convertedFrom15: false },
    ],
    [
      'lower-case x',
      '11010519491231002x',
      { idNumber: '11010519491231002X', birthDate: '1949-12-31', sex: 'FEMALE', countyCode: '110105', kind: 'citizen', convertedFrom15: false },
    ],
    [
      'surrounding and inner whitespace',
      '  530102 1990 0307 1238\n',
      { idNumber: '530102199003071238', birthDate: '1990-03-07', sex: 'MALE', countyCode: '530102', kind: 'citizen', convertedFrom15: false },
    ],
    [
      'legacy 15-digit number',
      '530102900307123',
      { idNumber: '530102199003071238', birthDate: '1990-03-07', sex: 'MALE', countyCode: '530102', kind: 'citizen', convertedFrom15: true },
    ],
    [
      'legacy 15-digit number, female',
      '532301851120004',
      { idNumber: '532301198511200042', birthDate: '1985-11-20', sex: 'FEMALE', countyCode: '532301', kind: 'citizen', convertedFrom15: true },
    ],
    [
      'Hong Kong residence permit',
      withCheck('81000019900101123'),
      { idNumber: withCheck('81000019900101123'), birthDate: '1990-01-01', sex: 'MALE', countyCode: '810000', kind: 'hk_macao_taiwan_permit', convertedFrom15: false },
    ],
    [
      'Macao residence permit',
      withCheck('82000020000229002'),
      { idNumber: withCheck('82000020000229002'), birthDate: '2000-02-29', sex: 'FEMALE', countyCode: '820000', kind: 'hk_macao_taiwan_permit', convertedFrom15: false },
    ],
    [
      'Taiwan residence permit',
      withCheck('83000019751010005'),
      { idNumber: withCheck('83000019751010005'), birthDate: '1975-10-10', sex: 'MALE', countyCode: '830000', kind: 'hk_macao_taiwan_permit', convertedFrom15: false },
    ],
    [
      "foreigners' permanent residence card",
      withCheck('93115619880808004'),
      { idNumber: withCheck('93115619880808004'), birthDate: '1988-08-08', sex: 'FEMALE', countyCode: '', kind: 'foreign_permanent_residence', convertedFrom15: false },
    ],
    [
      'born 1900-01-01 (earliest allowed)',
      withCheck('53010219000101001'),
      { idNumber: withCheck('53010219000101001'), birthDate: '1900-01-01', sex: 'MALE', countyCode: '530102', kind: 'citizen', convertedFrom15: false },
    ],
    [
      'born today (in China)',
      withCheck('53010220260115002'),
      { idNumber: withCheck('53010220260115002'), birthDate: '2026-01-15', sex: 'FEMALE', countyCode: '530102', kind: 'citizen', convertedFrom15: false },
    ],
  ])('%s: %s', (_label, raw, expected) => {
    const r = expectOk(raw);
    expect(r).toEqual({ ok: true, warnings: [], ...expected });
    expect(isValidIdNumber(raw, { today: TODAY })).toBe(true);
  });
});

describe('parseIdNumber: errors', () => {
  test.each<[string, string, IdNumberError]>([
    ['empty', '', 'EMPTY'],
    ['only whitespace', '  \t\u3000 ', 'EMPTY'],
    ['wrong check digit', '530102199003071230', 'BAD_CHECK'],
    ['wrong check digit (2)', '412722197505093546', 'BAD_CHECK'],
    ['X where a digit is expected', '53010219900307123X', 'BAD_CHECK'],
    ['digit where X is expected', '110105194912310020', 'BAD_CHECK'],
    ['permit with bad check', '810000199001011231', 'BAD_CHECK'],
    ['Feb 30', '530102199002301238', 'BAD_DATE'],
    ['Feb 29 in a non-leap year', withCheck('53010220010229123'), 'BAD_DATE'],
    ['Feb 29 1900 (not a leap year)', withCheck('53010219000229123'), 'BAD_DATE'],
    ['month 13', withCheck('53010219901301123'), 'BAD_DATE'],
    ['month 00', withCheck('53010219900001123'), 'BAD_DATE'],
    ['day 00', withCheck('53010219900300123'), 'BAD_DATE'],
    ['April 31', withCheck('53010219900431123'), 'BAD_DATE'],
    ['future date (tomorrow)', withCheck('53010220260116123'), 'BAD_DATE'],
    ['far future', withCheck('53010230000101123'), 'BAD_DATE'],
    ['before 1900', withCheck('53010218991231123'), 'BAD_DATE'],
    ['legacy 15-digit with impossible date', '530102900230123', 'BAD_DATE'],
    ['17 digits', '53010219900307123', 'BAD_LENGTH'],
    ['19 digits', '5301021990030712381', 'BAD_LENGTH'],
    ['16 digits', '5301021990030712', 'BAD_LENGTH'],
    ['14 digits', '53010290030712', 'BAD_LENGTH'],
    ['a few digits', '1234', 'BAD_LENGTH'],
    ['18 digits + X', '530102199003071238X', 'BAD_LENGTH'],
    ['letter in the middle', '5301021990O3071238', 'BAD_CHARACTERS'],
    ['X in the middle', '5301021990X3071238', 'BAD_CHARACTERS'],
    ['X at the start', 'X30102199003071238', 'BAD_CHARACTERS'],
    ['two X at the end', '5301021990030712XX', 'BAD_CHARACTERS'],
    ['15 characters ending in X', '53010290030712X', 'BAD_CHARACTERS'],
    ['hyphens', '530102-19900307-1238', 'BAD_CHARACTERS'],
    ['free text', 'I do not know', 'BAD_CHARACTERS'],
    ['a date instead of a number', '1990年3月7日', 'BAD_CHARACTERS'],
    ['foreign card with bad check', '931156198808080040', 'BAD_CHECK'],
  ])('%s: %j -> %s', (_label, raw, error) => {
    expect(parseIdNumber(raw, { today: TODAY })).toEqual({ ok: false, error });
    expect(isValidIdNumber(raw, { today: TODAY })).toBe(false);
  });

  test('the future-date check uses the date in China, not the server time zone', () => {
    const bornOn20260115 = withCheck('53010220260115002');
    // 2026-01-14 16:30 UTC is already 2026-01-15 00:30 in China
    expect(parseIdNumber(bornOn20260115, { today: new Date('2026-01-14T16:30:00Z') }).ok).toBe(true);
    // 2026-01-14 15:30 UTC is still 2026-01-14 23:30 in China
    expect(parseIdNumber(bornOn20260115, { today: new Date('2026-01-14T15:30:00Z') })).toEqual({
      ok: false,
      error: 'BAD_DATE',
    });
  });

  test('defaults today to now', () => {
    expect(isValidIdNumber('530102199003071238')).toBe(true);
    const nextYear = new Date().getFullYear() + 1;
    expect(parseIdNumber(withCheck(`530102${nextYear}0101123`))).toEqual({ ok: false, error: 'BAD_DATE' });
  });
});

describe('parseIdNumber: county warnings', () => {
  const known = new Set(['530102', '110105']);
  const knownCounty = (code: string): boolean => known.has(code);

  test.each<[string, string, ('UNKNOWN_COUNTY')[]]>([
    ['known county', '530102199003071238', []],
    ['unknown county is accepted with a warning', '532301198511200042', ['UNKNOWN_COUNTY']],
    ['unknown county, legacy number', '532301851120004', ['UNKNOWN_COUNTY']],
    ['permit prefix is not checked', withCheck('81000019900101123'), []],
    ['foreign card is not treated as a county', withCheck('93115619880808004'), []],
  ])('%s', (_label, raw, warnings) => {
    const r = expectOk(raw, { today: TODAY, knownCounty });
    expect(r.warnings).toEqual(warnings);
  });

  test('no lookup given: never warns', () => {
    expect(expectOk('532301198511200042').warnings).toEqual([]);
  });

  test('the lookup receives the county code', () => {
    const seen: string[] = [];
    expectOk('532301198511200042', {
      today: TODAY,
      knownCounty: (c) => {
        seen.push(c);
        return true;
      },
    });
    expect(seen).toEqual(['532301']);
  });
});
