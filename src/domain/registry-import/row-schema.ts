import { z } from 'zod';
import { isEthnicityCode } from '../codes/ethnicity';
import { parseIdNumber, type IdParseOk } from '../codes/id-number';
import { INSURANCE_TYPES } from '../codes/insurance';
import { EMPLOYMENT_STATUSES, type RejectReason } from './formats';
import { stripControlChars } from '../../lib/control-chars';
import { REGION_CODE_RE } from '../vocabulary';

/** The zod schemas of a persons.csv and an enrolments.csv row, and the reject reason of a bad one. */
// ------------------------------------------------------------------ row validation (zod)


/** A real calendar date YYYY-MM-DD. */
export function isRealDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (mo < 1 || mo > 12 || d < 1) return false;
  const dim = mo === 2 ? (y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28) : [4, 6, 9, 11].includes(mo) ? 30 : 31;
  return d <= dim;
}


export interface RowContext {
  today: string;
  now: Date;
  knownCounty: (code: string) => boolean;
}

export function buildSchemas(ctx: RowContext) {
  const idNumber = z.string().transform((raw, c): IdParseOk => {
    const r = parseIdNumber(raw, { today: ctx.now, knownCounty: ctx.knownCounty });
    if (!r.ok) {
      const why: Record<string, string> = {
        EMPTY: 'empty',
        BAD_CHARACTERS: 'characters other than digits and a final X',
        BAD_LENGTH: 'not 15 or 18 characters',
        BAD_DATE: 'the birth date in it is impossible or in the future',
        BAD_CHECK: 'the check character is wrong',
      };
      c.issues.push({ code: 'custom', input: raw, message: `invalid ID number (${why[r.error] ?? r.error})` });
      return z.NEVER;
    }
    return r;
  });
  const date = (what: string) =>
    z.string().refine((s) => isRealDate(s) && s >= '1900-01-01' && s <= ctx.today, {
      message: `${what} must be a real date YYYY-MM-DD, not in the future`,
    });
  const maxYear = Number(ctx.today.slice(0, 4)) + 1;
  const month = z.string().refine(
    (s) => /^\d{4}-(0[1-9]|1[0-2])$/.test(s) && Number(s.slice(0, 4)) >= 1950 && Number(s.slice(0, 4)) <= maxYear,
    { message: 'last_paid_month must be a month YYYY-MM' },
  );
  const region = z.string().regex(REGION_CODE_RE, { message: 'must be a 6-, 9- or 12-digit region code' });
  const text = (max: number) => z.string().max(max, { message: `longer than ${max} characters` });

  const person = z.object({
    id_number: idNumber,
    name: z.string({ error: 'name is required' }).max(100, { message: 'longer than 100 characters' }),
    sex: z.enum(['1', '2'], { error: 'sex must be 1 (male) or 2 (female)' }).optional(),
    ethnicity: z.string().refine(isEthnicityCode, { message: 'ethnicity must be a GB/T 3304 code 01-56' }).optional(),
    birth_date: date('birth_date').optional(),
    phone: z.string().optional(),
    hukou_region: region.optional(),
    hukou_address: text(200).optional(),
    residence_region: region.optional(),
    residence_address: text(200).optional(),
    household_id: z.string().regex(/^[0-9A-Za-z_-]{1,64}$/, { message: 'must be 1-64 letters, digits, - or _' }).optional(),
    employment_status: z.enum(EMPLOYMENT_STATUSES, { error: `must be one of ${EMPLOYMENT_STATUSES.join(' ')}` }).optional(),
    employer: text(200).optional(),
  });

  const enrolment = z.object({
    id_number: idNumber,
    insurance_type: z.enum(INSURANCE_TYPES, { error: `must be one of ${INSURANCE_TYPES.join(' ')}` }),
    status: z.enum(['1', '2', '3'], { error: 'must be 1 (paying), 2 (suspended) or 3 (terminated)' }),
    region: region.optional(),
    first_enrolled: date('first_enrolled').optional(),
    last_paid_month: month.optional(),
    employer: text(200).optional(),
    benefit_from: month.optional(),
  });
  return { person, enrolment };
}

/** Which reject reason an invalid (non-empty) value of a column gets; anything else is MALFORMED_ROW. */
const REASON_BY_COLUMN: Record<string, RejectReason> = {
  id_number: 'BAD_ID_NUMBER',
  birth_date: 'BAD_DATE',
  first_enrolled: 'BAD_DATE',
  last_paid_month: 'BAD_DATE',
  benefit_from: 'BAD_DATE',
  insurance_type: 'UNKNOWN_INSURANCE_TYPE',
  status: 'UNKNOWN_STATUS',
};

export interface Rejection {
  line: number;
  reason: RejectReason;
  message: string;
  idRaw: string;
}

/** Turns the record into an object of trimmed values (empty → absent). */
export function toObject(fields: string[], index: Record<string, number>, columns: readonly string[], upper: readonly string[]) {
  const o: Record<string, string | undefined> = {};
  for (const c of columns) {
    let v = stripControlChars(fields[index[c] as number] ?? '').trim();
    if (upper.includes(c)) v = v.toUpperCase();
    o[c] = v === '' ? undefined : v;
  }
  return o;
}

export function describeIssues(issues: z.core.$ZodIssue[], input: Record<string, string | undefined>): { reason: RejectReason; message: string } {
  const first = issues[0];
  const col = String(first?.path[0] ?? '');
  const missing = input[col] === undefined;
  const reason: RejectReason = missing ? 'MALFORMED_ROW' : (REASON_BY_COLUMN[col] ?? 'MALFORMED_ROW');
  const message = issues
    .map((i) => {
      const c = String(i.path[0] ?? '');
      if (input[c] === undefined) return `${c} is required`;
      return i.message.startsWith(c) ? i.message : `${c}: ${i.message}`;
    })
    .join('; ');
  return { reason, message };
}
