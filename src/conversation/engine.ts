import type { i18n } from 'i18next';
import { createActor, waitFor, type AnyStateMachine, type Snapshot } from 'xstate';
import type { FlowEffect, FlowEvent, ReplyEffect } from '../../flows/effects';
import { Prisma, type PrismaClient } from '../generated/prisma/client';
import { redactSensitive } from '../domain/codes/masking';
import { withActingAgent, type ActingAgent } from '../domain/staff/audit.service';
import type { Clock } from '../lib/clock';
import { isLocale, type Locale } from '../lib/i18n';
import type { Logger } from '../lib/logger';
import { stripControlChars } from '../lib/control-chars';
import { FifoSemaphore } from '../lib/fifo-semaphore';
import { KeyedMutex } from './keyed-mutex';
import type { InboundMessage, OutboundMessage } from './messages';
import { renderReceipts, renderReply } from './render';
import { detectCommand, type GlobalCommand } from './text-matching';
import { canResume, nextSteps, promptOnly, resumableOf, taskOf, welcomeBack, type StepBack, type StoredPrompt } from './step-memory';
import { leafState, type FlowContextView } from './understanding/expectations';
import { understand } from './understanding/understand';
import { closeTurn, earlierReplies, openTurn, saveOutbound } from './turn-store';

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
  /** The agent running an assisted conversation (channel "assisted"), if any. */
  agent?: ActingAgent;
  /** Set by the port that opened (or found) a handoff in this turn. */
  handoff?: { id: string; created: boolean; regionCode: string | null };
  /** Run after the turn's transaction committed (e.g. live signals to agents). */
  afterCommit: (() => void)[];
}

/**
 * The handoff desk as the engine sees it (issue 13): while a person has the conversation the flow does not
 * run; the desk decides what the resident is told.
 */
export interface HandoffGate {
  /**
   * A resident message while a handoff is open. `flow`: run the flow as usual; `withdrawn`: these replies, then the
   * menu (菜单 or 取消 withdrew the handoff); `stop`: opt out, nothing else; `silent`: only these replies (the one
   * acknowledgement, or nothing).
   */
  intercept(turn: TurnContext, a: { command: GlobalCommand | null; text: string; seq: bigint }): Promise<{ act: 'flow' | 'stop' } | { act: 'silent' | 'withdrawn'; replies: ReplyEffect[] }>;
  /** The flow asked for a human in this turn: the replies that replace the flow's (service hours, 12333). */
  opened(turn: TurnContext): Promise<ReplyEffect[]>;
}

/** A turn started by staff (a handoff closed, a task started): events for the flow instead of a message. */
export interface StaffTurn {
  prepare(tx: Tx, turn: TurnContext): Promise<{ events: FlowEvent[]; lead: ReplyEffect[]; expectOption?: string }>;
}

/** `handle(…, { existingOnly: true })` for a conversation that was never started. */
export class ConversationNotFound extends Error {
  constructor() {
    super('No such conversation.');
  }
}

/** The flow did not offer what a staff turn expected (e.g. a task before the resident is verified). */
export class StaffTurnRefused extends Error {
  constructor(public readonly code: 'NOT_VERIFIED') {
    super('The resident must be verified before a task can be started.');
  }
}

/** A flow plugged into the engine: its statechart (made once), the ports bound to a turn, its start input. */
export interface FlowBinding {
  id: string;
  version: number;
  machine: AnyStateMachine;
  /** Runs the flow's part of a turn with the machine's ports bound to that turn. */
  bind<T>(turn: TurnContext, run: () => T): T;
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
  /** The handoff desk (issue 13); without it handoffs are recorded but the bot carries on. */
  handoff?: HandoffGate;
  /** Channels whose turn replies are the HTTP response: no outbox row (default web and assisted). */
  pullChannels?: readonly string[];
  /** Called after a commit that added to a conversation's transcript (live views read it from there). */
  onTranscript?: (channel: string, endpoint: string) => void;
  /** Most engine transactions at once in this process (default 8; below the pool size); the rest queue (FIFO). */
  maxConcurrentTurns?: number;
}

