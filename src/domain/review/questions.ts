import type { DbClient } from '../../db/db-client';
import { recordAudit } from '../staff/audit.service';
import { redactSensitive } from '../codes/masking';
import { reviewDueAt } from '../calendar/working-days';
import { type ReviewActor, type ReviewEnv, audit } from './shared';
import { mutate, residentOf, save } from './decide';

/** Questions to residents: the answers staff record and the answers residents give in chat (NEEDS_INFO back to PENDING). */

/** NEEDS_INFO back to PENDING: the answer kept, a new due date. */
const backInQueue = (answer: string, dueAt: Date) => ({ status: 'PENDING' as const, answer, dueAt });

/**
 * Records a resident's answer that staff of the area took by phone or at the counter, and puts the request
 * back in the queue with a new due date. (Answers given in chat go through recordResidentAnswer.)
 */
export function recordAnswer(env: ReviewEnv, actor: ReviewActor, id: string, opts: { version: number; answer: string }) {
  return mutate(env, actor, id, 'review.answer', { version: opts.version, permission: 'review.view', from: ['NEEDS_INFO'], respectClaim: false }, async (tx, r, now) => {
    const answer = opts.answer.trim();
    const dueAt = reviewDueAt(now, env.holidays);
    await save(tx, r, backInQueue(answer, dueAt));
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
export async function recordResidentAnswer(db: DbClient, a: ResidentAnswer): Promise<{ ok: true; reference: string; dueAt: Date } | { ok: false; code: 'NOT_FOUND' | 'INVALID_STATE' }> {
  const r = await db.changeRequest.findUnique({ where: { id: a.requestId } });
  if (!r || residentOf(r) !== a.personId) return { ok: false, code: 'NOT_FOUND' };
  if (r.status !== 'NEEDS_INFO') return { ok: false, code: 'INVALID_STATE' };
  const answer = a.answer.trim().slice(0, 1000);
  const dueAt = reviewDueAt(a.now, a.holidays ?? []);
  const n = await db.changeRequest.updateMany({
    where: { id: r.id, version: r.version, status: 'NEEDS_INFO' },
    data: { ...backInQueue(answer, dueAt), version: { increment: 1 } },
  });
  if (n.count !== 1) return { ok: false, code: 'INVALID_STATE' };
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
