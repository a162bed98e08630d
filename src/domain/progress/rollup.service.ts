import type { PrismaClient } from '../../generated/prisma/client';
import type { Clock } from '../../lib/clock';
import { isRetryableTransactionError } from '../../lib/retryable';
import { chinaDate } from '../calendar/china-time';
import { DUPLICATES_CLEARED } from './activity-sources';
import { bitOf, contributionSql, LIVE_COUNTERS, sumBitsSql } from './counters';

/**
 * The progress rollup, maintained incrementally (README "Progress dispatch"):
 * 1. triggers append a person's id to progress_dirty in the transaction of every relevant registry write;
 * 2. {@link foldChanges} claims dirty rows (FOR UPDATE SKIP LOCKED), locks the persons' shadow rows in
 *    progress_person, recomputes their contribution, and adds (new - old) to progress_live, all in one
 *    transaction: each change is applied once, by one process, against the last counted state;
 * 3. {@link refreshDaily} turns progress_live and the activity sources into progress_daily rows for every
 *    region level (township -> county -> prefecture -> province), which is all a page or a report reads.
 */

const BUILD_LOCK = 16016;
export const LONG_TX = { timeout: 3_600_000, maxWait: 60_000 };

const liveCols = LIVE_COUNTERS.join(', ');

/**
 * Recounts every person into progress_person and progress_live (the first build, or a rebuild). Changes made
 * meanwhile stay in progress_dirty and are folded afterwards (their delta is zero if the build saw them).
 */
