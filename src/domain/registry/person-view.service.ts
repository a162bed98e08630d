import type { DbClient } from '../../db/db-client';
import type { Prisma } from '../../generated/prisma/client';
import type { Clock } from '../../lib/clock';
import { recordAudit } from '../staff/audit.service';
import { type IdNumberError, normaliseIdNumber, parseIdNumber } from '../codes/id-number';
import { INSURANCE_NAMES, isInsuranceType } from '../codes/insurance';
import { maskIdNumberForStaff, redactDeep, redactSensitive } from '../codes/masking';
import { maskFieldForStaff } from './person-fields';
import { isWithinRegion } from '../codes/region-scope';
import { can, type Permission, type StaffPrincipal } from '../staff/staff.service';

/** Enrolment status codes used by social-security systems: 1 paying, 2 suspended, 3 terminated. */
const ENROLMENT_STATUS_CODE = { PAYING: 1, SUSPENDED: 2, TERMINATED: 3 } as const;

export interface RegionRef {
  code: string;
  name: string | null;
}

export interface EnrolmentView {
  insuranceType: string;
  insuranceName: { en: string; zh: string };
  status: 'PAYING' | 'SUSPENDED' | 'TERMINATED';
  statusCode: 1 | 2 | 3;
  region: RegionRef | null;
  firstEnrolled: string | null;
  lastPaidMonth: string | null;
  employer: string | null;
}

export interface PersonView {
  /** True when the full values are shown (?reveal=true, audited as person.reveal). */
  revealed: boolean;
  person: {
    /** ID number: first 6 + last 4 unless revealed. */
    idNumber: string;
    /** First character + * unless revealed. */
    name: string;
    sex: 'MALE' | 'FEMALE' | null;
    ethnicity: string | null;
    /**
     * YYYY-MM-DD, or YYYY-**-** unless revealed: the county code, birth date and last four together are the
     * whole ID number, so the masked ID would be pointless next to a full birth date.
     */
    birthDate: string | null;
    /** 3 + 4 digits unless revealed. */
    phone: string | null;
    hukouRegion: RegionRef | null;
    hukouAddress: string | null;
    residenceRegion: RegionRef | null;
    residenceAddress: string | null;
    /** The managing region (staff scope). */
    region: RegionRef | null;
    householdId: string | null;
    employmentStatus: string | null;
    employer: string | null;
    employerCreditCode: string | null;
    employmentSince: string | null;
    registrationStatus: 'UNREGISTERED' | 'PENDING_REVIEW' | 'CONFIRMED' | 'NEEDS_VISIT';
    confirmedAt: string | null;
    confirmedChannel: string | null;
    needsVisitReason: string | null;
    flags: string[];
    updatedAt: string;
  };
  enrolments: EnrolmentView[];
  /** What the departmental feeds said (issue 17): facts, card, assistance periods, provenance per field. */
  departmental: DepartmentalView;
}

export interface DepartmentalView {
  deceasedOn: string | null;
  movedOutOn: string | null;
  movedInOn: string | null;
  sscCard: { status: string; issuedOn: string | null } | null;
  /** Subsistence allowance (DIBAO) and special hardship (TEKUN) periods, newest first. */
  assistance: { kind: 'DIBAO' | 'TEKUN'; startedOn: string; endedOn: string | null }[];
  /** Where each value came from: field, source, date of the fact, feed run. */
  provenance: { field: string; source: string; on: string; run: string }[];
}

export interface AuditEntryView {
  id: string;
  at: string;
  actorType: string;
  actorId: string | null;
  /** The staff member's username when the actor is a staff account. */
  actorUsername: string | null;
  source: string;
  action: string;
  outcome: string;
  /** Free text in details has ID numbers and phone numbers masked. */
  details: unknown;
}

export type PersonLookupFailure =
  | { ok: false; code: 'INVALID_ID_NUMBER'; error: IdNumberError }
  | { ok: false; code: 'NOT_FOUND' }
  | { ok: false; code: 'FORBIDDEN'; permission: Permission };

