import type { i18n } from 'i18next';
import { createActor, waitFor, type AnyStateMachine, type Snapshot } from 'xstate';
import type { ChoiceOption, FlowEffect, FlowEvent, ReplyEffect, TextPart } from '../../flows/effects';
import { Prisma, type PrismaClient } from '../generated/prisma/client';
import { redactSensitive } from '../domain/codes/masking';
import type { Clock } from '../lib/clock';
import { isLocale, type Locale } from '../lib/i18n';
import type { Logger } from '../lib/logger';
import { stripControlChars } from '../lib/control-chars';
import { KeyedMutex } from './keyed-mutex';
import type { InboundMessage, OutboundMessage } from './messages';
import { renderReply } from './render';
import { detectCommand, matchChoice } from './text-matching';

type Tx = Prisma.TransactionClient;

/** What a flow needs to know about the turn it runs in (ports bind to this). */
export interface TurnContext {
  tx: Tx;
  conversationId: string;
  channel: string;
  endpoint: string;
  locale: Locale;
  now: Date;
  /** The person this chat identity is bound to, if any. */
  personId: string | null;
  /**
   * Holds the turn's replies until this wall-clock time (ms). The wait happens after commit, outside any
   * transaction and pool connection, so it never stalls other turns (the verification failure floor).
   */
  delayRepliesUntil(epochMs: number): void;
}

/** A flow plugged into the engine: its statechart with ports bound to the turn, and its start input. */
export interface FlowBinding {
  id: string;
  version: number;
  machine(turn: TurnContext): AnyStateMachine;
  input(turn: TurnContext & { noticeAcknowledged: boolean }): unknown;
  noticeVersion: string;
}

export interface EngineDeps {
  prisma: PrismaClient;
  i18n: i18n;
  clock: Clock;
  logger: Logger;
  flow: FlowBinding;
  defaultLocale: Locale;
  idleMinutes: number;
  /** Called after a commit that queued outbox rows (the dispatcher wakes up). */
  onOutbox?: () => void;
  /** Longest a flow may take to settle in one turn. */
  turnTimeoutMs?: number;
}

export interface TurnResult {
  conversationId: string;
  replies: OutboundMessage[];
  /** True when the message was a retry of one already answered (the same replies are returned). */
  duplicate: boolean;
}

interface StoredPrompt {
  parts: TextPart[];
  options?: ChoiceOption[];
}

const IDLE_TIMER = 'idle';

/**
 * The conversation engine owns the turn (docs/architecture.md "The turn"): de-duplication, one turn at a time per
 * conversation (in-process mutex, plus a row lock and a version so several processes on one PostgreSQL stay
 * safe), snapshot restore with flow versioning, global commands, and one transaction that saves the snapshot,
 * the transcript, the domain writes, the outbox rows and the idle timer. Sending happens after commit.
 */
export class ConversationEngine {
  private readonly mutex = new KeyedMutex();

  constructor(private readonly deps: EngineDeps) {}

  /** Handles one inbound message and returns the replies (already committed and queued for sending). */
  handle(raw: InboundMessage): Promise<TurnResult> {
    // Every channel's text is stored and matched without NUL and other control characters.
    const msg = { ...raw, text: stripControlChars(raw.text) };
    return this.mutex.run(`${msg.channel}\u0000${msg.endpoint}`, () => this.turn(msg.channel, msg.endpoint, msg));
  }

  /** Starts (or resumes) a conversation without a user message: the greeting of a new web chat session. */
  start(channel: string, endpoint: string): Promise<TurnResult> {
    return this.mutex.run(`${channel}\u0000${endpoint}`, () => this.turn(channel, endpoint, null));
  }

  /**
   * Ends an idle conversation if nothing happened since the timer was set (token = version then). Returns
   * true when it expired the conversation.
   */
  async expire(conversationId: string, token: number): Promise<boolean> {
    const conv = await this.deps.prisma.conversation.findUnique({ where: { id: conversationId }, select: { channel: true, endpoint: true } });
    if (!conv) return false;
    return this.mutex.run(`${conv.channel}\u0000${conv.endpoint}`, async () => {
      const done = await this.deps.prisma.$transaction(async (tx) => {
        const rows = await tx.$queryRaw<{ version: number; locale: string; snapshot: unknown }[]>`
          SELECT version, locale, snapshot FROM conversation WHERE id = ${conversationId}::uuid FOR UPDATE`;
        const row = rows[0];
        await tx.timer.updateMany({ where: { conversationId, kind: IDLE_TIMER, token }, data: { status: row && row.version === token ? 'FIRED' : 'CANCELLED' } });
        if (!row || row.version !== token || row.snapshot === null) return false;
        const locale = isLocale(row.locale) ? row.locale : this.deps.defaultLocale;
        await tx.conversation.update({
          where: { id: conversationId },
          data: { snapshot: Prisma.DbNull, lastPrompt: Prisma.DbNull, version: { increment: 1 } },
        });
        const out = renderReply(this.deps.i18n, locale, { type: 'reply', parts: [{ key: 'common.sessionEnded' }] });
        await this.saveOutbound(tx, conversationId, conv.channel, conv.endpoint, null, [out], 'notification');
        return true;
      });
      if (done) this.deps.onOutbox?.();
      return done;
    });
  }

