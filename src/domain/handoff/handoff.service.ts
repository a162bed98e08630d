import type { DbClient } from '../../db/db-client';
import { recordAudit } from '../staff/audit.service';

/** Hands a conversation to a human: one open request per conversation (idempotent), visible to agents. */
export async function requestHandoff(
  db: DbClient,
  a: { conversationId: string; reason: string; personId: string | null; channel: string; now: Date },
): Promise<{ id: string; created: boolean }> {
  const open = await db.handoffRequest.findFirst({ where: { conversationId: a.conversationId, status: { in: ['OPEN', 'TAKEN'] } } });
  if (open) return { id: open.id, created: false };
  const person = a.personId ? await db.person.findUnique({ where: { id: a.personId }, select: { regionCode: true } }) : null;
  const row = await db.handoffRequest.create({
    data: { conversationId: a.conversationId, reason: a.reason, regionCode: person?.regionCode ?? null, createdAt: a.now },
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
    details: { reason: a.reason },
  });
  return { id: row.id, created: true };
}
