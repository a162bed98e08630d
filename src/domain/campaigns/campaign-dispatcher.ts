import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Prisma, PrismaClient } from '../../generated/prisma/client';
import type { Clock } from '../../lib/clock';
import type { Logger } from '../../lib/logger';
import { maskName } from '../codes/masking';
import { isQuiet, type QuietHours } from './quiet-hours';
import { WECHAT_CHAT_CHANNELS } from './reach';
import { type SegmentFilter, segmentWhere } from './segment-filter';
import type { SendRates } from './segment.service';

/** Renders a campaign template for a recipient (the composition root binds it to i18next). */
export type CampaignRenderer = (locale: string, template: string, vars: { name: string; township: string; missing: string[]; link: string }) => string;

export interface CampaignDispatcherOptions {
  prisma: PrismaClient;
  clock: Clock;
  logger: Logger;
  render: CampaignRenderer;
  /** <base>/chat?c=<token>. */
  linkBase: string;
  linkDays: number;
  /** Recipients claimed and sent per batch (their rows, texts and parameters are in memory at once). */
  batchSize: number;
  /** Recipients materialised per statement (default batchSize); SQL only, so it can be much larger. */
  materialiseBatchSize?: number;
  /** Sends per minute per channel account, shared by every process through the database; null = pacing off. */
  rates: SendRates | null;
  /** Official-account template for reminders outside the 48-hour customer-service window. */
  oaTemplateId?: string | undefined;
  pollMs?: number;
  onOutbox?: () => void;
  /** Test hook: runs after a batch is claimed, inside its transaction; throwing simulates a crash there. */
  faultAfterClaim?: (claimed: number) => void;
}

const DAY_MS = 86_400_000;
const OA_WINDOW_MS = 48 * 3_600_000;
const NIL_UUID = '00000000-0000-0000-0000-000000000000';
/** Resident cover every person should have when a campaign does not name the missing types. */
const DEFAULT_COVER = ['170', '390'];

export const campaignTokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

interface RunningCampaign {
  id: string;
  filter: SegmentFilter;
  template: string;
  channels: string[];
  quiet: QuietHours;
  materialised: boolean;
}

interface Candidate {
  rid: string;
  person_id: string;
  name: string;
  phone: string | null;
  region_code: string | null;
  opted_out: boolean;
  dnc: boolean;
  /** Deceased or moved out of the province (departmental feeds): never contacted again. */
  gone: boolean;
  wx_id: string | null;
  wx_channel: string | null;
  wx_endpoint: string | null;
  wx_last: Date | null;
  wx_locale: string | null;
  paying: string[] | null;
  township: string | null;
}

interface Send {
  rid: string;
  personId: string;
  channel: string;
  endpoint: string;
  conversationId: string | null;
  text: string;
  tokenHash: string;
  template: boolean;
  link: string;
}

/**
 * Runs campaigns: materialises recipients in batches (person-id order, a cursor on the campaign, never the whole
 * segment in memory), then, in one transaction per batch, claims queued recipients with FOR UPDATE SKIP LOCKED,
 * re-checks eligibility (deceased or moved out, opt-out, do-not-contact, channel, quiet hours, rate), marks them sent and writes their
 * outbox rows and audit events. The claim is the transaction's row locks: a dispatcher that dies rolls back and
 * its recipients are queued for the next one at once, nobody is sent twice, and several processes share one
 * campaign (each skips the rows another holds).
 */
