import type { i18n } from 'i18next';
import type { ChoiceOption, TextPart } from '../../../flows/effects';
import { LOCALES, synonyms, type Locale } from '../../lib/i18n';
import { matchChoice } from '../text-matching';
import { parseDateAnswer, parseMonthOfYear } from './dates';
import { extractDigits, extractIdNumber, extractPhone, idNumberCandidate, normaliseCreditCode } from './entities';
import { expectationOf, type Expectation, type FlowContextView } from './expectations';
import { faqModel, menuModel } from './models';
import { normaliseKey, normaliseName, normaliseText } from './normalise';
import { parseOrdinal } from './numbers';

/**
 * The understanding layer between what a resident types and the flow: it turns a sentence into the choice
 * or the value the open question asks for, or answers it itself (a question from the FAQ, a request for help,
 * a clarifying question when it is unsure). The flow keeps receiving choices and values and keeps validating.
 */

/** At or above this confidence a menu sentence is taken as the option. */
export const CHOICE_THRESHOLD = 0.7;
/** Between this and CHOICE_THRESHOLD the bot asks "您是想...吗？" with the two best guesses. */
export const CLARIFY_THRESHOLD = 0.2;
/** A FAQ answer needs at least this confidence. */
export const FAQ_THRESHOLD = 0.6;

/** What the layer remembers for the next turn (stored with the open question). */
export interface Carry {
  /** The two guesses of a clarifying question, in the order offered. */
  clarify?: string[];
  /** A year heard without its month ("2009年退的休"), while the month is asked. */
  year?: number;
}

export interface UnderstandInput {
  i18n: i18n;
  locale: Locale;
  text: string;
  now: Date;
  /** The state the flow waits in, and its context (from the saved snapshot). */
  state: string | null;
  context: FlowContextView | null;
  /** The options of the open question, if it has any. */
  options?: ChoiceOption[];
  carry?: Carry;
}

export type Understanding =
  /** An option of the open question; `ack` is said first when the resident chose it in words. */
  | { kind: 'choice'; value: string; ack?: TextPart }
  /** Text for the flow: the value found in the sentence, normalised, or the sentence itself. */
  | { kind: 'text'; text: string }
  /** The layer answers itself; `repeat` re-asks the open question after it. */
  | { kind: 'answer'; parts: TextPart[]; options?: ChoiceOption[]; repeat: boolean; carry?: Carry };

const HELP = /^(帮助|求助|帮帮我|帮我|help|help me|怎么弄|怎么填|怎么输入|不会|不会弄|我不会|看不懂|不懂|什么意思|啥意思|\?|？)$/iu;
const QUESTION = /[?？]\s*$|(吗|么|呢|嘛)[?？。.!！\s]*$|为什么|为啥|怎么|什么|多少|哪里|哪个|哪儿|几天|多久|能不能|可不可以|是不是|有没有|^(how|what|why|when|where|who|which|can|is|are|do|does)\b/iu;

/** Words of the answers.yes / answers.no lists in any language. */
function isWord(i18n: i18n, key: string, t: string): boolean {
  return LOCALES.some((l) => synonyms(i18n, l, key).includes(t));
}

function helpParts(i18n: i18n, state: string | null, options: ChoiceOption[] | undefined): TextPart[] {
  const own = state ? `understanding.help.${state}` : '';
  const parts: TextPart[] = own && i18n.exists(own) ? [{ key: 'understanding.help.lead' }, { key: own }] : [];
  if (options?.length && state !== 'awaitingNoticeAck') parts.push({ key: 'understanding.help.choice' });
  if (parts.length === 0) parts.push({ key: 'understanding.help.choice' });
  parts.push({ key: 'understanding.help.human' });
  return parts;
}

function faq(i18n: i18n, t: string, state: string | null): { parts: TextPart[]; greeting: boolean } | null {
  const c = faqModel(i18n).classify(t);
  if (!c.intent || c.score < FAQ_THRESHOLD) return null;
  const parts: TextPart[] = [{ key: `understanding.faq.${c.intent}.a` }];
  // A greeting on the notice gets a short hello and what to reply, not the whole notice again.
  const greeting = c.intent === 'greeting' && state === 'awaitingNoticeAck';
  if (greeting) parts.push({ key: 'understanding.help.awaitingNoticeAck' });
  return { parts, greeting };
}

