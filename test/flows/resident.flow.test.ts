import type { FlowEffect, FlowEvent } from '../../flows/effects';
import { MAX_FAILURES, PRIVACY_NOTICE_VERSION, type ResidentInput } from '../../flows/resident';
import type { ResidentFlowPorts } from '../../src/domain/ports';
import {
  createFakePorts,
  DEFAULT_INPUT,
  FlowDriver,
  FULL_STATUS,
  GOOD_FACTOR,
  NO_PHONE_PERSON_ID,
  replies,
  replyKeys,
  VERIFIED_PERSON_ID,
} from './fake-ports';

/**
 * The resident statechart on its own: fake ports through provideResidentPorts(), effects collected from the
 * actor, no database. One behaviour per test, each on its own actor.
 */

const ID = '530102199003071238';
const NAME = '张三';
const text = (t: string): FlowEvent => ({ type: 'user.text', text: t });
const choice = (value: string): FlowEvent => ({ type: 'user.choice', value });
const ACKED: ResidentInput = { noticeAcknowledged: true, verifyMethod: 'phone_last4' };

async function started(overrides: Partial<ResidentFlowPorts> = {}, input: ResidentInput = DEFAULT_INPUT) {
  const fake = createFakePorts(overrides);
  const flow = new FlowDriver(fake.ports, input);
  const first = await flow.start();
  return { flow, calls: fake.calls, first };
}

/** A flow that has got as far as the factor question. */
async function atFactor(overrides: Partial<ResidentFlowPorts> = {}, input: ResidentInput = ACKED) {
  const s = await started(overrides, input);
  await s.flow.send(text(ID));
  await s.flow.send(text(NAME));
  return s;
}

/** A verified flow at the menu. */
async function atMenu(overrides: Partial<ResidentFlowPorts> = {}) {
  const s = await atFactor(overrides);
  await s.flow.send(text(GOOD_FACTOR));
  expect(s.flow.state).toBe('menu.awaitingChoice');
  return s;
}

const optionValues = (effects: FlowEffect[]) => replies(effects).flatMap((r) => (r.options ?? []).map((o) => o.value));

describe('welcome and privacy notice', () => {
  it('greets, shows the notice with its choices, and records the acknowledgement with the notice version', async () => {
    const { flow, calls, first } = await started();
    expect(replyKeys(first)).toEqual(['welcome.awaitingNoticeAck.greeting', 'welcome.awaitingNoticeAck.notice']);
    expect(optionValues(first)).toEqual(['agree', 'language']);
    expect(flow.snapshot.hasTag('awaitingInput')).toBe(true);

    const next = await flow.send(choice('agree'));
    expect(calls.filter((c) => c.port === 'acknowledgeNotice')).toEqual([{ port: 'acknowledgeNotice', input: { noticeVersion: PRIVACY_NOTICE_VERSION } }]);
    expect(replyKeys(next)).toEqual(['verify.awaitingIdNumber.prompt']);
    expect(flow.state).toBe('verifying.awaitingIdNumber');
    expect(flow.snapshot.context.noticeAcknowledged).toBe(true);
  });

  it.each([
    ['language', 'other'],
    // The values offered before the single "other language" option (conversations saved then).
    ['english', 'en'],
    ['chinese', 'zh-CN'],
  ] as const)('choosing %s switches the language and shows the notice again (without the greeting)', async (value, locale) => {
    const { flow, calls } = await started();
    const effects = await flow.send(choice(value));
    expect(effects[0]).toEqual({ type: 'setLocale', locale });
    expect(replyKeys(effects)).toEqual(['welcome.awaitingNoticeAck.notice']);
    expect(flow.state).toBe('awaitingNoticeAck');
    expect(calls).toEqual([]);
  });

  it('does not show the notice again once acknowledged', async () => {
    const { flow, first, calls } = await started({}, ACKED);
    expect(replyKeys(first)).toEqual(['verify.awaitingIdNumber.prompt']);
    expect(flow.state).toBe('verifying.awaitingIdNumber');
    expect(calls).toEqual([]);
  });

  it('answers free text at the notice by asking for a choice, with the choices again', async () => {
    const { flow } = await started();
    const effects = await flow.send(text('什么意思'));
    expect(replyKeys(effects)).toEqual(['common.pleaseChoose', 'welcome.awaitingNoticeAck.notice']);
    expect(optionValues(effects)).toEqual(['agree', 'language']);
  });
});

