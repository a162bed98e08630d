import type { DbClient } from '../../db/db-client';
import type { HandoffRequest } from '../../generated/prisma/client';
import { recordAudit } from '../staff/audit.service';
import { maskIdNumberForStaff, maskName, redactSensitive } from '../codes/masking';
import { isWithinRegion } from '../codes/region-scope';
import type { StaffPrincipal } from '../staff/staff.service';
import { serviceSecondsBetween, type ServiceHours } from './service-hours';
import type { Refusal } from '../refusal';

export const HANDOFF_STATUSES = ['OPEN', 'TAKEN', 'CLOSED'] as const;
export type HandoffStatusCode = (typeof HANDOFF_STATUSES)[number];
/** How an agent closes a handoff. WITHDRAWN is recorded when the resident withdrew it (菜单, 取消, 算了 …). */
export const HANDOFF_OUTCOMES = ['ANSWERED', 'SENT_TO_TASK', 'REFERRED_12333', 'NO_RESPONSE'] as const;
export type HandoffOutcome = (typeof HANDOFF_OUTCOMES)[number] | 'WITHDRAWN';
/** Flow steps an agent can send the resident into, and the menu choice of the resident flow that starts each. */
export const HANDOFF_TASKS = { correction: 'correct', employment: 'employment', household: 'household' } as const;
export type HandoffTask = keyof typeof HANDOFF_TASKS;

/** Channel -> default region (HANDOFF_REGIONS); `*` for any other channel. */
export type ChannelRegions = Record<string, string>;

// ---------------------------------------------------------------- resident side (inside the turn's transaction)

/**
 * Hands a conversation to a human: one open request per conversation (idempotent). The region is the verified
 * person's, else the channel's default (so the right desk sees it).
 */
export async function requestHandoff(
  db: DbClient,
  a: { conversationId: string; reason: string; personId: string | null; channel: string; now: Date; regions: ChannelRegions },
): Promise<{ id: string; created: boolean; regionCode: string | null }> {
  const open = await openHandoffOf(db, a.conversationId);
  if (open) return { id: open.id, created: false, regionCode: open.regionCode };
  const person = a.personId ? await db.person.findUnique({ where: { id: a.personId }, select: { regionCode: true } }) : null;
  const regionCode = person?.regionCode ?? a.regions[a.channel] ?? a.regions['*'] ?? null;
  const row = await db.handoffRequest.create({
    data: { conversationId: a.conversationId, reason: a.reason, regionCode, channel: a.channel, personId: a.personId, createdAt: a.now },
  });
  await db.conversation.update({ where: { id: a.conversationId }, data: { handoff: 'REQUESTED' } });
  await recordAudit(db, {
    actorType: 'RESIDENT',
    actorId: a.personId,
    source: a.channel,
    action: 'handoff.request',
    targetType: 'conversation',
    targetId: a.conversationId,
    at: a.now,
    details: { reason: a.reason, handoffId: row.id },
  });
  return { id: row.id, created: true, regionCode };
}

export function openHandoffOf(db: DbClient, conversationId: string): Promise<HandoffRequest | null> {
  return db.handoffRequest.findFirst({ where: { conversationId, status: { in: ['OPEN', 'TAKEN'] } }, orderBy: { createdAt: 'desc' } });
}

/** Marks the handoff's one acknowledgement as sent; true if it had not been sent yet. */
export async function acknowledgeOnce(db: DbClient, handoffId: string, now: Date): Promise<boolean> {
  const r = await db.handoffRequest.updateMany({ where: { id: handoffId, ackedAt: null }, data: { ackedAt: now } });
  return r.count === 1;
}

/** Closes a handoff and gives the conversation back to the bot (in the caller's transaction); audited. */
export async function closeHandoff(
  db: DbClient,
  a: { handoff: HandoffRequest; outcome: HandoffOutcome; staffId: string | null; source: string; now: Date },
): Promise<HandoffRequest> {
  const row = await db.handoffRequest.update({
    where: { id: a.handoff.id },
    data: { status: 'CLOSED', outcome: a.outcome, closedAt: a.now, closedBy: a.staffId, version: { increment: 1 } },
  });
  await db.conversation.update({ where: { id: a.handoff.conversationId }, data: { handoff: 'NONE' } });
  await recordAudit(db, {
    actorType: a.staffId ? 'STAFF' : 'RESIDENT',
    actorId: a.staffId ?? a.handoff.personId,
    source: a.source,
    action: 'handoff.close',
    targetType: 'handoff',
    targetId: a.handoff.id,
    at: a.now,
    details: { outcome: a.outcome },
  });
  return row;
}

// ---------------------------------------------------------------- staff side

export interface HandoffEnv {
  db: DbClient;
  now: Date;
  hours: ServiceHours;
  escalateMinutes: number;
}

export interface HandoffPersonView {
  id: string;
  name: string;
  idNumber: string;
  registrationStatus: string;
  regionCode: string | null;
}

