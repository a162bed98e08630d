import type { i18n } from 'i18next';
import {
  createEmptyActor,
  type ActorLogic,
  type ActorScope,
  type AnyActorScope,
  type AnyEventObject,
  type AnyMachineSnapshot,
  type AnyStateNode,
  type AnyTransitionDefinition,
  type InspectionEvent,
} from 'xstate';
import { getShortestPaths, type StatePath } from 'xstate/graph';
import type { FlowEffect, FlowEvent, ReplyEffect } from '../../flows/effects';
import { MAX_FAILURES, residentMachine, type ResidentInput } from '../../flows/resident';
import { FOCUS_TYPES } from '../../flows/resident/prompts';
import { renderReply } from '../../src/conversation/render';
import { detectCommand, normaliseAnswer } from '../../src/conversation/text-matching';
import { createI18n, LOCALES, synonyms } from '../../src/lib/i18n';
import { allStateNodes, FlowDriver, PORT_OUTCOMES, PortRouter, replies, ScriptedPorts, stateName, type PortOutcome } from './fake-ports';

/**
 * Model-based paths through the resident flow (xstate/graph).
 *
 * The model is the statechart itself, seen the way the conversation engine drives it:
 * - from a state that waits for the resident, the next event is one of a set of representative texts (valid and
 *   invalid ID numbers, names, factors, dates, codes, chat), a choice among the options of the last reply (the
 *   engine only turns an answer into a choice of the options just offered), user.menu, user.human, and
 *   user.progress (查进度, or a reference) where each of its branches starts;
 * - from a state that invokes a port, the next event is any representative answer of that port (PORT_OUTCOMES in
 *   fake-ports.ts) or its failure.
 * (With no options on offer, a stray choice is tried too: another channel may send one.)
 * Every edge of the graph is computed with the pure transition function, which also gives the effects and the
 * transitions taken: every reply is rendered in every locale and every transition must be taken somewhere.
 * getShortestPaths then gives one path to every distinct (abstracted) state; each maximal path is replayed on a
 * real actor whose fake ports give exactly the answers the path chose, and at every waiting state the stored
 * snapshot is restored after a JSON round trip and must continue identically.
 *
 * Nothing here names the flow's states: states added later are walked too. A state behind a new port stays
 * unvisited until PORT_OUTCOMES lists that port's answers.
 */

const machine = residentMachine;

/** What a resident may type. */
const TEXTS = [
  ' ', // empty
  '53010219900307123A', // ID number: bad characters
  '5301021990030712', // ID number: bad length
  '530102199002301238', // ID number: bad date
  '530102199003071230', // ID number: bad check character
  '530102199003071238', // ID number: valid
  '11010519491231002x', // ID number: valid, lower-case x
  '530102900307123', // ID number: valid, legacy 15 digits
  '张三', // a name (also any short text)
  'Li Wei', // a name in Latin letters
  '张3', // not a name
  '1', // a number (list pick)
  '99', // a number out of any list
  '1234', // phone last 4
  '123456', // SMS code
  '13900001111', // a mobile number
  '2020-05', // a month
  '91350100M000100Y43', // a unified social credit code
  '我在县城的饭店打零工，每天都有活干', // a longer sentence
];

/** Invocation id → actor src, for every invoke in the machine. */
const INVOKE_SRC = new Map<string, string>();
for (const node of allStateNodes(machine.root)) {
  for (const inv of node.invoke) INVOKE_SRC.set(inv.id, typeof inv.src === 'string' ? inv.src : inv.id);
}
const srcOf = (invokeId: unknown) => INVOKE_SRC.get(String(invokeId)) ?? String(invokeId);

const DONE = 'xstate.done.actor.';
const ERROR = 'xstate.error.actor.';
const isOutcome = (e: AnyEventObject) => e.type.startsWith(DONE) || e.type.startsWith(ERROR);

function outcomeEvents(invokeId: string): AnyEventObject[] {
  const src = srcOf(invokeId);
  return [
    ...(PORT_OUTCOMES[src] ?? []).map((o) => ({ type: `${DONE}${invokeId}`, output: o.output, actorId: invokeId, label: o.label })),
    { type: `${ERROR}${invokeId}`, error: { message: `${src} failed` }, actorId: invokeId },
  ];
}

