import type { i18n } from 'i18next';
import type { FlowEffect, ReplyEffect, TextPart } from '../../flows/effects';
import { chinaDate } from '../domain/calendar/china-time';
import { redactSensitive } from '../domain/codes/masking';
import type { Locale } from '../lib/i18n';
import type { OutboundMessage } from './messages';
import { phrase } from './phrases';

const NESTED = /^\$t\(([\w.-]+)\)$/;

function renderPart(i18n: i18n, lng: Locale, part: TextPart): string {
  const params: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(part.params ?? {})) {
    const m = typeof v === 'string' ? NESTED.exec(v) : null;
    params[k] = m?.[1] ? phrase(i18n, lng, m[1]) : v;
  }
  return part.params ? i18n.t(part.key, { lng, ...params }) : phrase(i18n, lng, part.key);
}

/**
 * Renders a flow's reply in the conversation's language. Parameters of the form "$t(key)" are translated
 * first (values from data are never treated as templates). The result passes through redactSensitive as a
 * last guard: no reply carries a full ID number or phone (DOMAIN.md), not even one the resident just typed.
 */
export function renderReply(i18n: i18n, lng: Locale, r: ReplyEffect): OutboundMessage {
  const text = redactSensitive(r.parts.map((p) => renderPart(i18n, lng, p)).join('\n'));
  // "Reply with a number" only under numbered options; "0 for the menu" alone also under a typed answer's question.
  const hint = r.hint && (r.options?.length || r.hint === 'menu') ? `\n${phrase(i18n, lng, `common.hint.${r.hint}`)}` : '';
  return {
    text: text + hint,
    ...(r.options?.length ? { options: r.options.map((o) => ({ value: o.value, label: phrase(i18n, lng, o.labelKey) })) } : {}),
  };
}

/** The turn's receipts (new requests' references), rendered with the turn's China date, to be sent after everything else. */
export function renderReceipts(i18n: i18n, lng: Locale, effects: FlowEffect[], now: Date): OutboundMessage[] {
  const date = chinaDate(now);
  return effects
    .filter((e): e is ReplyEffect => e.type === 'reply' && e.receipt === true)
    .map((r) => renderReply(i18n, lng, { ...r, parts: r.parts.map((p) => ({ ...p, params: { ...p.params, date } })) }));
}
