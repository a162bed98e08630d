import { distance } from 'fastest-levenshtein';
import { pinyin } from 'pinyin-pro';

/**
 * Finds the places a resident means when the region table has no name containing what they typed: a county and
 * a township written together (弥渡县新街镇, 弥渡新街), the names in pinyin (Wuhua, Longxiang, midu xinjie), and
 * a name with one character wrong when only one place is that near (五花区 for 五华区). Pure: the caller passes the county and township rows.
 */
export interface PlaceRow {
  code: string;
  name: string;
  level: string;
  parentCode: string | null;
}

const SUFFIX = /(自治县|街道办事处|街道|办事处|县|区|市|镇|乡)$/u;
/** A place name without its administrative suffix (五华区 -> 五华), kept whole when nothing would be left. */
export const stem = (name: string) => (name.replace(SUFFIX, '').length >= 2 ? name.replace(SUFFIX, '') : name);
const spelled = new Map<string, string>();
/** The pinyin of a name without its suffix, without tones or spaces (memoised: names repeat across calls). */
function spell(name: string): string {
  let s = spelled.get(name);
  if (s === undefined) spelled.set(name, (s = pinyin(stem(name), { toneType: 'none', type: 'array', v: true }).join('')));
  return s;
}

function names(row: PlaceRow): string[] {
  return [...new Set([row.name, stem(row.name)])];
}

/** Codes of the places the query names, best first; empty when nothing fits well enough. */
export function matchPlaces(query: string, rows: PlaceRow[]): string[] {
  const q = query.normalize('NFKC').replace(/\s+/gu, '').toLowerCase();
  if (Array.from(q).length < 2) return [];
  const counties = rows.filter((r) => r.level === 'COUNTY');
  const townships = rows.filter((r) => r.level === 'TOWNSHIP');

  if (/^[a-z]+$/u.test(q)) {
    const whole = rows.filter((r) => spell(r.name) === q);
    if (whole.length) return whole.map((r) => r.code);
    // county + township in pinyin (midu xinjie)
    const both: string[] = [];
    for (const c of counties) {
      const cp = spell(c.name);
      if (q.startsWith(cp) && q.length > cp.length) {
        const rest = q.slice(cp.length);
        both.push(...townships.filter((t) => t.parentCode === c.code && spell(t.name) === rest).map((t) => t.code));
      }
    }
    return both;
  }

  // County and township together: 弥渡县新街镇, 弥渡新街.
  const together: string[] = [];
  for (const c of counties) {
    for (const cn of names(c)) {
      if (!q.startsWith(cn) || q.length === cn.length) continue;
      const rest = q.slice(cn.length);
      together.push(...townships.filter((t) => t.parentCode === c.code && names(t).includes(rest)).map((t) => t.code));
    }
  }
  if (together.length) return [...new Set(together)];

  // A name without its suffix (五华 for 五华区), then one character wrong (五花区).
  const bare = rows.filter((r) => stem(r.name) === q || stem(r.name) === stem(q));
  if (bare.length) return bare.map((r) => r.code);
  if (Array.from(q).length < 3) return [];
  // One character wrong: only when that points to a single place (火星乡 is near 五星乡, 火红乡 and 天星乡: none).
  const near = rows.filter((r) => distance(r.name, q) === 1 && Array.from(r.name).length === Array.from(q).length);
  return near.length === 1 ? [near[0]!.code] : [];
}
