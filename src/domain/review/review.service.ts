import type { i18n } from 'i18next';
import type { DbClient } from '../../db/db-client';
import type { ChangeRequest, ChangeRequestKind, ChangeRequestStatus, Person, Prisma, PrismaClient } from '../../generated/prisma/client';
import type { Clock } from '../../lib/clock';
import { recordAudit } from '../staff/audit.service';
import { parseIdNumber } from '../codes/id-number';
import { maskIdNumberForStaff, maskName, redactSensitive } from '../codes/masking';
import { queueResidentNotification, type NotificationPart } from '../notification/notification.service';
import { isWithinRegion, prefectureOf, regionRange } from '../codes/region-scope';
import {
  type FieldValue,
  hasSeverity,
  isLowRiskKind,
  isReviewField,
  needsFourEyes,
  REVIEW_FIELDS,
  type ReviewCheck,
  runChecks,
  sameValue,
  valuesOf,
} from './review-checks';
import { applyPersonChange, isPersonField, type PersonChanges } from '../registry/person-change';
import { can, type Permission, type StaffPrincipal } from '../staff/staff.service';
import { reviewDueAt, workingDaysBetween } from '../calendar/working-days';

// ---------------------------------------------------------------- environment, results

/** What the review service needs: the client (decisions run in their own transactions), time, texts. */
export interface ReviewEnv {
  db: PrismaClient;
  clock: Clock;
  /** For resident notifications, rendered in the conversation's language. */
  i18n: i18n;
  /** Extra non-working days (config HOLIDAYS) for ages and new due dates. */
  holidays: readonly string[];
  /** Wakes the outbox dispatcher after a decision queued a notification. */
  onOutbox?: () => void;
}

/** Who acts and through what (api, console). */
export interface ReviewActor {
  principal: StaffPrincipal;
  source: string;
}

export const CHANGE_REQUEST_STATUSES = ['PENDING', 'NEEDS_INFO', 'APPROVED', 'REJECTED'] as const satisfies readonly ChangeRequestStatus[];
export const CHANGE_REQUEST_KINDS = ['FIELD_CHANGE', 'NEW_PERSON'] as const satisfies readonly ChangeRequestKind[];
export const OPEN_STATUSES: readonly ChangeRequestStatus[] = ['PENDING', 'NEEDS_INFO'];

export type ReviewFailureCode =
  | 'NOT_FOUND'
  | 'FORBIDDEN'
  | 'OUT_OF_SCOPE'
  | 'BAD_CURSOR'
  | 'VERSION_CONFLICT'
  | 'INVALID_STATE'
  | 'CLAIMED_BY_OTHER'
  | 'NOT_CLAIMED_BY_YOU'
  | 'SELF_SUBMITTED'
  | 'SAME_REVIEWER'
  | 'CHECKS_FAILED'
  | 'FORCE_REQUIRED'
  | 'NOT_LOW_RISK'
  | 'NEEDS_INDIVIDUAL_REVIEW';

export interface ReviewFailure {
  ok: false;
  code: ReviewFailureCode;
  message: string;
  details?: Record<string, unknown>;
}

const fail = (code: ReviewFailureCode, message: string, details?: Record<string, unknown>): ReviewFailure => ({
  ok: false,
  code,
  message,
  ...(details ? { details } : {}),
});

/** Audit outcome of a refusal: DENIED for who-may-do-what, FAILED for everything else. */
const DENIED_CODES: readonly ReviewFailureCode[] = ['NOT_FOUND', 'FORBIDDEN', 'OUT_OF_SCOPE', 'SELF_SUBMITTED', 'SAME_REVIEWER'];

// ---------------------------------------------------------------- views

export interface RegionRef {
  code: string;
  name: string | null;
}

/** One row of the queue: every personal value masked for staff (ID 6 + 4, name first character). */
export interface ReviewItem {
  id: string;
  reference: string;
  kind: ChangeRequestKind;
  status: ChangeRequestStatus;
  fields: string[];
  /** The version a decision must carry (If-Match). */
  version: number;
  subject: { name: string | null; idNumber: string | null };
  region: RegionRef | null;
  channel: string;
  createdAt: string;
  dueAt: string;
  /** Hours since submission. */
  ageHours: number;
  /** Working days since submission (the submission day not counted). */
  ageWorkingDays: number;
  /** PENDING and past its due time. */
  overdue: boolean;
  claimedBy: string | null;
  claimedAt: string | null;
  /** Username of the first of two reviewers (four eyes). */
  firstApprovalBy: string | null;
  needsFourEyes: boolean;
  /** Eligible for batch approval by kind and fields (its checks must be clean too). */
  lowRisk: boolean;
  submittedByStaff: string | null;
  decidedBy: string | null;
  decidedAt: string | null;
}

export interface DiffRow {
  field: string;
  /** On record when the resident submitted (frozen). */
  atSubmission: string | null;
  /** On record now. */
  onRecord: string | null;
  proposed: string | null;
  /** The record changed since submission (a conflict: approval needs force). */
  changedSinceSubmission: boolean;
}

export interface HistoryEntry {
  id: string;
  at: string;
  action: string;
  outcome: string;
  actorType: string;
  actorUsername: string | null;
  source: string;
  details: unknown;
}

export interface TranscriptLine {
  direction: 'in' | 'out';
  text: string;
  at: string;
}

export interface ReviewActions {
  claim: boolean;
  release: boolean;
  approve: boolean;
  reject: boolean;
  ask: boolean;
  answer: boolean;
  /** Approval needs force: true (the record changed since submission). */
  needsForce: boolean;
}

