import type { i18n } from 'i18next';
import { synonyms, type Locale } from '../lib/i18n';

/**
 * Lookups the turn makes again and again (option labels, command synonyms, parameterless sentences): the
 * locale files do not change while the process runs, so each key and locale is looked up once per process.
 */
const caches = new WeakMap<i18n, Map<string, unknown>>();

function memo<T>(i18n: i18n, id: string, make: () => T): T {
  let cache = caches.get(i18n);
  if (!cache) caches.set(i18n, (cache = new Map()));
  if (cache.has(id)) return cache.get(id) as T;
  const v = make();
  cache.set(id, v);
  return v;
}

/** i18n.t(key) without parameters, once per key and locale. */
export function phrase(i18n: i18n, lng: Locale, key: string): string {
  return memo(i18n, `t\u0000${lng}\u0000${key}`, () => i18n.t(key, { lng }));
}

/** The synonym list of a key (lower case), once per key and locale. */
export function phraseList(i18n: i18n, lng: Locale, key: string): readonly string[] {
  return memo(i18n, `s\u0000${lng}\u0000${key}`, () => synonyms(i18n, lng, key));
}

/** A value derived from the locale files (e.g. a lookup table of synonyms), made once per process. */
export function derived<T>(i18n: i18n, id: string, make: () => T): T {
  return memo(i18n, `d\u0000${id}`, make);
}
