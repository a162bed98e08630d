import Nzh from 'nzh/cn';

/**
 * Numbers as residents type them: Arabic or full-width digits (NFKC has made them ASCII by now), Chinese
 * numerals (一, 七, 十二, 两) read with nzh, and ordinals around them (第一个, 1号, 选1, 第7个, 7., 7、).
 */

const CN_DIGITS = '〇零一二三四五六七八九';

/** A Chinese numeral (一 .. 九十九, 两) or digits as a number, or null. */
export function parseNumber(raw: string): number | null {
  const t = raw.trim();
  if (/^\d+$/u.test(t)) return Number(t);
  if (t === '两' || t === '俩') return 2;
  if (!/^[〇零一二三四五六七八九十百两]+$/u.test(t)) return null;
  const n = Number(Nzh.decodeS(t.replace(/两/gu, '二')));
  return Number.isFinite(n) && n > 0 ? n : null;
}

/** Digit-by-digit Chinese numerals (二〇〇九 -> 2009), as years are written. */
export function cnDigitsToArabic(text: string): string {
  return text.replace(/[〇零一二三四五六七八九]{2,}/gu, (s) => Array.from(s, (c) => String(CN_DIGITS.indexOf(c) === 0 ? 0 : CN_DIGITS.indexOf(c) - 1)).join(''));
}

const ORDINAL = [
  /^(?:选|选择|我选|要|我要|就|是|按)?\s*第?\s*([\d〇零一二三四五六七八九十两]{1,3})\s*(?:个|项|条|号|种|位)?\s*(?:吧|的|啊|呀)?$/u,
  /^(?:number|no|option|choice|#)\s*(\d{1,2})$/iu,
  /^(?:the\s+)?(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth)(?:\s+one)?$/iu,
];
const EN_ORDINALS = ['first', 'second', 'third', 'fourth', 'fifth', 'sixth', 'seventh', 'eighth', 'ninth', 'tenth'];

/** "一", "第一个", "1号", "选1", "第7个", "七", "7.", "the second" -> the number; anything else null. */
export function parseOrdinal(text: string): number | null {
  const t = text.normalize('NFKC').trim().replace(/[\s。.、!！)）:]+$/u, '');
  for (const re of ORDINAL) {
    const m = re.exec(t);
    if (!m?.[1]) continue;
    const word = m[1].toLowerCase();
    const en = EN_ORDINALS.indexOf(word);
    const n = en >= 0 ? en + 1 : parseNumber(word);
    if (n !== null && n >= 0 && n <= 99) return n;
  }
  return null;
}