export interface TurnResult {
  conversationId: string;
  replies: OutboundMessage[];
  /** True when the message was a retry of one already answered (the same replies are returned). */
  duplicate: boolean;
}

const IDLE_TIMER = 'idle';
const DEFAULT_PULL_CHANNELS = ['web', 'assisted'];

/**
 * The conversation engine owns the turn (docs/architecture.md "The turn"): de-duplication, one turn at a time per
 * conversation (in-process mutex, plus a row lock and a version so several processes on one PostgreSQL stay
 * safe), snapshot restore with flow versioning, global commands, and one transaction that saves the snapshot,
 * the transcript, the domain writes, the outbox rows and the idle timer. Sending happens after commit.
 */
export class ConversationEngine {
  private readonly mutex = new KeyedMutex();
  private readonly admission: FifoSemaphore;

  constructor(private readonly deps: EngineDeps) {
    this.admission = new FifoSemaphore(deps.maxConcurrentTurns ?? 8);
  }

  /** Admission control (issue 11): a transaction waits in FIFO order for a slot, never failing on the pool's maxWait. Called inside the conversation's mutex (a queued message holds no slot). */
  private transaction<T>(fn: (tx: Tx) => Promise<T>, opts?: { timeout?: number; maxWait?: number }): Promise<T> {
    return this.admission.run(() => this.deps.prisma.$transaction(fn, opts));
  }

  /**
   * Handles one inbound message and returns the replies (already committed and queued for sending).
   * `existingOnly`: the conversation must exist already (a web chat session); otherwise ConversationNotFound.
   */
  handle(raw: InboundMessage, opts: { existingOnly?: boolean } = {}): Promise<TurnResult> {
    // Every channel's text is stored and matched without NUL and other control characters.
    const msg = { ...raw, text: stripControlChars(raw.text) };
    return this.mutex.run(`${msg.channel}\u0000${msg.endpoint}`, () =>
      withActingAgent(msg.agent, () => this.turn(msg.channel, msg.endpoint, msg, null, undefined, opts.existingOnly)),
    );
  }

  /** Starts (or resumes) a conversation without a user message: the greeting of a new web chat session. */
  start(channel: string, endpoint: string, agent?: ActingAgent): Promise<TurnResult> {
    return this.mutex.run(`${channel}\u0000${endpoint}`, () => withActingAgent(agent, () => this.turn(channel, endpoint, null, null, agent)));
  }

  /** A turn started by staff in an existing conversation (see StaffTurn); replies go out through the outbox. */
  async staffTurn(conversationId: string, staff: StaffTurn): Promise<TurnResult> {
    const conv = await this.deps.prisma.conversation.findUniqueOrThrow({ where: { id: conversationId }, select: { channel: true, endpoint: true } });
    return this.mutex.run(`${conv.channel}\u0000${conv.endpoint}`, () => this.turn(conv.channel, conv.endpoint, null, staff));
  }

  /**
   * A staff member writes to the resident (handoff reply): transcript row (with the staff id) and outbox row in
   * one transaction, after `check` (which may refuse by throwing) in the same transaction.
   */
  async staffSay(conversationId: string, staffId: string, text: string, check?: (tx: Tx) => Promise<void>): Promise<OutboundMessage> {
    const conv = await this.deps.prisma.conversation.findUniqueOrThrow({ where: { id: conversationId }, select: { channel: true, endpoint: true } });
    const out = await this.mutex.run(`${conv.channel}\u0000${conv.endpoint}`, () =>
      this.transaction(async (tx) => {
        await check?.(tx);
        const [m] = await this.saveOutbound(tx, conversationId, conv.channel, conv.endpoint, [{ text }], 'agent', staffId);
        return m!;
      }),
    );
    this.deps.onOutbox?.();
    return out;
  }

