// Duplicate cover (issue 17): a person paying into two basic medical schemes, or two basic pensions, at once gets
// one DUPLICATE_COVER work item per scheme family, with the schemes, their periods and the scheme to keep.
// The rule is the flags' rule (person-flags.ts: DUPLICATE_MEDICAL, DUPLICATE_PENSION); one set-based statement
// raises the items, idempotent through the dedupe key (work-items.ts), from the import and from a re-scan.
import type { DbClient } from '../../db/db-client';
import { MEDICAL_TYPES, PENSION_TYPES } from '../codes/insurance';
import { recordAudit } from '../staff/audit.service';

export type CoverFamily = 'medical' | 'pension';

/**
 * The schemes of each family in the order they should be kept: the employee scheme over the resident scheme
 * (an employer pays its share; the resident scheme is for those without one).
 */
export const KEEP_ORDER: Record<CoverFamily, readonly string[]> = { medical: MEDICAL_TYPES, pension: PENSION_TYPES };

/** One scheme of a duplicate, as a work item's details hold it. */
export interface CoverScheme {
  insuranceType: string;
  firstEnrolled: string | null;
  lastPaidMonth: string | null;
  regionCode: string | null;
  employer: string | null;
}

export interface DuplicateCoverDetails {
  family: CoverFamily;
  schemes: CoverScheme[];
  suggestedKeep: string;
  source: string;
}

/** The (type, family, rank) rows the statement joins on, from KEEP_ORDER. */
const FAMILY_ROWS = Object.entries(KEEP_ORDER)
  .flatMap(([family, types]) => types.map((t, i) => `('${t}', '${family}', ${i})`))
  .join(', ');

const raiseSql = (scoped: boolean) => `INSERT INTO work_item (kind, person_id, region_code, details, dedupe_key, created_at)
SELECT 'DUPLICATE_COVER'::"WorkItemKind", p.id, p.region_code,
  jsonb_build_object(
    'family', f.family,
    'source', $1::text,
    'suggestedKeep', (array_agg(e.insurance_type ORDER BY f.rank))[1],
    'schemes', jsonb_agg(jsonb_build_object(
      'insuranceType', e.insurance_type, 'firstEnrolled', to_char(e.first_enrolled, 'YYYY-MM-DD'),
      'lastPaidMonth', e.last_paid_month, 'regionCode', e.region_code, 'employer', e.employer) ORDER BY f.rank)),
  'DUPLICATE_COVER:' || p.id || ':' || f.family, $2::timestamptz
FROM enrolment e
JOIN (VALUES ${FAMILY_ROWS}) AS f(type, family, rank) ON f.type = e.insurance_type
JOIN person p ON p.id = e.person_id
WHERE e.status = 'PAYING' AND p.merged_into_id IS NULL${scoped ? ' AND e.person_id = ANY($3::uuid[])' : ''}
GROUP BY p.id, p.region_code, f.family
HAVING count(*) > 1
ON CONFLICT (dedupe_key) DO NOTHING`;

type RawDb = Pick<DbClient, '$executeRawUnsafe'>;

/**
 * Raises the DUPLICATE_COVER items of the given persons (all persons without `personIds`); returns how many
 * are new. An item already raised for the same person and family (open or closed) is left as it is.
 */
export async function raiseDuplicateCover(db: RawDb, opts: { personIds?: readonly string[]; source: string; at: Date }): Promise<number> {
  if (opts.personIds && !opts.personIds.length) return 0;
  const params: unknown[] = [opts.source, opts.at.toISOString()];
  if (opts.personIds) params.push([...opts.personIds]);
  return db.$executeRawUnsafe(raiseSql(!!opts.personIds), ...params);
}

/** The re-scan over existing data (npm run worklists:scan): raises what is missing and records one audit event. */
export async function rescanDuplicateCover(db: DbClient, ctx: { source: string; at: Date }): Promise<{ raised: number }> {
  const raised = await raiseDuplicateCover(db, { source: ctx.source, at: ctx.at });
  await recordAudit(db, { actorType: 'SYSTEM', actorId: null, source: ctx.source, action: 'work_item.scan', targetType: 'work_item', at: ctx.at, details: { kind: 'DUPLICATE_COVER', raised } });
  return { raised };
}