// ---------------------------------------------------------------- the model: the flow plus the engine's view of it

/** A state of the model: the flow's snapshot and the choice values of the last reply (what "1", "2"… can mean). */
interface ModelState {
  status: 'active';
  output: undefined;
  error: undefined;
  flow: AnyMachineSnapshot;
  options: string[];
  /** What the step into this state changed in the context (see serializeState). */
  recent: Record<string, unknown>;
}

/** What the pure transitions produced, over every edge of the graph. */
const seen = {
  replies: new Map<string, ReplyEffect>(),
  transitions: new Set<string>(),
  errors: [] as string[],
};

/** A transition's stable name: source, event, and its index among the source's transitions for that event. */
function transitionKey(t: AnyTransitionDefinition): string {
  const source = t.source as AnyStateNode;
  const list = t.eventType ? source.transitions.get(t.eventType) : source.always;
  return `${source.id} | ${t.eventType || 'always'} #${list?.indexOf(t) ?? -1}`;
}

function allTransitionKeys(): string[] {
  const keys: string[] = [];
  for (const node of allStateNodes(machine.root)) {
    for (const [type, list] of node.transitions) list.forEach((_t, i) => keys.push(`${node.id} | ${type} #${i}`));
    (node.always ?? []).forEach((_t, i) => keys.push(`${node.id} | always #${i}`));
  }
  return keys;
}

/** Runs one pure step of the machine with a scope that records emitted effects and microsteps. */
function step(scope: AnyActorScope, run: (s: AnyActorScope) => AnyMachineSnapshot, previous?: ModelState): ModelState {
  const effects: FlowEffect[] = [];
  const system = Object.create(scope.system) as AnyActorScope['system'] & { _sendInspectionEvent(e: InspectionEvent): void };
  system._sendInspectionEvent = (e) => {
    if (e.type !== '@xstate.microstep') return;
    for (const t of e._transitions) seen.transitions.add(transitionKey(t));
  };
  const flow = run({
    ...scope,
    system,
    actionExecutor: (a) => {
      if (a.type === 'xstate.emit') effects.push((a.params as { event: FlowEffect }).event);
    },
  });
  if (flow.status === 'error') seen.errors.push(String(flow.error));
  let options = previous?.options ?? [];
  for (const e of effects) {
    if (e.type !== 'reply') continue;
    seen.replies.set(JSON.stringify(e), e);
    options = (e.options ?? []).map((o) => o.value);
  }
  // A step into a port call that changed nothing in the context (the "yes" of a read-back) keeps what the answer
  // before it changed: the submission that follows still tells apart the drafts it branches on (intention YES).
  const same = JSON.stringify([...leaves(previous?.flow.context)]) === JSON.stringify([...leaves(flow.context)]);
  const moved = JSON.stringify(previous?.flow.value) !== JSON.stringify(flow.value);
  const recent = previous && same && moved && !atRest(flow) ? previous.recent : changes(previous?.flow.context, flow.context);
  return { status: 'active', output: undefined, error: undefined, flow, options, recent };
}

type MachineScope = Parameters<typeof machine.transition>[2];

const modelLogic: ActorLogic<ModelState, AnyEventObject, ResidentInput> = {
  getInitialSnapshot: (scope, input) => step(scope as AnyActorScope, (s) => machine.getInitialSnapshot(s as unknown as MachineScope, input)),
  transition: (state, event, scope) => step(scope as AnyActorScope, (s) => machine.transition(state.flow as never, event as FlowEvent, s as unknown as MachineScope), state),
  getPersistedSnapshot: (state) => state,
};

const STRAY_CHOICE = 'stray';
/** How a resident asks about progress (a reference sent; 查进度 in words is the same without one). */
const PROGRESS = 'CR-7K4M-2Q9X';
const atRest = (s: AnyMachineSnapshot) => s.status !== 'active' || s.hasTag('awaitingInput');

