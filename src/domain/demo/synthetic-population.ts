import fs from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify';
import { computeCheckChar } from '../codes/id-number';
import { REGIONS_SEED } from '../registry/region.service';
import {
  ENROLMENT_COLUMNS,
  OPTIONAL_ENROLMENT_COLUMNS,
  IdKeyMap,
  PERSON_COLUMNS,
  type EnrolmentCsvRow,
  type PersonCsvRow,
} from '../registry-import';

/**
 * A deterministic generator of clearly synthetic people across Yunnan, in the registry import's CSV format:
 * for the demo seed, the import benchmark and tests. The same options always give the same rows.
 *
 * What makes it obviously synthetic: every name is a surname + "样例" (sample) + one given-name character,
 * every address contains "演示" (demo), household numbers start with "SYN-", phones are 1380000xxxx, and
 * employers are "…演示…有限公司".
 * What makes it realistic: valid ID numbers (check character, birth date and sex digit consistent with the
 * row), counties and townships from the region table, households of 1-6 related people, phones for ~90%,
 * employment by age and enrolments by employment.
 * Every data-quality flag the import can compute occurs somewhere (missing phone, missing residence,
 * duplicate medical, duplicate pension, unknown region); SEX_MISMATCH cannot come through the import (a
 * contradicting sex is a reject), so the demo seed sets it afterwards. Also present on purpose: ID numbers
 * with county codes outside Yunnan or retired codes (UNKNOWN_COUNTY warnings), legacy 15-digit numbers in
 * persons.csv, and empty sex / birth-date cells.
 */

export interface SyntheticOptions {
  /** How many persons to generate. */
  persons: number;
  /** PRNG seed (default 1). */
  seed?: number | string;
  /** Ages are relative to this date, YYYY-MM-DD (default 2025-01-01), so output never depends on today. */
  referenceDate?: string;
  /** ID numbers the generator must not produce (e.g. fixed demo persons). */
  reservedIdNumbers?: Iterable<string>;
  /** Region CSV (code,name,level,parent_code); default: prisma/seed/yunnan-regions.csv. */
  regionsFile?: string;
}

export interface SyntheticRecord {
  person: PersonCsvRow;
  enrolments: EnrolmentCsvRow[];
}

export const DEFAULT_REFERENCE_DATE = '2025-01-01';

/** Region codes the table does not hold although they appear in old data (retired county codes). */
export const RETIRED_REGION_CODES = ['530121', '530122'] as const;
/** County codes outside Yunnan used for people born elsewhere (not in the Yunnan region table). */
export const OUTSIDE_COUNTY_CODES = ['510104', '510107', '520102', '520302', '430102', '450102'] as const;

// ------------------------------------------------------------------ PRNG

/** sfc32 seeded through a string hash: small, fast, and good enough for test data. */
export function createRng(seed: number | string): () => number {
  const s = String(seed);
  let h = 1779033703 ^ s.length;
  for (let i = 0; i < s.length; i++) {
    h = Math.imul(h ^ s.charCodeAt(i), 3432918353);
    h = (h << 13) | (h >>> 19);
  }
  const next = () => {
    h = Math.imul(h ^ (h >>> 16), 2246822507);
    h = Math.imul(h ^ (h >>> 13), 3266489909);
    return (h ^= h >>> 16) >>> 0;
  };
  let a = next();
  let b = next();
  let c = next();
  let d = next();
  const rng = () => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) rng();
  return rng;
}

// ------------------------------------------------------------------ reference data

const SURNAMES = Array.from(
  '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤普李者刀岩',
);
const GIVEN_MALE = Array.from('伟强磊军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆林');
const GIVEN_FEMALE = Array.from('芳娜敏静丽艳娟霞秀玲英萍红梅琳雪婷倩慧颖洁兰云');
const INDUSTRIES = ['科技', '建材', '物流', '食品', '旅游', '农业', '商贸', '建筑', '医药', '咖啡', '茶业', '花卉'];

