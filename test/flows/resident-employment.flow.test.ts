import { parseSince } from '../../flows/resident';
import { checkSince } from '../../flows/resident/setup';
import { atMenu, expectRenders, keys, lastOptions, PERSON, render } from '../helpers/resident-reports';

/**
 * What a verified resident reports, on fake ports (test/helpers/resident-reports.ts); every reply rendered in both languages.
 * The employment report, every branch.
 */

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

  it('"since when" after this month (China time) or before 1940 is refused with why, in both languages; this month is fine', async () => {
    const { flow, callsOf } = await atMenu();
    await flow.choose('employment');
    await flow.choose('FARMING');
    // 01:00 on 1 December in China, still 30 November in UTC.
    const at = '2026-11-30T17:00:00.000Z';
    const answer = (text: string) => flow.send({ type: 'user.text', text, at });
    const future = await answer('2030-01');
    expect(keys(future)).toEqual(['employment.awaitingSince.error_FUTURE', 'employment.awaitingSince.prompt']);
    expect(render(future, 'zh-CN')).toBe('这个时间还没到。请输入工作已经开始的年月；还没开始的话，请回复“不清楚”。\n从什么时候开始的？请输入年月，例如：2023-05。\n回复0返回菜单。');
    expect(render(future, 'en').split('\n')[0]).toBe('That month has not come yet. Please enter the month this work started; if it has not started, reply "not sure".');
    const early = await answer('1850年1月');
    expect(render(early, 'zh-CN').split('\n')[0]).toBe('这个时间太早了，请输入1940年以后的年月。');
    expect(render(early, 'en').split('\n')[0]).toBe('That is too long ago. Please enter a month from 1940 on.');
    expect(keys(await answer('下个月'))[0]).toBe('employment.awaitingSince.error');
    expect(flow.state).toBe('employment.awaitingSince');
    expect(keys(await answer('2026-12'))).toEqual(['employment.confirmingReport.header', 'employment.confirmingReport.line', 'employment.confirmingReport.line', 'employment.confirmingReport.prompt']);
    await flow.choose('submit');
    expect(callsOf('submitEmploymentReport')).toEqual([{ personId: PERSON, status: 'FARMING', since: '2026-12-01' }]);
  });

  it('checks a start month against the China calendar', () => {
    const at = '2026-11-30T17:00:00.000Z'; // 2026-12-01 in China
    expect(checkSince('2026-12', at)).toEqual({ ok: true, value: '2026-12-01' });
    expect(checkSince('2026-12-31', at)).toEqual({ ok: true, value: '2026-12-31' });
    expect(checkSince('2027-01', at)).toEqual({ ok: false, error: 'FUTURE' });
    expect(checkSince('2030年1月', at)).toEqual({ ok: false, error: 'FUTURE' });
    expect(checkSince('1939-12', at)).toEqual({ ok: false, error: 'TOO_EARLY' });
    expect(checkSince('1850年1月', at)).toEqual({ ok: false, error: 'TOO_EARLY' });
    expect(checkSince('1940-01', at)).toEqual({ ok: true, value: '1940-01-01' });
    expect(checkSince('下个月', at)).toEqual({ ok: false, error: 'UNREADABLE' });
    expect(checkSince('2023-13', at)).toEqual({ ok: false, error: 'UNREADABLE' });
    // Without the time of the answer, only the far future is refused.
    expect(checkSince('2099-01')).toEqual({ ok: true, value: '2099-01-01' });
    expect(checkSince('2101-01')).toEqual({ ok: false, error: 'FUTURE' });
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
