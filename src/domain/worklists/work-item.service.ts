// The staff side of the worklists (issue 17): list a region's entries by kind and status, read one, close it
// with an outcome (for duplicate cover: which scheme to keep). Scoped by region like everything staff see:
// outside it an entry is NOT_FOUND (audited DENIED). Views are audited and folded like other views; a close
// checks the version the staff member saw.
import type { DbClient } from '../../db/db-client';
import type { Prisma, WorkItemKind, WorkItemStatus } from '../../generated/prisma/client';
import { maskIdNumberForStaff, maskName } from '../codes/masking';
import { isWithinRegion, regionRange } from '../codes/region-scope';
import { afterCursor, CREATED_ORDER, pageOf } from '../paging';
import { refuse, type Refusal } from '../refusal';
import { recordAudit } from '../staff/audit.service';
import type { StaffPrincipal } from '../staff/staff.service';

export const WORK_ITEM_KINDS = ['DECEASED_ENROLMENT', 'DUPLICATE_COVER', 'MOVED_OUT_ENROLMENT'] as const satisfies readonly WorkItemKind[];
export const WORK_ITEM_STATUSES = ['OPEN', 'DONE', 'DISMISSED'] as const satisfies readonly WorkItemStatus[];

/**
 * How an entry is closed. SCHEME_KEPT (duplicate cover only, with the scheme kept) and ENROLMENTS_STOPPED close it
 * DONE; NO_ACTION_NEEDED dismisses it; OTHER (with a note) closes it DONE.
 */
export const WORK_ITEM_OUTCOMES = ['SCHEME_KEPT', 'ENROLMENTS_STOPPED', 'NO_ACTION_NEEDED', 'OTHER'] as const;
export type WorkItemOutcome = (typeof WORK_ITEM_OUTCOMES)[number];

export interface WorkItemView {
  id: string;
  kind: WorkItemKind;
  status: WorkItemStatus;
  version: number;
  createdAt: string;
  region: { code: string; name: string | null } | null;
  person: { id: string; idNumber: string; name: string; mergedIntoId: string | null } | null;
  /** As raised: for duplicate cover the family, the schemes with their periods and the suggested keep. */
  details: Prisma.JsonValue;
  outcome: string | null;
  /** The scheme kept (duplicate cover) and the note given on closing. */
  keep: string | null;
  note: string | null;
  closedAt: string | null;
  closedBy: string | null;
}

export interface WorkContext {
  staff: StaffPrincipal;
  source: string;
  now: Date;
}

type Row = Prisma.WorkItemGetPayload<object>;
const closureOf = (details: Prisma.JsonValue): { keep?: string; note?: string } =>
  details && typeof details === 'object' && !Array.isArray(details) && details.closure && typeof details.closure === 'object' ? (details.closure as { keep?: string; note?: string }) : {};

async function toViews(db: DbClient, rows: Row[]): Promise<WorkItemView[]> {
  const ids = [...new Set(rows.map((r) => r.personId))];
  const persons = ids.length ? await db.person.findMany({ where: { id: { in: ids } }, select: { id: true, idNumber: true, name: true, mergedIntoId: true } }) : [];
  const byId = new Map(persons.map((p) => [p.id, p]));
  const codes = [...new Set(rows.flatMap((r) => (r.regionCode ? [r.regionCode] : [])))];
  const names = new Map((codes.length ? await db.region.findMany({ where: { code: { in: codes } }, select: { code: true, name: true } }) : []).map((r) => [r.code, r.name]));
  const staffIds = [...new Set(rows.flatMap((r) => (r.closedBy ? [r.closedBy] : [])))];
  const usernames = new Map((staffIds.length ? await db.staffUser.findMany({ where: { id: { in: staffIds } }, select: { id: true, username: true } }) : []).map((s) => [s.id, s.username]));
  return rows.map((r) => {
    const p = byId.get(r.personId);
    const closure = closureOf(r.details);
    return {
      id: r.id,
      kind: r.kind,
      status: r.status,
      version: r.version,
      createdAt: r.createdAt.toISOString(),
      region: r.regionCode ? { code: r.regionCode, name: names.get(r.regionCode) ?? null } : null,
      person: p ? { id: p.id, idNumber: maskIdNumberForStaff(p.idNumber), name: maskName(p.name), mergedIntoId: p.mergedIntoId } : null,
      details: r.details,
      outcome: r.outcome,
      keep: closure.keep ?? null,
      note: closure.note ?? null,
      closedAt: r.closedAt?.toISOString() ?? null,
      closedBy: r.closedBy ? (usernames.get(r.closedBy) ?? null) : null,
    };
  });
}

