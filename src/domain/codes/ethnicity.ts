/**
 * Ethnic groups (民族) by GB/T 3304: two-digit codes 01-56 in the standard's order (not by population). The
 * names live in the locale files (locales/<lng>/reference.json, reference.ethnicity.<code>), so a new
 * language needs no code here; callers pass a lookup of the names. Pure and dependency-free.
 */

/** The 56 codes of GB/T 3304, "01" (Han) to "56" (Jino). */
export const ETHNICITY_CODES: readonly string[] = Array.from({ length: 56 }, (_, i) => String(i + 1).padStart(2, '0'));

/** True for a two-digit GB/T 3304 code ("01".."56"). */
export function isEthnicityCode(v: string): boolean {
  return ETHNICITY_CODES.includes(v);
}

/** NFKC, lower case, no spaces, apostrophes or hyphens, and without a trailing 族 ("彝族" = "彝", "De'ang" = "deang"). */
function normalise(s: string): string {
  return s
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s'’`\-·.]/g, '')
    .replace(/族$/u, '');
}

/**
 * The code of an ethnic group typed as a code ("7", "07") or a name in any language the lookup knows
 * ("彝族", "彝", "Yi"); null when nothing matches.
 *
 * @param namesOf the names of a code in every supported language, e.g. ["彝族", "Yi"]
 */
export function parseEthnicity(raw: string, namesOf: (code: string) => readonly string[]): string | null {
  const t = normalise(raw);
  if (!t) return null;
  if (/^\d{1,2}$/.test(t)) {
    const code = t.padStart(2, '0');
    return isEthnicityCode(code) ? code : null;
  }
  for (const code of ETHNICITY_CODES) {
    if (namesOf(code).some((n) => normalise(n) === t)) return code;
  }
  return null;
}
