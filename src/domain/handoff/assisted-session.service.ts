import type { PrismaClient } from '../../generated/prisma/client';

/**
 * Assisted sessions: a conversation an agent runs for a caller on the phone. The caller's number is kept for
 * the record only; it is never a verification factor.
 */
export async function createAssistedSession(prisma: PrismaClient, s: { id: string; agentId: string; callerNumber: string | null; now: Date }): Promise<void> {
  await prisma.assistedSession.create({ data: { id: s.id, agentId: s.agentId, callerNumber: s.callerNumber, createdAt: s.now } });
}

/** Links the session to the engine's conversation once the first turn has created it. */
export async function linkAssistedConversation(prisma: PrismaClient, id: string, conversationId: string): Promise<void> {
  await prisma.assistedSession.update({ where: { id }, data: { conversationId } });
}

/** The session by id, or null. */
export function findAssistedSession(prisma: PrismaClient, id: string) {
  return prisma.assistedSession.findUnique({ where: { id } });
}
