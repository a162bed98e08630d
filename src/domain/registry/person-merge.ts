// One person under two numbers (issue 17): an approved MERGE request folds one person row into another. The
// survivor keeps its row and gains what pointed at the other; the merged row stays (never deleted) with
// mergedIntoId, its audit trail, its provenance row and whatever could not move (an enrolment of a type the
// survivor already has). Provenance is combined field by field (provenance-merge.ts).
import type { DbClient } from '../../db/db-client';
import type { Person } from '../../generated/prisma/client';
import { recordAudit } from '../staff/audit.service';
import { raiseDuplicateCover } from '../worklists/duplicate-cover';
import { applyPersonChange, flagsAfter, type PersonChanges, type PersonChangeActor } from './person-change';
import { readPersonField } from './person-fields';
import { knownRegionFrom } from './person-flags';
import { combineProvenance } from './provenance-merge';

/** Survivor fields filled from the merged row when the survivor has none (contact and residence). */
const FILL_FIELDS = ['phone', 'residenceRegion', 'residenceAddress', 'hukouAddress', 'ethnicity', 'householdId'] as const;
/** Departmental-feed facts on the person row, filled the same way (they are not person-change fields). */
const FILL_FEED_FACTS = ['deceasedOn', 'movedOutOn', 'movedInOn', 'sscCardStatus', 'sscCardIssuedOn'] as const;

/**
 * What points at a person and moves to the survivor: table and the statement's extra condition. Rows that a
 * unique key ties to one person per something (an enrolment type, a campaign, an assistance period) move only when the survivor has
 * none; change requests move except the merge request itself.
 */
const REPOINT: readonly { table: string; unique?: readonly string[]; extra?: string }[] = [
  { table: 'enrolment', unique: ['insurance_type'] },
  { table: 'assistance_period', unique: ['kind', 'started_on'] },
  { table: 'employment_report' },
  { table: 'change_request', extra: `kind <> 'MERGE'` },
  { table: 'conversation' },
  { table: 'handoff_request' },
  { table: 'visit_request' },
  { table: 'visit_list_entry' },
  { table: 'campaign_recipient', unique: ['campaign_id'] },
  { table: 'work_item' },
  { table: 'notice_acknowledgement' },
];

export type MergeResult = { ok: true; moved: Record<string, number>; filled: string[]; keptOnMerged: string[] } | { ok: false; code: 'PERSON_MISSING' | 'ALREADY_MERGED' | 'SAME_PERSON' };

/**
 * Merges `mergedId` into `survivorId` in the caller's transaction: locks both rows, re-points what belongs to
 * the person, fills the survivor's empty contact fields through the one person writer, re-derives the
 * survivor's cover flags and worklist, marks the merged row, and audits `person.merge` on both persons.
 */