describe('identity verification', () => {
  it.each([
    ['EMPTY', '   '],
    ['BAD_CHARACTERS', '53010219900307123A'],
    ['BAD_LENGTH', '5301021990030712'],
    ['BAD_DATE', '530102199002301238'],
    ['BAD_CHECK', '530102199003071230'],
  ])('an ID number with %s gets its own error and the question again', async (code, input) => {
    const { flow, calls } = await started({}, ACKED);
    const effects = await flow.send(text(input));
    expect(replyKeys(effects)).toEqual([`verify.awaitingIdNumber.error_${code}`, 'verify.awaitingIdNumber.prompt']);
    expect(flow.state).toBe('verifying.awaitingIdNumber');
    expect(calls).toEqual([]);
  });

  it('normalises the ID number (lower-case x, spaces, full-width digits) before checking identity', async () => {
    const { flow, calls } = await started({}, ACKED);
    await flow.send(text('１１０１０５ 19491231002x'));
    expect(flow.state).toBe('verifying.awaitingName');
    await flow.send(text('  李四  '));
    expect(calls.find((c) => c.port === 'checkIdentity')?.input).toEqual({ idNumber: '11010519491231002X', name: '李四' });
  });

  it.each(['张3', '123', '!!', ''])('rejects %j as a name', async (name) => {
    const { flow, calls } = await started({}, ACKED);
    await flow.send(text(ID));
    const effects = await flow.send(text(name));
    expect(replyKeys(effects)).toEqual(['verify.awaitingName.error', 'verify.awaitingName.prompt']);
    expect(flow.state).toBe('verifying.awaitingName');
    expect(calls).toEqual([]);
  });

  it.each(['张三', '欧阳娜娜', 'Li Wei', '阿依古丽·买买提'])('accepts %j as a name', async (name) => {
    const { flow } = await started({}, ACKED);
    await flow.send(text(ID));
    const effects = await flow.send(text(name));
    expect(replyKeys(effects)).toEqual(['verify.awaitingFactor.promptPhone']);
  });

  it('ASK_FACTOR asks for the factor; a verified factor leads to the menu and forgets the ID number and name', async () => {
    const { flow, calls } = await atFactor();
    expect(flow.state).toBe('verifying.awaitingFactor');
    const bad = await flow.send(text('12'));
    expect(replyKeys(bad)).toEqual(['verify.awaitingFactor.errorPhone', 'verify.awaitingFactor.promptPhone']);

    const effects = await flow.send(text(` ${GOOD_FACTOR.slice(0, 2)} ${GOOD_FACTOR.slice(2)} `));
    expect(calls.find((c) => c.port === 'verifyFactor')?.input).toEqual({ idNumber: ID, name: NAME, factor: GOOD_FACTOR });
    expect(replyKeys(effects)).toEqual(['verify.verified.success', 'menu.awaitingChoice.prompt']);
    expect(optionValues(effects)).toEqual(expect.arrayContaining(['status', 'confirm', 'correct', 'human', 'signOut']));
    expect(flow.state).toBe('menu.awaitingChoice');
    expect(flow.snapshot.context.personId).toBe(VERIFIED_PERSON_ID);
    const stored = JSON.stringify(flow.persisted());
    expect(stored).not.toContain(ID);
    expect(stored).not.toContain(NAME);
  });

  it('asks for the SMS code when the method is sms', async () => {
    const { flow } = await atFactor({}, { noticeAcknowledged: true, verifyMethod: 'sms' });
    const bad = await flow.send(text('1234'));
    expect(replyKeys(bad)).toEqual(['verify.awaitingFactor.errorSms', 'verify.awaitingFactor.promptSms']);
    await flow.send(text('123456'));
    expect(flow.state).toBe('verifying.awaitingFactor'); // the default fake accepts only 1234: asked again
  });

  it('gives the same answer whatever was wrong (MISMATCH), keeps ID number and name, and asks the factor again', async () => {
    const seen: string[][] = [];
    for (const [id, name, factor] of [
      ['532301198511200042', '不存在', '0000'], // unknown ID number
      [ID, '王五', GOOD_FACTOR], // wrong name
      [ID, NAME, '9999'], // wrong factor
    ] as const) {
      const { flow } = await started({ verifyFactor: async () => ({ ok: false, reason: 'MISMATCH', triesLeft: 4 }) }, ACKED);
      await flow.send(text(id));
      await flow.send(text(name));
      const effects = await flow.send(text(factor));
      expect(flow.state).toBe('verifying.awaitingFactor');
      expect(flow.snapshot.context.pendingIdNumber).toBe(id);
      expect(flow.snapshot.context.pendingName).toBe(name);
      seen.push(replyKeys(effects));
    }
    expect(seen[0]).toEqual(['verify.failed.mismatchFactor', 'verify.failed.reenterHint', 'verify.awaitingFactor.promptPhone']);
    expect(seen[1]).toEqual(seen[0]);
    expect(seen[2]).toEqual(seen[0]);
  });

  it('warns from the third failure with the tries left, and takes a new ID number at the factor question', async () => {
    const { flow } = await started({ verifyFactor: async () => ({ ok: false, reason: 'MISMATCH', triesLeft: 2 }) }, ACKED);
    await flow.send(text(ID));
    await flow.send(text(NAME));
    const effects = await flow.send(text('9999'));
    expect(replyKeys(effects)).toEqual(['verify.failed.mismatchFactor', 'verify.failed.triesLeft', 'verify.failed.reenterHint', 'verify.awaitingFactor.promptPhone']);
    expect(effects.flatMap((e) => (e.type === 'reply' ? e.parts : [])).find((p) => p.key === 'verify.failed.triesLeft')?.params).toEqual({ count: 2 });
    const again = await flow.send(text('532301198511200042'));
    expect(flow.state).toBe('verifying.awaitingName');
    expect(flow.snapshot.context.pendingIdNumber).toBe('532301198511200042');
    expect(replyKeys(again)).toEqual(['verify.awaitingName.prompt']);
  });

  it('says when the lock ends (China time), the commonest cause and where to fix it', async () => {
    const { flow } = await atFactor({ verifyFactor: async () => ({ ok: false, reason: 'LOCKED', lockedUntil: '2026-11-30T02:20:00.000Z' }) });
    const effects = await flow.send(text(GOOD_FACTOR));
    expect(replyKeys(effects)).toEqual(['verify.locked.message', 'verify.locked.until', 'verify.locked.phoneChanged']);
    expect(effects.flatMap((e) => (e.type === 'reply' ? e.parts : [])).find((p) => p.key === 'verify.locked.until')?.params).toEqual({ time: '11-30 10:20' });
  });

  it.each([
    ['checkIdentity', { checkIdentity: async () => ({ next: 'LOCKED' }) }],
    ['verifyFactor', { verifyFactor: async () => ({ ok: false, reason: 'LOCKED' }) }],
  ] as [string, Partial<ResidentFlowPorts>][])('LOCKED from %s says so, offers a human, and keeps saying so', async (_port, overrides) => {
    const { flow } = await atFactor(overrides);
    const effects = flow.state === 'verifying.locked' ? flow.effects.slice(-1) : await flow.send(text(GOOD_FACTOR));
    expect(flow.state).toBe('verifying.locked');
    expect(replyKeys(effects)).toEqual(['verify.locked.message', 'verify.locked.phoneChanged']);
    expect(effects.flatMap((e) => (e.type === 'reply' ? (e.options ?? []).map((o) => o.value) : []))).toEqual(['visit', 'human']);
    const again = await flow.send(text(ID));
    expect(replyKeys(again)).toEqual(['verify.locked.message', 'verify.locked.phoneChanged']);
    expect(flow.state).toBe('verifying.locked');
  });

  // `locked` and `offeringVisit` wait inside `verifying`: they clear the pending ID number and name on entry,
  // so neither stays in the persisted snapshot (conversation.snapshot) while the resident is there.
  it('keeps no ID number or name in the stored snapshot while locked out or offered a visit', async () => {
    for (const overrides of [{ checkIdentity: async () => ({ next: 'LOCKED' as const }) }, { checkIdentity: async () => ({ next: 'NO_PHONE' as const, personId: NO_PHONE_PERSON_ID }) }]) {
      const { flow } = await atFactor(overrides);
      expect(['verifying.locked', 'verifying.offeringVisit']).toContain(flow.state);
      const stored = JSON.stringify(flow.persisted());
      expect(stored).not.toContain(ID);
      expect(stored).not.toContain(NAME);
    }
  });

  describe('no phone on record', () => {
    const noPhone: Partial<ResidentFlowPorts> = { checkIdentity: async () => ({ next: 'NO_PHONE', personId: NO_PHONE_PERSON_ID }) };

    it('offers a home visit, a human or a retry', async () => {
      const { flow } = await atFactor(noPhone);
      expect(flow.state).toBe('verifying.offeringVisit');
      expect(replyKeys(flow.effects.slice(-1))).toEqual(['verify.offeringVisit.prompt']);
      expect(optionValues(flow.effects.slice(-1))).toEqual(['visit', 'human', 'retry']);
    });

    it('visit: puts the person on the visit list with the reason and ends', async () => {
      const { flow, calls } = await atFactor(noPhone);
      const ask = await flow.send(choice('visit'));
      expect(replyKeys(ask)).toEqual(['verify.awaitingVisitDetails.prompt']);
      expect(calls.filter((c) => c.port === 'requestVisit')).toEqual([]);
      const effects = await flow.send(text('13912345678 周六上午'));
      expect(calls.filter((c) => c.port === 'requestVisit')).toEqual([
        { port: 'requestVisit', input: { personId: NO_PHONE_PERSON_ID, reason: 'NO_PHONE_ON_RECORD', details: '13912345678 周六上午' } },
      ]);
      expect(replyKeys(effects)).toEqual(['verify.requestingVisit.done']);
      expect(flow.state).toBe('ended');
      expect(flow.snapshot.hasTag('done')).toBe(true);
    });

    it('human: hands off and goes back to the ID number', async () => {
      const { flow, calls } = await atFactor(noPhone);
      const effects = await flow.send(choice('human'));
      expect(calls.filter((c) => c.port === 'requestHuman')).toHaveLength(1);
      expect(replyKeys(effects)).toEqual(['common.handoff.requested', 'verify.awaitingIdNumber.prompt']);
      expect(flow.state).toBe('verifying.awaitingIdNumber');
    });

    it('retry: asks for the ID number again', async () => {
      const { flow, calls } = await atFactor(noPhone);
      const effects = await flow.send(choice('retry'));
      expect(replyKeys(effects)).toEqual(['verify.awaitingIdNumber.prompt']);
      expect(calls.map((c) => c.port)).toEqual(['checkIdentity']);
    });
  });
});

