import { ACKED, atMenu, choice, optionValues, started, text } from '../helpers/resident-flow';
import { DEFAULT_INPUT, FULL_STATUS, replies, replyKeys, VERIFIED_PERSON_ID } from './fake-ports';

/**
 * The resident statechart on its own (fake ports, no database; helpers in test/helpers/resident-flow.ts).
 * The menu of a verified resident: status, confirmation, sign-out.
 */

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