function events(state: ModelState): AnyEventObject[] {
  const s = state.flow;
  if (s.status !== 'active') return [];
  if (!s.hasTag('awaitingInput')) return Object.keys(s.children).flatMap(outcomeEvents);
  return [
    ...TEXTS.map((text) => ({ type: 'user.text', text })),
    // A choice among the options just offered; with none on offer, a stray one (another channel may send it).
    ...(state.options.length ? state.options : [STRAY_CHOICE]).map((value) => ({ type: 'user.choice', value })),
    // The menu's status asked about one scheme in words (the understanding layer sends `status:<focus>`).
    ...(state.options.includes('status') ? Object.keys(FOCUS_TYPES).map((f) => ({ type: 'user.choice', value: `status:${f}` })) : []),
    // 改手机号 at the menu: the correction of the phone (`correct:phone`).
    ...(state.options.includes('signOut') ? [{ type: 'user.choice', value: 'correct:phone' }] : []),
    // The notice's language choices of conversations saved before its single "other language" option.
    ...(state.options.includes('language') ? ['english', 'chinese'].map((value) => ({ type: 'user.choice', value })) : []),
    { type: 'user.menu' },
    { type: 'user.human' },
    // 查进度 or a reference (the engine's progress command): the flow answers it at its root from any question, so
    // the graph tries it where each of its branches starts (the menu, the ID number, the notice) before any failed
    // answer there, not everywhere (the graph is near its traversal limit).
    ...(s.context.failures === 0 && (state.options.includes('signOut') || state.options.includes('language') || s.matches({ verifying: 'awaitingIdNumber' }))
      ? [{ type: 'user.progress', text: PROGRESS }]
      : []),
  ];
}

/** A context value as the model sees it: codes, booleans and numbers as they are, other text as "text". */
function leaf(v: unknown): unknown {
  if (typeof v === 'string') return /^[A-Za-z][A-Za-z0-9_]*$/.test(v) ? v : 'text';
  return v;
}

/** The context flattened to path → abstract leaf (failures left out). */
function leaves(v: unknown, prefix = '', out = new Map<string, unknown>()): Map<string, unknown> {
  if (Array.isArray(v)) {
    out.set(`${prefix}#`, v.length);
    v.forEach((x, i) => leaves(x, `${prefix}${i}.`, out));
  } else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) if (!(prefix === '' && k === 'failures')) leaves(x, `${prefix}${k}.`, out);
  } else if (v !== undefined) {
    out.set(prefix, leaf(v));
  }
  return out;
}

/** What the last step changed in the context (the answer just given, the port answer just received). */
function changes(before: unknown, after: unknown): Record<string, unknown> {
  const a = leaves(before);
  const recent: Record<string, unknown> = {};
  for (const [k, v] of leaves(after)) if (a.get(k) !== v) recent[k] = v;
  return recent;
}

/**
 * The abstraction of a state the graph tells apart: the state value, the options on offer, the failure count up to
 * MAX_FAILURES, the top-level context fields (codes and flags as they are, anything else by presence), and what
 * the last step changed. Drafts that pile up answers (a correction, an employment report) would multiply the
 * states combinatorially if every earlier answer counted; the flow's guards read the answer just given.
 */
function serializeState(state: ModelState): string {
  const { failures, ...rest } = state.flow.context as Record<string, unknown> & { failures: number };
  // The scheme asked about only orders the status lines: by presence, so the five focuses are one state.
  const top = Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, (v && typeof v === 'object') || (k === 'statusFocus' && v) ? 'present' : leaf(v)]));
  return JSON.stringify({
    value: state.flow.value,
    status: state.flow.status,
    options: state.options,
    failures: Math.min(failures, MAX_FAILURES),
    top,
    recent: state.recent,
  });
}

const INPUTS: [string, ResidentInput][] = [
  ['new chat', { noticeAcknowledged: false, verifyMethod: 'phone_last4' }],
  ['notice seen, SMS codes', { noticeAcknowledged: true, verifyMethod: 'sms' }],
  ['bound to a verified person', { noticeAcknowledged: true, personId: 'person-bound', verifyMethod: 'phone_last4' }],
];