/** GB/T 3304 codes with rough Yunnan weights (Han about two thirds). */
const ETHNICITIES: [string, number][] = [
  ['01', 666], ['07', 110], ['16', 36], ['14', 35], ['18', 27], ['08', 27], ['06', 27], ['03', 15], ['20', 15],
  ['24', 11], ['21', 9], ['27', 7], ['13', 5], ['04', 3], ['28', 3], ['34', 3], ['09', 1], ['40', 1], ['39', 1],
  ['42', 1], ['56', 1], ['46', 1], ['51', 1], ['25', 1], ['02', 1],
];

interface County {
  code: string;
  name: string;
  prefecture: string;
  townships: { code: string; name: string }[];
}

function loadCounties(file: string): County[] {
  const rows = parse(fs.readFileSync(file), { columns: true, bom: true, skip_empty_lines: true, trim: true }) as {
    code: string;
    name: string;
    level: string;
    parent_code: string;
  }[];
  const names = new Map(rows.map((r) => [r.code, r.name]));
  const counties = new Map<string, County>();
  for (const r of rows) {
    if (r.level === 'county') {
      counties.set(r.code, { code: r.code, name: r.name, prefecture: names.get(r.parent_code) ?? '', townships: [] });
    }
  }
  for (const r of rows) if (r.level === 'township') counties.get(r.parent_code)?.townships.push({ code: r.code, name: r.name });
  const list = [...counties.values()].filter((c) => c.townships.length > 0);
  if (!list.length) throw new Error(`${file} holds no counties with townships`);
  return list;
}

// ------------------------------------------------------------------ helpers

const DAY_MS = 86_400_000;
const pad = (n: number, w: number) => String(n).padStart(w, '0');
const isoDate = (t: number) => new Date(t).toISOString().slice(0, 10);

function pickWeighted<T>(rng: () => number, items: readonly [T, number][], total: number): T {
  let x = rng() * total;
  for (const [v, w] of items) {
    x -= w;
    if (x < 0) return v;
  }
  return (items[items.length - 1] as [T, number])[0];
}

const pick = <T>(rng: () => number, items: readonly T[]): T => items[Math.floor(rng() * items.length)] as T;

interface Member {
  age: number;
  sex: 'MALE' | 'FEMALE';
  surname: string;
}

// ------------------------------------------------------------------ the generator

