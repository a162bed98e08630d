import type { i18n } from 'i18next';
import type { ChoiceOption } from '../../../flows/effects';
import { LOCALES } from '../../lib/i18n';
import { IntentClassifier } from './intent-classifier';

/**
 * The trained models, built from the locale files (both languages, so a resident may answer in either) and
 * kept per i18n instance: one per menu (option set and state) and one for the FAQ. Each is trained the first
 * time it is needed, in milliseconds, and then reused by every conversation of the process.
 */

function list(i18n: i18n, lng: string, key: string): string[] {
  const v = i18n.t(key, { lng, returnObjects: true, defaultValue: [] }) as unknown;
  return Array.isArray(v) ? v.map(String) : [];
}

/** Sentences that mean no option of any menu (chit-chat), shared by every model. */
export function outOfScopeExamples(i18n: i18n): string[] {
  return LOCALES.flatMap((l) => list(i18n, l, 'understanding.outOfScope'));
}

const examplesId = (o: ChoiceOption) => (o.synonymsKey ?? o.labelKey).replace(/\./gu, '_');

/** Example sentences of one option: its label, its accepted words, and the examples kept next to them. */
export function optionExamples(i18n: i18n, o: ChoiceOption, state: string | null): string[] {
  const out: string[] = [];
  for (const lng of LOCALES) {
    out.push(i18n.t(o.labelKey, { lng }));
    if (o.synonymsKey) out.push(...list(i18n, lng, o.synonymsKey));
    // Examples are kept under the accepted words' key (or the label's), dots as underscores: answers_yes.
    out.push(...list(i18n, lng, `understanding.intents.${examplesId(o)}`));
    if (state) out.push(...list(i18n, lng, `understanding.states.${state}.${o.value}`));
  }
  return [...new Set(out.filter((s) => s.trim()))];
}

const cache = new WeakMap<i18n, Map<string, IntentClassifier>>();

function cached(i18n: i18n, key: string, build: () => IntentClassifier): IntentClassifier {
  let m = cache.get(i18n);
  if (!m) cache.set(i18n, (m = new Map()));
  let c = m.get(key);
  if (!c) m.set(key, (c = build()));
  return c;
}

/** The classifier of a menu: intents are the options' values. */
export function menuModel(i18n: i18n, options: ChoiceOption[], state: string | null): IntentClassifier {
  const key = `menu:${state ?? ''}:${options.map((o) => `${o.value}=${o.labelKey}/${o.synonymsKey ?? ''}`).join(',')}`;
  return cached(i18n, key, () =>
    IntentClassifier.train(
      options.flatMap((o) => optionExamples(i18n, o, state).map((text) => ({ intent: o.value, text }))),
      outOfScopeExamples(i18n),
    ),
  );
}

/** The FAQ entries' ids, as in the locale files. */
export function faqIds(i18n: i18n): string[] {
  const v = i18n.t('understanding.faq', { lng: 'zh-CN', returnObjects: true }) as unknown;
  return v && typeof v === 'object' ? Object.keys(v) : [];
}

function leaves(v: unknown): string[] {
  if (Array.isArray(v)) return v.map(String);
  if (v && typeof v === 'object') return Object.values(v).flatMap(leaves);
  return [];
}

/** The classifier of the FAQ: intents are the entries' ids; every menu example is out of its scope. */
export function faqModel(i18n: i18n): IntentClassifier {
  return cached(i18n, 'faq', () =>
    IntentClassifier.train(
      faqIds(i18n).flatMap((id) => LOCALES.flatMap((l) => list(i18n, l, `understanding.faq.${id}.q`).map((text) => ({ intent: id, text })))),
      [
        ...outOfScopeExamples(i18n),
        ...LOCALES.flatMap((l) => leaves(i18n.t('understanding.intents', { lng: l, returnObjects: true }))),
        ...LOCALES.flatMap((l) => leaves(i18n.t('understanding.states', { lng: l, returnObjects: true }))),
      ],
    ),
  );
}