export interface ListWorkItemsQuery {
  kind?: WorkItemKind;
  status?: WorkItemStatus | 'ALL';
  limit?: number;
  /** createdAt|id of the last row of the previous page. */
  cursor?: string;
}

/** A page of the region's entries, oldest first (OPEN by default); audited as work_item.list. */
export async function listWorkItems(db: DbClient, q: ListWorkItemsQuery, ctx: WorkContext): Promise<{ items: WorkItemView[]; nextCursor: string | null }> {
  const limit = q.limit ?? 50;
  const status = q.status ?? 'OPEN';
  const where: Prisma.WorkItemWhereInput = { regionCode: regionRange(ctx.staff.regionCode), ...(status === 'ALL' ? {} : { status }), ...(q.kind ? { kind: q.kind } : {}), ...afterCursor(q.cursor) };
  const { page, nextCursor } = pageOf(await db.workItem.findMany({ where, orderBy: CREATED_ORDER, take: limit + 1 }), limit);
  await recordAudit(db, {
    actorType: 'STAFF',
    actorId: ctx.staff.id,
    source: ctx.source,
    action: 'work_item.list',
    targetType: 'region',
    targetId: ctx.staff.regionCode,
    at: ctx.now,
    details: { kind: q.kind ?? null, status, count: page.length },
  });
  return { items: await toViews(db, page), nextCursor };
}

export type WorkItemFailure = Refusal<'NOT_FOUND' | 'ALREADY_CLOSED' | 'VERSION_CONFLICT' | 'VALIDATION_FAILED'>;

async function inScope(db: DbClient, id: string, ctx: WorkContext, action: string): Promise<Row | null> {
  const row = await db.workItem.findUnique({ where: { id } });
  if (row && isWithinRegion(ctx.staff.regionCode, row.regionCode)) return row;
  await recordAudit(db, { actorType: 'STAFF', actorId: ctx.staff.id, source: ctx.source, action, targetType: 'work_item', targetId: id, outcome: 'DENIED', at: ctx.now, details: { reason: row ? 'out_of_region' : 'not_found' } });
  return null;
}

/** One entry (404 outside the region, audited DENIED); audited as work_item.view. */
export async function getWorkItem(db: DbClient, id: string, ctx: WorkContext): Promise<{ ok: true; item: WorkItemView } | WorkItemFailure> {
  const row = await inScope(db, id, ctx, 'work_item.view');
  if (!row) return refuse('NOT_FOUND', 'No such worklist entry in your region.');
  await recordAudit(db, { actorType: 'STAFF', actorId: ctx.staff.id, source: ctx.source, action: 'work_item.view', targetType: 'work_item', targetId: id, at: ctx.now, details: { kind: row.kind, personId: row.personId } });
  const [view] = await toViews(db, [row]);
  return { ok: true, item: view! };
}

export interface CloseWorkItem {
  /** The version the staff member saw. */
  version: number;
  outcome: WorkItemOutcome;
  /** SCHEME_KEPT: the insurance type kept, one of the entry's schemes. */
  keep?: string;
  note?: string;
}