export interface ViewOptions {
  reveal?: boolean;
  /** api, console. Default api. */
  source?: string;
}

const ymd = (d: Date | null): string | null => (d ? d.toISOString().slice(0, 10) : null);
const orNull = <T, R>(v: T | null, f: (v: T) => R): R | null => (v === null || v === undefined ? null : f(v));

/** The region a person is managed by, for staff scoping: the stored one, else residence, else hukou. */
function scopeRegionOf(p: { regionCode: string | null; residenceRegion: string | null; hukouRegion: string | null }): string | null {
  return p.regionCode ?? p.residenceRegion ?? p.hukouRegion;
}

type Target = { id: string; regionCode: string | null; residenceRegion: string | null; hukouRegion: string | null };

/**
 * The common part of every person lookup by staff: parse the ID number, check the permission, find the
 * person, check the region scope. Out of scope answers NOT_FOUND, exactly like a missing person (so scope
 * cannot be probed), and is audited as DENIED; a missing person is audited as FAILED with the masked number.
 */
async function locate<P extends Target>(
  db: DbClient,
  principal: StaffPrincipal,
  rawIdNumber: string,
  action: string,
  permission: Permission,
  source: string,
  clock: Clock,
  find: (idNumber: string) => Promise<P | null>,
): Promise<{ ok: true; person: P } | PersonLookupFailure> {
  const parsed = parseIdNumber(rawIdNumber, { today: clock.now() });
  if (!parsed.ok) return { ok: false, code: 'INVALID_ID_NUMBER', error: parsed.error };
  const audit = (outcome: 'OK' | 'DENIED' | 'FAILED', targetId: string | undefined, details: Prisma.InputJsonValue) =>
    recordAudit(db, { actorType: 'STAFF', actorId: principal.id, source, action, targetType: 'person', targetId, outcome, details, at: clock.now() });

  if (!can(principal, permission)) {
    await audit('DENIED', undefined, { reason: 'permission', permission, idNumber: maskIdNumberForStaff(parsed.idNumber) });
    return { ok: false, code: 'FORBIDDEN', permission };
  }
  const person = await find(parsed.idNumber);
  if (!person) {
    await audit('FAILED', undefined, { reason: 'not_found', idNumber: maskIdNumberForStaff(parsed.idNumber) });
    return { ok: false, code: 'NOT_FOUND' };
  }
  const personRegion = scopeRegionOf(person);
  if (!isWithinRegion(principal.regionCode, personRegion)) {
    await audit('DENIED', person.id, { reason: 'out_of_scope', staffRegion: principal.regionCode, personRegion });
    return { ok: false, code: 'NOT_FOUND' };
  }
  return { ok: true, person };
}

async function regionNames(db: DbClient, codes: (string | null)[]): Promise<Map<string, string>> {
  const wanted = [...new Set(codes.filter((c): c is string => !!c))];
  if (!wanted.length) return new Map();
  const rows = await db.region.findMany({ where: { code: { in: wanted } }, select: { code: true, name: true } });
  return new Map(rows.map((r) => [r.code, r.name]));
}

/**
 * A person's record for a staff screen: masked by default; `reveal` needs person.reveal and is audited as
 * person.reveal. Every lookup is audited as person.view (OK, DENIED when out of scope, FAILED when missing).
 */
