import { createActor, waitFor, type Snapshot } from 'xstate';
import type { ChoiceOption, FlowEffect, FlowEvent, ReplyEffect } from '../../flows/effects';
import { CORRECTION_FIELDS, MAX_FAILURES, parseSince, provideResidentPorts, type ResidentInput } from '../../flows/resident';
import { renderReply } from '../../src/conversation/render';
import { redactSensitive } from '../../src/domain/codes/masking';
import type {
  CheckCorrectionInput,
  CheckCorrectionResult,
  CorrectableField,
  MemberCheckResult,
  ReportMemberInput,
  ReportMemberResult,
  ResidentFlowPorts,
  ResidentPorts,
  ResidentReportPorts,
  ReviewQuestionPorts,
  SubmitCorrectionResult,
} from '../../src/domain/ports';
import { createI18n, LOCALES, type Locale } from '../../src/lib/i18n';

/**
 * What a verified resident reports, on fake ports: corrections (direct and reviewed, region lists, every
 * refusal), the employment report (every branch) and missing household members. Each step's replies are
 * rendered in both languages, so a key missing in either locale fails here.
 */

const PERSON = 'person-1';
const i18n = createI18n();

/** Fake ports: the session ports answer like a verified person with no open question; the report ports are set per test. */
function fakePorts(over: Partial<ResidentReportPorts> = {}) {
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
class Flow {
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
function expectRenders(r: ReplyEffect) {
  for (const lng of LOCALES) {
    for (const p of r.parts) {
      expect([lng, p.key, i18n.exists(p.key, { lng })]).toEqual([lng, p.key, true]);
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

const keys = (rs: ReplyEffect[]) => rs.flatMap((r) => r.parts.map((p) => p.key));
const lastOptions = (rs: ReplyEffect[]): string[] => (rs.at(-1)?.options ?? []).map((o: ChoiceOption) => o.value);
const render = (rs: ReplyEffect[], lng: Locale) => rs.map((r) => renderReply(i18n, lng, r).text).join('\n');

async function atMenu(over: Partial<ResidentReportPorts> = {}) {
  const f = fakePorts(over);
  const flow = new Flow(f.ports);
  const first = await flow.start();
  expect(flow.state).toBe('menu.awaitingChoice');
  expect(lastOptions(first)).toEqual(['status', 'confirm', 'correct', 'employment', 'household', 'human', 'signOut']);
  return { flow, ...f };
}

describe('corrections', () => {
  it('offers the ten fields in order, numbered, from the menu and from "something is wrong"', async () => {
    const { flow } = await atMenu();
    const fields = await flow.choose('correct');
    expect(flow.state).toBe('correct.awaitingField');
    expect(lastOptions(fields)).toEqual([...CORRECTION_FIELDS]);
    expect(CORRECTION_FIELDS).toEqual(['name', 'sex', 'birthDate', 'idNumber', 'ethnicity', 'phone', 'residenceRegion', 'residenceAddress', 'hukouRegion', 'hukouAddress']);

    const { flow: f2 } = await atMenu();
    await f2.choose('confirm');
    expect(f2.state).toBe('confirm.confirmingDetails');
    const again = await f2.choose('wrong');
    expect(f2.state).toBe('correct.awaitingField');
    expect(lastOptions(again)).toEqual([...CORRECTION_FIELDS]);
  });

  it('a DIRECT field: value → old vs new → confirm → applied without asking for evidence', async () => {
    const { flow, callsOf } = await atMenu({
      checkCorrection: async ({ value }) => ({ ok: true, value: value.replace(/\s/g, ''), policy: 'DIRECT', oldDisplay: '138****1234', newDisplay: '139****5678' }),
    });
    await flow.choose('correct');
    const ask = await flow.choose('phone');
    expect(keys(ask)).toEqual(['correct.awaitingValue.prompt_phone']);
    expect(flow.state).toBe('correct.enteringValue.awaitingValue');

    const shown = await flow.text('139 1234 5678');
    expect(callsOf('checkCorrection')).toEqual([{ personId: PERSON, field: 'phone', value: '139 1234 5678' }]);
    expect(flow.state).toBe('correct.confirmingChange');
    expect(keys(shown)).toEqual(['correct.confirmingChange.summary', 'correct.confirmingChange.promptDirect']);
    expect(shown[0]!.parts[0]!.params).toEqual({ field: '$t(correct.fields.phone)', old: '138****1234', new: '139****5678' });
    expect(lastOptions(shown)).toEqual(['submit', 'reenter', 'menu']);
    expect(render(shown, 'zh-CN')).toContain('原来：138****1234');
    expect(render(shown, 'en')).toContain('New: 139****5678');

    const done = await flow.choose('submit');
    expect(callsOf('submitCorrection')).toEqual([{ personId: PERSON, field: 'phone', value: '13912345678' }]);
    expect(keys(done)).toEqual(['correct.submittingChange.applied', 'menu.awaitingChoice.prompt']);
    expect(done[0]!.parts[0]!.params).toEqual({ field: '$t(correct.fields.phone)' });
    expect(flow.state).toBe('menu.awaitingChoice');
    expect(flow.context.correction).toBeUndefined();
  });

  it('a REVIEWED field: asks for a short explanation, submits it, tells the reference and the date', async () => {
    const { flow, callsOf } = await atMenu({
      checkCorrection: async ({ value }) => ({ ok: true, value, policy: 'REVIEWED', oldDisplay: '张*', newDisplay: value }),
    });
    await flow.choose('correct');
    await flow.choose('name');
    const shown = await flow.text('张三丰');
    expect(keys(shown)).toContain('correct.confirmingChange.promptReviewed');
    const ask = await flow.choose('submit');
    expect(keys(ask)).toEqual(['correct.awaitingEvidence.prompt']);
    expect(flow.state).toBe('correct.awaitingEvidence');

    const tooShort = await flow.text('x');
    expect(keys(tooShort)).toEqual(['correct.awaitingEvidence.error', 'correct.awaitingEvidence.prompt']);
    const done = await flow.text('户口本上是这个名字');
    expect(callsOf('submitCorrection')).toEqual([{ personId: PERSON, field: 'name', value: '张三丰', evidence: '户口本上是这个名字' }]);
    expect(keys(done)).toEqual(['correct.submittingChange.submitted', 'common.receipt', 'menu.awaitingChoice.prompt']);
    expect(render(done, 'zh-CN')).toContain('CR261129ABCDEF');
    expect(render(done, 'zh-CN')).toContain('3个工作日');
    expect(render(done, 'en')).toMatch(/3 working days \(by 2026-12-03\).*CR261129ABCDEF/s);
  });

  it('sex is a numbered choice', async () => {
    const { flow, callsOf } = await atMenu();
    await flow.choose('correct');
    const ask = await flow.choose('sex');
    expect(lastOptions(ask)).toEqual(['MALE', 'FEMALE']);
    await flow.choose('FEMALE');
    expect(callsOf('checkCorrection')).toEqual([{ personId: PERSON, field: 'sex', value: 'FEMALE' }]);
    expect(flow.state).toBe('correct.confirmingChange');
  });

  const REFUSALS: CheckCorrectionResult[] = (
    [
      'BAD_NAME',
      'BAD_SEX',
      'SEX_CONTRADICTS_ID',
      'BAD_BIRTH_DATE',
      'BIRTH_DATE_CONTRADICTS_ID',
      'ID_EMPTY',
      'ID_BAD_CHARACTERS',
      'ID_BAD_LENGTH',
      'ID_BAD_DATE',
      'ID_BAD_CHECK',
      'BAD_ETHNICITY',
      'BAD_PHONE',
      'BAD_ADDRESS',
      'UNKNOWN_REGION',
      'REGION_TOO_BROAD',
      'TOO_MANY_REGIONS',
    ] as const
  ).map((error) => ({ ok: false, error }));

  it.each(REFUSALS.map((r) => [r.ok ? '' : r.error, r]))('refusal %s: its own message, then the question again', async (error, result) => {
    const { flow } = await atMenu({ checkCorrection: async () => result });
    await flow.choose('correct');
    await flow.choose('phone');
    const again = await flow.text('whatever');
    expect(keys(again)).toEqual([`correct.awaitingValue.error_${error}`, 'correct.awaitingValue.prompt_phone']);
    expect(flow.state).toBe('correct.enteringValue.awaitingValue');
  });

  it(`after ${MAX_FAILURES} refused values: explains with an example and offers a human; a good value goes on`, async () => {
    let n = 0;
    const { flow } = await atMenu({
      checkCorrection: async ({ value }): Promise<CheckCorrectionResult> =>
        ++n <= MAX_FAILURES ? { ok: false, error: 'BAD_PHONE' } : { ok: true, value, policy: 'DIRECT', newDisplay: value },
    });
    await flow.choose('correct');
    await flow.choose('phone');
    await flow.text('1');
    await flow.text('2');
    const third = await flow.text('3');
    expect(keys(third)).toEqual(['correct.awaitingValue.error_BAD_PHONE', 'correct.awaitingValue.example_phone', 'common.offerHuman']);
    await flow.text('13912345678');
    expect(flow.state).toBe('correct.confirmingChange');
  });

  it('UNCHANGED goes back to the field list; ALREADY_PENDING names the open request and returns to the menu', async () => {
    const { flow } = await atMenu({ checkCorrection: async () => ({ ok: false, error: 'UNCHANGED' }) });
    await flow.choose('correct');
    await flow.choose('ethnicity');
    const same = await flow.text('彝族');
    expect(keys(same)).toEqual(['correct.awaitingValue.error_UNCHANGED', 'correct.awaitingField.prompt']);
    expect(flow.state).toBe('correct.awaitingField');

    const { flow: f2 } = await atMenu({ checkCorrection: async () => ({ ok: false, error: 'ALREADY_PENDING', reference: 'CR261128AAAAAA' }) });
    await f2.choose('correct');
    await f2.choose('name');
    const pending = await f2.text('李四');
    expect(keys(pending)).toEqual(['correct.checkingValue.alreadyPending', 'menu.awaitingChoice.prompt']);
    expect(render(pending, 'en')).toContain('CR261128AAAAAA');
  });

  it('a region name with several matches: a numbered list; a wrong number is re-asked, the right one is checked as its code', async () => {
    const matches = [
      { code: '530302104', label: '曲靖市麒麟区东山镇' },
      { code: '532532101', label: '红河哈尼族彝族自治州河口瑶族自治县东山镇' },
    ];
    const check = async ({ value }: CheckCorrectionInput): Promise<CheckCorrectionResult> =>
      /^\d{9}$/.test(value) ? { ok: true, value, policy: 'DIRECT', newDisplay: matches.find((m) => m.code === value)!.label } : { ok: false, error: 'CHOOSE_REGION', matches };
    const { flow, callsOf } = await atMenu({ checkCorrection: check });
    await flow.choose('correct');
    await flow.choose('residenceRegion');
    const list = await flow.text('东山镇');
    expect(flow.state).toBe('correct.enteringValue.choosingRegion');
    expect(keys(list)).toEqual(['correct.choosingRegion.prompt', 'correct.choosingRegion.match', 'correct.choosingRegion.match', 'correct.choosingRegion.hint']);
    expect(list[0]!.options).toBeUndefined();
    expect(render(list, 'zh-CN')).toContain('2. 红河哈尼族彝族自治州河口瑶族自治县东山镇');

    const wrong = await flow.text('7');
    expect(keys(wrong)[0]).toBe('correct.choosingRegion.error');
    expect(flow.state).toBe('correct.enteringValue.choosingRegion');

    const picked = await flow.text('2');
    expect(callsOf('checkCorrection').at(-1)).toEqual({ personId: PERSON, field: 'residenceRegion', value: '532532101' });
    expect(flow.state).toBe('correct.confirmingChange');
    expect(render(picked, 'zh-CN')).toContain('改为：红河哈尼族彝族自治州河口瑶族自治县东山镇');
  });

  it('"enter it again" asks for the value again; the menu leaves and forgets the draft', async () => {
    const { flow } = await atMenu();
    await flow.choose('correct');
    await flow.choose('hukouAddress');
    await flow.text('五华区华山街道西仓坡5号');
    const again = await flow.choose('reenter');
    expect(keys(again)).toEqual(['correct.awaitingValue.prompt_hukouAddress']);
    await flow.text('五华区华山街道西仓坡6号');
    await flow.choose('menu');
    expect(flow.state).toBe('menu.awaitingChoice');
    expect(flow.context.correction).toBeUndefined();
  });

  it('a value refused at submission (the record changed meanwhile) asks again', async () => {
    const { flow } = await atMenu({
      checkCorrection: async ({ value }) => ({ ok: true, value, policy: 'DIRECT', newDisplay: value }),
      submitCorrection: async (): Promise<SubmitCorrectionResult> => ({ outcome: 'REFUSED', error: 'UNCHANGED' }),
    });
    await flow.choose('correct');
    await flow.choose('residenceAddress');
    await flow.text('华山街道西仓坡5号');
    const r = await flow.choose('submit');
    expect(keys(r)).toEqual(['correct.awaitingValue.error_UNCHANGED', 'correct.awaitingValue.prompt_residenceAddress']);
  });

  it('the snapshot survives a JSON round trip in the middle of a correction', async () => {
    const f = fakePorts();
    const flow = new Flow(f.ports);
    await flow.start();
    await flow.choose('correct');
    await flow.choose('birthDate');
    await flow.text('1990-03-08');
    expect(flow.state).toBe('correct.confirmingChange');
    const restored = new Flow(f.ports, flow.persisted());
    await restored.start();
    expect(restored.state).toBe('correct.confirmingChange');
    await restored.choose('submit');
    await restored.text('出生证明上是3月8日');
    expect(f.callsOf('submitCorrection')).toEqual([{ personId: PERSON, field: 'birthDate', value: '1990-03-08', evidence: '出生证明上是3月8日' }]);
    flow.stop();
    restored.stop();
  });

  it.each(CORRECTION_FIELDS.map((f) => [f]))('field %s has a prompt and an example in both languages', async (field: CorrectableField) => {
    for (const lng of LOCALES) {
      for (const k of [`correct.awaitingValue.prompt_${field}`, `correct.awaitingValue.example_${field}`, `correct.fields.${field}`]) {
        expect([lng, k, i18n.exists(k, { lng })]).toEqual([lng, k, true]);
      }
    }
  });
});

describe('employment report', () => {
  it('EMPLOYED: employer, credit code (a bad one has its message), since; fully insured: stored without reason', async () => {
    const { flow, callsOf } = await atMenu();
    const ask = await flow.choose('employment');
    expect(lastOptions(ask)).toEqual(['EMPLOYED', 'FLEXIBLE', 'SELF_EMPLOYED', 'FARMING', 'UNEMPLOYED', 'STUDENT', 'RETIRED', 'OTHER']);
    expect(keys(await flow.choose('EMPLOYED'))).toEqual(['employment.awaitingEmployerName.prompt']);
    expect(keys(await flow.text('x'))).toEqual(['employment.awaitingEmployerName.error', 'employment.awaitingEmployerName.prompt']);
    const code = await flow.text('昆明某某食品有限公司');
    expect(lastOptions(code)).toEqual(['skip']);
    expect(keys(await flow.text('9153010'))[0]).toBe('employment.awaitingCreditCode.error_BAD_LENGTH');
    expect(keys(await flow.text('91530100MA6K7ABC1Z'))[0]).toBe('employment.awaitingCreditCode.error_BAD_CHARACTERS');
    expect(keys(await flow.text('91350100M000100Y44'))[0]).toBe('employment.awaitingCreditCode.error_BAD_CHECK');
    const since = await flow.text('91350100M000100Y43');
    expect(keys(since)).toEqual(['employment.awaitingSince.prompt']);
    expect(keys(await flow.text('去年'))[0]).toBe('employment.awaitingSince.error');
    const summary = await flow.text('2023-05');
    expect(keys(summary)).toEqual(['employment.confirmingReport.header', ...Array(4).fill('employment.confirmingReport.line'), 'employment.confirmingReport.prompt']);
    expect(lastOptions(summary)).toEqual(['submit', 'reenter', 'menu']);
    summary.forEach(expectRenders);
    // Nothing is stored before the resident confirms.
    expect(callsOf('submitEmploymentReport')).toEqual([]);
    const done = await flow.choose('submit');
    expect(keys(done)).toEqual(['employment.submittingReport.done', 'menu.awaitingChoice.prompt']);
    expect(callsOf('submitEmploymentReport')).toEqual([
      { personId: PERSON, status: 'EMPLOYED', employer: '昆明某某食品有限公司', employerCreditCode: '91350100M000100Y43', since: '2023-05-01' },
    ]);
    expect(flow.context.employment).toBeUndefined();
  });

  it('FLEXIBLE with no pension: platform work, since unknown, reason OTHER with text, intention YES', async () => {
    const { flow, callsOf } = await atMenu({ getCoverage: async () => ({ hasPayingPension: false, hasPayingMedical: true }) });
    await flow.choose('employment');
    expect(keys(await flow.choose('FLEXIBLE'))).toEqual(['employment.awaitingPlatformWork.prompt']);
    await flow.text('美团送外卖');
    const reason = await flow.choose('unknown');
    expect(keys(reason)).toEqual(['employment.awaitingReason.promptPension']);
    expect(lastOptions(reason)).toEqual(['CANNOT_AFFORD', 'NOT_AWARE', 'ENROLLED_ELSEWHERE', 'EMPLOYER_DID_NOT_ENROL', 'NOT_INTERESTED', 'OTHER']);
    expect(keys(await flow.choose('OTHER'))).toEqual(['employment.awaitingReasonText.prompt']);
    const intent = await flow.text('刚搬来，不知道去哪办');
    expect(lastOptions(intent)).toEqual(['YES', 'NO', 'UNSURE']);
    const summary = await flow.choose('YES');
    expect(keys(summary).filter((k) => k === 'employment.confirmingReport.line')).toHaveLength(5);
    expect(callsOf('submitEmploymentReport')).toEqual([]);
    const done = await flow.choose('submit');
    expect(keys(done)).toEqual(['employment.submittingReport.done', 'employment.submittingReport.adviceEnrol', 'menu.awaitingChoice.prompt']);
    expect(callsOf('submitEmploymentReport')).toEqual([
      { personId: PERSON, status: 'FLEXIBLE', platformWork: '美团送外卖', nonEnrolmentReason: 'OTHER', reasonText: '刚搬来，不知道去哪办', intention: 'YES' },
    ]);
  });

  it('SELF_EMPLOYED skipping the business name; no medical: the reason and intention', async () => {
    const { flow, callsOf } = await atMenu({ getCoverage: async () => ({ hasPayingPension: true, hasPayingMedical: false }) });
    await flow.choose('employment');
    await flow.choose('SELF_EMPLOYED');
    expect(keys(await flow.choose('skip'))).toEqual(['employment.awaitingSince.prompt']);
    expect(keys(await flow.text('2019年3月'))).toEqual(['employment.awaitingReason.promptMedical']);
    await flow.choose('CANNOT_AFFORD');
    await flow.choose('UNSURE');
    await flow.choose('submit');
    expect(callsOf('submitEmploymentReport')).toEqual([
      { personId: PERSON, status: 'SELF_EMPLOYED', since: '2019-03-01', nonEnrolmentReason: 'CANNOT_AFFORD', intention: 'UNSURE' },
    ]);
  });

  it.each(['FARMING', 'UNEMPLOYED', 'STUDENT', 'RETIRED', 'OTHER'])('%s goes straight to "since when"; neither insurance: asks about both', async (status) => {
    const { flow, callsOf } = await atMenu({ getCoverage: async () => ({ hasPayingPension: false, hasPayingMedical: false }) });
    await flow.choose('employment');
    expect(keys(await flow.choose(status))).toEqual(['employment.awaitingSince.prompt']);
    expect(keys(await flow.text('2020-09-01'))).toEqual(['employment.awaitingReason.promptBoth']);
    await flow.choose('NOT_AWARE');
    await flow.choose('NO');
    await flow.choose('submit');
    expect(callsOf('submitEmploymentReport')).toEqual([{ personId: PERSON, status, since: '2020-09-01', nonEnrolmentReason: 'NOT_AWARE', intention: 'NO' }]);
  });

  it('"no" at the read-back starts the report again, and nothing is stored; the menu leaves it unsaved', async () => {
    const { flow, callsOf } = await atMenu();
    await flow.choose('employment');
    await flow.choose('FARMING');
    const summary = await flow.text('2020-09');
    expect(keys(summary).at(-1)).toBe('employment.confirmingReport.prompt');
    const again = await flow.choose('reenter');
    expect(keys(again)).toEqual(['employment.awaitingEmploymentStatus.prompt']);
    expect(flow.context.employment).toBeUndefined();
    await flow.choose('STUDENT');
    await flow.text('2021-09');
    expect(keys(await flow.choose('menu'))).toEqual(['menu.awaitingChoice.prompt']);
    expect(callsOf('submitEmploymentReport')).toEqual([]);
    await flow.choose('employment');
    await flow.choose('RETIRED');
    await flow.text('2019-01');
    await flow.choose('submit');
    expect(callsOf('submitEmploymentReport')).toEqual([{ personId: PERSON, status: 'RETIRED', since: '2019-01-01' }]);
  });

  it('reads "since when" in the usual ways', () => {
    expect(parseSince('2023-05')).toBe('2023-05-01');
    expect(parseSince('2023/5')).toBe('2023-05-01');
    expect(parseSince('2023.05.17')).toBe('2023-05-17');
    expect(parseSince('2023年5月')).toBe('2023-05-01');
    expect(parseSince('2023年5月17日')).toBe('2023-05-17');
    expect(parseSince('202305')).toBe('2023-05-01');
    expect(parseSince('２０２３－０５')).toBe('2023-05-01');
    expect(parseSince('2023-13')).toBeNull();
    expect(parseSince('2023-02-30')).toBeNull();
    expect(parseSince('1900-01')).toBeNull();
    expect(parseSince('last year')).toBeNull();
  });
});

describe('missing household members', () => {
  it('shows the masked members, takes ID number (each error has its message), name and relationship, confirms, reports', async () => {
    const { flow, callsOf } = await atMenu();
    const list = await flow.choose('household');
    expect(keys(list)).toEqual(['household.loadingHousehold.header', 'household.loadingHousehold.member', 'household.awaitingHouseholdChoice.prompt']);
    expect(render(list, 'zh-CN')).toContain('1. 张*  5***************38');
    expect(lastOptions(list)).toEqual(['report', 'menu']);

    await flow.choose('report');
    for (const [bad, code] of [
      ['53010219900307123A', 'BAD_CHARACTERS'],
      ['5301021990030712', 'BAD_LENGTH'],
      ['530102199002301238', 'BAD_DATE'],
      ['530102199003071230', 'BAD_CHECK'],
    ]) {
      expect(keys(await flow.text(bad!))[0]).toBe(`household.awaitingMemberIdNumber.error_${code}`);
    }
    const name = await flow.text('53010220150601119x');
    expect(callsOf('checkMissingMember')).toEqual([{ personId: PERSON, idNumber: '53010220150601119X' }]);
    expect(keys(name)).toEqual(['household.awaitingMemberName.prompt']);
    expect(keys(await flow.text('张3'))[0]).toBe('household.awaitingMemberName.error');
    const rel = await flow.text('张小明');
    expect(lastOptions(rel)).toEqual(['SPOUSE', 'CHILD', 'PARENT', 'GRANDCHILD', 'SIBLING', 'OTHER']);
    const confirm = await flow.choose('CHILD');
    expect(flow.state).toBe('household.confirmingMember');
    const zh = render(confirm, 'zh-CN');
    expect(zh).toContain('张小明');
    expect(zh).toContain('5***************1X');
    expect(zh).toContain('性别：男，出生日期：2015-06-01');
    expect(zh).toContain('子女');
    expect(zh).not.toContain('53010220150601119X');

    const done = await flow.choose('submit');
    const input: ReportMemberInput = { personId: PERSON, idNumber: '53010220150601119X', name: '张小明', relationship: 'CHILD' };
    expect(callsOf('reportMissingMember')).toEqual([input]);
    expect(keys(done)).toEqual(['household.submittingMember.created', 'common.receipt', 'menu.awaitingChoice.prompt']);
    expect(render(done, 'en')).toContain('CR261129QWERTY');
    expect(flow.context.household).toBeUndefined();
  });

  it('no household on record: says so and can still report', async () => {
    const { flow } = await atMenu({ getHousehold: async () => ({ hasHousehold: false, members: [] }) });
    const list = await flow.choose('household');
    expect(keys(list)).toEqual(['household.loadingHousehold.empty', 'household.awaitingHouseholdChoice.prompt']);
    await flow.choose('report');
    expect(flow.state).toBe('household.awaitingMemberIdNumber');
  });

  it.each<[string, MemberCheckResult, string]>([
    ['in the registry', { status: 'IN_REGISTRY', maskedIdNumber: '5***************38' }, 'household.checkingMember.inRegistry'],
    ['already reported', { status: 'ALREADY_REPORTED', reference: 'CR261120ZZZZZZ', maskedIdNumber: '5***************38' }, 'household.checkingMember.alreadyReported'],
  ])('a person %s is recognised after the ID number, and the number is forgotten', async (_label, result, key) => {
    const { flow, callsOf } = await atMenu({ checkMissingMember: async () => result });
    await flow.choose('household');
    await flow.choose('report');
    const r = await flow.text('530102199003071238');
    expect(keys(r)).toEqual([key, 'household.awaitingHouseholdChoice.prompt']);
    expect(flow.state).toBe('household.awaitingHouseholdChoice');
    expect(flow.context.household?.idNumber).toBeUndefined();
    expect(callsOf('reportMissingMember')).toEqual([]);
    if (result.status === 'ALREADY_REPORTED') expect(render(r, 'zh-CN')).toContain('CR261120ZZZZZZ');
  });

  it.each<[string, ReportMemberResult, string]>([
    ['reported meanwhile', { outcome: 'ALREADY_REPORTED', reference: 'CR261120ZZZZZZ', maskedIdNumber: '5***************9X' }, 'household.checkingMember.alreadyReported'],
    ['registered meanwhile', { outcome: 'IN_REGISTRY', maskedIdNumber: '5***************9X' }, 'household.checkingMember.inRegistry'],
  ])('a person %s at submission is told so', async (_label, result, key) => {
    const { flow } = await atMenu({ reportMissingMember: async () => result });
    await flow.choose('household');
    await flow.choose('report');
    await flow.text('53010220150601119X');
    await flow.text('张小明');
    await flow.choose('SPOUSE');
    const r = await flow.choose('submit');
    expect(keys(r)).toEqual([key, 'menu.awaitingChoice.prompt']);
    expect(render(r, 'zh-CN')).toContain('5***************9X');
  });

  it('"enter it again" starts from the ID number', async () => {
    const { flow } = await atMenu();
    await flow.choose('household');
    await flow.choose('report');
    await flow.text('53010220150601119X');
    await flow.text('张小明');
    await flow.choose('OTHER');
    expect(keys(await flow.choose('reenter'))).toEqual(['household.awaitingMemberIdNumber.prompt']);
  });
});

describe('robustness', () => {
  it('no text of the report locale files would be altered by the outbound redaction (no ID- or phone-like examples)', () => {
    const strings = (v: unknown): string[] => (typeof v === 'string' ? [v] : v && typeof v === 'object' ? Object.values(v).flatMap(strings) : []);
    for (const lng of LOCALES) {
      for (const ns of ['correct', 'employment', 'household']) {
        for (const text of strings(i18n.t(ns, { lng, returnObjects: true }))) expect(redactSensitive(text)).toBe(text);
      }
    }
  });

  it('a failing report port apologises and starts again', async () => {
    const { flow } = await atMenu({
      checkCorrection: async () => {
        throw new Error('db down');
      },
    });
    await flow.choose('correct');
    await flow.choose('phone');
    const r = await flow.text('13912345678');
    expect(keys(r)).toEqual(['common.technicalProblem']);
    expect(flow.state).toBe('failed');
  });

  it('a port missing at run time (the type requires every port) apologises', async () => {
    const { ports } = fakePorts();
    const { checkCorrection: _a, submitCorrection: _b, getCoverage: _c, submitEmploymentReport: _d, getHousehold: _e, checkMissingMember: _f, reportMissingMember: _g, ...session } = ports;
    const flow = new Flow(session as ResidentFlowPorts);
    await flow.start();
    const r = await flow.choose('household');
    expect(keys(r)).toEqual(['common.technicalProblem']);
  });

  it('free text where a choice is expected is re-asked in every new question', async () => {
    const { flow } = await atMenu();
    await flow.choose('correct');
    expect(keys(await flow.text('随便'))).toEqual(['common.pleaseChoose', 'correct.awaitingField.prompt']);
    await flow.send({ type: 'user.menu' });
    await flow.choose('employment');
    expect(keys(await flow.text('随便'))).toEqual(['common.pleaseChoose', 'employment.awaitingEmploymentStatus.prompt']);
    await flow.send({ type: 'user.menu' });
    await flow.choose('household');
    expect(keys(await flow.text('随便'))).toEqual(['common.pleaseChoose', 'household.awaitingHouseholdChoice.prompt']);
  });
});
