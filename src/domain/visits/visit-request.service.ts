import type { DbClient } from '../../db/db-client';
import { afterCursor, CREATED_ORDER, pageOf } from '../paging';
import type { Prisma } from '../../generated/prisma/client';
import { recordAudit } from '../staff/audit.service';
import { maskAddress, maskIdNumberForStaff, maskName, redactSensitive } from '../codes/masking';
import { MOBILE_PHONE_PATTERN } from '../codes/phone';
import type { VisitRequestInput } from '../ports';
import { isWithinRegion, regionRange } from '../codes/region-scope';
import { requestHouseholdVisit } from '../registry/registration.service';
import type { StaffPrincipal } from '../staff/staff.service';

export const VISIT_REQUEST_REASONS = ['NO_PHONE_ON_RECORD', 'VERIFICATION_LOCKED', 'RESIDENT_ASKED'] as const;
export const VISIT_REQUEST_OUTCOMES = ['REGISTERED', 'CONTACTED', 'NOT_REACHED', 'NOT_FOUND', 'OTHER'] as const;
export type VisitRequestOutcome = (typeof VISIT_REQUEST_OUTCOMES)[number];

/** Full-width digits to ASCII, so a number typed on a Chinese keyboard is found. */
const halfWidth = (s: string) => s.replace(/[\uFF10-\uFF19\uFF0B]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));

/**
 * Splits what the resident wrote into a mainland mobile number (if any) and the rest (when and where to come).
 * Spaces and hyphens inside the number are allowed: "139 1234 5678".
 */
export function splitVisitDetails(text: string): { contactPhone: string | null; details: string } {
  const s = halfWidth(text);
  const m = /(?:\+?86[\s-]?)?(1[3-9](?:[\s-]?\d){9})/.exec(s);
  const phone = m ? m[1]!.replace(/[\s-]/g, '') : null;
  if (!m || !phone || !MOBILE_PHONE_PATTERN.test(phone)) return { contactPhone: null, details: text.trim().slice(0, 300) };
  const rest = (s.slice(0, m.index).trimEnd() + s.slice(m.index + m[0].length).trimStart()).replace(/^[\s,，;；。.、]+|[\s,，;；。.、]+$/g, '');
  return { contactPhone: phone, details: rest.slice(0, 300) };
}

export interface VisitRequestContext {
  channel: string;
  conversationId?: string;
  locale: string;
  now: Date;
}

/**
 * Records a home-visit request from chat for the community workers of the region: the person's managing
 * region when the person is known (and puts the person on the household-visit list, NEEDS_VISIT), else the
 * county of the ID number given (a locked verification links no person). One open request per conversation:
 * a repeated request updates it. Audited.
 */
export async function createVisitRequest(db: DbClient, input: VisitRequestInput, ctx: VisitRequestContext): Promise<{ id: string }> {
  const person = input.personId ? await db.person.findUnique({ where: { id: input.personId }, select: { id: true, regionCode: true } }) : null;
  const regionCode = person?.regionCode ?? (input.regionHint && /^\d{6}$/.test(input.regionHint) ? input.regionHint : null);
  const { contactPhone, details } = splitVisitDetails(input.details);
  const data = {
    personId: person?.id ?? null,
    regionCode,
    reason: input.reason,
    contactPhone,
    details,
    channel: ctx.channel,
    conversationId: ctx.conversationId ?? null,
    locale: ctx.locale,
  };
  const open = ctx.conversationId ? await db.visitRequest.findFirst({ where: { conversationId: ctx.conversationId, status: 'OPEN' } }) : null;
  const row = open ? await db.visitRequest.update({ where: { id: open.id }, data }) : await db.visitRequest.create({ data: { ...data, createdAt: ctx.now } });
  if (person) await requestHouseholdVisit(db, { personId: person.id, reason: input.reason, channel: ctx.channel, conversationId: ctx.conversationId, now: ctx.now });
  await recordAudit(db, {
    actorType: 'RESIDENT',
    actorId: person?.id ?? null,
    source: ctx.channel,
    action: 'visit_request.create',
    targetType: 'visit_request',
    targetId: row.id,
    at: ctx.now,
    details: { reason: input.reason, regionCode, withPhone: contactPhone !== null, updated: open !== null },
  });
  return { id: row.id };
}

export interface VisitRequestView {
  id: string;
  createdAt: string;
  reason: string;
  region: { code: string; name: string | null } | null;
  /** The person (masked) when known. */
  person: { idNumber: string; name: string; address: string | null } | null;
  /** The number the resident gave to be reached on (shown to the workers of the region: it was given for them). */
  contactPhone: string | null;
  details: string;
  channel: string;
  locale: string;
  status: 'OPEN' | 'CLOSED';
  outcome: string | null;
  outcomeNote: string | null;
  closedAt: string | null;
  closedBy: string | null;
}

type Row = Prisma.VisitRequestGetPayload<object>;

