/**
 * Unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters
 * from a 31-character alphabet (digits and upper-case letters without
 * I, O, Z, S, V); the 18th is a check character over positions 1..17.
 * Pure and dependency-free.
 */

/** The code alphabet; a character's index is its numeric value. */
export const CREDIT_CODE_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';

/** Weights for positions 1..17 (3^(i-1) mod 31). */
const WEIGHTS: readonly number[] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/** Why a credit code was rejected (checked in the order BAD_LENGTH → BAD_CHARACTERS → BAD_CHECK). */
export type CreditCodeError = 'BAD_LENGTH' | 'BAD_CHARACTERS' | 'BAD_CHECK';

/** Result of {@link parseCreditCode}. */
export type CreditCodeParseResult = { ok: true; code: string } | { ok: false; error: CreditCodeError };

/**
 * Normalise user input: trim, remove inner whitespace, upper-case.
 * Does not validate.
 */
export function normaliseCreditCode(raw: string): string {
  // O and I are not in the code's alphabet: typed for 0 and 1.
  return raw.replace(/\s+/g, '').toUpperCase().replace(/O/g, '0').replace(/I/g, '1');
}

/**
 * Compute the check character for the first 17 characters of a credit code:
 * alphabet[(31 − Σ value_i·W_i mod 31) mod 31].
 *
 * @throws RangeError if `first17` is not 17 characters from {@link CREDIT_CODE_ALPHABET}
 */
export function computeCreditCodeCheckChar(first17: string): string {
  if (first17.length !== 17) throw new RangeError('computeCreditCodeCheckChar expects 17 characters');
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const v = CREDIT_CODE_ALPHABET.indexOf(first17.charAt(i));
    if (v < 0) throw new RangeError(`invalid credit code character at position ${i + 1}`);
    sum += v * (WEIGHTS[i] ?? 0);
  }
  return CREDIT_CODE_ALPHABET.charAt((31 - (sum % 31)) % 31);
}

/**
 * Parse and validate a unified social credit code. The input is normalised
 * with {@link normaliseCreditCode} first; on success `code` is the
 * normalised 18-character code. Empty input gives `BAD_LENGTH`.
 */
export function parseCreditCode(raw: string): CreditCodeParseResult {
  const code = normaliseCreditCode(raw);
  if (code.length !== 18) return { ok: false, error: 'BAD_LENGTH' };
  for (const ch of code) {
    if (!CREDIT_CODE_ALPHABET.includes(ch)) return { ok: false, error: 'BAD_CHARACTERS' };
  }
  if (computeCreditCodeCheckChar(code.slice(0, 17)) !== code.charAt(17)) {
    return { ok: false, error: 'BAD_CHECK' };
  }
  return { ok: true, code };
}

/** True when {@link parseCreditCode} accepts the input. */
export function isValidCreditCode(raw: string): boolean {
  return parseCreditCode(raw).ok;
}
