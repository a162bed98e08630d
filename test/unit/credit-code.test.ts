import {
  CREDIT_CODE_ALPHABET,
  computeCreditCodeCheckChar,
  isValidCreditCode,
  normaliseCreditCode,
  parseCreditCode,
  type CreditCodeError,
} from '../../src/domain/codes/credit-code';

/** Append the computed check character to 17 characters. */
const withCheck = (first17: string): string => first17 + computeCreditCodeCheckChar(first17);

/** A different alphabet character than `c`. */
const other = (c: string): string => (c === '0' ? '1' : '0');

const KNOWN = '91350100M000100Y43';
const GENERATED = withCheck('92530102MA6K12345');

describe('computeCreditCodeCheckChar', () => {
  test.each([
    ['91350100M000100Y4', '3'],
    // all zeros: sum 0 -> (31 - 0) mod 31 = 0
    ['00000000000000000', '0'],
    // value 1 at position 1 (weight 1): (31 - 1) mod 31 = 30 -> 'Y'
    ['10000000000000000', 'Y'],
  ])('%s -> %s', (first17, check) => {
    expect(computeCreditCodeCheckChar(first17)).toBe(check);
  });

  test.each([[''], ['91350100M000100Y'], ['91350100M000100Y43'], ['91350100I000100Y4']])('throws on %j', (bad) => {
    expect(() => computeCreditCodeCheckChar(bad)).toThrow(RangeError);
  });

  test('the check character is always in the alphabet', () => {
    for (const c of CREDIT_CODE_ALPHABET) {
      expect(CREDIT_CODE_ALPHABET).toContain(computeCreditCodeCheckChar(`9135010${c}M000100Y4`));
    }
  });
});

describe('normaliseCreditCode', () => {
  test.each([
    [KNOWN, KNOWN],
    ['  91350100m000100y43 ', KNOWN],
    ['9135 0100 M000 100Y 43', KNOWN],
    ['', ''],
  ])('%j -> %j', (raw, expected) => {
    expect(normaliseCreditCode(raw)).toBe(expected);
  });
});

describe('parseCreditCode', () => {
  test.each([
    ['known-valid example', KNOWN, KNOWN],
    ['lower case and whitespace', ' 91350100m000100y43\n', KNOWN],
    ['generated', GENERATED, GENERATED],
    ['generated, lower case', GENERATED.toLowerCase(), GENERATED],
    ['O typed for 0', KNOWN.replace(/0/g, 'O'), KNOWN],
    ["the bot's own example", '91530100MA6K7ABC1C', '91530100MA6K7ABC1C'],
  ])('%s: %j is valid', (_label, raw, code) => {
    expect(parseCreditCode(raw)).toEqual({ ok: true, code });
    expect(isValidCreditCode(raw)).toBe(true);
  });

  test.each<[string, string, CreditCodeError]>([
    ['empty', '', 'BAD_LENGTH'],
    ['17 characters', KNOWN.slice(0, 17), 'BAD_LENGTH'],
    ['19 characters', `${KNOWN}0`, 'BAD_LENGTH'],
    ['I read as 1: then the check fails', '91350100I000100Y43', 'BAD_CHECK'],
    ['O read as 0: then the check fails', '91350100O000100Y43', 'BAD_CHECK'],
    ['contains Z', '91350100Z000100Y43', 'BAD_CHARACTERS'],
    ['contains S', '91350100S000100Y43', 'BAD_CHARACTERS'],
    ['contains V', '91350100V000100Y43', 'BAD_CHARACTERS'],
    ['contains punctuation', '91350100-000100Y43', 'BAD_CHARACTERS'],
    ['contains a CJK character', '91350100码000100Y43', 'BAD_CHARACTERS'],
    ['wrong check character', '91350100M000100Y44', 'BAD_CHECK'],
    ['changed body character', '91350100M000100Y53', 'BAD_CHECK'],
    ['swapped adjacent characters', '19350100M000100Y43', 'BAD_CHECK'],
    ['generated, wrong check', GENERATED.slice(0, 17) + other(GENERATED.charAt(17)), 'BAD_CHECK'],
    ['18 digits (an ID number typed by mistake)', '530102199003071238', 'BAD_CHECK'],
  ])('%s: %j -> %s', (_label, raw, error) => {
    expect(parseCreditCode(raw)).toEqual({ ok: false, error });
    expect(isValidCreditCode(raw)).toBe(false);
  });
});
