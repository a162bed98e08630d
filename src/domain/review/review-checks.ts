import type { DbClient } from '../../db/db-client';
import type { ChangeRequest, Person, Prisma } from '../../generated/prisma/client';
import { parseIdNumber } from '../codes/id-number';
import { MEDICAL_TYPES, PENSION_TYPES } from '../codes/insurance';
import { isWithinRegion } from '../codes/region-scope';
import { NEWBORN_LEAD } from '../ports';
import type { StaffPrincipal } from '../staff/staff.service';
import { parsePersonField, PERSON_FIELD_NAMES, PERSON_FIELDS, readPersonField, type PersonField, type RequestField } from '../registry/person-fields';
import { OPEN_STATUSES } from '../vocabulary';

// ---------------------------------------------------------------- the fields a request can change

/** A value as stored in a request's currentValues / proposedValues: a string, or null for "not on record". */
export type FieldValue = string | null;

type Parsed = { ok: true; value: FieldValue } | { ok: false };

export interface FieldSpec {
  /** The person's value on record, in the same string form as the frozen values (dates YYYY-MM-DD). */
  read(p: Person): FieldValue;
  /** Validates a proposed value by the field's one rule (registry/person-fields.ts). */
  parse(v: FieldValue, today: Date): Parsed;
  /** Part of the person record (false for facts only recorded on the request, like a relationship). */
  writable: boolean;
}

const fromTable = (field: PersonField): FieldSpec => ({
  read: (p) => readPersonField(p, field),
  parse: (v, today) => {
    const r = parsePersonField(field, v, { today });
    return r.ok ? { ok: true, value: r.value } : { ok: false };
  },
  writable: true,
});

/** NEW_PERSON only: how the reported person relates to the reporter (up to 20 characters, or none). */
const relationship: FieldSpec = {
  read: () => null,
  parse: (v) => (v === null || v.trim() === '' ? { ok: true, value: null } : [...v.trim()].length <= 20 ? { ok: true, value: v.trim() } : { ok: false }),
  writable: false,
};

/**
 * Every field a change request may name: the person fields a request may change (the view of the person field
 * table: read from the record, checked by the same rule as in the chat; staff screens mask them with
 * maskFieldForStaff) and the relationship of a reported new person. One table, so the review screen, the
 * checks and the apply step agree.
 */
const FIELDS = {
  ...(Object.fromEntries(PERSON_FIELD_NAMES.filter((f) => PERSON_FIELDS[f].request).map((f) => [f, fromTable(f)])) as Record<RequestField, FieldSpec>),
  relationship,
};

export type ReviewField = keyof typeof FIELDS;
export const REVIEW_FIELDS: Readonly<Record<ReviewField, FieldSpec>> = FIELDS;
export const isReviewField = (f: string): f is ReviewField => Object.hasOwn(REVIEW_FIELDS, f);

/** Fields whose change needs two different reviewers (four eyes). */
export const FOUR_EYES_FIELDS: readonly ReviewField[] = ['idNumber', 'name'];
/** Fields whose change may be approved in a batch (nothing else in the request, no warnings). */
export const LOW_RISK_FIELDS: readonly ReviewField[] = ['hukouAddress', 'residenceAddress'];
const REGION_FIELDS: readonly ReviewField[] = ['hukouRegion', 'residenceRegion'];

/** A request's frozen JSON values as a map of strings or null. */
export function valuesOf(json: Prisma.JsonValue | null | undefined): Record<string, FieldValue> {
  if (!json || typeof json !== 'object' || Array.isArray(json)) return {};
  const out: Record<string, FieldValue> = {};
  for (const [k, v] of Object.entries(json)) {
    out[k] = v === null || v === undefined ? null : typeof v === 'object' ? JSON.stringify(v) : String(v);
  }
  return out;
}

/** Two values are the same when equal after trimming; '' and null both mean "not on record". */
export function sameValue(a: FieldValue | undefined, b: FieldValue | undefined): boolean {
  const n = (v: FieldValue | undefined) => (v === null || v === undefined || v.trim() === '' ? null : v.trim());
  return n(a) === n(b);
}

