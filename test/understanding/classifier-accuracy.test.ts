import fs from 'node:fs';
import path from 'node:path';
import type { ChoiceOption } from '../../flows/effects';
import { faqModel, menuModel, optionExamples } from '../../src/conversation/understanding/models';
import { normaliseKey } from '../../src/conversation/understanding/normalise';
import { CHOICE_THRESHOLD, FAQ_THRESHOLD, understand } from '../../src/conversation/understanding/understand';
import { LOCALES, createI18n, type Locale } from '../../src/lib/i18n';

/**
 * The intent classifier measured on sentences it was never trained on (data/heldout.<locale>.json): at least
 * 90% of them get the right option as the top intent, none of them gets a wrong option at or above the
 * threshold, and no out-of-scope sentence gets any option at or above the threshold (nor a FAQ answer).
 */

const i18n = createI18n();
const DATA = path.join(__dirname, 'data');
const OPTIONS = JSON.parse(fs.readFileSync(path.join(DATA, 'options.json'), 'utf8')) as Record<string, ChoiceOption[]>;
interface HeldOut {
  cases: [state: string, intent: string, sentences: string[]][];
  outOfScope: string[];
}
const load = (l: Locale) => JSON.parse(fs.readFileSync(path.join(DATA, `heldout.${l}.json`), 'utf8')) as HeldOut;

/** Every sentence the models are trained on, normalised, in both languages. */
function trainingSentences(): Set<string> {
  const out = new Set<string>();
  for (const [state, options] of Object.entries(OPTIONS)) for (const o of options) for (const s of optionExamples(i18n, o, state)) out.add(normaliseKey(s));
  const leaves = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v && typeof v === 'object' ? Object.values(v).flatMap(leaves) : []);
  for (const l of LOCALES) for (const s of leaves(i18n.t('understanding', { lng: l, returnObjects: true }))) out.add(normaliseKey(s));
  return out;
}

describe.each(LOCALES)('intent classifier, held out sentences in %s', (locale) => {
  const data = load(locale);
  const now = new Date('2026-12-01T10:00:00Z');

  it('holds out sentences that are not among the training examples', () => {
    const trained = trainingSentences();
    const leaked = [...data.cases.flatMap((c) => c[2]), ...data.outOfScope].filter((s) => trained.has(normaliseKey(s)));
    expect(leaked).toEqual([]);
    expect(data.cases.flatMap((c) => c[2]).length).toBeGreaterThanOrEqual(locale === 'zh-CN' ? 80 : 40);
  });

  it('gets at least 90% right and no wrong intent above the threshold', () => {
    let right = 0;
    let total = 0;
    const wrongAbove: string[] = [];
    for (const [state, intent, sentences] of data.cases) {
      const model = menuModel(i18n, OPTIONS[state]!, state);
      for (const s of sentences) {
        total++;
        const c = model.classify(s);
        if (c.intent === intent) right++;
        else if (c.intent && c.score >= CHOICE_THRESHOLD) wrongAbove.push(`${state} ${s} -> ${c.intent} ${c.score.toFixed(2)}`);
        // Through the whole layer: never another option (status:medical is the status option, medical first).
        const u = understand({ i18n, locale, text: s, now, state, context: null, options: OPTIONS[state]! });
        if (u.kind === 'choice' && u.value.split(':')[0] !== intent) wrongAbove.push(`${state} ${s} -> chose ${u.value}`);
      }
    }
    expect(wrongAbove).toEqual([]);
    expect(right / total).toBeGreaterThanOrEqual(0.9);
  });

  it('takes no out-of-scope sentence for an option or a FAQ', () => {
    const taken: string[] = [];
    for (const s of data.outOfScope) {
      for (const [state, options] of Object.entries(OPTIONS)) {
        if (state.includes(':')) continue;
        const c = menuModel(i18n, options, state).classify(s);
        if (c.intent && c.score >= CHOICE_THRESHOLD) taken.push(`${state} ${s} -> ${c.intent} ${c.score.toFixed(2)}`);
      }
      const f = faqModel(i18n).classify(s);
      if (f.intent && f.score >= FAQ_THRESHOLD) taken.push(`faq ${s} -> ${f.intent}`);
    }
    expect(taken).toEqual([]);
  });
});
