import type { ResidentFlowPorts } from '../../src/domain/ports';
import { ACKED, atFactor, choice, ID, NAME, optionValues, started, text } from '../helpers/resident-flow';
import { GOOD_FACTOR, NO_PHONE_PERSON_ID, replyKeys, VERIFIED_PERSON_ID } from './fake-ports';

/**
 * The resident statechart on its own (fake ports, no database; helpers in test/helpers/resident-flow.ts).
 * Identity verification: ID number, name, factor, lock-out, no phone on record.
 */

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
