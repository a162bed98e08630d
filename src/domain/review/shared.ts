import type { i18n } from 'i18next';
import type { DbClient } from '../../db/db-client';
import type { ChangeRequest, ChangeRequestKind, ChangeRequestStatus, Person, Prisma, PrismaClient } from '../../generated/prisma/client';
import type { Clock } from '../../lib/clock';
import { recordAudit } from '../staff/audit.service';
import { type Refusal, refuse } from '../refusal';
import { maskIdNumberForStaff, maskName, redactDeep } from '../codes/masking';
import { isLowRiskKind, needsFourEyes, type ReviewCheck, valuesOf } from './review-checks';
import { can, type Permission, type StaffPrincipal } from '../staff/staff.service';
import { workingDaysBetween } from '../calendar/working-days';
import type { MergeView } from './merge-request';

/** The review queue's environment, results, views and the helpers every part shares (audit, permission, items). */

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
export const CHANGE_REQUEST_KINDS = ['FIELD_CHANGE', 'NEW_PERSON', 'MERGE'] as const satisfies readonly ChangeRequestKind[];
export { OPEN_STATUSES, isOpenStatus } from '../vocabulary';

/** Why a review action was refused (the staff API maps each to an HTTP status in one table). */
export const REVIEW_FAILURE_CODES = [
  'NOT_FOUND',
  'FORBIDDEN',
  'OUT_OF_SCOPE',
  'BAD_CURSOR',
  'VERSION_CONFLICT',
  'INVALID_STATE',
  'CLAIMED_BY_OTHER',
  'NOT_CLAIMED_BY_YOU',
  'SELF_SUBMITTED',
  'SAME_REVIEWER',
  'CHECKS_FAILED',
  'FORCE_REQUIRED',
  'NOT_LOW_RISK',
  'NEEDS_INDIVIDUAL_REVIEW',
] as const;
export type ReviewFailureCode = (typeof REVIEW_FAILURE_CODES)[number];

export type ReviewFailure = Refusal<ReviewFailureCode> & { message: string };

export const fail = (code: ReviewFailureCode, message: string, details?: Record<string, unknown>): ReviewFailure => refuse(code, message, details) as ReviewFailure;

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
  /** Working days past the last due day (at least 1 when overdue, else 0). */
  overdueWorkingDays: number;
  claimedBy: string | null;
  claimedAt: string | null;
  /** Username of the first of two reviewers (four eyes). */
  firstApprovalBy: string | null;
  /** When the first approval was given (null for one given before this was recorded). */
  firstApprovalAt: string | null;
  needsFourEyes: boolean;
  /** Eligible for batch approval by kind and fields (its checks must be clean too). */
  lowRisk: boolean;
  submittedByStaff: string | null;
  /** The agent who submitted it for a caller (assisted conversation), if any. */
  agent: { id: string; username: string } | null;
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
  /** Views folded into this row (same person, same action, same China day): how many there were. */
  count?: number;
}

export interface TranscriptLine {
  direction: 'in' | 'out';
  text: string;
  at: string;
  /** A numeric answer's option label, read from the bot's menu before it. */
  choice?: string;
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
  /** live: run now (open request); decision: stored with the decision; unknown: decided before checks were stored. */
  checksAsOf: 'live' | 'decision' | 'unknown';
  /** The resident's turns that led to the request, up to its submission (ID numbers and phones masked). */
  conversation: { channel: string; messages: TranscriptLine[] } | null;
  history: HistoryEntry[];
  actions: ReviewActions;
  /** MERGE requests: both persons side by side (issue 17); null for other kinds. */
  merge: MergeView | null;
}

// ---------------------------------------------------------------- helpers

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);
const HOUR_MS = 3_600_000;

type RequestWithPerson = ChangeRequest & { person: Pick<Person, 'idNumber' | 'name'> | null };

export async function usernames(db: DbClient, ids: (string | null | undefined)[]): Promise<Map<string, string>> {
  const wanted = [...new Set(ids.filter((i): i is string => !!i && /^[0-9a-f-]{36}$/i.test(i)))];
  if (!wanted.length) return new Map();
  const rows = await db.staffUser.findMany({ where: { id: { in: wanted } }, select: { id: true, username: true } });
  return new Map(rows.map((r) => [r.id, r.username]));
}

export async function regionNames(db: DbClient, codes: (string | null | undefined)[]): Promise<Map<string, string>> {
  const wanted = [...new Set(codes.filter((c): c is string => !!c))];
  if (!wanted.length) return new Map();
  const rows = await db.region.findMany({ where: { code: { in: wanted } }, select: { code: true, name: true } });
  return new Map(rows.map((r) => [r.code, r.name]));
}

/** The subject of a request, masked: the person on record, or the reported new person. */
function subjectOf(r: RequestWithPerson): { name: string | null; idNumber: string | null } {
  // A NEW_PERSON request's person is the reporter until approval (then the created person): its subject is
  // always the reported person.
  if (r.person && r.kind !== 'NEW_PERSON') return { name: maskName(r.person.name), idNumber: maskIdNumberForStaff(r.person.idNumber) };
  const proposed = valuesOf(r.proposedValues);
  const id = proposed.idNumber ?? r.subjectKey;
  return { name: proposed.name ? maskName(proposed.name) : null, idNumber: id ? maskIdNumberForStaff(id) : null };
}

const isOverdue = (r: Pick<ChangeRequest, 'status' | 'dueAt'>, now: Date) => r.status === 'PENDING' && r.dueAt < now;

export async function toItems(env: ReviewEnv, db: DbClient, rows: ChangeRequest[]): Promise<ReviewItem[]> {
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
    overdueWorkingDays: isOverdue(r, now) ? Math.max(1, workingDaysBetween(new Date(r.dueAt.getTime() - 1), now, env.holidays)) : 0,
    claimedBy: user(r.claimedBy),
    claimedAt: iso(r.claimedAt),
    firstApprovalBy: user(r.firstApprovalBy),
    firstApprovalAt: iso(r.firstApprovalAt),
    needsFourEyes: needsFourEyes(r),
    lowRisk: isLowRiskKind(r),
    submittedByStaff: user(r.submittedByStaff),
    agent: r.submittedByStaff ? { id: r.submittedByStaff, username: user(r.submittedByStaff)! } : null,
    decidedBy: user(r.decidedBy),
    decidedAt: iso(r.decidedAt),
  }));
}

export async function audit(
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

export async function auditFailure(env: ReviewEnv, actor: ReviewActor, action: string, id: string | undefined, f: ReviewFailure): Promise<void> {
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
export async function permitted(env: ReviewEnv, actor: ReviewActor, permission: Permission, action: string, id?: string): Promise<ReviewFailure | null> {
  if (can(actor.principal, permission)) return null;
  const f = fail('FORBIDDEN', `Your role may not do this (${permission}).`, { permission });
  await auditFailure(env, actor, action, id, f);
  return f;
}