/** Does the request need two reviewers? */
export function needsFourEyes(r: Pick<ChangeRequest, 'kind' | 'fields'>): boolean {
  // A merge folds one person into another: always two reviewers.
  if (r.kind === 'MERGE') return true;
  return r.kind === 'FIELD_CHANGE' && r.fields.some((f) => (FOUR_EYES_FIELDS as readonly string[]).includes(f));
}

/** May the request be approved in a batch (kind and fields only; its checks must also be clean)? */
export function isLowRiskKind(r: Pick<ChangeRequest, 'kind' | 'fields'>): boolean {
  return r.kind === 'FIELD_CHANGE' && r.fields.length > 0 && r.fields.every((f) => (LOW_RISK_FIELDS as readonly string[]).includes(f));
}

// ---------------------------------------------------------------- checks

/**
 * error: approval is refused. conflict: the record changed since submission; approval needs force.
 * warning: the reviewer should look (batch approval refuses it). info: context.
 */
export type CheckSeverity = 'error' | 'conflict' | 'warning' | 'info';

export type CheckCode =
  | 'PERSON_MISSING'
  | 'HOUSEHOLD_MISSING'
  | 'NO_HOUSEHOLD'
  | 'UNKNOWN_FIELD'
  | 'INVALID_VALUE'
  | 'ID_NUMBER_INVALID'
  | 'NEWBORN_WITHOUT_ID'
  | 'ID_NUMBER_TAKEN'
  | 'PERSON_EXISTS'
  | 'SEX_MISMATCH'
  | 'BIRTH_DATE_MISMATCH'
  | 'FIELD_CHANGED'
  | 'NO_CHANGE'
  | 'OTHER_OPEN_REQUEST'
  | 'OTHER_OPEN_REQUEST_SAME_FIELD'
  | 'DUPLICATE_SUBJECT'
  | 'DUPLICATE_MEDICAL'
  | 'DUPLICATE_PENSION'
  | 'UNKNOWN_REGION'
  | 'REGION_OUT_OF_SCOPE'
  | 'SUBMITTED_BY_YOU'
  | 'NEEDS_SECOND_APPROVAL'
  | 'AWAITING_SECOND_APPROVAL'
  | 'FIRST_APPROVAL_BY_YOU'
  | 'ALREADY_MERGED'
  | 'MERGE_NAME_DIFFERS'
  | 'MERGE_ENROLMENT_OVERLAP';

export interface ReviewCheck {
  code: CheckCode;
  severity: CheckSeverity;
  field?: string;
  /** Never a full ID number or phone: references, codes, counts. */
  params?: Record<string, string | number | boolean>;
}

/** The request as the checks need it. */
export type CheckedRequest = Pick<
  ChangeRequest,
  'id' | 'kind' | 'personId' | 'householdId' | 'fields' | 'currentValues' | 'proposedValues' | 'subjectKey' | 'regionCode' | 'submittedByStaff' | 'firstApprovalBy'
>;

export interface CheckContext {
  principal: StaffPrincipal;
  now: Date;
}

/** Sex and birth date a valid ID number encodes, compared with the values a person would have. */
function consistencyChecks(idNumber: FieldValue, sex: FieldValue, birthDate: FieldValue, today: Date, field: string): ReviewCheck[] {
  if (!idNumber) return [];
  const parsed = parseIdNumber(idNumber, { today });
  if (!parsed.ok) return [];
  const out: ReviewCheck[] = [];
  if (sex && sex !== parsed.sex) out.push({ code: 'SEX_MISMATCH', severity: 'warning', field, params: { fromIdNumber: parsed.sex } });
  if (birthDate && birthDate !== parsed.birthDate) out.push({ code: 'BIRTH_DATE_MISMATCH', severity: 'warning', field });
  return out;
}

async function knownRegions(db: DbClient, codes: string[]): Promise<Set<string>> {
  if (!codes.length) return new Set();
  const rows = await db.region.findMany({ where: { code: { in: codes } }, select: { code: true } });
  return new Set(rows.map((r) => r.code));
}

/** Checks that depend on who looks: four eyes and self-submission. */
function reviewerChecks(r: CheckedRequest, ctx: CheckContext): ReviewCheck[] {
  const out: ReviewCheck[] = [];
  if (r.submittedByStaff && r.submittedByStaff === ctx.principal.id) out.push({ code: 'SUBMITTED_BY_YOU', severity: 'error' });
  if (needsFourEyes(r)) {
    if (!r.firstApprovalBy) out.push({ code: 'NEEDS_SECOND_APPROVAL', severity: 'info' });
    else if (r.firstApprovalBy === ctx.principal.id) out.push({ code: 'FIRST_APPROVAL_BY_YOU', severity: 'info' });
    else out.push({ code: 'AWAITING_SECOND_APPROVAL', severity: 'info' });
  }
  return out;
}