export interface ReviewDetail extends ReviewItem {
  revealed: boolean;
  person: { id: string; idNumber: string; name: string; registrationStatus: string; region: RegionRef | null } | null;
  householdId: string | null;
  diff: DiffRow[];
  evidence: string | null;
  question: string | null;
  answer: string | null;
  decisionReason: string | null;
  checks: ReviewCheck[];
  /** The last messages of the resident's conversation (ID numbers and phones masked). */
  conversation: { channel: string; messages: TranscriptLine[] } | null;
  history: HistoryEntry[];
  actions: ReviewActions;
}

// ---------------------------------------------------------------- helpers

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);
const HOUR_MS = 3_600_000;

type RequestWithPerson = ChangeRequest & { person: Pick<Person, 'idNumber' | 'name'> | null };

async function usernames(db: DbClient, ids: (string | null | undefined)[]): Promise<Map<string, string>> {
  const wanted = [...new Set(ids.filter((i): i is string => !!i && /^[0-9a-f-]{36}$/i.test(i)))];
  if (!wanted.length) return new Map();
  const rows = await db.staffUser.findMany({ where: { id: { in: wanted } }, select: { id: true, username: true } });
  return new Map(rows.map((r) => [r.id, r.username]));
}

async function regionNames(db: DbClient, codes: (string | null | undefined)[]): Promise<Map<string, string>> {
  const wanted = [...new Set(codes.filter((c): c is string => !!c))];
  if (!wanted.length) return new Map();
  const rows = await db.region.findMany({ where: { code: { in: wanted } }, select: { code: true, name: true } });
  return new Map(rows.map((r) => [r.code, r.name]));
}

function redactDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactSensitive(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v, depth + 1)]));
}

/** The subject of a request, masked: the person on record, or the reported new person. */
function subjectOf(r: RequestWithPerson): { name: string | null; idNumber: string | null } {
  // A NEW_PERSON request's person is the reporter until approval (then the created person): its subject is
  // always the reported person.
  if (r.person && r.kind === 'FIELD_CHANGE') return { name: maskName(r.person.name), idNumber: maskIdNumberForStaff(r.person.idNumber) };
  const proposed = valuesOf(r.proposedValues);
  const id = proposed.idNumber ?? r.subjectKey;
  return { name: proposed.name ? maskName(proposed.name) : null, idNumber: id ? maskIdNumberForStaff(id) : null };
}

const isOverdue = (r: Pick<ChangeRequest, 'status' | 'dueAt'>, now: Date) => r.status === 'PENDING' && r.dueAt < now;

async function toItems(env: ReviewEnv, db: DbClient, rows: ChangeRequest[]): Promise<ReviewItem[]> {
  const now = env.clock.now();
  const personIds = [...new Set(rows.map((r) => r.personId).filter((id): id is string => !!id))];
  const [names, regions, persons] = await Promise.all([
    usernames(db, rows.flatMap((r) => [r.claimedBy, r.firstApprovalBy, r.submittedByStaff, r.decidedBy])),
    regionNames(db, rows.map((r) => r.regionCode)),
    personIds.length ? db.person.findMany({ where: { id: { in: personIds } }, select: { id: true, idNumber: true, name: true } }) : [],
  ]);
  const personById = new Map(persons.map((p) => [p.id, p]));
  const user = (id: string | null) => (id ? (names.get(id) ?? id) : null);
  return rows.map((r) => ({
    id: r.id,
    reference: r.reference,
    kind: r.kind,
    status: r.status,
    fields: [...r.fields],
    version: r.version,
    subject: subjectOf({ ...r, person: r.personId ? (personById.get(r.personId) ?? null) : null }),
    region: r.regionCode ? { code: r.regionCode, name: regions.get(r.regionCode) ?? null } : null,
    channel: r.channel,
    createdAt: r.createdAt.toISOString(),
    dueAt: r.dueAt.toISOString(),
    ageHours: Math.max(0, Math.floor((now.getTime() - r.createdAt.getTime()) / HOUR_MS)),
    ageWorkingDays: workingDaysBetween(r.createdAt, now, env.holidays),
    overdue: isOverdue(r, now),
    claimedBy: user(r.claimedBy),
    claimedAt: iso(r.claimedAt),
    firstApprovalBy: user(r.firstApprovalBy),
    needsFourEyes: needsFourEyes(r),
    lowRisk: isLowRiskKind(r),
    submittedByStaff: user(r.submittedByStaff),
    decidedBy: user(r.decidedBy),
    decidedAt: iso(r.decidedAt),
  }));
}

async function audit(
  db: DbClient,
  actor: ReviewActor,
  action: string,
  targetId: string | undefined,
  at: Date,
  details: Prisma.InputJsonValue,
  outcome: 'OK' | 'DENIED' | 'FAILED' = 'OK',
  targetType = 'change_request',
): Promise<void> {
  await recordAudit(db, { actorType: 'STAFF', actorId: actor.principal.id, source: actor.source, action, targetType, targetId, outcome, details, at });
}

async function auditFailure(env: ReviewEnv, actor: ReviewActor, action: string, id: string | undefined, f: ReviewFailure): Promise<void> {
  await audit(
    env.db,
    actor,
    action,
    id,
    env.clock.now(),
    { code: f.code, ...(f.code === 'OUT_OF_SCOPE' || f.code === 'NOT_FOUND' ? { staffRegion: actor.principal.regionCode } : {}), ...(f.details ? { details: redactDeep(f.details) as Prisma.InputJsonValue } : {}) },
    DENIED_CODES.includes(f.code) ? 'DENIED' : 'FAILED',
  );
}

/** Permission check with an audited refusal. */
async function permitted(env: ReviewEnv, actor: ReviewActor, permission: Permission, action: string, id?: string): Promise<ReviewFailure | null> {
  if (can(actor.principal, permission)) return null;
  const f = fail('FORBIDDEN', `Your role may not do this (${permission}).`, { permission });
  await auditFailure(env, actor, action, id, f);
  return f;
}

