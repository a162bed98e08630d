import type { MemberCheckResult, ReportMemberInput, ReportMemberResult } from '../../src/domain/ports';
import { atMenu, keys, lastOptions, PERSON, render } from '../helpers/resident-reports';

/**
 * What a verified resident reports, on fake ports (test/helpers/resident-reports.ts); every reply rendered in both languages.
 * Missing household members and newborns.
 */

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