export interface HandoffItem {
  id: string;
  conversationId: string;
  channel: string;
  reason: string;
  status: HandoffStatusCode;
  regionCode: string | null;
  createdAt: string;
  waitingSeconds: number;
  escalated: boolean;
  version: number;
  claimedBy: string | null;
  claimedAt: string | null;
  outcome: string | null;
  locale: string;
  person?: HandoffPersonView;
}

export type HandoffFailureCode = 'NOT_FOUND' | 'VERSION_CONFLICT' | 'ALREADY_TAKEN' | 'NOT_CLAIMED_BY_YOU' | 'CLOSED' | 'NOT_VERIFIED';
export type HandoffFailure = Refusal<HandoffFailureCode> & { message: string };
const fail = (code: HandoffFailureCode, message: string): HandoffFailure => ({ ok: false, code, message });

type Row = HandoffRequest & { conversation: { channel: string; locale: string; personId: string | null } };

function escalatedOf(env: HandoffEnv, r: Pick<HandoffRequest, 'status' | 'createdAt'>): boolean {
  return r.status === 'OPEN' && serviceSecondsBetween(env.hours, r.createdAt, env.now) >= env.escalateMinutes * 60;
}

async function toItems(env: HandoffEnv, rows: Row[]): Promise<HandoffItem[]> {
  const personIds = [...new Set(rows.map((r) => r.personId).filter((x): x is string => !!x))];
  const staffIds = [...new Set(rows.map((r) => r.takenBy).filter((x): x is string => !!x))];
  const [persons, staff] = await Promise.all([
    personIds.length
      ? env.db.person.findMany({ where: { id: { in: personIds } }, select: { id: true, name: true, idNumber: true, registrationStatus: true, regionCode: true } })
      : [],
    staffIds.length ? env.db.staffUser.findMany({ where: { id: { in: staffIds } }, select: { id: true, username: true } }) : [],
  ]);
  const personById = new Map(persons.map((p) => [p.id, p]));
  const username = new Map(staff.map((s) => [s.id, s.username]));
  return rows.map((r) => {
    const p = r.personId ? personById.get(r.personId) : undefined;
    const until = r.status === 'OPEN' ? env.now : (r.claimedAt ?? r.closedAt ?? env.now);
    return {
      id: r.id,
      conversationId: r.conversationId,
      channel: r.channel ?? r.conversation.channel,
      reason: r.reason,
      status: r.status,
      regionCode: r.regionCode,
      createdAt: r.createdAt.toISOString(),
      waitingSeconds: Math.max(0, Math.floor((until.getTime() - r.createdAt.getTime()) / 1000)),
      escalated: escalatedOf(env, r),
      version: r.version,
      claimedBy: r.takenBy ? (username.get(r.takenBy) ?? r.takenBy) : null,
      claimedAt: r.claimedAt?.toISOString() ?? null,
      outcome: r.outcome,
      locale: r.conversation.locale,
      ...(p
        ? { person: { id: p.id, name: maskName(p.name), idNumber: maskIdNumberForStaff(p.idNumber), registrationStatus: p.registrationStatus, regionCode: p.regionCode } }
        : {}),
    };
  });
}

/** The rows with their conversation's channel, locale and person (no relation in the schema: one query). */
async function withConversations(db: DbClient, rows: HandoffRequest[]): Promise<Row[]> {
  const ids = [...new Set(rows.map((r) => r.conversationId))];
  const convs = ids.length ? await db.conversation.findMany({ where: { id: { in: ids } }, select: { id: true, channel: true, locale: true, personId: true } }) : [];
  const byId = new Map(convs.map((c) => [c.id, c]));
  return rows.map((r) => ({ ...r, conversation: byId.get(r.conversationId) ?? { channel: r.channel ?? '', locale: 'zh-CN', personId: null } }));
}

async function findRow(db: DbClient, id: string): Promise<Row | null> {
  const row = await db.handoffRequest.findUnique({ where: { id } });
  return row ? ((await withConversations(db, [row]))[0] ?? null) : null;
}

/** The handoff queue of the staff member's area (OPEN and TAKEN unless a status is given), oldest first; audited. */
export async function listHandoffs(
  env: HandoffEnv,
  principal: StaffPrincipal,
  status?: HandoffStatusCode,
): Promise<{ items: HandoffItem[]; escalatedCount: number }> {
  const rows = await env.db.handoffRequest.findMany({
    where: { status: status ? status : { in: ['OPEN', 'TAKEN'] } },
    orderBy: { createdAt: status === 'CLOSED' ? 'desc' : 'asc' },
    take: 500,
  });
  const scoped = await withConversations(
    env.db,
    rows.filter((r) => isWithinRegion(principal.regionCode, r.regionCode)),
  );
  const items = await toItems(env, scoped);
  await recordAudit(env.db, {
    actorType: 'STAFF',
    actorId: principal.id,
    source: 'api',
    action: 'handoff.list',
    targetType: 'handoff',
    at: env.now,
    details: { status: status ?? 'OPEN,TAKEN', count: items.length },
  });
  return { items, escalatedCount: items.filter((i) => i.escalated).length };
}

