/**
 * Activity per day and township bucket, counted from the tables that record it. Each source is one grouped
 * query over a time range [$1, $2) returning (day, bucket, n); the daily job recounts the recent days and the
 * figures carry one column per source (progress_daily.a_<key>). To add a source: add an entry here and a column
 * `a_<key>` to ProgressDaily (and its label in locales/<lng>/progress.json, its column in REPORT_COLUMNS).
 */

/** The bucket (township or coarser managing region) of a region-code column, as in counters.ts. */
export const bucketOf = (col: string): string =>
  `CASE WHEN ${col} IS NULL THEN '' WHEN length(${col}) >= 9 THEN left(${col}, 9) ELSE ${col} END`;

/** A China-time calendar day of a UTC timestamp column (timestamps are stored in UTC). */
export const chinaDayOf = (col: string): string => `(${col} + interval '8 hours')::date`;

export interface ActivitySource {
  /** Key in the API (`activity.<key>`) and the column a_<snake key> of progress_daily. */
  key: string;
  column: string;
  /** SELECT day, bucket, n for rows whose time lies in [$1, $2). */
  sql: string;
}

const viaAudit = (action: string) => `SELECT ${chinaDayOf('a.at')} AS day, ${bucketOf('p.region_code')} AS bucket, count(*)::int AS n
  FROM audit_event a LEFT JOIN person p ON a.target_type = 'person' AND p.id::text = a.target_id
  WHERE a.action = '${action}' AND a.outcome = 'OK' AND a.at >= $1 AND a.at < $2 GROUP BY 1, 2`;

/** Rows of a table that carries its own region_code, counted by the day of a time column. */
const byTime = (key: string, column: string, table: string, timeCol: string, where = 'true'): ActivitySource => ({
  key,
  column,
  sql: `SELECT ${chinaDayOf(timeCol)} AS day, ${bucketOf('region_code')} AS bucket, count(*)::int AS n
  FROM ${table} WHERE ${where} AND ${timeCol} >= $1 AND ${timeCol} < $2 GROUP BY 1, 2`,
});

export const ACTIVITY_SOURCES: readonly ActivitySource[] = [
  {
    key: 'conversations',
    column: 'a_conversations',
    // A conversation counts in the region of the person it is bound to; unverified ones count nowhere but ''.
    sql: `SELECT ${chinaDayOf('c.created_at')} AS day, ${bucketOf('p.region_code')} AS bucket, count(*)::int AS n
  FROM conversation c LEFT JOIN person p ON p.id = c.person_id
  WHERE c.created_at >= $1 AND c.created_at < $2 GROUP BY 1, 2`,
  },
  { key: 'verifications', column: 'a_verifications', sql: viaAudit('identity.verified') },
  { key: 'confirmations', column: 'a_confirmations', sql: viaAudit('registration.confirm') },
  byTime('correctionsSubmitted', 'a_corrections_submitted', 'change_request', 'created_at'),
  byTime('correctionsDecided', 'a_corrections_decided', 'change_request', 'decided_at', "status IN ('APPROVED', 'REJECTED')"),
  byTime('handoffs', 'a_handoffs', 'handoff_request', 'created_at'),
  {
    key: 'notificationsSent',
    column: 'a_notifications_sent',
    // Pushed messages other than chat replies and campaign messages (counted on their own below): review decisions.
    sql: `SELECT ${chinaDayOf('o.sent_at')} AS day, ${bucketOf('p.region_code')} AS bucket, count(*)::int AS n
  FROM outbox_message o LEFT JOIN conversation c ON c.id = o.conversation_id LEFT JOIN person p ON p.id = c.person_id
  WHERE o.status = 'SENT' AND o.kind NOT IN ('reply', 'campaign') AND o.sent_at >= $1 AND o.sent_at < $2 GROUP BY 1, 2`,
  },
  // Campaign recipients the dispatcher marked sent (their message written to the outbox), by the recipient's
  // region as materialised, on the day of sending.
  byTime('campaignMessagesSent', 'a_campaign_messages_sent', 'campaign_recipient', 'sent_at'),
  {
    key: 'visitsDone',
    column: 'a_visits_done',
    // A visit-list row whose result was applied (visited, absent, moved or deceased: a worker went to the
    // household; a row counts once, on the day its result was last applied), by the visited person's managing
    // region; and a visit request closed as REGISTERED ("visited and registered"; phone contacts and persons
    // not reached are not visits), by the request's region.
    sql: `SELECT day, bucket, count(*)::int AS n FROM (
    SELECT ${chinaDayOf('e.applied_at')} AS day, ${bucketOf('p.region_code')} AS bucket
      FROM visit_list_entry e LEFT JOIN person p ON p.id = e.person_id WHERE e.applied_at >= $1 AND e.applied_at < $2
    UNION ALL
    SELECT ${chinaDayOf('v.closed_at')}, ${bucketOf('v.region_code')}
      FROM visit_request v WHERE v.outcome = 'REGISTERED' AND v.closed_at >= $1 AND v.closed_at < $2) x GROUP BY 1, 2`,
  },
];

/** Counted by the incremental job itself when a duplicate flag disappears from a person (not recounted). */
export const DUPLICATES_CLEARED = { key: 'duplicatesCleared', column: 'a_duplicates_cleared', source: 'duplicates_cleared' } as const;