/** A household id compared with the request's: the same household, another one, or none on record. */
function householdRelation(r: CheckedRequest, householdId: string | null): 'SAME' | 'OTHER' | 'NONE' {
  if (!householdId) return 'NONE';
  return householdId === r.householdId ? 'SAME' : 'OTHER';
}

async function newPersonChecks(db: DbClient, r: CheckedRequest, ctx: CheckContext): Promise<ReviewCheck[]> {
  const out: ReviewCheck[] = [];
  const proposed = valuesOf(r.proposedValues);
  const parsed = parseIdNumber(proposed.idNumber ?? '', { today: ctx.now });
  const isLead = !proposed.idNumber && valuesOf(r.currentValues).lead === NEWBORN_LEAD;
  if (isLead) {
    // A lead, not a person yet: the family is to register the birth first (ask them, or close it with a reason).
    out.push({ code: 'NEWBORN_WITHOUT_ID', severity: 'error', field: 'idNumber' });
  } else if (!parsed.ok) {
    out.push({ code: 'ID_NUMBER_INVALID', severity: 'error', field: 'idNumber', params: { reason: parsed.error } });
  } else {
    out.push(...consistencyChecks(parsed.idNumber, proposed.sex ?? null, proposed.birthDate ?? null, ctx.now, 'idNumber'));
    const holder = await db.person.findUnique({ where: { idNumber: parsed.idNumber }, select: { householdId: true } });
    // Where the person is on record: a resident reporting someone of another household (or of none) is not told
    // so in chat (no enumeration), so the reviewer sorts it out and must not reveal it either.
    if (holder) out.push({ code: 'PERSON_EXISTS', severity: 'error', field: 'idNumber', params: { household: householdRelation(r, holder.householdId) } });
  }
  // A newborn lead may have no name yet (as the household list shows it): nothing to check then.
  const unnamedLead = isLead && !proposed.name?.trim();
  if (!unnamedLead && !REVIEW_FIELDS.name.parse(proposed.name ?? null, ctx.now).ok) out.push({ code: 'INVALID_VALUE', severity: 'error', field: 'name' });
  for (const f of ['sex', 'birthDate', 'relationship'] as const) {
    // A newborn lead has no sex on record (the ID number would give it).
    if (f === 'sex' && !proposed.idNumber) continue;
    if (!REVIEW_FIELDS[f].parse(proposed[f] ?? null, ctx.now).ok) out.push({ code: 'INVALID_VALUE', severity: 'error', field: f });
  }
  const subject = r.subjectKey ?? (parsed.ok ? parsed.idNumber : null);
  if (subject) {
    const twins = await db.changeRequest.findMany({
      where: { subjectKey: subject, kind: 'NEW_PERSON', id: { not: r.id }, status: { not: 'REJECTED' } },
      select: { reference: true, status: true, householdId: true, personId: true },
      orderBy: { createdAt: 'asc' },
      take: 5,
    });
    for (const t of twins) {
      // Reported by the same household (or the same person without one), or by another one (the reporter was not told).
      const same = r.householdId ? t.householdId === r.householdId : !!t.personId && t.personId === r.personId;
      out.push({ code: 'DUPLICATE_SUBJECT', severity: 'warning', params: { reference: t.reference, status: t.status, household: same ? 'SAME' : 'OTHER' } });
    }
  }
  if (!r.householdId) {
    out.push({ code: 'NO_HOUSEHOLD', severity: 'warning' });
  } else {
    const h = await db.household.findUnique({ where: { id: r.householdId }, select: { regionCode: true } });
    if (!h) out.push({ code: 'HOUSEHOLD_MISSING', severity: 'error' });
    else if (h.regionCode && !isWithinRegion(ctx.principal.regionCode, h.regionCode)) {
      out.push({ code: 'REGION_OUT_OF_SCOPE', severity: 'warning', params: { region: h.regionCode } });
    }
  }
  return out;
}

