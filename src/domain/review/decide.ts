
import type { ChangeRequest, ChangeRequestStatus, Person, Prisma } from '../../generated/prisma/client';
import { redactSensitive } from '../codes/masking';
import { queueResidentNotification, type NotificationPart } from '../notification/notification.service';
import { isWithinRegion } from '../codes/region-scope';
import { checksAsJson, isReviewField, runChecks, valuesOf } from './review-checks';
import { type Permission } from '../staff/staff.service';
import { OPEN_STATUSES, type ReviewActor, type ReviewEnv, type ReviewFailure, type ReviewItem, audit, auditFailure, fail, permitted, toItems, usernames } from './shared';

/** The decision skeleton (scope, version, claim, refusal, audit in one transaction) and the simple decisions. */

// ---------------------------------------------------------------- decisions

/** A failure raised inside a decision's transaction: rolls it back, then is audited and returned. */
export class Refusal extends Error {
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
export async function mutate<T>(
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
export async function save(tx: Prisma.TransactionClient, r: ChangeRequest, data: Prisma.ChangeRequestUncheckedUpdateManyInput): Promise<void> {
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

export async function notify(env: ReviewEnv, tx: Prisma.TransactionClient, r: ChangeRequest, personId: string | null, parts: NotificationPart[], now: Date) {
  const n = await queueResidentNotification(tx, env.i18n, { conversationId: r.conversationId, personId, parts, now });
  return n.queued ? { queued: true, messageSeq: n.messageSeq, locale: n.locale } : { queued: false, reason: n.reason };
}

/** A unique-key race (the ID number was taken meanwhile) becomes a refusal instead of a 500. */
export async function uniqueOrRefuse<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (e) {
    if ((e as { code?: string }).code === 'P2002') throw new Refusal(fail('CHECKS_FAILED', 'The ID number is already on record.', { checks: [{ code: 'PERSON_EXISTS', severity: 'error' }] }));
    throw e;
  }
}

/** Whom to tell about a request without a conversation: the person concerned, or who reported a new person. */
export function residentOf(r: ChangeRequest): string | null {
  if (r.kind === 'FIELD_CHANGE') return r.personId;
  // A merge is the offices' own housekeeping: nobody is told in chat.
  if (r.kind === 'MERGE') return null;
  const reportedBy = valuesOf(r.currentValues).reportedBy;
  return reportedBy && /^[0-9a-f-]{36}$/i.test(reportedBy) ? reportedBy : r.personId;
}

export const fieldsParam = (r: ChangeRequest) => ({ keys: r.fields.filter(isReviewField).map((f) => `review.field.${f}`) });

/** After a decision: CONFIRMED when no other open request for the person remains. */
export async function settleRegistration(tx: Prisma.TransactionClient, actor: ReviewActor, r: ChangeRequest, personId: string, now: Date, outcome: 'approved' | 'rejected') {
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

/** Rejects a request with a reason the resident is told. */
export function rejectRequest(env: ReviewEnv, actor: ReviewActor, id: string, opts: { version: number; reason: string }) {
  return mutate(env, actor, id, 'review.reject', { version: opts.version, permission: 'review.decide', from: OPEN_STATUSES }, async (tx, r, now) => {
    const reason = opts.reason.trim();
    const person = r.kind === 'FIELD_CHANGE' && r.personId ? await tx.person.findUnique({ where: { id: r.personId } }) : null;
    const checks = await runChecks(tx, r, person, { principal: actor.principal, now });
    await save(tx, r, { status: 'REJECTED', decisionReason: reason, decisionChecks: checksAsJson(checks), decidedBy: actor.principal.id, decidedAt: now, claimedBy: null, claimedAt: null });
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
