/**
 * C0 control characters (U+0000–U+001F) other than tab and newline, and DEL (U+007F). PostgreSQL cannot store
 * NUL in text at all, and none of these has a meaning in anything a resident or a member of staff types.
 */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u0008\u000B-\u001F\u007F]/g;

/** The text without C0 control characters except "\n" and "\t" ("\r\n" becomes "\n"). */
export function stripControlChars(text: string): string {
  return text.replace(CONTROL_CHARS, '');
}

/** The same for every string in a parsed JSON or form body (objects and arrays walked, other values kept). */
export function stripControlCharsDeep<T>(value: T): T {
  if (typeof value === 'string') return stripControlChars(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => stripControlCharsDeep(v)) as T;
  if (value && typeof value === 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(value) as object | null)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[stripControlChars(k)] = stripControlCharsDeep(v);
    return out as T;
  }
  return value;
}
