import type { DbClient } from '../../db/db-client';
import { createChangeRequest, dueDateOf } from './change-request.service';
import { OPEN_STATUSES } from '../vocabulary';
import { RefusalError } from '../refusal';
import { parseIdNumber } from '../codes/id-number';
import { maskIdNumber, maskName } from '../codes/masking';
import { cleanText } from '../registry/person-fields';
import { NEWBORN_LEAD, type HouseholdView, type MemberCheckResult, type ReportMemberInput, type ReportMemberResult, type ReportNewbornInput } from '../ports';

/**
 * "No person missed in a household" (户不漏人): a verified resident sees the members of their household on
 * record (masked) and reports a missing one, which becomes a NEW_PERSON change request for the reviewers.
 */

/** The members of the person's household on record, masked; empty when the person has no household. */
export async function getHouseholdView(db: DbClient, personId: string): Promise<HouseholdView> {
  const p = await db.person.findUniqueOrThrow({ where: { id: personId }, select: { householdId: true } });
  const newborns = await openNewborns(db, personId, p.householdId);
  if (!p.householdId) return { hasHousehold: false, members: [], newborns };
  const members = await db.person.findMany({
    where: { householdId: p.householdId },
    select: { name: true, idNumber: true },
    orderBy: { idNumber: 'asc' },
  });
  return { hasHousehold: true, members: members.map((m) => ({ maskedName: maskName(m.name), maskedIdNumber: maskIdNumber(m.idNumber) })), newborns };
}

/** The open newborn leads of the household (or reported by the person): masked name (none yet) and birth date. */
async function openNewborns(db: DbClient, personId: string, householdId: string | null): Promise<NonNullable<HouseholdView['newborns']>> {
  const leads = await db.changeRequest.findMany({
    where: {
      kind: 'NEW_PERSON',
      status: { in: [...OPEN_STATUSES] },
      currentValues: { path: ['lead'], equals: NEWBORN_LEAD },
      OR: [...(householdId ? [{ householdId }] : []), { currentValues: { path: ['reportedBy'], equals: personId } }],
    },
    select: { proposedValues: true },
    orderBy: { createdAt: 'asc' },
  });
  return leads.map((l) => {
    const v = (l.proposedValues ?? {}) as { name?: string | null; birthDate?: string };
    return { maskedName: v.name ? maskName(v.name) : null, birthDate: v.birthDate ?? '' };
  });
}

function normalise(idNumber: string): string {
  const r = parseIdNumber(idNumber);
  if (!r.ok) throw new RefusalError('INVALID_ID_NUMBER', 'invalid ID number');
  return r.idNumber;
}

type Reporter = { id: string; householdId: string | null; regionCode: string | null };

const reporterOf = (db: DbClient, personId: string): Promise<Reporter> =>
  db.person.findUniqueOrThrow({ where: { id: personId }, select: { id: true, householdId: true, regionCode: true } });

/** Where a person on record outside the reporter's household is (for the reviewer, never for the reporter). */
type OnRecordElsewhere = 'OTHER_HOUSEHOLD' | 'NO_HOUSEHOLD';

/** What the registry and the open reports say about a reported ID number, split by what the reporter may know. */
interface Lookup {
  /** A member of the reporter's own household (or the reporter): they see them in the household list anyway. */
  inHousehold: boolean;
  /** An open report of the same number by the reporter's own household (or by the reporter): its reference. */
  ownReport: string | null;
  /** On record, but not in the reporter's household: for the reviewer only. */
  onRecord: OnRecordElsewhere | null;
  /** Open reports of the same number by other households: for the reviewer only. */
  otherReports: string[];
}

async function lookup(db: DbClient, reporter: Reporter, idNumber: string): Promise<Lookup> {
  const known = await db.person.findUnique({ where: { idNumber }, select: { id: true, householdId: true } });
  const open = await db.changeRequest.findMany({
    where: { kind: 'NEW_PERSON', subjectKey: idNumber, status: { in: [...OPEN_STATUSES] } },
    orderBy: { createdAt: 'asc' },
    select: { reference: true, householdId: true, currentValues: true },
  });
  const ownHousehold = (householdId: string | null) => reporter.householdId !== null && householdId === reporter.householdId;
  const inHousehold = !!known && (known.id === reporter.id || ownHousehold(known.householdId));
  const own = (r: (typeof open)[number]) => ownHousehold(r.householdId) || (r.currentValues as { reportedBy?: unknown } | null)?.reportedBy === reporter.id;
  return {
    inHousehold,
    ownReport: open.find(own)?.reference ?? null,
    onRecord: known && !inHousehold ? (known.householdId ? 'OTHER_HOUSEHOLD' : 'NO_HOUSEHOLD') : null,
    otherReports: open.filter((r) => !own(r)).map((r) => r.reference),
  };
}

/**
 * Whether a reported ID number needs a report, as far as the reporter may be told (户不漏人): a member of their
 * own household is said to be one, a report already made by their own household is named by its reference.
 * Anything else is NEW, whether or not the number is on record elsewhere or reported by another household: the
 * answer must not tell a resident what the registry holds outside their household (no enumeration). The
 * reviewer learns it from the request (reportMissingMember) and the review checks.
 */
