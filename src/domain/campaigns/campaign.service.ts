import type { DbClient } from '../../db/db-client';
import type { CampaignStatus, Prisma } from '../../generated/prisma/client';
import { recordAudit, recordRefreshView } from '../staff/audit.service';
import { isWithinRegion, regionRange } from '../codes/region-scope';
import type { QuietHours } from './quiet-hours';
import type { CampaignChannel } from './reach';
import type { SegmentFilter } from './segment-filter';
import { checkFilterScope, type StaffContext } from './segment.service';

/** The message templates (locale keys campaign.templates.<name>) and the chat task each leads to. */
export const CAMPAIGN_TEMPLATES = {
  'reminder.unregistered': 'confirm',
  'reminder.confirm': 'confirm',
  'reminder.missingPhone': 'correct',
  'reminder.missingCover': 'status',
  'reminder.employment': 'employment',
} as const;
export type CampaignTemplate = keyof typeof CAMPAIGN_TEMPLATES;
export type CampaignTask = (typeof CAMPAIGN_TEMPLATES)[CampaignTemplate];
export const TEMPLATE_NAMES = Object.keys(CAMPAIGN_TEMPLATES) as CampaignTemplate[];

export interface CampaignInput {
  name: string;
  filter: SegmentFilter;
  message: CampaignTemplate;
  channels: CampaignChannel[];
  quietHours: QuietHours;
  startAt?: Date | undefined;
  endAt?: Date | undefined;
}

export type CampaignAction = 'start' | 'pause' | 'resume' | 'cancel';

/** Which states an action leaves from. start: draft -> scheduled (future start) or running. */
const FROM: Record<CampaignAction, CampaignStatus[]> = {
  start: ['DRAFT'],
  pause: ['SCHEDULED', 'RUNNING'],
  resume: ['PAUSED'],
  cancel: ['DRAFT', 'SCHEDULED', 'RUNNING', 'PAUSED'],
};

export type CampaignFailure = { ok: false; code: 'NOT_FOUND' } | { ok: false; code: 'INVALID_STATE'; status: CampaignStatus };

export interface FunnelCounts {
  queued: number;
  sent: number;
  failed: number;
  skipped: number;
  opened: number;
  verified: number;
  confirmed: number;
  corrected: number;
}

export interface CampaignView {
  id: string;
  name: string;
  regionCode: string;
  filter: SegmentFilter;
  message: string;
  channels: string[];
  quietHours: QuietHours;
  startAt: string | null;
  endAt: string | null;
  status: CampaignStatus;
  cancelled: boolean;
  materialised: boolean;
  createdAt: string;
  counts: FunnelCounts & { recipients: number };
  byTownship: (FunnelCounts & { township: string; name: string | null })[];
  skippedBy: Record<string, number>;
}

type Row = Prisma.CampaignGetPayload<object>;

const auditOf = (ctx: StaffContext, action: string, id: string, details?: Prisma.InputJsonValue, outcome: 'OK' | 'DENIED' = 'OK') =>
  ({ actorType: 'STAFF', actorId: ctx.staff.id, source: ctx.source, action, targetType: 'campaign', targetId: id, at: ctx.now, outcome, ...(details ? { details } : {}) }) as const;

async function audit(db: DbClient, ctx: StaffContext, action: string, id: string, details?: Prisma.InputJsonValue, outcome: 'OK' | 'DENIED' = 'OK') {
  await recordAudit(db, auditOf(ctx, action, id, details, outcome));
}

async function load(db: DbClient, ctx: StaffContext, id: string, action: string): Promise<Row | null> {
  const row = await db.campaign.findUnique({ where: { id } });
  if (row && isWithinRegion(ctx.staff.regionCode, row.regionCode)) return row;
  await audit(db, ctx, action, id, { reason: row ? 'out_of_region' : 'not_found' }, 'DENIED');
  return null;
}

/** Creates a draft campaign inside the staff member's region. Audited. */
export async function createCampaign(db: DbClient, ctx: StaffContext, a: CampaignInput): Promise<{ ok: true; id: string } | { ok: false; code: 'NOT_FOUND' }> {
  if (!(await checkFilterScope(db, ctx, a.filter, 'campaign.create'))) return { ok: false, code: 'NOT_FOUND' };
  const row = await db.campaign.create({
    data: {
      name: a.name,
      regionCode: a.filter.region,
      filter: a.filter as Prisma.InputJsonValue,
      template: a.message,
      channels: a.channels,
      quietStart: a.quietHours?.start ?? null,
      quietEnd: a.quietHours?.end ?? null,
      startAt: a.startAt ?? null,
      endAt: a.endAt ?? null,
      createdBy: ctx.staff.id,
      createdAt: ctx.now,
    },
  });
  await audit(db, ctx, 'campaign.create', row.id, { template: a.message, channels: a.channels, region: a.filter.region });
  return { ok: true, id: row.id };
}

