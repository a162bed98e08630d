import { z } from 'zod';
import { parseIdNumber, type IdParseOk } from '../codes/id-number';
import { INSURANCE_TYPES } from '../codes/insurance';
import { EMPLOYMENT_STATUSES, type RejectReason } from './formats';
import { stripControlChars } from '../../lib/control-chars';
import { fieldSchema, PERSON_FIELDS, withinLength, type PersonField } from '../registry/person-fields';

/**
 * The zod schemas of a persons.csv and an enrolments.csv row, and the reject reason of a bad one. Person
 * columns are checked by the person field table's rules (registry/person-fields.ts).
 */

export interface RowContext {
  today: string;
  now: Date;
  knownCounty: (code: string) => boolean;
}

/**
 * What Excel does to an ID number column saved as CSV without formatting it as text: shown as 5.30102E+17, or
 * kept to 15 significant digits with the rest set to 0 (its check character then fails).
 */
function excelHint(raw: string, error: string): string {
  const s = raw.trim();
  if (/^\d(\.\d+)?E\+\d+$/i.test(s)) return ': Excel has turned it into a number; format the column as text before saving the CSV';
  if (error === 'BAD_CHECK' && /^\d{15}000$/.test(s)) return ': Excel may have set its last digits to 0; format the column as text before saving the CSV';
  return '';
}

/** The column schemas the registry's CSV files share (persons import and departmental feeds): ID number, and
 * person fields by the field table's rules. */
export function registryColumns(ctx: RowContext) {
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
      c.issues.push({ code: 'custom', input: raw, message: `invalid ID number (${why[r.error] ?? r.error})${excelHint(raw, r.error)}` });
      return z.NEVER;
    }
    return r;
  });
  // A person field is read by its one rule (registry/person-fields.ts); the message says what a row must hold.
  const field = (f: PersonField, message: string) => fieldSchema(f, { today: ctx.now }, message);
  // Registry text is stored as spelled; only its length is the field's rule.
  const text = (f: PersonField) => {
    const l = PERSON_FIELDS[f].length ?? { min: 0, max: Infinity };
    return z.string().refine((v) => withinLength(f, v), { message: `must be ${l.min}-${l.max} characters` });
  };
  const date = (what: string) => field('birthDate', `${what} must be a real date YYYY-MM-DD, not in the future`);
  const region = (f: PersonField) => field(f, 'must be a 6-, 9- or 12-digit region code');
  return { idNumber, field, text, date, region };
}

export function buildSchemas(ctx: RowContext) {
  const { idNumber, field, text, date, region } = registryColumns(ctx);
  const maxYear = Number(ctx.today.slice(0, 4)) + 1;
  const month = z.string().refine(
    (s) => /^\d{4}-(0[1-9]|1[0-2])$/.test(s) && Number(s.slice(0, 4)) >= 1950 && Number(s.slice(0, 4)) <= maxYear,
    { message: 'last_paid_month must be a month YYYY-MM' },
  );

  const person = z.object({
    id_number: idNumber,
    name: z.string({ error: 'name is required' }).pipe(text('name')),
    sex: z.enum(['1', '2'], { error: 'sex must be 1 (male) or 2 (female)' }).optional(),
    ethnicity: field('ethnicity', 'ethnicity must be a GB/T 3304 code 01-56').optional(),
    birth_date: date('birth_date').optional(),
    phone: z.string().optional(),
    hukou_region: region('hukouRegion').optional(),
    // Addresses and the employer are checked by the import itself: an implausible one is left out with a
    // warning, and the person is still imported (a person missing from the registry is the worse error).
    hukou_address: z.string().optional(),
    residence_region: region('residenceRegion').optional(),
    residence_address: z.string().optional(),
    household_id: field('householdId', 'must be 1-64 letters, digits, - or _').optional(),
    employment_status: field('employmentStatus', `must be one of ${EMPLOYMENT_STATUSES.join(' ')}`).optional(),
    employer: z.string().optional(),
  });

  const enrolment = z.object({
    id_number: idNumber,
    insurance_type: z.enum(INSURANCE_TYPES, { error: `must be one of ${INSURANCE_TYPES.join(' ')}` }),
    status: z.enum(['1', '2', '3'], { error: 'must be 1 (paying), 2 (suspended) or 3 (terminated)' }),
    region: region('residenceRegion').optional(),
    first_enrolled: date('first_enrolled').optional(),
    last_paid_month: month.optional(),
    employer: z.string().optional(),
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
      // U+FFFD: bytes the file's encoding could not read (csv-encoding.ts), whatever the column's own rule says.
      if (input[c]?.includes('\uFFFD')) return `${c}: holds bytes that are not valid text in the file's encoding`;
      return i.message.startsWith(c) ? i.message : `${c}: ${i.message}`;
    })
    .join('; ');
  return { reason, message };
}
