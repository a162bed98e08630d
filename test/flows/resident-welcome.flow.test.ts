import { PRIVACY_NOTICE_VERSION } from '../../flows/resident';
import { ACKED, choice, optionValues, started, text } from '../helpers/resident-flow';
import { replyKeys } from './fake-ports';

/**
 * The resident statechart on its own (fake ports, no database; helpers in test/helpers/resident-flow.ts).
 * Welcome and privacy notice.
 */

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
