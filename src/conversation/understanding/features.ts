import { normaliseKey } from './normalise';

/**
 * The features the intent classifier sees: for Chinese, characters and character pairs (no dictionary is
 * needed for sentences this short, and an unseen word still shares its characters); for Latin script,
 * lightly stemmed words and word pairs. Particles that carry no intent are left out.
 */
const CN_PARTICLES = new Set(Array.from('的了吗呢吧啊呀哦嘛么哈嗯喔哇噢'));
const EN_STOP = new Set(['a', 'an', 'the', 'to', 'i', 'im', 'my', 'me', 'please', 'pls', 'would', 'like', 'want', 'wanna', 'do', 'can', 'could', 'you', 'just', 'is', 'it', 'its', 'for', 'of', 'and', 'be', 'am', 'this', 'that', 'some', 'so']);

const stem = (w: string) => w.replace(/(ing|ed|es|s)$/u, '') || w;

export function featuresOf(text: string): Record<string, number> {
  const t = normaliseKey(text).replace(/[“”"'‘’「」（）()[\]【】<>《》:：;；,，。.!！?？、~～…\-—_/\\]+/gu, ' ');
  const out: Record<string, number> = {};
  const add = (f: string) => (out[f] = 1);
  for (const chunk of t.split(/\s+/u).filter(Boolean)) {
    if (/[\u3400-\u9fff]/u.test(chunk)) {
      const chars = Array.from(chunk).filter((c) => /[\u3400-\u9fff\d]/u.test(c));
      const kept = chars.filter((c) => !CN_PARTICLES.has(c));
      for (const c of kept) add(`c:${c}`);
      for (let i = 0; i + 1 < chars.length; i++) if (!(CN_PARTICLES.has(chars[i]!) && CN_PARTICLES.has(chars[i + 1]!))) add(`b:${chars[i]}${chars[i + 1]}`);
    }
  }
  const words = t
    .split(/[^a-z0-9]+/u)
    .filter((w) => w && !EN_STOP.has(w))
    .map(stem);
  for (const w of words) add(`w:${w}`);
  for (let i = 0; i + 1 < words.length; i++) add(`p:${words[i]} ${words[i + 1]}`);
  return out;
}