export async function viewPerson(
  db: DbClient,
  principal: StaffPrincipal,
  rawIdNumber: string,
  opts: ViewOptions,
  clock: Clock,
): Promise<{ ok: true; view: PersonView } | PersonLookupFailure> {
  const source = opts.source ?? 'api';
  const reveal = opts.reveal === true;
  if (reveal && !can(principal, 'person.reveal')) {
    const parsed = parseIdNumber(rawIdNumber, { today: clock.now() });
    if (!parsed.ok) return { ok: false, code: 'INVALID_ID_NUMBER', error: parsed.error };
    await recordAudit(db, {
      actorType: 'STAFF',
      actorId: principal.id,
      source,
      action: 'person.reveal',
      targetType: 'person',
      outcome: 'DENIED',
      details: { reason: 'permission', permission: 'person.reveal', idNumber: maskIdNumberForStaff(parsed.idNumber) },
      at: clock.now(),
    });
    return { ok: false, code: 'FORBIDDEN', permission: 'person.reveal' };
  }

  const found = await locate(db, principal, rawIdNumber, 'person.view', 'person.view', source, clock, (idNumber) =>
    db.person.findUnique({
      where: { idNumber },
      include: { enrolments: { orderBy: { insuranceType: 'asc' } }, assistance: { orderBy: { startedOn: 'desc' } } },
    }),
  );
  if (!found.ok) return found;
  const p = found.person;
  const provenance = await db.fieldProvenance.findUnique({ where: { personId: p.id } });

  await recordAudit(db, {
    actorType: 'STAFF',
    actorId: principal.id,
    source,
    action: 'person.view',
    targetType: 'person',
    targetId: p.id,
    details: { revealed: reveal },
    at: clock.now(),
  });
  if (reveal) {
    await recordAudit(db, {
      actorType: 'STAFF',
      actorId: principal.id,
      source,
      action: 'person.reveal',
      targetType: 'person',
      targetId: p.id,
      details: { fields: ['idNumber', 'name', 'birthDate', 'phone', 'hukouAddress', 'residenceAddress', 'needsVisitReason'] },
      at: clock.now(),
    });
  }

  const names = await regionNames(db, [p.regionCode, p.hukouRegion, p.residenceRegion, ...p.enrolments.map((e) => e.regionCode)]);
  const region = (code: string | null): RegionRef | null => orNull(code, (c) => ({ code: c, name: names.get(c) ?? null }));
  const show = (field: string, v: string | null): string | null => orNull(v, (x) => (reveal ? x : maskFieldForStaff(field, x)));

  const view: PersonView = {
    revealed: reveal,
    person: {
      idNumber: show('idNumber', p.idNumber)!,
      name: show('name', p.name)!,
      sex: p.sex,
      ethnicity: p.ethnicity,
      birthDate: show('birthDate', ymd(p.birthDate)),
      phone: show('phone', p.phone),
      hukouRegion: region(p.hukouRegion),
      hukouAddress: show('hukouAddress', p.hukouAddress),
      residenceRegion: region(p.residenceRegion),
      residenceAddress: show('residenceAddress', p.residenceAddress),
      region: region(p.regionCode),
      householdId: p.householdId,
      employmentStatus: p.employmentStatus,
      employer: p.employer,
      employerCreditCode: p.employerCreditCode,
      employmentSince: ymd(p.employmentSince),
      registrationStatus: p.registrationStatus,
      confirmedAt: p.confirmedAt?.toISOString() ?? null,
      confirmedChannel: p.confirmedChannel,
      needsVisitReason: orNull(p.needsVisitReason, (x) => (reveal ? x : redactSensitive(x))),
      flags: [...p.flags],
      updatedAt: p.updatedAt.toISOString(),
    },
    enrolments: p.enrolments.map((e) => ({
      insuranceType: e.insuranceType,
      insuranceName: isInsuranceType(e.insuranceType)
        ? { en: INSURANCE_NAMES[e.insuranceType].en, zh: INSURANCE_NAMES[e.insuranceType].zh }
        : { en: `Insurance type ${e.insuranceType}`, zh: `险种 ${e.insuranceType}` },
      status: e.status,
      statusCode: ENROLMENT_STATUS_CODE[e.status],
      region: region(e.regionCode),
      firstEnrolled: ymd(e.firstEnrolled),
      lastPaidMonth: e.lastPaidMonth,
      employer: e.employer,
    })),
    departmental: {
      deceasedOn: ymd(p.deceasedOn),
      movedOutOn: ymd(p.movedOutOn),
      movedInOn: ymd(p.movedInOn),
      sscCard: p.sscCardStatus ? { status: p.sscCardStatus, issuedOn: ymd(p.sscCardIssuedOn) } : null,
      assistance: p.assistance.map((a) => ({ kind: a.kind, startedOn: ymd(a.startedOn)!, endedOn: ymd(a.endedOn) })),
      provenance: Object.entries((provenance?.fields ?? {}) as Record<string, { source: string; on: string; run: string }>)
        .map(([field, f]) => ({ field, source: f.source, on: f.on, run: f.run }))
        .sort((a, b) => a.field.localeCompare(b.field)),
    },
  };
  return { ok: true, view };
}

