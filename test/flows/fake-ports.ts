import { createActor, StateMachine, waitFor, type AnyStateNode, type AnyTransitionDefinition, type InspectionEvent, type Snapshot, type SnapshotFrom } from 'xstate';
import type { FlowEffect, FlowEvent, ReplyEffect } from '../../flows/effects';
import { provideResidentPorts, type ResidentInput, type ResidentMachine } from '../../flows/resident';
import type { EnrolmentStatusView, MaskedDetails, RequestProgressView, ResidentFlowPorts, ResidentPorts } from '../../src/domain/ports';
import { CORRECTION_ERRORS } from '../../src/domain/ports';

/**
 * Fake domain ports for the resident flow, and a small driver that runs the flow the way the engine does (start
 * or restore, send one event, wait until it waits for the user again) while collecting the emitted effects.
 *
 * The fakes are built on a Proxy so that ports added to ResidentFlowPorts later still exist here: a port without an
 * answer throws "no answer" (the flow then goes to `failed`), which a test notices instead of a type error.
 */

export interface PortCall {
  port: string;
  input: unknown;
}

type PortFn = (input: never) => Promise<unknown>;

/** A person id the fakes hand out for a successful verification. */
export const VERIFIED_PERSON_ID = 'person-verified';
/** A person found by ID number and name who has no phone on record. */
export const NO_PHONE_PERSON_ID = 'person-no-phone';
/** The phone last-4 the default fake verifyFactor accepts. */
export const GOOD_FACTOR = '1234';

/** A status view that uses every line kind (with and without prefecture and month) and every advice. */
export const FULL_STATUS: EnrolmentStatusView = {
  maskedName: '张*',
  registrationStatus: 'UNREGISTERED',
  lines: [
    { insuranceType: '110', status: 'PAYING', prefectureName: '昆明市', lastPaidMonth: '2026-10' },
    { insuranceType: '120', status: 'PAYING' },
    { insuranceType: '170', status: 'SUSPENDED', prefectureName: '曲靖市', lastPaidMonth: '2025-12' },
    { insuranceType: '210', status: 'SUSPENDED' },
    { insuranceType: '310', status: 'TERMINATED' },
    { insuranceType: '390', status: 'NOT_ENROLLED' },
    { insuranceType: '410', status: 'NOT_ENROLLED' },
    { insuranceType: '510', status: 'NOT_ENROLLED' },
  ],
  advice: ['MISSING_MEDICAL', 'MISSING_PENSION', 'DUPLICATE_MEDICAL', 'DUPLICATE_PENSION', 'SUSPENDED_PAYMENT', 'CONFIRM_DETAILS'],
};

/** One view per other registration status, with nothing to advise. */
export const STATUS_VIEWS: EnrolmentStatusView[] = [
  FULL_STATUS,
  ...(['PENDING_REVIEW', 'CONFIRMED', 'NEEDS_VISIT'] as const).map((registrationStatus) => ({
    maskedName: 'L*****',
    registrationStatus,
    lines: [{ insuranceType: '390', status: 'PAYING' as const, prefectureName: '大理白族自治州', lastPaidMonth: '2026-11' }],
    advice: [],
  })),
];

/** Every field filled (already masked, as the server sends it). */
export const FULL_DETAILS: MaskedDetails = {
  name: '张**',
  idNumber: '5***************38',
  sex: 'MALE',
  ethnicityCode: '14',
  birthDate: '1990-**-**',
  phone: '138****1234',
  hukouRegionName: '昆明市五华区',
  hukouAddress: '华山街道12号****',
  residenceRegionName: '大理白族自治州大理市',
  residenceAddress: '下关镇****',
  employmentStatus: 'FARMING',
  employer: '某某合作社',
  registrationStatus: 'UNREGISTERED',
};