function faqAnswer(f: { parts: TextPart[]; greeting: boolean }, options: ChoiceOption[]): Understanding {
  return f.greeting ? { kind: 'answer', parts: f.parts, options, repeat: false } : { kind: 'answer', parts: f.parts, repeat: true };
}

function ackFor(i18n: i18n, state: string | null, value: string): TextPart | undefined {
  const key = state ? `understanding.ack.${state}.${value}` : '';
  return key && i18n.exists(key) ? { key } : undefined;
}

/** A choice among the options: label, word, number or ordinal, then the classifier. */
function understandChoice(input: UnderstandInput, t: string, options: ChoiceOption[], strict: boolean): Understanding | null {
  const { i18n, locale, state } = input;
  const exact = matchChoice(i18n, locale, options, t) ?? matchChoice(i18n, locale, options, t.replace(/(\D)\1+/gu, '$1'));
  if (exact) return { kind: 'choice', value: exact, ...(/^\d+$/u.test(t) ? {} : withAck(ackFor(i18n, state, exact))) };
  const n = parseOrdinal(t);
  if (n !== null) {
    const o = options[n - 1];
    return o ? { kind: 'choice', value: o.value } : null;
  }
  const c = menuModel(i18n, options, state).classify(t);
  if (c.intent && c.score >= (strict ? 0.8 : CHOICE_THRESHOLD)) return { kind: 'choice', value: c.intent, ...withAck(ackFor(i18n, state, c.intent)) };
  if (strict) return null;
  const guesses = c.ranked.slice(0, 2);
  if (c.intent && c.score >= CLARIFY_THRESHOLD && guesses.length > 0) {
    const opts = guesses.map((g) => options.find((o) => o.value === g.intent)!).filter(Boolean);
    return {
      kind: 'answer',
      parts: [{ key: 'understanding.clarify.prompt', params: { a: `$t(${opts[0]!.labelKey})` } }],
      options: opts,
      repeat: false,
      carry: { clarify: opts.map((o) => o.value) },
    };
  }
  return null;
}

const withAck = (ack: TextPart | undefined) => (ack ? { ack } : {});

/**
 * A choice made in words may name what it is about (我的医保交了没有: the status, medical first): the value
 * becomes `<value>:<focus>` when a word of `understanding.focus.<value>.<focus>` is in the sentence.
 */
function withFocus(i18n: i18n, locale: Locale, u: Understanding, t: string): Understanding {
  if (u.kind !== 'choice' || /^\d+$/u.test(t)) return u;
  const focuses = i18n.t(`understanding.focus.${u.value}`, { lng: locale, returnObjects: true }) as unknown;
  if (!focuses || typeof focuses !== 'object' || Array.isArray(focuses)) return u;
  const lower = t.toLowerCase();
  const hit = Object.entries(focuses as Record<string, string[]>).find(([, words]) => words.some((w) => lower.includes(w.toLowerCase())));
  return hit ? { ...u, value: `${u.value}:${hit[0]}` } : u;
}

/** The value a question expects, found in the sentence; null when there is none. */
function extractValue(expect: Expectation, input: UnderstandInput, t: string): string | null {
  switch (expect) {
    case 'idNumber':
      return extractIdNumber(t) ?? idNumberCandidate(t);
    case 'phone':
      return extractPhone(t);
    case 'factor':
      return extractDigits(t, input.context?.verifyMethod === 'sms' ? 6 : 4);
    case 'name': {
      const name = normaliseName(t);
      return /\d/u.test(name) || QUESTION.test(t) ? null : name;
    }
    case 'ordinal': {
      const n = parseOrdinal(t);
      return n !== null ? String(n) : null;
    }
    case 'birthDate': {
      const d = parseDateAnswer(t, input.now);
      return d?.kind === 'day' ? d.value : null;
    }
    case 'month': {
      if (input.carry?.year !== undefined) {
        const m = parseMonthOfYear(t, input.carry.year);
        if (m?.kind === 'month') return m.value;
      }
      const d = parseDateAnswer(t, input.now);
      return d?.kind === 'month' || d?.kind === 'day' ? d.value : null;
    }
    case 'creditCode':
      return /[0-9A-Za-z]{15,}/u.test(t.replace(/[\s-]/gu, '')) ? normaliseCreditCode(t) : null;
    default:
      return null;
  }
}

