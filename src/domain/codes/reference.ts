/**
 * A request reference (CR-7K4M-2Q9X, see newReference in corrections/change-request.service.ts) as a resident
 * types it back: in lower case, full-width, with spaces or without the dashes, inside a short sentence.
 */
const REFERENCE = /(?<![0-9A-Z])CR[-\s]*([0-9A-Z]{4})[-\s]*([0-9A-Z]{4})(?![0-9A-Z])/u;

/** The reference in a text, written the way it is issued (CR-XXXX-XXXX), or null. */
export function readReference(text: string): string | null {
  const m = REFERENCE.exec(text.normalize('NFKC').toUpperCase());
  return m ? `CR-${m[1]!}-${m[2]!}` : null;
}
