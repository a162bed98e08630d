import type { DbClient } from '../../db/db-client';
import type { ActorType, Prisma } from '../../generated/prisma/client';
import { parseIdNumber } from '../codes/id-number';
import { maskIdNumberForStaff } from '../codes/masking';
import { isWithinRegion, regionPrefix, regionRange } from '../codes/region-scope';
import { redactDeep } from '../codes/masking';
import { recordAudit } from './audit.service';
import { can, type StaffPrincipal } from './staff.service';

/**
 * The audit search for admins (issue 14): by actor, action, target and period, region-scoped, cursor-paged
 * (newest first), exportable. Every search and export is itself audited (audit.search, audit.export).
 *
 * Scope: a province-wide admin sees every event. Any other admin sees what staff of their area did, and, when
 * the search names a target (a request reference or an ID number) in their area, everything done to it.
 */

export const AUDIT_ACTOR_TYPES = ['STAFF', 'RESIDENT', 'SYSTEM', 'IMPORT'] as const satisfies readonly ActorType[];

export interface AuditSearch {
  /** A staff username (exact). */
  actor?: string;
  actorType?: ActorType;
  /** An action code, or a family ending in "." (e.g. "review."). */
  action?: string;
  /** A request reference (CR…), a citizen ID number, or a raw target id. */
  target?: string;
  /** Inclusive instants. */
  from?: Date;
  to?: Date;
  /** The id of the last row of the previous page. */
  cursor?: string;
  limit?: number;
}

export interface AuditRow {
  id: string;
  at: string;
  actorType: string;
  actorUsername: string | null;
  source: string;
  action: string;
  outcome: string;
  targetType: string | null;
  /** What the target is to a person: a request reference, a masked ID number, or the raw id. */
  target: string | null;
  details: unknown;
}

export type AuditSearchResult =
  | { ok: true; rows: AuditRow[]; nextCursor: string | null }
  | { ok: false; reason: 'FORBIDDEN' | 'OUT_OF_SCOPE' | 'BAD_CURSOR' };

interface SearchContext {
  principal: StaffPrincipal;
  source: string;
  now: Date;
}

const wholeProvince = (code: string) => regionPrefix(code).length <= 2;

/** The target ids a search term stands for, with the region each lies in (null when not found). */
async function resolveTarget(db: DbClient, term: string, now: Date): Promise<{ ids: string[]; region: string | null }> {
  const t = term.trim();
  if (/^CR-?[0-9A-Z-]{6,}$/i.test(t)) {
    const r = await db.changeRequest.findUnique({ where: { reference: t.toUpperCase() }, select: { id: true, regionCode: true } });
    return r ? { ids: [r.id], region: r.regionCode } : { ids: [], region: null };
  }
  const id = parseIdNumber(t, { today: now });
  if (id.ok) {
    const p = await db.person.findUnique({ where: { idNumber: id.idNumber }, select: { id: true, regionCode: true } });
    return p ? { ids: [p.id], region: p.regionCode } : { ids: [], region: null };
  }
  return { ids: [t], region: null };
}

/** Labels the targets of a page: request references and masked ID numbers. */
async function targetLabels(db: DbClient, rows: { targetType: string | null; targetId: string | null }[]): Promise<Map<string, string>> {
  const ids = (type: string) => [...new Set(rows.filter((r) => r.targetType === type && r.targetId && /^[0-9a-f-]{36}$/i.test(r.targetId)).map((r) => r.targetId as string))];
  const [requests, persons] = await Promise.all([
    db.changeRequest.findMany({ where: { id: { in: ids('change_request') } }, select: { id: true, reference: true } }),
    db.person.findMany({ where: { id: { in: ids('person') } }, select: { id: true, idNumber: true } }),
  ]);
  return new Map([...requests.map((r) => [r.id, r.reference] as const), ...persons.map((p) => [p.id, maskIdNumberForStaff(p.idNumber)] as const)]);
}