/** One handoff of the staff member's area, or NOT_FOUND (out of scope looks the same, audited DENIED). */
export async function findScopedHandoff(env: HandoffEnv, principal: StaffPrincipal, id: string, action: string): Promise<Row | HandoffFailure> {
  const row = await findRow(env.db, id);
  if (!row || !isWithinRegion(principal.regionCode, row.regionCode)) {
    await recordAudit(env.db, {
      actorType: 'STAFF',
      actorId: principal.id,
      source: 'api',
      action,
      targetType: 'handoff',
      targetId: id,
      outcome: 'DENIED',
      at: env.now,
      details: { reason: row ? 'out_of_scope' : 'not_found' },
    });
    return fail('NOT_FOUND', 'No such handoff in your area.');
  }
  return row;
}

export interface HandoffDetail extends HandoffItem {
  transcript: { id: string; direction: 'in' | 'out'; author: 'resident' | 'bot' | 'staff'; text: string; at: string }[];
  openRequests: { reference: string; kind: string; fields: string[]; status: string; createdAt: string }[];
}

/** A handoff with its transcript (redacted), the masked person and their open requests; audited handoff.view. */
export async function getHandoff(env: HandoffEnv, principal: StaffPrincipal, id: string): Promise<{ ok: true; detail: HandoffDetail } | HandoffFailure> {
  const row = await findScopedHandoff(env, principal, id, 'handoff.view');
  if ('ok' in row) return row;
  const [item] = await toItems(env, [row]);
  const [messages, requests] = await Promise.all([
    env.db.message.findMany({ where: { conversationId: row.conversationId }, orderBy: { seq: 'desc' }, take: 200 }),
    row.personId
      ? env.db.changeRequest.findMany({
          where: { personId: row.personId, status: { in: ['PENDING', 'NEEDS_INFO'] } },
          select: { reference: true, kind: true, fields: true, status: true, createdAt: true },
          orderBy: { createdAt: 'asc' },
        })
      : [],
  ]);
  await recordAudit(env.db, {
    actorType: 'STAFF',
    actorId: principal.id,
    source: 'api',
    action: 'handoff.view',
    targetType: 'handoff',
    targetId: id,
    at: env.now,
    details: { personId: row.personId },
  });
  return {
    ok: true,
    detail: {
      ...item!,
      transcript: messages.reverse().map((m) => ({
        id: m.seq.toString(),
        direction: m.direction === 'IN' ? 'in' : 'out',
        author: m.direction === 'IN' ? 'resident' : m.staffId ? 'staff' : 'bot',
        text: redactSensitive(m.text),
        at: m.createdAt.toISOString(),
      })),
      openRequests: requests.map((r) => ({ reference: r.reference, kind: r.kind, fields: [...r.fields], status: r.status, createdAt: r.createdAt.toISOString() })),
    },
  };
}

/** Takes an OPEN handoff at the version the agent saw: one agent wins, the others get ALREADY_TAKEN / VERSION_CONFLICT. */
export async function claimHandoff(
  env: HandoffEnv,
  principal: StaffPrincipal,
  id: string,
  version: number,
): Promise<{ ok: true; item: HandoffItem } | HandoffFailure> {
  const row = await findScopedHandoff(env, principal, id, 'handoff.claim');
  if ('ok' in row) return row;
  const r = await env.db.handoffRequest.updateMany({
    where: { id, status: 'OPEN', version },
    data: { status: 'TAKEN', takenBy: principal.id, claimedAt: env.now, version: { increment: 1 } },
  });
  if (r.count !== 1) {
    const now = await env.db.handoffRequest.findUnique({ where: { id }, select: { status: true, takenBy: true } });
    await recordAudit(env.db, { actorType: 'STAFF', actorId: principal.id, source: 'api', action: 'handoff.claim', targetType: 'handoff', targetId: id, outcome: 'FAILED', at: env.now, details: { version } });
    if (now?.status === 'TAKEN') return fail('ALREADY_TAKEN', 'Another agent has taken this conversation.');
    if (now?.status === 'CLOSED') return fail('CLOSED', 'This handoff is closed.');
    return fail('VERSION_CONFLICT', 'The handoff changed since you loaded it; reload and try again.');
  }
  await env.db.conversation.update({ where: { id: row.conversationId }, data: { handoff: 'ACTIVE' } });
  await recordAudit(env.db, { actorType: 'STAFF', actorId: principal.id, source: 'api', action: 'handoff.claim', targetType: 'handoff', targetId: id, at: env.now, details: { personId: row.personId } });
  const fresh = await findRow(env.db, id);
  const [item] = await toItems(env, [fresh!]);
  return { ok: true, item: item! };
}

/** The handoff, if the principal holds it (TAKEN by them). */
export async function heldHandoff(env: HandoffEnv, principal: StaffPrincipal, id: string, action: string): Promise<Row | HandoffFailure> {
  const row = await findScopedHandoff(env, principal, id, action);
  if ('ok' in row) return row;
  if (row.status === 'CLOSED') return fail('CLOSED', 'This handoff is closed.');
  if (row.status !== 'TAKEN' || row.takenBy !== principal.id) return fail('NOT_CLAIMED_BY_YOU', 'Claim the conversation first; only the agent who has it can answer.');
  return row;
}
