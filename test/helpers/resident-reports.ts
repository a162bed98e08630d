import { createActor, waitFor, type Snapshot } from 'xstate';
import type { ChoiceOption, FlowEffect, FlowEvent, ReplyEffect } from '../../flows/effects';
import { provideResidentPorts, type ResidentInput } from '../../flows/resident';
import { renderReply } from '../../src/conversation/render';
import type { ResidentFlowPorts, ResidentPorts, ResidentReportPorts, ReviewQuestionPorts } from '../../src/domain/ports';
import { createI18n, LOCALES, type Locale } from '../../src/lib/i18n';

/**
 * What a verified resident reports (test/flows/resident-*.flow.test.ts for corrections, employment and household),
 * on fake ports. Flow runs the statechart like the engine and renders each step's replies in both languages,
 * so a key missing in either locale fails the test that shows it.
 */

export const PERSON = 'person-1';
export const i18n = createI18n();

/** Fake ports: the session ports answer like a verified person with no open question; the report ports are set per test. */
export function fakePorts(over: Partial<ResidentReportPorts> = {}) {
  const calls: { port: string; input: unknown }[] = [];
  const record =
    <I, O>(port: string, fn: (input: I) => Promise<O>) =>
    (input: I) => {
      calls.push({ port, input });
      return fn(input);
    };
  const session: ResidentPorts & ReviewQuestionPorts = {
    acknowledgeNotice: async () => undefined,
    checkIdentity: async () => ({ next: 'ASK_FACTOR', method: 'phone_last4' }),
    verifyFactor: async () => ({ ok: true, personId: PERSON }),
    requestVisit: async () => undefined,
    campaignTask: async () => null,
    requestHuman: async () => undefined,
    getStatus: async () => ({ maskedName: '张*', registrationStatus: 'UNREGISTERED', lines: [], advice: [] }),
    getDetails: async () => ({ name: '张*', idNumber: '5***************38', registrationStatus: 'UNREGISTERED' }),
    confirmRegistration: async () => ({ registrationStatus: 'CONFIRMED' }),
    signOut: async () => undefined,
    getOpenQuestions: async () => [],
    answerQuestion: async () => ({ ok: false, reference: '' }),
    getRequestProgress: async () => ({ requests: [], older: 0 }),
  };
  const reports: ResidentReportPorts = {
    checkCorrection: async ({ field, value }) => ({ ok: true, value, policy: field === 'phone' ? 'DIRECT' : 'REVIEWED', newDisplay: value }),
    submitCorrection: async ({ field }) => (field === 'phone' ? { outcome: 'APPLIED' } : { outcome: 'SUBMITTED', reference: 'CR261129ABCDEF', dueDate: '2026-12-03' }),
    getCoverage: async () => ({ hasPayingPension: true, hasPayingMedical: true }),
    submitEmploymentReport: async () => ({ reportId: 'r1', mismatch: false }),
    getHousehold: async () => ({ hasHousehold: true, members: [{ maskedName: '张*', maskedIdNumber: '5***************38' }] }),
    checkMissingMember: async () => ({ status: 'NEW', maskedIdNumber: '5***************1X' }),
    reportMissingMember: async () => ({ outcome: 'CREATED', reference: 'CR261129QWERTY', dueDate: '2026-12-03' }),
    reportNewborn: async () => ({ reference: 'CR-7K4M-2Q9X', dueDate: '2026-12-03' }),
    ...over,
  };
  const ports = { ...session, ...reports } as ResidentFlowPorts;
  for (const k of Object.keys(ports) as (keyof typeof ports)[]) {
    (ports as unknown as Record<string, unknown>)[k] = record(k, ports[k] as (i: unknown) => Promise<unknown>);
  }
  return { ports, calls, callsOf: (port: string) => calls.filter((c) => c.port === port).map((c) => c.input) };
}

/** Runs the flow like the engine: one event, then wait until it waits for the resident again. */
export class Flow {
  readonly effects: FlowEffect[] = [];
  private readonly actor;
  private failure: unknown;