export async function buildRollup(prisma: PrismaClient, clock: Clock): Promise<{ persons: number }> {
  return prisma.$transaction(async (tx) => {
    await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(${BUILD_LOCK})`);
    await tx.$executeRawUnsafe('TRUNCATE progress_person, progress_live');
    const persons = await tx.$executeRawUnsafe(
      `INSERT INTO progress_person (person_id, bucket, sex, birth_year, bits) SELECT * FROM (${contributionSql('all')}) c`,
    );
    await tx.$executeRawUnsafe(
      `INSERT INTO progress_live (bucket, sex, birth_year, ${liveCols})
       SELECT bucket, sex, birth_year, ${sumBitsSql('bits')} FROM progress_person GROUP BY 1, 2, 3`,
    );
    await tx.$executeRawUnsafe('UPDATE progress_state SET built_at = $1 WHERE id = 1', clock.now());
    return { persons };
  }, LONG_TX);
}

/** True once the rollup has been built. */
export async function isBuilt(prisma: PrismaClient): Promise<boolean> {
  const rows = await prisma.$queryRawUnsafe<{ built: boolean }[]>('SELECT built_at IS NOT NULL AS built FROM progress_state WHERE id = 1');
  return rows[0]?.built ?? false;
}

const DUP_MASK = (1 << bitOf('f_duplicate_medical')) | (1 << bitOf('f_duplicate_pension'));

/**
 * Applies one batch of dirty rows. Returns the number of dirty rows consumed (0 when none were waiting).
 * Safe with several processes: rows are claimed with SKIP LOCKED, and a person's shadow row is locked before
 * its state is read, so two batches holding the same person apply their deltas one after the other.
 */
export async function foldBatch(prisma: PrismaClient, clock: Clock, limit = 5000): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await foldBatchOnce(prisma, clock, limit);
    } catch (e) {
      if (attempt < 5 && isRetryableTransactionError(e)) continue;
      throw e;
    }
  }
}

/**
 * The persons a batch claimed, kept in the database for the batch's statements (a session's temporary table,
 * emptied at commit), so thousands of ids never travel to this process and back: the ids in a JavaScript array
 * passed as a parameter to every statement cost the client far more memory than the work itself.
 */
const CLAIMED = 'ARRAY(SELECT person_id FROM progress_claim)';

async function foldBatchOnce(prisma: PrismaClient, clock: Clock, limit: number): Promise<number> {
  return prisma.$transaction(async (tx) => {
    await tx.$executeRawUnsafe('CREATE TEMPORARY TABLE IF NOT EXISTS progress_claim (person_id uuid PRIMARY KEY, n int NOT NULL) ON COMMIT DELETE ROWS');
    const persons = await tx.$executeRawUnsafe(
      `WITH c AS (DELETE FROM progress_dirty WHERE seq IN (SELECT seq FROM progress_dirty ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED)
         RETURNING person_id)
       INSERT INTO progress_claim (person_id, n) SELECT person_id, count(*)::int FROM c GROUP BY 1`,
      limit,
    );
    if (!persons) return 0;
    const [{ n: consumed } = { n: 0 }] = await tx.$queryRawUnsafe<{ n: number }[]>('SELECT sum(n)::int AS n FROM progress_claim');
    await tx.$executeRawUnsafe(
      `INSERT INTO progress_person (person_id, bucket, sex, birth_year, bits)
       SELECT person_id, '', 'U', 0, 0 FROM progress_claim ORDER BY person_id ON CONFLICT DO NOTHING`,
    );
    await tx.$executeRawUnsafe(`SELECT 1 FROM (SELECT person_id FROM progress_person WHERE person_id = ANY(${CLAIMED}) ORDER BY person_id FOR UPDATE) l`);
    // One statement (one snapshot, taken after the locks): new contributions, old ones, the delta and the shadow.
    await tx.$executeRawUnsafe(
      `WITH cur AS (${contributionSql('ids', CLAIMED)}),
       old AS (SELECT person_id, bucket, sex, birth_year, bits FROM progress_person WHERE person_id = ANY(${CLAIMED})),
       d AS (SELECT bucket, sex, birth_year, 1 AS sign, bits FROM cur
             UNION ALL SELECT bucket, sex, birth_year, -1, bits FROM old WHERE bits <> 0),
       agg AS (SELECT bucket, sex, birth_year, ${sumBitsSql('bits', 'sign')} FROM d GROUP BY 1, 2, 3),
       up AS (INSERT INTO progress_live (bucket, sex, birth_year, ${liveCols})
              SELECT * FROM agg ORDER BY bucket, sex, birth_year
              ON CONFLICT (bucket, sex, birth_year) DO UPDATE SET ${LIVE_COUNTERS.map((c) => `${c} = progress_live.${c} + excluded.${c}`).join(', ')}),
       dup AS (INSERT INTO progress_activity (day, bucket, source, n)
              SELECT $1::date, old.bucket, '${DUPLICATES_CLEARED.source}',
                     sum(${[bitOf('f_duplicate_medical'), bitOf('f_duplicate_pension')]
                       .map((k) => `((old.bits >> ${k}) & 1) * (1 - ((COALESCE(cur.bits, 0) >> ${k}) & 1))`)
                       .join(' + ')})::int
                FROM old LEFT JOIN cur ON cur.person_id = old.person_id
               WHERE old.bits & ${DUP_MASK} <> 0 GROUP BY old.bucket ORDER BY old.bucket
              ON CONFLICT (day, bucket, source) DO UPDATE SET n = progress_activity.n + excluded.n)
       UPDATE progress_person s SET bucket = COALESCE(cur.bucket, ''), sex = COALESCE(cur.sex, 'U'),
              birth_year = COALESCE(cur.birth_year, 0), bits = COALESCE(cur.bits, 0)
         FROM old LEFT JOIN cur ON cur.person_id = old.person_id
        WHERE s.person_id = old.person_id`,
      chinaDate(clock.now()),
    );
    await tx.$executeRawUnsafe(`DELETE FROM progress_person WHERE person_id = ANY(${CLAIMED}) AND bits = 0`);
    return consumed;
  }, LONG_TX).then(async (n) => {
    if (n) await prisma.$executeRawUnsafe('UPDATE progress_state SET folded_at = $1 WHERE id = 1', clock.now());
    return n;
  });
}


/** Folds until no dirty row is left; returns the rows consumed. */
export async function foldChanges(prisma: PrismaClient, clock: Clock, batch = 5000): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await foldBatch(prisma, clock, batch);
    total += n;
    if (n === 0) return total;
  }
}

