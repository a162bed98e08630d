import type { PrismaClient } from '../generated/prisma/client';
import {
  claimHandoff,
  closeHandoff,
  getHandoff,
  HANDOFF_TASKS,
  heldHandoff,
  listHandoffs,
  type HandoffEnv,
  type HandoffFailure,
  type HandoffOutcome,
  type HandoffStatusCode,
  type HandoffTask,
} from '../domain/handoff/handoff.service';
import type { HandoffBus } from '../domain/handoff/handoff-bus';
import type { ServiceHours } from '../domain/handoff/service-hours';
import { recordAudit } from '../domain/staff/audit.service';
import type { StaffPrincipal } from '../domain/staff/staff.service';
import type { Clock } from '../lib/clock';
import { StaffTurnRefused, type ConversationEngine } from './engine';
import type { OutboundMessage } from './messages';

export interface HandoffDeskDeps {
  prisma: PrismaClient;
  engine: ConversationEngine;
  bus: HandoffBus;
  clock: Clock;
  hours: ServiceHours;
  escalateMinutes: number;
}

class Refused extends Error {
  constructor(readonly failure: HandoffFailure) {
    super(failure.message);
  }
}

const notHeld: HandoffFailure = { ok: false, code: 'NOT_CLAIMED_BY_YOU', message: 'Claim the conversation first; only the agent who has it can answer.' };

/**
 * What an agent does with a handoff: list, view, claim (domain service), and the three acts that reach the
 * resident through the engine: reply (outbox of the resident's channel), start a task, close.
 */
export class HandoffDesk {
  constructor(private readonly d: HandoffDeskDeps) {}

  env(): HandoffEnv {
    return { db: this.d.prisma, now: this.d.clock.now(), hours: this.d.hours, escalateMinutes: this.d.escalateMinutes };
  }

  list(principal: StaffPrincipal, status?: HandoffStatusCode) {
    return listHandoffs(this.env(), principal, status);
  }

  get(principal: StaffPrincipal, id: string) {
    return getHandoff(this.env(), principal, id);
  }

  async claim(principal: StaffPrincipal, id: string, version: number) {
    const r = await claimHandoff(this.env(), principal, id, version);
    if (r.ok) this.signal('handoff.updated', r.item.id, r.item.conversationId, r.item.regionCode, 'TAKEN');
    return r;
  }

  /** The agent's reply goes out through the resident's channel (outbox), in the transcript with the agent's id. */
  async reply(principal: StaffPrincipal, id: string, text: string): Promise<{ ok: true; message: OutboundMessage & { at: string } } | HandoffFailure> {
    const env = this.env();
    const row = await heldHandoff(env, principal, id, 'handoff.reply');
    if ('ok' in row) return row;
    try {
      const m = await this.d.engine.staffSay(row.conversationId, principal.id, text, async (tx) => {
        const still = await tx.handoffRequest.count({ where: { id, status: 'TAKEN', takenBy: principal.id } });
        if (!still) throw new Refused(notHeld);
        // A person is talking now: the bot's one "received" acknowledgement is no longer needed.
        await tx.handoffRequest.updateMany({ where: { id, ackedAt: null }, data: { ackedAt: env.now } });
        await recordAudit(tx, { actorType: 'STAFF', actorId: principal.id, source: 'api', action: 'handoff.reply', targetType: 'handoff', targetId: id, at: env.now, details: { length: text.length } });
      });
      const at = this.d.clock.now().toISOString();
      this.d.bus.publish({
        type: 'handoff.message',
        handoffId: id,
        conversationId: row.conversationId,
        regionCode: row.regionCode,
        at,
        message: { id: m.id ?? '', direction: 'out', author: 'staff', text: m.text },
      });
      return { ok: true, message: { ...m, at } };
    } catch (e) {
      if (e instanceof Refused) return e.failure;
      throw e;
    }
  }

  /** Closes the handoff (the bot greets again from the menu), or sends the resident into a task. */
  async close(principal: StaffPrincipal, id: string, outcome: Exclude<HandoffOutcome, 'WITHDRAWN'>, task?: HandoffTask) {
    const env = this.env();
    const row = await heldHandoff(env, principal, id, task ? 'handoff.start' : 'handoff.close');
    if ('ok' in row) return row;
    try {
      const turn = await this.d.engine.staffTurn(row.conversationId, {
        prepare: async (tx, t) => {
          const held = await tx.handoffRequest.findFirst({ where: { id, status: 'TAKEN', takenBy: principal.id } });
          if (!held) throw new Refused(notHeld);
          await closeHandoff(tx, { handoff: held, outcome, staffId: principal.id, source: 'api', now: t.now });
          if (task) {
            await recordAudit(tx, { actorType: 'STAFF', actorId: principal.id, source: 'api', action: 'handoff.start', targetType: 'handoff', targetId: id, at: t.now, details: { task } });
            return { events: [{ type: 'user.menu' }, { type: 'user.choice', value: HANDOFF_TASKS[task] }], lead: [], expectOption: HANDOFF_TASKS[task] };
          }
          return { events: [{ type: 'user.menu' }], lead: [{ type: 'reply', parts: [{ key: 'handoff.resident.closed' }] }] };
        },
      });
      this.signal('handoff.updated', id, row.conversationId, row.regionCode, 'CLOSED');
      return { ok: true as const, replies: turn.replies };
    } catch (e) {
      if (e instanceof Refused) return e.failure;
      if (e instanceof StaffTurnRefused) {
        return { ok: false, code: 'NOT_VERIFIED', message: 'The resident has not verified their identity yet; a task can only start after verification.' } satisfies HandoffFailure;
      }
      throw e;
    }
  }

  private signal(type: 'handoff.updated', handoffId: string, conversationId: string, regionCode: string | null, status: string) {
    this.d.bus.publish({ type, handoffId, conversationId, regionCode, status, at: this.d.clock.now().toISOString() });
  }
}