  private async turn(channel: string, endpoint: string, msg: InboundMessage | null): Promise<TurnResult> {
    const { prisma, flow } = this.deps;
    const now = this.deps.clock.now();
    let repliesNotBefore = 0;
    const result = await prisma.$transaction(
      async (tx) => {
        await tx.conversation.upsert({
          where: { channel_endpoint: { channel, endpoint } },
          create: { channel, endpoint, flowId: flow.id, flowVersion: flow.version, locale: this.deps.defaultLocale },
          update: {},
        });
        const locked = await tx.$queryRaw<{ id: string }[]>`
          SELECT id FROM conversation WHERE channel = ${channel} AND endpoint = ${endpoint} FOR UPDATE`;
        const conv = await tx.conversation.findUniqueOrThrow({ where: { id: locked[0]!.id } });

        // 1. De-duplicate: a retried message gets the answer it got the first time.
        let inboundSeq: bigint | null = null;
        if (msg) {
          if (msg.messageId) {
            const seen = await tx.message.findUnique({
              where: { conversationId_direction_externalId: { conversationId: conv.id, direction: 'IN', externalId: msg.messageId } },
            });
            if (seen) {
              const earlier = await tx.message.findMany({ where: { inReplyTo: seen.seq }, orderBy: { seq: 'asc' } });
              return { conversationId: conv.id, duplicate: true, replies: earlier.map(toOutbound), queued: false };
            }
          }
          const inbound = await tx.message.create({
            data: { conversationId: conv.id, direction: 'IN', externalId: msg.messageId ?? null, text: redactSensitive(msg.text), createdAt: now },
          });
          inboundSeq = inbound.seq;
        }

        let locale: Locale = isLocale(conv.locale) ? conv.locale : this.deps.defaultLocale;
        const bound = conv.personId && conv.boundUntil && conv.boundUntil > now ? conv.personId : null;
        const turn: TurnContext = {
          tx,
          conversationId: conv.id,
          channel,
          endpoint,
          locale,
          now,
          personId: bound,
          delayRepliesUntil: (ms) => void (repliesNotBefore = Math.max(repliesNotBefore, ms)),
        };
        const lead: ReplyEffect[] = [];
        let lastPrompt = (conv.lastPrompt as StoredPrompt | null) ?? null;

        // 2. Restore, or start afresh (new, expired, or saved by an incompatible flow version).
        let snapshot: Snapshot<unknown> | undefined;
        const idleExpired = conv.lastInboundAt && now.getTime() - conv.lastInboundAt.getTime() > this.deps.idleMinutes * 60_000;
        if (conv.snapshot && conv.flowId === flow.id && conv.flowVersion === flow.version && !idleExpired) {
          snapshot = conv.snapshot as unknown as Snapshot<unknown>;
        } else if (conv.snapshot && (conv.flowId !== flow.id || conv.flowVersion !== flow.version)) {
          lead.push({ type: 'reply', parts: [{ key: 'common.flowUpdated' }] });
        }

        // 3. Global commands before any flow step; otherwise a choice or free text.
        let event: FlowEvent | null = null;
        let runFlow = true;
        if (msg?.nonText && !msg.text.trim()) {
          // Voice without recognition, a picture, …: say what the bot can read, then repeat the question.
          lead.push({ type: 'reply', parts: [{ key: 'media.textOnly' }] });
          if (snapshot && lastPrompt) {
            lead.push({ type: 'reply', ...lastPrompt });
            runFlow = false;
          }
        } else if (msg) {
          const cmd = detectCommand(this.deps.i18n, msg.text);
          if (cmd === 'english' || cmd === 'chinese') {
            locale = cmd === 'english' ? 'en' : 'zh-CN';
            turn.locale = locale;
            lead.push({ type: 'reply', parts: [{ key: 'common.languageSwitched' }] });
            if (snapshot && lastPrompt) {
              lead.push({ type: 'reply', ...lastPrompt });
              runFlow = false;
            }
          } else if (cmd === 'stop') {
            await tx.conversation.update({ where: { id: conv.id }, data: { optedOutAt: now } });
            if (bound) await tx.person.update({ where: { id: bound }, data: { remindersOptOut: true } });
            lead.push({ type: 'reply', parts: [{ key: 'common.optedOut' }] });
            if (snapshot && lastPrompt) {
              lead.push({ type: 'reply', ...lastPrompt });
              runFlow = false;
            }
          } else if (cmd === 'restart') {
            snapshot = undefined;
            lastPrompt = null;
          } else if (cmd === 'menu') {
            event = snapshot ? { type: 'user.menu' } : null;
          } else if (cmd === 'human') {
            event = { type: 'user.human' };
          } else if (snapshot) {
            const value = lastPrompt?.options?.length ? matchChoice(this.deps.i18n, locale, lastPrompt.options, msg.text) : null;
            event = value ? { type: 'user.choice', value } : { type: 'user.text', text: msg.text };
          }
        }

        // 4. Run the flow until it waits for the user again.
        const effects: FlowEffect[] = [];
        let persisted: unknown = conv.snapshot;
        if (runFlow) {
          // The input only matters for a fresh start; a restored snapshot carries its own context.
          const noticeAcknowledged = snapshot ? true : await this.noticeAcknowledged(tx, conv.id);
          const machine = flow.machine(turn);
          const actor = createActor(machine, {
            ...(snapshot ? { snapshot } : {}),
            input: flow.input({ ...turn, noticeAcknowledged }),
          });
          actor.on('*', (e) => effects.push(e as FlowEffect));
          let failure: unknown;
          actor.subscribe({ error: (err) => (failure = err) });
          actor.start();
          if (event && snapshot) actor.send(event);
          else if (event && !snapshot && event.type === 'user.human') {
            // A first message of "human": hand over at once instead of greeting and then greeting again.
            effects.length = 0;
            actor.send(event);
          }
          await waitFor(actor, (s) => s.hasTag('awaitingInput') || s.status !== 'active', {
            timeout: this.deps.turnTimeoutMs ?? 15_000,
          });
          if (failure) throw failure;
          persisted = actor.getPersistedSnapshot();
          actor.stop();
        }

        // 5. Render and save everything in this one transaction.
        const replies: OutboundMessage[] = [];
        for (const r of lead) replies.push(renderReply(this.deps.i18n, locale, r));
        for (const e of effects) {
          if (e.type === 'setLocale') {
            locale = e.locale;
            turn.locale = locale;
          } else {
            replies.push(renderReply(this.deps.i18n, locale, e));
            lastPrompt = { parts: e.parts, ...(e.options ? { options: e.options } : {}) };
          }
        }
        const nextVersion = conv.version + 1;
        const updated = await tx.conversation.updateMany({
          where: { id: conv.id, version: conv.version },
          data: {
            snapshot: persisted as Prisma.InputJsonValue,
            flowId: flow.id,
            flowVersion: flow.version,
            locale,
            version: nextVersion,
            lastPrompt: lastPrompt ? (lastPrompt as unknown as Prisma.InputJsonValue) : Prisma.DbNull,
            ...(msg ? { lastInboundAt: now } : {}),
          },
        });
        if (updated.count !== 1) throw new Error('conversation changed during the turn (version conflict)');
        const saved = await this.saveOutbound(tx, conv.id, channel, endpoint, inboundSeq, replies, 'reply');
        await tx.timer.upsert({
          where: { conversationId_kind: { conversationId: conv.id, kind: IDLE_TIMER } },
          create: { conversationId: conv.id, kind: IDLE_TIMER, dueAt: new Date(now.getTime() + this.deps.idleMinutes * 60_000), token: nextVersion },
          update: { dueAt: new Date(now.getTime() + this.deps.idleMinutes * 60_000), token: nextVersion, status: 'PENDING' },
        });
        return { conversationId: conv.id, duplicate: false, replies: saved, queued: saved.length > 0 };
      },
      { timeout: (this.deps.turnTimeoutMs ?? 15_000) + 5_000, maxWait: 10_000 },
    );
    const hold = repliesNotBefore - Date.now();
    if (hold > 0) await new Promise((r) => setTimeout(r, hold));
    if (result.queued) this.deps.onOutbox?.();
    return { conversationId: result.conversationId, duplicate: result.duplicate, replies: result.replies };
  }