/** The resident's requests in every status, as getRequestProgress gives them (newest first). */
export const REQUESTS_IN_EVERY_STATUS: RequestProgressView[] = [
  { reference: 'CR-7K4M-2Q9X', kind: 'FIELD_CHANGE', field: 'name', status: 'PENDING', date: '2026-12-04' },
  { reference: 'CR-8M5N-3R4Y', kind: 'NEW_PERSON', status: 'NEEDS_INFO', date: '2026-12-03' },
  { reference: 'CR-9P6Q-4S5Z', kind: 'FIELD_CHANGE', field: 'birthDate', status: 'APPROVED', date: '2026-11-20' },
  { reference: 'CR-AB7C-5T6W', kind: 'FIELD_CHANGE', field: 'ethnicity', status: 'REJECTED', date: '2026-11-18', reason: '户口本上的民族没有变' },
  { reference: 'CR-DE8F-6U7X', kind: 'NEW_PERSON', status: 'REJECTED', date: '2026-11-10' },
];

/** Only what every record has: the rest shows as "not on record". */
export const SPARSE_DETAILS: MaskedDetails = { name: '李*', idNumber: '1***************2X', sex: 'FEMALE', registrationStatus: 'NEEDS_VISIT' };

function defaultPorts(): Record<string, PortFn> {
  const ports: { [K in keyof ResidentPorts]: ResidentPorts[K] } = {
    acknowledgeNotice: async () => undefined,
    checkIdentity: async () => ({ next: 'ASK_FACTOR', method: 'phone_last4' }),
    verifyFactor: async ({ factor }) => (factor === GOOD_FACTOR ? { ok: true, personId: VERIFIED_PERSON_ID } : { ok: false, reason: 'MISMATCH' }),
    requestVisit: async () => undefined,
    campaignTask: async () => null,
    requestHuman: async () => undefined,
    getStatus: async () => FULL_STATUS,
    getDetails: async () => FULL_DETAILS,
    confirmRegistration: async () => ({ registrationStatus: 'CONFIRMED' }),
    signOut: async () => undefined,
  };
  // No reviewer's question waits by default, so verification leads straight to the menu; no request was made.
  return { ...(ports as unknown as Record<string, PortFn>), getOpenQuestions: async () => [], getRequestProgress: async () => ({ requests: [], older: 0 }) };
}

function portsProxy(calls: PortCall[], answer: (port: string, input: unknown) => Promise<unknown>): ResidentFlowPorts {
  return new Proxy({} as ResidentFlowPorts, {
    get(_target, name) {
      if (typeof name !== 'string' || name === 'then') return undefined;
      return (input: unknown) => {
        calls.push({ port: name, input });
        return answer(name, input);
      };
    },
  });
}

/**
 * Ports that answer like a small, well-behaved registry: ASK_FACTOR, factor "1234" verifies, FULL_STATUS,
 * FULL_DETAILS, CONFIRMED. Override any port; every call is recorded in `calls`.
 */
export function createFakePorts(overrides: Partial<ResidentFlowPorts> = {}): { ports: ResidentFlowPorts; calls: PortCall[] } {
  const calls: PortCall[] = [];
  const impls: Record<string, PortFn> = { ...defaultPorts(), ...(overrides as unknown as Record<string, PortFn>) };
  const ports = portsProxy(calls, async (name, input) => {
    const impl = impls[name];
    if (!impl) throw new Error(`fake port ${name} has no answer`);
    return impl(input as never);
  });
  return { ports, calls };
}

/** One answer of a port: its output, or a failure (the port throws). */
export type PortOutcome = { src: string; ok: true; output: unknown } | { src: string; ok: false };

/**
 * Ports that give a fixed sequence of answers, in call order (the answers a model path chose). A call that does not
 * match the next scripted answer is recorded in `problems` and throws.
 */
export class ScriptedPorts {
  readonly calls: PortCall[] = [];
  readonly problems: string[] = [];
  readonly ports: ResidentFlowPorts;

