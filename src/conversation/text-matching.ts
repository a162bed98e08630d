import type { i18n } from 'i18next';
import type { ChoiceOption } from '../../flows/effects';
import { readReference } from '../domain/codes/reference';
import { LOCALES, type Locale } from '../lib/i18n';
import { derived, phrase, phraseList } from './phrases';

/** `progress`: the resident asks how their requests stand (查进度, 我的申请怎么样了, a reference). */
export type GlobalCommand = 'menu' | 'back' | 'human' | 'english' | 'chinese' | 'stop' | 'subscribe' | 'restart' | 'progress';
const COMMANDS: GlobalCommand[] = ['menu', 'back', 'human', 'english', 'chinese', 'stop', 'subscribe', 'restart'];
/** The longest message read as a question about progress (a longer one is an answer that may mention a reference). */
const PROGRESS_MAX_CHARS = 30;

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
 * resident reading Chinese can still type "English" and vice versa. A short message with a request's reference
 * or a word of commands.progress in it (进度, 申请怎么样, progress …) asks about progress.
 */
export function detectCommand(i18n: i18n, text: string): GlobalCommand | null {
  const t = normaliseAnswer(text);
  if (!t) return null;
  // 算了，不改了: the words of one command said in two breaths.
  return commandTable(i18n).get(t) ?? commandTable(i18n).get(t.replace(/[，,、。\s]+/gu, '')) ?? (asksProgress(i18n, t) ? 'progress' : null);
}

function asksProgress(i18n: i18n, t: string): boolean {
  if (Array.from(t).length > PROGRESS_MAX_CHARS) return false;
  return readReference(t) !== null || LOCALES.some((lng) => phraseList(i18n, lng, 'commands.progress').some((w) => t.includes(w)));
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