describe('menu', () => {
  it('status: shows every line, the registration status and the advice, then offers confirm or menu', async () => {
    const { flow, calls } = await atMenu();
    const effects = await flow.send(choice('status'));
    expect(calls.find((c) => c.port === 'getStatus')?.input).toEqual({ personId: VERIFIED_PERSON_ID });
    const [status, next] = replies(effects);
    expect(status?.parts[0]).toEqual({ key: 'status.showingStatus.header', params: { name: FULL_STATUS.maskedName } });
    expect(status?.parts.map((p) => p.key)).toEqual([
      'status.showingStatus.header',
      'status.showingStatus.line_PAYING',
      'status.showingStatus.line_PAYING_short',
      'status.showingStatus.line_SUSPENDED',
      'status.showingStatus.line_SUSPENDED_short',
      'status.showingStatus.line_TERMINATED',
      'status.showingStatus.line_NOT_ENROLLED',
      'status.showingStatus.line_NOT_ENROLLED',
      'status.showingStatus.line_NOT_ENROLLED',
      'status.showingStatus.registration_UNREGISTERED',
      ...FULL_STATUS.advice.map((a) => `status.showingStatus.advice_${a}`),
    ]);
    expect(status?.parts[1]?.params).toEqual({ insurance: '$t(reference.insurance.110)', prefecture: '昆明市', lastPaid: '2026-10', since: '' });
    expect(next?.parts.map((p) => p.key)).toEqual(['status.afterStatus.prompt']);
    expect(next?.options?.map((o) => o.value)).toEqual(['confirm', 'menu']);
    expect(flow.state).toBe('status.afterStatus');

    await flow.send(choice('menu'));
    expect(flow.state).toBe('menu.awaitingChoice');
    expect(flow.snapshot.context.status).toBeUndefined();
  });

  it('status asked about one scheme (status:medical): that scheme\'s lines first, the focus forgotten on leaving', async () => {
    const { flow } = await atMenu();
    const [status] = replies(await flow.send(choice('status:medical')));
    const lines = (status?.parts ?? []).filter((p) => p.key.includes('.line_')).map((p) => p.params?.insurance);
    expect(lines.slice(0, 2)).toEqual(['$t(reference.insurance.310)', '$t(reference.insurance.390)']);
    expect(lines).toHaveLength(FULL_STATUS.lines.length);
    await flow.send(choice('menu'));
    expect(flow.snapshot.context.statusFocus).toBeUndefined();
    const [again] = replies(await flow.send(choice('status')));
    expect(again?.parts[1]?.params?.insurance).toBe('$t(reference.insurance.110)');
  });

  it('confirm → all correct: confirms the registration and says so', async () => {
    const { flow, calls } = await atMenu();
    const shown = await flow.send(choice('confirm'));
    expect(replyKeys(shown)[0]).toBe('confirm.confirmingDetails.header');
    expect(replyKeys(shown).slice(-1)).toEqual(['confirm.confirmingDetails.prompt']);
    expect(optionValues(shown)).toEqual(['correct', 'wrong', 'menu']);
    expect(flow.state).toBe('confirm.confirmingDetails');

    const done = await flow.send(choice('correct'));
    expect(calls.filter((c) => c.port === 'confirmRegistration')).toEqual([{ port: 'confirmRegistration', input: { personId: VERIFIED_PERSON_ID } }]);
    expect(replyKeys(done)).toEqual(['confirm.confirmingRegistration.done', 'menu.awaitingChoice.prompt']);
    expect(flow.state).toBe('menu.awaitingChoice');
    expect(flow.snapshot.context.details).toBeUndefined();
  });

  it('status → confirm goes to the same confirmation', async () => {
    const { flow } = await atMenu();
    await flow.send(choice('status'));
    await flow.send(choice('confirm'));
    expect(flow.state).toBe('confirm.confirmingDetails');
  });

  it('a correction awaiting review: says so instead of confirming', async () => {
    const { flow } = await atMenu({ confirmRegistration: async () => ({ registrationStatus: 'PENDING_REVIEW' }) });
    await flow.send(choice('confirm'));
    const effects = await flow.send(choice('correct'));
    expect(replyKeys(effects)).toEqual(['confirm.confirmingRegistration.pendingReview', 'menu.awaitingChoice.prompt']);
  });

  it('"something is wrong" does not confirm the registration', async () => {
    const { flow, calls } = await atMenu();
    await flow.send(choice('confirm'));
    await flow.send(choice('wrong'));
    expect(calls.map((c) => c.port)).not.toContain('confirmRegistration');
    expect(flow.state.startsWith('confirm.')).toBe(false);
    expect(flow.snapshot.hasTag('awaitingInput')).toBe(true);
  });

  it('sign out: ends the binding and the next message starts at the ID number', async () => {
    const { flow, calls } = await atMenu();
    const effects = await flow.send(choice('signOut'));
    expect(calls.map((c) => c.port)).toContain('signOut');
    expect(replyKeys(effects)).toEqual(['menu.signingOut.done']);
    expect(flow.state).toBe('ended');
    expect(flow.snapshot.context.personId).toBeUndefined();
    const again = await flow.send(text('你好'));
    expect(replyKeys(again)).toEqual(['verify.awaitingIdNumber.prompt']);
  });

  it('a chat still bound to a verified person goes straight to the menu', async () => {
    const { flow, first, calls } = await started({}, { ...ACKED, personId: 'person-bound' });
    expect(replyKeys(first)).toEqual(['menu.awaitingChoice.prompt']);
    expect(flow.state).toBe('menu.awaitingChoice');
    expect(calls).toEqual([{ port: 'getOpenQuestions', input: { personId: 'person-bound' } }]);
    await flow.send(choice('status'));
    expect(flow.effects.length).toBeGreaterThan(1);
  });

  it('a bound person who has not seen the current notice sees it first, then the menu', async () => {
    const { flow, first } = await started({}, { ...DEFAULT_INPUT, personId: 'person-bound' });
    expect(replyKeys(first)).toContain('welcome.awaitingNoticeAck.notice');
    const effects = await flow.send(choice('agree'));
    expect(replyKeys(effects)).toEqual(['menu.awaitingChoice.prompt']);
  });
});

