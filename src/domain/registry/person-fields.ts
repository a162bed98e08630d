import { z } from 'zod';
import type { Person } from '../../generated/prisma/client';
import { chinaDate } from '../calendar/china-time';
import { isEthnicityCode, parseEthnicity } from '../codes/ethnicity';
import { parseIdNumber } from '../codes/id-number';
import { maskAddress, maskBirthDate, maskIdNumberForStaff, maskName, maskPhone } from '../codes/masking';
import { parseMobilePhone } from '../codes/phone';
import type { CorrectionError, FieldPolicyKind, Sex } from '../ports';
import { EMPLOYMENT_STATUSES, REGION_CODE_RE } from '../vocabulary';
import type { DataQualityFlagName } from './person-flags';

/**
 * The person fields, declared once (docs/domain.md "Which changes need a person to review them"). Per field:
 * its database column, the kind of value, the one rule that reads and checks a proposed value (the same
 * whether it comes from the chat, a reviewer's approval, a visit-list upload or the registry import), how it
 * is read from a person row, the data-quality flags that depend on it, whether a resident may correct it
 * (directly or through review), whether a change request may name it, and how a staff screen masks it.
 *
 * The correction policy (corrections/field-policy.ts), the review's field specs (review/review-checks.ts), the
 * one writer (registry/person-change.ts) and the import's row schema (registry-import/row-schema.ts) are views
 * of this table.
 */

export type FieldKind = 'name' | 'sex' | 'date' | 'idNumber' | 'ethnicity' | 'phone' | 'region' | 'address' | 'enum' | 'text';

/** What a check reads besides the value: today (China time) and, in the chat, ethnicity names in every locale. */
export interface FieldParseContext {
  today: Date;
  ethnicityNames?: (code: string) => readonly string[];
}

/** The refusal code of a bad value: the chat's CorrectionError (reviewers see INVALID_VALUE). */
export type FieldError = CorrectionError | 'BAD_VALUE';

export interface PersonFieldSpec {
  /** The column in the person table (SQL); the Prisma field has the field's own name. */
  column: string;
  kind: FieldKind;
  /** A value must be given (it can not be removed, "not on record"). */
  required: boolean;
  /** Length in characters (code points; spaces not counted for a name) a free-text value must have. */
  length?: { min: number; max: number };
  /** The refusal code of a bad value (an ID number refines it with the parser's reason). */
  error: FieldError;
  /** Reads a non-blank value: the value as stored (normalised), or null (refused with `error`) or a finer error. */
  check: (raw: string, ctx: FieldParseContext) => string | null | { error: FieldError };
  /** Data-quality flags recomputed after the field changed. */
  flags: readonly DataQualityFlagName[];
  /** A resident's correction: applied at once (DIRECT), through review (REVIEWED), or not offered (null). */
  correction: FieldPolicyKind | null;
  /** A change request may name it (a reviewer's approval writes it). */
  request: boolean;
  /** How a staff screen shows it unless revealed; shown as it is when absent. */
  staffMask?: (value: string) => string;
}

/** Printable ASCII and CJK unified ideographs: text NFKC leaves as it is (the import's common case, skipped fast). */
const NFKC_STABLE = /^[\x20-\x7e\u4e00-\u9fff]*$/;
/** NFKC, trimmed, inner whitespace collapsed to one space: how typed text is stored. */
export const cleanText = (s: string) => (NFKC_STABLE.test(s) ? s : s.normalize('NFKC')).trim().replace(/\s+/g, ' ');
const codePoints = (s: string) => (/[\ud800-\udbff]/.test(s) ? Array.from(s).length : s.length);
const within = (n: number, l: { min: number; max: number }) => n >= l.min && n <= l.max;

export const NAME_LENGTH = { min: 2, max: 40 };
export const ADDRESS_LENGTH = { min: 4, max: 100 };
export const EMPLOYER_LENGTH = { min: 1, max: 100 };

/** U+FFFD stands for bytes a file's encoding could not read (csv-encoding.ts): no free-text value holds it. */
const undecodable = (s: string) => s.includes('\uFFFD');

/**
 * A free-text value has the length its field allows (the table's `length`; spaces are not counted in a name) and
 * nothing a file's encoding could not read. The registry import checks names, addresses and employers by this
 * rule alone and stores them as spelled.
 */
export function withinLength(field: PersonField, raw: string): boolean {
  if (undecodable(raw)) return false;
  const l = PERSON_FIELDS[field].length;
  if (!l) return true;
  const s = cleanText(raw);
  return within(codePoints(field === 'name' && s.includes(' ') ? s.replace(/ /g, '') : s), l);
}

