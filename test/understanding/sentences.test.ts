import fs from 'node:fs';
import path from 'node:path';
import type { ChoiceOption } from '../../flows/effects';
import { detectCommand } from '../../src/conversation/text-matching';
import { understand, type Understanding } from '../../src/conversation/understanding/understand';
import { createI18n, type Locale } from '../../src/lib/i18n';

/**
 * Resident sentences per state (data/sentences.<locale>.json: [state, text, expected]), each mapped through the
 * understanding layer as the engine does. Expected is one of:
 *   choice:<value>   the option (a clarifying question that offers it first is accepted and counted)
 *   text:<value>     the value handed to the flow
 *   faq:<id>         the FAQ answer, then the open question again
 *   help             what the step wants, with an example and how to reach a person
 *   ask-month:<year> the month asked for a year heard alone
 *   none             passed to the flow as it is (the flow says it did not understand): never a choice
 * A state "awaitingValue:<field>" is the correction of that field; "awaitingFactor:sms" the SMS-code variant.
 * The option sets (data/options.json) are the flow's, by state.
 */

const i18n = createI18n();
const NOW = new Date('2026-12-01T10:00:00Z');
const DATA = path.join(__dirname, 'data');
const OPTIONS = JSON.parse(fs.readFileSync(path.join(DATA, 'options.json'), 'utf8')) as Record<string, ChoiceOption[]>;

type Case = [state: string, text: string, expected: string];
const load = (locale: Locale) => JSON.parse(fs.readFileSync(path.join(DATA, `sentences.${locale}.json`), 'utf8')) as Case[];

function run(locale: Locale, [stateSpec, text]: Case): Understanding {
  const [state, variant] = stateSpec.split(':') as [string, string | undefined];
  const context = state === 'awaitingValue' ? { correction: { field: variant! } } : variant === 'sms' ? { verifyMethod: 'sms' } : { verifyMethod: 'phone' };
  const options = OPTIONS[stateSpec] ?? OPTIONS[state];
  return understand({ i18n, locale, text, now: NOW, state, context, ...(options ? { options } : {}) });
}

/** 'ok', 'clarified' (a clarifying question offering the right option first), or what went wrong. */
function judge(u: Understanding, expected: string): 'ok' | 'clarified' | string {
  const [kind, arg] = [expected.split(':')[0]!, expected.slice(expected.indexOf(':') + 1)];
  const got = JSON.stringify(u);
  switch (kind) {
    case 'choice':
      if (u.kind === 'choice') return u.value === arg ? 'ok' : `WRONG ACTION ${got}`;
      if (u.kind === 'answer' && u.carry?.clarify?.[0] === arg) return 'clarified';
      return `not understood ${got}`;
    case 'text':
      if (u.kind === 'text') return u.text === arg ? 'ok' : `WRONG VALUE ${got}`;
      return u.kind === 'choice' ? `WRONG ACTION ${got}` : `not understood ${got}`;
    case 'faq':
      return u.kind === 'answer' && u.parts[0]?.key === `understanding.faq.${arg}.a` && u.repeat !== undefined ? 'ok' : `expected faq ${arg}, got ${got}`;
    case 'help':
      return u.kind === 'answer' && u.repeat && u.parts.some((p) => p.key === 'understanding.help.human') ? 'ok' : `expected help, got ${got}`;
    case 'ask-month':
      return u.kind === 'answer' && u.carry?.year === Number(arg) ? 'ok' : `expected the month asked, got ${got}`;
    case 'none':
      return u.kind === 'choice' ? `WRONG ACTION ${got}` : u.kind === 'text' ? 'ok' : `expected pass-through, got ${got}`;
    default:
      throw new Error(`unknown expectation ${expected}`);
  }
}

describe.each([
  ['zh-CN', 300],
  ['en', 100],
] as const)('resident sentences in %s', (locale, minimum) => {
  const cases = load(locale);

  it(`has at least ${String(minimum)} sentences over every state with options`, () => {
    expect(cases.length).toBeGreaterThanOrEqual(minimum);
    const states = new Set(cases.map((c) => c[0]));
    expect(states.size).toBeGreaterThan(locale === 'zh-CN' ? 25 : 15);
  });

  it('maps each to the intended choice or value, or to a clarifying question, never to a wrong action', () => {
    const problems: string[] = [];
    let clarified = 0;
    for (const c of cases) {
      const verdict = judge(run(locale, c), c[2]);
      if (verdict === 'clarified') clarified++;
      else if (verdict !== 'ok') problems.push(`${c[0]} ${JSON.stringify(c[1])} -> ${c[2]}: ${verdict}`);
    }
    expect(problems).toEqual([]);
    // A clarifying question is a fallback, not the rule.
    expect(clarified).toBeLessThan(cases.length * 0.05);
  });
});

describe('asking how one\'s requests stand (the engine\'s progress command, in any state)', () => {
  it.each([
    '查进度',
    '进度',
    '我的申请怎么样了',
    '我的申请怎么样了？',
    '查询办理进度',
    '审核结果出来没有',
    'CR-KEM3-NUEJ',
    'cr-kem3-nuej',
    'CR KEM3 NUEJ',
    'ＣＲ－ＫＥＭ３－ＮＵＥＪ',
    '查一下CR-KEM3-NUEJ',
    'CR-KEM3-NUEJ怎么样了',
    'KEM3-NUEJ',
    'kem3 nuej。',
    'H9MC7MGK',
    '我的编号是H9MC-7MGK。',
    'progress',
    'How is my request?',
    'check progress',
  ])('%s asks about progress', (text) => {
    expect(detectCommand(i18n, text)).toBe('progress');
  });

  it.each([
    '取消',
    '算了',
    '我想改名字',
    'CR-KEM3',
    '530102199003071238',
    '2023-05',
    '2023-0507',
    'MAKE SURE',
    '查一下KEM3-NUEJ的名字',
    // A longer answer that mentions a reference (to a reviewer's question) is an answer, not a question about progress.
    'CR-KEM3-NUEJ里的名字写错了，应该是张三丰，户口本上就是这样写的',
  ])('%s does not', (text) => {
    expect(detectCommand(i18n, text)).not.toBe('progress');
  });

  // Giving up on a question (a typed one too: a new phone, a date) goes back to the menu, as 菜单 does; at a
  // person's queue it withdraws the request. 不要人工了 is not a request for a person.
  it.each(['取消', '算了。', '算了吧', '不改了', '算了，不改了。', '不要人工了', '我不要人工。', '不要转人工', 'Cancel', 'never mind', 'forget it', "I don't want a human"])('%s goes back to the menu', (text) => {
    expect(detectCommand(i18n, text)).toBe('menu');
  });

  // "No need" answers a yes/no question (by the options' words), not the whole conversation.
  it.each(['不用了', 'no thanks', '不用'])('%s is not a command', (text) => {
    expect(detectCommand(i18n, text)).toBeNull();
  });
});
