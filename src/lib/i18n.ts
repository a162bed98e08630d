import fs from 'node:fs';
import path from 'node:path';
import i18next, { type i18n, type TFunction } from 'i18next';

export type { TFunction };
export const LOCALES = ['zh-CN', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
export const LOCALES_DIR = path.resolve(__dirname, '../../locales');

export function isLocale(v: unknown): v is Locale {
  return typeof v === 'string' && (LOCALES as readonly string[]).includes(v);
}

function deepMerge(into: Record<string, unknown>, from: Record<string, unknown>, file: string): void {
  for (const [k, v] of Object.entries(from)) {
    const cur = into[k];
    if (v && typeof v === 'object' && !Array.isArray(v) && cur && typeof cur === 'object' && !Array.isArray(cur)) {
      deepMerge(cur as Record<string, unknown>, v as Record<string, unknown>, file);
    } else if (cur !== undefined) {
      throw new Error(`Locale key "${k}" is defined twice (again in ${file})`);
    } else {
      into[k] = v;
    }
  }
}

/** All JSON files of one locale folder merged into one resource (each file owns its top-level keys). */
export function loadLocaleResources(locale: Locale, dir = LOCALES_DIR): Record<string, unknown> {
  const folder = path.join(dir, locale);
  const merged: Record<string, unknown> = {};
  for (const file of fs.readdirSync(folder).filter((f) => f.endsWith('.json')).sort()) {
    const full = path.join(folder, file);
    deepMerge(merged, JSON.parse(fs.readFileSync(full, 'utf8')) as Record<string, unknown>, full);
  }
  return merged;
}

/** A fresh i18next instance (never the global one), loaded synchronously from locales/. */
export function createI18n(defaultLocale: Locale = 'zh-CN'): i18n {
  const instance = i18next.createInstance();
  void instance.init({
    initAsync: false,
    lng: defaultLocale,
    fallbackLng: 'zh-CN',
    supportedLngs: [...LOCALES],
    resources: Object.fromEntries(LOCALES.map((l) => [l, { translation: loadLocaleResources(l) }])),
    interpolation: { escapeValue: false },
    returnNull: false,
    showSupportNotice: false,
  } as Parameters<typeof instance.init>[0]);
  return instance;
}

/** Words the bot accepts for a key (arrays in the locale files), lower-cased, for free-text matching. */
export function synonyms(i18n: i18n, locale: Locale, key: string): string[] {
  const v = i18n.t(key, { lng: locale, returnObjects: true }) as unknown;
  return Array.isArray(v) ? v.map((s) => String(s).toLowerCase()) : [];
}