/** A person's name: letters (any script), marks, the middle dot, spaces, apostrophes and hyphens; 2-40 characters. */
export function isPlausiblePersonName(raw: string): boolean {
  const s = cleanText(raw);
  return withinLength('name', s) && /^[\p{L}\p{M}·•.\s'-]+$/u.test(s) && /\p{L}/u.test(s);
}

/** An address: 4-100 characters with at least one letter. */
export function isPlausibleAddress(raw: string): boolean {
  return withinLength('residenceAddress', raw) && /\p{L}/u.test(raw);
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const daysInMonth = (y: number, m: number) => (m === 2 && y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : (MONTH_DAYS[m - 1] as number));

/**
 * A calendar date typed as 1990-03-07, 1990/3/7, 1990.3.7, 19900307 or 1990年3月7日; YYYY-MM-DD, or null
 * when it is no real date between 1900-01-01 and today (China time).
 */
export function parseBirthDate(raw: string, today: Date): string | null {
  if (ISO_DATE.test(raw)) {
    // Already YYYY-MM-DD (files of a million rows hold nothing else): check it as it is.
    const y = Number(raw.slice(0, 4));
    const mo = Number(raw.slice(5, 7));
    const d = Number(raw.slice(8, 10));
    if (y < 1900 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return null;
    return raw <= todayInChina(today) ? raw : null;
  }
  const s = cleanText(raw).replace(/\s/g, '');
  const m = /^(\d{4})(?:[-/.年])?(\d{1,2})(?:[-/.月])?(\d{1,2})日?$/u.exec(s);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (y < 1900 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return null;
  const iso = `${String(y)}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
  return iso <= todayInChina(today) ? iso : null;
}
/** Already clean (files of a million rows hold nothing else): no normalising needed. */
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
/** chinaDate(today), kept for the last instant asked (a file's rows are all checked against one). */
let lastToday = NaN;
let lastTodayDate = '';
function todayInChina(today: Date): string {
  if (today.getTime() !== lastToday) {
    lastToday = today.getTime();
    lastTodayDate = chinaDate(today);
  }
  return lastTodayDate;
}

const SEX_WORDS: Readonly<Record<string, Sex>> = {
  male: 'MALE',
  m: 'MALE',
  man: 'MALE',
  男: 'MALE',
  男性: 'MALE',
  female: 'FEMALE',
  f: 'FEMALE',
  woman: 'FEMALE',
  女: 'FEMALE',
  女性: 'FEMALE',
};

const text = (max: number) => (raw: string) => (codePoints(cleanText(raw)) <= max && !undecodable(raw) ? cleanText(raw) : null);
/** A calendar date between 1900-01-01 and today, as parseBirthDate reads it. */
const date = (raw: string, ctx: FieldParseContext) => parseBirthDate(raw, ctx.today);
const region = (raw: string) => (REGION_CODE_RE.test(raw.trim()) ? raw.trim() : null);
const address = (raw: string) => (isPlausibleAddress(raw) ? cleanText(raw) : null);
const idNumber = (raw: string, ctx: FieldParseContext) => {
  const r = parseIdNumber(raw, { today: ctx.today });
  return r.ok ? r.idNumber : { error: `ID_${r.error}` as const };
};

const base = { required: false, flags: [], correction: null, request: true } as const;

/** The table. A field's `check` is wrapped in one zod schema by fieldChecker; `error` names a refused value. */

const FIELDS = {
  name: { ...base, column: 'name', kind: 'name', required: true, length: NAME_LENGTH, error: 'BAD_NAME', check: (raw) => (isPlausiblePersonName(raw) ? cleanText(raw) : null), correction: 'REVIEWED', staffMask: maskName },
  sex: {
    ...base,
    column: 'sex',
    kind: 'sex',
    error: 'BAD_SEX',
    check: (raw) => SEX_WORDS[cleanText(raw).toLowerCase()] ?? (raw === 'MALE' || raw === 'FEMALE' ? raw : null),
    flags: ['SEX_MISMATCH'],
    correction: 'REVIEWED',
  },
  birthDate: { ...base, column: 'birth_date', kind: 'date', error: 'BAD_BIRTH_DATE', check: date, correction: 'REVIEWED', staffMask: maskBirthDate },
  idNumber: { ...base, column: 'id_number', kind: 'idNumber', required: true, error: 'ID_BAD_CHARACTERS', check: idNumber, flags: ['SEX_MISMATCH'], correction: 'REVIEWED', staffMask: maskIdNumberForStaff },
  ethnicity: { ...base, column: 'ethnicity', kind: 'ethnicity', error: 'BAD_ETHNICITY', check: (raw, ctx) => (isEthnicityCode(raw) ? raw : parseEthnicity(raw, ctx.ethnicityNames ?? (() => []))), correction: 'DIRECT' },
  phone: {
    ...base,
    column: 'phone',
    kind: 'phone',
    error: 'BAD_PHONE',
    check: (raw) => {
      const p = parseMobilePhone(raw);
      return p.ok ? p.phone : null;
    },
    flags: ['MISSING_PHONE'],
    correction: 'DIRECT',
    staffMask: maskPhone,
  },
  hukouRegion: { ...base, column: 'hukou_region', kind: 'region', error: 'UNKNOWN_REGION', check: region, flags: ['UNKNOWN_REGION'], correction: 'REVIEWED' },
  hukouAddress: { ...base, column: 'hukou_address', kind: 'address', length: ADDRESS_LENGTH, error: 'BAD_ADDRESS', check: address, correction: 'REVIEWED', staffMask: maskAddress },
  residenceRegion: { ...base, column: 'residence_region', kind: 'region', error: 'UNKNOWN_REGION', check: region, flags: ['MISSING_RESIDENCE', 'UNKNOWN_REGION'], correction: 'DIRECT' },
  residenceAddress: { ...base, column: 'residence_address', kind: 'address', length: ADDRESS_LENGTH, error: 'BAD_ADDRESS', check: address, flags: ['MISSING_RESIDENCE'], correction: 'DIRECT', staffMask: maskAddress },
  householdId: { ...base, column: 'household_id', kind: 'text', error: 'BAD_VALUE', check: (raw) => (/^[0-9A-Za-z_-]{1,64}$/.test(raw.trim()) ? raw.trim() : null), request: false },
  employmentStatus: { ...base, column: 'employment_status', kind: 'enum', error: 'BAD_VALUE', check: (raw) => ((EMPLOYMENT_STATUSES as readonly string[]).includes(raw) ? raw : null) },
  employer: { ...base, column: 'employer', kind: 'text', length: EMPLOYER_LENGTH, error: 'BAD_VALUE', check: text(EMPLOYER_LENGTH.max) },
  employerCreditCode: { ...base, column: 'employer_credit_code', kind: 'text', error: 'BAD_VALUE', check: text(18) },
  employmentSince: { ...base, column: 'employment_since', kind: 'date', error: 'BAD_VALUE', check: date },
} as const satisfies Record<string, PersonFieldSpec>;

export type PersonField = keyof typeof FIELDS;
/** The table (every field a change may write). */
export const PERSON_FIELDS: Readonly<Record<PersonField, PersonFieldSpec>> = FIELDS;
export const PERSON_FIELD_NAMES = Object.keys(FIELDS) as PersonField[];
/** The person fields a change request may name. */
export type RequestField = { [K in PersonField]: (typeof FIELDS)[K] extends { request: false } ? never : K }[PersonField];
export const isPersonField = (f: string): f is PersonField => Object.hasOwn(FIELDS, f);

export type FieldParse = { ok: true; value: string | null } | { ok: false; error: FieldError };

/**
 * The one check of a proposed value: blank means "not on record" (refused for a required field), anything
 * else goes through the field's schema and comes back as stored. `fieldChecker` builds the schema once, for
 * callers that check many values (the import).
 */
export function fieldChecker(field: PersonField, ctx: FieldParseContext): (raw: string | null | undefined) => FieldParse {
  const spec = PERSON_FIELDS[field];
  const schema = fieldSchema(field, ctx);
  return (raw) => {
    if (raw === null || raw === undefined || raw.trim() === '') return spec.required ? { ok: false, error: field === 'idNumber' ? 'ID_EMPTY' : spec.error } : { ok: true, value: null };
    const r = schema.safeParse(raw);
    return r.success ? { ok: true, value: r.data } : { ok: false, error: (r.error.issues[0]?.message ?? spec.error) as FieldError };
  };
}

/**
 * A field's check as a zod schema of a non-blank value (a string schema that checks, then stores the normalised
 * value: it stays a plain string schema, which keeps zod's fast object parsing in the import); a refused
 * value's issue says `message`, else the error code.
 */
export function fieldSchema(field: PersonField, ctx: FieldParseContext, message?: string): z.ZodString {
  const spec = PERSON_FIELDS[field];
  return z
    .string()
    .check((c) => {
      const v = spec.check(c.value, ctx);
      if (typeof v !== 'string') c.issues.push({ code: 'custom', input: c.value, message: message ?? v?.error ?? spec.error });
    })
    .overwrite((raw) => {
      const v = spec.check(raw, ctx);
      return typeof v === 'string' ? v : raw;
    });
}

export const parsePersonField = (field: PersonField, raw: string | null | undefined, ctx: FieldParseContext): FieldParse => fieldChecker(field, ctx)(raw);

/** A field's value on a person row as a string (dates YYYY-MM-DD), or null. */
export function readPersonField(p: Pick<Person, PersonField>, field: PersonField): string | null {
  const v = p[field];
  if (v === null || v === undefined) return null;
  return v instanceof Date ? v.toISOString().slice(0, 10) : String(v);
}

/** How a staff screen shows a field unless revealed (the person view and the review detail); other names as they are. */
export const maskFieldForStaff = (field: string, value: string): string => {
  const mask = isPersonField(field) ? PERSON_FIELDS[field].staffMask : undefined;
  return mask ? mask(value) : value;
};
