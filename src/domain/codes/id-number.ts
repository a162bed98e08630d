/**
 * Chinese citizen identity number (公民身份号码, GB 11643-1999) and the
 * 18-character numbers that share its layout and check character:
 * Hong Kong / Macao / Taiwan residents' residence permits (prefix 810000,
 * 820000, 830000) and the 2023 foreigners' permanent residence ID card
 * (first digit 9).
 *
 * Layout of an 18-character number:
 *   positions 1-6   administrative division (county) code
 *   positions 7-14  birth date YYYYMMDD
 *   positions 15-17 sequence code; the 17th digit is odd for men, even for women
 *   position 18     check character (0-9 or X), see {@link computeCheckChar}
 *
 * Pure: its one import is the China-time calendar.
 */

import { chinaDate } from '../calendar/china-time';

/** Weights W_i for positions 1..17 (W_i = 2^(18-i) mod 11). */
export const CHECK_WEIGHTS: readonly number[] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

/** Check character indexed by S mod 11. */
const CHECK_CHARS = '10X98765432';

/** County-code prefixes used by HK / Macao / Taiwan residents' residence permits. */
const PERMIT_PREFIXES: readonly string[] = ['810000', '820000', '830000'];


/**
 * Every error {@link parseIdNumber} can return, in the order they are checked.
 * Handy for building an exhaustive message table for the chat.
 */
export const ID_NUMBER_ERRORS = ['EMPTY', 'BAD_CHARACTERS', 'BAD_LENGTH', 'BAD_DATE', 'BAD_CHECK'] as const;

/**
 * Why an ID number was rejected:
 * - `EMPTY`: nothing (or only whitespace) was entered.
 * - `BAD_CHARACTERS`: something other than digits, or an X anywhere but the
 *   18th position (a 15-digit legacy number has no X at all).
 * - `BAD_LENGTH`: not 15 or 18 characters after normalising.
 * - `BAD_DATE`: the birth date does not exist, is in the future, or is before 1900-01-01.
 * - `BAD_CHECK`: the 18th character does not match the computed check character (typo).
 */
export type IdNumberError = (typeof ID_NUMBER_ERRORS)[number];

/** Which document the number belongs to. */
export type IdNumberKind = 'citizen' | 'hk_macao_taiwan_permit' | 'foreign_permanent_residence';

/** Sex encoded by the 17th digit (odd = male). */
export type IdSex = 'MALE' | 'FEMALE';

/** Non-fatal observations about an otherwise valid number. */
export type IdNumberWarning = 'UNKNOWN_COUNTY';

/** Successful result of {@link parseIdNumber}. */
export interface IdParseOk {
  ok: true;
  /** Normalised 18-character number (upper-case X, legacy 15-digit numbers converted). */
  idNumber: string;
  kind: IdNumberKind;
  /** Birth date as `YYYY-MM-DD`. */
  birthDate: string;
  sex: IdSex;
  /**
   * First 6 characters (county code; 810000/820000/830000 for permits).
   * Empty string for the foreigners' permanent residence card, whose first
   * six digits are not a county code.
   */
  countyCode: string;
  warnings: IdNumberWarning[];
  /** True when the input was a legacy 15-digit number. */
  convertedFrom15: boolean;
}

/** Failed result of {@link parseIdNumber}. */
export interface IdParseError {
  ok: false;
  error: IdNumberError;
}

/** Result of {@link parseIdNumber}. */
export type IdParseResult = IdParseOk | IdParseError;

/** Options for {@link parseIdNumber}. */
export interface ParseIdOptions {
  /**
   * Lookup for county codes (e.g. backed by the GB/T 2260 table). When given
   * and it returns false for a citizen number, the result carries the
   * `UNKNOWN_COUNTY` warning. Unknown counties are never rejected.
   */
  knownCounty?: (code: string) => boolean;
  /** The current instant, for the "not in the future" check. Defaults to `new Date()`. */
  today?: Date;
}

/** Convert full-width digits and letters (０-９, Ａ-Ｚ, ａ-ｚ) to ASCII. */
function toHalfWidth(s: string): string {
  return s.replace(/[\uFF10-\uFF19\uFF21-\uFF3A\uFF41-\uFF5A]/g, (c) =>
    String.fromCharCode(c.charCodeAt(0) - 0xfee0),
  );
}

/** Trim, drop whitespace, full-width → ASCII, x → X; no 15→18 conversion. */
function clean(raw: string): string {
  return toHalfWidth(raw).replace(/\s+/g, '').replace(/x/g, 'X');
}

/**
 * Compute the GB 11643 check character for the first 17 digits:
 * S = Σ d_i·W_i with W = 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2, check = "10X98765432"[S mod 11].
 *
 * @param first17 exactly 17 ASCII digits
 * @returns one of `0`-`9` or `X`
 * @throws RangeError if `first17` is not exactly 17 digits
 */