// ---------------------------------------------------------------- the queue

export interface ListFilters {
  /** Default: the open statuses (PENDING, NEEDS_INFO). */
  status?: ChangeRequestStatus[];
  kind?: ChangeRequestKind;
  /** A region code within the caller's scope (a wider one is narrowed to the scope). */
  region?: string;
  /** Only PENDING requests past their due time. */
  overdue?: boolean;
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
      ...(q ? { q: redactSensitive(parseIdNumber(q, { today: now }).ok ? maskIdNumberForStaff(q) : q) } : {}),
    },
    returned: page.length,
  }, 'OK', 'review_queue')]);
  return { ok: true, items, nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
}

// ---------------------------------------------------------------- one request

async function findInScope(
  env: ReviewEnv,
  db: DbClient,
  actor: ReviewActor,
  id: string,
  action: string,
): Promise<{ ok: true; request: ChangeRequest } | ReviewFailure> {
  const r = await db.changeRequest.findUnique({ where: { id } });
  if (!r || !isWithinRegion(actor.principal.regionCode, r.regionCode)) {
    const f = fail('NOT_FOUND', 'No such change request in your area.');
    // A missing request and one outside the caller's area look the same to the caller, not to the audit.
    await audit(db, actor, action, r ? id : undefined, env.clock.now(), { code: 'NOT_FOUND', reason: r ? 'out_of_scope' : 'missing', staffRegion: actor.principal.regionCode, ...(r ? { requestRegion: r.regionCode } : { requestId: id }) }, r ? 'DENIED' : 'FAILED');
    return f;
  }
  return { ok: true, request: r };
}

function diffOf(r: ChangeRequest, person: Person | null, reveal: boolean): DiffRow[] {
  const frozen = valuesOf(r.currentValues);
  const proposed = valuesOf(r.proposedValues);
  const fields = r.kind === 'NEW_PERSON' ? [...new Set([...r.fields, ...Object.keys(proposed)])] : r.fields;
  return fields.map((field) => {
    const spec = isReviewField(field) ? REVIEW_FIELDS[field] : null;
    const show = (v: FieldValue | undefined): string | null => (v === null || v === undefined ? null : reveal || !spec ? v : spec.mask(v));
    const onRecord = person && r.kind === 'FIELD_CHANGE' && spec?.writable ? spec.read(person) : null;
    return {
      field,
      atSubmission: show(frozen[field]),
      onRecord: show(onRecord),
      proposed: show(proposed[field]),
      changedSinceSubmission: r.kind === 'FIELD_CHANGE' && !!person && field in frozen && !sameValue(onRecord, frozen[field]),
    };
  });
}

function actionsFor(principal: StaffPrincipal, r: ChangeRequest, checks: ReviewCheck[]): ReviewActions {
  const open = OPEN_STATUSES.includes(r.status);
  const decide = can(principal, 'review.decide');
  const otherClaim = !!r.claimedBy && r.claimedBy !== principal.id;
  const free = decide && open && !otherClaim;
  return {
    claim: decide && open && !r.claimedBy,
    release: open && !!r.claimedBy && (r.claimedBy === principal.id || principal.role === 'ADMIN'),
    approve: free && !hasSeverity(checks, 'error'),
    reject: free,
    ask: free,
    answer: r.status === 'NEEDS_INFO' && can(principal, 'review.view'),
    needsForce: hasSeverity(checks, 'conflict'),
  };
}

export interface DetailOptions {
  /** Show the values unmasked (needs person.reveal; audited as review.reveal). */
  reveal?: boolean;
  /** Transcript lines to include (default 10). */
  excerpt?: number;
}

/**
 * One request for a reviewer: the values side by side (on record at submission, on record now, proposed),
 * the automatic checks, the evidence, the end of the resident's conversation and the request's history.
 * Outside the caller's area it is NOT_FOUND (audited DENIED). Audited as review.view.
 */
export async function getRequest(env: ReviewEnv, actor: ReviewActor, id: string, opts: DetailOptions = {}): Promise<{ ok: true; detail: ReviewDetail } | ReviewFailure> {
  const db = env.db;
  const denied = await permitted(env, actor, 'review.view', 'review.view', id);
  if (denied) return denied;
  const reveal = opts.reveal === true;
  if (reveal) {
    const noReveal = await permitted(env, actor, 'person.reveal', 'review.reveal', id);
    if (noReveal) return noReveal;
  }
  const found = await findInScope(env, db, actor, id, reveal ? 'review.reveal' : 'review.view');
  if (!found.ok) return found;
  const r = found.request;
  const now = env.clock.now();
  // For NEW_PERSON the linked person is the reporter until approval, the created person after it.
  const ownPerson = r.kind === 'FIELD_CHANGE' || r.status === 'APPROVED';
  const person = r.personId && ownPerson ? await db.person.findUnique({ where: { id: r.personId } }) : null;
  const checks = await runChecks(db, r, person, { principal: actor.principal, now });
  const [item] = await toItems(env, db, [r]);
  if (!item) throw new Error('unreachable');

  let conversation: ReviewDetail['conversation'] = null;
  if (r.conversationId) {
    const conv = await db.conversation.findUnique({ where: { id: r.conversationId }, select: { channel: true } });
    const msgs = await db.message.findMany({
      where: { conversationId: r.conversationId },
      orderBy: { seq: 'desc' },
      take: Math.min(Math.max(opts.excerpt ?? 10, 1), 50),
      select: { direction: true, text: true, createdAt: true },
    });
    if (conv) {
      conversation = {
        channel: conv.channel,
        messages: msgs.reverse().map((m) => ({ direction: m.direction === 'IN' ? 'in' : 'out', text: redactSensitive(m.text), at: m.createdAt.toISOString() })),
      };
    }
  }

  const events = await db.auditEvent.findMany({
    where: { targetType: 'change_request', targetId: r.id },
    orderBy: { id: 'asc' },
    take: 200,
  });
  const names = await usernames(db, events.map((e) => e.actorId));
  const regions = person?.regionCode ? await regionNames(db, [person.regionCode]) : new Map<string, string>();

  await audit(db, actor, reveal ? 'review.reveal' : 'review.view', r.id, now, { reference: r.reference, revealed: reveal });
  if (reveal && person) {
    await audit(db, actor, 'person.reveal', person.id, now, { via: 'change_request', requestId: r.id }, 'OK', 'person');
  }

  const detail: ReviewDetail = {
    ...item,
    revealed: reveal,
    person: person
      ? {
          id: person.id,
          idNumber: reveal ? person.idNumber : maskIdNumberForStaff(person.idNumber),
          name: reveal ? person.name : maskName(person.name),
          registrationStatus: person.registrationStatus,
          region: person.regionCode ? { code: person.regionCode, name: regions.get(person.regionCode) ?? null } : null,
        }
      : null,
    householdId: r.householdId,
    diff: diffOf(r, person, reveal),
    evidence: r.evidence === null ? null : reveal ? r.evidence : redactSensitive(r.evidence),
    question: r.question,
    answer: r.answer === null ? null : redactSensitive(r.answer),
    decisionReason: r.decisionReason,
    checks,
    conversation,
    history: events.map((e) => ({
      id: e.id.toString(),
      at: e.at.toISOString(),
      action: e.action,
      outcome: e.outcome,
      actorType: e.actorType,
      actorUsername: e.actorId ? (names.get(e.actorId) ?? null) : null,
      source: e.source,
      details: redactDeep(e.details ?? null),
    })),
    actions: actionsFor(actor.principal, r, checks),
  };
  return { ok: true, detail };
}