type Path = StatePath<ModelState, AnyEventObject>;

/** The shortest path to every abstract state, keeping only those no other path extends (the rest are prefixes). */
function maximalPaths(input: ResidentInput): Path[] {
  const paths = getShortestPaths(modelLogic, { input, events, serializeState, limit: 300_000 });
  const key = (p: Path, n = p.steps.length) => JSON.stringify(p.steps.slice(1, n).map((s) => s.event));
  const prefixes = new Set(paths.map((p) => key(p, p.steps.length - 1)));
  return paths.filter((p) => !prefixes.has(key(p)));
}

function describePath(p: Path): string {
  return p.steps
    .slice(1)
    .map(({ event: e }) =>
      isOutcome(e)
        ? `[${srcOf(e.actorId)}${e.type.startsWith(ERROR) ? ' fails' : `=${String(e.label)}`}]`
        : e.type === 'user.text'
          ? JSON.stringify(e.text)
          : e.type === 'user.choice'
            ? `#${String(e.value)}`
            : e.type,
    )
    .join(' → ');
}

// ---------------------------------------------------------------- replaying a path on real actors

/** One user turn of a path: the event, and the state the model says the flow then waits in. */
interface Turn {
  event: FlowEvent | null;
  expected: string;
}

const inertScope = (() => {
  const self = createEmptyActor();
  const noop = () => {};
  return { self, system: self.system, id: '', sessionId: '', logger: noop, defer: noop, emit: noop, stopChild: noop, actionExecutor: noop } as unknown as ActorScope<ModelState, AnyEventObject>;
})();

/**
 * A path that ends inside an invocation (its continuations are shorter paths to states already reached) is
 * extended with the first answer of each port until the flow waits again, so the invoking state is run too.
 */
function completed(p: Path): Path {
  const steps = [...p.steps];
  for (let guard = 0; !atRest(steps.at(-1)!.state.flow) && guard < 20; guard++) {
    const last = steps.at(-1)!.state;
    const event = events(last)[0];
    if (!event) break;
    steps.push({ state: modelLogic.transition(last, event, inertScope), event });
  }
  return { ...p, steps, state: steps.at(-1)!.state };
}

function splitPath(path: Path): { turns: Turn[]; script: PortOutcome[] } {
  const p = completed(path);
  const script: PortOutcome[] = [];
  const turns: Turn[] = [{ event: null, expected: '' }];
  p.steps.forEach((s, i) => {
    const e = s.event;
    if (i > 0 && isOutcome(e)) script.push(e.type.startsWith(DONE) ? { src: srcOf(e.actorId), ok: true, output: e.output } : { src: srcOf(e.actorId), ok: false });
    else if (i > 0) turns.push({ event: e as FlowEvent, expected: '' });
    turns[turns.length - 1]!.expected = stateName(s.state.flow.value);
  });
  return { turns, script };
}

const router = new PortRouter();

/** Replies real actors gave (rendered with the graph's, below). */
const realReplies = new Map<string, ReplyEffect>();
function keep(effects: FlowEffect[]): FlowEffect[] {
  for (const r of replies(effects)) realReplies.set(JSON.stringify(r), r);
  return effects;
}

