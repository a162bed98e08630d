import type { ResidentFlowPorts } from '../../src/domain/ports';
import { atFactor, choice, optionValues, text } from '../helpers/resident-flow';
import { GOOD_FACTOR, replies, replyKeys, VERIFIED_PERSON_ID } from './fake-ports';

/**
 * The resident statechart on its own (fake ports, no database; helpers in test/helpers/resident-flow.ts).
 * Reviewers' questions answered in chat.
 */

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