export class CampaignDispatcher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = true;
  /** Per campaign, the last person this process claimed: the next claim starts after it (see dispatchBatch). */
  private readonly claimedUpTo = new Map<string, string>();

  constructor(private readonly o: CampaignDispatcherOptions) {}

  start(): void {
    this.stopped = false;
    const loop = () => {
      if (this.stopped) return;
      this.running = this.runOnce()
        .catch((err: unknown) => this.o.logger.error({ err }, 'campaign dispatch failed'))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(loop, this.o.pollMs ?? 5000);
        });
    };
    loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** One pass: schedule changes, then materialise and send a batch of every running campaign until none has work. */
  async runOnce(): Promise<{ materialised: number; sent: number; skipped: number }> {
    const total = { materialised: 0, sent: 0, skipped: 0 };
    await this.advanceSchedules();
    for (;;) {
      let progress = 0;
      for (const c of await this.runningCampaigns()) {
        if (!c.materialised) {
          const m = await this.materialiseBatch(c);
          total.materialised += m;
          progress += m > 0 ? 1 : 0;
        }
        const d = await this.dispatchBatch(c);
        total.sent += d.sent;
        total.skipped += d.skipped;
        progress += d.sent + d.skipped;
      }
      if (!progress) break;
    }
    await this.finishDone();
    if (total.sent) this.o.onOutbox?.();
    return total;
  }

  private async advanceSchedules(): Promise<void> {
    const now = this.o.clock.now();
    await this.o.prisma.campaign.updateMany({ where: { status: 'SCHEDULED', OR: [{ startAt: null }, { startAt: { lte: now } }] }, data: { status: 'RUNNING', version: { increment: 1 } } });
    const ended = await this.o.prisma.campaign.findMany({ where: { status: { in: ['RUNNING', 'PAUSED'] }, endAt: { lte: now } }, select: { id: true } });
    for (const c of ended) {
      await this.o.prisma.$transaction([
        this.o.prisma.campaignRecipient.updateMany({ where: { campaignId: c.id, status: 'QUEUED' }, data: { status: 'SKIPPED', skipReason: 'ENDED', lockedUntil: null } }),
        this.o.prisma.campaign.update({ where: { id: c.id }, data: { status: 'FINISHED', finishedAt: now, version: { increment: 1 } } }),
      ]);
    }
  }

  private async finishDone(): Promise<void> {
    await this.o.prisma.$executeRaw`
      UPDATE campaign c SET status = 'FINISHED', finished_at = ${this.o.clock.now()}, version = version + 1
      WHERE c.status = 'RUNNING' AND c.materialised
        AND NOT EXISTS (SELECT 1 FROM campaign_recipient r WHERE r.campaign_id = c.id AND r.status = 'QUEUED')`;
  }

  private async runningCampaigns(): Promise<RunningCampaign[]> {
    const rows = await this.o.prisma.campaign.findMany({ where: { status: 'RUNNING' }, orderBy: { createdAt: 'asc' } });
    return rows.map((r) => ({
      id: r.id,
      filter: r.filter as SegmentFilter,
      template: r.template,
      channels: r.channels,
      quiet: r.quietStart && r.quietEnd ? { start: r.quietStart, end: r.quietEnd } : null,
      materialised: r.materialised,
    }));
  }

  /**
   * Adds the next batch of the segment (in person-id order after the campaign's cursor) as queued recipients.
   * The campaign row is locked for it (SKIP LOCKED: another process doing it now makes this a no-op).
   */
  async materialiseBatch(c: RunningCampaign): Promise<number> {
    const now = this.o.clock.now();
    const size = this.o.materialiseBatchSize ?? this.o.batchSize;
    const r = await this.o.prisma.$transaction(async (tx) => {
      const [row] = await tx.$queryRaw<{ cursor: string | null; materialised: boolean }[]>`
        SELECT cursor_person_id::text AS cursor, materialised FROM campaign WHERE id = ${c.id}::uuid AND status = 'RUNNING' FOR UPDATE SKIP LOCKED`;
      if (!row || row.materialised) return { inserted: 0, done: false };
      const [r] = await tx.$queryRaw<{ n: bigint; last: string | null; inserted: bigint }[]>`
        WITH batch AS (
          SELECT p.id, p.region_code FROM person p
          WHERE ${segmentWhere(c.filter, now)} AND p.id > ${row.cursor ?? NIL_UUID}::uuid
          ORDER BY p.id LIMIT ${size}),
        ins AS (
          INSERT INTO campaign_recipient (campaign_id, person_id, region_code, queued_at)
          SELECT ${c.id}::uuid, id, region_code, ${now} FROM batch
          ON CONFLICT (campaign_id, person_id) DO NOTHING RETURNING 1)
        SELECT (SELECT count(*) FROM batch) AS n, (SELECT b.id FROM batch b ORDER BY b.id DESC LIMIT 1)::text AS last, (SELECT count(*) FROM ins) AS inserted`;
      const n = Number(r?.n ?? 0);
      await tx.campaign.update({
        where: { id: c.id },
        data: { ...(r?.last ? { cursorPersonId: r.last } : {}), materialised: n < size },
      });
      return { inserted: Number(r?.inserted ?? 0), done: n < size };
    });
    // Fresh statistics once the campaign's recipients are all in, rather than waiting for autovacuum: with the
    // statistics from before (a campaign id the planner has not seen), a claim from the first person was planned
    // as a bitmap scan and sort of every queued recipient (525 ms per 500-row claim at 800,000 recipients).
    if (r.done) await this.o.prisma.$executeRaw`ANALYZE campaign_recipient`;
    return r.inserted;
  }

  /** Sends per rate group already used in the last minute (every process counts, through the database). */
  private async budgets(now: Date): Promise<{ wechat: number; sms: number }> {
    if (!this.o.rates) return { wechat: Infinity, sms: Infinity };
    const rows = await this.o.prisma.$queryRaw<{ grp: string; n: bigint }[]>`
      SELECT CASE WHEN channel = 'sms' THEN 'sms' ELSE 'wechat' END AS grp, count(*) AS n
      FROM campaign_recipient WHERE sent_at > ${new Date(now.getTime() - 60_000)} AND channel IS NOT NULL GROUP BY 1`;
    const used = Object.fromEntries(rows.map((r) => [r.grp, Number(r.n)]));
    return { wechat: this.o.rates.wechatPerMinute - (used.wechat ?? 0), sms: this.o.rates.smsPerMinute - (used.sms ?? 0) };
  }

  /**
   * Claims a batch of queued recipients in person order (the order materialisation wrote them in, so a batch's
   * rows sit together in the table and its indexes) with FOR UPDATE SKIP LOCKED, held by this transaction: another
   * dispatcher takes the next rows, and one that dies frees its rows at once. Sends or skips each, in the same
   * transaction. Each claim starts after the person this process's previous batch ended with (or before the first
   * row it left queued over the rate budget); when nothing is queued after it, from the beginning (rows given back
   * by a process that died).
   */
  async dispatchBatch(c: RunningCampaign): Promise<{ sent: number; skipped: number }> {
    const now = this.o.clock.now();
    if (isQuiet(c.quiet, now)) return { sent: 0, skipped: 0 };
    const budget = await this.budgets(now);
    if (budget.wechat <= 0 && budget.sms <= 0) return { sent: 0, skipped: 0 };
    const after = this.claimedUpTo.get(c.id);
    // Forgotten until this batch commits: after a failure the next claim starts from the beginning.
    this.claimedUpTo.delete(c.id);
    let last: string | undefined;
    const result = await this.o.prisma.$transaction(
      async (tx) => {
        let start = after;
        let rows = await this.claim(tx, c.id, start ?? NIL_UUID);
        // Nothing after this process's last batch: from the start once more (rows another process held and gave
        // back when it died).
        if (!rows.length && start) {
          start = undefined;
          rows = await this.claim(tx, c.id, NIL_UUID);
        }
        if (!rows.length) return { sent: 0, skipped: 0 };
        last = rows[rows.length - 1]!.person_id;
        let leftAt = -1;
        this.o.faultAfterClaim?.(rows.length);
        // The commit's CTE of sent rows is read twice (outbox, audit): at the default 4 MB it went to a temporary file.
        await tx.$executeRaw`SET LOCAL work_mem = '32MB'`;
        const sends: Send[] = [];
        const skips: { rid: string; reason: string }[] = [];
        const left = { ...budget };
        for (const [i, r] of rows.entries()) {
          const choice = this.choose(c, r, now);
          if ('skip' in choice) {
            skips.push({ rid: r.rid, reason: choice.skip });
            continue;
          }
          const group = choice.channel === 'sms' ? 'sms' : 'wechat';
          // Over the minute's budget: left queued (its row lock goes with this transaction) for a later batch, which
          // starts at the first row left (person order is kept under pacing).
          if (left[group] <= 0) {
            if (leftAt < 0) {
              leftAt = i;
              last = i > 0 ? rows[i - 1]!.person_id : start;
            }
            continue;
          }
          left[group] -= 1;
          const token = randomBytes(12).toString('base64url');
          const link = `${this.o.linkBase.replace(/\/$/, '')}/chat?c=${token}`;
          const missing = (c.filter.missingInsurance ?? DEFAULT_COVER).filter((t) => !(r.paying ?? []).includes(t));
          const locale = r.wx_locale && choice.channel !== 'sms' ? r.wx_locale : 'zh-CN';
          const text = this.o.render(locale, c.template, { name: maskName(r.name), township: r.township ?? '', missing, link });
          sends.push({ rid: r.rid, personId: r.person_id, ...choice, text, tokenHash: campaignTokenHash(token), link });
        }
        const sent = await this.commit(tx, c.id, now, sends, skips);
        return { sent, skipped: skips.length };
      },
      { timeout: 60_000, maxWait: 20_000 },
    );
    if (last) this.claimedUpTo.set(c.id, last);
    return result;
  }

  /**
   * Locks the next batch of queued recipients after `after` (person order) with FOR UPDATE SKIP LOCKED and reads
   * what the re-check needs. Starting after this process's previous batch, the index scan begins at the rows it
   * wants instead of walking past every recipient already sent (their old index entries stay until vacuum).
   */
  private claim(tx: Prisma.TransactionClient, campaignId: string, after: string): Promise<Candidate[]> {
    return tx.$queryRaw<Candidate[]>`
          SELECT r.id::text AS rid, p.id::text AS person_id, p.name, p.phone, p.region_code,
            (p.reminders_opt_out OR EXISTS (SELECT 1 FROM conversation oc WHERE oc.person_id = p.id AND oc.opted_out_at IS NOT NULL)) AS opted_out,
            EXISTS (SELECT 1 FROM do_not_contact d WHERE d.person_id = p.id) AS dnc,
            (p.deceased_on IS NOT NULL OR p.moved_out_on IS NOT NULL) AS gone,
            w.id::text AS wx_id, w.channel AS wx_channel, w.endpoint AS wx_endpoint, w.last_inbound_at AS wx_last, w.locale AS wx_locale,
            (SELECT array_agg(e.insurance_type::text) FROM enrolment e WHERE e.person_id = p.id AND e.status = 'PAYING') AS paying,
            (SELECT g.name FROM region g WHERE g.code = left(p.region_code, 9)) AS township
          FROM (
            SELECT id, person_id FROM campaign_recipient
            WHERE campaign_id = ${campaignId}::uuid AND status = 'QUEUED' AND person_id > ${after}::uuid
            ORDER BY person_id LIMIT ${this.o.batchSize}
            FOR UPDATE SKIP LOCKED) r
          JOIN person p ON p.id = r.person_id
          LEFT JOIN LATERAL (
            SELECT cv.id, cv.channel, cv.endpoint, cv.last_inbound_at, cv.locale FROM conversation cv
            WHERE cv.person_id = p.id AND cv.channel = ANY(${WECHAT_CHAT_CHANNELS}::text[]) AND cv.opted_out_at IS NULL
            ORDER BY cv.last_inbound_at DESC NULLS LAST LIMIT 1) w ON true
          ORDER BY r.person_id`;
  }

  private choose(c: RunningCampaign, r: Candidate, now: Date): { skip: string } | Omit<Send, 'rid' | 'personId' | 'text' | 'tokenHash' | 'link'> {
    if (r.gone) return { skip: 'NOT_RESIDENT' };
    if (r.opted_out) return { skip: 'OPTED_OUT' };
    if (r.dnc) return { skip: 'DO_NOT_CONTACT' };
    if (c.channels.includes('wechat') && r.wx_channel && r.wx_endpoint) {
      const base = { endpoint: r.wx_endpoint, conversationId: r.wx_id };
      if (r.wx_channel !== 'wechat-oa') return { channel: r.wx_channel, ...base, template: false };
      if (r.wx_last && now.getTime() - r.wx_last.getTime() < OA_WINDOW_MS) return { channel: 'wechat-oa', ...base, template: false };
      if (this.o.oaTemplateId) return { channel: 'wechat-oa', ...base, template: true };
    }
    if (c.channels.includes('sms') && r.phone) return { channel: 'sms', endpoint: r.phone, conversationId: null, template: false };
    return { skip: 'NO_CHANNEL' };
  }

  private async commit(
    tx: Prisma.TransactionClient,
    campaignId: string,
    now: Date,
    sends: Send[],
    skips: { rid: string; reason: string }[],
  ): Promise<number> {
    const expires = new Date(now.getTime() + this.o.linkDays * DAY_MS);
    // One statement for the batch: the claimed recipients (still queued: this transaction holds their row locks)
    // are marked sent, and for exactly those rows the outbox messages and the campaign.send audit events are written.
    const col = <K extends keyof Send>(k: K) => sends.map((s) => s[k]);
    const payloads = sends.map((s) => JSON.stringify({ text: s.text, ...(s.template ? { wechatTemplate: { templateId: this.o.oaTemplateId ?? '', url: s.link } } : {}) }));
    const [done] = sends.length
      ? await tx.$queryRaw<{ sent: bigint }[]>`
          WITH u AS (
            SELECT * FROM unnest(${col('rid')}::uuid[], ${col('personId')}::text[], ${col('channel')}::text[], ${col('endpoint')}::text[],
              ${sends.map((s) => s.conversationId ?? '')}::text[], ${col('tokenHash')}::text[], ${payloads}::text[], ${sends.map(() => randomUUID())}::uuid[])
              AS u(rid, person_id, channel, endpoint, conversation_id, token_hash, payload, outbox_id)),
          marked AS (
            UPDATE campaign_recipient r SET status = 'SENT', channel = u.channel, sent_at = ${now}, token_hash = u.token_hash,
              token_expires_at = ${expires}, outbox_id = u.outbox_id, locked_until = NULL
            FROM u WHERE r.id = u.rid AND r.status = 'QUEUED'
            RETURNING u.*),
          outbox AS (
            INSERT INTO outbox_message (id, conversation_id, channel, endpoint, kind, payload, next_attempt_at, created_at)
            SELECT outbox_id, NULLIF(conversation_id, '')::uuid, channel, endpoint, 'campaign', payload::jsonb, ${now}, ${now} FROM marked
            RETURNING 1),
          audit AS (
            INSERT INTO audit_event (at, actor_type, source, action, target_type, target_id, details)
            SELECT ${now}, 'SYSTEM'::"ActorType", 'campaign', 'campaign.send', 'person', person_id,
              jsonb_build_object('campaignId', ${campaignId}::text, 'channel', channel, 'recipientId', rid::text) FROM marked
            RETURNING 1)
          SELECT (SELECT count(*) FROM outbox) AS sent, (SELECT count(*) FROM audit) AS audited`
      : [];
    const sent = Number(done?.sent ?? 0);
    if (skips.length) {
      await tx.$executeRaw`
        UPDATE campaign_recipient r SET status = 'SKIPPED', skip_reason = u.reason, locked_until = NULL
        FROM unnest(${skips.map((s) => s.rid)}::uuid[], ${skips.map((s) => s.reason)}::text[]) AS u(id, reason)
        WHERE r.id = u.id AND r.status = 'QUEUED'`;
    }
    if (sent < sends.length) this.o.logger.warn({ campaignId, notQueued: sends.length - sent }, 'campaign recipients no longer queued at commit; not sent');
    return sent;
  }
}