  constructor(
    private readonly script: readonly PortOutcome[],
    private cursor = 0,
  ) {
    this.ports = portsProxy(this.calls, async (name) => {
      const next = this.script[this.cursor];
      if (!next || next.src !== name) {
        const problem = `port ${name} called, but the script expected ${next ? next.src : 'no more calls'} (answer #${this.cursor})`;
        this.problems.push(problem);
        throw new Error(problem);
      }
      this.cursor += 1;
      if (!next.ok) throw new Error(`scripted failure of ${name}`);
      return next.output;
    });
  }

  /** The answers not used yet. */
  get remaining(): number {
    return this.script.length - this.cursor;
  }

  /** The same script from the same point on, with its own call log (for a restored actor). */
  fork(): ScriptedPorts {
    return new ScriptedPorts(this.script, this.cursor);
  }
}

/**
 * One provided machine whose ports can be switched between actors (providing the machine anew for every actor
 * is slow). Set `target` before each start or send; the calls of that step go to it.
 */
export class PortRouter {
  target: ResidentFlowPorts | null = null;
  readonly machine: ResidentMachine;

  constructor() {
    const calls: PortCall[] = [];
    this.machine = provideResidentPorts(
      portsProxy(calls, async (name, input) => {
        const port = this.target?.[name as keyof ResidentFlowPorts] as ((i: unknown) => Promise<unknown>) | undefined;
        if (!port) throw new Error(`no ports to answer ${name}`);
        return port(input);
      }),
    );
  }
}

/**
 * Representative answers of each port, by actor src (the flow's actor names are the port names). The model test
 * offers each as a possible outcome of the invocation, plus a failure. An actor not listed here gets only the
 * failure: add its answers here when a new port appears, or the states behind it stay unvisited.
 */