async function toViews(db: DbClient, rows: Row[]): Promise<VisitRequestView[]> {
  const personIds = rows.flatMap((r) => (r.personId ? [r.personId] : []));
  const persons = personIds.length
    ? await db.person.findMany({ where: { id: { in: personIds } }, select: { id: true, idNumber: true, name: true, residenceAddress: true, hukouAddress: true } })
    : [];
  const byId = new Map(persons.map((p) => [p.id, p]));
  const codes = [...new Set(rows.flatMap((r) => (r.regionCode ? [r.regionCode] : [])))];
  const regions = codes.length ? await db.region.findMany({ where: { code: { in: codes } }, select: { code: true, name: true } }) : [];
  const names = new Map(regions.map((r) => [r.code, r.name]));
  const staffIds = [...new Set(rows.flatMap((r) => (r.closedBy ? [r.closedBy] : [])))];
  const staff = staffIds.length ? await db.staffUser.findMany({ where: { id: { in: staffIds } }, select: { id: true, username: true } }) : [];
  const usernames = new Map(staff.map((s) => [s.id, s.username]));
  return rows.map((r) => {
    const p = r.personId ? byId.get(r.personId) : undefined;
    const address = p?.residenceAddress ?? p?.hukouAddress ?? null;
    return {
      id: r.id,
      createdAt: r.createdAt.toISOString(),
      reason: r.reason,
      region: r.regionCode ? { code: r.regionCode, name: names.get(r.regionCode) ?? null } : null,
      person: p ? { idNumber: maskIdNumberForStaff(p.idNumber), name: maskName(p.name), address: address ? maskAddress(address) : null } : null,
      contactPhone: r.contactPhone,
      details: redactSensitive(r.details),
      channel: r.channel,
      locale: r.locale,
      status: r.status,
      outcome: r.outcome,
      outcomeNote: r.outcomeNote,
      closedAt: r.closedAt?.toISOString() ?? null,
      closedBy: r.closedBy ? (usernames.get(r.closedBy) ?? null) : null,
    };
  });
}

export interface ListVisitRequestsQuery {
  status?: 'OPEN' | 'CLOSED' | 'ALL';
  limit?: number;
  /** The createdAt|id of the last row of the previous page. */
  cursor?: string;
}

/** The visit requests of the staff member's region, oldest open first; audited as visit_request.list. */
export async function listVisitRequests(
  db: DbClient,
  staff: StaffPrincipal,
  q: ListVisitRequestsQuery,
  ctx: { source: string; now: Date },
): Promise<{ requests: VisitRequestView[]; nextCursor: string | null }> {
  const limit = q.limit ?? 50;
  const status = q.status ?? 'OPEN';
  const where: Prisma.VisitRequestWhereInput = { regionCode: regionRange(staff.regionCode), ...(status === 'ALL' ? {} : { status }), ...afterCursor(q.cursor) };
  const { page, nextCursor } = pageOf(await db.visitRequest.findMany({ where, orderBy: CREATED_ORDER, take: limit + 1 }), limit);
  await recordAudit(db, {
    actorType: 'STAFF',
    actorId: staff.id,
    source: ctx.source,
    action: 'visit_request.list',
    targetType: 'region',
    targetId: staff.regionCode,
    at: ctx.now,
    details: { status, count: page.length, ids: page.map((r) => r.id) },
  });
  return { requests: await toViews(db, page), nextCursor };
}

export type VisitRequestFailure = { ok: false; code: 'NOT_FOUND' } | { ok: false; code: 'ALREADY_CLOSED' };

async function inScope(db: DbClient, staff: StaffPrincipal, id: string, ctx: { source: string; now: Date }, action: string): Promise<Row | null> {
  const row = await db.visitRequest.findUnique({ where: { id } });
  if (row && isWithinRegion(staff.regionCode, row.regionCode)) return row;
  await recordAudit(db, {
    actorType: 'STAFF',
    actorId: staff.id,
    source: ctx.source,
    action,
    targetType: 'visit_request',
    targetId: id,
    outcome: 'DENIED',
    at: ctx.now,
    details: { reason: row ? 'out_of_region' : 'not_found' },
  });
  return null;
}

/** One visit request (404 outside the staff member's region, audited); audited as visit_request.view. */
export async function getVisitRequest(
  db: DbClient,
  staff: StaffPrincipal,
  id: string,
  ctx: { source: string; now: Date },
): Promise<{ ok: true; request: VisitRequestView } | VisitRequestFailure> {
  const row = await inScope(db, staff, id, ctx, 'visit_request.view');
  if (!row) return { ok: false, code: 'NOT_FOUND' };
  await recordAudit(db, { actorType: 'STAFF', actorId: staff.id, source: ctx.source, action: 'visit_request.view', targetType: 'visit_request', targetId: id, at: ctx.now });
  const [view] = await toViews(db, [row]);
  return { ok: true, request: view! };
}

/** Closes a request with its outcome (and a note); audited as visit_request.close. */
export async function closeVisitRequest(
  db: DbClient,
  staff: StaffPrincipal,
  id: string,
  a: { outcome: VisitRequestOutcome; note?: string },
  ctx: { source: string; now: Date },
): Promise<{ ok: true; request: VisitRequestView } | VisitRequestFailure> {
  const row = await inScope(db, staff, id, ctx, 'visit_request.close');
  if (!row) return { ok: false, code: 'NOT_FOUND' };
  const n = await db.visitRequest.updateMany({
    where: { id, status: 'OPEN' },
    data: { status: 'CLOSED', outcome: a.outcome, outcomeNote: a.note ?? null, closedBy: staff.id, closedAt: ctx.now },
  });
  if (n.count !== 1) return { ok: false, code: 'ALREADY_CLOSED' };
  await recordAudit(db, {
    actorType: 'STAFF',
    actorId: staff.id,
    source: ctx.source,
    action: 'visit_request.close',
    targetType: 'visit_request',
    targetId: id,
    at: ctx.now,
    details: { outcome: a.outcome, personId: row.personId },
  });
  const closed = await db.visitRequest.findUniqueOrThrow({ where: { id } });
  const [view] = await toViews(db, [closed]);
  return { ok: true, request: view! };
}
