import type { i18n } from 'i18next';
import type { DbClient } from '../../db/db-client';
import type { Prisma } from '../../generated/prisma/client';
import { isLocale, type Locale } from '../../lib/i18n';
import { redactSensitive } from '../codes/masking';

/**
 * One translatable sentence. A parameter `{ keys: [...] }` is a list of keys translated in the resident's
 * language and joined with `review.listSeparator`; strings and numbers are data, never templates.
 */
export interface NotificationPart {
  key: string;
  params?: Record<string, string | number | { keys: readonly string[] }>;
}

export interface ResidentNotification {
  /** The conversation the request came from. */
  conversationId?: string | null;
  /** When there is no such conversation: the most recently active conversation bound to this person. */
  personId?: string | null;
  parts: NotificationPart[];
  now: Date;
  /** What kind of message for the outbox (default notification). */
  kind?: string;
}

export type NotificationResult =
  | { queued: true; conversationId: string; channel: string; messageSeq: string; outboxId: string; locale: Locale }
  | { queued: false; reason: 'NO_CONVERSATION' };

/** Renders the parts in one language; the result passes through redactSensitive (no full ID or phone). */
export function renderNotification(i18n: i18n, lng: Locale, parts: readonly NotificationPart[]): string {
  const text = parts
    .map((part) => {
      const params: Record<string, string | number> = {};
      for (const [k, v] of Object.entries(part.params ?? {})) {
        params[k] = typeof v === 'object' ? v.keys.map((key) => i18n.t(key, { lng })).join(i18n.t('review.listSeparator', { lng })) : v;
      }
      return i18n.t(part.key, { lng, ...params });
    })
    .join('\n');
  return redactSensitive(text);
}

/**
 * Queues a message to a resident in their conversation: a transcript row (direction OUT, so the web chat
 * shows it in GET /api/chat/sessions/:id/messages) and an outbox row for the conversation's channel and
 * endpoint, rendered in the conversation's language. Runs in the caller's transaction; the outbox
 * dispatcher sends it after commit. Decision notices are about the resident's own request, so they are
 * sent even when the resident opted out of reminders.
 */
export async function queueResidentNotification(db: DbClient, i18n: i18n, n: ResidentNotification): Promise<NotificationResult> {
  const select = { id: true, channel: true, endpoint: true, locale: true } as const;
  let conv = n.conversationId ? await db.conversation.findUnique({ where: { id: n.conversationId }, select }) : null;
  if (!conv && n.personId) {
    conv = await db.conversation.findFirst({ where: { personId: n.personId }, orderBy: { updatedAt: 'desc' }, select });
  }
  if (!conv) return { queued: false, reason: 'NO_CONVERSATION' };
  const locale: Locale = isLocale(conv.locale) ? conv.locale : 'zh-CN';
  const text = renderNotification(i18n, locale, n.parts);
  const message = await db.message.create({
    data: { conversationId: conv.id, direction: 'OUT', text, createdAt: n.now },
    select: { seq: true },
  });
  const payload = { id: message.seq.toString(), text };
  const outbox = await db.outboxMessage.create({
    data: {
      conversationId: conv.id,
      messageSeq: message.seq,
      channel: conv.channel,
      endpoint: conv.endpoint,
      kind: n.kind ?? 'notification',
      payload: payload as Prisma.InputJsonValue,
      createdAt: n.now,
      nextAttemptAt: n.now,
    },
    select: { id: true },
  });
  return { queued: true, conversationId: conv.id, channel: conv.channel, messageSeq: payload.id, outboxId: outbox.id, locale };
}