  /**
   * Ends an idle conversation if nothing happened since the timer was set (token = version then). Returns
   * true when it expired the conversation.
   */
  async expire(conversationId: string, token: number): Promise<boolean> {
    const conv = await this.deps.prisma.conversation.findUnique({ where: { id: conversationId }, select: { channel: true, endpoint: true } });
    if (!conv) return false;
    return this.mutex.run(`${conv.channel}\u0000${conv.endpoint}`, async () => {
      const done = await this.transaction(async (tx) => {
        const rows = await tx.$queryRaw<{ version: number; locale: string; snapshot: unknown; last_prompt: unknown; handoff: string }[]>`
          SELECT version, locale, snapshot, last_prompt, handoff::text AS handoff FROM conversation WHERE id = ${conversationId}::uuid FOR UPDATE`;
        const row = rows[0];
        // A conversation waiting for (or with) a person does not time out.
        const live = row && row.version === token && row.handoff === 'NONE';
        await tx.timer.updateMany({ where: { conversationId, kind: IDLE_TIMER, token }, data: { status: live ? 'FIRED' : 'CANCELLED' } });
        if (!row || !live || row.snapshot === null) return false;
        const locale = isLocale(row.locale) ? row.locale : this.deps.defaultLocale;
        await tx.conversation.update({
          where: { id: conversationId },
          data: { snapshot: Prisma.DbNull, lastPrompt: this.idlePrompt(row.snapshot, row.last_prompt as StoredPrompt | null), version: { increment: 1 } },
        });
        const out = renderReply(this.deps.i18n, locale, { type: 'reply', parts: [{ key: 'common.sessionEnded' }] });
        await this.saveOutbound(tx, conversationId, conv.channel, conv.endpoint, [out], 'notification');
        return true;
      });
      if (done) this.deps.onOutbox?.();
      return done;
    });
  }