/** The schemes a duplicate-cover entry lists. */
export function schemesOf(details: Prisma.JsonValue): string[] {
  const schemes = details && typeof details === 'object' && !Array.isArray(details) ? details.schemes : null;
  return Array.isArray(schemes) ? schemes.flatMap((s) => (s && typeof s === 'object' && !Array.isArray(s) && typeof s.insuranceType === 'string' ? [s.insuranceType] : [])) : [];
}

/** Checks an outcome against the entry's kind: a message when it does not fit, else null. */
function outcomeProblem(row: Row, a: CloseWorkItem): string | null {
  if (a.outcome === 'SCHEME_KEPT') {
    if (row.kind !== 'DUPLICATE_COVER') return 'SCHEME_KEPT is for duplicate cover only.';
    if (!a.keep || !schemesOf(row.details).includes(a.keep)) return `keep must be one of the schemes: ${schemesOf(row.details).join(', ')}.`;
  } else if (a.keep) return 'keep goes with SCHEME_KEPT only.';
  if (a.outcome === 'OTHER' && !a.note) return 'OTHER needs a note.';
  return null;
}

/** Closes an entry with its outcome; refuses a stale version (VERSION_CONFLICT) or a closed entry; audited as work_item.close. */
export async function closeWorkItem(db: DbClient, id: string, a: CloseWorkItem, ctx: WorkContext): Promise<{ ok: true; item: WorkItemView } | (WorkItemFailure & { item?: WorkItemView })> {
  const row = await inScope(db, id, ctx, 'work_item.close');
  if (!row) return refuse('NOT_FOUND', 'No such worklist entry in your region.');
  const problem = outcomeProblem(row, a);
  if (problem) return refuse('VALIDATION_FAILED', problem);
  const status: WorkItemStatus = a.outcome === 'NO_ACTION_NEEDED' ? 'DISMISSED' : 'DONE';
  const closure = { ...(a.keep ? { keep: a.keep } : {}), ...(a.note ? { note: a.note } : {}) };
  const details = { ...(row.details as Prisma.JsonObject), closure } as Prisma.InputJsonObject;
  const n = await db.workItem.updateMany({
    where: { id, status: 'OPEN', version: a.version },
    data: { status, outcome: a.outcome, details, closedBy: ctx.staff.id, closedAt: ctx.now, version: { increment: 1 } },
  });
  if (n.count !== 1) {
    const now = await db.workItem.findUniqueOrThrow({ where: { id } });
    const [item] = await toViews(db, [now]);
    const code = now.status !== 'OPEN' ? 'ALREADY_CLOSED' : 'VERSION_CONFLICT';
    await recordAudit(db, { actorType: 'STAFF', actorId: ctx.staff.id, source: ctx.source, action: 'work_item.close', targetType: 'work_item', targetId: id, outcome: 'FAILED', at: ctx.now, details: { code, version: a.version } });
    return { ...refuse(code, code === 'ALREADY_CLOSED' ? 'This entry is already closed.' : 'The entry changed since you saw it; look again.'), ...(item ? { item } : {}) };
  }
  await recordAudit(db, {
    actorType: 'STAFF',
    actorId: ctx.staff.id,
    source: ctx.source,
    action: 'work_item.close',
    targetType: 'work_item',
    targetId: id,
    at: ctx.now,
    details: { kind: row.kind, personId: row.personId, status, outcome: a.outcome, keep: a.keep ?? null, note: a.note ?? null },
  });
  const [view] = await toViews(db, [await db.workItem.findUniqueOrThrow({ where: { id } })]);
  return { ok: true, item: view! };
}

/** Whether the person has an open duplicate-cover entry (the status reply then says staff will be in touch). */
export async function hasOpenDuplicateCover(db: DbClient, personId: string): Promise<boolean> {
  return (await db.workItem.count({ where: { personId, kind: 'DUPLICATE_COVER', status: 'OPEN' } })) > 0;
}
