import type { PrismaClient } from '../../generated/prisma/client';
import type { Clock } from '../../lib/clock';
import type { SegmentFilter } from '../campaigns/segment-filter';
import { recordAudit } from '../staff/audit.service';
import { maskIdNumberForStaff, maskName } from '../codes/masking';
import { regionRange } from '../codes/region-scope';
import { bitOf, FLAG_COUNTERS, type LiveCounter, workingAgeSql } from './counters';
import { type ProgressActor, type RegionName, type Result, scopedRegion } from './progress.service';
import { chinaDate } from '../calendar/china-time';

/**
 * The people behind a figure ("38 missing phone in 新街镇"), read through the rollup's own shadow
 * (progress_person), so the list has exactly the persons the figure counted at the last fold.
 */
export const SEGMENTS = {
  ...Object.fromEntries(Object.entries(FLAG_COUNTERS).map(([flag, c]) => [flag, { counter: c as LiveCounter, workingAge: false }])),
  UNREGISTERED: { counter: 'unregistered', workingAge: false },
  PENDING_REVIEW: { counter: 'pending_review', workingAge: false },
  NEEDS_VISIT: { counter: 'needs_visit', workingAge: false },
  gap: { counter: 'no_cover', workingAge: true },
  flexible: { counter: 'flexible_no_cover', workingAge: true },
  platform: { counter: 'platform_no_cover', workingAge: true },
} as Record<string, { counter: LiveCounter; workingAge: boolean }>;
export const SEGMENT_KEYS = Object.keys(SEGMENTS);

/**
 * The community workers' segment filter (campaigns, visit lists: `/console/segments?filter=`) that selects the
 * persons a progress segment counts, or null when that filter cannot express it. A flag or a registration status
 * is the same test on the same person columns; the segment's region range (code prefix) is where the figure
 * counts a person (managing region, up the code prefixes). The segment filter's default exclusions (opted out,
 * do-not-contact, open change request) are turned off, because the figure counts everybody; a campaign
 * still skips the opted-out when it sends. Not expressible: the cover segments (gap, flexible, platform), whose
 * working age is by calendar year and sex and whose "no cover" is none of five schemes, while the filter has
 * ages by birthday and "missing at least one of" the listed schemes.
 * The filter counts the registry now; the figure is as of the progress job's last run.
 */
export function communityFilterFor(region: string, segment: string): SegmentFilter | null {
  const all = { region, excludeOptedOut: false, excludeOpenChangeRequest: false };
  if (segment in FLAG_COUNTERS) return { ...all, flags: [segment as keyof typeof FLAG_COUNTERS] };
  if (segment === 'UNREGISTERED' || segment === 'PENDING_REVIEW' || segment === 'NEEDS_VISIT') return { ...all, registrationStatus: [segment] };
  return null;
}

export interface SegmentPerson {
  idNumber: string;
  name: string;
  regionCode: string | null;
  registrationStatus: string;
}

/** Up to `limit` persons of a segment within a region (masked), with the segment's size. Audited. */
export async function listSegment(
  prisma: PrismaClient,
  actor: ProgressActor,
  q: { region: string; segment: string; limit?: number },
  clock: Clock,
): Promise<Result<{ region: RegionName; count: number; persons: SegmentPerson[] }>> {
  const seg = SEGMENTS[q.segment];
  if (!seg) return { ok: false, code: 'VALIDATION_FAILED', message: 'Unknown segment.' };
  const scoped = await scopedRegion(prisma, actor, q.region, 'progress.segment_view', clock);
  if (!scoped.ok) return scoped;
  const range = regionRange(q.region);
  const where = `s.bucket >= $1 AND s.bucket < $2 AND (s.bits >> ${bitOf(seg.counter)}) & 1 = 1${seg.workingAge ? ` AND ${workingAgeSql('$3::date').replace(/birth_year/g, 's.birth_year').replace(/\bsex\b/g, 's.sex')}` : ''}`;
  const params = [range.gte, range.lt, chinaDate(clock.now())];
  const [countRow] = await prisma.$queryRawUnsafe<{ n: number }[]>(`SELECT count(*)::int AS n FROM progress_person s WHERE ${where} AND $3::date IS NOT NULL`, ...params);
  const rows = await prisma.$queryRawUnsafe<{ id_number: string; name: string; region_code: string | null; registration_status: string }[]>(
    `SELECT p.id_number, p.name, p.region_code, p.registration_status::text FROM progress_person s JOIN person p ON p.id = s.person_id
      WHERE ${where} AND $3::date IS NOT NULL ORDER BY s.bucket, p.id_number LIMIT ${Math.min(q.limit ?? 50, 200)}`,
    ...params,
  );
  await recordAudit(prisma, {
    actorType: 'STAFF',
    actorId: actor.principal.id,
    source: actor.source,
    action: 'progress.segment_view',
    targetType: 'region',
    targetId: q.region,
    details: { segment: q.segment, listed: rows.length },
    at: clock.now(),
  });
  return {
    ok: true,
    region: scoped.region,
    count: countRow?.n ?? 0,
    persons: rows.map((r) => ({ idNumber: maskIdNumberForStaff(r.id_number), name: maskName(r.name), regionCode: r.region_code, registrationStatus: r.registration_status })),
  };
}