  constructor(ports: ResidentFlowPorts, snapshot?: Snapshot<unknown>) {
    const input: ResidentInput = { noticeAcknowledged: true, personId: PERSON, verifyMethod: 'phone_last4' };
    this.actor = createActor(provideResidentPorts(ports), { input, ...(snapshot ? { snapshot } : {}) });
    this.actor.on('*', (e) => this.effects.push(e as FlowEffect));
    this.actor.subscribe({ error: (err) => (this.failure = err) });
  }

  async start() {
    this.actor.start();
    return this.settle(0);
  }

  async send(e: FlowEvent): Promise<ReplyEffect[]> {
    const from = this.effects.length;
    this.actor.send(e);
    return this.settle(from);
  }

  text = (text: string) => this.send({ type: 'user.text', text });
  choose = (value: string) => this.send({ type: 'user.choice', value });

  private async settle(from: number): Promise<ReplyEffect[]> {
    await waitFor(this.actor, (s) => s.hasTag('awaitingInput') || s.status !== 'active', { timeout: 2000 });
    if (this.failure) throw this.failure;
    const out = this.effects.slice(from).filter((e): e is ReplyEffect => e.type === 'reply');
    for (const r of out) expectRenders(r);
    return out;
  }

  get state(): string {
    const name = (v: unknown): string =>
      typeof v === 'string' ? v : Object.entries(v as Record<string, unknown>).map(([k, c]) => `${k}.${name(c)}`).join(',');
    return name(this.actor.getSnapshot().value);
  }

  get context() {
    return this.actor.getSnapshot().context;
  }

  persisted(): Snapshot<unknown> {
    return JSON.parse(JSON.stringify(this.actor.getPersistedSnapshot())) as Snapshot<unknown>;
  }

  stop() {
    this.actor.stop();
  }
}

/** Every key, nested "$t(key)" parameter, option label and synonym list exists in every locale. */
export function expectRenders(r: ReplyEffect) {
  for (const lng of LOCALES) {
    for (const p of r.parts) {
      // With its count, a plural key (header_one, header_other) exists as its base key.
      const count = typeof p.params?.count === 'number' ? { count: p.params.count } : {};
      expect([lng, p.key, i18n.exists(p.key, { lng, ...count })]).toEqual([lng, p.key, true]);
      for (const v of Object.values(p.params ?? {})) {
        const m = typeof v === 'string' ? /^\$t\(([\w.-]+)\)$/.exec(v) : null;
        if (m) expect([lng, m[1], i18n.exists(m[1]!, { lng })]).toEqual([lng, m[1], true]);
      }
    }
    for (const o of r.options ?? []) {
      expect([lng, o.labelKey, i18n.exists(o.labelKey, { lng })]).toEqual([lng, o.labelKey, true]);
      if (o.synonymsKey) expect([lng, o.synonymsKey, Array.isArray(i18n.t(o.synonymsKey, { lng, returnObjects: true }))]).toEqual([lng, o.synonymsKey, true]);
    }
    const text = renderReply(i18n, lng, r).text;
    expect(text).not.toMatch(/\{\{|\$t\(/);
  }
}

export const keys = (rs: ReplyEffect[]) => rs.flatMap((r) => r.parts.map((p) => p.key));
export const lastOptions = (rs: ReplyEffect[]): string[] => (rs.at(-1)?.options ?? []).map((o: ChoiceOption) => o.value);
export const render = (rs: ReplyEffect[], lng: Locale) => rs.map((r) => renderReply(i18n, lng, r).text).join('\n');

export async function atMenu(over: Partial<ResidentReportPorts> = {}) {
  const f = fakePorts(over);
  const flow = new Flow(f.ports);
  const first = await flow.start();
  expect(flow.state).toBe('menu.awaitingChoice');
  expect(lastOptions(first)).toEqual(['status', 'confirm', 'correct', 'employment', 'household', 'human', 'signOut']);
  return { flow, ...f };
}