// ---------------------------------------------------------------- decisions

/** A failure raised inside a decision's transaction: rolls it back, then is audited and returned. */
class Refusal extends Error {
  constructor(readonly failure: ReviewFailure) {
    super(failure.message);
  }
}

interface MutationOptions {
  /** The version the caller saw; required for decisions, optional for claim and release. */
  version?: number;
  permission: Permission;
  /** Statuses the request must be in. */
  from: readonly ChangeRequestStatus[];
  /** Refuse when another reviewer holds the claim (default true). */
  respectClaim?: boolean;
}

export interface MutationResult<T> {
  ok: true;
  request: ReviewItem;
  result: T;
}

/**
 * The skeleton of every change to a request: permission, row lock, scope (NOT_FOUND), version
 * (VERSION_CONFLICT), status and claim; then `body` runs in the same transaction. A refusal rolls everything
 * back and is audited on its own (DENIED or FAILED) with the action's name.
 */
async function mutate<T>(
  env: ReviewEnv,
  actor: ReviewActor,
  id: string,
  action: string,
  opts: MutationOptions,
  body: (tx: Prisma.TransactionClient, r: ChangeRequest, now: Date) => Promise<T>,
): Promise<MutationResult<T> | ReviewFailure> {
  const denied = await permitted(env, actor, opts.permission, action, id);
  if (denied) return denied;
  try {
    const result = await env.db.$transaction(
      async (tx) => {
        await tx.$queryRaw`SELECT id FROM change_request WHERE id = ${id}::uuid FOR UPDATE`;
        const r = await tx.changeRequest.findUnique({ where: { id } });
        if (!r || !isWithinRegion(actor.principal.regionCode, r.regionCode)) {
          throw new Refusal(fail('NOT_FOUND', 'No such change request in your area.', r ? { reason: 'out_of_scope', requestRegion: r.regionCode } : { reason: 'missing' }));
        }
        if (opts.version !== undefined && opts.version !== r.version) {
          throw new Refusal(
            fail('VERSION_CONFLICT', 'The request changed since you loaded it; reload and decide again.', { expected: opts.version, current: r.version }),
          );
        }
        if (!opts.from.includes(r.status)) {
          throw new Refusal(fail('INVALID_STATE', `The request is ${r.status.toLowerCase()}; this is not possible now.`, { status: r.status }));
        }
        if ((opts.respectClaim ?? true) && r.claimedBy && r.claimedBy !== actor.principal.id) {
          const names = await usernames(tx, [r.claimedBy]);
          throw new Refusal(fail('CLAIMED_BY_OTHER', 'Another reviewer is working on this request.', { claimedBy: names.get(r.claimedBy) ?? r.claimedBy }));
        }
        return body(tx, r, env.clock.now());
      },
      { timeout: 20_000, maxWait: 20_000 },
    );
    env.onOutbox?.();
    const row = await env.db.changeRequest.findUniqueOrThrow({ where: { id } });
    const [item] = await toItems(env, env.db, [row]);
    if (!item) throw new Error('unreachable');
    return { ok: true, request: item, result };
  } catch (e) {
    if (!(e instanceof Refusal)) throw e;
    const f = e.failure;
    await auditFailure(env, actor, action, f.code === 'NOT_FOUND' && f.details?.reason === 'missing' ? undefined : id, f);
    // The caller learns nothing about requests outside their area.
    return f.code === 'NOT_FOUND' ? fail('NOT_FOUND', f.message) : f;
  }
}

/** Bumps the version and writes `data`, in the decision's transaction. */
async function save(tx: Prisma.TransactionClient, r: ChangeRequest, data: Prisma.ChangeRequestUncheckedUpdateManyInput): Promise<void> {
  const n = await tx.changeRequest.updateMany({ where: { id: r.id, version: r.version }, data: { ...data, version: { increment: 1 } } });
  if (n.count !== 1) throw new Refusal(fail('VERSION_CONFLICT', 'The request changed while deciding; reload.', { expected: r.version }));
}

