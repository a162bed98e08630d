import type { FlowEffect } from '../../flows/effects';
import { renderReply } from '../../src/conversation/render';
import type { ResidentFlowPorts } from '../../src/domain/ports';
import { createI18n, type Locale } from '../../src/lib/i18n';
import { ACKED, atFactor, atMenu, choice, ID, started, text } from '../helpers/resident-flow';
import { type FlowDriver, replies, replyKeys, REQUESTS_IN_EVERY_STATUS, VERIFIED_PERSON_ID } from './fake-ports';

/**
 * The resident statechart on its own (fake ports, no database; helpers in test/helpers/resident-flow.ts).
 * Commands that work at every waiting state (menu, human, progress).
 */

const i18n = createI18n();
/** The replies of a step as the resident reads them in one language. */
const shown = (effects: FlowEffect[], lng: Locale) => replies(effects).map((r) => renderReply(i18n, lng, r).text);

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

describe('the progress of the resident\'s requests (查进度, or a reference)', () => {
  const asked = (t: string) => ({ type: 'user.progress' as const, text: t });

  it('verified: the latest requests, each with what it is about and its status in plain words, then the menu', async () => {
    const { flow, calls } = await atMenu({ getRequestProgress: async () => ({ requests: REQUESTS_IN_EVERY_STATUS, older: 2 }) });
    const effects = await flow.send(asked('我的申请怎么样了'));
    expect(calls.filter((c) => c.port === 'getRequestProgress')).toEqual([{ port: 'getRequestProgress', input: { personId: VERIFIED_PERSON_ID } }]);
    expect(shown(effects, 'zh-CN')[0]).toBe(
      [
        '您的申请办理进度：',
        '编号 CR-7K4M-2Q9X：修改姓名',
        '进度：等待工作人员审核，2026-12-04前答复。',
        '编号 CR-8M5N-3R4Y：报告家庭成员',
        '进度：工作人员有问题要问您，请看下面的问题。',
        '编号 CR-9P6Q-4S5Z：修改出生日期',
        '进度：已通过（2026-11-20）。',
        '编号 CR-AB7C-5T6W：修改民族',
        '进度：没有通过（2026-11-18）。原因：户口本上的民族没有变',
        '编号 CR-DE8F-6U7X：报告家庭成员',
        '进度：没有通过（2026-11-10）。有疑问请回复“人工”或拨打12333。',
        '还有2条更早的申请。要查哪一条，请发它的编号。',
      ].join('\n'),
    );
    expect(shown(effects, 'en')[0]).toBe(
      [
        'How your requests stand:',
        'CR-7K4M-2Q9X: change of name',
        'Waiting for review; you will have an answer by 2026-12-04.',
        'CR-8M5N-3R4Y: household member reported',
        'The staff have a question for you: see below.',
        'CR-9P6Q-4S5Z: change of date of birth',
        'Approved (2026-11-20).',
        'CR-AB7C-5T6W: change of ethnic group',
        'Not approved (2026-11-18). Reason: 户口本上的民族没有变',
        'CR-DE8F-6U7X: household member reported',
        'Not approved (2026-11-10). If you have questions, reply "human" or call 12333.',
        'You have 2 older requests. To see one, send its reference.',
      ].join('\n'),
    );
    expect(replyKeys(effects).at(-1)).toBe('menu.awaitingChoice.prompt');
    expect(flow.state).toBe('menu.awaitingChoice');
  });

  it('a reference sent (however typed) asks about that request only; not theirs or not existing: the same neutral answer', async () => {
    const { flow, calls } = await atMenu();
    const effects = await flow.send(asked('查一下 cr-kem3-nuej'));
    expect(calls.filter((c) => c.port === 'getRequestProgress').map((c) => c.input)).toEqual([{ personId: VERIFIED_PERSON_ID, reference: 'CR-KEM3-NUEJ' }]);
    expect(shown(effects, 'zh-CN')[0]).toBe('您名下没有编号为 CR-KEM3-NUEJ 的申请。请核对编号，或回复“查进度”看您最近的申请。');
    expect(shown(effects, 'en')[0]).toBe('There is no request with the number CR-KEM3-NUEJ under your name. Please check the number, or reply "progress" to see your latest requests.');
    expect(flow.state).toBe('menu.awaitingChoice');
    expect(flow.snapshot.context.progressReference).toBeUndefined();
  });

  it('no request at all: says so (changes made at once have no reference)', async () => {
    const { flow } = await atMenu();
    const effects = await flow.send(asked('查进度'));
    expect(shown(effects, 'zh-CN')[0]).toBe('您名下还没有需要审核的申请。直接改好的信息（比如手机号码）不用审核，也没有受理编号。');
    expect(shown(effects, 'en')[0]).toBe(
      'You have no requests under your name that wait for review. Details changed at once (such as your phone) need no review and have no reference.',
    );
  });

  it('a request with a question for the resident: the progress, then the question itself', async () => {
    const question = { requestId: 'r-1', reference: 'CR-8M5N-3R4Y', question: '孩子叫什么名字？' };
    let open = false;
    const { flow } = await atMenu({ getRequestProgress: async () => ({ requests: [REQUESTS_IN_EVERY_STATUS[1]!], older: 0 }), getOpenQuestions: async () => (open ? [question] : []) });
    open = true;
    const effects = await flow.send(asked('进度'));
    expect(replyKeys(effects)).toEqual(['requests.showingRequests.header', 'requests.showingRequests.item_NEW_PERSON', 'requests.showingRequests.status_NEEDS_INFO', 'questions.awaitingAnswer.prompt']);
    expect(flow.state).toBe('questions.awaitingAnswer');
  });

  it('in the middle of a task: the task is left for the progress, and the menu follows', async () => {
    const { flow } = await atMenu();
    await flow.send(choice('employment'));
    await flow.send(choice('FARMING'));
    const effects = await flow.send(asked('查进度'));
    expect(replyKeys(effects)).toEqual(['requests.showingRequests.none', 'menu.awaitingChoice.prompt']);
    expect(flow.snapshot.context.employment).toBeUndefined();
  });

  it.each([
    ['the notice', () => started(), 'awaitingNoticeAck'],
    ['the ID number', () => started({}, ACKED), 'verifying.awaitingIdNumber'],
    ['the factor', () => atFactor(), 'verifying.awaitingIdNumber'],
  ] as const)('not verified (at %s): asked to verify first, nothing is looked up', async (_where, reach, expected) => {
    const { flow, calls } = await reach();
    const effects = await flow.send(asked('CR-7K4M-2Q9X'));
    expect(replyKeys(effects)[0]).toBe('requests.verifyFirst');
    expect(shown(effects, 'zh-CN')[0]).toBe('查看办理进度，要先核对您的身份。');
    expect(shown(effects, 'en')[0]).toBe('To see how your requests stand, please verify who you are first.');
    expect(flow.state).toBe(expected);
    expect(calls.map((c) => c.port)).not.toContain('getRequestProgress');
    expect(flow.snapshot.context.pendingIdNumber).toBeUndefined();
  });
});
