import type { PrismaClient } from '../generated/prisma/client';
import type { Clock } from '../lib/clock';
import type { Logger } from '../lib/logger';
import type { ConversationEngine } from './engine';

/**
 * Polls timer rows (long waits are rows, not xstate delays, so they survive restarts) and purges transcripts
 * past their retention. Timers are claimed with SKIP LOCKED; the engine's version token discards stale ones.
 */
export class Scheduler {
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  private lastPurge = 0;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly engine: ConversationEngine,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly opts: { pollMs: number; retentionDays: number },
  ) {}

  start(): void {
    this.stopped = false;
    const loop = () => {
      if (this.stopped) return;
      void this.tick()
        .catch((err: unknown) => this.logger.error({ err }, 'scheduler tick failed'))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(loop, this.opts.pollMs);
        });
    };
    loop();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  /** Fires due timers and, at most hourly, purges old transcripts. Returns how many timers fired. */
  async tick(): Promise<number> {
    const now = this.clock.now();
    const due = await this.prisma.timer.findMany({
      where: { status: 'PENDING', dueAt: { lte: now } },
      orderBy: { dueAt: 'asc' },
      take: 200,
      select: { conversationId: true, kind: true, token: true },
    });
    let fired = 0;
    for (const t of due) {
      if (t.kind === 'idle' && (await this.engine.expire(t.conversationId, t.token))) fired++;
    }
    if (now.getTime() - this.lastPurge > 3600_000) {
      this.lastPurge = now.getTime();
      await this.purgeTranscripts(now);
    }
    return fired;
  }

  /** Deletes transcript rows older than the retention period (PIPL minimum necessity). */
  async purgeTranscripts(now: Date): Promise<number> {
    const cutoff = new Date(now.getTime() - this.opts.retentionDays * 86400_000);
    const { count } = await this.prisma.message.deleteMany({ where: { createdAt: { lt: cutoff } } });
    if (count) this.logger.info({ count, cutoff }, 'purged transcript rows past retention');
    return count;
  }
}
