
import type { ChangeRequest, ChangeRequestKind, ChangeRequestStatus, Prisma } from '../../generated/prisma/client';
import { parseIdNumber } from '../codes/id-number';
import { maskIdNumberForStaff, redactSensitive } from '../codes/masking';
import { isWithinRegion, regionRange } from '../codes/region-scope';
import { type StaffPrincipal } from '../staff/staff.service';
import { OPEN_STATUSES, type ReviewActor, type ReviewEnv, type ReviewFailure, type ReviewItem, audit, auditFailure, fail, permitted, toItems } from './shared';

/** The queue: a scoped, filtered, cursor-paged list of change requests. */

// ---------------------------------------------------------------- the queue

export interface ListFilters {
  /** Default: the open statuses (PENDING, NEEDS_INFO). */
  status?: ChangeRequestStatus[];
  kind?: ChangeRequestKind;
  /** A region code within the caller's scope (a wider one is narrowed to the scope). */
  region?: string;
  /** Only PENDING requests past their due time. */
  overdue?: boolean;
  /** Only four-eyes changes with their first approval given, waiting for the second reviewer. */
  firstApproved?: boolean;
  /** A reference (or its beginning), or a full ID number of the person or the reported new person. */
  q?: string;
  cursor?: string;
  /** 1-200, default 50. */
  limit?: number;
}

export interface ReviewPage {
  items: ReviewItem[];
  /** Pass as cursor for the next page; null on the last page. */
  nextCursor: string | null;
}

function encodeCursor(r: Pick<ChangeRequest, 'createdAt' | 'id'>): string {
  return Buffer.from(JSON.stringify([r.createdAt.toISOString(), r.id])).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } | null {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(v) || typeof v[0] !== 'string' || typeof v[1] !== 'string') return null;
    const createdAt = new Date(v[0]);
    if (Number.isNaN(createdAt.getTime()) || !/^[0-9a-f-]{36}$/i.test(v[1])) return null;
    return { createdAt, id: v[1] };
  } catch {
    return null;
  }
}

/** The region range a list or stats call covers: the filter when within scope, the scope when wider, else null. */
function scopedRange(principal: StaffPrincipal, region: string | undefined): { gte: string; lt: string } | null {
  if (!region || isWithinRegion(region, principal.regionCode)) return regionRange(principal.regionCode);
  if (isWithinRegion(principal.regionCode, region)) return regionRange(region);
  return null;
}

function searchFilter(q: string, now: Date): Prisma.ChangeRequestWhereInput {
  const id = parseIdNumber(q, { today: now });
  if (id.ok) return { OR: [{ person: { idNumber: id.idNumber } }, { subjectKey: id.idNumber }] };
  return { reference: { startsWith: q.trim().toUpperCase() } };
}

/** The caller's queue, oldest first, region-scoped, masked; audited as review.list. */
export async function listRequests(env: ReviewEnv, actor: ReviewActor, filters: ListFilters): Promise<({ ok: true } & ReviewPage) | ReviewFailure> {
  const denied = await permitted(env, actor, 'review.view', 'review.list');
  if (denied) return denied;
  const now = env.clock.now();
  const range = scopedRange(actor.principal, filters.region);
  if (!range) {
    const f = fail('OUT_OF_SCOPE', 'That region is outside your area.', { region: filters.region });
    await auditFailure(env, actor, 'review.list', undefined, f);
    return f;
  }
  const cursor = filters.cursor ? decodeCursor(filters.cursor) : null;
  if (filters.cursor && !cursor) return fail('BAD_CURSOR', 'The cursor is not valid; start from the first page.');
  const limit = Math.min(Math.max(Math.trunc(filters.limit ?? 50), 1), 200);
  const status = filters.overdue ? ['PENDING' as const] : filters.status?.length ? filters.status : [...OPEN_STATUSES];
  const and: Prisma.ChangeRequestWhereInput[] = [{ regionCode: range }];
  if (filters.kind) and.push({ kind: filters.kind });
  if (filters.overdue) and.push({ dueAt: { lt: now } });
  if (filters.firstApproved) and.push({ firstApprovalBy: { not: null } });
  if (filters.q?.trim()) and.push(searchFilter(filters.q, now));
  if (cursor) {
    // The lower bound is what the index uses; the OR only breaks ties on the same instant.
    and.push({ createdAt: { gte: cursor.createdAt } }, { OR: [{ createdAt: { gt: cursor.createdAt } }, { id: { gt: cursor.id } }] });
  }

  // One query per status, each walking the (status, created_at) index in order and stopping after a page,
  // merged here: PostgreSQL cannot keep index order across `status IN (...)` and would sort every open
  // request of the area instead (see bench/review.bench.ts).
  const perStatus = await Promise.all(
    [...new Set(status)].map((s) =>
      env.db.changeRequest.findMany({
        where: { AND: [...and, { status: s }] },
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
        take: limit + 1,
      }),
    ),
  );
  const rows = perStatus
    .flat()
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(0, limit + 1);
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  const q = filters.q?.trim();
  const [items] = await Promise.all([toItems(env, env.db, page), audit(env.db, actor, 'review.list', undefined, now, {
    filters: {
      status,
      ...(filters.kind ? { kind: filters.kind } : {}),
      ...(filters.region ? { region: filters.region } : {}),
      ...(filters.overdue ? { overdue: true } : {}),
      ...(filters.firstApproved ? { firstApproved: true } : {}),
      ...(q ? { q: redactSensitive(parseIdNumber(q, { today: now }).ok ? maskIdNumberForStaff(q) : q) } : {}),
    },
    returned: page.length,
  }, 'OK', 'review_queue')]);
  return { ok: true, items, nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
}