export async function mergePersons(tx: DbClient, ids: { survivorId: string; mergedId: string }, actor: PersonChangeActor & { reference?: string }): Promise<MergeResult> {
  const { survivorId, mergedId } = ids;
  if (survivorId === mergedId) return { ok: false, code: 'SAME_PERSON' };
  await tx.$queryRaw`SELECT id FROM person WHERE id IN (${survivorId}::uuid, ${mergedId}::uuid) ORDER BY id FOR UPDATE`;
  const [survivor, merged] = await Promise.all([tx.person.findUnique({ where: { id: survivorId } }), tx.person.findUnique({ where: { id: mergedId } })]);
  if (!survivor || !merged) return { ok: false, code: 'PERSON_MISSING' };
  if (survivor.mergedIntoId || merged.mergedIntoId) return { ok: false, code: 'ALREADY_MERGED' };

  const keptOnMerged = (
    await tx.enrolment.findMany({ where: { personId: mergedId, insuranceType: { in: (await tx.enrolment.findMany({ where: { personId: survivorId }, select: { insuranceType: true } })).map((e) => e.insuranceType) } }, select: { insuranceType: true } })
  ).map((e) => e.insuranceType);
  const moved: Record<string, number> = {};
  for (const r of REPOINT) {
    const unique = r.unique ? ` AND (${r.unique.join(', ')}) NOT IN (SELECT ${r.unique.join(', ')} FROM ${r.table} WHERE person_id = $1::uuid)` : '';
    const extra = r.extra ? ` AND ${r.extra}` : '';
    moved[r.table] = await tx.$executeRawUnsafe(`UPDATE ${r.table} SET person_id = $1::uuid WHERE person_id = $2::uuid${unique}${extra}`, survivorId, mergedId);
  }
  // Persons merged into the merged one earlier now point at the survivor: a pointer is always one hop.
  moved.merged_into = await tx.$executeRawUnsafe(`UPDATE person SET merged_into_id = $1::uuid WHERE merged_into_id = $2::uuid`, survivorId, mergedId);
  moved.do_not_contact = await tx.$executeRawUnsafe(
    `INSERT INTO do_not_contact (person_id, reason, set_by, set_at) SELECT $1::uuid, reason, set_by, set_at FROM do_not_contact WHERE person_id = $2::uuid ON CONFLICT DO NOTHING`,
    survivorId,
    mergedId,
  );

  const fill: PersonChanges = {};
  for (const f of FILL_FIELDS) if (survivor[f] == null && merged[f] != null) fill[f] = merged[f];
  const facts: Partial<Pick<Person, (typeof FILL_FEED_FACTS)[number]>> = {};
  for (const f of FILL_FEED_FACTS) if (survivor[f] == null && merged[f] != null) Object.assign(facts, { [f]: merged[f] });
  // Provenance field by field (the newer fact wins); a field won by the merged row brings its value along.
  const prov = await combineProvenance(tx, survivor, merged, actor.at);
  moved.field_provenance = prov.taken.length;
  Object.assign(fill, prov.changes);
  Object.assign(facts, prov.facts);
  for (const f of Object.keys(fill) as (keyof PersonChanges)[]) if (fill[f] === readPersonField(survivor, f)) delete fill[f];
  for (const f of Object.keys(facts) as (keyof typeof facts)[]) if (String(facts[f]) === String(survivor[f])) delete facts[f];
  if (Object.keys(facts).length) await tx.person.update({ where: { id: survivorId }, data: { ...facts, version: { increment: 1 }, updatedAt: actor.at } });
  const details = { survivorId, mergedId, reference: actor.reference ?? null, moved, keptOnMerged };
  await applyPersonChange(tx, survivor, fill, { ...actor, details: () => ({ merge: details }) });
  await refreshCoverFlags(tx, survivorId, actor.at);
  await raiseDuplicateCover(tx, { personIds: [survivorId], source: 'merge', at: actor.at });
  await tx.person.update({ where: { id: mergedId }, data: { mergedIntoId: survivorId, mergedAt: actor.at, version: { increment: 1 }, updatedAt: actor.at } });
  const filled = [...Object.keys(fill), ...Object.keys(facts)];
  for (const targetId of [survivorId, mergedId]) {
    await recordAudit(tx, { actorType: actor.actorType, actorId: actor.actorId, source: actor.source, action: 'person.merge', targetType: 'person', targetId, at: actor.at, details: { ...details, filled } });
  }
  return { ok: true, moved, filled, keptOnMerged };
}

/** The survivor's enrolment-dependent flags (duplicate cover) after enrolments moved to it. */
async function refreshCoverFlags(tx: DbClient, personId: string, at: Date): Promise<void> {
  const p: Person = await tx.person.findUniqueOrThrow({ where: { id: personId } });
  const enrolments = await tx.enrolment.findMany({ where: { personId }, select: { insuranceType: true, status: true } });
  const flags = flagsAfter(p.flags, p, ['DUPLICATE_MEDICAL', 'DUPLICATE_PENSION'], enrolments, knownRegionFrom(new Set()));
  if (flags.join() !== p.flags.join()) await tx.person.update({ where: { id: personId }, data: { flags, updatedAt: at } });
}