/** Replays one path on real actors; returns the problems found (empty when the path behaves as modelled). */
async function replay(p: Path, input: ResidentInput, visited: Set<string>): Promise<string[]> {
  const { turns, script } = splitPath(p);
  const ports = new ScriptedPorts(script);
  const flow = new FlowDriver(router.machine, input);
  const problems: string[] = [];
  try {
    router.target = ports.ports;
    keep(await flow.start());
    if (flow.state !== turns[0]!.expected) problems.push(`starts in ${flow.state}, model says ${turns[0]!.expected}`);
    for (const turn of turns.slice(1)) {
      const event = turn.event!;
      // The stored snapshot, restored, must go on exactly like the running actor.
      const restoredPorts = ports.fork();
      const restored = new FlowDriver(router.machine, input, flow.persisted());
      router.target = restoredPorts.ports;
      const onRestore = await restored.start();
      if (onRestore.length) problems.push(`restoring at ${flow.state} emitted ${JSON.stringify(onRestore)}`);

      router.target = ports.ports;
      const effects = keep(await flow.send(event));
      if (flow.state !== turn.expected) problems.push(`after ${JSON.stringify(event)} in ${flow.state}, model says ${turn.expected}`);
      if (replies(effects).length === 0) problems.push(`no reply to ${JSON.stringify(event)} (now in ${flow.state})`);

      router.target = restoredPorts.ports;
      const again = await restored.send(event);
      if (JSON.stringify(again) !== JSON.stringify(effects)) problems.push(`restored actor answered ${JSON.stringify(event)} with ${JSON.stringify(again)}, not ${JSON.stringify(effects)}`);
      if (restored.state !== flow.state) problems.push(`restored actor went to ${restored.state}, the original to ${flow.state}`);
      for (const id of restored.visited) visited.add(id);
      restored.stop();
      problems.push(...restoredPorts.problems);
      if (problems.length) break;
    }
    if (!problems.length && ports.remaining !== 0) problems.push(`${ports.remaining} scripted port answers left unused`);
    problems.push(...ports.problems);
  } catch (err) {
    problems.push(`threw: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    for (const id of flow.visited) visited.add(id);
    flow.stop();
    router.target = null;
  }
  return problems.map((m) => `${m}\n    path: ${describePath(p)}`);
}

// ---------------------------------------------------------------- rendering

const RAW_KEY = /\b[a-z]+\.[a-zA-Z_]+\.[a-zA-Z_]+\b/;
const NESTED = /^\$t\(([\w.-]+)\)$/;

/** Problems with one reply rendered in one locale (empty when it reads well). */
function renderProblems(i18next: i18n, lng: (typeof LOCALES)[number], r: ReplyEffect): string[] {
  const problems: string[] = [];
  const has = (key: string) => typeof i18next.getResource(lng, 'translation', key) === 'string';
  for (const part of r.parts) {
    // A plural key (header_one, header_other) is found with its count.
    const count = part.params?.count;
    const found = has(part.key) || (typeof count === 'number' && i18next.exists(part.key, { lng, count }));
    if (!found) problems.push(`no ${lng} text for ${part.key}`);
    for (const v of Object.values(part.params ?? {})) {
      const m = typeof v === 'string' ? NESTED.exec(v) : null;
      if (m && !has(m[1]!)) problems.push(`no ${lng} text for ${m[1]} (a parameter of ${part.key})`);
    }
  }
  for (const o of r.options ?? []) if (!has(o.labelKey)) problems.push(`no ${lng} option label ${o.labelKey}`);
  const out = renderReply(i18next, lng, r);
  const keys = r.parts.map((p) => p.key).join(' + ');
  if (!out.text.trim()) problems.push(`empty ${lng} text for ${keys}`);
  if (RAW_KEY.test(out.text) || out.text.includes('$t(') || out.text.includes('{{')) problems.push(`raw key or placeholder in ${lng} ${keys}: ${out.text}`);
  for (const o of out.options ?? []) if (!o.label.trim() || o.label.includes('$t(') || RAW_KEY.test(o.label)) problems.push(`bad ${lng} option label "${o.label}"`);
  return problems;
}

// ---------------------------------------------------------------- the tests

describe('resident flow, structure', () => {
  it('describes every state', () => {
    expect(allStateNodes(machine.root).filter((n) => !n.description).map((n) => n.id)).toEqual([]);
  });

  it('tags every state that waits for the user awaitingInput, and only those (the engine waits for that tag)', () => {
    const problems: string[] = [];
    for (const n of allStateNodes(machine.root)) {
      const passesOn = n.invoke.length > 0 || (n.always?.length ?? 0) > 0;
      if (n.type === 'atomic' && !passesOn && !n.tags.includes('awaitingInput')) problems.push(`${n.id} waits but is not tagged awaitingInput`);
      if (n.tags.includes('awaitingInput') && (n.always?.length ?? 0) > 0) problems.push(`${n.id} is tagged awaitingInput but moves on by itself`);
    }
    expect(problems).toEqual([]);
  });
});

describe('resident flow, model-based', () => {
  const visited = new Set<string>();
  const paths = new Map<string, Path[]>();
  const problems = new Map<string, string[]>();

  // The graph and the replays run once; the tests below only look at what they found (in any order).
  beforeAll(async () => {
    for (const [label, input] of INPUTS) {
      paths.set(label, maximalPaths(input));
      const found: string[] = [];
      for (const p of paths.get(label) ?? []) found.push(...(await replay(p, input, visited)));
      // One line per distinct problem, with the first path that shows it.
      problems.set(label, [...new Map(found.map((m) => [m.split('\n')[0], m])).values()]);
    }
  }, 120_000);

  it('walks a graph without errors in the flow', () => {
    expect(seen.errors).toEqual([]);
    for (const [, ps] of paths) expect(ps.length).toBeGreaterThan(5);
  });

  it.each(INPUTS)('every path from "%s" runs on real actors as modelled and survives a snapshot round trip at every waiting state', (label) => {
    expect(problems.get(label)).toEqual([]);
  });

  it('renders every reply (of every edge, and of the real actors) in every locale, without raw keys, placeholders or empty labels', () => {
    const i18next = createI18n();
    const found = new Set<string>();
    for (const r of [...seen.replies.values(), ...realReplies.values()]) for (const lng of LOCALES) for (const m of renderProblems(i18next, lng, r)) found.add(m);
    expect(seen.replies.size).toBeGreaterThan(20);
    expect([...found]).toEqual([]);
  });

  it('offers no two options of one reply that share a label or word, nor a word that a global command takes', () => {
    // The engine maps an answer to the first option whose label or words match, after checking global commands.
    const i18next = createI18n();
    const commandOf = new Map<string, string>();
    for (const cmd of ['menu', 'human', 'english', 'chinese', 'stop', 'restart']) {
      for (const lng of LOCALES) for (const w of synonyms(i18next, lng, `commands.${cmd}`)) if (detectCommand(i18next, w)) commandOf.set(normaliseAnswer(w), cmd);
    }
    const optionSets = new Map<string, ReplyEffect>();
    for (const r of [...seen.replies.values(), ...realReplies.values()]) if (r.options?.length) optionSets.set(JSON.stringify(r.options), r);
    const found = new Set<string>();
    for (const r of optionSets.values()) {
      const where = r.parts.map((p) => p.key).join(' + ');
      for (const lng of LOCALES) {
        const owner = new Map<string, string>();
        for (const o of r.options ?? []) {
          const words = [i18next.t(o.labelKey, { lng }), ...(o.synonymsKey ? synonyms(i18next, lng, o.synonymsKey) : [])].map(normaliseAnswer);
          for (const w of new Set(words)) {
            const other = owner.get(w);
            if (other && other !== o.value) found.add(`${lng} "${w}" means both ${other} and ${o.value} (${where})`);
            owner.set(w, o.value);
            // 查进度 is taken from any short message that holds one of its words (commands.progress) or a reference.
            const command = commandOf.get(w) ?? (detectCommand(i18next, w) === 'progress' ? 'progress' : undefined);
            // The notice's "other language" option does what the language commands do.
            const same = command === o.value || (o.value === 'language' && (command === 'english' || command === 'chinese'));
            if (command && !same) found.add(`${lng} "${w}" of option ${o.value} is the global command "${command}" (${where})`);
          }
        }
      }
    }
    expect([...found]).toEqual([]);
  });

  it('visits every state node of the machine on real actors', () => {
    // A state behind a new port stays unvisited until PORT_OUTCOMES (test/flows/fake-ports.ts) lists its answers.
    const unvisited = allStateNodes(machine.root)
      .map((n) => n.id)
      .filter((id) => !visited.has(id));
    expect(unvisited).toEqual([]);
  });

  it('takes every transition of the machine somewhere in the graph', () => {
    const untaken = allTransitionKeys().filter((k) => !seen.transitions.has(k));
    expect(untaken).toEqual([]);
  });
});
