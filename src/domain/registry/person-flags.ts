import { PENSION_TYPES } from '../codes/insurance';

/**
 * Data-quality flags of a person (Person.flags), computed from stored data only. Pure and dependency-free,
 * shared by the registry import, the chat and the staff review code.
 *
 * | flag              | set when                                                                        |
 * |-------------------|---------------------------------------------------------------------------------|
 * | MISSING_PHONE     | no mobile phone on record                                                       |
 * | MISSING_RESIDENCE | the residence region or the residence address is missing                        |
 * | DUPLICATE_MEDICAL | employee medical (310) and resident medical (390) are both PAYING               |
 * | DUPLICATE_PENSION | more than one pension scheme among 110, 120, 170 is PAYING                      |
 * | SEX_MISMATCH      | the stored sex contradicts the 17th digit of the ID number                      |
 * | UNKNOWN_REGION    | the hukou or residence region code is not in the region table                   |
 *
 * EMPLOYMENT_MISMATCH is not computed here (it needs the employment reports); {@link mergeFlags} keeps such
 * flags that other code owns.
 */

export type DataQualityFlagName =
  | 'MISSING_PHONE'
  | 'MISSING_RESIDENCE'
  | 'DUPLICATE_MEDICAL'
  | 'DUPLICATE_PENSION'
  | 'SEX_MISMATCH'
  | 'UNKNOWN_REGION'
  | 'EMPLOYMENT_MISMATCH';

/** The order of the DataQualityFlag enum in the schema; flag arrays are always written in this order. */
export const FLAG_ORDER: readonly DataQualityFlagName[] = [
  'MISSING_PHONE',
  'MISSING_RESIDENCE',
  'DUPLICATE_MEDICAL',
  'DUPLICATE_PENSION',
  'SEX_MISMATCH',
  'UNKNOWN_REGION',
  'EMPLOYMENT_MISMATCH',
];

/** The flags {@link computeFlags} owns: it sets and clears exactly these. */
export const COMPUTED_FLAGS: readonly DataQualityFlagName[] = [
  'MISSING_PHONE',
  'MISSING_RESIDENCE',
  'DUPLICATE_MEDICAL',
  'DUPLICATE_PENSION',
  'SEX_MISMATCH',
  'UNKNOWN_REGION',
];

const EMPLOYEE_MEDICAL = '310';
const RESIDENT_MEDICAL = '390';

/** The stored person fields the flags depend on. */
export interface FlagPersonInput {
  idNumber: string;
  sex: 'MALE' | 'FEMALE' | null | undefined;
  phone: string | null | undefined;
  hukouRegion: string | null | undefined;
  residenceRegion: string | null | undefined;
  residenceAddress: string | null | undefined;
}

export interface FlagEnrolmentInput {
  insuranceType: string;
  status: 'PAYING' | 'SUSPENDED' | 'TERMINATED';
}

const blank = (v: string | null | undefined) => v == null || v.trim() === '';
const unknownRegion = (code: string | null | undefined, known: (code: string) => boolean) =>
  !blank(code) && !known((code as string).trim());

/** Sex encoded by an 18-character ID number's 17th digit, or null when it is not a digit. */
function sexFromIdNumber(idNumber: string): 'MALE' | 'FEMALE' | null {
  const d = idNumber.charAt(16);
  if (!/^\d$/.test(d)) return null;
  return Number(d) % 2 === 1 ? 'MALE' : 'FEMALE';
}

/**
 * The data-quality flags of a person given its enrolments. `knownRegion` says whether a region code is in
 * the region table. Returns the flags in {@link FLAG_ORDER}.
 */
export function computeFlags(
  person: FlagPersonInput,
  enrolments: readonly FlagEnrolmentInput[],
  knownRegion: (code: string) => boolean,
): DataQualityFlagName[] {
  let employeeMedical = false;
  let residentMedical = false;
  let pensions = 0;
  for (const e of enrolments) {
    if (e.status !== 'PAYING') continue;
    if (e.insuranceType === EMPLOYEE_MEDICAL) employeeMedical = true;
    else if (e.insuranceType === RESIDENT_MEDICAL) residentMedical = true;
    else if (PENSION_TYPES.includes(e.insuranceType)) pensions++;
  }
  const idSex = person.idNumber.length === 18 ? sexFromIdNumber(person.idNumber) : null;

  // In FLAG_ORDER.
  const flags: DataQualityFlagName[] = [];
  if (blank(person.phone)) flags.push('MISSING_PHONE');
  if (blank(person.residenceRegion) || blank(person.residenceAddress)) flags.push('MISSING_RESIDENCE');
  if (employeeMedical && residentMedical) flags.push('DUPLICATE_MEDICAL');
  if (pensions > 1) flags.push('DUPLICATE_PENSION');
  if (person.sex && idSex && idSex !== person.sex) flags.push('SEX_MISMATCH');
  if (unknownRegion(person.hukouRegion, knownRegion) || unknownRegion(person.residenceRegion, knownRegion)) {
    flags.push('UNKNOWN_REGION');
  }
  return flags;
}

/**
 * The flags to store: the freshly computed ones plus any flag in `existing` that computeFlags does not own
 * (e.g. EMPLOYMENT_MISMATCH set by the review code), in {@link FLAG_ORDER}.
 */
export function mergeFlags(
  existing: readonly string[] | null | undefined,
  computed: readonly DataQualityFlagName[],
): DataQualityFlagName[] {
  const set = new Set<string>(computed);
  for (const f of existing ?? []) if (!(COMPUTED_FLAGS as readonly string[]).includes(f)) set.add(f);
  return FLAG_ORDER.filter((f) => set.has(f));
}

/**
 * A `knownRegion` predicate over the region table's codes. A 12-digit village code counts as known when the
 * table has it, or when the table holds no village of its township at all (village codes come with the
 * province's own data and may not be loaded; the township is then the finest level we can check).
 */
export function knownRegionFrom(codes: ReadonlySet<string>): (code: string) => boolean {
  const townshipsWithVillages = new Set<string>();
  for (const c of codes) if (c.length === 12) townshipsWithVillages.add(c.slice(0, 9));
  return (code: string) => {
    if (codes.has(code)) return true;
    if (code.length !== 12) return false;
    const township = code.slice(0, 9);
    return codes.has(township) && !townshipsWithVillages.has(township);
  };
}

/** True when two flag lists hold the same flags (order ignored). */
export function sameFlags(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const s = new Set(a);
  return b.every((f) => s.has(f));
}
