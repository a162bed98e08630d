// Merge requests (issue 17): one person under two numbers becomes a MERGE change request in the review queue,
// decided like every other request (claim, four eyes, audit); approval folds one row into the other
// (registry/person-merge.ts). Opened by staff from the console or the API, or by the candidate scan.
import type { DbClient } from '../../db/db-client';
import type { Person, Prisma } from '../../generated/prisma/client';
import { reviewDueAt } from '../calendar/working-days';
import { CHECK_WEIGHTS, isValidIdNumber, normaliseIdNumber } from '../codes/id-number';
import { maskIdNumberForStaff, maskName } from '../codes/masking';
import { isWithinRegion } from '../codes/region-scope';
import { newReference } from '../corrections/change-request.service';
import { refuse, type Refusal } from '../refusal';
import { recordAudit } from '../staff/audit.service';
import type { StaffPrincipal } from '../staff/staff.service';
import { OPEN_STATUSES } from '../vocabulary';
import { valuesOf } from './review-checks';

/** Why two rows are thought to be one person: a legacy 15-digit number and its 18-digit form, or a corrected number. */
export const MERGE_REASONS = ['ID15_TO_18', 'CORRECTED_NUMBER', 'STAFF'] as const;
export type MergeReason = (typeof MERGE_REASONS)[number];

export interface MergePair {
  survivorId: string;
  mergedId: string;
  reason: MergeReason;
}

/** The two persons of a MERGE request (from its proposed values), or null when it is not one. */
export function mergeTargets(r: { kind: string; proposedValues: Prisma.JsonValue }): { survivorId: string; mergedId: string } | null {
  if (r.kind !== 'MERGE') return null;
  const v = valuesOf(r.proposedValues);
  return v.survivorId && v.mergedId ? { survivorId: v.survivorId, mergedId: v.mergedId } : null;
}

/** An open MERGE request of the same two persons is found by this key, whichever way round. */
const subjectKeyOf = (a: string, b: string) => `merge:${[a, b].sort().join(':')}`;

export type OpenMergeResult = { ok: true; id: string; reference: string; created: boolean } | Refusal<'NOT_FOUND' | 'SAME_PERSON' | 'ALREADY_MERGED'>;

/**
 * Opens a MERGE request (or returns the open one for the same two persons). A staff member opens it only for
 * persons of their region (NOT_FOUND otherwise, audited) and may not approve it themselves (four eyes).
 */
export async function openMergeRequest(
  db: DbClient,
  pair: MergePair,
  ctx: { staff?: StaffPrincipal; source: string; now: Date; holidays?: readonly string[] },
): Promise<OpenMergeResult> {
  if (pair.survivorId === pair.mergedId) return refuse('SAME_PERSON', 'Choose two different persons.');
  const persons = await db.person.findMany({ where: { id: { in: [pair.survivorId, pair.mergedId] } } });
  const survivor = persons.find((p) => p.id === pair.survivorId);
  const merged = persons.find((p) => p.id === pair.mergedId);
  const actor = ctx.staff ? { actorType: 'STAFF' as const, actorId: ctx.staff.id } : { actorType: 'SYSTEM' as const, actorId: null };
  if (!survivor || !merged || (ctx.staff && !(isWithinRegion(ctx.staff.regionCode, survivor.regionCode) && isWithinRegion(ctx.staff.regionCode, merged.regionCode)))) {
    await recordAudit(db, { ...actor, source: ctx.source, action: 'merge_request.open', targetType: 'person', targetId: pair.mergedId, outcome: 'DENIED', at: ctx.now, details: { survivorId: pair.survivorId, reason: survivor && merged ? 'out_of_region' : 'not_found' } });
    return refuse('NOT_FOUND', 'No such person in your region.');
  }
  if (survivor.mergedIntoId || merged.mergedIntoId) return refuse('ALREADY_MERGED', 'One of the two persons has already been merged.');
  const subjectKey = subjectKeyOf(survivor.id, merged.id);
  const open = await db.changeRequest.findFirst({ where: { kind: 'MERGE', subjectKey, status: { in: [...OPEN_STATUSES] } }, select: { id: true, reference: true } });
  if (open) return { ok: true, id: open.id, reference: open.reference, created: false };
  const row = await db.changeRequest.create({
    data: {
      reference: newReference(ctx.now),
      kind: 'MERGE',
      personId: merged.id,
      fields: ['merge'],
      currentValues: { reason: pair.reason },
      proposedValues: { survivorId: survivor.id, mergedId: merged.id },
      subjectKey,
      regionCode: survivor.regionCode ?? merged.regionCode,
      channel: ctx.source,
      submittedByStaff: ctx.staff?.id ?? null,
      dueAt: reviewDueAt(ctx.now, ctx.holidays ?? []),
      createdAt: ctx.now,
    },
  });
  await recordAudit(db, { ...actor, source: ctx.source, action: 'merge_request.open', targetType: 'change_request', targetId: row.id, at: ctx.now, details: { reference: row.reference, survivorId: survivor.id, mergedId: merged.id, reason: pair.reason } });
  return { ok: true, id: row.id, reference: row.reference, created: true };
}

