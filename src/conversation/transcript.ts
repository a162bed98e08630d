import type { PrismaClient } from '../generated/prisma/client';
import type { OutboundMessage } from './messages';

export interface TranscriptEntry extends OutboundMessage {
  id: string;
  direction: 'in' | 'out';
  at: string;
}

export async function findConversation(prisma: PrismaClient, channel: string, endpoint: string) {
  return prisma.conversation.findUnique({ where: { channel_endpoint: { channel, endpoint } }, select: { id: true, locale: true } });
}

/** The newest transcript seq of a conversation (0 when it has none): a live stream's starting cursor. */
export async function latestSeq(prisma: PrismaClient, conversationId: string): Promise<bigint> {
  const last = await prisma.message.findFirst({ where: { conversationId }, orderBy: { seq: 'desc' }, select: { seq: true } });
  return last?.seq ?? 0n;
}

/** The transcript after a cursor (sequence number), oldest first, including later notifications. */
export async function readTranscript(prisma: PrismaClient, conversationId: string, after: bigint, limit = 200): Promise<TranscriptEntry[]> {
  const rows = await prisma.message.findMany({
    where: { conversationId, seq: { gt: after } },
    orderBy: { seq: 'asc' },
    take: limit,
  });
  return rows.map((m) => ({
    id: m.seq.toString(),
    direction: m.direction === 'IN' ? 'in' : 'out',
    text: m.text,
    at: m.createdAt.toISOString(),
    ...(Array.isArray(m.options) ? { options: m.options as unknown as { value: string; label: string }[] } : {}),
  }));
}
