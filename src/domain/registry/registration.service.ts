import type { DbClient } from '../../db/db-client';
import type { RegistrationStatusCode } from '../ports';
import { recordAudit } from '../staff/audit.service';

export interface ResidentActor {
  personId: string;
  channel: string;
  conversationId?: string;
  now: Date;
}

/**
 * "All correct": confirms the registration directly (直接确认登记), with when and through which channel,
 * audited. A person with a correction awaiting review stays PENDING_REVIEW.
 */
export async function confirmRegistration(db: DbClient, a: ResidentActor): Promise<{ registrationStatus: RegistrationStatusCode }> {
  const p = await db.person.findUniqueOrThrow({ where: { id: a.personId }, select: { registrationStatus: true } });
  if (p.registrationStatus === 'PENDING_REVIEW') return { registrationStatus: 'PENDING_REVIEW' };
  await db.person.update({
    where: { id: a.personId },
    data: { registrationStatus: 'CONFIRMED', confirmedAt: a.now, confirmedChannel: a.channel, needsVisitReason: null, version: { increment: 1 } },
  });
  await recordAudit(db, {
    actorType: 'RESIDENT',
    actorId: a.personId,
    source: a.channel,
    action: 'registration.confirm',
    targetType: 'person',
    targetId: a.personId,
    at: a.now,
    details: { from: p.registrationStatus, to: 'CONFIRMED', conversationId: a.conversationId ?? null },
  });
  return { registrationStatus: 'CONFIRMED' };
}

/** Puts a person on the household-visit list (入户调查) with the reason; audited. */
export async function requestHouseholdVisit(db: DbClient, a: ResidentActor & { reason: string }): Promise<void> {
  const p = await db.person.findUniqueOrThrow({ where: { id: a.personId }, select: { registrationStatus: true, needsVisitReason: true } });
  if (p.registrationStatus === 'NEEDS_VISIT' && p.needsVisitReason === a.reason) return;
  await db.person.update({
    where: { id: a.personId },
    data: {
      registrationStatus: p.registrationStatus === 'CONFIRMED' ? 'CONFIRMED' : 'NEEDS_VISIT',
      needsVisitReason: a.reason,
      version: { increment: 1 },
    },
  });
  await recordAudit(db, {
    actorType: 'RESIDENT',
    actorId: null,
    source: a.channel,
    action: 'registration.needs_visit',
    targetType: 'person',
    targetId: a.personId,
    at: a.now,
    details: { reason: a.reason, from: p.registrationStatus },
  });
}
