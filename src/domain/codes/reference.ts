/**
 * A request reference (CR-7K4M-2Q9X, see newReference in corrections/change-request.service.ts) as a resident
 * types it back: in lower case, full-width, with spaces or without the dashes, inside a short sentence; or, as
 * the whole message (or after 编号 in a short one), without its CR (7K4M-2Q9X, 7K4M2Q9X: eight characters of the
 * reference alphabet with letters and digits, so that two English words or a date are not taken for one).
 */
const REFERENCE = /(?<![0-9A-Z])CR[-\s]*([0-9A-Z]{4})[-\s]*([0-9A-Z]{4})(?![0-9A-Z])/u;
const BARE = /^(?:.{0,8}编号(?:是|为)?[:：]?\s*)?([2-9A-HJKMNP-Z]{4})[-\s]*([2-9A-HJKMNP-Z]{4})[。.!！\s]*$/u;

/** The reference in a text, written the way it is issued (CR-XXXX-XXXX), or null. */
export function readReference(text: string): string | null {
  const t = text.normalize('NFKC').toUpperCase();
  const m = REFERENCE.exec(t);
  if (m) return `CR-${m[1]!}-${m[2]!}`;
  const b = BARE.exec(t.trim());
  const code = b ? `${b[1]!}${b[2]!}` : '';
  return b && /\d/u.test(code) && /[A-Z]/u.test(code) ? `CR-${b[1]!}-${b[2]!}` : null;
}
