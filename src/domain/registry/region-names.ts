import fs from 'node:fs';
import { parse } from 'csv-parse/sync';
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