describe('from anywhere', () => {
  /** Ways to reach a waiting state, with whether the resident is verified there. */
  const places: [string, (o?: Partial<ResidentFlowPorts>) => Promise<{ flow: FlowDriver; calls: { port: string }[] }>, string][] = [
    ['the notice', () => started(), 'awaitingNoticeAck'],
    ['the ID number', () => started({}, ACKED), 'verifying.awaitingIdNumber'],
    ['the name', async () => {
      const s = await started({}, ACKED);
      await s.flow.send(text(ID));
      return s;
    }, 'verifying.awaitingIdNumber'],
    ['the factor', () => atFactor(), 'verifying.awaitingIdNumber'],
    ['the menu', () => atMenu(), 'menu.awaitingChoice'],
    ['the status', async () => {
      const s = await atMenu();
      await s.flow.send(choice('status'));
      return s;
    }, 'menu.awaitingChoice'],
    ['the details', async () => {
      const s = await atMenu();
      await s.flow.send(choice('confirm'));
      return s;
    }, 'menu.awaitingChoice'],
  ];

  it.each(places)('user.menu at %s goes to the start of where the resident may be', async (_where, reach, expected) => {
    const { flow } = await reach();
    const effects = await flow.send({ type: 'user.menu' });
    expect(flow.state).toBe(expected);
    expect(replies(effects).length).toBeGreaterThan(0);
    expect(flow.snapshot.context.pendingIdNumber).toBeUndefined();
  });

  it.each(places)('user.human at %s asks for a human and tells the resident', async (_where, reach) => {
    const { flow, calls } = await reach();
    const effects = await flow.send({ type: 'user.human' });
    expect(calls.filter((c) => c.port === 'requestHuman')).toEqual([{ port: 'requestHuman', input: { reason: 'RESIDENT_ASKED' } }]);
    expect(replyKeys(effects)[0]).toBe('common.handoff.requested');
    expect(flow.snapshot.hasTag('awaitingInput')).toBe(true);
  });
});

