import fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import { pinyin } from 'pinyin-pro';
import { REGIONS_SEED } from './region.service';

/**
 * Region names a person reads, from the region data (prisma/seed/yunnan-regions.csv, the same rows seedRegions
 * writes to the region table), held in memory once: 530000 reads 云南省, 530102001 reads 昆明市五华区华山街道
 * (the parent chain below the province). A code the data does not know (a village) reads as its nearest known
 * parent's name followed by the code.
 */

interface RegionEntry {
  name: string;
  parent: string | null;
}

let directory: Map<string, RegionEntry> | null = null;

function regions(): Map<string, RegionEntry> {
  if (!directory) {
    const rows = parse(fs.readFileSync(REGIONS_SEED), { columns: true, bom: true, skip_empty_lines: true, trim: true }) as { code: string; name: string; parent_code: string }[];
    directory = new Map(rows.map((r) => [r.code, { name: r.name, parent: r.parent_code || null }]));
  }
  return directory;
}

/** The names from the prefecture down to the region, joined (云南省 for the province itself); null if unknown. */
function chainOf(code: string): string | null {
  const dir = regions();
  const names: string[] = [];
  let cur: string | null = code;
  for (let i = 0; cur && i < 6; i++) {
    const r = dir.get(cur);
    if (!r) break;
    // The province is left out below it: every staff member and record here is in it.
    if (r.parent || names.length === 0) names.unshift(r.name);
    cur = r.parent;
  }
  return names.length ? names.join('') : null;
}

/** A region's name with its parents, e.g. 昆明市五华区华山街道; unknown codes fall back to a known parent, then the code. */
export function regionChainName(code: string | null | undefined): string {
  if (!code) return '';
  const own = chainOf(code);
  if (own) return own;
  for (const len of [9, 6]) {
    if (code.length > len) {
      const parent = chainOf(code.slice(0, len));
      if (parent) return `${parent} ${code}`;
    }
  }
  return code;
}


/** Administrative suffixes in English, longest first (民族乡 before 乡). */
const SUFFIXES: readonly [string, string][] = [
  ['自治州', 'Autonomous Prefecture'],
  ['自治县', 'Autonomous County'],
  ['民族乡', 'Ethnic Township'],
  ['街道', 'Subdistrict'],
  ['农场', 'Farm'],
  ['监狱', 'Prison'],
  ['省', 'Province'],
  ['市', 'City'],
  ['区', 'District'],
  ['县', 'County'],
  ['镇', 'Town'],
  ['乡', 'Township'],
];

/** Yunnan's peoples as they appear in region names (彝族自治州, 基诺族乡). */
const PEOPLES = '彝|白|哈尼|壮|傣|苗|傈僳|回|拉祜|佤|纳西|瑶|藏|景颇|布朗|普米|怒|阿昌|德昂|基诺|独龙|蒙古|布依|水|满';
const PEOPLES_AT_END = new RegExp(`^(.+?)((?:(?:${PEOPLES})族)+)$`, 'u');

const spell = (zh: string): string => {
  const s = pinyin(zh, { toneType: 'none', type: 'array', nonZh: 'consecutive' }).join('');
  return s.charAt(0).toUpperCase() + s.slice(1);
};

/** One region name in English: the pinyin of its stem and its kind (五华区 Wuhua District, 楚雄彝族自治州 Chuxiong Yi Autonomous Prefecture). */
export function regionNameEn(name: string): string {
  const suffix = SUFFIXES.find(([zh]) => name.endsWith(zh) && name.length > zh.length);
  if (!suffix) return spell(name);
  let stem = name.slice(0, -suffix[0].length);
  const peoples: string[] = [];
  // 德宏傣族景颇族 -> 德宏 + Dai, Jingpo; 基诺山基诺族(乡) -> 基诺山 + Jino.
  const m = PEOPLES_AT_END.exec(stem);
  if (m?.[1] && m[2]) {
    stem = m[1];
    peoples.push(...m[2].split('族').filter(Boolean).map(spell));
  }
  return [spell(stem), ...peoples, suffix[1]].join(' ');
}

/** The English reading of regionChainName: smallest first, comma-separated (Huashan Subdistrict, Wuhua District, Kunming City). */
export function regionChainNameEn(code: string | null | undefined): string {
  if (!code) return '';
  const dir = regions();
  const known = [code, code.slice(0, 9), code.slice(0, 6)].find((c) => dir.has(c));
  if (!known) return code;
  const names: string[] = [];
  let cur: string | null = known;
  for (let i = 0; cur && i < 6; i++) {
    const r = dir.get(cur);
    if (!r) break;
    if (r.parent || names.length === 0) names.push(regionNameEn(r.name));
    cur = r.parent;
  }
  return known === code ? names.join(', ') : `${code}, ${names.join(', ')}`;
}