/** Takes a request to work on it (others cannot decide it until released). */
export function claimRequest(env: ReviewEnv, actor: ReviewActor, id: string, version?: number) {
  return mutate(env, actor, id, 'review.claim', { version, permission: 'review.decide', from: OPEN_STATUSES }, async (tx, r, now) => {
    if (r.claimedBy === actor.principal.id) return { alreadyClaimed: true };
    await save(tx, r, { claimedBy: actor.principal.id, claimedAt: now });
    await audit(tx, actor, 'review.claim', r.id, now, { reference: r.reference });
    return { alreadyClaimed: false };
  });
}

/** Gives a claimed request back to the queue (its claimer, or an admin). */
export function releaseRequest(env: ReviewEnv, actor: ReviewActor, id: string, version?: number) {
  return mutate(env, actor, id, 'review.release', { version, permission: 'review.decide', from: OPEN_STATUSES, respectClaim: false }, async (tx, r, now) => {
    if (!r.claimedBy) return { wasClaimed: false };
    if (r.claimedBy !== actor.principal.id && actor.principal.role !== 'ADMIN') {
      throw new Refusal(fail('NOT_CLAIMED_BY_YOU', 'Only the reviewer who claimed the request (or an admin) can release it.'));
    }
    await save(tx, r, { claimedBy: null, claimedAt: null });
    await audit(tx, actor, 'review.release', r.id, now, { reference: r.reference, claimedBy: r.claimedBy });
    return { wasClaimed: true };
  });
}

/**
 * What approving a field change writes (pure): the person fields with their checked new values, and the
 * request's fields with the value on record and the approved one for the audit. Fields that are not part of
 * the person record (a relationship) or whose proposed value no longer parses are left out.
 */
export function planApproval(r: Pick<ChangeRequest, 'fields' | 'proposedValues'>, person: Person, today: Date): { changes: PersonChanges; audit: { field: string; old: FieldValue; new: FieldValue }[] } {
  const proposed = valuesOf(r.proposedValues);
  const changes: PersonChanges = {};
  const audit: { field: string; old: FieldValue; new: FieldValue }[] = [];
  for (const field of r.fields) {
    if (!isReviewField(field) || !REVIEW_FIELDS[field].writable || !isPersonField(field)) continue;
    const parsed = REVIEW_FIELDS[field].parse(proposed[field] ?? null, today);
    if (!parsed.ok) continue;
    changes[field] = parsed.value;
    audit.push({ field, old: REVIEW_FIELDS[field].read(person), new: parsed.value });
  }
  return { changes, audit };
}

async function notify(env: ReviewEnv, tx: Prisma.TransactionClient, r: ChangeRequest, personId: string | null, parts: NotificationPart[], now: Date) {
  const n = await queueResidentNotification(tx, env.i18n, { conversationId: r.conversationId, personId, parts, now });
  return n.queued ? { queued: true, messageSeq: n.messageSeq, locale: n.locale } : { queued: false, reason: n.reason };
}

/** A unique-key race (the ID number was taken meanwhile) becomes a refusal instead of a 500. */
async function uniqueOrRefuse<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (e) {
    if ((e as { code?: string }).code === 'P2002') throw new Refusal(fail('CHECKS_FAILED', 'The ID number is already on record.', { checks: [{ code: 'PERSON_EXISTS', severity: 'error' }] }));
    throw e;
  }
}

/** Whom to tell about a request without a conversation: the person concerned, or who reported a new person. */
function residentOf(r: ChangeRequest): string | null {
  if (r.kind === 'FIELD_CHANGE') return r.personId;
  const reportedBy = valuesOf(r.currentValues).reportedBy;
  return reportedBy && /^[0-9a-f-]{36}$/i.test(reportedBy) ? reportedBy : r.personId;
}

const fieldsParam = (r: ChangeRequest) => ({ keys: r.fields.filter(isReviewField).map((f) => `review.field.${f}`) });

/** After a decision: CONFIRMED when no other open request for the person remains. */
async function settleRegistration(tx: Prisma.TransactionClient, actor: ReviewActor, r: ChangeRequest, personId: string, now: Date, outcome: 'approved' | 'rejected') {
  const open = await tx.changeRequest.count({ where: { personId, id: { not: r.id }, status: { in: [...OPEN_STATUSES] } } });
  const p = await tx.person.findUniqueOrThrow({ where: { id: personId }, select: { registrationStatus: true, confirmedAt: true } });
  if (open > 0) return p.registrationStatus;
  let to: Person['registrationStatus'] = 'CONFIRMED';
  if (outcome === 'rejected') {
    if (p.registrationStatus !== 'PENDING_REVIEW') return p.registrationStatus;
    // A rejected correction leaves the record as it was: confirmed if it had been, else still to confirm.
    to = p.confirmedAt ? 'CONFIRMED' : 'UNREGISTERED';
  }
  await tx.person.update({
    where: { id: personId },
    data: { registrationStatus: to, ...(outcome === 'approved' ? { confirmedAt: now, confirmedChannel: 'review' } : {}), version: { increment: 1 }, updatedAt: now },
  });
  await audit(tx, actor, outcome === 'approved' ? 'registration.confirm' : 'registration.status', personId, now, { from: p.registrationStatus, to, requestId: r.id, reference: r.reference }, 'OK', 'person');
  return to;
}

export interface ApproveOptions {
  version: number;
  /** Approve although the record changed since submission (conflict check). */
  force?: boolean;
  /** Batch approval: only low-risk kinds with clean checks. */
  batch?: boolean;
}

export type ApproveResult =
  | { outcome: 'FIRST_APPROVAL' }
  | { outcome: 'APPROVED'; personId: string; registrationStatus: string; notification: { queued: boolean } };