describe('failed answers', () => {
  it.each([
    ['the ID number', () => started({}, ACKED), 'abc', 'verify.awaitingIdNumber.example'],
    ['the name', async () => {
      const s = await started({}, ACKED);
      await s.flow.send(text(ID));
      return s;
    }, '123', 'verify.awaitingName.example'],
    ['the factor', () => atFactor(), 'x', 'verify.awaitingFactor.example'],
    ['the menu', () => atMenu(), '随便', 'common.explainChoices'],
    ['the notice', () => started(), '嗯?', 'common.explainChoices'],
  ] as const)(`after ${MAX_FAILURES} failed answers to %s the bot explains with an example and offers a human`, async (_q, reach, wrong, example) => {
    const { flow } = await reach();
    const state = flow.state;
    const answers: string[][] = [];
    for (let i = 0; i < MAX_FAILURES; i++) answers.push(replyKeys(await flow.send(text(wrong))));
    expect(flow.state).toBe(state);
    expect(answers.slice(0, -1).every((keys) => !keys.includes('common.offerHuman'))).toBe(true);
    expect(answers[MAX_FAILURES - 1]?.slice(1)).toEqual([example, 'common.offerHuman']);
  });

  it('a correct answer resets the count for the next question', async () => {
    const { flow } = await started({}, ACKED);
    await flow.send(text('abc'));
    await flow.send(text('abc'));
    await flow.send(text(ID));
    const effects = await flow.send(text('1'));
    expect(replyKeys(effects)).toEqual(['verify.awaitingName.error', 'verify.awaitingName.prompt']);
  });
});

