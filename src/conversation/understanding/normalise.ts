import { createRequire } from 'node:module';

type ConverterFactory = (o: { from: string; to: string }) => (s: string) => string;
/** opencc-js is an ES module package with a CommonJS (UMD) build; its types only resolve for ESM importers. */
const loadOpenCC = () => (createRequire(__filename)('opencc-js/t2cn') as { Converter: ConverterFactory }).Converter;

/**
 * Normalisation of every answer before anything else reads it: NFKC (full-width letters and digits become
 * half-width), traditional characters become simplified (OpenCC, Taiwan and Hong Kong variants), spaces are
 * collapsed and the punctuation a voice keyboard adds at the end (。.!?~) is dropped.
 */

let toSimplified: ((s: string) => string) | null = null;

/** Traditional to simplified; the OpenCC tables load on the first Chinese text of the process. */
export function simplify(text: string): string {
  if (!/[\u3400-\u9fff]/u.test(text)) return text;
  if (!toSimplified) {
    const Converter = loadOpenCC();
    const hk = Converter({ from: 'hk', to: 'cn' });
    const tw = Converter({ from: 'tw', to: 'cn' });
    toSimplified = (s) => hk(tw(s));
  }
  return toSimplified(text);
}

const TRAILING = /[。．.!！?？,，、;；~～…\s]+$/u;
const LEADING = /^[\s,，、。.]+/u;

/** The text as the layer reads it: NFKC, simplified, trimmed, no trailing punctuation, single spaces. */
export function normaliseText(text: string): string {
  return simplify(text.normalize('NFKC'))
    .replace(/[\u200b-\u200d\ufeff]/gu, '')
    .replace(/\s+/gu, ' ')
    .replace(LEADING, '')
    .replace(TRAILING, '')
    .trim();
}

/** normaliseText, lower-cased: the key for comparing with labels and examples. */
export function normaliseKey(text: string): string {
  return normaliseText(text).toLowerCase();
}

/** The middle-dot family used between the parts of a transcribed name (阿依古丽・买买提). */
const NAME_DOTS = /\s*[・‧•·∙⋅●．.\-－‐‑–—_=]+\s*/gu;

/**
 * A person's name as the registry writes it: parts of a transcribed minority or foreign name joined by the
 * middle dot U+00B7, no spaces inside a Chinese name, Latin letters upper-cased (the card's spelling).
 */
export function normaliseName(text: string): string {
  let t = normaliseText(text).replace(/^(我叫|我的名字是|名字是|名字叫|姓名是|他叫|她叫|孩子叫|我是|my name is|name is|name:)\s*/iu, '');
  t = t.replace(NAME_DOTS, '·').replace(/^·|·$/gu, '');
  if (/[\u3400-\u9fff]/u.test(t)) t = t.replace(/\s+/gu, '');
  else t = t.replace(/\s+/gu, ' ').toUpperCase();
  return t;
}