/**
 * Approves a request. Refused: errors among the checks (CHECKS_FAILED), a record changed since submission
 * without force (FORCE_REQUIRED), a request the reviewer submitted (SELF_SUBMITTED), the second approval of a
 * four-eyes change by its first approver (SAME_REVIEWER). A change of ID number or name records the first
 * approval and waits for a second reviewer. Applying writes the person (or creates the reported new person)
 * with audit events (old and new values, the request), sets the registration status and queues the
 * resident's notification, in one transaction.
 */
export function approveRequest(env: ReviewEnv, actor: ReviewActor, id: string, opts: ApproveOptions) {
  const action = opts.batch ? 'review.batch_approve' : 'review.approve';
  return mutate(env, actor, id, action, { version: opts.version, permission: 'review.decide', from: OPEN_STATUSES }, async (tx, r, now): Promise<ApproveResult> => {
    if (opts.batch && !isLowRiskKind(r)) {
      throw new Refusal(fail('NOT_LOW_RISK', 'Only low-risk changes (addresses) can be approved in a batch.', { kind: r.kind, fields: r.fields }));
    }
    const person = r.personId ? await tx.person.findUnique({ where: { id: r.personId } }) : null;
    if (person) await tx.$queryRaw`SELECT id FROM person WHERE id = ${person.id}::uuid FOR UPDATE`;
    const checks = await runChecks(tx, r, person, { principal: actor.principal, now });
    const codes = checks.map((c) => c.code);
    if (codes.includes('SUBMITTED_BY_YOU')) throw new Refusal(fail('SELF_SUBMITTED', 'You submitted this request on the resident’s behalf; another reviewer must decide it.'));
    if (codes.includes('FIRST_APPROVAL_BY_YOU')) throw new Refusal(fail('SAME_REVIEWER', 'You gave the first approval; a second, different reviewer must approve it.'));
    if (hasSeverity(checks, 'error')) throw new Refusal(fail('CHECKS_FAILED', 'The automatic checks found errors.', { checks: checks.filter((c) => c.severity === 'error') }));
    if (opts.batch && (hasSeverity(checks, 'conflict') || hasSeverity(checks, 'warning'))) {
      throw new Refusal(fail('NEEDS_INDIVIDUAL_REVIEW', 'The checks found something to look at; decide this one on its own.', { checks: checks.filter((c) => c.severity !== 'info') }));
    }
    const conflicts = checks.filter((c) => c.severity === 'conflict');
    if (conflicts.length && !opts.force) {
      throw new Refusal(fail('FORCE_REQUIRED', 'The record changed since the resident submitted; look again and approve with force.', { checks: conflicts }));
    }

    if (needsFourEyes(r) && !r.firstApprovalBy) {
      await save(tx, r, { firstApprovalBy: actor.principal.id, claimedBy: null, claimedAt: null });
      await audit(tx, actor, 'review.first_approval', r.id, now, { reference: r.reference, fields: r.fields, forced: conflicts.length > 0 });
      return { outcome: 'FIRST_APPROVAL' };
    }

    let personId: string;
    if (r.kind === 'NEW_PERSON') {
      const proposed = valuesOf(r.proposedValues);
      const parsed = parseIdNumber(proposed.idNumber ?? '', { today: now });
      if (!parsed.ok) throw new Refusal(fail('CHECKS_FAILED', 'The ID number is not valid.'));
      const household = r.householdId ? await tx.household.findUnique({ where: { id: r.householdId }, select: { regionCode: true } }) : null;
      const region = household?.regionCode ?? r.regionCode;
      const created = await uniqueOrRefuse(() => tx.person.create({
        data: {
          idNumber: parsed.idNumber,
          name: (proposed.name ?? '').trim(),
          sex: parsed.sex,
          birthDate: new Date(`${parsed.birthDate}T00:00:00Z`),
          householdId: r.householdId,
          hukouRegion: household?.regionCode ?? null,
          regionCode: region,
          registrationStatus: 'UNREGISTERED',
          createdAt: now,
          updatedAt: now,
        },
        select: { id: true },
      }));
      personId = created.id;
      await audit(tx, actor, 'person.create', personId, now, {
        requestId: r.id,
        reference: r.reference,
        values: { idNumber: parsed.idNumber, name: (proposed.name ?? '').trim(), sex: parsed.sex, birthDate: parsed.birthDate, householdId: r.householdId, relationship: proposed.relationship ?? null },
      }, 'OK', 'person');
    } else {
      if (!person) throw new Refusal(fail('CHECKS_FAILED', 'The person is no longer on record.'));
      personId = person.id;
      const plan = planApproval(r, person, now);
      await uniqueOrRefuse(() =>
        applyPersonChange(tx, person, plan.changes, {
          actorType: 'STAFF',
          actorId: actor.principal.id,
          source: actor.source,
          at: now,
          details: () => ({
            requestId: r.id,
            reference: r.reference,
            changes: plan.audit,
            forced: conflicts.length > 0,
            ...(r.firstApprovalBy ? { firstApprovalBy: r.firstApprovalBy } : {}),
          }),
        }),
      );
    }

    await save(tx, r, { status: 'APPROVED', decidedBy: actor.principal.id, decidedAt: now, claimedBy: null, claimedAt: null, ...(r.kind === 'NEW_PERSON' ? { personId } : {}) });
    const registrationStatus = r.kind === 'NEW_PERSON' ? 'UNREGISTERED' : await settleRegistration(tx, actor, r, personId, now, 'approved');
    const parts: NotificationPart[] =
      r.kind === 'NEW_PERSON'
        ? [{ key: 'review.notify.approvedNewPerson', params: { reference: r.reference } }]
        : [{ key: 'review.notify.approved', params: { reference: r.reference, fields: fieldsParam(r) } }];
    const notification = await notify(env, tx, r, residentOf(r), parts, now);
    await audit(tx, actor, action, r.id, now, {
      reference: r.reference,
      kind: r.kind,
      fields: r.fields,
      forced: conflicts.length > 0,
      secondApproval: !!r.firstApprovalBy,
      notification,
    });
    return { outcome: 'APPROVED', personId, registrationStatus, notification: { queued: notification.queued } };
  });
}

