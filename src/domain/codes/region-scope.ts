/**
 * Region codes nest by prefix: province 530000 -> "53", prefecture 530100 -> "5301", county 530102,
 * township 530102001 (9 digits), village (12 digits). A staff member of a region sees that region and
 * everything below it.
 */
export function regionPrefix(code: string): string {
  if (/^\d{6}$/.test(code)) {
    if (code.endsWith('0000')) return code.slice(0, 2);
    if (code.endsWith('00')) return code.slice(0, 4);
    return code;
  }
  return code;
}

/** True when `code` is the scope region or lies below it. */
export function isWithinRegion(scopeCode: string, code: string | null | undefined): boolean {
  if (!code) return false;
  return code.startsWith(regionPrefix(scopeCode));
}

/**
 * A range filter that selects every code starting with the scope's prefix and can use a plain b-tree
 * index under any collation (codes are digits only): { gte: '5301', lt: '5302' }.
 */
export function regionRange(scopeCode: string): { gte: string; lt: string } {
  const p = regionPrefix(scopeCode);
  const last = p.charCodeAt(p.length - 1);
  return { gte: p, lt: p.slice(0, -1) + String.fromCharCode(last + 1) };
}

/** The prefecture (6-digit, ends in 00) a code belongs to. */
export function prefectureOf(code: string): string | null {
  return /^\d{6}/.test(code) ? `${code.slice(0, 4)}00` : null;
}
