import type { EnrolmentLine, EnrolmentStatusView, HouseholdView, MaskedDetails, RequestProgress, SchemeFocus } from '../../src/domain/ports';
import { reply, type ChoiceOption, type FlowEffect, type ReplyEffect, type TextPart } from '../effects';
import { MAX_FAILURES, type ResidentContext } from './setup';

/**
 * How the resident flow says things: a question's prompt (asked on entry, re-asked after a failed answer), the
 * numbered options, and the replies that show data (status, details, household). Every key is a locale key
 * `<flow-state>.<purpose>`; the engine renders them in the conversation's language.
 */

/** A question: its sentences, its numbered options (if any), and the example shown after MAX_FAILURES failures. */
export interface Prompt {
  parts: (ctx: ResidentContext) => TextPart[];
  options?: ChoiceOption[] | ((ctx: ResidentContext) => ChoiceOption[] | undefined);
  example?: string | ((ctx: ResidentContext) => string);
  /** The line under the options; by default "reply with a number", and "0 for the menu" once verified. */
  hint?: ReplyEffect['hint'];
  /** Answered by typing (askText): its options are a way out, not the answer, so only "0 for the menu" is said. */
  typed?: true;
}

/** A numbered option: the value the flow routes on, its label, and the locale list of words that also select it. */
export const opt = (value: string, labelKey: string, synonymsKey?: string): ChoiceOption => ({
  value,
  labelKey,
  ...(synonymsKey ? { synonymsKey } : {}),
});

/** "Back to the menu", offered in several questions. */
export const MENU_OPTION = opt('menu', 'common.optionMenu', 'answers.menu');

/** A prompt of one sentence, with options or an example. */
export const says = (key: string, more: Omit<Prompt, 'parts'> = {}): Prompt => ({ parts: () => [{ key }], ...more });

/** A text question whose keys follow the step's name: `<step>.prompt`, `<step>.example` and `<step>.error`. */
export const keyedQuestion = (step: string) => ({ prompt: says(`${step}.prompt`, { example: `${step}.example` }), error: { key: `${step}.error` } });

function resolve(p: Prompt, ctx: ResidentContext) {
  const options = typeof p.options === 'function' ? p.options(ctx) : p.options;
  const example = typeof p.example === 'function' ? p.example(ctx) : p.example;
  return { parts: p.parts(ctx), options, example };
}

/** Sentences that already say to reply with the option's number: a reply with one keeps only the menu half of the hint. */
const SAYS_NUMBER = new Set(['common.pleaseChoose', 'common.explainChoices']);

/**
 * The line that ends a question (ReplyEffect.hint). Numbered options: "reply with a number", and "0 for the menu"
 * once verified. A question answered by typing (no options, or `typed`): only "0 for the menu", once verified.
 * Nothing is said twice: a reply whose sentences already ask for the number keeps only the menu half.
 */
function hintOf(p: Prompt, ctx: ResidentContext, parts: TextPart[], options: ChoiceOption[] | undefined): ReplyEffect['hint'] {
  if (p.typed || !options?.length) return ctx.personId ? 'menu' : undefined;
  const full = p.hint ?? (ctx.personId ? 'numberOrMenu' : 'number');
  if (!parts.some((part) => SAYS_NUMBER.has(part.key))) return full;
  return full === 'numberOrMenu' ? 'menu' : undefined;
}

function withHint(p: Prompt, ctx: ResidentContext, parts: TextPart[], options: ChoiceOption[] | undefined): ReplyEffect {
  const r = reply(parts, options);
  const hint = hintOf(p, ctx, parts, options);
  return hint ? { ...r, hint } : r;
}

/** The question as asked, after any leading sentences. */
export function ask(p: Prompt, ctx: ResidentContext, lead: TextPart[] = []): FlowEffect {
  const r = resolve(p, ctx);
  return withHint(p, ctx, [...lead, ...r.parts], r.options);
}

/** The re-ask after a failed answer; on the MAX_FAILURES-th, an explanation with an example and a human offered. */
export function reask(p: Prompt, ctx: ResidentContext, problem: TextPart): FlowEffect {
  const r = resolve(p, ctx);
  if (ctx.failures >= MAX_FAILURES) {
    const explain: TextPart[] = [{ key: r.example ?? 'common.explainChoices' }, { key: 'common.offerHuman' }];
    return withHint(p, ctx, [problem, ...explain], r.options);
  }
  return withHint(p, ctx, [problem, ...r.parts], r.options);
}

// ---------------------------------------------------------------- replies that show data

/** The insurance types of each scheme a resident may ask about by name. */
export const FOCUS_TYPES: Record<SchemeFocus, readonly string[]> = {
  pension: ['110', '120', '170'],
  medical: ['310', '390'],
  unemployment: ['210'],
  injury: ['410'],
  maternity: ['510'],
};

