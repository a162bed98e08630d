import { randomBytes } from 'node:crypto';
import type { DbClient } from '../../db/db-client';
import type { Prisma } from '../../generated/prisma/client';
import { currentActingAgent, recordAudit } from '../staff/audit.service';
import { ASK_NEXT, FIELD_POLICY, parseFieldValue } from './field-policy';
import { applyPersonChange } from '../registry/person-change';
import { chinaDate } from '../calendar/china-time';
import { reviewDueAt } from '../calendar/working-days';
import { OPEN_STATUSES } from '../vocabulary';
import { RefusalError } from '../refusal';
import { maskAddress, maskBirthDate, maskIdNumber, maskName, maskPhone } from '../codes/masking';
import { readPersonField } from '../registry/person-fields';
import { matchPlaces } from '../registry/place-matcher';
import type {
  CheckCorrectionInput,
  CheckCorrectionResult,
  CorrectableField,
  CorrectionError,
  RegionMatch,
  SubmitCorrectionInput,
  SubmitCorrectionResult,
} from '../ports';

/** Characters of a reference: digits and capitals without the look-alikes 0/O, 1/I/L (and U/V, 5/S, 2/Z kept apart by font). */
export const REFERENCE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';

/**
 * A reference told to the resident: CR and 8 random characters of REFERENCE_ALPHABET in two groups of four,
 * e.g. CR-7K4M-2Q9X (easy to read out on the phone; the date is told beside it, not inside it).
 */
export function newReference(_now: Date, random: (n: number) => Buffer = randomBytes): string {
  const chars = Array.from(random(8), (b) => REFERENCE_ALPHABET.charAt(b % REFERENCE_ALPHABET.length)).join('');
  return `CR-${chars.slice(0, 4)}-${chars.slice(4)}`;
}

/** The last day (China calendar) on which a request due at `dueAt` (24:00 of that day) must be answered. */
export function dueDateOf(dueAt: Date): string {
  return chinaDate(new Date(dueAt.getTime() - 1));
}

export interface ChangeRequestDraft {
  kind: 'FIELD_CHANGE' | 'NEW_PERSON';
  personId: string | null;
  householdId?: string | null;
  fields: string[];
  currentValues: Prisma.InputJsonValue;
  proposedValues: Prisma.InputJsonValue;
  evidence?: string | null;
  subjectKey?: string | null;
  regionCode: string | null;
  channel: string;
  conversationId?: string | null;
  now: Date;
  holidays?: readonly string[];
  /** Who submits, for the audit (default RESIDENT; a departmental feed submits as IMPORT). */
  actorType?: 'RESIDENT' | 'IMPORT';
}

/** Creates a change request (status PENDING) with a fresh reference and its due date; audited. */
export async function createChangeRequest(db: DbClient, d: ChangeRequestDraft, actorId: string | null) {
  let reference = newReference(d.now);
  for (let i = 0; i < 5 && (await db.changeRequest.findUnique({ where: { reference }, select: { id: true } })); i++) {
    reference = newReference(d.now);
  }
  const row = await db.changeRequest.create({
    data: {
      reference,
      kind: d.kind,
      personId: d.personId,
      householdId: d.householdId ?? null,
      fields: d.fields,
      currentValues: d.currentValues,
      proposedValues: d.proposedValues,
      evidence: d.evidence ?? null,
      subjectKey: d.subjectKey ?? null,
      regionCode: d.regionCode,
      channel: d.channel,
      conversationId: d.conversationId ?? null,
      // In an assisted conversation the agent submits on the person's behalf (four eyes: not their approval).
      submittedByStaff: currentActingAgent()?.id ?? null,
      dueAt: reviewDueAt(d.now, d.holidays ?? []),
      createdAt: d.now,
    },
  });
  await recordAudit(db, {
    actorType: d.actorType ?? 'RESIDENT',
    actorId,
    source: d.channel,
    action: 'change_request.submit',
    targetType: 'change_request',
    targetId: row.id,
    at: d.now,
    details: { reference, kind: d.kind, fields: d.fields, personId: d.personId, householdId: d.householdId ?? null },
  });
  return row;
}

// ---------------------------------------------------------------- regions


type RegionResolution = { ok: true; code: string; label: string } | { ok: false; error: CorrectionError } | { ok: 'choose'; matches: RegionMatch[] };

/** How many name matches the bot lists before asking for a more specific name. */
const MAX_REGION_MATCHES = 9;

/** The region's name under its prefecture, e.g. 昆明市五华区华山街道 (the province is left out). */
export async function regionLabel(db: DbClient, code: string): Promise<string> {
  const names: string[] = [];
  let cur: string | null = code;
  for (let i = 0; cur && i < 5; i++) {
    const r: { name: string; level: string; parentCode: string | null } | null = await db.region.findUnique({
      where: { code: cur },
      select: { name: true, level: true, parentCode: true },
    });
    if (!r || r.level === 'PROVINCE') break;
    names.unshift(r.name);
    cur = r.parentCode;
  }
  return names.join('') || code;
}

