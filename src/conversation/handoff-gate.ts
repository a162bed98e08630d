import type { i18n } from 'i18next';
import type { ReplyEffect, TextPart } from '../../flows/effects';
import { acknowledgeOnce, closeHandoff, openHandoffOf } from '../domain/handoff/handoff.service';
import type { HandoffBus, HandoffSignal } from '../domain/handoff/handoff-bus';
import { chinaTimeLabel, isOpen, nextOpening, type ServiceHours } from '../domain/handoff/service-hours';
import { redactSensitive } from '../domain/codes/masking';
import { LOCALES } from '../lib/i18n';
import type { HandoffGate, TurnContext } from './engine';
import { phraseList } from './phrases';
import { normaliseAnswer } from './text-matching';

export interface HandoffGateDeps {
  hours: ServiceHours;
  bus: HandoffBus;
  i18n: i18n;
}

/** How to stop waiting for a person, said with every answer of the desk while the resident waits. */
const HOW_TO_WITHDRAW: TextPart = { key: 'handoff.resident.howToWithdraw' };

const say = (key: string, params?: Record<string, string | number>): ReplyEffect => ({ type: 'reply', parts: [{ key, ...(params ? { params } : {}) }, HOW_TO_WITHDRAW] });

/** 不用了, 不等了, no thanks … (handoff.answers.withdraw, in any language): the resident no longer wants a person. The words
 * that give up on any question (取消, 算了, cancel) are the global menu command, which withdraws too. */
function isWithdrawal(i18n: i18n, text: string): boolean {
  const t = normaliseAnswer(text);
  return LOCALES.some((lng) => phraseList(i18n, lng, 'handoff.answers.withdraw').includes(t));
}

/** When someone will answer, as message parameters (China time). */
export function openingParams(hours: ServiceHours, now: Date): Record<string, string | number> | null {
  const at = nextOpening(hours, now);
  if (!at) return null;
  const l = chinaTimeLabel(at);
  return { month: Number(l.date.slice(5, 7)), day: Number(l.date.slice(8, 10)), time: l.time, weekday: `$t(handoff.weekday.${l.weekday})` };
}

/** What a resident is told when asking for a person: someone answers here soon, or when (out of hours) and 12333. */
export function handoffOpenedReply(hours: ServiceHours, now: Date): ReplyEffect {
  if (isOpen(hours, now)) return say('handoff.resident.requested');
  const when = openingParams(hours, now);
  return when ? say('handoff.resident.outOfHours', when) : say('handoff.resident.closedNoHours');
}

/**
 * The engine's handoff gate: while a handoff is open the resident's messages go to the agent (live signal), the
 * resident gets one acknowledgement (with how to stop waiting), 菜单 or a withdrawal word (取消, 算了, cancel …)
 * withdraws the request (closed WITHDRAWN, so no agent answers it; the resident is told, then the menu follows)
 * and 退订 still opts out.
 */
export function createHandoffGate(deps: HandoffGateDeps): HandoffGate {
  const signal = (turn: TurnContext, s: Omit<HandoffSignal, 'conversationId' | 'at'>) =>
    turn.afterCommit.push(() => deps.bus.publish({ ...s, conversationId: turn.conversationId, at: turn.now.toISOString() }));
  return {
    async intercept(turn, { command, text, seq }) {
      const { tx, now } = turn;
      const h = await openHandoffOf(tx, turn.conversationId);
      if (!h) {
        await tx.conversation.update({ where: { id: turn.conversationId }, data: { handoff: 'NONE' } });
        return { act: 'flow' };
      }
      signal(turn, {
        type: 'handoff.message',
        handoffId: h.id,
        regionCode: h.regionCode,
        message: { id: seq.toString(), direction: 'in', author: 'resident', text: redactSensitive(text) },
      });
      if (command === 'menu' || isWithdrawal(deps.i18n, text)) {
        await closeHandoff(tx, { handoff: h, outcome: 'WITHDRAWN', staffId: null, source: turn.channel, now });
        signal(turn, { type: 'handoff.updated', handoffId: h.id, regionCode: h.regionCode, status: 'CLOSED', outcome: 'WITHDRAWN' });
        return { act: 'withdrawn', replies: [{ type: 'reply', parts: [{ key: 'handoff.resident.withdrawn' }] }] };
      }
      if (command === 'stop') return { act: 'stop' };
      if (!(await acknowledgeOnce(tx, h.id, now))) return { act: 'silent', replies: [] };
      if (h.status === 'OPEN' && !isOpen(deps.hours, now)) {
        const when = openingParams(deps.hours, now);
        return { act: 'silent', replies: [when ? say('handoff.resident.ackOutOfHours', when) : say('handoff.resident.closedNoHours')] };
      }
      return { act: 'silent', replies: [say('handoff.resident.ack')] };
    },
    async opened(turn) {
      const h = turn.handoff!;
      if (h.created) signal(turn, { type: 'handoff.created', handoffId: h.id, regionCode: h.regionCode, status: 'OPEN' });
      return [handoffOpenedReply(deps.hours, turn.now)];
    },
  };
}