/** Rejects a request with a reason the resident is told. */
export function rejectRequest(env: ReviewEnv, actor: ReviewActor, id: string, opts: { version: number; reason: string }) {
  return mutate(env, actor, id, 'review.reject', { version: opts.version, permission: 'review.decide', from: OPEN_STATUSES }, async (tx, r, now) => {
    const reason = opts.reason.trim();
    await save(tx, r, { status: 'REJECTED', decisionReason: reason, decidedBy: actor.principal.id, decidedAt: now, claimedBy: null, claimedAt: null });
    const registrationStatus = r.kind === 'FIELD_CHANGE' && r.personId ? await settleRegistration(tx, actor, r, r.personId, now, 'rejected') : null;
    const key = r.kind === 'NEW_PERSON' ? 'review.notify.rejectedNewPerson' : 'review.notify.rejected';
    const notification = await notify(env, tx, r, residentOf(r), [
      { key, params: { reference: r.reference, fields: fieldsParam(r), reason } },
      { key: 'review.notify.help' },
    ], now);
    await audit(tx, actor, 'review.reject', r.id, now, { reference: r.reference, reason: redactSensitive(reason), notification });
    return { registrationStatus, notification: { queued: notification.queued } };
  });
}

/** Asks the resident a question in their chat; the request waits in NEEDS_INFO. */
export function askResident(env: ReviewEnv, actor: ReviewActor, id: string, opts: { version: number; question: string }) {
  return mutate(env, actor, id, 'review.ask', { version: opts.version, permission: 'review.decide', from: OPEN_STATUSES }, async (tx, r, now) => {
    const question = opts.question.trim();
    await save(tx, r, { status: 'NEEDS_INFO', question, answer: null });
    const key = r.kind === 'NEW_PERSON' ? 'review.notify.questionNewPerson' : 'review.notify.question';
    const notification = await notify(env, tx, r, residentOf(r), [
      { key, params: { reference: r.reference, fields: fieldsParam(r), question } },
      { key: 'review.notify.howToAnswer' },
    ], now);
    await audit(tx, actor, 'review.ask', r.id, now, { reference: r.reference, question: redactSensitive(question), notification });
    return { notification: { queued: notification.queued } };
  });
}

/**
 * Records the resident's answer to a question (taken by phone or at the counter by staff of the area; the
 * chat path is not wired yet) and puts the request back in the queue with a new due date.
 */
export function recordAnswer(env: ReviewEnv, actor: ReviewActor, id: string, opts: { version: number; answer: string }) {
  return mutate(env, actor, id, 'review.answer', { version: opts.version, permission: 'review.view', from: ['NEEDS_INFO'], respectClaim: false }, async (tx, r, now) => {
    const answer = opts.answer.trim();
    const dueAt = reviewDueAt(now, env.holidays);
    await save(tx, r, { status: 'PENDING', answer, dueAt });
    await audit(tx, actor, 'review.answer', r.id, now, { reference: r.reference, answer: redactSensitive(answer), dueAt: dueAt.toISOString() });
    return { dueAt: dueAt.toISOString() };
  });
}

/** A question staff asked a resident that still waits for the answer (for the chat's side of NEEDS_INFO). */
export interface OpenQuestion {
  requestId: string;
  reference: string;
  question: string;
  fields: string[];
  askedAt: string;
}

/** The person's requests waiting for their answer (NEEDS_INFO), oldest first: as the person concerned or as reporter. */
export async function openQuestionsFor(db: DbClient, personId: string): Promise<OpenQuestion[]> {
  const rows = await db.changeRequest.findMany({
    where: { status: 'NEEDS_INFO', OR: [{ personId }, { kind: 'NEW_PERSON', currentValues: { path: ['reportedBy'], equals: personId } }] },
    orderBy: { createdAt: 'asc' },
    take: 10,
  });
  return rows.map((r) => ({ requestId: r.id, reference: r.reference, question: r.question ?? '', fields: [...r.fields], askedAt: r.updatedAt.toISOString() }));
}

export interface ResidentAnswer {
  requestId: string;
  /** The verified person answering (the person concerned, or who reported the new person). */
  personId: string;
  answer: string;
  channel: string;
  conversationId?: string | null;
  now: Date;
  holidays?: readonly string[];
}

/**
 * Records a resident's answer given in chat, in the caller's transaction (the conversation turn): the request
 * goes back to PENDING with a new due date, audited as review.answer by the resident. The resident flow's
 * `questions` state calls it; staff record answers taken by phone with recordAnswer.
 */
export async function recordResidentAnswer(db: DbClient, a: ResidentAnswer): Promise<{ ok: true; reference: string; dueAt: Date } | { ok: false; reason: 'NOT_FOUND' | 'INVALID_STATE' }> {
  const r = await db.changeRequest.findUnique({ where: { id: a.requestId } });
  if (!r || residentOf(r) !== a.personId) return { ok: false, reason: 'NOT_FOUND' };
  if (r.status !== 'NEEDS_INFO') return { ok: false, reason: 'INVALID_STATE' };
  const answer = a.answer.trim().slice(0, 1000);
  const dueAt = reviewDueAt(a.now, a.holidays ?? []);
  const n = await db.changeRequest.updateMany({
    where: { id: r.id, version: r.version, status: 'NEEDS_INFO' },
    data: { status: 'PENDING', answer, dueAt, version: { increment: 1 } },
  });
  if (n.count !== 1) return { ok: false, reason: 'INVALID_STATE' };
  await recordAudit(db, {
    actorType: 'RESIDENT',
    actorId: a.personId,
    source: a.channel,
    action: 'review.answer',
    targetType: 'change_request',
    targetId: r.id,
    at: a.now,
    details: { reference: r.reference, answer: redactSensitive(answer), dueAt: dueAt.toISOString(), conversationId: a.conversationId ?? null },
  });
  return { ok: true, reference: r.reference, dueAt };
}

