import { MEDICAL_TYPES, PENSION_TYPES } from '../codes/insurance';

/**
 * What one person contributes to the progress figures, as one bit per counter. The incremental job and the
 * full recount compute the same bits with the same SQL ({@link contributionSql}), so the rollup equals a
 * recount by construction of the delta, and the property test checks it.
 */

/** Counters that do not depend on age: persons, registration status, data-quality flags. */
export const REGISTRY_COUNTERS = [
  'persons',
  'unregistered',
  'pending_review',
  'confirmed',
  'needs_visit',
  'f_missing_phone',
  'f_missing_residence',
  'f_duplicate_medical',
  'f_duplicate_pension',
  'f_sex_mismatch',
  'f_unknown_region',
] as const;

/** Live counters (columns of progress_live), in bit order. */
export const LIVE_COUNTERS = [
  ...REGISTRY_COUNTERS,
  'pension_paying',
  'p110',
  'p120',
  'p170',
  'medical',
  'm310',
  'm390',
  'no_cover',
  'flexible_no_cover',
  'platform_no_cover',
] as const;
export type LiveCounter = (typeof LIVE_COUNTERS)[number];

export const bitOf = (c: LiveCounter): number => LIVE_COUNTERS.indexOf(c);

/** The data-quality flags the progress figures report (DataQualityFlag -> counter). */
export const FLAG_COUNTERS = {
  MISSING_PHONE: 'f_missing_phone',
  MISSING_RESIDENCE: 'f_missing_residence',
  DUPLICATE_MEDICAL: 'f_duplicate_medical',
  DUPLICATE_PENSION: 'f_duplicate_pension',
  SEX_MISMATCH: 'f_sex_mismatch',
  UNKNOWN_REGION: 'f_unknown_region',
} as const satisfies Record<string, LiveCounter>;
export type ProgressFlag = keyof typeof FLAG_COUNTERS;
export const PROGRESS_FLAGS = Object.keys(FLAG_COUNTERS) as ProgressFlag[];


/**
 * Working age, the rule the figures use: a man whose age reached in the calendar year of the day is 16 to 59,
 * a woman 16 to 54 (birth year between year-59 and year-16, or year-54 and year-16). Persons with an unknown
 * sex or birth date are not of working age in the figures. The limits are the plan's; statutory retirement
 * ages rise gradually from 2025, so they are constants here and nowhere else.
 */
export const WORKING_AGE = { from: 16, maleTo: 59, femaleTo: 54 } as const;

/** True when a person of this sex ('M' | 'F' | 'U') and birth year (0 = unknown) is of working age in `year`. */
export function isWorkingAge(sex: string, birthYear: number, year: number): boolean {
  if (!birthYear || (sex !== 'M' && sex !== 'F')) return false;
  const age = year - birthYear;
  return age >= WORKING_AGE.from && age <= (sex === 'M' ? WORKING_AGE.maleTo : WORKING_AGE.femaleTo);
}

/** The same rule as SQL over columns `sex` and `birth_year`, for the year of the date expression `day`. */
export function workingAgeSql(day: string): string {
  const y = `extract(year FROM ${day})::int`;
  return `(birth_year > 0 AND ((sex = 'M' AND ${y} - birth_year BETWEEN ${WORKING_AGE.from} AND ${WORKING_AGE.maleTo})
    OR (sex = 'F' AND ${y} - birth_year BETWEEN ${WORKING_AGE.from} AND ${WORKING_AGE.femaleTo})))`;
}

const b = (c: LiveCounter) => 1 << bitOf(c);

/** The bucket a managing region code counts in: its township (first 9 digits), or the code when coarser. */
export const BUCKET_SQL = `CASE WHEN p.region_code IS NULL THEN '' WHEN length(p.region_code) >= 9 THEN left(p.region_code, 9) ELSE p.region_code END`;

/**
 * SELECT person_id, bucket, sex, birth_year, bits for persons. `scope` 'ids' reads the persons whose ids are
 * in the uuid[] expression `ids` (index lookups per person); 'all' reads every person with set-based joins.
 */
export function contributionSql(scope: 'ids' | 'all', ids = '$1::uuid[]'): string {
  const pensionBits = PENSION_TYPES.map((s) => `WHEN '${s}' THEN ${b(`p${s}` as LiveCounter) | b('pension_paying')}`).join(' ');
  const medicalBits = MEDICAL_TYPES.map((s) => `WHEN '${s}' THEN ${b(`m${s}` as LiveCounter) | b('medical')}`).join(' ');
  const enrolAgg = `bit_or(CASE insurance_type ${pensionBits} ${medicalBits} ELSE 0 END) AS ebits`;
  const covered = b('pension_paying') | b('medical');
  const flagBits = Object.entries(FLAG_COUNTERS)
    .map(([flag, c]) => `CASE WHEN '${flag}' = ANY(p.flags) THEN ${b(c)} ELSE 0 END`)
    .join(' | ');
  const select = `SELECT p.id AS person_id, ${BUCKET_SQL} AS bucket,
  CASE p.sex WHEN 'MALE' THEN 'M' WHEN 'FEMALE' THEN 'F' ELSE 'U' END AS sex,
  COALESCE(extract(year FROM p.birth_date)::int, 0) AS birth_year,
  (${b('persons')}
   | CASE p.registration_status WHEN 'UNREGISTERED' THEN ${b('unregistered')} WHEN 'PENDING_REVIEW' THEN ${b('pending_review')}
       WHEN 'CONFIRMED' THEN ${b('confirmed')} ELSE ${b('needs_visit')} END
   | ${flagBits}
   | COALESCE(e.ebits, 0)
   | CASE WHEN COALESCE(e.ebits, 0) & ${covered} = 0 THEN ${b('no_cover')}
       | CASE WHEN p.employment_status = 'FLEXIBLE' THEN ${b('flexible_no_cover')} ELSE 0 END
       | CASE WHEN r.platform THEN ${b('platform_no_cover')} ELSE 0 END
     ELSE 0 END) AS bits
FROM person p`;
  if (scope === 'ids') {
    return `${select}
LEFT JOIN LATERAL (SELECT ${enrolAgg} FROM enrolment WHERE person_id = p.id AND status = 'PAYING') e ON true
LEFT JOIN LATERAL (SELECT true AS platform FROM employment_report WHERE person_id = p.id AND platform_work IS NOT NULL LIMIT 1) r ON true
WHERE p.id = ANY(${ids}) AND ${PRESENT}`;
  }
  return `${select}
LEFT JOIN (SELECT person_id, ${enrolAgg} FROM enrolment WHERE status = 'PAYING' GROUP BY person_id) e ON e.person_id = p.id
LEFT JOIN (SELECT DISTINCT person_id, true AS platform FROM employment_report WHERE platform_work IS NOT NULL) r ON r.person_id = p.id
WHERE ${PRESENT}`;
}

/**
 * The deceased and those moved out of the province (departmental feeds), and a row a reviewed merge folded into
 * another person, are in no figure: not "missing", and nobody counted twice.
 */
const PRESENT = 'p.deceased_on IS NULL AND p.moved_out_on IS NULL AND p.merged_into_id IS NULL';

/** `sum(<sign> * ((bits >> k) & 1))::int AS <counter>` for every live counter. */
export function sumBitsSql(bitsExpr: string, signExpr = '1'): string {
  return LIVE_COUNTERS.map((c, k) => `sum(${signExpr} * ((${bitsExpr} >> ${k}) & 1))::int AS ${c}`).join(',\n  ');
}