export const PORT_OUTCOMES: Record<string, { label: string; output: unknown }[]> = {
  acknowledgeNotice: [{ label: 'recorded', output: undefined }],
  checkIdentity: [
    { label: 'ASK_FACTOR', output: { next: 'ASK_FACTOR', method: 'phone_last4' } },
    { label: 'NO_PHONE', output: { next: 'NO_PHONE', personId: NO_PHONE_PERSON_ID } },
    { label: 'LOCKED', output: { next: 'LOCKED' } },
  ],
  verifyFactor: [
    { label: 'ok', output: { ok: true, personId: VERIFIED_PERSON_ID } },
    { label: 'MISMATCH', output: { ok: false, reason: 'MISMATCH' } },
    { label: 'LOCKED', output: { ok: false, reason: 'LOCKED' } },
  ],
  requestVisit: [{ label: 'requested', output: undefined }],
  campaignTask: [
    { label: 'no campaign', output: null },
    { label: 'confirm', output: 'confirm' },
    { label: 'correct', output: 'correct' },
    { label: 'employment', output: 'employment' },
    { label: 'status', output: 'status' },
  ],
  requestHuman: [{ label: 'requested', output: undefined }],
  getStatus: STATUS_VIEWS.map((v) => ({ label: v.registrationStatus, output: v })),
  getDetails: [
    { label: 'full', output: FULL_DETAILS },
    { label: 'sparse', output: SPARSE_DETAILS },
  ],
  confirmRegistration: [
    { label: 'CONFIRMED', output: { registrationStatus: 'CONFIRMED' } },
    { label: 'PENDING_REVIEW', output: { registrationStatus: 'PENDING_REVIEW' } },
  ],
  signOut: [{ label: 'signedOut', output: undefined }],
  // what a verified resident reports (src/domain/ports.ts ResidentReportPorts)
  checkCorrection: [
    { label: 'DIRECT', output: { ok: true, value: '13900001111', policy: 'DIRECT', oldDisplay: '138****1234', newDisplay: '139****1111', retype: true } },
    { label: 'REVIEWED', output: { ok: true, value: '张三丰', policy: 'REVIEWED', newDisplay: '张三丰' } },
    { label: 'REVIEWED with $t', output: { ok: true, value: 'FEMALE', policy: 'REVIEWED', oldDisplay: '$t(common.sex_MALE)', newDisplay: '$t(common.sex_FEMALE)' } },
    {
      label: 'CHOOSE_REGION',
      output: {
        ok: false,
        error: 'CHOOSE_REGION',
        matches: [
          { code: '530102001', label: '五华区 华山街道' },
          { code: '530103001', label: '盘龙区 拓东街道' },
        ],
      },
    },
    { label: 'ALREADY_PENDING', output: { ok: false, error: 'ALREADY_PENDING', reference: 'CR2611290001A7' } },
    ...CORRECTION_ERRORS.map((error) => ({ label: error, output: { ok: false, error } })),
  ],
  submitCorrection: [
    { label: 'APPLIED', output: { outcome: 'APPLIED' } },
    { label: 'APPLIED, address next', output: { outcome: 'APPLIED', next: 'residenceAddress' } },
    { label: 'SUBMITTED', output: { outcome: 'SUBMITTED', reference: 'CR2611290002B3', dueDate: '2026-12-02' } },
    { label: 'ALREADY_PENDING', output: { outcome: 'ALREADY_PENDING', reference: 'CR2611290001A7' } },
    { label: 'REFUSED', output: { outcome: 'REFUSED', error: 'BAD_PHONE' } },
  ],
  getCoverage: [
    { label: 'both', output: { hasPayingPension: true, hasPayingMedical: true } },
    { label: 'no pension', output: { hasPayingPension: false, hasPayingMedical: true } },
    { label: 'no medical', output: { hasPayingPension: true, hasPayingMedical: false } },
    { label: 'neither', output: { hasPayingPension: false, hasPayingMedical: false } },
  ],
  submitEmploymentReport: [
    { label: 'consistent', output: { reportId: 'report-1', mismatch: false } },
    { label: 'mismatch', output: { reportId: 'report-2', mismatch: true } },
  ],
  getHousehold: [
    { label: 'none', output: { hasHousehold: false, members: [] } },
    {
      label: 'two members',
      output: {
        hasHousehold: true,
        members: [
          { maskedName: '张*', maskedIdNumber: '5***************38' },
          { maskedName: '李**', maskedIdNumber: '5***************42' },
        ],
      },
    },
  ],
  checkMissingMember: [
    { label: 'NEW', output: { status: 'NEW', maskedIdNumber: '5***************38' } },
    { label: 'IN_HOUSEHOLD', output: { status: 'IN_HOUSEHOLD', maskedIdNumber: '5***************38' } },
    { label: 'ALREADY_REPORTED', output: { status: 'ALREADY_REPORTED', reference: 'CR2611290003C9', maskedIdNumber: '5***************38' } },
  ],
  reportMissingMember: [
    { label: 'CREATED', output: { outcome: 'CREATED', reference: 'CR2611290004D1', dueDate: '2026-12-02' } },
    { label: 'ALREADY_REPORTED', output: { outcome: 'ALREADY_REPORTED', reference: 'CR2611290003C9' } },
    { label: 'IN_HOUSEHOLD', output: { outcome: 'IN_HOUSEHOLD' } },
  ],
  reportNewborn: [{ label: 'CREATED', output: { reference: 'CR-7K4M-2Q9X', dueDate: '2026-12-02' } }],
  // reviewers' questions answered in chat (src/domain/ports.ts ReviewQuestionPorts)
  getOpenQuestions: [
    { label: 'none', output: [] },
    { label: 'one', output: [{ requestId: '00000000-0000-4000-8000-0000000000aa', reference: 'CR2611290005E2', question: '请问户口本上的姓名是什么？' }] },
  ],
  answerQuestion: [
    { label: 'recorded', output: { ok: true, reference: 'CR2611290005E2' } },
    { label: 'closed', output: { ok: false, reference: 'CR2611290005E2' } },
  ],
  // the progress of the resident's requests (查进度)
  getRequestProgress: [
    { label: 'none', output: { requests: [], older: 0 } },
    { label: 'every status', output: { requests: REQUESTS_IN_EVERY_STATUS, older: 2 } },
  ],
};

