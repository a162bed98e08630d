import { MAX_FAILURES } from '../../flows/resident';
import { ACKED, atFactor, atMenu, ID, started, text } from '../helpers/resident-flow';
import { replyKeys } from './fake-ports';

/**
 * The resident statechart on its own (fake ports, no database; helpers in test/helpers/resident-flow.ts).
 * Repeated failed answers: an example and the offer of a human.
 */

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
