import type { DbClient } from '../../db/db-client';
import type { DataQualityFlag, Person, Prisma } from '../../generated/prisma/client';
import { recordAudit, type AuditActorType } from '../staff/audit.service';
import { computeFlags, FLAG_ORDER, type DataQualityFlagName, type FlagEnrolmentInput, type FlagPersonInput } from './person-flags';
import { isPersonField, PERSON_FIELD_NAMES, PERSON_FIELDS, readPersonField, type PersonField } from './person-fields';

/**
 * The one writer of person records. A direct correction, an approved change request and the registry import
 * apply a change by the same rules: the columns are written, the managing region follows the residence region
 * (else the hukou region), the data-quality flags that depend on the changed fields are recomputed (every other
 * flag is kept), the version is bumped, and one `person.update` audit event records the difference.
 *
 * The fields, their checks and the flags each affects are the table of ./person-fields.ts. The per-record
 * path is applyPersonChange (corrections, review, visit lists); the import writes thousands of rows per
 * statement, so it uses the same pure rules (managingRegion, flagsAfter) in its set-based batches.
 */

export { isPersonField, type PersonField } from './person-fields';
/** The new values of the changed fields (null: "not on record"). */
export type PersonChanges = Partial<Record<PersonField, string | null>>;
/** An old and a new value in the audit (regionCode included when it follows). */
export type PersonDiff = Record<string, { old: string | null; new: string | null }>;

/** A person as the rules read it: the fields, the managing region and the stored flags. */
export type PersonState = Record<PersonField, string | null> & { regionCode: string | null; flags: readonly string[] };

/** The stored person in the string form of PersonState. */
export function personState(p: Person): PersonState {
  const fields = PERSON_FIELD_NAMES.map((f) => [f, readPersonField(p, f)]);
  return { ...(Object.fromEntries(fields) as Record<PersonField, string | null>), regionCode: p.regionCode, flags: p.flags };
}

/** The managing region (Person.regionCode): the residence region, else the hukou region, else as it was. */
export const managingRegion = (p: { residenceRegion: string | null; hukouRegion: string | null; regionCode: string | null }) =>
  p.residenceRegion ?? p.hukouRegion ?? p.regionCode;

/**
 * The flags after a change: those in `which` recomputed from the person as it is now (computeFlags decides
 * what each means), every other stored flag kept; in the schema's order.
 */
export function flagsAfter(
  existing: readonly string[] | null,
  person: FlagPersonInput,
  which: readonly DataQualityFlagName[],
  enrolments: readonly FlagEnrolmentInput[],
  knownRegion: (code: string) => boolean,
): DataQualityFlagName[] {
  if (!which.length) return FLAG_ORDER.filter((f) => (existing ?? []).includes(f));
  const computed = new Set<string>(computeFlags(person, enrolments, knownRegion));
  const flags = new Set<string>(existing ?? []);
  for (const f of which) {
    if (computed.has(f)) flags.add(f);
    else flags.delete(f);
  }
  return FLAG_ORDER.filter((f) => flags.has(f));
}

export interface PersonChangePlan {
  after: PersonState;
  diff: PersonDiff;
  flags: DataQualityFlagName[];
}

/** What a change does to a person (pure): the state after it, the difference for the audit, the flags. */
export function planPersonChange(before: PersonState, changes: PersonChanges, knownRegion: (code: string) => boolean): PersonChangePlan {
  const after: PersonState = { ...before, ...changes };
  after.regionCode = managingRegion(after);
  const diff: PersonDiff = {};
  for (const f of [...(Object.keys(changes) as PersonField[]), 'regionCode' as const]) {
    if (before[f] !== after[f]) diff[f] = { old: before[f], new: after[f] };
  }
  const which = new Set<DataQualityFlagName>();
  for (const f of Object.keys(diff)) if (isPersonField(f)) for (const flag of PERSON_FIELDS[f].flags) which.add(flag);
  const flagInput: FlagPersonInput = {
    idNumber: after.idNumber ?? '',
    sex: after.sex as FlagPersonInput['sex'],
    phone: after.phone,
    hukouRegion: after.hukouRegion,
    residenceRegion: after.residenceRegion,
    residenceAddress: after.residenceAddress,
  };
  // Enrolments matter only to the DUPLICATE_* flags, which no person field changes.
  const flags = flagsAfter(before.flags, flagInput, [...which], [], knownRegion);
  return { after, diff, flags };
}

/** Which of a person's region codes are in the region table. */
async function knownRegions(db: DbClient, s: PersonState): Promise<(code: string) => boolean> {
  const codes = [...new Set([s.hukouRegion, s.residenceRegion].filter((c): c is string => Boolean(c?.trim())).map((c) => c.trim()))];
  const known = new Set(codes.length ? (await db.region.findMany({ where: { code: { in: codes } }, select: { code: true } })).map((r) => r.code) : []);
  return (code) => known.has(code);
}

/** Who applies a change, from where, when; `details` (what the change came from) go into the audit event. */
export interface PersonChangeActor {
  actorType: AuditActorType;
  actorId: string | null;
  source: string;
  at: Date;
  details?: (plan: PersonChangePlan) => Record<string, Prisma.InputJsonValue | null>;
  /**
   * Flags the caller decides from what no person field holds (e.g. EMPLOYMENT_MISMATCH, from a report against
   * the enrolments): true sets, false clears; applied over the recomputed ones.
   */
  flags?: Partial<Record<DataQualityFlagName, boolean>>;
}

/**
 * Applies a change to one person in the caller's transaction: writes the changed columns, the managing region
 * and the recomputed flags, bumps the version and audits `person.update` with the difference. A change that
 * changes nothing writes nothing and returns an empty difference.
 */
export async function applyPersonChange(db: DbClient, person: Person, changes: PersonChanges, actor: PersonChangeActor): Promise<PersonChangePlan> {
  const before = personState(person);
  const planned = planPersonChange(before, changes, await knownRegions(db, { ...before, ...changes } as PersonState));
  const set = Object.entries(actor.flags ?? {});
  const plan = set.length
    ? { ...planned, flags: FLAG_ORDER.filter((f) => (actor.flags?.[f] ?? planned.flags.includes(f))) }
    : planned;
  const sameFlags = plan.flags.length === person.flags.length && plan.flags.every((f, i) => person.flags[i] === f);
  if (!Object.keys(plan.diff).length && sameFlags) return plan;
  const data: Record<string, unknown> = {};
  for (const f of Object.keys(plan.diff)) {
    const v = plan.after[f as PersonField | 'regionCode'];
    data[f] = isPersonField(f) && PERSON_FIELDS[f].kind === 'date' && v ? new Date(`${v}T00:00:00Z`) : v;
  }
  await db.person.update({
    where: { id: person.id },
    data: { ...data, flags: plan.flags as DataQualityFlag[], version: { increment: 1 }, updatedAt: actor.at } as Prisma.PersonUpdateInput,
  });
  await recordAudit(db, {
    actorType: actor.actorType,
    actorId: actor.actorId,
    source: actor.source,
    action: 'person.update',
    targetType: 'person',
    targetId: person.id,
    at: actor.at,
    details: { ...actor.details?.(plan), diff: plan.diff, flags: plan.flags },
  });
  return plan;
}