/**
 * A county, township (or village) the resident named: a 6-, 9- or 12-digit code in the region table, or a
 * name; several matching names are offered as a numbered list. Provinces and prefectures are too broad.
 */
export async function resolveRegion(db: DbClient, raw: string): Promise<RegionResolution> {
  const q = raw.normalize('NFKC').replace(/\s+/g, '');
  if (/^\d+$/.test(q)) {
    if (![6, 9, 12].includes(q.length)) return { ok: false, error: 'UNKNOWN_REGION' };
    const r = await db.region.findUnique({ where: { code: q }, select: { code: true, level: true } });
    if (!r) return { ok: false, error: 'UNKNOWN_REGION' };
    if (r.level === 'PROVINCE' || r.level === 'PREFECTURE') return { ok: false, error: 'REGION_TOO_BROAD' };
    return { ok: true, code: r.code, label: await regionLabel(db, r.code) };
  }
  if (Array.from(q).length < 2) return { ok: false, error: 'UNKNOWN_REGION' };
  const found = await db.region.findMany({
    where: { name: { contains: q }, level: { in: ['COUNTY', 'TOWNSHIP', 'VILLAGE'] } },
    select: { code: true, name: true },
    orderBy: { code: 'asc' },
    take: 50,
  });
  const exact = found.filter((r) => r.name === q);
  let candidates = exact.length ? exact : found;
  if (candidates.length === 0) {
    // County and township together, pinyin, one character wrong (place-matcher.ts).
    const rows = await db.region.findMany({ where: { level: { in: ['COUNTY', 'TOWNSHIP'] } }, select: { code: true, name: true, level: true, parentCode: true } });
    const codes = matchPlaces(raw, rows);
    candidates = rows.filter((r) => codes.includes(r.code)).map((r) => ({ code: r.code, name: r.name }));
  }
  if (candidates.length === 0) {
    const broad = await db.region.count({ where: { name: q, level: { in: ['PROVINCE', 'PREFECTURE'] } } });
    return { ok: false, error: broad ? 'REGION_TOO_BROAD' : 'UNKNOWN_REGION' };
  }
  if (candidates.length > MAX_REGION_MATCHES) return { ok: false, error: 'TOO_MANY_REGIONS' };
  const labelled = await Promise.all(candidates.map(async (r) => ({ code: r.code, label: await regionLabel(db, r.code) })));
  if (labelled.length === 1) return { ok: true, code: labelled[0]!.code, label: labelled[0]!.label };
  return { ok: 'choose', matches: labelled };
}

// ---------------------------------------------------------------- corrections

type PersonRow = NonNullable<Awaited<ReturnType<typeof loadPerson>>>;

function loadPerson(db: DbClient, personId: string) {
  return db.person.findUnique({ where: { id: personId } });
}

/**
 * A value as the chat may show it: old values masked; a new value in full (the resident just typed it and checks
 * it), except an ID number or phone, which no chat reply carries in full (the flow has it typed twice instead).
 */
async function display(db: DbClient, field: CorrectableField, value: string, old: boolean): Promise<string> {
  switch (field) {
    case 'sex':
      return `$t(common.sex_${value})`;
    case 'ethnicity':
      return `$t(reference.ethnicity.${value})`;
    case 'idNumber':
      return maskIdNumber(value);
    case 'phone':
      return maskPhone(value);
    case 'name':
      return old ? maskName(value) : value;
    case 'birthDate':
      return old ? maskBirthDate(value) : value;
    case 'residenceAddress':
    case 'hukouAddress':
      return old ? maskAddress(value) : value;
    case 'residenceRegion':
    case 'hukouRegion':
      return regionLabel(db, value);
  }
}

export interface CorrectionOptions {
  ethnicityNames: (code: string) => readonly string[];
  now: Date;
}

async function openRequestFor(db: DbClient, personId: string, field: CorrectableField) {
  return db.changeRequest.findFirst({
    where: { personId, kind: 'FIELD_CHANGE', status: { in: [...OPEN_STATUSES] }, fields: { has: field } },
    orderBy: { createdAt: 'desc' },
  });
}

type Checked = { ok: true; value: string; old: string | null } | Exclude<CheckCorrectionResult, { ok: true }>;

async function checkValue(db: DbClient, p: PersonRow, field: CorrectableField, raw: string, opts: CorrectionOptions): Promise<Checked> {
  let value: string;
  if (FIELD_POLICY[field].kind === 'region') {
    const r = await resolveRegion(db, raw);
    if (r.ok === 'choose') return { ok: false, error: 'CHOOSE_REGION', matches: r.matches };
    if (!r.ok) return r;
    value = r.code;
  } else {
    const r = parseFieldValue(field, raw, { idNumber: p.idNumber, ethnicityNames: opts.ethnicityNames, today: opts.now });
    if (!r.ok) return r;
    value = r.value;
  }
  const old = readPersonField(p, field);
  if (old === value) return { ok: false, error: 'UNCHANGED' };
  return { ok: true, value, old };
}