describe('a port that fails', () => {
  it.each([
    ['acknowledgeNotice', DEFAULT_INPUT, [choice('agree')]],
    ['checkIdentity', ACKED, [text(ID), text(NAME)]],
    ['verifyFactor', ACKED, [text(ID), text(NAME), text(GOOD_FACTOR)]],
    ['requestHuman', ACKED, [{ type: 'user.human' }]],
  ] as [keyof ResidentFlowPorts, ResidentInput, FlowEvent[]][])('%s throwing: apologises, and the next message starts again', async (port, input, events) => {
    const { flow } = await started({ [port]: async () => Promise.reject(new Error('database down')) }, input);
    let last: FlowEffect[] = [];
    for (const e of events) last = await flow.send(e);
    expect(flow.state).toBe('failed');
    expect(replyKeys(last)).toEqual(['common.technicalProblem']);
    const again = await flow.send(text('你好'));
    expect(flow.snapshot.hasTag('awaitingInput')).toBe(true);
    expect(replies(again).length).toBeGreaterThan(0);
  });

  it.each(['getStatus', 'getDetails', 'confirmRegistration', 'signOut'] as const)('%s throwing after verification: apologises', async (port) => {
    const { flow } = await atMenu({ [port]: async () => Promise.reject(new Error('boom')) });
    let last = await flow.send(choice(port === 'getStatus' ? 'status' : port === 'signOut' ? 'signOut' : 'confirm'));
    if (port === 'confirmRegistration') last = await flow.send(choice('correct'));
    expect(flow.state).toBe('failed');
    expect(replyKeys(last).slice(-1)).toEqual(['common.technicalProblem']);
    await flow.send(text('hi'));
    expect(flow.state).toBe('menu.awaitingChoice'); // still verified
  });
});