async function fieldChangeChecks(db: DbClient, r: CheckedRequest, person: Person | null, ctx: CheckContext): Promise<ReviewCheck[]> {
  if (!person) return [{ code: 'PERSON_MISSING', severity: 'error' }];
  const out: ReviewCheck[] = [];
  const frozen = valuesOf(r.currentValues);
  const proposed = valuesOf(r.proposedValues);
  const after: Record<string, FieldValue> = {};

  for (const field of r.fields) {
    if (!isReviewField(field) || !REVIEW_FIELDS[field].writable) {
      out.push({ code: 'UNKNOWN_FIELD', severity: 'error', field });
      continue;
    }
    const spec: FieldSpec = REVIEW_FIELDS[field];
    const parsed = spec.parse(proposed[field] ?? null, ctx.now);
    if (!parsed.ok) {
      const reason = field === 'idNumber' ? parseIdNumber(proposed[field] ?? '', { today: ctx.now }) : null;
      out.push(
        field === 'idNumber'
          ? { code: 'ID_NUMBER_INVALID', severity: 'error', field, ...(reason && !reason.ok ? { params: { reason: reason.error } } : {}) }
          : { code: 'INVALID_VALUE', severity: 'error', field },
      );
      continue;
    }
    after[field] = parsed.value;
    const onRecord = spec.read(person);
    if (field in frozen && !sameValue(onRecord, frozen[field])) out.push({ code: 'FIELD_CHANGED', severity: 'conflict', field });
    if (sameValue(onRecord, parsed.value)) out.push({ code: 'NO_CHANGE', severity: 'info', field });
  }

  // Sex and birth date are encoded in the ID number: the record after the change must agree with itself.
  if (['idNumber', 'sex', 'birthDate'].some((f) => f in after)) {
    const idAfter = after.idNumber ?? person.idNumber;
    const sexAfter = 'sex' in after ? (after.sex ?? null) : person.sex;
    const birthAfter = 'birthDate' in after ? (after.birthDate ?? null) : readPersonField(person, 'birthDate');
    const field = r.fields.find((f) => ['idNumber', 'sex', 'birthDate'].includes(f)) ?? 'idNumber';
    out.push(...consistencyChecks(idAfter, sexAfter, birthAfter, ctx.now, field));
  }

  const paying = await db.enrolment.findMany({ where: { personId: person.id, status: 'PAYING' }, select: { insuranceType: true } });
  const own = paying.map((e) => e.insuranceType);
  if (after.idNumber && after.idNumber !== person.idNumber) {
    const holder = await db.person.findUnique({
      where: { idNumber: after.idNumber },
      select: { id: true, enrolments: { where: { status: 'PAYING' }, select: { insuranceType: true } } },
    });
    if (holder) {
      out.push({ code: 'ID_NUMBER_TAKEN', severity: 'error', field: 'idNumber' });
      // Both records would be one person: every paying enrolment of either counts (the same type twice is a
      // double payment, a resident and an employee scheme together a duplicate enrolment).
      const merged = [...own, ...holder.enrolments.map((e) => e.insuranceType)];
      if (merged.filter((t) => MEDICAL_TYPES.includes(t)).length > 1)
        out.push({ code: 'DUPLICATE_MEDICAL', severity: 'warning', field: 'idNumber', params: { reason: 'merge' } });
      if (merged.filter((t) => PENSION_TYPES.includes(t)).length > 1)
        out.push({ code: 'DUPLICATE_PENSION', severity: 'warning', field: 'idNumber', params: { reason: 'merge' } });
    }
  }
  // Employment by a unit brings employee insurance (310 medical, 110 pension) on top of resident schemes.
  if (after.employmentStatus === 'EMPLOYED' && person.employmentStatus !== 'EMPLOYED') {
    if (own.includes('390') && !own.includes('310'))
      out.push({ code: 'DUPLICATE_MEDICAL', severity: 'warning', field: 'employmentStatus', params: { reason: 'employee_insurance', paying: '390' } });
    if (own.includes('170') && !own.includes('110') && !own.includes('120'))
      out.push({ code: 'DUPLICATE_PENSION', severity: 'warning', field: 'employmentStatus', params: { reason: 'employee_insurance', paying: '170' } });
  }

  const regionValues = REGION_FIELDS.flatMap((f) => (after[f] ? [{ field: f, code: after[f] }] : []));
  if (regionValues.length) {
    const known = await knownRegions(db, regionValues.map((v) => v.code));
    for (const v of regionValues) {
      if (!known.has(v.code)) out.push({ code: 'UNKNOWN_REGION', severity: 'error', field: v.field, params: { region: v.code } });
      else if (!isWithinRegion(ctx.principal.regionCode, v.code))
        out.push({ code: 'REGION_OUT_OF_SCOPE', severity: 'warning', field: v.field, params: { region: v.code } });
    }
  }

  const others = await db.changeRequest.findMany({
    where: { personId: person.id, id: { not: r.id }, status: { in: [...OPEN_STATUSES] } },
    select: { reference: true, fields: true },
    orderBy: { createdAt: 'asc' },
    take: 10,
  });
  for (const o of others) {
    const same = o.fields.some((f) => r.fields.includes(f));
    out.push({
      code: same ? 'OTHER_OPEN_REQUEST_SAME_FIELD' : 'OTHER_OPEN_REQUEST',
      severity: 'warning',
      params: { reference: o.reference, fields: o.fields.join(',') },
    });
  }
  return out;
}

