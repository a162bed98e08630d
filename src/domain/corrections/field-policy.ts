/**
 * Which corrections a resident may make directly and which need a reviewer (docs/domain.md "Which changes need a
 * person to review them"), as one table, plus the pure checks of a proposed value. Region fields are checked
 * against the region table by change-request.service.ts (they need the database); everything else is here.
 */
import { parseEthnicity } from '../codes/ethnicity';
import { parseIdNumber } from '../codes/id-number';
import { parseMobilePhone } from '../codes/phone';
import { CORRECTABLE_FIELDS, type CorrectableField, type CorrectionError, type FieldPolicyKind, type Sex } from '../ports';
import { chinaDate } from '../calendar/china-time';
import { PERSON_FIELD_TABLE } from '../registry/person-change';
import type { DataQualityFlagName } from '../registry/person-flags';

/** How a field's value is read and checked. */
export type ValueKind = 'name' | 'sex' | 'birthDate' | 'idNumber' | 'ethnicity' | 'phone' | 'region' | 'address';

export interface FieldRule {
  policy: FieldPolicyKind;
  kind: ValueKind;
  /** Flags recomputed after the field changed (the person field table of registry/person-change.ts). */
  flags: readonly DataQualityFlagName[];
}

/**
 * The field policy. Every correctable field is a Person column of the same name.
 * DIRECT: applied to the person at once and audited with old and new value.
 * REVIEWED: a FIELD_CHANGE change request with frozen values; the person becomes PENDING_REVIEW and the
 * county agency answers within 3 working days.
 */
const POLICY: Readonly<Record<CorrectableField, Omit<FieldRule, 'flags'>>> = {
  name: { policy: 'REVIEWED', kind: 'name' },
  sex: { policy: 'REVIEWED', kind: 'sex' },
  birthDate: { policy: 'REVIEWED', kind: 'birthDate' },
  idNumber: { policy: 'REVIEWED', kind: 'idNumber' },
  ethnicity: { policy: 'DIRECT', kind: 'ethnicity' },
  phone: { policy: 'DIRECT', kind: 'phone' },
  residenceRegion: { policy: 'DIRECT', kind: 'region' },
  residenceAddress: { policy: 'DIRECT', kind: 'address' },
  hukouRegion: { policy: 'REVIEWED', kind: 'region' },
  hukouAddress: { policy: 'REVIEWED', kind: 'address' },
};
export const FIELD_POLICY: Readonly<Record<CorrectableField, FieldRule>> = Object.fromEntries(
  CORRECTABLE_FIELDS.map((f): [CorrectableField, FieldRule] => [f, { ...POLICY[f], flags: PERSON_FIELD_TABLE[f].flags }]),
) as Record<CorrectableField, FieldRule>;

/** The fields in the order the bot offers them (defined with the ports, which the flow shares). */
export { CORRECTABLE_FIELDS };

export const isCorrectableField = (v: string): v is CorrectableField => (CORRECTABLE_FIELDS as readonly string[]).includes(v);

export function policyOf(field: CorrectableField): FieldPolicyKind {
  return FIELD_POLICY[field].policy;
}

export type FieldValueResult = { ok: true; value: string } | { ok: false; error: CorrectionError };

/** What a value is checked against: the person's ID number (it encodes sex and birth date). */
export interface FieldCheckContext {
  idNumber: string;
  /** Names of an ethnicity code in every language (from the locale files). */
  ethnicityNames: (code: string) => readonly string[];
  today: Date;
}

const SEX_WORDS: Record<string, Sex> = {
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

const clean = (s: string) => s.normalize('NFKC').trim().replace(/\s+/g, ' ');

/** A person's name: letters (any script), marks, the middle dot, spaces, apostrophes and hyphens; 2-40 characters. */
export function isPlausiblePersonName(raw: string): boolean {
  const s = clean(raw);
  const n = Array.from(s.replace(/\s/g, '')).length;
  return n >= 2 && n <= 40 && /^[\p{L}\p{M}·•.\s'-]+$/u.test(s) && /\p{L}/u.test(s);
}

/** An address: 4-100 characters with at least one letter. */
export function isPlausibleAddress(raw: string): boolean {
  const s = clean(raw);
  const n = Array.from(s).length;
  return n >= 4 && n <= 100 && /\p{L}/u.test(s);
}

function daysInMonth(y: number, m: number): number {
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}


/**
 * A calendar date typed as 1990-03-07, 1990/3/7, 1990.3.7, 19900307 or 1990年3月7日; YYYY-MM-DD, or null
 * when it is no real date between 1900-01-01 and today (China time).
 */
export function parseBirthDate(raw: string, today: Date): string | null {
  const s = clean(raw).replace(/\s/g, '');
  const m = /^(\d{4})(?:[-/.年])?(\d{1,2})(?:[-/.月])?(\d{1,2})日?$/u.exec(s);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (y < 1900 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return null;
  const iso = `${String(y)}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
  return iso <= chinaDate(today) ? iso : null;
}

/**
 * Reads and checks a proposed value of a non-region field. Sex and birth date must agree with the person's ID
 * number (it encodes them; a contradiction is refused, the resident should correct the ID number instead).
 */
export function parseFieldValue(field: CorrectableField, raw: string, ctx: FieldCheckContext): FieldValueResult {
  const kind = FIELD_POLICY[field].kind;
  switch (kind) {
    case 'name':
      return isPlausiblePersonName(raw) ? { ok: true, value: clean(raw) } : { ok: false, error: 'BAD_NAME' };
    case 'sex': {
      const sex = SEX_WORDS[clean(raw).toLowerCase()] ?? (raw === 'MALE' || raw === 'FEMALE' ? raw : undefined);
      if (!sex) return { ok: false, error: 'BAD_SEX' };
      const id = parseIdNumber(ctx.idNumber, { today: ctx.today });
      if (id.ok && id.sex !== sex) return { ok: false, error: 'SEX_CONTRADICTS_ID' };
      return { ok: true, value: sex };
    }
    case 'birthDate': {
      const date = parseBirthDate(raw, ctx.today);
      if (!date) return { ok: false, error: 'BAD_BIRTH_DATE' };
      const id = parseIdNumber(ctx.idNumber, { today: ctx.today });
      if (id.ok && id.birthDate !== date) return { ok: false, error: 'BIRTH_DATE_CONTRADICTS_ID' };
      return { ok: true, value: date };
    }
    case 'idNumber': {
      const id = parseIdNumber(raw, { today: ctx.today });
      return id.ok ? { ok: true, value: id.idNumber } : { ok: false, error: `ID_${id.error}` as const };
    }
    case 'ethnicity': {
      const code = parseEthnicity(raw, ctx.ethnicityNames);
      return code ? { ok: true, value: code } : { ok: false, error: 'BAD_ETHNICITY' };
    }
    case 'phone': {
      const p = parseMobilePhone(raw);
      return p.ok ? { ok: true, value: p.phone } : { ok: false, error: 'BAD_PHONE' };
    }
    case 'address':
      return isPlausibleAddress(raw) ? { ok: true, value: clean(raw) } : { ok: false, error: 'BAD_ADDRESS' };
    case 'region':
      throw new Error(`${field} is a region: check it against the region table (change-request.service)`);
  }
}
