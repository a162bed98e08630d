import type { DbClient } from '../../db/db-client';
import type { ChangeRequest } from '../../generated/prisma/client';
import { redactSensitive } from '../codes/masking';
import type { TranscriptLine } from './shared';

/** The resident's conversation as it led to a request: the turns up to its submission, numeric answers labelled. */

interface StoredLine {
  direction: 'IN' | 'OUT';
  text: string;
  options: unknown;
  createdAt: Date;
}

/** The numbered options of a bot message: its stored choices, else "1. label" lines of its text. */
export function optionsOf(m: Pick<StoredLine, 'text' | 'options'>): string[] {
  if (Array.isArray(m.options)) {
    return m.options.map((o) => (o && typeof o === 'object' && typeof (o as { label?: unknown }).label === 'string' ? (o as { label: string }).label : ''));
  }
  const out: string[] = [];
  for (const line of m.text.split('\n')) {
    const hit = /^\s*(\d{1,2})\s*[.、．):）]\s*(.+?)\s*$/.exec(line);
    if (hit) out[Number(hit[1]) - 1] = hit[2] ?? '';
  }
  return out;
}

/**
 * Transcript lines with each numeric answer followed by the option it chose, read from the bot's last message
 * with options before it (the menu the resident answered).
 */
export function labelChoices(lines: readonly StoredLine[]): TranscriptLine[] {
  let menu: string[] = [];
  return lines.map((m) => {
    const line: TranscriptLine = { direction: m.direction === 'IN' ? 'in' : 'out', text: redactSensitive(m.text), at: m.createdAt.toISOString() };
    if (m.direction === 'OUT') {
      const opts = optionsOf(m);
      if (opts.length) menu = opts;
      return line;
    }
    const n = /^\s*(\d{1,2})\s*$/.exec(m.text);
    const label = n ? menu[Number(n[1]) - 1] : undefined;
    return label ? { ...line, choice: redactSensitive(label) } : line;
  });
}

/**
 * The last `take` messages of the request's conversation up to its submission (not the chatter after it): up to
 * the bot's message that told the resident the reference, else up to the submission time.
 */
export async function transcriptBeforeSubmission(db: DbClient, r: Pick<ChangeRequest, 'conversationId' | 'createdAt' | 'reference'>, take: number): Promise<{ channel: string; messages: TranscriptLine[] } | null> {
  if (!r.conversationId) return null;
  const conv = await db.conversation.findUnique({ where: { id: r.conversationId }, select: { channel: true } });
  if (!conv) return null;
  // One more than shown: the menu before the first line shown may label its answer.
  const told = await db.message.findFirst({
    where: { conversationId: r.conversationId, direction: 'OUT', text: { contains: r.reference } },
    orderBy: { seq: 'asc' },
    select: { seq: true },
  });
  const rows = await db.message.findMany({
    where: { conversationId: r.conversationId, ...(told ? { seq: { lte: told.seq } } : { createdAt: { lte: r.createdAt } }) },
    orderBy: { seq: 'desc' },
    take: take + 1,
    select: { direction: true, text: true, options: true, createdAt: true },
  });
  const lines = labelChoices(rows.reverse());
  return { channel: conv.channel, messages: lines.slice(Math.max(0, lines.length - take)) };
}
