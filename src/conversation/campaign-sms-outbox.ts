import type { PrismaClient } from '../generated/prisma/client';
import type { ChannelSender, OutboundMessage } from './messages';
import type { Clock } from '../lib/clock';
import type { Logger } from '../lib/logger';
import { PollingLoop } from '../lib/polling-loop';

export interface CampaignSmsOutboxOptions {
  /** Rows claimed per batch. */
  batchSize?: number;
  /** Requests to the gateway in flight at once. */
  concurrency?: number;
  /** A claimed row not finished within this time is claimed again (its sender died). */
  claimMs?: number;
  maxAttempts?: number;
  pollMs?: number;
}

interface Claimed {
  id: string;
  endpoint: string;
  payload: OutboundMessage;
  attempts: number;
  /** next_attempt_at as PostgreSQL prints it, for the next claim's starting point. */
  due: string;
}

/**
 * Sends the campaign SMS rows of the outbox (channel `sms`; one-time codes have their own channel `sms-code`) in
 * batches: one claim per batch (FOR UPDATE SKIP LOCKED, so several processes can share the work), the gateway
 * called `concurrency` at a time, then one UPDATE for the batch's sent rows and one for its failures, each only
 * for rows still held under this batch's claim. Delivery is at least once like the rest of the outbox: a process
 * that dies between the gateway's answer and the UPDATE leaves the row to be claimed again after `claimMs`.
 * Failures are retried with exponential backoff; a 4xx (permanent) or the last attempt is recorded as such.
 * start(), stop() and kick() come from PollingLoop.
 */
export class CampaignSmsOutbox extends PollingLoop {
  /** Where this process's previous batch ended (next_attempt_at, id): the next claim starts after it. */
  private after: { due: string; id: string } | null = null;
  /** When this process last gave expired claims back (ms since the epoch). */
  private lastRelease = -Infinity;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly sender: ChannelSender,
    private readonly opts: CampaignSmsOutboxOptions = {},
  ) {
    super(opts.pollMs ?? 1000);
  }

  protected onError(err: unknown): void {
    this.logger.error({ err }, 'campaign SMS dispatch failed');
  }

  protected async batch(): Promise<number> {
    const now = this.clock.now();
    const claimMs = this.opts.claimMs ?? 60_000;
    const lease = new Date(now.getTime() + claimMs);
    const channel = this.sender.channel;
    // Rows whose sender died mid-batch go back to the queue, checked twice per lease rather than every batch:
    // the statement reads every SENDING index entry, and each row sent leaves one behind until vacuum (255 ms per
    // batch after 730,000 messages).
    if (now.getTime() - this.lastRelease >= claimMs / 2) {
      this.lastRelease = now.getTime();
      await this.prisma.$executeRaw`
        UPDATE outbox_message SET status = 'PENDING' WHERE status = 'SENDING' AND channel = ${channel} AND locked_until < ${now}`;
    }
    const after = this.after;
    this.after = null;
    let rows = await this.claim(now, lease, after);
    // Nothing after the previous batch: from the start once more (rows a sender gave back, retries now due).
    if (!rows.length && after) rows = await this.claim(now, lease, null);
    if (!rows.length) return 0;
    const last = rows.reduce((a, b) => (a.due > b.due || (a.due === b.due && a.id > b.id) ? a : b));
    this.after = { due: last.due, id: last.id };
    const sent: string[] = [];
    const failed: { id: string; status: string; error: string; next: Date }[] = [];
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < rows.length; i = next++) {
        const row = rows[i]!;
        try {
          await this.sender.send(row.endpoint, row.payload);
          sent.push(row.id);
        } catch (err) {
          const e = err as Error & { permanent?: boolean };
          const status = e.permanent ? 'UNDELIVERABLE' : row.attempts >= (this.opts.maxAttempts ?? 8) ? 'FAILED' : 'PENDING';
          const backoffMs = Math.min(3_600_000, 1000 * 2 ** Math.max(0, row.attempts - 1));
          failed.push({ id: row.id, status, error: String(e.message ?? e).slice(0, 500), next: new Date(this.clock.now().getTime() + backoffMs) });
          this.logger.warn({ outboxId: row.id, attempts: row.attempts, status, err: e.message }, 'campaign SMS failed');
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(rows.length, this.opts.concurrency ?? 16) }, worker));
    const at = this.clock.now();
    if (sent.length) {
      await this.prisma.$executeRaw`
        UPDATE outbox_message SET status = 'SENT', sent_at = ${at}, locked_until = NULL, last_error = NULL
        WHERE id = ANY(${sent}::uuid[]) AND status = 'SENDING' AND locked_until = ${lease}`;
    }
    if (failed.length) {
      await this.prisma.$executeRaw`
        UPDATE outbox_message o SET status = u.status::"OutboxStatus", last_error = u.error, locked_until = NULL, next_attempt_at = u.next::timestamptz AT TIME ZONE 'UTC'
        FROM unnest(${failed.map((f) => f.id)}::uuid[], ${failed.map((f) => f.status)}::text[], ${failed.map((f) => f.error)}::text[], ${failed.map((f) => f.next.toISOString())}::text[])
          AS u(id, status, error, next)
        WHERE o.id = u.id AND o.status = 'SENDING' AND o.locked_until = ${lease}`;
    }
    return rows.length;
  }

  /**
   * Claims the next batch of due rows of this channel in (next_attempt_at, id) order after `after`, through the
   * partial index of pending campaign SMS: the scan starts at the rows it wants instead of walking past every
   * row already sent (their old index entries stay until vacuum), and needs no statistics to be planned so.
   */
  private claim(now: Date, lease: Date, after: { due: string; id: string } | null): Promise<Claimed[]> {
    const from = after ?? { due: '-infinity', id: '00000000-0000-0000-0000-000000000000' };
    return this.prisma.$queryRaw<Claimed[]>`
      UPDATE outbox_message SET status = 'SENDING', locked_until = ${lease}, attempts = attempts + 1
      WHERE id IN (
        SELECT id FROM outbox_message
        WHERE status = 'PENDING' AND channel = ${this.sender.channel} AND next_attempt_at <= ${now}
          AND (next_attempt_at, id) > (${from.due}::timestamp, ${from.id}::uuid)
        ORDER BY next_attempt_at, id LIMIT ${this.opts.batchSize ?? 500}
        FOR UPDATE SKIP LOCKED)
      RETURNING id::text, endpoint, payload, attempts, to_char(next_attempt_at, 'YYYY-MM-DD"T"HH24:MI:SS.US') AS due`;
  }
}
