import type { PrismaClient } from '../../generated/prisma/client';
import type { Clock } from '../../lib/clock';
import { ACTIVITY_SOURCES, bucketOf, DUPLICATES_CLEARED } from './activity-sources';
import { LIVE_COUNTERS, REGISTRY_COUNTERS, workingAgeSql } from './counters';
import { addDays, chinaDate, chinaDayStart } from '../calendar/china-time';
import { LONG_TX } from './rollup.service';

const DAILY_LOCK = 16017;

/** State columns of progress_daily (the figures as of the day). */
export const DAILY_STATE = [
  ...REGISTRY_COUNTERS,
  'working_age',
  'wa_pension_paying',
  'wa_p110',
  'wa_p120',
  'wa_p170',
  'medical',
  'm310',
  'm390',
  'wa_no_cover',
  'wa_flexible_no_cover',
  'wa_platform_no_cover',
  'review_backlog',
  'review_overdue',
] as const;

/** Activity columns of progress_daily, one per source. */
export const DAILY_ACTIVITY = [...ACTIVITY_SOURCES.map((s) => s.column), DUPLICATES_CLEARED.column];

/**
 * Every region a bucket counts in: province (2 digits + 0000), prefecture (4 + 00), county (6) and the
 * township itself. GB/T 2260 codes nest by prefix, so the region table's parents agree with this.
 */
const ancestorsSql = (col: string) =>
  `ARRAY(SELECT DISTINCT x FROM unnest(ARRAY[left(${col}, 2) || '0000', left(${col}, 4) || '00', left(${col}, 6), ${col}]) AS x)`;

/** How a live counter becomes a daily state column on a day (working-age ones only count the working-age cohort). */
function stateExpr(col: (typeof DAILY_STATE)[number]): string {
  if (col === 'review_backlog' || col === 'review_overdue') return '0';
  if (col === 'working_age') return 'CASE WHEN wa THEN persons ELSE 0 END';
  if (col.startsWith('wa_')) return `CASE WHEN wa THEN ${col.slice(3)} ELSE 0 END`;
  if (!(LIVE_COUNTERS as readonly string[]).includes(col)) throw new Error(`no live counter for ${col}`);
  return col;
}

/**
 * Writes today's figures for every region from progress_live and the open review queue, and recounts the
 * activity of yesterday and today from the activity sources. Reads only rollup tables, the queue and the
 * activity tables' recent rows (by index), never the registry. Serialised across processes by an advisory lock.
 */
export async function refreshDaily(prisma: PrismaClient, clock: Clock): Promise<{ day: string; regions: number }> {
  const now = clock.now();
  const today = chinaDate(now);
  const yesterday = addDays(today, -1);
  return prisma.$transaction(async (tx) => {
    await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(${DAILY_LOCK})`);
    // 1. activity per bucket, recounted for yesterday (late commits) and today
    for (const s of ACTIVITY_SOURCES) {
      await tx.$executeRawUnsafe(`DELETE FROM progress_activity WHERE source = $1 AND day >= $2::date AND day <= $3::date`, s.key, yesterday, today);
      await tx.$executeRawUnsafe(
        `INSERT INTO progress_activity (day, bucket, source, n) SELECT day, bucket, '${s.key}', n FROM (${s.sql}) x`,
        chinaDayStart(yesterday),
        chinaDayStart(addDays(today, 1)),
      );
    }
    // 2. today's state for every region level
    await tx.$executeRawUnsafe('DELETE FROM progress_daily WHERE day = $1::date', today);
    const regions = await tx.$executeRawUnsafe(
      `WITH lb AS (
         SELECT bucket, ${DAILY_STATE.map((c) => `sum(${stateExpr(c)})::int AS ${c}`).join(', ')}
           FROM (SELECT *, ${workingAgeSql('$2::date')} AS wa FROM progress_live) l GROUP BY bucket
         UNION ALL
         SELECT ${bucketOf('region_code')}, ${DAILY_STATE.map((c) =>
           c === 'review_backlog' ? 'count(*)::int' : c === 'review_overdue' ? 'count(*) FILTER (WHERE due_at < $1)::int' : '0',
         ).join(', ')}
           FROM change_request WHERE status IN ('PENDING', 'NEEDS_INFO') GROUP BY 1
       ), up AS (SELECT code, lb.* FROM lb, unnest(${ancestorsSql('lb.bucket')}) AS code WHERE length(lb.bucket) >= 6)
       INSERT INTO progress_daily (region_code, day, refreshed_at, ${DAILY_STATE.join(', ')})
       SELECT code, $2::date, $1, ${DAILY_STATE.map((c) => `sum(${c})::int`).join(', ')} FROM up GROUP BY code ORDER BY code`,
      now,
      today,
    );
    // 3. activity of yesterday and today for every region level (today's rows are new; yesterday's are updated)
    const pivot = `WITH a AS (SELECT day, code, source, n FROM progress_activity, unnest(${ancestorsSql('bucket')}) AS code
                         WHERE day >= $1::date AND day <= $2::date AND length(bucket) >= 6)
      SELECT code, day, ${ACTIVITY_SOURCES.map((s) => `COALESCE(sum(n) FILTER (WHERE source = '${s.key}'), 0)::int AS ${s.column}`).join(', ')},
             COALESCE(sum(n) FILTER (WHERE source = '${DUPLICATES_CLEARED.source}'), 0)::int AS ${DUPLICATES_CLEARED.column}
        FROM a GROUP BY code, day`;
    await tx.$executeRawUnsafe(
      `UPDATE progress_daily SET ${DAILY_ACTIVITY.map((c) => `${c} = 0`).join(', ')} WHERE day = $1::date`,
      yesterday,
    );
    await tx.$executeRawUnsafe(
      `INSERT INTO progress_daily (region_code, day, refreshed_at, ${DAILY_ACTIVITY.join(', ')})
       SELECT code, day, $3, ${DAILY_ACTIVITY.join(', ')} FROM (${pivot}) p WHERE day = $2::date
       ON CONFLICT (region_code, day) DO UPDATE SET ${DAILY_ACTIVITY.map((c) => `${c} = excluded.${c}`).join(', ')}`,
      today,
      today,
      now,
    );
    await tx.$executeRawUnsafe(
      `UPDATE progress_daily d SET ${DAILY_ACTIVITY.map((c) => `${c} = p.${c}`).join(', ')}
         FROM (${pivot}) p WHERE d.region_code = p.code AND d.day = p.day`,
      yesterday,
      yesterday,
    );
    return { day: today, regions };
  }, LONG_TX);
}