export interface BatchItemResult {
  id: string;
  ok: boolean;
  /** APPROVED on success, else the refusal code. */
  code: string;
  message?: string;
  version?: number;
}

/** Approves several low-risk requests; each is decided on its own (own transaction, own refusal). */
export async function batchApprove(env: ReviewEnv, actor: ReviewActor, items: { id: string; version: number }[]): Promise<BatchItemResult[]> {
  const out: BatchItemResult[] = [];
  for (const item of items) {
    const r = await approveRequest(env, actor, item.id, { version: item.version, batch: true });
    if (r.ok) out.push({ id: item.id, ok: true, code: r.result.outcome, version: r.request.version });
    else out.push({ id: item.id, ok: false, code: r.code, message: r.message });
  }
  return out;
}

// ---------------------------------------------------------------- statistics

export interface ReviewStats {
  scope: RegionRef;
  /** APPROVED and REJECTED count the requests decided since this instant; open requests are all counted. */
  decidedSince: string;
  /** Open requests plus those decided since decidedSince. */
  total: number;
  open: number;
  overdue: number;
  byStatus: Record<ChangeRequestStatus, number>;
  byKind: Record<ChangeRequestKind, number>;
  byPrefecture: { region: RegionRef; total: number; open: number; overdue: number; decided: number }[];
}

export interface StatsOptions {
  /** Decided requests of the last this many days (1-366, default 30). */
  days?: number;
}

type StatsRow = { status: ChangeRequestStatus; kind: ChangeRequestKind; region: string | null; overdue: boolean; n: number };

/**
 * Counts of the caller's area: every open request by status, kind, prefecture and overdue, and the requests
 * decided in the last `days` days (a window, so the cost follows the backlog, not all history). Two
 * index-only scans (see bench/review.bench.ts for the indexes). Audited as review.stats.
 */
export async function reviewStats(env: ReviewEnv, actor: ReviewActor, opts: StatsOptions = {}): Promise<{ ok: true; stats: ReviewStats } | ReviewFailure> {
  const denied = await permitted(env, actor, 'review.view', 'review.stats');
  if (denied) return denied;
  const now = env.clock.now();
  const days = Math.min(Math.max(Math.trunc(opts.days ?? 30), 1), 366);
  const since = new Date(now.getTime() - days * 86_400_000);
  const { gte, lt } = regionRange(actor.principal.regionCode);
  // due_at and decided_at are timestamps without time zone holding UTC: compare with the UTC wall time.
  const utc = (d: Date) => d.toISOString().replace('Z', '');
  const [open, decided] = await Promise.all([
    env.db.$queryRaw<StatsRow[]>`
      SELECT status::text AS status, kind::text AS kind, region_code AS region,
             (status = 'PENDING' AND due_at < ${utc(now)}::timestamp) AS overdue, count(*)::int AS n
      FROM change_request
      WHERE status IN ('PENDING', 'NEEDS_INFO') AND region_code >= ${gte} AND region_code < ${lt}
      GROUP BY change_request.status, change_request.kind, change_request.region_code, 4`,
    env.db.$queryRaw<StatsRow[]>`
      SELECT status::text AS status, kind::text AS kind, region_code AS region, false AS overdue, count(*)::int AS n
      FROM change_request
      WHERE status IN ('APPROVED', 'REJECTED') AND decided_at >= ${utc(since)}::timestamp
        AND region_code >= ${gte} AND region_code < ${lt}
      GROUP BY change_request.status, change_request.kind, change_request.region_code`,
  ]);
  const byStatus = Object.fromEntries(CHANGE_REQUEST_STATUSES.map((st) => [st, 0])) as Record<ChangeRequestStatus, number>;
  const byKind = Object.fromEntries(CHANGE_REQUEST_KINDS.map((k) => [k, 0])) as Record<ChangeRequestKind, number>;
  const prefs = new Map<string, { total: number; open: number; overdue: number; decided: number }>();
  let total = 0;
  let openCount = 0;
  let overdue = 0;
  for (const row of [...open, ...decided]) {
    const n = Number(row.n);
    const isOpen = OPEN_STATUSES.includes(row.status);
    total += n;
    byStatus[row.status] += n;
    byKind[row.kind] += n;
    if (isOpen) openCount += n;
    if (row.overdue) overdue += n;
    const code = (row.region && prefectureOf(row.region)) ?? 'unknown';
    const p = prefs.get(code) ?? { total: 0, open: 0, overdue: 0, decided: 0 };
    p.total += n;
    if (isOpen) p.open += n;
    else p.decided += n;
    if (row.overdue) p.overdue += n;
    prefs.set(code, p);
  }
  const [names] = await Promise.all([
    regionNames(env.db, [actor.principal.regionCode, ...prefs.keys()]),
    audit(env.db, actor, 'review.stats', undefined, now, { scope: actor.principal.regionCode, days, total }, 'OK', 'review_queue'),
  ]);
  return {
    ok: true,
    stats: {
      scope: { code: actor.principal.regionCode, name: names.get(actor.principal.regionCode) ?? null },
      decidedSince: since.toISOString(),
      total,
      open: openCount,
      overdue,
      byStatus,
      byKind,
      byPrefecture: [...prefs.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([code, v]) => ({ region: { code, name: names.get(code) ?? null }, ...v })),
    },
  };
}
