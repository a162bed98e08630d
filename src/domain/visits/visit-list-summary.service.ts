import type { DbClient } from '../../db/db-client';
import { regionRange, isWithinRegion } from '../codes/region-scope';
import { recordAudit } from '../staff/audit.service';
import type { StaffContext } from '../campaigns/segment.service';

export interface VisitListSummary {
  id: string;
  regionCode: string;
  /** What the list was made from: `{filter}` or `{campaignId}`. */
  source: Record<string, unknown>;
  createdAt: string;
  rows: number;
  /** One workbook each, with one sheet per village or community. */
  townships: { code: string; name: string | null; rows: number; villages: number }[];
}

/** A visit list with its townships (rows and villages of each), for the per-township workbooks. 404 outside the region, audited. */
export async function visitListSummary(db: DbClient, ctx: StaffContext, id: string): Promise<{ ok: true; list: VisitListSummary } | { ok: false; code: 'NOT_FOUND' }> {
  const list = await db.visitList.findUnique({ where: { id } });
  if (!list || !isWithinRegion(ctx.staff.regionCode, list.regionCode)) {
    await recordAudit(db, { actorType: 'STAFF', actorId: ctx.staff.id, source: ctx.source, action: 'visit_list.view', targetType: 'visit_list', targetId: id, outcome: 'DENIED', at: ctx.now });
    return { ok: false, code: 'NOT_FOUND' };
  }
  const towns = await db.$queryRaw<{ township: string; name: string | null; rows: bigint; villages: bigint }[]>`
    SELECT e.township, (SELECT g.name FROM region g WHERE g.code = e.township) AS name, count(*) AS rows, count(DISTINCT e.village) AS villages
    FROM visit_list_entry e WHERE e.visit_list_id = ${id}::uuid GROUP BY e.township ORDER BY e.township`;
  return {
    ok: true,
    list: {
      id: list.id,
      regionCode: list.regionCode,
      source: list.source as Record<string, unknown>,
      createdAt: list.createdAt.toISOString(),
      rows: towns.reduce((n, t) => n + Number(t.rows), 0),
      townships: towns.map((t) => ({ code: t.township, name: t.name, rows: Number(t.rows), villages: Number(t.villages) })),
    },
  };
}

/** The visit lists of the staff member's region, newest first. */
export async function listVisitLists(db: DbClient, ctx: StaffContext): Promise<{ id: string; regionCode: string; source: Record<string, unknown>; createdAt: string; rows: number }[]> {
  const rows = await db.visitList.findMany({
    where: { regionCode: regionRange(ctx.staff.regionCode) },
    orderBy: { createdAt: 'desc' },
    take: 100,
    include: { _count: { select: { entries: true } } },
  });
  return rows.map((r) => ({ id: r.id, regionCode: r.regionCode, source: r.source as Record<string, unknown>, createdAt: r.createdAt.toISOString(), rows: r._count.entries }));
}