/** Every state node of a machine, depth first (so states added later are included). */
export function allStateNodes(node: AnyStateNode, out: AnyStateNode[] = []): AnyStateNode[] {
  out.push(node);
  for (const child of Object.values(node.states)) allStateNodes(child, out);
  return out;
}

/** "verifying.awaitingIdNumber" for {verifying: 'awaitingIdNumber'}. */
export function stateName(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    return Object.entries(value)
      .map(([k, v]) => `${k}.${stateName(v)}`)
      .join(',');
  }
  return String(value);
}

/** The i18n keys of the replies among the effects, flattened in order. */
export function replyKeys(effects: FlowEffect[]): string[] {
  return effects.flatMap((e) => (e.type === 'reply' ? e.parts.map((p) => p.key) : []));
}

export function replies(effects: FlowEffect[]): ReplyEffect[] {
  return effects.filter((e): e is ReplyEffect => e.type === 'reply');
}

export const DEFAULT_INPUT: ResidentInput = { noticeAcknowledged: false, verifyMethod: 'phone_last4' };

type ResidentSnapshot = SnapshotFrom<ResidentMachine>;

/**
 * Runs the resident flow one user event at a time, like the engine: after start and after each event it waits
 * until the flow waits for input (tag awaitingInput) or has stopped, and returns the effects of that step.
 */
export class FlowDriver {
  readonly effects: FlowEffect[] = [];
  /** Ids of every state node entered or left through (including transient ones such as `routing`). */
  readonly visited = new Set<string>();
  /** Every transition taken (eventless ones included). */
  readonly transitionsTaken = new Set<AnyTransitionDefinition>();
  private readonly actor;
  private error: unknown;

  /** `ports`, or a machine already provided with ports (providing a large machine is not free). */
  constructor(ports: ResidentFlowPorts | ResidentMachine, input: ResidentInput = DEFAULT_INPUT, snapshot?: Snapshot<unknown>) {
    const machine = ports instanceof StateMachine ? (ports as ResidentMachine) : provideResidentPorts(ports as ResidentFlowPorts);
    this.actor = createActor(machine, {
      input,
      ...(snapshot ? { snapshot } : {}),
      inspect: (e: InspectionEvent) => this.inspect(e),
    });
    this.actor.on('*', (e) => this.effects.push(e as FlowEffect));
    this.actor.subscribe({ error: (err) => (this.error = err) });
  }

  private inspect(e: InspectionEvent) {
    if (e.type !== '@xstate.microstep' || e.actorRef !== this.actor) return;
    for (const t of e._transitions) {
      this.visited.add(t.source.id);
      this.transitionsTaken.add(t);
    }
    for (const n of (e.snapshot as ResidentSnapshot)._nodes) this.visited.add(n.id);
  }

  /** Starts (or restores) the flow; returns what it says first. */
  async start(): Promise<FlowEffect[]> {
    const from = this.effects.length;
    this.actor.start();
    for (const n of this.actor.getSnapshot()._nodes) this.visited.add(n.id);
    await this.settle();
    return this.effects.slice(from);
  }

  /** Sends one user event; returns the effects until the flow waits again. */
  async send(event: FlowEvent): Promise<FlowEffect[]> {
    const from = this.effects.length;
    this.actor.send(event);
    await this.settle();
    return this.effects.slice(from);
  }

  private async settle() {
    await waitFor(this.actor, (s) => s.hasTag('awaitingInput') || s.status !== 'active', { timeout: 2_000 });
    if (this.error) throw this.error;
  }

  get snapshot(): ResidentSnapshot {
    return this.actor.getSnapshot();
  }

  /** The state as a dotted name, e.g. "verifying.awaitingIdNumber". */
  get state(): string {
    return stateName(this.actor.getSnapshot().value);
  }

  /** The persisted snapshot after a JSON round trip, as the engine stores it. */
  persisted(): Snapshot<unknown> {
    return JSON.parse(JSON.stringify(this.actor.getPersistedSnapshot())) as Snapshot<unknown>;
  }

  stop() {
    this.actor.stop();
  }
}