describe('snapshot JSON round trip', () => {
  /** A walk through the main path; at every waiting state the stored snapshot must continue identically. */
  const walk: FlowEvent[] = [
    text('?'),
    choice('language'),
    choice('agree'),
    text('bad'),
    text(ID),
    text(NAME),
    text(GOOD_FACTOR),
    text('?'),
    choice('status'),
    choice('confirm'),
    choice('correct'),
    { type: 'user.human' },
    choice('signOut'),
    text('again'),
    { type: 'user.menu' },
  ];

  it('restoring the stored snapshot at every waiting state gives the same next effects and state', async () => {
    const original = createFakePorts();
    const flow = new FlowDriver(original.ports, DEFAULT_INPUT);
    await flow.start();
    for (const event of walk) {
      expect(flow.snapshot.hasTag('awaitingInput')).toBe(true);
      const stored = flow.persisted();
      const restored = new FlowDriver(createFakePorts().ports, DEFAULT_INPUT, stored);
      const onRestore = await restored.start();
      expect(onRestore).toEqual([]); // entry actions are not replayed
      expect(restored.state).toBe(flow.state);
      expect(restored.persisted()).toEqual(stored);

      const expected = await flow.send(event);
      const actual = await restored.send(event);
      expect(actual).toEqual(expected);
      expect(restored.state).toBe(flow.state);
      expect(restored.persisted()).toEqual(flow.persisted());
      restored.stop();
    }
  });
});

