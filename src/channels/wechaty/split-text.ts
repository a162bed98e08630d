/** How long a piece of text is for a channel's limit: characters (code points) by default. */
export type TextMeasure = (s: string) => number;

export const countChars: TextMeasure = (s) => [...s].length;
export const utf8Bytes: TextMeasure = (s) => Buffer.byteLength(s, 'utf8');

/**
 * Splits a message into pieces that each fit a channel's limit, preferring line breaks (then spaces and
 * sentence ends) so a numbered choice or a sentence is not cut in half. Pieces keep the original order;
 * the text is never dropped. An empty text gives one empty piece (callers decide whether to send it).
 */
export function splitText(text: string, max: number, measure: TextMeasure = countChars): string[] {
  if (max < 1) throw new Error('splitText: max must be at least 1');
  if (measure(text) <= max) return [text];
  const pieces: string[] = [];
  let current = '';
  const flush = () => {
    const t = current.replace(/\n+$/, '');
    if (t) pieces.push(t);
    current = '';
  };
  for (const line of text.split('\n')) {
    const candidate = current ? `${current}\n${line}` : line;
    if (measure(candidate) <= max) {
      current = candidate;
      continue;
    }
    flush();
    if (measure(line) <= max) {
      current = line;
      continue;
    }
    // One line longer than the limit: cut at the last sentence end or space that fits, else hard.
    let rest = line;
    while (measure(rest) > max) {
      const head = longestFittingPrefix(rest, max, measure);
      const cut = lastBreak(head);
      const piece = cut > 0 ? head.slice(0, cut) : head;
      pieces.push(piece.trimEnd());
      rest = rest.slice(piece.length).trimStart();
    }
    current = rest;
  }
  flush();
  return pieces.length ? pieces : [''];
}

function longestFittingPrefix(s: string, max: number, measure: TextMeasure): string {
  const chars = [...s];
  let lo = 1;
  let hi = chars.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (measure(chars.slice(0, mid).join('')) <= max) lo = mid;
    else hi = mid - 1;
  }
  return chars.slice(0, lo).join('');
}

/** Index just after the last sentence end or space in the second half of s (0 when none). */
function lastBreak(s: string): number {
  for (let i = s.length - 1; i > s.length / 2; i--) {
    if ('。！？；，.!?;, '.includes(s[i]!)) return i + 1;
  }
  return 0;
}