export async function checkMissingMember(db: DbClient, input: { personId: string; idNumber: string }): Promise<MemberCheckResult> {
  const idNumber = normalise(input.idNumber);
  const maskedIdNumber = maskIdNumber(idNumber);
  const found = await lookup(db, await reporterOf(db, input.personId), idNumber);
  if (found.inHousehold) return { status: 'IN_HOUSEHOLD', maskedIdNumber };
  if (found.ownReport) return { status: 'ALREADY_REPORTED', reference: found.ownReport, maskedIdNumber };
  return { status: 'NEW', maskedIdNumber };
}

export interface ReportContext {
  channel: string;
  conversationId?: string | null;
  now: Date;
  holidays?: readonly string[];
}

/**
 * Where a reported person's request belongs: the reporter's household (or, without one, the reporter), their
 * region, and the channel it came from.
 */
function reportedBy(reporter: Reporter, ctx: ReportContext) {
  return {
    personId: reporter.householdId ? null : reporter.id,
    householdId: reporter.householdId,
    regionCode: reporter.regionCode,
    channel: ctx.channel,
    conversationId: ctx.conversationId ?? null,
    now: ctx.now,
    ...(ctx.holidays ? { holidays: ctx.holidays } : {}),
  };
}

/**
 * Reports a household member missing from the registry: one NEW_PERSON change request (proposed ID number,
 * name, relationship, and the sex and birth date the ID number encodes), for the reporter's household and
 * routed to the reporter's region. Without a household on record the request carries the reporter's person
 * id instead. A member of the reporter's own household, or a person their household has already reported
 * (awaiting review), is not reported again. A person on record elsewhere or reported by another household is
 * reported like anyone else (the reporter is told nothing about them); the request carries it for the reviewer:
 * currentValues.onRecord (OTHER_HOUSEHOLD or NO_HOUSEHOLD) and currentValues.otherReports (their references).
 */
export async function reportMissingMember(db: DbClient, input: ReportMemberInput, ctx: ReportContext): Promise<ReportMemberResult> {
  const id = parseIdNumber(input.idNumber);
  if (!id.ok) throw new RefusalError('INVALID_ID_NUMBER', 'invalid ID number');
  const reporter = await reporterOf(db, input.personId);
  const found = await lookup(db, reporter, id.idNumber);
  const maskedIdNumber = maskIdNumber(id.idNumber);
  if (found.inHousehold) return { outcome: 'IN_HOUSEHOLD', maskedIdNumber };
  if (found.ownReport) return { outcome: 'ALREADY_REPORTED', reference: found.ownReport, maskedIdNumber };
  const row = await createChangeRequest(
    db,
    {
      kind: 'NEW_PERSON',
      ...reportedBy(reporter, ctx),
      fields: ['idNumber', 'name', 'relationship', 'sex', 'birthDate'],
      currentValues: {
        reportedBy: reporter.id,
        ...(found.onRecord ? { onRecord: found.onRecord } : {}),
        ...(found.otherReports.length ? { otherReports: found.otherReports } : {}),
      },
      proposedValues: { idNumber: id.idNumber, name: cleanText(input.name), relationship: input.relationship, sex: id.sex, birthDate: id.birthDate },
      subjectKey: id.idNumber,
    },
    reporter.id,
  );
  return { outcome: 'CREATED', reference: row.reference, dueDate: dueDateOf(row.dueAt) };
}

/**
 * A newborn not yet registered at the police station (no ID number): one NEW_PERSON request with the name (empty
 * when the baby has none yet, as in a birth-certificate lead), birth date and relationship only, marked as a lead
 * (currentValues.lead). Reviewers cannot approve it into a person (there is no number); they ask the family
 * (e.g. once 落户 is done) or close it with a reason.
 */
export async function reportNewborn(db: DbClient, input: ReportNewbornInput, ctx: ReportContext): Promise<{ reference: string; dueDate: string }> {
  const reporter = await reporterOf(db, input.personId);
  const name = cleanText(input.name);
  // The same newborn reported again (or the turn re-run) while the lead is open: the same lead.
  const open = await db.changeRequest.findFirst({
    where: {
      kind: 'NEW_PERSON',
      status: { in: [...OPEN_STATUSES] },
      AND: [
        { currentValues: { path: ['reportedBy'], equals: reporter.id } },
        { currentValues: { path: ['lead'], equals: NEWBORN_LEAD } },
        { proposedValues: { path: ['name'], equals: name } },
        { proposedValues: { path: ['birthDate'], equals: input.birthDate } },
      ],
    },
  });
  if (open) return { reference: open.reference, dueDate: dueDateOf(open.dueAt) };
  const row = await createChangeRequest(
    db,
    {
      kind: 'NEW_PERSON',
      ...reportedBy(reporter, ctx),
      fields: ['name', 'birthDate', 'relationship'],
      currentValues: { reportedBy: reporter.id, lead: NEWBORN_LEAD },
      proposedValues: { name, birthDate: input.birthDate, relationship: input.relationship },
      subjectKey: null,
    },
    reporter.id,
  );
  return { reference: row.reference, dueDate: dueDateOf(row.dueAt) };
}