/** One page of audit events, newest first; audited as audit.search (or audit.export when exporting). */
export async function searchAudit(db: DbClient, ctx: SearchContext, q: AuditSearch, opts: { export?: boolean } = {}): Promise<AuditSearchResult> {
  const action = opts.export ? 'audit.export' : 'audit.search';
  const filters = {
    ...(q.actor ? { actor: q.actor } : {}),
    ...(q.actorType ? { actorType: q.actorType } : {}),
    ...(q.action ? { action: q.action } : {}),
    ...(q.target ? { target: parseIdNumber(q.target, { today: ctx.now }).ok ? maskIdNumberForStaff(q.target.trim()) : q.target } : {}),
    ...(q.from ? { from: q.from.toISOString() } : {}),
    ...(q.to ? { to: q.to.toISOString() } : {}),
  };
  const log = (outcome: 'OK' | 'DENIED' | 'FAILED', details: Prisma.InputJsonValue) =>
    recordAudit(db, { actorType: 'STAFF', actorId: ctx.principal.id, source: ctx.source, action, targetType: 'audit', outcome, details, at: ctx.now });
  if (!can(ctx.principal, 'audit.search')) {
    await log('DENIED', { reason: 'permission', filters });
    return { ok: false, reason: 'FORBIDDEN' };
  }
  if (q.cursor !== undefined && !/^\d{1,19}$/.test(q.cursor)) return { ok: false, reason: 'BAD_CURSOR' };

  const and: Prisma.AuditEventWhereInput[] = [];
  const scope = ctx.principal.regionCode;
  const target = q.target?.trim() ? await resolveTarget(db, q.target, ctx.now) : null;
  if (target?.region && !isWithinRegion(scope, target.region) && !wholeProvince(scope)) {
    await log('DENIED', { reason: 'out_of_scope', filters, staffRegion: scope });
    return { ok: false, reason: 'OUT_OF_SCOPE' };
  }
  if (target) and.push({ targetId: { in: target.ids } });
  if (!wholeProvince(scope) && !target?.region) {
    const staff = await db.staffUser.findMany({ where: { regionCode: regionRange(scope) }, select: { id: true } });
    and.push({ actorType: 'STAFF', actorId: { in: staff.map((s) => s.id) } });
  }
  if (q.actor) {
    const who = await db.staffUser.findUnique({ where: { username: q.actor.trim() }, select: { id: true } });
    and.push({ actorId: who?.id ?? '00000000-0000-0000-0000-000000000000' });
  }
  if (q.actorType) and.push({ actorType: q.actorType });
  if (q.action) and.push(q.action.endsWith('.') ? { action: { startsWith: q.action } } : { action: q.action });
  if (q.from || q.to) and.push({ at: { ...(q.from ? { gte: q.from } : {}), ...(q.to ? { lte: q.to } : {}) } });
  if (q.cursor) and.push({ id: { lt: BigInt(q.cursor) } });

  const limit = Math.min(Math.max(Math.trunc(q.limit ?? 50), 1), opts.export ? 10_000 : 200);
  const rows = await db.auditEvent.findMany({ where: { AND: and }, orderBy: { id: 'desc' }, take: limit + 1 });
  const page = rows.slice(0, limit);
  const staffIds = [...new Set(page.map((r) => r.actorId).filter((id): id is string => !!id && /^[0-9a-f-]{36}$/i.test(id)))];
  const [names, targets] = await Promise.all([
    staffIds.length ? db.staffUser.findMany({ where: { id: { in: staffIds } }, select: { id: true, username: true } }) : [],
    targetLabels(db, page),
  ]);
  const username = new Map(names.map((n) => [n.id, n.username]));
  await log('OK', { filters, returned: page.length, ...(q.cursor ? { cursor: q.cursor } : {}) });
  const last = page[page.length - 1];
  return {
    ok: true,
    nextCursor: rows.length > limit && last ? last.id.toString() : null,
    rows: page.map((r) => ({
      id: r.id.toString(),
      at: r.at.toISOString(),
      actorType: r.actorType,
      actorUsername: r.actorId ? (username.get(r.actorId) ?? null) : null,
      source: r.source,
      action: r.action,
      outcome: r.outcome,
      targetType: r.targetType,
      target: r.targetId ? (targets.get(r.targetId) ?? r.targetId) : null,
      details: redactDeep(r.details ?? null),
    })),
  };
}
