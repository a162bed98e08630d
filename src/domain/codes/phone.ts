/**
 * Mainland China mobile phone numbers: 11 digits, `1[3-9]` followed by 9 digits.
 * Pure and dependency-free.
 */

/** Successful result of {@link parseMobilePhone}. */
export interface PhoneParseOk {
  ok: true;
  /** The bare 11-digit number, e.g. `13812341234`. */
  phone: string;
}

/** Failed result of {@link parseMobilePhone}. */
export interface PhoneParseError {
  ok: false;
  error: 'BAD_PHONE';
}

/** Result of {@link parseMobilePhone}. */
export type PhoneParseResult = PhoneParseOk | PhoneParseError;

/** The canonical 11-digit mainland mobile number pattern. */
export const MOBILE_PHONE_PATTERN = /^1[3-9]\d{9}$/;

/** Convert full-width digits and plus sign (０-９, ＋) to ASCII. */
function toHalfWidth(s: string): string {
  return s.replace(/[\uFF10-\uFF19\uFF0B]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));
}

/**
 * Parse a mainland mobile number as typed by a user.
 *
 * Accepts: optional country prefix `+86`, `86` or `0086` (the `+86` may be
 * wrapped in parentheses, e.g. `(+86)`), whitespace, hyphens (ASCII or
 * full-width) and full-width digits anywhere. Returns the bare 11-digit
 * number, or `BAD_PHONE` for anything else (landlines, wrong length, other
 * country codes, letters).
 */
export function parseMobilePhone(raw: string): PhoneParseResult {
  let s = toHalfWidth(raw).replace(/[\s\-\uFF0D\u2010-\u2013]+/g, '');
  s = s.replace(/^\(\+?86\)/, '').replace(/^(?:\+86|0086|86)(?=\d{11}$)/, '');
  return MOBILE_PHONE_PATTERN.test(s) ? { ok: true, phone: s } : { ok: false, error: 'BAD_PHONE' };
}
