import type { i18n } from 'i18next';
import type { FlowEffect, ReplyEffect, TextPart } from '../../flows/effects';
import { chinaDate } from '../domain/calendar/china-time';
import { redactSensitive } from '../domain/codes/masking';
import type { Locale } from '../lib/i18n';
import type { OutboundMessage } from './messages';
import { phrase } from './phrases';

const NESTED = /^\$t\(([\w.-]+)\)$/;

function renderPart(i18n: i18n, lng: Locale, part: TextPart, replace: Record<string, string> = {}): string {
  const params: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(part.params ?? {})) {
    const m = typeof v === 'string' ? NESTED.exec(v) : null;
    params[k] = replace[k] ?? (m?.[1] ? phrase(i18n, lng, m[1]) : v);
  }
  return part.params ? i18n.t(part.key, { lng, ...params }) : phrase(i18n, lng, part.key);
}

const slot = (k: string) => `\u27e6${k}\u27e7`;

/** A part as the resident reads it: redacted like any reply, except its sensitive parameters, which are shown in full. */
function renderInFull(i18n: i18n, lng: Locale, part: TextPart): string {
  const names = Object.keys(part.sensitive ?? {});
  let text = redactSensitive(renderPart(i18n, lng, part, Object.fromEntries(names.map((k) => [k, slot(k)]))));
  for (const k of names) text = text.split(slot(k)).join(String(part.params?.[k] ?? ''));
  return text;
}

/**
 * Renders a flow's reply in the conversation's language. Parameters of the form "$t(key)" are translated
 * first (values from data are never treated as templates). The result passes through redactSensitive as a
 * last guard: no reply can carry a full ID number or phone, except a part's `sensitive` parameters (a value the
 * verified resident just typed, read back): then `transcriptText` is the reply with those masked, which is what
 * the transcript stores.
 */
export function renderReply(i18n: i18n, lng: Locale, r: ReplyEffect): OutboundMessage {
  const masked = redactSensitive(r.parts.map((p) => renderPart(i18n, lng, p, p.sensitive)).join('\n'));
  const sensitive = r.parts.some((p) => p.sensitive && Object.keys(p.sensitive).length);
  // "Reply with a number" only under numbered options; "0 for the menu" alone also under a typed answer's question.
  const hint = r.hint && (r.options?.length || r.hint === 'menu') ? `\n${phrase(i18n, lng, `common.hint.${r.hint}`)}` : '';
  return {
    text: (sensitive ? r.parts.map((p) => (p.sensitive ? renderInFull(i18n, lng, p) : redactSensitive(renderPart(i18n, lng, p)))).join('\n') : masked) + hint,
    ...(sensitive ? { transcriptText: masked + hint } : {}),
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
