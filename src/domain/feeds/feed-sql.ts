import { type StoredPerson } from '../registry-import/sql';

/** The set-based SQL of the feed matcher (unnest arrays of text, like the registry import's batch writers). */

const texts = (from: number, n: number) => Array.from({ length: n }, (_, i) => `$${from + i}::text[]`).join(', ');
const d = (c: string) => `to_char(p.${c}, 'YYYY-MM-DD') AS ${c}`;

/** Provenance of one person: field → where its value came from (the date of the fact, YYYY-MM-DD). */
export type ProvenanceMap = Record<string, { source: string; on: string; run: string }>;

/** A locked person as the matcher reads it: the fields and the feed facts. */
export interface FeedPersonRow extends StoredPerson {
  employer_credit_code: string | null;
  employment_since: string | null;
  deceased_on: string | null;
  moved_out_on: string | null;
  moved_in_on: string | null;
  ssc_card_status: string | null;
  ssc_card_issued_on: string | null;
  /** The number asked for, and the merged person whose number matched (issue 17 merges). */
  key: string;
  via: string | null;
}

/** What the rules read after the lock: field provenance, and active cover ([insurance type, status] of paying and
 * suspended enrolments) when asked for. */
export interface FeedProvenanceRow {
  id: string;
  prov: ProvenanceMap | null;
  active: [string, string][] | null;
}

const LOCKED_PERSON_COLUMNS = `p.id::text AS id, p.id_number, p.name, p.sex::text AS sex, p.ethnicity, ${d('birth_date')},
    p.phone, p.hukou_region, p.hukou_address, p.residence_region, p.residence_address, p.region_code, p.household_id,
    p.employment_status::text AS employment_status, p.employer, p.employer_credit_code, ${d('employment_since')},
    p.flags::text[] AS flags, p.version, ${d('deceased_on')}, ${d('moved_out_on')}, ${d('moved_in_on')},
    p.ssc_card_status, ${d('ssc_card_issued_on')}`;

/**
 * Locks the batch's persons and reads them, in one statement, in the order of their ids (two batches of one run
 * may be written at once: one order, no deadlock). One row per number asked for (`key` the number). A locked row
 * is returned as its newest committed version (PostgreSQL re-reads a row it had to wait for), so what a batch
 * written at the same time committed to the person is what the rules see. Persons merged into another are left
 * to LOCK_READ_MERGED_SURVIVORS (one index lookup per number here, not two). $1 the ID numbers.
 */
export const LOCK_READ_FEED_PERSONS = `SELECT ${LOCKED_PERSON_COLUMNS}, k.id_number AS key, NULL::text AS via
  FROM unnest($1::text[]) AS k(id_number) JOIN person p ON p.id_number = k.id_number
  WHERE p.merged_into_id IS NULL
  ORDER BY p.id
  FOR UPDATE OF p`;

/**
 * The numbers of merged persons match their survivor (one hop: a merge re-points earlier merges to the survivor):
 * the survivor is locked and read as above, `via` the merged person whose number matched. $1 the ID numbers not
 * matched by LOCK_READ_FEED_PERSONS.
 */
export const LOCK_READ_MERGED_SURVIVORS = `SELECT ${LOCKED_PERSON_COLUMNS}, k.id_number AS key, m.id::text AS via
  FROM unnest($1::text[]) AS k(id_number) JOIN person m ON m.id_number = k.id_number
  JOIN person p ON p.id = m.merged_into_id
  ORDER BY p.id
  FOR UPDATE OF p`;

/**
 * The field provenance of locked persons, and with `cover` their paying and suspended enrolments (deaths, moves
 * out): read after the lock, in a statement of its own, so what a batch written at the same time committed is
 * what this one decides on (one index lookup per person, whatever the statistics say). Only persons with either
 * are returned. $1 the person ids.
 */
export const readFeedProvenance = (cover: boolean) => `SELECT x.id::text AS id, x.prov, x.active FROM (
    SELECT k.id, (SELECT f.fields FROM field_provenance f WHERE f.person_id = k.id) AS prov, ${
      cover
        ? `(SELECT json_agg(json_build_array(e.insurance_type, e.status::text)) FROM enrolment e
          WHERE e.person_id = k.id AND e.status IN ('PAYING', 'SUSPENDED'))`
        : 'NULL::json'
    } AS active
    FROM unnest($1::uuid[]) AS k(id)) x
  WHERE x.prov IS NOT NULL OR x.active IS NOT NULL`;

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
 * Provenance of the persons whose provenance changed in this batch, merged over the stored map: the facts this
 * run stated that are newer than the record's (decided in memory under the persons' row locks). Per person a
 * comma-separated list of field names (identifiers, FIELD_NAME) and the date they were stated; the server
 * expands it into {field: {source, on, run}}. (Sent as one JSON document, a batch's provenance was a megabyte
 * that the driver layer escaped and parsed again: about 12 µs of the match process's CPU per row.) A person
 * appears at most once per statement. $1 person ids, $2 field lists, $3 dates, $4 source, $5 run, $6 time stamp.
 */
export const UPSERT_PROVENANCE = `INSERT INTO field_provenance (person_id, fields, updated_at)
  SELECT u.id::uuid, ('{"' || replace(u.fields, ',', '":' || s.stamp || ',"') || '":' || s.stamp || '}')::jsonb,
    ($6::timestamptz AT TIME ZONE 'UTC')
  FROM unnest($1::text[], $2::text[], $3::text[]) AS u(id, fields, on_date)
  CROSS JOIN LATERAL (SELECT json_build_object('source', $4::text, 'on', u.on_date, 'run', $5::text)::text AS stamp) s
  ON CONFLICT (person_id) DO UPDATE SET fields = field_provenance.fields || excluded.fields, updated_at = excluded.updated_at`;

/** What UPSERT_PROVENANCE's field lists may hold. */
export const FIELD_NAME = /^[A-Za-z]+$/;

/** One audit event per row that changed a person, as applyPersonChange writes them (actor IMPORT, source feed):
 * $1 time stamp, $2 a JSON array of {action, target_id, details} (one document per batch). */
export const INSERT_FEED_AUDIT = `INSERT INTO audit_event (at, actor_type, source, action, target_type, target_id, outcome, details)
  SELECT ($1::timestamptz AT TIME ZONE 'UTC'), 'IMPORT', 'feed', u.action, 'person', u.target_id, 'OK', u.details
  FROM json_to_recordset($2::json) AS u(action text, target_id text, details jsonb)`;