describe("reviewers' questions answered in chat", () => {
  const QUESTION = { requestId: 'req-1', reference: 'CR2611290005E2', question: '户口本上的姓名是什么？' };
  const askedOnce = () => {
    let asked = false;
    return async () => {
      if (asked) return [];
      asked = true;
      return [QUESTION];
    };
  };

  it('after verification, asks the open question; the answer goes back to the request, then the menu', async () => {
    const s = await atFactor({ getOpenQuestions: askedOnce(), answerQuestion: async () => ({ ok: true, reference: QUESTION.reference }) } as Partial<ResidentFlowPorts>);
    const asked = await s.flow.send(text(GOOD_FACTOR));
    expect(replyKeys(asked)).toEqual(['verify.verified.success', 'questions.awaitingAnswer.prompt']);
    expect(replies(asked)[1]?.parts[0]?.params).toEqual({ reference: QUESTION.reference, question: QUESTION.question });
    expect(optionValues(asked)).toEqual(['later']);
    expect(s.flow.state).toBe('questions.awaitingAnswer');
    // Free text is the answer: read back first, nothing sent yet; 重新输入 asks again.
    const readBack = await s.flow.send(text('户口本上是刘芳芳，两个芳字'));
    expect(replies(readBack)[0]?.parts).toEqual([{ key: 'questions.confirmingAnswer.prompt', params: { answer: '户口本上是刘芳芳，两个芳字' } }]);
    expect(optionValues(readBack)).toEqual(['send', 'reenter']);
    expect(s.calls.some((c) => c.port === 'answerQuestion')).toBe(false);
    expect(replyKeys(await s.flow.send(choice('reenter')))).toEqual(['questions.awaitingAnswer.prompt']);
    await s.flow.send(text('张三丰'));
    const answered = await s.flow.send(choice('send'));
    expect(s.calls.filter((c) => c.port === 'answerQuestion')).toEqual([
      { port: 'answerQuestion', input: { personId: VERIFIED_PERSON_ID, requestId: 'req-1', answer: '张三丰' } },
    ]);
    expect(replyKeys(answered)).toEqual(['questions.savingAnswer.done', 'menu.awaitingChoice.prompt']);
    expect(s.flow.state).toBe('menu.awaitingChoice');
    expect(s.flow.snapshot.context.openQuestion).toBeUndefined();
    expect(s.flow.snapshot.context.pendingAnswer).toBeUndefined();
  });

  it('"later" goes to the menu without answering; a closed request is said so', async () => {
    const later = await atFactor({ getOpenQuestions: askedOnce() } as Partial<ResidentFlowPorts>);
    await later.flow.send(text(GOOD_FACTOR));
    const menu = await later.flow.send(choice('later'));
    expect(replyKeys(menu)).toEqual(['menu.awaitingChoice.prompt']);
    expect(later.calls.some((c) => c.port === 'answerQuestion')).toBe(false);

    const closed = await atFactor({ getOpenQuestions: askedOnce(), answerQuestion: async () => ({ ok: false, reference: QUESTION.reference }) } as Partial<ResidentFlowPorts>);
    await closed.flow.send(text(GOOD_FACTOR));
    await closed.flow.send(text('答案'));
    expect(replyKeys(await closed.flow.send(choice('send')))).toEqual(['questions.savingAnswer.closed', 'menu.awaitingChoice.prompt']);
  });
});