/** A paying or suspended line without its prefecture and last paid month has a short form. */
function lineKey(line: EnrolmentLine): string {
  const short = (line.status === 'PAYING' || line.status === 'SUSPENDED') && !(line.prefectureName && line.lastPaidMonth);
  return short ? `status.showingStatus.line_${line.status}_short` : `status.showingStatus.line_${line.status}`;
}

/** The status reply: one line per scheme that applies, the scheme asked about (if any) first, then registration and advice. */
export function statusParts(view: EnrolmentStatusView, focus?: SchemeFocus): TextPart[] {
  const parts: TextPart[] = [{ key: 'status.showingStatus.header', params: { name: view.maskedName } }];
  const first = (l: EnrolmentLine) => (focus && FOCUS_TYPES[focus].includes(l.insuranceType) ? 0 : 1);
  for (const line of [...view.lines].sort((a, b) => first(a) - first(b))) {
    parts.push({
      key: lineKey(line),
      params: {
        insurance: `$t(reference.insurance.${line.insuranceType})`,
        prefecture: line.prefectureName ?? '',
        lastPaid: line.lastPaidMonth ?? '',
        since: line.benefitFrom ?? '',
      },
    });
  }
  parts.push({ key: `status.showingStatus.registration_${view.registrationStatus}` });
  for (const a of view.advice) parts.push({ key: `status.showingStatus.advice_${a}` });
  return parts;
}

export function detailsParts(d: MaskedDetails): TextPart[] {
  const fields: [string, string | undefined][] = [
    ['name', d.name],
    ['idNumber', d.idNumber],
    ['sex', d.sex ? `$t(common.sex_${d.sex})` : undefined],
    ['ethnicity', d.ethnicityCode ? `$t(reference.ethnicity.${d.ethnicityCode})` : undefined],
    ['birthDate', d.birthDate],
    ['phone', d.phone],
    ['hukou', [d.hukouRegionName, d.hukouAddress].filter(Boolean).join(' ') || undefined],
    ['residence', [d.residenceRegionName, d.residenceAddress].filter(Boolean).join(' ') || undefined],
    ['employment', d.employmentStatus ? `$t(reference.employment.${d.employmentStatus})` : undefined],
  ];
  return [
    { key: 'confirm.confirmingDetails.header' },
    ...fields.map(([field, value]) => ({
      key: 'confirm.confirmingDetails.field',
      params: { label: `$t(confirm.fields.${field})`, value: value ?? '$t(common.notOnRecord)' },
    })),
  ];
}

export function householdParts(h: HouseholdView): TextPart[] {
  const newborns: TextPart[] = h.newborns?.length
    ? [
        { key: 'household.loadingHousehold.newbornsHeader', params: { count: h.newborns.length } },
        ...h.newborns.map((b, i): TextPart =>
          b.maskedName
            ? { key: 'household.loadingHousehold.newborn', params: { n: i + 1, name: b.maskedName, birthDate: b.birthDate } }
            : { key: 'household.loadingHousehold.newbornUnnamed', params: { n: i + 1, birthDate: b.birthDate } },
        ),
      ]
    : [];
  if (!h.hasHousehold || h.members.length === 0) return [{ key: 'household.loadingHousehold.empty' }, ...newborns];
  return [
    { key: 'household.loadingHousehold.header', params: { count: h.members.length } },
    ...h.members.map((m, i) => ({ key: 'household.loadingHousehold.member', params: { n: i + 1, name: m.maskedName, idNumber: m.maskedIdNumber } })),
    ...newborns,
  ];
}

/**
 * The progress reply: per request its reference and what it is about, then its status in plain words (due date,
 * decision date, the reason of a refusal), and how many older ones there are. None found: "not under your name" for
 * a reference, else "no requests".
 */
export function progressParts({ requests: list, older }: RequestProgress, reference?: string): TextPart[] {
  const k = 'requests.showingRequests';
  if (!list.length) return [reference ? { key: `${k}.notFound`, params: { reference } } : { key: `${k}.none` }];
  return [
    { key: `${k}.header` },
    ...list.flatMap((r): TextPart[] => [
      r.kind === 'FIELD_CHANGE'
        ? { key: `${k}.item_FIELD_CHANGE`, params: { reference: r.reference, field: `$t(review.field.${r.field ?? 'name'})` } }
        : { key: `${k}.item_NEW_PERSON`, params: { reference: r.reference } },
      { key: `${k}.status_${r.status}${r.status === 'REJECTED' && !r.reason ? '_noReason' : ''}`, params: { date: r.date, reason: r.reason ?? '' } },
    ]),
    ...(older > 0 ? [{ key: `${k}.older`, params: { count: older } }] : []),
  ];
}
