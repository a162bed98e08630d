
import type { ChangeRequest, Person } from '../../generated/prisma/client';
import { parseIdNumber } from '../codes/id-number';
import { type NotificationPart } from '../notification/notification.service';
import { checksAsJson, type FieldValue, hasSeverity, isLowRiskKind, isReviewField, needsFourEyes, REVIEW_FIELDS, runChecks, valuesOf } from './review-checks';
import { applyPersonChange, isPersonField, type PersonChanges } from '../registry/person-change';
import { mergePersons } from '../registry/person-merge';
import { computeFlags } from '../registry/person-flags';
import { mergeTargets } from './merge-request';
import { OPEN_STATUSES, type ReviewActor, type ReviewEnv, audit, fail } from './shared';
import { Refusal, fieldsParam, mutate, notify, residentOf, save, settleRegistration, uniqueOrRefuse } from './decide';

/** Approval: what it writes (planApproval, pure), four eyes, applying it through the one person writer, batches. */

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
      await save(tx, r, { firstApprovalBy: actor.principal.id, firstApprovalAt: now, claimedBy: null, claimedAt: null });
      await audit(tx, actor, 'review.first_approval', r.id, now, { reference: r.reference, fields: r.fields, forced: conflicts.length > 0 });
      return { outcome: 'FIRST_APPROVAL' };
    }

    let personId: string;
    const merge = mergeTargets(r);
    if (merge) {
      const m = await mergePersons(tx, merge, { actorType: 'STAFF', actorId: actor.principal.id, source: actor.source, at: now, reference: r.reference });
      if (!m.ok) throw new Refusal(fail('CHECKS_FAILED', 'The two persons can no longer be merged.', { checks: [{ code: m.code, severity: 'error' }] }));
      personId = merge.survivorId;
    } else if (r.kind === 'NEW_PERSON') {
      const proposed = valuesOf(r.proposedValues);
      const parsed = parseIdNumber(proposed.idNumber ?? '', { today: now });
      if (!parsed.ok) throw new Refusal(fail('CHECKS_FAILED', 'The ID number is not valid.'));
      const named = REVIEW_FIELDS.name.parse(proposed.name ?? null, now);
      if (!named.ok || !named.value) throw new Refusal(fail('CHECKS_FAILED', 'The name is not valid.'));
      const name = named.value;
      const household = r.householdId ? await tx.household.findUnique({ where: { id: r.householdId }, select: { regionCode: true } }) : null;
      const region = household?.regionCode ?? r.regionCode;
      // Flags as the import and the feeds compute them for a new row (no phone or residence on record yet).
      const hukou = household?.regionCode ?? null;
      const hukouKnown = hukou !== null && (await tx.region.count({ where: { code: hukou } })) > 0;
      const flags = computeFlags({ idNumber: parsed.idNumber, sex: parsed.sex, phone: null, hukouRegion: hukou, residenceRegion: null, residenceAddress: null }, [], (c) => hukouKnown && c === hukou);
      const created = await uniqueOrRefuse(() => tx.person.create({
        data: {
          idNumber: parsed.idNumber,
          name,
          sex: parsed.sex,
          birthDate: new Date(`${parsed.birthDate}T00:00:00Z`),
          householdId: r.householdId,
          hukouRegion: household?.regionCode ?? null,
          regionCode: region,
          registrationStatus: 'UNREGISTERED',
          flags,
          createdAt: now,
          updatedAt: now,
        },
        select: { id: true },
      }));
      personId = created.id;
      await audit(tx, actor, 'person.create', personId, now, {
        requestId: r.id,
        reference: r.reference,
        values: { idNumber: parsed.idNumber, name, sex: parsed.sex, birthDate: parsed.birthDate, householdId: r.householdId, relationship: proposed.relationship ?? null },
        flags,
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

    await save(tx, r, { status: 'APPROVED', decidedBy: actor.principal.id, decidedAt: now, decisionChecks: checksAsJson(checks), claimedBy: null, claimedAt: null, ...(r.kind === 'NEW_PERSON' ? { personId } : {}) });
    const registrationStatus = r.kind === 'FIELD_CHANGE' ? await settleRegistration(tx, actor, r, personId, now, 'approved') : (await tx.person.findUniqueOrThrow({ where: { id: personId }, select: { registrationStatus: true } })).registrationStatus;
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
