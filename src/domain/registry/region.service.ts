import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import type { DbClient } from '../../db/db-client';
import { regionRange } from '../codes/region-scope';
import { REGION_CODE_RE } from '../vocabulary';

export const REGIONS_SEED = path.resolve(__dirname, '../../../prisma/seed/yunnan-regions.csv');

const regionRow = z.object({
  code: z.string().regex(REGION_CODE_RE, 'code must be 6, 9 or 12 digits'),
  name: z.string().min(1),
  level: z.enum(['province', 'prefecture', 'county', 'township', 'village']),
  parent_code: z.string().regex(REGION_CODE_RE).or(z.literal('')),
});

/** Loads (or refreshes) the region table from a CSV `code,name,level,parent_code`. Returns the row count. */
export async function seedRegions(db: DbClient, file = REGIONS_SEED): Promise<number> {
  const rows = (parse(fs.readFileSync(file), { columns: true, bom: true, skip_empty_lines: true, trim: true }) as unknown[]).map(
    (r, i) => {
      const parsed = regionRow.safeParse(r);
      if (!parsed.success) throw new Error(`${file} line ${i + 2}: ${parsed.error.issues[0]?.message}`);
      return parsed.data;
    },
  );
  const data = rows.map((r) => ({
    code: r.code,
    name: r.name,
    level: r.level.toUpperCase() as 'PROVINCE' | 'PREFECTURE' | 'COUNTY' | 'TOWNSHIP' | 'VILLAGE',
    parentCode: r.parent_code || null,
  }));
  await db.region.deleteMany({ where: { code: { in: data.map((d) => d.code) } } });
  await db.region.createMany({ data });
  return data.length;
}

/** All known region codes, for validating imports and chat answers without a query per row. */
export async function loadRegionCodes(db: DbClient): Promise<Set<string>> {
  const rows = await db.region.findMany({ select: { code: true } });
  return new Set(rows.map((r) => r.code));
}

/** The name of a region and its ancestors, e.g. 云南省 昆明市 五华区. */
export async function regionPath(db: DbClient, code: string): Promise<{ code: string; name: string }[]> {
  const out: { code: string; name: string }[] = [];
  let cur: string | null = code;
  for (let i = 0; cur && i < 6; i++) {
    const r: { code: string; name: string; parentCode: string | null } | null = await db.region.findUnique({
      where: { code: cur },
      select: { code: true, name: true, parentCode: true },
    });
    if (!r) break;
    out.unshift({ code: r.code, name: r.name });
    cur = r.parentCode;
  }
  return out;
}

/** The regions directly below a region (e.g. the prefectures of a province), by code. */
export function childRegions(db: DbClient, parentCode: string): Promise<{ code: string; name: string }[]> {
  return db.region.findMany({ where: { parentCode }, orderBy: { code: 'asc' }, select: { code: true, name: true } });
}

/** The region directly above a region, or null (a province, or an unknown code). */
export async function parentRegion(db: DbClient, code: string): Promise<{ code: string; name: string } | null> {
  const own = await db.region.findUnique({ where: { code }, select: { parentCode: true } });
  return own?.parentCode ? db.region.findUnique({ where: { code: own.parentCode }, select: { code: true, name: true } }) : null;
}

/** The regions of a scope down to township level (codes of 6 and 9 digits), in code order: the scope's own first. */
export function regionsWithin(db: DbClient, scopeCode: string): Promise<{ code: string; name: string; level: string }[]> {
  return db.$queryRaw<{ code: string; name: string; level: string }[]>`
    SELECT code, name, level::text AS level FROM region
    WHERE code >= ${regionRange(scopeCode).gte} AND code < ${regionRange(scopeCode).lt} AND length(code) <= 9
    ORDER BY code`;
}