/**
 * Checks a proposed correction without changing anything: the value (normalised), the policy that applies and
 * both values for display. A field with an open change request cannot be corrected again until it is decided.
 */
export async function checkCorrection(db: DbClient, input: CheckCorrectionInput, opts: CorrectionOptions): Promise<CheckCorrectionResult> {
  const p = await loadPerson(db, input.personId);
  if (!p) throw new RefusalError('NOT_FOUND', 'person not found');
  const rule = FIELD_POLICY[input.field];
  if (rule.policy === 'REVIEWED') {
    const open = await openRequestFor(db, p.id, input.field);
    if (open) return { ok: false, error: 'ALREADY_PENDING', reference: open.reference };
  }
  const c = await checkValue(db, p, input.field, input.value, opts);
  if (!c.ok) return c;
  return {
    ok: true,
    value: c.value,
    policy: rule.policy,
    ...(c.old !== null ? { oldDisplay: await display(db, input.field, c.old, true) } : {}),
    newDisplay: await display(db, input.field, c.value, false),
    ...(input.field === 'idNumber' || input.field === 'phone' ? { retype: true as const } : {}),
  };
}

export interface SubmitOptions extends CorrectionOptions {
  channel: string;
  conversationId?: string | null;
  holidays?: readonly string[];
}

/**
 * Submits a correction the resident confirmed. The value is checked again (never trusted from the chat).
 * DIRECT fields are applied to the person at once and audited with old and new value (flags recomputed; a new
 * residence region also becomes the managing region). REVIEWED fields become a FIELD_CHANGE change request
 * with the values frozen, and the person PENDING_REVIEW. Idempotent: the same request again returns the
 * reference already given.
 */
export async function submitCorrection(db: DbClient, input: SubmitCorrectionInput, opts: SubmitOptions): Promise<SubmitCorrectionResult> {
  const p = await loadPerson(db, input.personId);
  if (!p) throw new RefusalError('NOT_FOUND', 'person not found');
  const { field } = input;
  const rule = FIELD_POLICY[field];

  if (rule.policy === 'REVIEWED') {
    const open = await openRequestFor(db, p.id, field);
    if (open) {
      const proposed = (open.proposedValues as Record<string, unknown> | null)?.[field];
      const again = await checkValue(db, p, field, input.value, opts);
      return again.ok && proposed === again.value
        ? { outcome: 'SUBMITTED', reference: open.reference, dueDate: dueDateOf(open.dueAt) }
        : { outcome: 'ALREADY_PENDING', reference: open.reference };
    }
  }
  const c = await checkValue(db, p, field, input.value, opts);
  if (!c.ok) return { outcome: 'REFUSED', error: c.error === 'CHOOSE_REGION' || c.error === 'ALREADY_PENDING' ? 'UNKNOWN_REGION' : c.error };

  if (rule.policy === 'DIRECT') {
    await applyPersonChange(db, p, { [field]: c.value }, {
      actorType: 'RESIDENT',
      actorId: p.id,
      source: opts.channel,
      at: opts.now,
      details: (plan) => ({
        field,
        old: c.old,
        new: c.value,
        ...(plan.diff.regionCode ? { regionCode: plan.diff.regionCode } : {}),
        conversationId: opts.conversationId ?? null,
      }),
    });
    const next = ASK_NEXT[field];
    return { outcome: 'APPLIED', ...(next ? { next } : {}) };
  }

  const row = await createChangeRequest(
    db,
    {
      kind: 'FIELD_CHANGE',
      personId: p.id,
      householdId: p.householdId,
      fields: [field],
      currentValues: { [field]: c.old },
      proposedValues: { [field]: c.value },
      evidence: input.evidence?.trim() || null,
      regionCode: p.regionCode,
      channel: opts.channel,
      conversationId: opts.conversationId ?? null,
      now: opts.now,
      ...(opts.holidays ? { holidays: opts.holidays } : {}),
    },
    p.id,
  );
  if (p.registrationStatus !== 'PENDING_REVIEW') {
    await db.person.update({ where: { id: p.id }, data: { registrationStatus: 'PENDING_REVIEW', version: { increment: 1 } } });
    await recordAudit(db, {
      actorType: 'RESIDENT',
      actorId: p.id,
      source: opts.channel,
      action: 'registration.pending_review',
      targetType: 'person',
      targetId: p.id,
      at: opts.now,
      details: { from: p.registrationStatus, to: 'PENDING_REVIEW', reference: row.reference },
    });
  }
  return { outcome: 'SUBMITTED', reference: row.reference, dueDate: dueDateOf(row.dueAt) };
}