type Candidate = Pick<Person, 'id' | 'idNumber' | 'registrationStatus' | 'createdAt'>;

/** Which of two rows of one person survives: a valid 18-digit number, then a confirmed record, then the older row. */
function survivorOf(a: Candidate, b: Candidate): [Candidate, Candidate] {
  const score = (p: Candidate) => [p.idNumber.length === 18 && isValidIdNumber(p.idNumber) ? 1 : 0, p.registrationStatus === 'CONFIRMED' ? 1 : 0, -p.createdAt.getTime()];
  const [sa, sb] = [score(a), score(b)];
  for (let i = 0; i < sa.length; i++) if (sa[i] !== sb[i]) return (sa[i] ?? 0) > (sb[i] ?? 0) ? [a, b] : [b, a];
  return a.id < b.id ? [a, b] : [b, a];
}

const CANDIDATE_COLUMNS = { id: true, idNumber: true, registrationStatus: true, createdAt: true } as const;

/** SQL: the 18-character form of a 15-digit number held in `col` (century 19, check character computed in SQL). */
function id18Sql(col: string): string {
  const first17 = `left(${col}, 6) || '19' || substr(${col}, 7)`;
  const sum = CHECK_WEIGHTS.map((w, i) => `substr(${first17}, ${i + 1}, 1)::int * ${w}`).join(' + ');
  return `${first17} || substr('10X98765432', (${sum}) % 11 + 1, 1)`;
}

/**
 * The 15-digit pass, one statement: every legacy number (15 digits) not merged, joined with its 18-digit form
 * (computed in SQL, the same rule as normaliseIdNumber) through the unique index on id_number.
 */
export const LEGACY_TWINS_SQL = `SELECT t.id AS survivor, l.id AS merged FROM person l JOIN person t ON t.id_number = ${id18Sql('l.id_number')}
  WHERE length(l.id_number) = 15 AND l.id_number ~ '^[0-9]{15}$' AND l.merged_into_id IS NULL AND t.merged_into_id IS NULL`;

/**
 * The corrected-number pass: two 18-character numbers of one name and birth date whose first 14 characters
 * (region and birth date) agree, so they differ only in the sequence and check characters. A hash join on
 * (name, birth date, first 14 characters) of the persons not merged.
 */
export const CORRECTED_PAIRS_SQL = `SELECT a.id AS a, b.id AS b FROM person a JOIN person b
    ON b.name = a.name AND b.birth_date = a.birth_date AND left(b.id_number, 14) = left(a.id_number, 14) AND b.id_number > a.id_number
  WHERE length(a.id_number) = 18 AND length(b.id_number) = 18 AND a.merged_into_id IS NULL AND b.merged_into_id IS NULL`;

/**
 * Candidate pairs among the persons not yet merged: a 15-digit number whose 18-digit form is on record, and
 * two numbers of the same name, region and birth date (the first 14 characters) that differ only in the
 * sequence and check characters (a corrected number). Two set-based statements, whatever the registry's size.
 */
export async function findMergeCandidates(db: DbClient): Promise<MergePair[]> {
  const legacy = await db.$queryRawUnsafe<{ survivor: string; merged: string }[]>(LEGACY_TWINS_SQL);
  const pairs: MergePair[] = legacy.map((l) => ({ survivorId: l.survivor, mergedId: l.merged, reason: 'ID15_TO_18' }));
  const corrected = await db.$queryRawUnsafe<{ a: string; b: string }[]>(CORRECTED_PAIRS_SQL);
  const ids = corrected.flatMap((c) => [c.a, c.b]);
  const rows = ids.length ? await db.person.findMany({ where: { id: { in: ids } }, select: CANDIDATE_COLUMNS }) : [];
  const byId = new Map(rows.map((r) => [r.id, r]));
  for (const c of corrected) {
    const [s, m] = survivorOf(byId.get(c.a)!, byId.get(c.b)!);
    pairs.push({ survivorId: s.id, mergedId: m.id, reason: 'CORRECTED_NUMBER' });
  }
  return pairs;
}