  private async turn(
    channel: string,
    endpoint: string,
    msg: InboundMessage | null,
    staff: StaffTurn | null = null,
    agent?: ActingAgent,
    existingOnly = false,
  ): Promise<TurnResult> {
    const { flow } = this.deps;
    const now = this.deps.clock.now();
    let repliesNotBefore = 0;
    const afterCommit: (() => void)[] = [];
    const result = await this.transaction(
      async (tx) => {
        // 1. Lock-or-create and read the conversation, and store the message unless it is a retry (one statement).
        const conv = await openTurn(tx, {
          channel,
          endpoint,
          flowId: flow.id,
          flowVersion: flow.version,
          locale: this.deps.defaultLocale,
          noticeVersion: flow.noticeVersion,
          now,
          inbound: msg ? { externalId: msg.messageId ?? null, text: redactSensitive(msg.text) } : null,
          existingOnly,
        });
        if (!conv) throw new ConversationNotFound();
        // A retried message gets the answer it got the first time.
        if (conv.duplicate) return { conversationId: conv.id, duplicate: true, replies: await earlierReplies(tx, conv.id, msg!.messageId!), queued: false };
        const inboundSeq = conv.inboundSeq;

        let locale: Locale = isLocale(conv.locale) ? conv.locale : this.deps.defaultLocale;
        const bound = conv.personId && conv.boundUntil && conv.boundUntil > now ? conv.personId : null;
        const actingAgent = msg?.agent ?? agent;
        const turn: TurnContext = {
          tx,
          conversationId: conv.id,
          channel,
          endpoint,
          locale,
          now,
          personId: bound,
          afterCommit,
          delayRepliesUntil: (ms) => void (repliesNotBefore = Math.max(repliesNotBefore, ms)),
          ...(actingAgent ? { agent: actingAgent } : {}),
        };
        const lead: ReplyEffect[] = [];
        let lastPrompt = (conv.lastPrompt as StoredPrompt | null) ?? null;
        let promptBefore = lastPrompt;
        let backTo: StepBack | null = null;

        // 2. Restore, or start afresh (new, expired, or saved by an incompatible flow version).
        let snapshot: Snapshot<unknown> | undefined;
        const idleExpired = conv.lastInboundAt && now.getTime() - conv.lastInboundAt.getTime() > this.deps.idleMinutes * 60_000;
        // A staff turn (a handoff closed) continues where the resident was, however long the person took.
        if (conv.snapshot && conv.flowId === flow.id && conv.flowVersion === flow.version && (!idleExpired || staff)) {
          snapshot = conv.snapshot as unknown as Snapshot<unknown>;
        } else if (msg && conv.flowId === flow.id && conv.flowVersion === flow.version) {
          // Back after the idle timeout in the middle of a task: welcome back and go on where it was.
          const resume = conv.snapshot ? resumableOf(conv.snapshot, lastPrompt, now) : lastPrompt?.resume;
          const personOf = (snap: unknown) => (snap as { context?: { personId?: string } }).context?.personId;
          if (canResume(resume, now) && bound && personOf(resume.snapshot) === bound) {
            snapshot = resume.snapshot as Snapshot<unknown>;
            lastPrompt = resume.prompt;
            promptBefore = lastPrompt;
            lead.push({ type: 'reply', parts: [welcomeBack(resume.snapshot)] });
          }
        } else if (conv.snapshot && (conv.flowId !== flow.id || conv.flowVersion !== flow.version)) {
          lead.push({ type: 'reply', parts: [{ key: 'common.flowUpdated' }] });
        }

        // 3. Global commands before any flow step; otherwise a choice or free text.
        let event: FlowEvent | null = null;
        let runFlow = true;
        let staffEvents: FlowEvent[] = [];
        let expectOption: string | undefined;
        // While a person has the conversation the flow is silent (issue 13): only 菜单/取消 and 退订 still act.
        let gate: 'flow' | 'stop' | 'silent' | 'withdrawn' = 'flow';
        if (msg && conv.handoff !== 'NONE' && this.deps.handoff) {
          const g = await this.deps.handoff.intercept(turn, { command: detectCommand(this.deps.i18n, msg.text), text: msg.text, seq: inboundSeq! });
          gate = g.act;
          if ('replies' in g) lead.push(...g.replies);
          runFlow = g.act !== 'silent';
        }
        if (staff) {
          const s = await staff.prepare(tx, turn);
          staffEvents = s.events;
          expectOption = s.expectOption;
          lead.push(...s.lead);
        }
        if (msg?.nonText && !msg.text.trim() && gate !== 'silent') {
          // Voice without recognition, a picture, …: say what the bot can read, then repeat the question.
          lead.push({ type: 'reply', parts: [{ key: 'media.textOnly' }] });
          if (snapshot && lastPrompt) {
            lead.push({ type: 'reply', ...lastPrompt });
            runFlow = false;
          }
        } else if (msg && gate !== 'silent') {
          const cmd = gate === 'withdrawn' ? 'menu' : detectCommand(this.deps.i18n, msg.text);
          if (cmd === 'english' || cmd === 'chinese') {
            locale = cmd === 'english' ? 'en' : 'zh-CN';
            turn.locale = locale;
            lead.push({ type: 'reply', parts: [{ key: 'common.languageSwitched' }] });
            if (snapshot && lastPrompt) {
              lead.push({ type: 'reply', ...promptOnly(lastPrompt) });
              runFlow = false;
            }
          } else if (cmd === 'stop') {
            await tx.conversation.update({ where: { id: conv.id }, data: { optedOutAt: now } });
            if (bound) await tx.person.update({ where: { id: bound }, data: { remindersOptOut: true } });
            lead.push({ type: 'reply', parts: [{ key: 'common.optedOut' }] });
            if (gate === 'stop') runFlow = false;
            else if (snapshot && lastPrompt) {
              lead.push({ type: 'reply', ...promptOnly(lastPrompt) });
              runFlow = false;
            }
          } else if (cmd === 'subscribe') {
            // 订阅/START: reminders back on (the chat identity, and the person it is bound to).
            await tx.conversation.update({ where: { id: conv.id }, data: { optedOutAt: null } });
            if (bound) await tx.person.update({ where: { id: bound }, data: { remindersOptOut: false } });
            lead.push({ type: 'reply', parts: [{ key: 'campaign.optIn.done' }] });
            if (snapshot && lastPrompt) {
              lead.push({ type: 'reply', ...lastPrompt });
              runFlow = false;
            }
          } else if (cmd === 'restart') {
            snapshot = undefined;
            lastPrompt = null;
          } else if (cmd === 'back' && snapshot && lastPrompt?.steps?.length && lastPrompt.steps.at(-1)!.task === taskOf(snapshot)) {
            // 上一步: the previous question of this task, as it was.
            backTo = lastPrompt.steps.at(-1)!;
            lead.push({ type: 'reply', parts: [{ key: 'understanding.back.done' }] }, { type: 'reply', ...backTo.prompt });
            lastPrompt = { ...backTo.prompt, steps: lastPrompt.steps.slice(0, -1) };
            runFlow = false;
          } else if (cmd === 'menu' || cmd === 'back') {
            event = snapshot ? { type: 'user.menu' } : null;
          } else if (cmd === 'human' || cmd === 'progress') {
            event = cmd === 'human' ? { type: 'user.human' } : { type: 'user.progress', text: msg.text };
          } else if (snapshot) {
            // The understanding layer: a choice or a value for the flow, or an answer of its own.
            const saved = snapshot as unknown as { value?: unknown; context?: FlowContextView };
            const u = understand({
              i18n: this.deps.i18n,
              locale,
              text: msg.text,
              now,
              state: leafState(saved.value),
              context: saved.context ?? null,
              ...(lastPrompt?.options ? { options: lastPrompt.options } : {}),
              ...(lastPrompt?.carry ? { carry: lastPrompt.carry } : {}),
            });
            if (u.kind === 'choice') {
              event = { type: 'user.choice', value: u.value };
              if (u.ack) lead.push({ type: 'reply', parts: [u.ack] });
            } else if (u.kind === 'text') {
              event = { type: 'user.text', text: u.text, at: now.toISOString() };
            } else {
              lead.push({ type: 'reply', parts: u.parts, ...(u.options?.length ? { options: u.options } : {}) });
              if (u.repeat && lastPrompt) lead.push({ type: 'reply', parts: lastPrompt.parts, ...(lastPrompt.options ? { options: lastPrompt.options } : {}) });
              if (lastPrompt) lastPrompt = { ...lastPrompt, carry: u.carry };
              runFlow = false;
            }
          }
        }

        // 4. Run the flow until it waits for the user again.
        const effects: FlowEffect[] = [];
        let persisted: unknown = conv.snapshot;
        if (runFlow) {
          // The input only matters for a fresh start; a restored snapshot carries its own context.
          const noticeAcknowledged = snapshot ? true : conv.noticeAcknowledged;
          persisted = await flow.bind(turn, () => this.runFlow(turn, { snapshot, event, staffEvents, expectOption, noticeAcknowledged }, effects));
        }
        if (backTo) persisted = backTo.snapshot;

        // The flow asked for a human: the desk says what happens next instead of the flow's own replies.
        if (turn.handoff && this.deps.handoff) {
          const instead = await this.deps.handoff.opened(turn);
          const kept = effects.filter((e) => e.type !== 'reply');
          effects.length = 0;
          effects.push(...kept, ...instead);
        }

        // 5. Render and save everything in this one transaction.
        const replies: OutboundMessage[] = [];
        for (const r of lead) replies.push(renderReply(this.deps.i18n, locale, r));
        for (const e of effects) {
          if (e.type === 'setLocale') {
            locale = e.locale !== 'other' ? e.locale : locale === 'en' ? 'zh-CN' : 'en';
            turn.locale = locale;
          } else if (!e.receipt) {
            replies.push(renderReply(this.deps.i18n, locale, e));
            lastPrompt = { parts: e.parts, ...(e.options ? { options: e.options } : {}) };
          }
        }
        replies.push(...renderReceipts(this.deps.i18n, locale, effects, now));
        if (runFlow && snapshot && lastPrompt && lastPrompt !== promptBefore) {
          const steps = nextSteps(snapshot, promptBefore, persisted);
          if (steps.length) lastPrompt = { ...lastPrompt, steps };
        }
        const pushed = !this.pulls(channel);
        const saved = await closeTurn(tx, {
          conversationId: conv.id,
          version: conv.version,
          snapshot: persisted,
          flowId: flow.id,
          flowVersion: flow.version,
          locale,
          lastPrompt,
          lastInboundAt: msg ? now : null,
          idleTimer: { kind: IDLE_TIMER, dueAt: new Date(now.getTime() + this.deps.idleMinutes * 60_000) },
          channel,
          endpoint,
          inReplyTo: inboundSeq,
          messages: replies,
          outbox: pushed ? 'reply' : null,
          staffId: null,
          now: this.deps.clock.now(),
        });
        if (!saved) throw new Error('conversation changed during the turn (version conflict)');
        return { conversationId: conv.id, duplicate: false, replies: saved, queued: pushed && saved.length > 0 };
      },
      { timeout: (this.deps.turnTimeoutMs ?? 15_000) + 5_000, maxWait: 10_000 },
    );
    const hold = repliesNotBefore - Date.now();
    if (hold > 0) await new Promise((r) => setTimeout(r, hold));
    if (result.queued) this.deps.onOutbox?.();
    if (!result.duplicate) this.deps.onTranscript?.(channel, endpoint);
    for (const fn of afterCommit) fn();
    return { conversationId: result.conversationId, duplicate: result.duplicate, replies: result.replies };
  }

