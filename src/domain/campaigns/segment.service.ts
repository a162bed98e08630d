import type { DbClient } from '../../db/db-client';
import type { Prisma } from '../../generated/prisma/client';
import { recordAudit } from '../staff/audit.service';
import { maskIdNumberForStaff, maskName } from '../codes/masking';
import { isWithinRegion, regionRange } from '../codes/region-scope';
import type { StaffPrincipal } from '../staff/staff.service';
import { activeHoursPerDay, type QuietHours } from './quiet-hours';
import { type CampaignChannel, reachSql, reachTests } from './reach';
import { type SegmentFilter, segmentWhere } from './segment-filter';

export interface StaffContext {
  staff: StaffPrincipal;
  source: string;
  now: Date;
}

/** Sends per minute per channel, for the time estimate. */
export interface SendRates {
  wechatPerMinute: number;
  smsPerMinute: number;
}

export interface SegmentPreview {
  count: number;
  sample: { idNumber: string; name: string; regionCode: string | null; registrationStatus: string; flags: string[]; channel: string }[];
  byChannel: { wechat: number; sms: number; none: number };
  /** Hours to send to everyone reachable at the channels' rates, counting only the hours outside quiet hours. */
  estimatedHours: number;
}

export type ScopeFailure = { ok: false; code: 'NOT_FOUND' };

/** A filter's region must lie inside the staff member's; a refusal is audited and answered like a missing thing. */
export async function checkFilterScope(db: DbClient, ctx: StaffContext, filter: SegmentFilter, action: string): Promise<boolean> {
  if (isWithinRegion(ctx.staff.regionCode, filter.region)) return true;
  await recordAudit(db, {
    actorType: 'STAFF',
    actorId: ctx.staff.id,
    source: ctx.source,
    action,
    targetType: 'region',
    targetId: filter.region,
    outcome: 'DENIED',
    at: ctx.now,
    details: { reason: 'out_of_region', staffRegion: ctx.staff.regionCode },
  });
  return false;
}

export function estimateHours(byChannel: { wechat: number; sms: number }, rates: SendRates, quiet: QuietHours): number {
  const sendHours = Math.max(byChannel.wechat / (rates.wechatPerMinute * 60), byChannel.sms / (rates.smsPerMinute * 60));
  const active = activeHoursPerDay(quiet);
  return Math.round(((sendHours * 24) / active) * 100) / 100;
}

/** Count, reach per channel, a masked sample and the time to send, before anything is sent. Audited. */
export async function previewSegment(
  db: DbClient,
  ctx: StaffContext,
  filter: SegmentFilter,
  opts: { channels: readonly CampaignChannel[]; quietHours: QuietHours; rates: SendRates; sampleSize?: number },
): Promise<{ ok: true; preview: SegmentPreview } | ScopeFailure> {
  if (!(await checkFilterScope(db, ctx, filter, 'segment.preview'))) return { ok: false, code: 'NOT_FOUND' };
  const where = segmentWhere(filter, ctx.now);
  const reach = reachSql(opts.channels);
  const tests = reachTests(opts.channels);
  // One pass over the segment with two boolean tests per person (a CASE yielding text per person and counts
  // comparing that text cost about as much again at a million persons).
  const [counts] = await db.$queryRaw<{ total: bigint; wechat: bigint; sms: bigint }[]>`
    SELECT count(*) AS total, count(*) FILTER (WHERE w) AS wechat, count(*) FILTER (WHERE s AND NOT w) AS sms
    FROM (SELECT ${tests.wechat} AS w, ${tests.sms} AS s FROM person p WHERE ${where}) x`;
  const sample = await db.$queryRaw<{ id_number: string; name: string; region_code: string | null; registration_status: string; flags: string[]; ch: string }[]>`
    SELECT p.id_number, p.name, p.region_code, p.registration_status::text AS registration_status, p.flags::text[] AS flags, ${reach} AS ch
    FROM person p WHERE ${where} ORDER BY p.id LIMIT ${opts.sampleSize ?? 10}`;
  const total = Number(counts?.total ?? 0);
  const byChannel = { wechat: Number(counts?.wechat ?? 0), sms: Number(counts?.sms ?? 0), none: 0 };
  byChannel.none = total - byChannel.wechat - byChannel.sms;
  await recordAudit(db, {
    actorType: 'STAFF',
    actorId: ctx.staff.id,
    source: ctx.source,
    action: 'segment.preview',
    targetType: 'region',
    targetId: filter.region,
    at: ctx.now,
    details: { filter: filter as Prisma.InputJsonValue, count: total },
  });
  return {
    ok: true,
    preview: {
      count: total,
      sample: sample.map((r) => ({
        idNumber: maskIdNumberForStaff(r.id_number),
        name: maskName(r.name),
        regionCode: r.region_code,
        registrationStatus: r.registration_status,
        flags: r.flags,
        channel: r.ch,
      })),
      byChannel,
      estimatedHours: estimateHours(byChannel, opts.rates, opts.quietHours),
    },
  };
}

export interface SegmentView {
  id: string;
  name: string;
  regionCode: string;
  filter: SegmentFilter;
  createdAt: string;
}

const toView = (s: { id: string; name: string; regionCode: string; filter: unknown; createdAt: Date }): SegmentView => ({
  id: s.id,
  name: s.name,
  regionCode: s.regionCode,
  filter: s.filter as SegmentFilter,
  createdAt: s.createdAt.toISOString(),
});

/** Saves a named filter (inside the staff member's region). Audited. */
export async function saveSegment(db: DbClient, ctx: StaffContext, a: { name: string; filter: SegmentFilter }): Promise<{ ok: true; segment: SegmentView } | ScopeFailure> {
  if (!(await checkFilterScope(db, ctx, a.filter, 'segment.create'))) return { ok: false, code: 'NOT_FOUND' };
  const row = await db.segment.create({
    data: { name: a.name, regionCode: a.filter.region, filter: a.filter as Prisma.InputJsonValue, createdBy: ctx.staff.id, createdAt: ctx.now },
  });
  await recordAudit(db, { actorType: 'STAFF', actorId: ctx.staff.id, source: ctx.source, action: 'segment.create', targetType: 'segment', targetId: row.id, at: ctx.now });
  return { ok: true, segment: toView(row) };
}

/** The saved segments of the staff member's region, newest first. */
export async function listSegments(db: DbClient, ctx: StaffContext): Promise<SegmentView[]> {
  const rows = await db.segment.findMany({ where: { regionCode: regionRange(ctx.staff.regionCode) }, orderBy: { createdAt: 'desc' }, take: 200 });
  return rows.map(toView);
}

/** One saved segment (404 outside the region, audited). */
export async function getSegment(db: DbClient, ctx: StaffContext, id: string): Promise<{ ok: true; segment: SegmentView } | ScopeFailure> {
  const row = await db.segment.findUnique({ where: { id } });
  if (row && isWithinRegion(ctx.staff.regionCode, row.regionCode)) return { ok: true, segment: toView(row) };
  await recordAudit(db, {
    actorType: 'STAFF',
    actorId: ctx.staff.id,
    source: ctx.source,
    action: 'segment.view',
    targetType: 'segment',
    targetId: id,
    outcome: 'DENIED',
    at: ctx.now,
    details: { reason: row ? 'out_of_region' : 'not_found' },
  });
  return { ok: false, code: 'NOT_FOUND' };
}
