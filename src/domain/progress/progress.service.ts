import type { PrismaClient } from '../../generated/prisma/client';
import type { Clock } from '../../lib/clock';
import type { Refusal } from '../refusal';
import { recordAudit } from '../staff/audit.service';
import { isWithinRegion } from '../codes/region-scope';
import { can, type StaffPrincipal } from '../staff/staff.service';
import { dailyCountsOf, type Figures, figuresOf, periodFigures } from './figures';
import { addDays, chinaDate } from '../calendar/china-time';

/**
 * Reading the progress figures: region-scoped (a region outside the caller's answers NOT_FOUND like a
 * missing one, and the attempt is audited), every read audited, figures only from progress_daily.
 */

export interface RegionName {
  code: string;
  name: string;
}

export interface Target {
  confirmedShare: number;
  coverShare: number | null;
}

export interface ProgressRow extends RegionName, Figures {
  target?: Target;
  /** Target share confirmed minus the share confirmed (positive: behind target). */
  behindBy?: number;
}

export interface ProgressView {
  region: RegionName;
  asOf: string | null;
  totals: Figures;
  rows: ProgressRow[];
}

export type ProgressFailure = Refusal<'NOT_FOUND' | 'FORBIDDEN' | 'VALIDATION_FAILED'> & { message: string };
export type Result<T> = ({ ok: true } & T) | ProgressFailure;

export interface ProgressActor {
  principal: StaffPrincipal;
  /** api or console. */
  source: string;
}

const MAX_TREND_DAYS = 366;

/** The region, when it exists and lies within the actor's scope; otherwise NOT_FOUND (audited as DENIED). */
export async function scopedRegion(prisma: PrismaClient, actor: ProgressActor, code: string, action: string, clock: Clock): Promise<Result<{ region: RegionName }>> {
  const inScope = isWithinRegion(actor.principal.regionCode, code);
  const region = inScope ? await prisma.region.findUnique({ where: { code }, select: { code: true, name: true } }) : null;
  if (!region) {
    await recordAudit(prisma, {
      actorType: 'STAFF',
      actorId: actor.principal.id,
      source: actor.source,
      action,
      targetType: 'region',
      targetId: code,
      outcome: 'DENIED',
      details: { reason: inScope ? 'unknown_region' : 'out_of_scope' },
      at: clock.now(),
    });
    return { ok: false, code: 'NOT_FOUND', message: 'No such region in your area.' };
  }
  return { ok: true, region };
}

const dayDate = (day: string) => new Date(`${day}T00:00:00Z`);

async function audit(prisma: PrismaClient, actor: ProgressActor, action: string, region: string, details: Record<string, string>, clock: Clock) {
  await recordAudit(prisma, { actorType: 'STAFF', actorId: actor.principal.id, source: actor.source, action, targetType: 'region', targetId: region, details, at: clock.now() });
}

