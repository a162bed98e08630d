import type { MemberCheckResult, ReportMemberInput, ReportMemberResult, ReportNewbornInput } from '../../src/domain/ports';
import { atMenu, i18n, keys, lastOptions, PERSON, render } from '../helpers/resident-reports';

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
    ['in their own household', { status: 'IN_HOUSEHOLD', maskedIdNumber: '5***************38' }, 'household.checkingMember.inHousehold'],
    ['already reported by their household', { status: 'ALREADY_REPORTED', reference: 'CR261120ZZZZZZ', maskedIdNumber: '5***************38' }, 'household.checkingMember.alreadyReported'],
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
    ['reported by their household meanwhile', { outcome: 'ALREADY_REPORTED', reference: 'CR261120ZZZZZZ', maskedIdNumber: '5***************9X' }, 'household.checkingMember.alreadyReported'],
    ['added to their household meanwhile', { outcome: 'IN_HOUSEHOLD', maskedIdNumber: '5***************9X' }, 'household.checkingMember.inHousehold'],
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

describe('a newborn without an ID number', () => {
  const toNewbornName = async () => {
    const at = await atMenu();
    await at.flow.choose('household');
    await at.flow.choose('report');
    const asked = await at.flow.choose('newborn');
    expect(at.flow.state).toBe('household.awaitingNewbornName');
    return { ...at, asked };
  };

  it('offers "no name yet" at the name; chosen, the lead is recorded without a name and read back as the list shows it', async () => {
    const { flow, callsOf, asked } = await toNewbornName();
    expect(keys(asked)).toEqual(['household.newborn.explain', 'household.newborn.namePrompt']);
    expect(lastOptions(asked)).toEqual(['noName']);
    const label = asked.at(-1)!.options![0]!.labelKey;
    expect([i18n.t(label, { lng: 'zh-CN' }), i18n.t(label, { lng: 'en' })]).toEqual(['还没起名字', 'No name yet']);

    expect(keys(await flow.choose('noName'))).toEqual(['household.newborn.birthDatePrompt']);
    expect(flow.context.household?.name).toBe('');
    await flow.text('2026-11-20');
    const confirm = await flow.choose('CHILD');
    expect(flow.state).toBe('household.confirmingNewborn');
    expect(render(confirm, 'zh-CN')).toContain('姓名：（尚未取名）');
    expect(render(confirm, 'en')).toContain('Name: (no name yet)');
    expect(render(confirm, 'zh-CN')).toContain(i18n.t('household.loadingHousehold.unnamed', { lng: 'zh-CN' }));

    const done = await flow.choose('submit');
    const input: ReportNewbornInput = { personId: PERSON, name: '', birthDate: '2026-11-20', relationship: 'CHILD' };
    expect(callsOf('reportNewborn')).toEqual([input]);
    expect(keys(done)).toEqual(['household.newborn.recorded', 'common.receipt', 'menu.awaitingChoice.prompt']);
  });

  it('a birth date still to come (China time) or before 1940 is refused with why, in both languages; today is fine', async () => {
    const { flow } = await toNewbornName();
    await flow.text('王小宝');
    // 01:00 on 1 December in China, still 30 November in UTC.
    const answer = (text: string) => flow.send({ type: 'user.text', text, at: '2026-11-30T17:00:00.000Z' });
    const future = await answer('2026-12-02');
    expect(keys(future)).toEqual(['household.newborn.birthDateError_FUTURE', 'household.newborn.birthDatePrompt']);
    expect(render(future, 'zh-CN').split('\n')[0]).toBe('这一天还没到。请输入孩子已经出生的日期，例如：2026-11-20。');
    expect(render(future, 'en').split('\n')[0]).toBe('That day has not come yet. Please enter the day the baby was born, for example 2026-11-20.');
    expect(render(await answer('1850年1月1日'), 'zh-CN').split('\n')[0]).toBe('这个日期太早了，请输入1940年以后的日期。');
    expect(keys(await answer('哪天来着'))[0]).toBe('household.newborn.birthDateError');
    expect(flow.state).toBe('household.awaitingNewbornBirthDate');
    await answer('2026-12-01');
    expect(flow.state).toBe('household.awaitingNewbornRelationship');
    expect(flow.context.household?.birthDate).toBe('2026-12-01');
  });

  it('a name typed is kept and read back', async () => {
    const { flow, callsOf } = await toNewbornName();
    await flow.text('王小宝');
    await flow.text('2026-11-20');
    expect(render(await flow.choose('CHILD'), 'zh-CN')).toContain('姓名：王小宝');
    await flow.choose('submit');
    expect(callsOf('reportNewborn')).toEqual([{ personId: PERSON, name: '王小宝', birthDate: '2026-11-20', relationship: 'CHILD' }]);
  });
});