export interface AuditTrailOptions {
  /** At most this many events, newest first (1-500, default 100). */
  limit?: number;
  /** Only events with a smaller id (the previous page's last id). */
  before?: string;
  source?: string;
}

/**
 * The audit trail of one person (events whose target is the person), newest first; needs person.audit_view,
 * is region-scoped like viewPerson and is itself audited as person.audit_view.
 */
export async function personAuditTrail(
  db: DbClient,
  principal: StaffPrincipal,
  rawIdNumber: string,
  opts: AuditTrailOptions,
  clock: Clock,
): Promise<{ ok: true; events: AuditEntryView[] } | PersonLookupFailure> {
  const source = opts.source ?? 'api';
  const found = await locate(db, principal, rawIdNumber, 'person.audit_view', 'person.audit_view', source, clock, (idNumber) =>
    db.person.findUnique({ where: { idNumber }, select: { id: true, regionCode: true, residenceRegion: true, hukouRegion: true } }),
  );
  if (!found.ok) return found;
  const personId = found.person.id;
  await recordAudit(db, {
    actorType: 'STAFF',
    actorId: principal.id,
    source,
    action: 'person.audit_view',
    targetType: 'person',
    targetId: personId,
    at: clock.now(),
  });

  const limit = Math.min(Math.max(Math.trunc(opts.limit ?? 100), 1), 500);
  const before = opts.before && /^\d{1,19}$/.test(opts.before) ? BigInt(opts.before) : undefined;
  const rows = await db.auditEvent.findMany({
    where: { targetType: 'person', targetId: personId, ...(before !== undefined ? { id: { lt: before } } : {}) },
    orderBy: { id: 'desc' },
    take: limit,
  });
  const staffIds = [
    ...new Set(rows.filter((r) => r.actorType === 'STAFF' && r.actorId && /^[0-9a-f-]{36}$/i.test(r.actorId)).map((r) => r.actorId as string)),
  ];
  const staff = staffIds.length
    ? await db.staffUser.findMany({ where: { id: { in: staffIds } }, select: { id: true, username: true } })
    : [];
  const usernames = new Map(staff.map((s) => [s.id, s.username]));
  return {
    ok: true,
    events: rows.map((r) => ({
      id: r.id.toString(),
      at: r.at.toISOString(),
      actorType: r.actorType,
      actorId: r.actorId,
      actorUsername: r.actorId ? (usernames.get(r.actorId) ?? null) : null,
      source: r.source,
      action: r.action,
      outcome: r.outcome,
      details: redactDeep(r.details ?? null),
    })),
  };
}

/** The id of the person with this ID number (any form), or null. For links between staff pages; not audited. */
export async function personIdOf(db: DbClient, idNumber: string): Promise<string | null> {
  const p = await db.person.findUnique({ where: { idNumber: normaliseIdNumber(idNumber) }, select: { id: true } });
  return p?.id ?? null;
}

/** The ID number of the person with this id, or null (to look the person up again with viewPerson). */
export async function idNumberOf(db: DbClient, personId: string): Promise<string | null> {
  const p = await db.person.findUnique({ where: { id: personId }, select: { idNumber: true } });
  return p?.idNumber ?? null;
}