/** Figures of a region and of each region directly below it, as of a China-time day (default today). */
export async function getProgress(
  prisma: PrismaClient,
  actor: ProgressActor,
  q: { region?: string | undefined; date?: string | undefined; by?: 'child' | 'none' | undefined },
  clock: Clock,
): Promise<Result<{ view: ProgressView }>> {
  const code = q.region ?? actor.principal.regionCode;
  const day = q.date ?? chinaDate(clock.now());
  // One round trip: the region, the regions below it, their figures of the day and their targets of the year.
  const found = isWithinRegion(actor.principal.regionCode, code)
    ? await prisma.$queryRawUnsafe<(Record<string, unknown> & { code: string; name: string; refreshed_at: Date | null; t_confirmed: number | null; t_cover: number | null })[]>(
        `SELECT r.code, r.name, d.*, t.confirmed_share AS t_confirmed, t.cover_share AS t_cover
           FROM region r
           LEFT JOIN progress_daily d ON d.region_code = r.code AND d.day = $2::date
           LEFT JOIN progress_target t ON t.region_code = r.code AND t.year = $3
          WHERE r.code = $1 ${q.by === 'none' ? '' : 'OR r.parent_code = $1'} ORDER BY r.code`,
        code,
        day,
        Number(day.slice(0, 4)),
      )
    : [];
  const ownRow = found.find((r) => r.code === code);
  if (!ownRow) return scopedRegion(prisma, actor, code, 'progress.view', clock) as Promise<ProgressFailure>;
  const figures = (r: Record<string, unknown>) => (r.refreshed_at ? figuresOf(dailyCountsOf(r)) : figuresOf(null));
  const targetOf = (r: (typeof found)[number]) => (r.t_confirmed === null ? undefined : { confirmedShare: r.t_confirmed, coverShare: r.t_cover });
  const rows = found.filter((r) => r !== ownRow).map((c) => withTarget({ code: c.code, name: c.name, ...figures(c) }, targetOf(c)));
  await audit(prisma, actor, 'progress.view', code, { date: day }, clock);
  return {
    ok: true,
    view: { region: { code, name: ownRow.name }, asOf: ownRow.refreshed_at ? ownRow.refreshed_at.toISOString() : null, totals: figures(ownRow), rows },
  };
}

function withTarget(row: ProgressRow, target: Target | undefined): ProgressRow {
  if (!target) return row;
  return { ...row, target, behindBy: Math.round((target.confirmedShare - row.confirmedShare) * 10000) / 10000 };
}

export interface RankedRegion extends RegionName {
  rank: number;
  confirmedShare: number;
  target: Target;
  behindBy: number;
  coverShare: number;
  /** Target cover share minus the cover share (null without a cover target). */
  coverBehindBy: number | null;
}

/** The regions below target, furthest behind first (by share confirmed, then by cover). */
export function rankBehind(rows: ProgressRow[]): RankedRegion[] {
  return rows
    .filter((r): r is ProgressRow & { target: Target; behindBy: number } => !!r.target && r.behindBy !== undefined)
    .map((r) => ({
      code: r.code,
      name: r.name,
      confirmedShare: r.confirmedShare,
      target: r.target,
      behindBy: r.behindBy,
      coverShare: r.cover.coverShare,
      coverBehindBy: r.target.coverShare === null ? null : Math.round((r.target.coverShare - r.cover.coverShare) * 10000) / 10000,
    }))
    .filter((r) => r.behindBy > 0 || (r.coverBehindBy ?? 0) > 0)
    .sort((a, b) => b.behindBy - a.behindBy || (b.coverBehindBy ?? 0) - (a.coverBehindBy ?? 0) || a.code.localeCompare(b.code))
    .map((r, i) => ({ rank: i + 1, ...r }));
}

export interface TrendView {
  region: RegionName;
  from: string;
  to: string;
  days: ({ date: string } & Figures)[];
}

/** The daily series of a region: one entry per day that has figures, from..to inclusive (at most 366 days). */
export async function getTrend(
  prisma: PrismaClient,
  actor: ProgressActor,
  q: { region?: string | undefined; from?: string | undefined; to?: string | undefined },
  clock: Clock,
): Promise<Result<{ trend: TrendView }>> {
  const code = q.region ?? actor.principal.regionCode;
  const to = q.to ?? chinaDate(clock.now());
  const from = q.from ?? addDays(to, -29);
  if (from > to) return { ok: false, code: 'VALIDATION_FAILED', message: 'from must not be after to.' };
  if (Date.parse(to) - Date.parse(from) > (MAX_TREND_DAYS - 1) * 86_400_000) {
    return { ok: false, code: 'VALIDATION_FAILED', message: `A period is at most ${MAX_TREND_DAYS} days.` };
  }
  const scoped = await scopedRegion(prisma, actor, code, 'progress.view', clock);
  if (!scoped.ok) return scoped;
  const rows = await prisma.progressDaily.findMany({ where: { regionCode: code, day: { gte: dayDate(from), lte: dayDate(to) } }, orderBy: { day: 'asc' } });
  await audit(prisma, actor, 'progress.view', code, { from, to }, clock);
  return {
    ok: true,
    trend: { region: scoped.region, from, to, days: rows.map((r) => ({ date: r.day.toISOString().slice(0, 10), ...figuresOf(r) })) },
  };
}