export function computeCheckChar(first17: string): string {
  if (!/^\d{17}$/.test(first17)) {
    throw new RangeError('computeCheckChar expects exactly 17 digits');
  }
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    sum += Number(first17.charCodeAt(i) - 48) * (CHECK_WEIGHTS[i] ?? 0);
  }
  return CHECK_CHARS.charAt(sum % 11);
}

/**
 * Normalise user input: trim, remove inner whitespace (including the
 * ideographic space), convert full-width digits/letters to ASCII, upper-case
 * `x` to `X`, and convert a legacy 15-digit number (YYMMDD, born 19xx) to 18
 * characters by inserting "19" before the date and appending the computed
 * check character. Performs no other validation: anything else is returned
 * cleaned but otherwise unchanged.
 */
export function normaliseIdNumber(raw: string): string {
  const s = clean(raw);
  if (/^\d{15}$/.test(s)) {
    const first17 = `${s.slice(0, 6)}19${s.slice(6)}`;
    return first17 + computeCheckChar(first17);
  }
  return s;
}

function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return isLeapYear(y) ? 29 : 28;
  return [4, 6, 9, 11].includes(m) ? 30 : 31;
}

/** Today's date in China as a comparable YYYYMMDD string (kept for the last instant asked: a file's rows are
 * all checked against one). */
let lastNow = NaN;
let lastKey = '';
function chinaDateKey(now: Date): string {
  if (now.getTime() !== lastNow) {
    lastNow = now.getTime();
    lastKey = chinaDate(now).replaceAll('-', '');
  }
  return lastKey;
}

/** True when `yyyymmdd` is a real calendar date between 1900-01-01 and today (in China). */
function isPlausibleBirthDate(yyyymmdd: string, today: Date): boolean {
  const y = Number(yyyymmdd.slice(0, 4));
  const m = Number(yyyymmdd.slice(4, 6));
  const d = Number(yyyymmdd.slice(6, 8));
  if (y < 1900 || m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) return false;
  return yyyymmdd <= chinaDateKey(today);
}

/**
 * Parse and validate an ID number (citizen ID, HK/Macao/Taiwan residence
 * permit, or 2023 foreigners' permanent residence card).
 *
 * The input is first normalised with {@link normaliseIdNumber}. Errors are
 * checked in the order EMPTY → BAD_CHARACTERS → BAD_LENGTH → BAD_DATE →
 * BAD_CHECK, so e.g. a 17-digit typo gives BAD_LENGTH and an impossible date
 * gives BAD_DATE even if the check character is also wrong.
 *
 * "Today" for the future-date check is the calendar date in China (UTC+8) at
 * the instant `opts.today` (default: now), regardless of the server time zone.
 *
 * The `UNKNOWN_COUNTY` warning is only produced for citizen numbers, and only
 * when `opts.knownCounty` is given and returns false; permit prefixes and the
 * foreigners' card are never checked against it.
 */
export function parseIdNumber(raw: string, opts: ParseIdOptions = {}): IdParseResult {
  const cleaned = clean(raw);
  if (cleaned === '') return { ok: false, error: 'EMPTY' };
  // Digits only, optionally followed by a single trailing X.
  if (!/^\d*X?$/.test(cleaned)) return { ok: false, error: 'BAD_CHARACTERS' };
  const convertedFrom15 = /^\d{15}$/.test(cleaned);
  if (cleaned.length === 15) {
    // 15 characters but not all digits: a legacy number never contains X.
    if (!convertedFrom15) return { ok: false, error: 'BAD_CHARACTERS' };
  } else if (cleaned.length !== 18) {
    return { ok: false, error: 'BAD_LENGTH' };
  }
  const id = normaliseIdNumber(cleaned);

  const date = id.slice(6, 14);
  if (!isPlausibleBirthDate(date, opts.today ?? new Date())) return { ok: false, error: 'BAD_DATE' };

  if (id.charAt(17) !== computeCheckChar(id.slice(0, 17))) return { ok: false, error: 'BAD_CHECK' };

  const prefix = id.slice(0, 6);
  let kind: IdNumberKind = 'citizen';
  if (!convertedFrom15) {
    if (PERMIT_PREFIXES.includes(prefix)) kind = 'hk_macao_taiwan_permit';
    else if (id.startsWith('9')) kind = 'foreign_permanent_residence';
  }

  const warnings: IdNumberWarning[] = [];
  if (kind === 'citizen' && opts.knownCounty && !opts.knownCounty(prefix)) {
    warnings.push('UNKNOWN_COUNTY');
  }

  return {
    ok: true,
    idNumber: id,
    kind,
    birthDate: `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}`,
    sex: Number(id.charAt(16)) % 2 === 1 ? 'MALE' : 'FEMALE',
    countyCode: kind === 'foreign_permanent_residence' ? '' : prefix,
    warnings,
    convertedFrom15,
  };
}

/**
 * True when {@link parseIdNumber} accepts the input (warnings do not matter).
 * `opts.today` may be passed for deterministic tests.
 */
export function isValidIdNumber(raw: string, opts: Pick<ParseIdOptions, 'today'> = {}): boolean {
  return parseIdNumber(raw, opts).ok;
}