/** The candidate scan: opens a MERGE request for every candidate pair without one; idempotent. */
export async function openMergeCandidates(db: DbClient, ctx: { source: string; now: Date; holidays?: readonly string[] }): Promise<{ found: number; opened: number }> {
  const pairs = await findMergeCandidates(db);
  let opened = 0;
  for (const p of pairs) {
    const r = await openMergeRequest(db, p, ctx);
    if (r.ok && r.created) opened++;
  }
  return { found: pairs.length, opened };
}

/** One side of a merge as the reviewer compares it (masked unless revealed). */
export interface MergeSide {
  id: string;
  idNumber: string;
  name: string;
  sex: string | null;
  birthDate: string | null;
  regionCode: string | null;
  registrationStatus: string;
  mergedIntoId: string | null;
  enrolments: { insuranceType: string; status: string; firstEnrolled: string | null; lastPaidMonth: string | null }[];
}

export interface MergeView {
  reason: string;
  survivor: MergeSide | null;
  merged: MergeSide | null;
}

/** Both persons of a MERGE request side by side, with their enrolments (null for other kinds). */
export async function mergeView(db: DbClient, r: { kind: string; proposedValues: Prisma.JsonValue; currentValues: Prisma.JsonValue }, reveal: boolean): Promise<MergeView | null> {
  const t = mergeTargets(r);
  if (!t) return null;
  const rows = await db.person.findMany({ where: { id: { in: [t.survivorId, t.mergedId] } }, include: { enrolments: { orderBy: { insuranceType: 'asc' } } } });
  const side = (id: string): MergeSide | null => {
    const p = rows.find((x) => x.id === id);
    if (!p) return null;
    return {
      id: p.id,
      idNumber: reveal ? p.idNumber : maskIdNumberForStaff(p.idNumber),
      name: reveal ? p.name : maskName(p.name),
      sex: p.sex,
      birthDate: p.birthDate?.toISOString().slice(0, 10) ?? null,
      regionCode: p.regionCode,
      registrationStatus: p.registrationStatus,
      mergedIntoId: p.mergedIntoId,
      enrolments: p.enrolments.map((e) => ({ insuranceType: e.insuranceType, status: e.status, firstEnrolled: e.firstEnrolled?.toISOString().slice(0, 10) ?? null, lastPaidMonth: e.lastPaidMonth })),
    };
  };
  return { reason: valuesOf(r.currentValues).reason ?? 'STAFF', survivor: side(t.survivorId), merged: side(t.mergedId) };
}

/** A person by the number as typed: the exact stored number first (a legacy 15-digit row), else its normalised form. */
async function personByNumber(db: DbClient, raw: string): Promise<string | null> {
  const typed = raw.trim().toUpperCase();
  const exact = await db.person.findUnique({ where: { idNumber: typed }, select: { id: true } });
  if (exact) return exact.id;
  return (await db.person.findUnique({ where: { idNumber: normaliseIdNumber(typed) }, select: { id: true } }))?.id ?? null;
}

/** Staff open a merge from the console by the two ID numbers: the one to keep and the one to fold into it. */
export async function openMergeRequestByNumbers(
  db: DbClient,
  numbers: { keepIdNumber: string; mergeIdNumber: string },
  ctx: { staff: StaffPrincipal; source: string; now: Date; holidays?: readonly string[] },
): Promise<OpenMergeResult> {
  const [survivorId, mergedId] = await Promise.all([personByNumber(db, numbers.keepIdNumber), personByNumber(db, numbers.mergeIdNumber)]);
  // A number not on record is refused like one outside the region (audited by openMergeRequest).
  return openMergeRequest(db, { survivorId: survivorId ?? '00000000-0000-0000-0000-000000000000', mergedId: mergedId ?? '00000000-0000-0000-0000-000000000001', reason: 'STAFF' }, ctx);
}
