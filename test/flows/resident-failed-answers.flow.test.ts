import type { FlowEffect } from '../../flows/effects';
import { MAX_FAILURES } from '../../flows/resident';
import { renderReply } from '../../src/conversation/render';
import { createI18n, type Locale } from '../../src/lib/i18n';
import { ACKED, atFactor, atMenu, choice, ID, started, text } from '../helpers/resident-flow';
import { replies, replyKeys } from './fake-ports';

/**
 * The resident statechart on its own (fake ports, no database; helpers in test/helpers/resident-flow.ts).
 * Repeated failed answers: an example and the offer of a human. How a question ends (the hint line).
 */

const i18n = createI18n();
/** The last reply of a step (the question) as the resident reads it. */
const question = (effects: FlowEffect[], lng: Locale) => renderReply(i18n, lng, replies(effects).at(-1)!).text;

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

describe('how a question ends: "reply with a number" only under numbered options, never twice', () => {
  it('a typed answer with a way out (不清楚) gets only "0 for the menu", once verified', async () => {
    const { flow } = await atMenu();
    await flow.send(choice('employment'));
    const since = await flow.send(choice('FARMING'));
    expect(question(since, 'zh-CN')).toBe('从什么时候开始的？请输入年月，例如：2023-05。\n回复0返回菜单。');
    expect(question(since, 'en')).toBe('Since when? Please enter the year and month, for example 2023-05.\nReply 0 for the menu.');
    expect(replies(since).at(-1)?.options?.map((o) => o.value)).toEqual(['unknown']);
    const again = await flow.send(text('去年'));
    expect(question(again, 'zh-CN')).toBe('没看懂这个时间，请按“年-月”输入。\n从什么时候开始的？请输入年月，例如：2023-05。\n回复0返回菜单。');
  });

  it('a typed answer without options gets "0 for the menu" too; before verification, nothing', async () => {
    const { flow } = await atMenu();
    await flow.send(choice('employment'));
    const employer = await flow.send(choice('EMPLOYED'));
    expect(question(employer, 'zh-CN')).toBe('请输入您工作单位的名称。\n回复0返回菜单。');
    expect(question(employer, 'en')).toMatch(/\nReply 0 for the menu\.$/u);
    const { first } = await started({}, ACKED);
    expect(question(first, 'zh-CN')).toBe('请输入您的身份证号码（18位）。');
    expect(question(first, 'en')).not.toMatch(/number\.$|menu\.$/u);
  });

  it('numbered options: "reply with a number" (and 0 for the menu once verified, but not at the menu itself)', async () => {
    const { flow } = await atMenu();
    const menu = flow.effects;
    expect(question(menu, 'zh-CN')).toMatch(/^请问您要办理什么？\n请回复数字。$/u);
    expect(question(menu, 'en')).toMatch(/\nReply with a number\.$/u);
    const status = await flow.send(choice('status'));
    expect(question(status, 'zh-CN')).toBe('接下来：\n请回复数字，回复0返回菜单。');
    expect(question(status, 'en')).toMatch(/\nReply with a number, or 0 for the menu\.$/u);
  });

  it('a re-asked choice already says to reply with the number: the hint keeps only its menu half', async () => {
    const { flow } = await atMenu();
    await flow.send(choice('status'));
    const zh = question(await flow.send(text('随便')), 'zh-CN');
    expect(zh).toBe('没看懂您的回复。请回复选项前面的数字。\n接下来：\n回复0返回菜单。');
    const en = question(await flow.send(text('whatever')), 'en');
    expect(en.endsWith('\nReply 0 for the menu.')).toBe(true);
    expect(en).not.toContain('Reply with a number');
  });

  it('the lock message asks for the number once', async () => {
    const { flow } = await atFactor({ verifyFactor: async () => ({ ok: false, reason: 'LOCKED' }) });
    const locked = await flow.send(text('1234'));
    const zh = question(locked, 'zh-CN');
    expect(zh.endsWith('或转人工：\n请回复数字。')).toBe(true);
    expect(zh.match(/请回复数字/gu)).toHaveLength(1);
    const en = question(locked, 'en');
    expect(en.endsWith('or a person can help:\nReply with a number.')).toBe(true);
    expect(en.match(/reply with a number/giu)).toHaveLength(1);
  });
});
