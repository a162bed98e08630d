import type { DbClient } from '../../db/db-client';
import type { ChangeRequest, Person } from '../../generated/prisma/client';
import { maskIdNumberForStaff, maskName, redactDeep, redactSensitive } from '../codes/masking';
import { maskFieldForStaff } from '../registry/person-fields';
import { isWithinRegion } from '../codes/region-scope';
import { type FieldValue, hasSeverity, isReviewField, REVIEW_FIELDS, type ReviewCheck, runChecks, sameValue, storedChecks, valuesOf } from './review-checks';
import { transcriptBeforeSubmission } from './request-transcript';
import { mergeView } from './merge-request';
import { foldViews } from '../staff/audit-fold';
import { can, type StaffPrincipal } from '../staff/staff.service';
import { type DiffRow, isOpenStatus, type ReviewActions, type ReviewActor, type ReviewDetail, type ReviewEnv, type ReviewFailure, audit, fail, permitted, regionNames, toItems, usernames } from './shared';

/** One request in detail: the person's values side by side with the proposed ones, checks, history, actions. */

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
    const show = (v: FieldValue | undefined): string | null => (v === null || v === undefined ? null : reveal || !spec ? v : maskFieldForStaff(field, v));
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
  const open = isOpenStatus(r.status);
  const decide = can(principal, 'review.decide');
  const otherClaim = !!r.claimedBy && r.claimedBy !== principal.id;
  const free = decide && open && !otherClaim;
  return {
    claim: decide && open && !r.claimedBy,
    release: open && !!r.claimedBy && (r.claimedBy === principal.id || principal.role === 'ADMIN'),
    // The first approver of a four-eyes change waits for a second reviewer.
    approve: free && !hasSeverity(checks, 'error') && !checks.some((c) => c.code === 'FIRST_APPROVAL_BY_YOU'),
    reject: free,
    ask: free,
    answer: r.status === 'NEEDS_INFO' && can(principal, 'review.view'),
    needsForce: hasSeverity(checks, 'conflict'),
  };
}

export interface DetailOptions {
  /** Show the values unmasked (needs person.reveal; audited as review.reveal). */
  reveal?: boolean;
  /** Transcript lines to include (default 12). */
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
  // Open: checked now. Closed: as they were when decided (the record has moved on since).
  const open = isOpenStatus(r.status);
  const stored = open ? null : storedChecks(r.decisionChecks);
  const checks = open ? await runChecks(db, r, person, { principal: actor.principal, now }) : (stored ?? []);
  const [item] = await toItems(env, db, [r]);
  if (!item) throw new Error('unreachable');

  const conversation = await transcriptBeforeSubmission(db, r, Math.min(Math.max(opts.excerpt ?? 12, 1), 50));

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

  // A first approval given before its time was stored: the time of its audit event.
  const firstApprovalAt = item.firstApprovalAt ?? ([...events].reverse().find((e) => e.action === 'review.first_approval' && e.outcome === 'OK')?.at.toISOString() ?? null);
  const detail: ReviewDetail = {
    ...item,
    firstApprovalAt: item.firstApprovalBy ? firstApprovalAt : null,
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
    checksAsOf: open ? 'live' : stored ? 'decision' : 'unknown',
    conversation,
    history: foldViews(events.map((e) => ({
      id: e.id.toString(),
      at: e.at.toISOString(),
      action: e.action,
      outcome: e.outcome,
      actorType: e.actorType,
      actorUsername: e.actorId ? (names.get(e.actorId) ?? null) : null,
      source: e.source,
      details: redactDeep(e.details ?? null),
    }))),
    actions: actionsFor(actor.principal, r, checks),
    merge: await mergeView(db, r, reveal),
  };
  return { ok: true, detail };
}