/** Figures of a region and its children for a period: state at the period's last day, activity summed. */
export async function getPeriod(
  prisma: PrismaClient,
  actor: ProgressActor,
  q: { region?: string | undefined; from: string; to: string },
  clock: Clock,
): Promise<Result<{ region: RegionName; asOf: string | null; totals: Figures; rows: (RegionName & Figures & { days: ({ date: string } & Figures)[] })[] }>> {
  const trend = await getTrend(prisma, actor, q, clock);
  if (!trend.ok) return trend;
  const code = trend.trend.region.code;
  const children = await prisma.region.findMany({ where: { parentCode: code }, orderBy: { code: 'asc' }, select: { code: true, name: true } });
  const all = await prisma.progressDaily.findMany({
    where: { regionCode: { in: [code, ...children.map((c) => c.code)] }, day: { gte: dayDate(q.from), lte: dayDate(q.to) } },
    orderBy: { day: 'asc' },
  });
  const of = (c: string) => all.filter((d) => d.regionCode === c);
  const own = of(code);
  return {
    ok: true,
    region: trend.trend.region,
    asOf: own.length ? (own[own.length - 1]?.refreshedAt.toISOString() ?? null) : null,
    totals: periodFigures(own),
    rows: children.map((c) => ({ ...c, ...periodFigures(of(c.code)), days: of(c.code).map((d) => ({ date: d.day.toISOString().slice(0, 10), ...figuresOf(d) })) })),
  };
}

export interface TargetInput {
  region: string;
  confirmedShare: number;
  coverShare?: number | null | undefined;
}

/**
 * Sets annual targets. Only the level above sets a target: each region must lie strictly below the caller's
 * region (a county official sets township targets, never the county's own). Needs progress.target.
 */
export async function setTargets(
  prisma: PrismaClient,
  actor: ProgressActor,
  input: { year: number; targets: TargetInput[] },
  clock: Clock,
): Promise<Result<{ saved: number }>> {
  if (!can(actor.principal, 'progress.target')) return { ok: false, code: 'FORBIDDEN', message: 'Your role may not set targets.' };
  for (const t of input.targets) {
    if (t.region === actor.principal.regionCode) {
      await audit(prisma, actor, 'progress.target', t.region, { reason: 'own_region' }, clock);
      return { ok: false, code: 'FORBIDDEN', message: `The level above ${t.region} sets its target.` };
    }
    const scoped = await scopedRegion(prisma, actor, t.region, 'progress.target', clock);
    if (!scoped.ok) return scoped;
  }
  const now = clock.now();
  await prisma.$transaction(async (tx) => {
    for (const t of input.targets) {
      const before = await tx.progressTarget.findUnique({ where: { regionCode_year: { regionCode: t.region, year: input.year } } });
      const data = { confirmedShare: t.confirmedShare, coverShare: t.coverShare ?? null, setBy: actor.principal.id, setAt: now };
      await tx.progressTarget.upsert({ where: { regionCode_year: { regionCode: t.region, year: input.year } }, create: { regionCode: t.region, year: input.year, ...data }, update: data });
      await recordAudit(tx, {
        actorType: 'STAFF',
        actorId: actor.principal.id,
        source: actor.source,
        action: 'progress.target',
        targetType: 'region',
        targetId: t.region,
        details: {
          year: input.year,
          old: before ? { confirmedShare: before.confirmedShare, coverShare: before.coverShare } : null,
          new: { confirmedShare: t.confirmedShare, coverShare: t.coverShare ?? null },
        },
        at: now,
      });
    }
  });
  return { ok: true, saved: input.targets.length };
}
