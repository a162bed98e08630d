import type { PrismaClient } from '../../generated/prisma/client';

/** The stored rows as the batch writers read them, and the set-based SQL they run. */
// ------------------------------------------------------------------ stored rows

export interface StoredPerson {
  id: string;
  id_number: string;
  name: string;
  sex: string | null;
  ethnicity: string | null;
  birth_date: string | null;
  phone: string | null;
  hukou_region: string | null;
  hukou_address: string | null;
  residence_region: string | null;
  residence_address: string | null;
  region_code: string | null;
  household_id: string | null;
  employment_status: string | null;
  employer: string | null;
  flags: string[] | null;
  version: number;
}

/** Person columns an import sets, with the audit's field name. */
export const PERSON_FIELDS = [
  ['name', 'name'],
  ['sex', 'sex'],
  ['ethnicity', 'ethnicity'],
  ['birth_date', 'birthDate'],
  ['phone', 'phone'],
  ['hukou_region', 'hukouRegion'],
  ['hukou_address', 'hukouAddress'],
  ['residence_region', 'residenceRegion'],
  ['residence_address', 'residenceAddress'],
  ['region_code', 'regionCode'],
  ['household_id', 'householdId'],
  ['employment_status', 'employmentStatus'],
  ['employer', 'employer'],
] as const;
type PersonField = (typeof PERSON_FIELDS)[number][0];
export type PersonValues = Record<PersonField, string | null>;

export interface StoredEnrolment {
  id: string;
  person_id: string;
  insurance_type: string;
  status: string;
  region_code: string | null;
  first_enrolled: string | null;
  last_paid_month: string | null;
  employer: string | null;
  benefit_from: string | null;
  stamp: string;
}

export const ENROLMENT_FIELDS = [
  ['status', 'status'],
  ['region_code', 'regionCode'],
  ['first_enrolled', 'firstEnrolled'],
  ['last_paid_month', 'lastPaidMonth'],
  ['employer', 'employer'],
  ['benefit_from', 'benefitFrom'],
] as const;
type EnrolmentField = (typeof ENROLMENT_FIELDS)[number][0];
export type EnrolmentValues = Record<EnrolmentField, string | null>;

// ------------------------------------------------------------------ SQL

const TS = (n: number) => `($${n}::timestamptz AT TIME ZONE 'UTC')`;
const FLAGS = (expr: string) => `string_to_array(${expr}, ',')::"DataQualityFlag"[]`;
const texts = (from: number, n: number) => Array.from({ length: n }, (_, i) => `$${from + i}::text[]`).join(', ');

/**
 * Stored persons of a batch with all their enrolments. Lookups join an unnest of the keys (rather than
 * `= ANY($1)`) so the plan is a nested loop over the unique index even when the table's statistics are stale
 * during a bulk import.
 */
export const selectPersons = (lock: boolean) => `SELECT p.id::text AS id, p.id_number, p.name, p.sex::text AS sex, p.ethnicity,
    to_char(p.birth_date, 'YYYY-MM-DD') AS birth_date, p.phone, p.hukou_region, p.hukou_address, p.residence_region,
    p.residence_address, p.region_code, p.household_id, p.employment_status::text AS employment_status, p.employer,
    p.flags::text[] AS flags, p.version,
    (SELECT json_agg(json_build_array(e.id::text, e.insurance_type, e.status::text, e.region_code,
        to_char(e.first_enrolled, 'YYYY-MM-DD'), e.last_paid_month, e.employer, e.updated_at::text, e.benefit_from))
      FROM enrolment e WHERE e.person_id = p.id) AS enrolments
  FROM unnest($1::text[]) AS k(id_number) JOIN person p ON p.id_number = k.id_number${lock ? ' FOR UPDATE OF p' : ''}`;

export const INSERT_HOUSEHOLDS = `INSERT INTO household (id, region_code, address, created_at)
  SELECT u.id, u.region_code, u.address, ${TS(4)}
  FROM unnest(${texts(1, 3)}) AS u(id, region_code, address)
  ON CONFLICT (id) DO NOTHING`;

const INSERT_PERSONS = `INSERT INTO person (id_number, name, sex, ethnicity, birth_date, phone, hukou_region,
    hukou_address, residence_region, residence_address, region_code, household_id, employment_status, employer,
    flags, created_at, updated_at)
  SELECT u.id_number, u.name, u.sex::"Sex", u.ethnicity, u.birth_date::date, u.phone, u.hukou_region,
    u.hukou_address, u.residence_region, u.residence_address, u.region_code, u.household_id,
    u.employment_status::"EmploymentStatus", u.employer, ${FLAGS('u.flags')}, ${TS(16)}, ${TS(16)}
  FROM unnest(${texts(1, 15)})
    AS u(id_number, name, sex, ethnicity, birth_date, phone, hukou_region, hukou_address, residence_region,
      residence_address, region_code, household_id, employment_status, employer, flags)
  ON CONFLICT (id_number) DO NOTHING
  RETURNING id_number`;
