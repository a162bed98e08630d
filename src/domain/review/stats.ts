
import type { ChangeRequestKind, ChangeRequestStatus } from '../../generated/prisma/client';
import { prefectureOf, regionRange } from '../codes/region-scope';
import { CHANGE_REQUEST_KINDS, CHANGE_REQUEST_STATUSES, isOpenStatus, type RegionRef, type ReviewActor, type ReviewEnv, type ReviewFailure, audit, permitted, regionNames } from './shared';

/** Statistics of the queue for a staff member's area. */

// ---------------------------------------------------------------- statistics

export interface ReviewStats {
  scope: RegionRef;
  /** APPROVED and REJECTED count the requests decided since this instant; open requests are all counted. */
  decidedSince: string;
  /** Open requests plus those decided since decidedSince. */
  total: number;
  open: number;
  overdue: number;
  byStatus: Record<ChangeRequestStatus, number>;
  byKind: Record<ChangeRequestKind, number>;
  byPrefecture: { region: RegionRef; total: number; open: number; overdue: number; decided: number }[];
}

export interface StatsOptions {
  /** Decided requests of the last this many days (1-366, default 30). */
  days?: number;
}

type StatsRow = { status: ChangeRequestStatus; kind: ChangeRequestKind; region: string | null; overdue: boolean; n: number };

/**
 * Counts of the caller's area: every open request by status, kind, prefecture and overdue, and the requests
 * decided in the last `days` days (a window, so the cost follows the backlog, not all history). Two
 * index-only scans (see bench/review.bench.ts for the indexes). Audited as review.stats.
 */
export async function reviewStats(env: ReviewEnv, actor: ReviewActor, opts: StatsOptions = {}): Promise<{ ok: true; stats: ReviewStats } | ReviewFailure> {
  const denied = await permitted(env, actor, 'review.view', 'review.stats');
  if (denied) return denied;
  const now = env.clock.now();
  const days = Math.min(Math.max(Math.trunc(opts.days ?? 30), 1), 366);
  const since = new Date(now.getTime() - days * 86_400_000);
  const { gte, lt } = regionRange(actor.principal.regionCode);
  // due_at and decided_at are timestamps without time zone holding UTC: compare with the UTC wall time.
  const utc = (d: Date) => d.toISOString().replace('Z', '');
  const [open, decided] = await Promise.all([
    env.db.$queryRaw<StatsRow[]>`
      SELECT status::text AS status, kind::text AS kind, region_code AS region,
             (status = 'PENDING' AND due_at < ${utc(now)}::timestamp) AS overdue, count(*)::int AS n
      FROM change_request
      WHERE status IN ('PENDING', 'NEEDS_INFO') AND region_code >= ${gte} AND region_code < ${lt}
      GROUP BY change_request.status, change_request.kind, change_request.region_code, 4`,
    env.db.$queryRaw<StatsRow[]>`
      SELECT status::text AS status, kind::text AS kind, region_code AS region, false AS overdue, count(*)::int AS n
      FROM change_request
      WHERE status IN ('APPROVED', 'REJECTED') AND decided_at >= ${utc(since)}::timestamp
        AND region_code >= ${gte} AND region_code < ${lt}
      GROUP BY change_request.status, change_request.kind, change_request.region_code`,
  ]);
  const byStatus = Object.fromEntries(CHANGE_REQUEST_STATUSES.map((st) => [st, 0])) as Record<ChangeRequestStatus, number>;
  const byKind = Object.fromEntries(CHANGE_REQUEST_KINDS.map((k) => [k, 0])) as Record<ChangeRequestKind, number>;
  const prefs = new Map<string, { total: number; open: number; overdue: number; decided: number }>();
  let total = 0;
  let openCount = 0;
  let overdue = 0;
  for (const row of [...open, ...decided]) {
    const n = Number(row.n);
    const isOpen = isOpenStatus(row.status);
    total += n;
    byStatus[row.status] += n;
    byKind[row.kind] += n;
    if (isOpen) openCount += n;
    if (row.overdue) overdue += n;
    const code = (row.region && prefectureOf(row.region)) ?? 'unknown';
    const p = prefs.get(code) ?? { total: 0, open: 0, overdue: 0, decided: 0 };
    p.total += n;
    if (isOpen) p.open += n;
    else p.decided += n;
    if (row.overdue) p.overdue += n;
    prefs.set(code, p);
  }
  const [names] = await Promise.all([
    regionNames(env.db, [actor.principal.regionCode, ...prefs.keys()]),
    audit(env.db, actor, 'review.stats', undefined, now, { scope: actor.principal.regionCode, days, total }, 'OK', 'review_queue'),
  ]);
  return {
    ok: true,
    stats: {
      scope: { code: actor.principal.regionCode, name: names.get(actor.principal.regionCode) ?? null },
      decidedSince: since.toISOString(),
      total,
      open: openCount,
      overdue,
      byStatus,
      byKind,
      byPrefecture: [...prefs.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([code, v]) => ({ region: { code, name: names.get(code) ?? null }, ...v })),
    },
  };
}
