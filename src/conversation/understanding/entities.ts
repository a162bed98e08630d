import { parseIdNumber } from '../../domain/codes/id-number';
import { cnDigitsToArabic } from './numbers';

/**
 * The values the flow asks for, found inside a sentence: an ID number (我的身份证是530...), a mobile number,
 * the digits of a verification factor (full-width, spaced, or in Chinese numerals), a credit code.
 */

/** Digits written with spaces, dashes or dots between groups joined up (5301 0219 9003 0712 38). */
function joinDigitGroups(text: string): string {
  return text.replace(/(?<=[\dXx])[\s\-－.·]+(?=[\dXx])/gu, '');
}

/** An 18-character (or old 15-digit) ID number inside the text that passes the check, or null. */
export function extractIdNumber(text: string): string | null {
  const t = joinDigitGroups(cnDigitsToArabic(text.normalize('NFKC')));
  const found = new Set<string>();
  for (const m of t.matchAll(/(?<![\dA-Za-z])(\d{17}[\dXx]|\d{15})(?![\dA-Za-z])/gu)) {
    const r = parseIdNumber(m[1]!);
    if (r.ok) found.add(r.idNumber);
  }
  return found.size === 1 ? [...found][0]! : null;
}

/** Something that looks like an attempt at an ID number (15-18 digits, maybe wrong): the flow explains why. */
export function idNumberCandidate(text: string): string | null {
  const t = joinDigitGroups(cnDigitsToArabic(text.normalize('NFKC')));
  const all = [...t.matchAll(/(?<![\dA-Za-z])(\d{14,17}[\dXx]?)(?![\dA-Za-z])/gu)].map((m) => m[1]!);
  return all.length === 1 ? all[0]!.toUpperCase() : null;
}

/** An 11-digit mainland mobile number inside the text (138 1234 5678, +86 138...), or null. */
export function extractPhone(text: string): string | null {
  const t = joinDigitGroups(cnDigitsToArabic(text.normalize('NFKC'))).replace(/\+?86(?=1[3-9]\d{9}(?!\d))/u, '');
  const all = [...new Set([...t.matchAll(/(?<!\d)(1[3-9]\d{9})(?!\d)/gu)].map((m) => m[1]!))];
  return all.length === 1 ? all[0]! : null;
}

/**
 * Exactly `length` digits the resident typed, alone or in a sentence (后四位是３４５６, 3 4 5 6, 三四五六). A whole
 * mobile number answers a "last 4 digits" question with its last four.
 */
export function extractDigits(text: string, length: number): string | null {
  const t = cnDigitsToArabic(text.normalize('NFKC'));
  const compact = t.replace(/[\s\-－]+/gu, '');
  if (/^\d+$/u.test(compact) && compact.length === length) return compact;
  const runs = [...joinDigitGroups(t).matchAll(/(?<!\d)(\d+)(?!\d)/gu)].map((m) => m[1]!);
  if (runs.length !== 1) return null;
  const run = runs[0]!;
  if (run.length === length) return run;
  if (length === 4 && /^1[3-9]\d{9}$/u.test(run)) return run.slice(-4);
  return null;
}

/** A unified social credit code with the letters a resident confuses with digits mapped (O->0, I->1). */
export function normaliseCreditCode(text: string): string {
  const t = text.normalize('NFKC').toUpperCase().replace(/[\s\-－]+/gu, '');
  const m = /[0-9A-Z]{18}/u.exec(t);
  return (m ? m[0] : t).replace(/O/gu, '0').replace(/I/gu, '1');
}
