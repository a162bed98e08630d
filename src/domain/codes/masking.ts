/**
 * Masking helpers applied by the server before personal data reaches a chat,
 * a staff screen, a log line or a transcript. Pure and dependency-free.
 *
 * All helpers count characters by Unicode code point (so rare CJK characters
 * outside the BMP count as one), trim surrounding whitespace, return '' for
 * empty input, and mask with '*'.
 */

import { parseMobilePhone } from './phone';

const STAR = '*';

/** Split into code points. */
function chars(s: string): string[] {
  return Array.from(s);
}

/**
 * Keep the first `head` and last `tail` characters of `s`, replace every
 * other character with one '*'. Caller guarantees head + tail <= length.
 */
function keepEnds(s: string, head: number, tail: number): string {
  const cs = chars(s);
  return cs.map((c, i) => (i < head || i >= cs.length - tail ? c : STAR)).join('');
}

/**
 * Mask an ID number for the chat: only the first character and the last two
 * stay visible, the length is preserved.
 * `530102199003071238` → `5***************38`.
 * Inputs shorter than 6 characters are masked completely. Whitespace is removed first.
 */
export function maskIdNumber(id: string): string {
  const s = id.replace(/\s+/g, '');
  const n = chars(s).length;
  return n < 6 ? STAR.repeat(n) : keepEnds(s, 1, 2);
}

/**
 * Mask an ID number for staff screens: the first 6 (county code) and the last
 * 4 characters stay visible, the length is preserved.
 * `530102199003071238` → `530102********1238`.
 * Inputs shorter than 15 characters fall back to {@link maskIdNumber}.
 */
export function maskIdNumberForStaff(id: string): string {
  const s = id.replace(/\s+/g, '');
  return chars(s).length < 15 ? maskIdNumber(s) : keepEnds(s, 6, 4);
}

/**
 * Mask a phone number: a mainland mobile number (in any form
 * {@link parseMobilePhone} accepts, e.g. with +86 or spaces) becomes its
 * 11 digits with the first 3 and last 4 visible: `13812341234` → `138****1234`.
 * Anything else keeps at most ⌊digits/2⌋ characters visible (never more than 7,
 * split between the end and the start) and masks the rest, so odd or short
 * inputs never reveal more than half of their digits: `12345678` → `12****78`.
 */
export function maskPhone(phone: string): string {
  const parsed = parseMobilePhone(phone);
  if (parsed.ok) return keepEnds(parsed.phone, 3, 4);
  const s = phone.trim();
  const digitCount = (s.match(/\d/g) ?? []).length;
  const budget = Math.min(7, Math.floor(digitCount / 2), chars(s).length);
  const tail = Math.min(4, Math.ceil(budget / 2));
  const head = Math.min(3, budget - tail);
  return keepEnds(s, head, tail);
}

/**
 * Mask a person's name: keep the first character, replace every remaining
 * character (including spaces and the middle dot of transliterated names)
 * with '*', so the length is preserved but word boundaries are not revealed.
 * `张三丰` → `张**`, `Li Wei` → `L*****`, a single-character name → `*`.
 */
export function maskName(name: string): string {
  const cs = chars(name.trim());
  if (cs.length <= 1) return STAR.repeat(cs.length);
  return keepEnds(cs.join(''), 1, 0);
}

/**
 * Mask a postal address: keep the first ⌈40%⌉ of the characters (at least the
 * first 6 when the address has 12 or more characters, but never more than
 * half), and replace the tail with at most 6 '*' so the length does not leak.
 * `云南省昆明市五华区华山街道12号3栋201` (21 chars) → `云南省昆明市五华区******`.
 */
export function maskAddress(address: string): string {
  const cs = chars(address.trim());
  const n = cs.length;
  if (n === 0) return '';
  const minKeep = n >= 12 ? 6 : 0;
  const keep = Math.min(Math.max(Math.ceil(n * 0.4), minKeep), Math.floor(n / 2));
  return cs.slice(0, keep).join('') + STAR.repeat(Math.min(6, n - keep));
}

/** Mask a birth date for staff screens: the year stays, `1990-03-07` → `1990-**-**`. */
export const maskBirthDate = (ymd: string): string => `${ymd.slice(0, 4)}-**-**`;

/**
 * ID-number-like runs: 17 digits + digit/X (optionally grouped 6-8-4 with a
 * single space or hyphen between groups), or a legacy 15-digit run; never
 * part of a longer digit run.
 */
const ID_IN_TEXT = /(?<!\d)(?:\d{6}[ -]?\d{8}[ -]?\d{3}[\dXx]|\d{15})(?!\d)/g;

/**
 * Mainland mobile numbers: optional +86 / 86 / 0086 prefix, then 1[3-9] and 9
 * digits (optionally grouped 3-4-4 with a single space or hyphen); never part
 * of a longer digit run.
 */
const MOBILE_IN_TEXT = /(?<!\d)(?:(?:\+|00)?86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?!\d)/g;

/**
 * Replace ID numbers (18 characters, 17 digits + X/x, or legacy 15 digits)
 * and mainland mobile numbers found in free text with their masked forms
 * ({@link maskIdNumber} / {@link maskPhone}). A match must not be part of a
 * longer digit run, so short numbers, dates and reference numbers are left
 * alone. Common groupings (`530102 19900307 1238`, `138-1234-1234`,
 * `+86 138 1234 1234`) are recognised too; the whole match, including the
 * prefix and separators, is replaced. Used by the logger and the transcript.
 */
export function redactSensitive(text: string): string {
  return text
    .replace(ID_IN_TEXT, (m) => maskIdNumber(m.replace(/[ -]/g, '').toUpperCase()))
    .replace(MOBILE_IN_TEXT, (m) => maskPhone(m));
}

/**
 * {@link redactSensitive} applied to every string inside a value (objects, arrays, errors; six levels deep),
 * for log fields, audit details and stored answers shown to staff.
 */
export function redactDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactSensitive(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, depth + 1));
  if (value instanceof Error) return { type: value.name, message: redactSensitive(value.message), stack: redactSensitive(value.stack ?? '') };
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v, depth + 1)]));
}