  /** Runs the flow until it waits for the user again; its effects go to `effects`. Returns the snapshot to save. */
  private async runFlow(
    turn: TurnContext,
    run: { snapshot: Snapshot<unknown> | undefined; event: FlowEvent | null; staffEvents: FlowEvent[]; expectOption: string | undefined; noticeAcknowledged: boolean },
    effects: FlowEffect[],
  ): Promise<unknown> {
    const { event } = run;
    const { flow } = this.deps;
    const actor = createActor(flow.machine, {
      ...(run.snapshot ? { snapshot: run.snapshot } : {}),
      input: flow.input({ ...turn, noticeAcknowledged: run.noticeAcknowledged }),
    });
    actor.on('*', (e) => effects.push(e as FlowEffect));
    let failure: unknown;
    actor.subscribe({ error: (err) => (failure = err) });
    actor.start();
    if (event && run.snapshot) actor.send(event);
    else if (event && !run.snapshot && (event.type === 'user.human' || event.type === 'user.progress')) {
      // A first message of "human" (or 查进度): hand over (or answer) at once instead of greeting and then greeting again.
      effects.length = 0;
      actor.send(event);
    }
    const settle = () => waitFor(actor, (s) => s.hasTag('awaitingInput') || s.status !== 'active', { timeout: this.deps.turnTimeoutMs ?? 15_000 });
    await settle();
    for (const [i, ev] of run.staffEvents.entries()) {
      if (i === run.staffEvents.length - 1 && run.expectOption) {
        // A task: only its own prompt is shown, and only if the flow offered it (a verified resident's menu).
        const offered = effects.some((e) => e.type === 'reply' && e.options?.some((o) => o.value === run.expectOption));
        if (!offered) throw new StaffTurnRefused('NOT_VERIFIED');
        effects.length = 0;
      }
      actor.send(ev);
      await settle();
    }
    if (failure) throw failure;
    const persisted = actor.getPersistedSnapshot();
    actor.stop();
    return persisted;
  }

  /** The open question of a conversation that went idle: nothing, or the unfinished task to resume. */
  private idlePrompt(snapshot: unknown, prompt: StoredPrompt | null): Prisma.InputJsonValue | typeof Prisma.DbNull {
    const resume = resumableOf(snapshot, prompt, this.deps.clock.now());
    return resume ? ({ parts: [], resume } as unknown as Prisma.InputJsonValue) : Prisma.DbNull;
  }

  /** Transcript rows and outbox rows for outgoing messages, in the caller's transaction (one statement). */
  private saveOutbound(tx: Tx, conversationId: string, channel: string, endpoint: string, messages: OutboundMessage[], kind: 'notification' | 'agent', staffId?: string) {
    return saveOutbound(tx, { conversationId, channel, endpoint, inReplyTo: null, messages, outbox: kind, staffId: staffId ?? null, now: this.deps.clock.now() });
  }

  /** A channel whose replies are the HTTP response (web chat, assisted): transcript only, no outbox row. */
  private pulls(channel: string): boolean {
    return (this.deps.pullChannels ?? DEFAULT_PULL_CHANNELS).includes(channel);
  }
}