/** Inserts the batch's new persons; returns how many, and the ID numbers that already existed (null: none). */
export const INSERT_PERSONS_RETURNING = `WITH ins AS (${INSERT_PERSONS})
  SELECT count(ins.id_number)::int AS n, array_agg(k.id_number) FILTER (WHERE ins.id_number IS NULL) AS existing
  FROM unnest($1::text[]) AS k(id_number) LEFT JOIN ins ON ins.id_number = k.id_number`;

export const UPDATE_PERSONS = `UPDATE person AS p SET name = u.name, sex = u.sex::"Sex", ethnicity = u.ethnicity,
    birth_date = u.birth_date::date, phone = u.phone, hukou_region = u.hukou_region, hukou_address = u.hukou_address,
    residence_region = u.residence_region, residence_address = u.residence_address, region_code = u.region_code,
    household_id = u.household_id, employment_status = u.employment_status::"EmploymentStatus",
    employer = u.employer, flags = ${FLAGS('u.flags')}, version = p.version + 1, updated_at = ${TS(17)}
  FROM unnest(${texts(1, 16)})
    AS u(id, version, name, sex, ethnicity, birth_date, phone, hukou_region, hukou_address, residence_region,
      residence_address, region_code, household_id, employment_status, employer, flags)
  WHERE p.id = u.id::uuid AND p.version = u.version::int
  RETURNING p.id`;

export const UPDATE_FLAGS = `UPDATE person AS p SET flags = ${FLAGS('u.flags')}, version = p.version + 1, updated_at = ${TS(4)}
  FROM unnest(${texts(1, 3)}) AS u(id, version, flags)
  WHERE p.id = u.id::uuid AND p.version = u.version::int
  RETURNING p.id`;

export const INSERT_AUDIT = `INSERT INTO audit_event (at, actor_type, source, action, target_type, target_id, outcome, details)
  SELECT ${TS(1)}, 'IMPORT', 'import', u.action, 'person', u.target_id, 'OK', u.details::jsonb
  FROM unnest(${texts(2, 3)}) AS u(action, target_id, details)`;

export const INSERT_ENROLMENTS = `INSERT INTO enrolment (person_id, insurance_type, status, region_code, first_enrolled,
    last_paid_month, employer, benefit_from, updated_at)
  SELECT u.person_id::uuid, u.insurance_type, u.status::"EnrolmentStatus", u.region_code, u.first_enrolled::date,
    u.last_paid_month, u.employer, u.benefit_from, ${TS(9)}
  FROM unnest(${texts(1, 8)})
    AS u(person_id, insurance_type, status, region_code, first_enrolled, last_paid_month, employer, benefit_from)
  ON CONFLICT (person_id, insurance_type) DO NOTHING
  RETURNING person_id`;

export const UPDATE_ENROLMENTS = `UPDATE enrolment AS e SET status = u.status::"EnrolmentStatus", region_code = u.region_code,
    first_enrolled = u.first_enrolled::date, last_paid_month = u.last_paid_month, employer = u.employer,
    benefit_from = u.benefit_from, updated_at = ${TS(9)}
  FROM unnest(${texts(1, 8)})
    AS u(id, stamp, status, region_code, first_enrolled, last_paid_month, employer, benefit_from)
  WHERE e.id = u.id::uuid AND e.updated_at::text = u.stamp
  RETURNING e.id`;

/** A batch lost a race with another writer; it is re-run with row locks. */
export class ConcurrentChangeError extends Error {
  readonly concurrentChange = true;
}
export const isConcurrentChange = (e: unknown) => !!e && typeof e === 'object' && 'concurrentChange' in e;

export type Tx = Pick<PrismaClient, '$queryRawUnsafe' | '$executeRawUnsafe'>;

/**
 * Planner settings for one batch transaction. The batch queries are key lookups and small set-based writes;
 * during a bulk load the table statistics are stale, and PostgreSQL may then pick a hash join over a full
 * scan, or spend a second JIT-compiling a query that runs in milliseconds. SET LOCAL ends with the transaction.
 */
export const TUNE_BATCH = `SELECT set_config('jit', 'off', true), set_config('enable_hashjoin', 'off', true),
  set_config('enable_mergejoin', 'off', true)`;

/**
 * A PostgreSQL array literal of text values, for a `$n::text[]` parameter. Building it here (one string per
 * column) instead of passing a JS array keeps the driver layers from serialising every element separately,
 * which costs more than the database's own work at a million rows.
 */
export function pgTextArray(values: readonly (string | null)[]): string {
  return col(values, (v) => v);
}
/** Elements that must be quoted: empty, the word NULL, or holding whitespace or any of { } , " \\ */
const NEEDS_QUOTES = /^$|^null$|[\s{}",\\]/i;
const ESCAPE_ALL = /["\\]/g;
const arrayElement = (v: string | null | undefined) =>
  v === null || v === undefined ? 'NULL' : !NEEDS_QUOTES.test(v) ? v : `"${v.replace(ESCAPE_ALL, '\\$&')}"`;

/** One column of a batch as an array literal. */
export function col<T>(rows: readonly T[], f: (r: T) => string | null | undefined): string {
  const parts = new Array<string>(rows.length);
  for (let i = 0; i < rows.length; i++) parts[i] = arrayElement(f(rows[i] as T));
  return `{${parts.join(',')}}`;
}