  private async noticeAcknowledged(tx: Tx, conversationId: string): Promise<boolean> {
    const n = await tx.noticeAcknowledgement.count({ where: { conversationId, noticeVersion: this.deps.flow.noticeVersion } });
    return n > 0;
  }

  /** Transcript rows and outbox rows for outgoing messages, in the caller's transaction. */
  async saveOutbound(
    tx: Tx,
    conversationId: string,
    channel: string,
    endpoint: string,
    inReplyTo: bigint | null,
    messages: OutboundMessage[],
    kind: 'reply' | 'notification',
  ): Promise<OutboundMessage[]> {
    const out: OutboundMessage[] = [];
    for (const m of messages) {
      const row = await tx.message.create({
        data: {
          conversationId,
          direction: 'OUT',
          text: m.text,
          options: (m.options ?? undefined) as Prisma.InputJsonValue | undefined,
          inReplyTo,
          createdAt: this.deps.clock.now(),
        },
      });
      const withId = { ...m, id: row.seq.toString() };
      await tx.outboxMessage.create({
        data: {
          conversationId,
          messageSeq: row.seq,
          channel,
          endpoint,
          kind,
          payload: withId as unknown as Prisma.InputJsonValue,
          nextAttemptAt: this.deps.clock.now(),
          createdAt: this.deps.clock.now(),
        },
      });
      out.push(withId);
    }
    return out;
  }
}

function toOutbound(m: { seq: bigint; text: string; options: unknown }): OutboundMessage {
  const options = Array.isArray(m.options) ? (m.options as { value: string; label: string }[]) : undefined;
  return { id: m.seq.toString(), text: m.text, ...(options ? { options } : {}) };
}