export function understand(input: UnderstandInput): Understanding {
  const { i18n, state } = input;
  const raw = input.text;
  const t = normaliseText(raw);
  const key = normaliseKey(raw);
  const options = input.options ?? [];
  const expect = expectationOf(state, input.context);

  // Help, at any step.
  if (HELP.test(raw.trim()) || HELP.test(key)) return { kind: 'answer', parts: helpParts(i18n, state, options), repeat: true };

  // The answer to a clarifying question.
  if (input.carry?.clarify?.length) {
    const guesses = input.carry.clarify;
    const n = parseOrdinal(key);
    if (n !== null && guesses[n - 1]) return { kind: 'choice', value: guesses[n - 1]! };
    if (isWord(i18n, 'answers.yes', key)) return { kind: 'choice', value: guesses[0]! };
    if (isWord(i18n, 'answers.no', key)) return { kind: 'answer', parts: [{ key: 'understanding.clarify.none' }], repeat: true };
  }

  if (expect === 'choice') {
    if (options.length === 0) return { kind: 'text', text: t };
    // A mobile number where "phone" is one of the options (which detail to correct): that is the new number.
    const phone = options.some((o) => o.value === 'phone') ? extractPhone(t) : null;
    if (phone) return { kind: 'text', text: phone };
    const first = faq(i18n, t, state);
    if (first && (QUESTION.test(raw) || first.parts[0]!.key === 'understanding.faq.greeting.a')) return faqAnswer(first, options);
    const chosen = understandChoice(input, key, options, false);
    // What the choice is about (我的医保…, 改手机号) only matters at the menu, whose routes take `<value>:<focus>`.
    if (chosen) return state === 'awaitingChoice' ? withFocus(i18n, input.locale, chosen, t) : chosen;
    if (first) return faqAnswer(first, options);
    return { kind: 'text', text: t };
  }

  if (expect === 'freeText') {
    if (options.length) {
      const chosen = understandChoice(input, key, options, true);
      if (chosen) return chosen;
    }
    const asked = QUESTION.test(raw) ? faq(i18n, t, state) : null;
    if (asked) return faqAnswer(asked, options);
    // Free text is kept as typed (Chinese punctuation inside it too), only trimmed.
    return { kind: 'text', text: raw.trim().replace(/\s+/gu, ' ').replace(/[。.]+$/u, '') || raw };
  }

  // A value: look for it in the sentence first.
  const value = extractValue(expect, input, t);
  if (value !== null && expect !== 'name') return { kind: 'text', text: value };
  if (expect === 'month' && input.carry?.year === undefined) {
    const d = parseDateAnswer(t, input.now);
    if (d?.kind === 'year') return { kind: 'answer', parts: [{ key: 'understanding.askMonth', params: { year: d.year } }], options, repeat: false, carry: { year: d.year } };
  }
  const noDigits = !/\d/u.test(t);
  // An option of the question said in words (孩子刚出生，还没有身份证号) before any FAQ answer on the subject.
  if (options.length && !QUESTION.test(raw)) {
    const chosen = understandChoice(input, key, options, true);
    if (chosen) return chosen;
  }
  if (QUESTION.test(raw) || (noDigits && expect !== 'name')) {
    const asked = faq(i18n, t, state);
    if (asked) return faqAnswer(asked, options);
  }
  if (options.length) {
    const chosen = understandChoice(input, key, options, true);
    if (chosen) return chosen;
  }
  if (expect === 'name' && value !== null) return { kind: 'text', text: value };
  return { kind: 'text', text: t };
}
