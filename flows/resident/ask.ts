import type { FlowEvent, TextPart } from '../effects';
import { ask, reask, type Prompt } from './prompts';
import { residentSetup, textOf, type GuardName, type ResidentContext, type ResidentStateConfig } from './setup';

/**
 * The two kinds of question the resident flow asks, in the spirit of Rasa's forms: a state that waits for the
 * resident, asks on entry (failures reset), and either routes the answer on or re-asks it with what was wrong
 * (after MAX_FAILURES failures: an example and a human offered). A new question is a few lines:
 *
 *   awaitingMemberName: askText({
 *     description: "Waits for the missing member's name.",
 *     prompt: says('household.awaitingMemberName.prompt', { example: 'household.awaitingMemberName.example' }),
 *     valid: 'isPlausibleName',
 *     to: 'awaitingRelationship',
 *     save: (c, text) => adding(c, { name: text.normalize('NFKC').trim() }),
 *     error: { key: 'household.awaitingMemberName.error' },
 *   }),
 */

type Action = Exclude<NonNullable<ResidentStateConfig['entry']>, readonly unknown[]>;

/** Where a chosen value leads: a target, or a target with what to save (and further actions), only `if` so. */
export type RouteTo =
  | string
  | { to?: string; if?: (ctx: ResidentContext) => boolean; save?: (ctx: ResidentContext, value: string) => Partial<ResidentContext>; actions?: Action[] };
/** The routes of a choice by value, tried in order (several for one value: the first whose `if` holds). */
export type Routes = Readonly<Record<string, RouteTo | readonly RouteTo[]>>;

/** The same route for each of several values. */
export const each = (values: readonly string[], to: RouteTo): Routes => Object.fromEntries(values.map((v) => [v, to]));

interface Question {
  description: string;
  prompt: Prompt;
  /** Actions on entry after the failures are reset, before the question is asked. */
  entry?: Action[];
  /** Sentences said before the question on entry only (not on a re-ask). */
  lead?: TextPart[];
  exit?: ResidentStateConfig['exit'];
}

function routeTransitions(routes: Routes) {
  return Object.entries(routes).flatMap(([value, r]) =>
    (Array.isArray(r) ? r : [r]).map((route: RouteTo) => {
      const { to, if: when, save, actions = [] } = typeof route === 'string' ? { to: route } : route;
      return {
        guard: ({ context, event }: { context: ResidentContext; event: FlowEvent }) => textOf(event) === value && (when?.(context) ?? true),
        ...(to ? { target: to } : {}),
        ...(save || actions.length ? { actions: [...(save ? [residentSetup.assign(({ context, event }) => save(context, textOf(event)))] : []), ...actions] } : {}),
      };
    }),
  );
}

/** What was wrong with an answer: from the context, the text and the event (its time, for dates). */
type Problem = (ctx: ResidentContext, text: string, event: FlowEvent) => TextPart;

/** The re-ask action: counts the failure and says what was wrong. */
const failed = (p: Prompt, problem: Problem): Action[] => [
  'noteFailure',
  residentSetup.emit(({ context, event }) => reask(p, context, problem(context, textOf(event), event))),
];

function waiting(q: Question, on: ResidentStateConfig['on']): ResidentStateConfig {
  return residentSetup.createStateConfig({
    description: q.description,
    tags: ['awaitingInput'],
    entry: ['resetFailures', ...(q.entry ?? []), residentSetup.emit(({ context }) => ask(q.prompt, context, q.lead))],
    ...(q.exit ? { exit: q.exit } : {}),
    on,
  });
}

/** A question answered by a numbered choice: each route a value; free text is re-asked ("please choose"). */
export function askChoice(q: Question & { routes: Routes }): ResidentStateConfig {
  return waiting(q, {
    'user.choice': routeTransitions(q.routes),
    'user.text': { actions: failed(q.prompt, () => ({ key: 'common.pleaseChoose' })) },
  });
}

/**
 * A question answered by a text: valid (the named guard) goes to `to`, saving what `save` takes from it;
 * otherwise re-asked with `error`. With `choices` (e.g. "skip"), those options are routed and other choices
 * ignored; without, a choice is re-asked with `choiceError` (default: `error`).
 */
export function askText(
  q: Question & {
    valid: GuardName;
    to: string;
    save?: (ctx: ResidentContext, text: string) => Partial<ResidentContext>;
    error: TextPart | Problem;
    choiceError?: TextPart;
    choices?: Routes;
  },
): ResidentStateConfig {
  const error = typeof q.error === 'function' ? q.error : () => q.error as TextPart;
  // Its options (skip, not sure) are ways out, not the answer: the hint says only "0 for the menu".
  const prompt: Prompt = { ...q.prompt, typed: true };
  return waiting({ ...q, prompt }, {
    'user.text': [
      { guard: q.valid, target: q.to, ...(q.save ? { actions: residentSetup.assign(({ context, event }) => q.save!(context, textOf(event))) } : {}) },
      { actions: failed(prompt, error) },
    ],
    'user.choice': q.choices ? routeTransitions(q.choices) : { actions: failed(prompt, q.choiceError ? () => q.choiceError! : error) },
  });
}

type Invoke = Exclude<NonNullable<ResidentStateConfig['invoke']>, readonly unknown[]>;
/** Omit over each member of a union (the invoke config is one member per port). */
type OmitEach<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/**
 * A state that calls a port and routes on its answer; a port that fails apologises (#resident.failed) unless
 * `onError` says otherwise.
 */
export function callPort(description: string, invoke: OmitEach<Invoke, 'onError'> & { onError?: Invoke['onError'] }): ResidentStateConfig {
  return residentSetup.createStateConfig({ description, invoke: { onError: { target: '#resident.failed' }, ...invoke } as Invoke });
}