/** Yields `persons` synthetic people, household by household (the last household may be cut short). */
export function* generateSyntheticPopulation(opts: SyntheticOptions): Generator<SyntheticRecord> {
  const rng = createRng(opts.seed ?? 1);
  const chance = (p: number) => rng() < p;
  const int = (lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));
  const counties = loadCounties(opts.regionsFile ?? REGIONS_SEED);
  // Weight counties by their number of townships, a rough proxy for population.
  const countyWeights: [County, number][] = counties.map((c) => [c, c.townships.length]);
  const countyTotal = countyWeights.reduce((s, [, w]) => s + w, 0);
  const ethnicityTotal = ETHNICITIES.reduce((s, [, w]) => s + w, 0);
  const ref = Date.parse(`${opts.referenceDate ?? DEFAULT_REFERENCE_DATE}T00:00:00Z`);
  const used = new IdKeyMap(Math.min(1 << 22, Math.max(1 << 10, opts.persons * 2)));
  for (const id of opts.reservedIdNumbers ?? []) if (/^\d{17}[\dX]$/.test(id)) used.set(id, 1);

  const phone = () => `1380000${pad(int(0, 9999), 4)}`;
  const monthsBefore = (months: number) => {
    const d = new Date(ref);
    d.setUTCMonth(d.getUTCMonth() - months);
    return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1, 2)}`;
  };
  const dateBetween = (fromMs: number, toMs: number) => isoDate(fromMs + Math.floor(rng() * Math.max(1, toMs - fromMs)));

  function idNumber(county: string, birth: string, sex: 'MALE' | 'FEMALE'): string {
    const ymd = birth.replace(/-/g, '');
    for (;;) {
      const seq = int(0, 99) * 10 + (sex === 'MALE' ? int(0, 4) * 2 + 1 : int(0, 4) * 2);
      const first17 = `${county}${ymd}${pad(seq, 3)}`;
      const id = first17 + computeCheckChar(first17);
      if (!used.has(id)) {
        used.set(id, 1);
        return id;
      }
    }
  }

  let householdSerial = 0;
  let emitted = 0;
  while (emitted < opts.persons) {
    householdSerial++;
    const county = pickWeighted(rng, countyWeights, countyTotal);
    const town = pick(rng, county.townships);
    const hukouAddress = `${county.prefecture}${county.name}${town.name}演示路${int(1, 300)}号`;
    const householdId = `SYN-${county.code}-${pad(householdSerial, 7)}`;

    // Where the household lives: mostly at home, some moved to another county, a few unknown.
    let residenceRegion = town.code;
    let residenceAddress = `${county.prefecture}${county.name}${town.name}演示小区${int(1, 40)}栋${int(1, 30)}${pad(int(1, 4), 2)}室`;
    let enrolRegion = county.code;
    const r = rng();
    if (r < 0.04) {
      residenceRegion = '';
      residenceAddress = '';
    } else if (r < 0.05) {
      residenceAddress = '';
    } else if (r < 0.057) {
      // A retired county code still used by an old source system.
      residenceRegion = pick(rng, RETIRED_REGION_CODES);
      residenceAddress = `昆明市演示旧区${int(1, 99)}号`;
    } else if (r < 0.17) {
      const moved = pickWeighted(rng, countyWeights, countyTotal);
      const mt = pick(rng, moved.townships);
      residenceRegion = mt.code;
      residenceAddress = `${moved.prefecture}${moved.name}${mt.name}演示公寓${int(1, 20)}栋${int(101, 2999)}室`;
      enrolRegion = moved.code;
    }

    // Household members: head, maybe a spouse, children, maybe a parent of the head.
    const sizeRoll = rng();
    const size = sizeRoll < 0.15 ? 1 : sizeRoll < 0.4 ? 2 : sizeRoll < 0.65 ? 3 : sizeRoll < 0.85 ? 4 : sizeRoll < 0.95 ? 5 : 6;
    const headSex = chance(0.7) ? 'MALE' : 'FEMALE';
    const head: Member = { age: size === 1 ? int(18, 92) : int(24, 80), sex: headSex, surname: pick(rng, SURNAMES) };
    const members: Member[] = [head];
    if (size >= 2 && chance(0.85)) {
      members.push({
        age: Math.max(20, head.age + int(-5, 5)),
        sex: headSex === 'MALE' ? 'FEMALE' : 'MALE',
        surname: pick(rng, SURNAMES),
      });
    }
    if (members.length < size && head.age < 55 && chance(0.3)) {
      members.push({ age: Math.min(99, head.age + int(22, 32)), sex: chance(0.5) ? 'MALE' : 'FEMALE', surname: head.surname });
    }
    while (members.length < size) {
      const age = head.age - int(20, 38);
      members.push({ age: age >= 0 ? age : int(0, 15), sex: chance(0.52) ? 'MALE' : 'FEMALE', surname: head.surname });
    }
    const householdPhone = phone();

    for (const m of members) {
      if (emitted >= opts.persons) break;
      emitted++;
      const birthMs = Math.max(
        Date.parse('1901-01-01T00:00:00Z'),
        ref - m.age * 365.25 * DAY_MS - int(1, 364) * DAY_MS,
      );
      const birth = isoDate(birthMs);
      const cr = rng();
      const idCounty =
        cr < 0.9
          ? county.code
          : cr < 0.96
            ? pickWeighted(rng, countyWeights, countyTotal).code
            : cr < 0.99
              ? pick(rng, OUTSIDE_COUNTY_CODES)
              : m.age > 15
                ? pick(rng, RETIRED_REGION_CODES)
                : county.code;
      const id = idNumber(idCounty, birth, m.sex);
      // A few legacy 15-digit numbers (people born in the 1900s) in the persons file.
      const idInFile = birth < '2000-01-01' && chance(0.005) ? id.slice(0, 6) + id.slice(8, 17) : id;

      const given = pick(rng, m.sex === 'MALE' ? GIVEN_MALE : GIVEN_FEMALE);
      const name = `${m.surname}样例${given}`;
      const hasPhone = m.age >= 16 ? chance(0.96) : chance(0.75);
      const personPhone = !hasPhone ? '' : m.age >= 16 ? phone() : householdPhone;

      // Employment by age.
      let employment = '';
      const er = rng();
      if (m.age < 6) employment = '';
      else if (m.age < 18) employment = 'STUDENT';
      else if (m.age < 23) employment = er < 0.55 ? 'STUDENT' : er < 0.7 ? 'EMPLOYED' : er < 0.8 ? 'FLEXIBLE' : er < 0.9 ? 'FARMING' : 'UNEMPLOYED';
      else if (m.age < 60)
        employment =
          er < 0.28 ? 'EMPLOYED' : er < 0.42 ? 'FLEXIBLE' : er < 0.5 ? 'SELF_EMPLOYED' : er < 0.88 ? 'FARMING' : er < 0.94 ? 'UNEMPLOYED' : 'OTHER';
      else employment = er < 0.35 ? 'RETIRED' : er < 0.8 ? 'FARMING' : 'OTHER';
      const government = employment === 'EMPLOYED' && chance(0.1);
      const employer =
        employment === 'EMPLOYED'
          ? government
            ? `${county.name}演示事业单位`
            : `${county.name}演示${pick(rng, INDUSTRIES)}有限公司`
          : employment === 'SELF_EMPLOYED'
            ? `${county.name}演示个体${pick(rng, INDUSTRIES)}店`
            : '';

      // Enrolments by employment.
      const enrolments: EnrolmentCsvRow[] = [];
      const workStart = Math.max(birthMs + 18 * 365.25 * DAY_MS, Date.parse('1996-01-01T00:00:00Z'));
      const residentStart = Math.max(birthMs, Date.parse('2010-01-01T00:00:00Z'));
      const add = (type: string, status: '1' | '2' | '3', start: number, employerName = '') => {
        const firstMs = Date.parse(`${dateBetween(Math.min(start, ref - DAY_MS), ref - DAY_MS)}T00:00:00Z`);
        // Paying: paid up to the last few months. Suspended or terminated: stopped some time after joining.
        const lastPaid =
          status === '1' ? monthsBefore(int(0, 2)) : isoDate(firstMs + rng() * Math.max(0, ref - 90 * DAY_MS - firstMs)).slice(0, 7);
        enrolments.push({
          id_number: id,
          insurance_type: type,
          status,
          region: enrolRegion,
          first_enrolled: isoDate(firstMs),
          last_paid_month: lastPaid,
          employer: employerName,
        });
      };
      if (!chance(0.03)) {
        switch (employment) {
          case 'EMPLOYED': {
            add(government ? '120' : '110', '1', workStart, employer);
            add('210', '1', workStart, employer);
            add('310', '1', workStart, employer);
            add('410', '1', workStart, employer);
            if (chance(0.9)) add('510', '1', workStart, employer);
            if (chance(0.015)) add('390', '1', residentStart); // duplicate medical
            if (chance(0.01)) add('170', '1', workStart); // duplicate pension
            break;
          }
          case 'FLEXIBLE':
          case 'SELF_EMPLOYED': {
            const f = rng();
            if (f < 0.5) {
              add('110', '1', workStart);
              add('310', '1', workStart);
            } else if (f < 0.9) {
              add('170', '1', workStart);
              add('390', '1', residentStart);
            }
            break;
          }
          case 'RETIRED': {
            add(chance(0.15) ? '120' : '110', '1', workStart);
            add('310', '1', workStart);
            // Drawing benefits from the month after the 60th birthday (no random draw, so the population is unchanged).
            const from = isoDate(Date.UTC(new Date(birthMs).getUTCFullYear() + 60, new Date(birthMs).getUTCMonth() + 1, 1)).slice(0, 7);
            if (from <= isoDate(ref).slice(0, 7)) for (const e of enrolments.slice(-2)) e.benefit_from = from;
            break;
          }
          case 'UNEMPLOYED': {
            if (chance(0.3)) {
              add('110', '2', workStart);
              add('210', '3', workStart);
            }
            if (chance(0.8)) add('170', '1', workStart);
            if (chance(0.9)) add('390', '1', residentStart);
            break;
          }
          default: {
            // Farming, other, students and children.
            if (m.age >= 16 && employment !== 'STUDENT' && chance(0.85)) add('170', '1', workStart);
            if (chance(0.93)) add('390', '1', residentStart);
            if (employment === 'FARMING' && chance(0.04)) add('110', '2', workStart);
          }
        }
      }

      const ethnicity = pickWeighted(rng, ETHNICITIES, ethnicityTotal);
      yield {
        person: {
          id_number: idInFile,
          name,
          sex: chance(0.03) ? '' : m.sex === 'MALE' ? '1' : '2',
          ethnicity,
          birth_date: chance(0.03) ? '' : birth,
          phone: personPhone,
          hukou_region: town.code,
          hukou_address: hukouAddress,
          residence_region: residenceRegion,
          residence_address: residenceAddress,
          household_id: householdId,
          employment_status: employment,
          employer,
        },
        enrolments,
      };
    }
  }
}

// ------------------------------------------------------------------ CSV writing

export interface CsvFileWriter<R> {
  write(row: R): Promise<void>;
  end(): Promise<void>;
}

/** A streaming CSV file writer (header line first) that honours back-pressure. */
export function createCsvFileWriter<R extends Partial<Record<string, string>>>(file: string, columns: readonly string[]): CsvFileWriter<R> {
  const out = fs.createWriteStream(file);
  const s = stringify({ header: true, columns: [...columns] });
  s.pipe(out);
  return {
    async write(row) {
      if (!s.write(row)) await once(s, 'drain');
    },
    async end() {
      s.end();
      await finished(out);
    },
  };
}

/**
 * Writes persons.csv and enrolments.csv: `before` records first (e.g. fixed demo persons), then the
 * generated ones. Returns the number of rows written.
 */
export async function writeSyntheticCsv(
  opts: SyntheticOptions & { personsFile: string; enrolmentsFile: string; before?: readonly SyntheticRecord[] },
): Promise<{ persons: number; enrolments: number }> {
  const pw = createCsvFileWriter<PersonCsvRow>(opts.personsFile, PERSON_COLUMNS);
  const ew = createCsvFileWriter<EnrolmentCsvRow>(opts.enrolmentsFile, [...ENROLMENT_COLUMNS, ...OPTIONAL_ENROLMENT_COLUMNS]);
  let persons = 0;
  let enrolments = 0;
  const reserved = new Set([...(opts.reservedIdNumbers ?? []), ...(opts.before ?? []).map((b) => b.person.id_number)]);
  const all = function* () {
    yield* opts.before ?? [];
    yield* generateSyntheticPopulation({ ...opts, reservedIdNumbers: reserved });
  };
  try {
    for (const rec of all()) {
      await pw.write(rec.person);
      persons++;
      for (const e of rec.enrolments) {
        await ew.write(e);
        enrolments++;
      }
    }
  } finally {
    await Promise.all([pw.end(), ew.end()]);
  }
  return { persons, enrolments };
}