/**
 * The automatic checks of a change request, for the reviewer `ctx.principal`: ID-number validity and
 * sex/birth-date consistency, values changed on record since submission (conflict), other open requests for
 * the same person or field, the same new person reported twice, duplicate medical or pension enrolment a
 * change would create, regions outside the reviewer's scope, four eyes. Reads only.
 */
export async function runChecks(db: DbClient, r: CheckedRequest, person: Person | null, ctx: CheckContext): Promise<ReviewCheck[]> {
  const own = r.kind === 'NEW_PERSON' ? await newPersonChecks(db, r, ctx) : r.kind === 'MERGE' ? await mergeChecks(db, r) : await fieldChangeChecks(db, r, person, ctx);
  return [...reviewerChecks(r, ctx), ...own];
}

/** A merge: both persons still there and unmerged (error), a different name, enrolments of the same type on both. */
async function mergeChecks(db: DbClient, r: CheckedRequest): Promise<ReviewCheck[]> {
  const v = valuesOf(r.proposedValues);
  const ids = [v.survivorId ?? '', v.mergedId ?? ''].filter((id) => /^[0-9a-f-]{36}$/i.test(id));
  const persons = ids.length === 2 ? await db.person.findMany({ where: { id: { in: ids } }, select: { id: true, name: true, mergedIntoId: true } }) : [];
  if (persons.length !== 2) return [{ code: 'PERSON_MISSING', severity: 'error' }];
  const out: ReviewCheck[] = [];
  if (persons.some((p) => p.mergedIntoId)) out.push({ code: 'ALREADY_MERGED', severity: 'error' });
  if (persons[0]?.name.trim() !== persons[1]?.name.trim()) out.push({ code: 'MERGE_NAME_DIFFERS', severity: 'warning', field: 'name' });
  const types = await db.enrolment.groupBy({ by: ['insuranceType'], where: { personId: { in: ids } }, having: { insuranceType: { _count: { gt: 1 } } } });
  if (types.length) out.push({ code: 'MERGE_ENROLMENT_OVERLAP', severity: 'warning', params: { types: types.map((t) => t.insuranceType).sort().join(',') } });
  return out;
}

export const hasSeverity = (checks: readonly ReviewCheck[], s: CheckSeverity) => checks.some((c) => c.severity === s);

/** The checks as stored with a decision (ChangeRequest.decisionChecks), so a closed request shows them as they were. */
export const checksAsJson = (checks: readonly ReviewCheck[]): Prisma.InputJsonValue => checks.map((c) => ({ ...c })) as Prisma.InputJsonValue;

const SEVERITIES: readonly string[] = ['error', 'conflict', 'warning', 'info'];

/** The checks stored with a decision, or null when none were stored (decided before they were kept). */
export function storedChecks(v: unknown): ReviewCheck[] | null {
  if (!Array.isArray(v)) return null;
  return v.filter(
    (c): c is ReviewCheck => !!c && typeof c === 'object' && typeof (c as ReviewCheck).code === 'string' && SEVERITIES.includes((c as ReviewCheck).severity),
  );
}
