import { type StoredPerson } from '../registry-import/sql';

/** The set-based SQL of the feed matcher (unnest arrays of text, like the registry import's batch writers). */

const texts = (from: number, n: number) => Array.from({ length: n }, (_, i) => `$${from + i}::text[]`).join(', ');
const d = (c: string) => `to_char(p.${c}, 'YYYY-MM-DD') AS ${c}`;

/** Provenance of one person: field → where its value came from (the date of the fact, YYYY-MM-DD). */
export type ProvenanceMap = Record<string, { source: string; on: string; run: string }>;

/** A stored person as the matcher reads it: the fields, the feed facts, active cover and field provenance. */
export interface FeedPersonRow extends StoredPerson {
  employer_credit_code: string | null;
  employment_since: string | null;
  deceased_on: string | null;
  moved_out_on: string | null;
  moved_in_on: string | null;
  ssc_card_status: string | null;
  ssc_card_issued_on: string | null;
  /** [insurance type, status] of enrolments that are paying or suspended. */
  active: [string, string][] | null;
  prov: ProvenanceMap | null;
}

/** A locked person: the ID number the batch asked for (the merged person's number when the match followed a
 * merge), the person it matched, and the merged person whose number matched (issue 17 merges). */
export interface LockedFeedPerson {
  id: string;
  key: string;
  via: string | null;
}

/**
 * Locks the batch's persons, in the order of their ids (two batches of one run may be written at once: one
 * order, no deadlock). A number that belongs to a merged person matches its survivor (one hop: a merge
 * re-points earlier merges to the survivor). Returns, per number asked for, the person locked and the merged
 * person it went through. $1 the ID numbers.
 */
export const LOCK_FEED_PERSONS = `SELECT p.id::text AS id, k.id_number AS key, CASE WHEN m.id <> p.id THEN m.id::text END AS via
  FROM unnest($1::text[]) AS k(id_number) JOIN person m ON m.id_number = k.id_number
  JOIN person p ON p.id = COALESCE(m.merged_into_id, m.id)
  ORDER BY p.id
  FOR UPDATE OF p`;

/**
 * The locked persons as the rules read them: read after the lock, in a statement of its own, so what a batch
 * written at the same time committed (the person, its provenance, its cover) is what this one decides on.
 * `cover`: with their paying and suspended enrolments (deaths, moves out). $1 the person ids.
 */
export const selectFeedPersons = (cover: boolean) => `SELECT p.id::text AS id, p.id_number, p.name, p.sex::text AS sex, p.ethnicity, ${d('birth_date')},
    p.phone, p.hukou_region, p.hukou_address, p.residence_region, p.residence_address, p.region_code, p.household_id,
    p.employment_status::text AS employment_status, p.employer, p.employer_credit_code, ${d('employment_since')},
    p.flags::text[] AS flags, p.version, ${d('deceased_on')}, ${d('moved_out_on')}, ${d('moved_in_on')},
    p.ssc_card_status, ${d('ssc_card_issued_on')},
    ${cover ? `(SELECT json_agg(json_build_array(e.insurance_type, e.status::text)) FROM enrolment e
      WHERE e.person_id = p.id AND e.status IN ('PAYING', 'SUSPENDED'))` : 'NULL::json'} AS active, f.fields AS prov
  FROM unnest($1::uuid[]) AS k(id) JOIN person p ON p.id = k.id
  LEFT JOIN field_provenance f ON f.person_id = p.id`;

/** Columns the matcher writes, in the order of the UPDATE's arrays. */
export const FEED_WRITE_COLUMNS = [
  ['name', 'text'],
  ['sex', '"Sex"'],
  ['ethnicity', 'text'],
  ['birth_date', 'date'],
  ['hukou_region', 'text'],
  ['hukou_address', 'text'],
  ['household_id', 'text'],
  ['region_code', 'text'],
  ['deceased_on', 'date'],
  ['moved_out_on', 'date'],
  ['moved_in_on', 'date'],
  ['ssc_card_status', 'text'],
  ['ssc_card_issued_on', 'date'],
] as const;
export type FeedWriteColumn = (typeof FEED_WRITE_COLUMNS)[number][0];

/** $1 ids, $2 versions, $3.. the columns, then flags, then the time stamp. Returns the ids written. */
export const UPDATE_FEED_PERSONS = (() => {
  const n = FEED_WRITE_COLUMNS.length;
  const sets = FEED_WRITE_COLUMNS.map(([c, t]) => `${c} = u.${c}::${t}`).join(', ');
  return `UPDATE person p SET ${sets}, flags = string_to_array(u.flags, ',')::"DataQualityFlag"[],
    version = p.version + 1, updated_at = ($${n + 4}::timestamptz AT TIME ZONE 'UTC')
  FROM unnest(${texts(1, n + 3)}) AS u(id, version, ${FEED_WRITE_COLUMNS.map(([c]) => c).join(', ')}, flags)
  WHERE p.id = u.id::uuid AND p.version = u.version::int
  RETURNING p.id`;
})();

/** New persons of the register (public security): the identity only; the row then updates them like any other. */
export const INSERT_FEED_PERSONS = `INSERT INTO person (id_number, name, sex, birth_date, flags, created_at, updated_at)
  SELECT u.id_number, u.name, u.sex::"Sex", u.birth_date::date, string_to_array(u.flags, ',')::"DataQualityFlag"[],
    ($6::timestamptz AT TIME ZONE 'UTC'), ($6::timestamptz AT TIME ZONE 'UTC')
  FROM unnest(${texts(1, 5)}) AS u(id_number, name, sex, birth_date, flags)
  ON CONFLICT (id_number) DO NOTHING`;

/**
 * Provenance of the persons whose provenance changed in this batch: $1 a JSON object person id → {field:
 * {source, on, run}} of the facts this run stated that are newer than the record's (decided in memory under the
 * persons' row locks; one document per batch, parsed once), merged over the stored map. $2 time stamp.
 */
export const UPSERT_PROVENANCE = `INSERT INTO field_provenance (person_id, fields, updated_at)
  SELECT e.key::uuid, e.value, ($2::timestamptz AT TIME ZONE 'UTC')
  FROM jsonb_each($1::jsonb) AS e
  ON CONFLICT (person_id) DO UPDATE SET fields = field_provenance.fields || excluded.fields, updated_at = excluded.updated_at`;

/** One audit event per row that changed a person, as applyPersonChange writes them (actor IMPORT, source feed):
 * $1 time stamp, $2 a JSON array of {action, target_id, details} (one document per batch). */
export const INSERT_FEED_AUDIT = `INSERT INTO audit_event (at, actor_type, source, action, target_type, target_id, outcome, details)
  SELECT ($1::timestamptz AT TIME ZONE 'UTC'), 'IMPORT', 'feed', u.action, 'person', u.target_id, 'OK', u.details
  FROM jsonb_to_recordset($2::jsonb) AS u(action text, target_id text, details jsonb)`;
