import type { PrismaClient } from '../../generated/prisma/client';
import type { Clock } from '../../lib/clock';
import type { Logger } from '../../lib/logger';
import { LIVE_COUNTERS, contributionSql, sumBitsSql } from './counters';
import { refreshDaily } from './daily.service';
import { buildRollup, foldChanges, isBuilt } from './rollup.service';

/** One pass of the progress job: build once, fold the waiting changes, refresh today's figures. */
export async function runProgressJob(prisma: PrismaClient, clock: Clock): Promise<{ built: boolean; folded: number; regions: number }> {
  let built = false;
  if (!(await isBuilt(prisma))) {
    await buildRollup(prisma, clock);
    built = true;
  }
  const folded = await foldChanges(prisma, clock);
  const { regions } = await refreshDaily(prisma, clock);
  return { built, folded, regions };
}

/**
 * The difference between progress_live and a full recount of the registry: every (bucket, sex, birth year,
 * counter) whose values differ, with the sum of absolute differences. Zero means no drift.
 */
export async function rollupDrift(prisma: PrismaClient): Promise<{ cells: number; absolute: number }> {
  const diff = LIVE_COUNTERS.map((c) => `abs(COALESCE(l.${c}, 0) - COALESCE(r.${c}, 0))`);
  const rows = await prisma.$queryRawUnsafe<{ cells: number; absolute: number }[]>(
    `WITH r AS (SELECT bucket, sex, birth_year, ${sumBitsSql('bits')} FROM (${contributionSql('all')}) c GROUP BY 1, 2, 3)
     SELECT COALESCE(sum(${diff.map((d) => `sign(${d})`).join(' + ')}), 0)::int AS cells,
            COALESCE(sum(${diff.join(' + ')}), 0)::int AS absolute
       FROM progress_live l FULL JOIN r ON r.bucket = l.bucket AND r.sex = l.sex AND r.birth_year = l.birth_year`,
  );
  return rows[0] ?? { cells: 0, absolute: 0 };
}

/** Runs the job every `intervalMs` until stopped (one pass at a time; errors are logged and retried next time). */
export class ProgressJob {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => this.schedule(this.intervalMs));
    }, ms);
    this.timer.unref?.();
  }

  private async tick(): Promise<void> {
    try {
      const r = await runProgressJob(this.prisma, this.clock);
      if (r.built || r.folded) this.logger.info(r, 'progress rollup updated');
    } catch (err) {
      this.logger.error({ err }, 'progress job failed');
    }
  }
}
