import type { PrismaClient } from '../generated/prisma/client';
import type { Clock } from '../lib/clock';
import type { Logger } from '../lib/logger';
import { PollingLoop } from '../lib/polling-loop';
import type { ChannelSender, OutboundMessage } from './messages';

export interface DispatcherOptions {
  batchSize?: number;
  maxAttempts?: number;
  /** A claimed row not finished within this time is claimed again (its sender crashed). */
  claimMs?: number;
  pollMs?: number;
}

interface ClaimedRow {
  id: string;
  channel: string;
  endpoint: string;
  payload: OutboundMessage;
  attempts: number;
}

/**
 * Sends what the turns committed to the outbox. Rows are claimed with FOR UPDATE SKIP LOCKED (several
 * processes can dispatch from one PostgreSQL), sent in order of creation, and marked SENT only after the
 * channel accepted them. Failures are retried with exponential backoff; a permanent failure (or one past
 * maxAttempts) is recorded honestly as UNDELIVERABLE or FAILED. A crash between commit and send resends.
 * start(), stop() and kick() come from PollingLoop.
 */
export class OutboxDispatcher extends PollingLoop {
  private readonly senders = new Map<string, ChannelSender>();
  constructor(
    private readonly prisma: PrismaClient,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly opts: DispatcherOptions = {},
  ) {
    super(opts.pollMs ?? 500);
  }

  register(sender: ChannelSender): void {
    this.senders.set(sender.channel, sender);
  }

  protected onError(err: unknown): void {
    this.logger.error({ err }, 'outbox dispatch failed');
  }

  /** Claims and sends one batch of due rows. */
  protected async batch(): Promise<number> {
    const channels = [...this.senders.keys()];
    if (!channels.length) return 0;
    const now = this.clock.now();
    const lockUntil = new Date(now.getTime() + (this.opts.claimMs ?? 30_000));
    const rows = await this.prisma.$queryRaw<ClaimedRow[]>`
      UPDATE outbox_message SET status = 'SENDING', locked_until = ${lockUntil}, attempts = attempts + 1
      WHERE id IN (
        SELECT id FROM outbox_message
        WHERE channel = ANY(${channels}::text[])
          AND ((status = 'PENDING' AND next_attempt_at <= ${now}) OR (status = 'SENDING' AND locked_until < ${now}))
        ORDER BY created_at, message_seq NULLS LAST
        LIMIT ${this.opts.batchSize ?? 50}
        FOR UPDATE SKIP LOCKED)
      RETURNING id, channel, endpoint, payload, attempts`;
    rows.sort((a, b) => Number(BigInt(a.payload.id ?? 0) - BigInt(b.payload.id ?? 0)));
    for (const row of rows) await this.sendOne(row);
    return rows.length;
  }

  private async sendOne(row: ClaimedRow): Promise<void> {
    const sender = this.senders.get(row.channel);
    try {
      if (!sender) throw new Error(`no sender for channel ${row.channel}`);
      await sender.send(row.endpoint, row.payload);
      await this.prisma.outboxMessage.update({
        where: { id: row.id },
        data: { status: 'SENT', sentAt: this.clock.now(), lockedUntil: null, lastError: null, ...(sender.erasePayloadAfterSend ? { payload: {} } : {}) },
      });
    } catch (err) {
      const e = err as Error & { permanent?: boolean };
      const max = this.opts.maxAttempts ?? 8;
      const finalStatus = e.permanent ? 'UNDELIVERABLE' : row.attempts >= max ? 'FAILED' : 'PENDING';
      const backoffMs = Math.min(3600_000, 1000 * 2 ** Math.max(0, row.attempts - 1));
      await this.prisma.outboxMessage.update({
        where: { id: row.id },
        data: {
          status: finalStatus,
          lastError: String(e.message ?? e).slice(0, 500),
          lockedUntil: null,
          nextAttemptAt: new Date(this.clock.now().getTime() + backoffMs),
        },
      });
      this.logger.warn({ outboxId: row.id, channel: row.channel, attempts: row.attempts, status: finalStatus, err: e.message }, 'send failed');
    }
  }
}