/** start, pause, resume or cancel; a stale state answers INVALID_STATE. Cancelling skips what is still queued. Audited. */
export async function changeCampaignState(db: DbClient, ctx: StaffContext, id: string, action: CampaignAction): Promise<{ ok: true; status: CampaignStatus } | CampaignFailure> {
  const row = await load(db, ctx, id, `campaign.${action}`);
  if (!row) return { ok: false, code: 'NOT_FOUND' };
  if (!FROM[action].includes(row.status)) return { ok: false, code: 'INVALID_STATE', status: row.status };
  const future = row.startAt && row.startAt > ctx.now;
  const next: CampaignStatus = action === 'pause' ? 'PAUSED' : action === 'cancel' ? 'FINISHED' : future ? 'SCHEDULED' : 'RUNNING';
  const n = await db.campaign.updateMany({
    where: { id, version: row.version },
    data: { status: next, version: { increment: 1 }, ...(action === 'cancel' ? { cancelled: true, finishedAt: ctx.now } : {}) },
  });
  if (n.count !== 1) return { ok: false, code: 'INVALID_STATE', status: row.status };
  if (action === 'cancel') await db.campaignRecipient.updateMany({ where: { campaignId: id, status: 'QUEUED' }, data: { status: 'SKIPPED', skipReason: 'CANCELLED', lockedUntil: null } });
  await audit(db, ctx, `campaign.${action}`, id, { from: row.status, to: next });
  return { ok: true, status: next };
}

interface CountRow {
  township: string | null;
  grand: number;
  recipients: bigint;
  queued: bigint;
  sent: bigint;
  failed: bigint;
  skipped: bigint;
  opened: bigint;
  verified: bigint;
  confirmed: bigint;
  corrected: bigint;
}

const toCounts = (r: CountRow | undefined): FunnelCounts & { recipients: number } => ({
  recipients: Number(r?.recipients ?? 0),
  queued: Number(r?.queued ?? 0),
  sent: Number(r?.sent ?? 0),
  failed: Number(r?.failed ?? 0),
  skipped: Number(r?.skipped ?? 0),
  opened: Number(r?.opened ?? 0),
  verified: Number(r?.verified ?? 0),
  confirmed: Number(r?.confirmed ?? 0),
  corrected: Number(r?.corrected ?? 0),
});

/**
 * The campaign with its funnel (sent -> opened -> verified -> confirmed or corrected), overall and per township.
 * Audited: every opening of the page (`page`); the page's own refresh every few seconds (`refresh`) only when the
 * staff member has no view of this campaign yet that China day.
 */
export async function getCampaign(db: DbClient, ctx: StaffContext, id: string, how: 'page' | 'refresh' = 'page'): Promise<{ ok: true; campaign: CampaignView } | CampaignFailure> {
  const row = await load(db, ctx, id, 'campaign.view');
  if (!row) return { ok: false, code: 'NOT_FOUND' };
  const rows = await db.$queryRaw<CountRow[]>`
    SELECT left(region_code, 9) AS township, GROUPING(left(region_code, 9)) AS grand, count(*) AS recipients,
      count(*) FILTER (WHERE status = 'QUEUED') AS queued,
      count(*) FILTER (WHERE sent_at IS NOT NULL) AS sent,
      count(*) FILTER (WHERE status = 'FAILED') AS failed,
      count(*) FILTER (WHERE status = 'SKIPPED') AS skipped,
      count(*) FILTER (WHERE opened_at IS NOT NULL) AS opened,
      count(*) FILTER (WHERE verified_at IS NOT NULL) AS verified,
      count(*) FILTER (WHERE outcome = 'CONFIRMED') AS confirmed,
      count(*) FILTER (WHERE outcome = 'CORRECTED') AS corrected
    FROM campaign_recipient WHERE campaign_id = ${id}::uuid
    GROUP BY ROLLUP (left(region_code, 9))`;
  const total = rows.find((r) => Number(r.grand) === 1);
  const towns = rows.filter((r) => r !== total);
  const names = new Map(
    (await db.region.findMany({ where: { code: { in: towns.flatMap((t) => (t.township ? [t.township] : [])) } }, select: { code: true, name: true } })).map((r) => [r.code, r.name]),
  );
  const skipped = await db.campaignRecipient.groupBy({ by: ['skipReason'], where: { campaignId: id, status: 'SKIPPED' }, _count: { _all: true } });
  if (how === 'page') await audit(db, ctx, 'campaign.view', id);
  else await recordRefreshView(db, auditOf(ctx, 'campaign.view', id));
  return {
    ok: true,
    campaign: {
      id: row.id,
      name: row.name,
      regionCode: row.regionCode,
      filter: row.filter as SegmentFilter,
      message: row.template,
      channels: row.channels,
      quietHours: row.quietStart && row.quietEnd ? { start: row.quietStart, end: row.quietEnd } : null,
      startAt: row.startAt?.toISOString() ?? null,
      endAt: row.endAt?.toISOString() ?? null,
      status: row.status,
      cancelled: row.cancelled,
      materialised: row.materialised,
      createdAt: row.createdAt.toISOString(),
      counts: toCounts(total),
      byTownship: towns.map((t) => {
        const { recipients: _r, ...c } = toCounts(t);
        return { township: t.township ?? '', name: t.township ? (names.get(t.township) ?? null) : null, ...c };
      }),
      skippedBy: Object.fromEntries(skipped.map((s) => [s.skipReason ?? 'UNKNOWN', s._count._all])),
    },
  };
}

/** The campaigns of the staff member's region, newest first (no counts). */
export async function listCampaigns(db: DbClient, ctx: StaffContext) {
  const rows = await db.campaign.findMany({ where: { regionCode: regionRange(ctx.staff.regionCode) }, orderBy: { createdAt: 'desc' }, take: 200 });
  return rows.map((r) => ({ id: r.id, name: r.name, regionCode: r.regionCode, message: r.template, status: r.status, createdAt: r.createdAt.toISOString() }));
}
