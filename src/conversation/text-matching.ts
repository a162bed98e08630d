import type { i18n } from 'i18next';
import type { ChoiceOption } from '../../flows/effects';
import { LOCALES, type Locale } from '../lib/i18n';
import { derived, phrase, phraseList } from './phrases';

export type GlobalCommand = 'menu' | 'back' | 'human' | 'english' | 'chinese' | 'stop' | 'subscribe' | 'restart';
const COMMANDS: GlobalCommand[] = ['menu', 'back', 'human', 'english', 'chinese', 'stop', 'subscribe', 'restart'];

/** Full-width to half-width, trimmed, lower-case, trailing punctuation dropped. */
export function normaliseAnswer(text: string): string {
  return text
    .normalize('NFKC')
    .trim()
    .toLowerCase()
    .replace(/[。．.!！?？,，、~～\s]+$/u, '')
    .replace(/\s+/g, ' ');
}

/**
 * A global command in any supported language (the synonyms live in locales/<lng>/commands.json), so a
 * resident reading Chinese can still type "English" and vice versa.
 */
export function detectCommand(i18n: i18n, text: string): GlobalCommand | null {
  const t = normaliseAnswer(text);
  if (!t) return null;
  return commandTable(i18n).get(t) ?? null;
}

/** Every command synonym of every language → its command (the first command that lists it), made once. */
function commandTable(i18n: i18n): Map<string, GlobalCommand> {
  return derived(i18n, 'commands', () => {
    const table = new Map<string, GlobalCommand>();
    for (const cmd of COMMANDS) for (const lng of LOCALES) for (const s of phraseList(i18n, lng, `commands.${cmd}`)) if (!table.has(s)) table.set(s, cmd);
    return table;
  });
}

/** Maps "2", a label or a synonym to an option's value; null when the text is no choice. */
export function matchChoice(i18n: i18n, locale: Locale, options: ChoiceOption[], text: string): string | null {
  const t = normaliseAnswer(text);
  if (!t) return null;
  if (/^\d{1,2}$/.test(t)) {
    const o = options[Number(t) - 1];
    return o ? o.value : null;
  }
  for (const o of options) {
    for (const lng of [locale, ...LOCALES.filter((l) => l !== locale)]) {
      if (normaliseAnswer(phrase(i18n, lng, o.labelKey)) === t) return o.value;
      if (o.synonymsKey && phraseList(i18n, lng, o.synonymsKey).includes(t)) return o.value;
    }
  }
  return null;
}
