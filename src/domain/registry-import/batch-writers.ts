import { flagsAfter, managingRegion } from '../registry/person-change';
import { raiseDuplicateCover } from '../worklists/duplicate-cover';
import { COMPUTED_FLAGS, computeFlags, sameFlags, type FlagEnrolmentInput, type FlagPersonInput } from '../registry/person-flags';
import { type IdKeyMap } from './id-key-map';
import { type Rejection } from './row-schema';
import { ConcurrentChangeError, ENROLMENT_FIELDS, type EnrolmentValues, INSERT_AUDIT, INSERT_ENROLMENTS, INSERT_HOUSEHOLDS, INSERT_PERSONS_RETURNING, PERSON_FIELDS, type PersonValues, type StoredEnrolment, type StoredPerson, TUNE_BATCH, type Tx, UPDATE_ENROLMENTS, UPDATE_FLAGS, UPDATE_PERSONS, col, pgTextArray, selectPersons } from './sql';
import { type BatchResult, type ValidEnrolment, type ValidPerson } from './import-registry';

/** The batch writers: one transaction per batch of persons or enrolments, set-based, audited. */
// ------------------------------------------------------------------ batch writers

const nn = (v: string | null | undefined) => (v === undefined ? null : v);

function flagInput(idNumber: string, v: PersonValues): FlagPersonInput {
  return {
    idNumber,
    sex: v.sex as FlagPersonInput['sex'],
    phone: v.phone,
    hukouRegion: v.hukou_region,
    residenceRegion: v.residence_region,
    residenceAddress: v.residence_address,
  };
}

type EnrolmentTuple = [string, string, string, string | null, string | null, string | null, string | null, string, string | null];

/** Reads the stored persons of a batch (and their enrolments), keyed by ID number. */
async function loadStored(tx: Tx, idNumbers: string[], lock: boolean) {
  const rows = await tx.$queryRawUnsafe<(StoredPerson & { enrolments: EnrolmentTuple[] | null })[]>(
    selectPersons(lock),
    pgTextArray(idNumbers),
  );
  const byNumber = new Map<string, StoredPerson>();
  const enrolments = new Map<string, StoredEnrolment[]>();
  for (const r of rows) {
    const { enrolments: list, ...person } = r;
    byNumber.set(r.id_number, person);
    enrolments.set(
      r.id,
      (list ?? []).map(([id, insurance_type, status, region_code, first_enrolled, last_paid_month, employer, stamp, benefit_from]) => ({
        id,
        person_id: r.id,
        insurance_type,
        status,
        region_code,
        first_enrolled,
        last_paid_month,
        employer,
        benefit_from,
        stamp,
      })),
    );
  }
  return { byNumber, enrolments };
}

const toFlagEnrolments = (rows: readonly { insurance_type: string; status: string }[]): FlagEnrolmentInput[] =>
  rows.map((r) => ({ insuranceType: r.insurance_type, status: r.status as FlagEnrolmentInput['status'] }));

async function writeAudits(tx: Tx, at: string, audits: { action: string; targetId: string; details: unknown }[]) {
  if (!audits.length) return;
  await tx.$executeRawUnsafe(
    INSERT_AUDIT,
    at,
    col(audits, (a) => a.action),
    col(audits, (a) => a.targetId),
    col(audits, (a) => JSON.stringify(a.details)),
  );
}

async function writeHouseholds(tx: Tx, households: Map<string, { region: string | null; address: string | null }>, at: string) {
  if (!households.size) return;
  const hh = [...households.entries()];
  await tx.$executeRawUnsafe(
    INSERT_HOUSEHOLDS,
    col(hh, ([id]) => id),
    col(hh, ([, h]) => h.region),
    col(hh, ([, h]) => h.address),
    at,
  );
}

/** Writes flags (with the version check) where they differ from the stored ones. */
async function writeFlags(tx: Tx, changes: { s: StoredPerson; flags: string[] }[], at: string) {
  if (!changes.length) return;
  const done = await tx.$queryRawUnsafe<unknown[]>(
    UPDATE_FLAGS,
    col(changes, (u) => u.s.id),
    col(changes, (u) => String(u.s.version)),
    col(changes, (u) => u.flags.join(',')),
    at,
  );
  if (done.length !== changes.length) throw new ConcurrentChangeError('a person was changed concurrently');
}

/**
 * One batch of persons: every row is first inserted as a new person (ON CONFLICT DO NOTHING, so a first
 * import needs no lookup at all); the rows that already existed are then read, compared and updated.
 */
export async function writePersons(
  tx: Tx,
  rows: ValidPerson[],
  lock: boolean,
  now: Date,
  knownRegion: (code: string) => boolean,
  file: string,
): Promise<BatchResult> {
  const at = now.toISOString();
  // Households first (the foreign key), for every household the file names; existing ones stay as they are.
  const households = new Map<string, { region: string | null; address: string | null }>();
  const fresh = rows.map((r) => {
    const v = {} as PersonValues;
    for (const [f] of PERSON_FIELDS) v[f] = nn(r.values[f]);
    // Sex and birth date follow from the ID number when the file leaves them empty.
    v.sex ??= r.id.sex;
    v.birth_date ??= r.id.birthDate;
    v.region_code = v.residence_region ?? v.hukou_region;
    if (v.household_id && !households.has(v.household_id)) {
      households.set(v.household_id, { region: v.region_code, address: v.hukou_address });
    }
    return { r, v, flags: computeFlags(flagInput(r.id.idNumber, v), [], knownRegion) };
  });
  await writeHouseholds(tx, households, at);
  const [inserted] = await tx.$queryRawUnsafe<{ n: number; existing: string[] | null }[]>(
    INSERT_PERSONS_RETURNING,
    col(fresh, (x) => x.r.id.idNumber),
    ...PERSON_FIELDS.map(([f]) => col(fresh, (x) => x.v[f])),
    col(fresh, (x) => x.flags.join(',')),
    at,
  );
  const insertedCount = inserted?.n ?? 0;
  if (!inserted?.existing?.length) return { inserted: insertedCount, updated: 0, unchanged: 0, rejects: [] };

  // The rest already existed: merge (an empty cell keeps the stored value) and compare.
  const existingSet = new Set(inserted.existing);
  const existing = rows.filter((r) => existingSet.has(r.id.idNumber));
  await tx.$queryRawUnsafe(TUNE_BATCH);
  const stored = await loadStored(tx, inserted.existing, lock);
  const updates: { s: StoredPerson; v: PersonValues; flags: string[]; line: number; changes: Record<string, unknown> }[] = [];
  const flagOnly: { s: StoredPerson; flags: string[] }[] = [];
  let unchanged = 0;
  for (const r of existing) {
    const s = stored.byNumber.get(r.id.idNumber);
    if (!s) throw new ConcurrentChangeError('a person was deleted concurrently');
    const v = {} as PersonValues;
    for (const [f] of PERSON_FIELDS) v[f] = nn(r.values[f]) ?? s[f];
    v.sex ??= r.id.sex;
    v.birth_date ??= r.id.birthDate;
    v.region_code = managingRegion({ residenceRegion: v.residence_region, hukouRegion: v.hukou_region, regionCode: s.region_code });
    const enrols = toFlagEnrolments(stored.enrolments.get(s.id) ?? []);
    // The data-matching step re-derives every computed flag (with the enrolments), by the rules of person-change.ts.
    const flags = flagsAfter(s.flags, flagInput(r.id.idNumber, v), COMPUTED_FLAGS, enrols, knownRegion);
    const changes: Record<string, { old: string | null; new: string | null }> = {};
    for (const [f, name] of PERSON_FIELDS) if (s[f] !== v[f]) changes[name] = { old: s[f], new: v[f] };
    if (Object.keys(changes).length) {
      updates.push({ s, v, flags, line: r.line, changes });
    } else {
      unchanged++;
      if (!sameFlags(s.flags ?? [], flags)) flagOnly.push({ s, flags });
    }
  }
  if (updates.length) {
    const done = await tx.$queryRawUnsafe<unknown[]>(
      UPDATE_PERSONS,
      col(updates, (u) => u.s.id),
      col(updates, (u) => String(u.s.version)),
      ...PERSON_FIELDS.map(([f]) => col(updates, (u) => u.v[f])),
      col(updates, (u) => u.flags.join(',')),
      at,
    );
    if (done.length !== updates.length) throw new ConcurrentChangeError('a person was changed concurrently');
    await writeAudits(
      tx,
      at,
      updates.map((u) => ({ action: 'person.update', targetId: u.s.id, details: { changes: u.changes, file, line: u.line, diff: u.changes, flags: u.flags } })),
    );
  }
  await writeFlags(tx, flagOnly, at);
  return { inserted: insertedCount, updated: updates.length, unchanged, rejects: [] };
}

/** One batch of enrolments: read the batch's persons with their enrolments, then insert, update, re-flag. */
export async function writeEnrolments(
  tx: Tx,
  rows: ValidEnrolment[],
  lock: boolean,
  now: Date,
  knownRegion: (code: string) => boolean,
  file: string,
  rejectedPersons: IdKeyMap,
): Promise<BatchResult> {
  await tx.$queryRawUnsafe(TUNE_BATCH);
  const at = now.toISOString();
  const stored = await loadStored(tx, [...new Set(rows.map((r) => r.idNumber))], lock);

  const rejects: Rejection[] = [];
  const inserts: { personId: string; type: string; v: EnrolmentValues }[] = [];
  const updates: { e: StoredEnrolment; v: EnrolmentValues; changes: Record<string, unknown>; line: number }[] = [];
  const touched = new Set<string>();
  let unchanged = 0;

  for (const r of rows) {
    const p = stored.byNumber.get(r.idNumber);
    if (!p) {
      const rejectedAt = rejectedPersons.get(r.idNumber);
      rejects.push({
        line: r.line,
        reason: 'UNKNOWN_PERSON',
        idRaw: r.idNumber,
        message:
          rejectedAt
            ? `the person's row (line ${rejectedAt} of the persons file) was rejected`
            : 'no person with this ID number in the registry or the persons file',
      });
      continue;
    }
    const list = stored.enrolments.get(p.id) as StoredEnrolment[];
    const e = list.find((x) => x.insurance_type === r.type);
    const v = {} as EnrolmentValues;
    for (const [f] of ENROLMENT_FIELDS) v[f] = nn(r.values[f]) ?? (e ? e[f] : null);
    if (!e) {
      inserts.push({ personId: p.id, type: r.type, v });
      list.push({ id: '', person_id: p.id, insurance_type: r.type, ...v, status: r.values.status, stamp: '' });
      touched.add(p.id);
      continue;
    }
    const changes: Record<string, { old: string | null; new: string | null }> = {};
    for (const [f, name] of ENROLMENT_FIELDS) if (e[f] !== v[f]) changes[name] = { old: e[f], new: v[f] };
    if (!Object.keys(changes).length) {
      unchanged++;
      continue;
    }
    updates.push({ e: { ...e }, v, changes, line: r.line });
    Object.assign(e, v);
    touched.add(p.id);
  }

  if (inserts.length) {
    const done = await tx.$queryRawUnsafe<unknown[]>(
      INSERT_ENROLMENTS,
      col(inserts, (i) => i.personId),
      col(inserts, (i) => i.type),
      ...ENROLMENT_FIELDS.map(([f]) => col(inserts, (i) => i.v[f])),
      at,
    );
    if (done.length !== inserts.length) throw new ConcurrentChangeError('an enrolment was inserted concurrently');
  }
  if (updates.length) {
    const done = await tx.$queryRawUnsafe<unknown[]>(
      UPDATE_ENROLMENTS,
      col(updates, (u) => u.e.id),
      col(updates, (u) => u.e.stamp),
      ...ENROLMENT_FIELDS.map(([f]) => col(updates, (u) => u.v[f])),
      at,
    );
    if (done.length !== updates.length) throw new ConcurrentChangeError('an enrolment was changed concurrently');
    await writeAudits(
      tx,
      at,
      updates.map((u) => ({
        action: 'enrolment.update',
        targetId: u.e.person_id,
        details: { insuranceType: u.e.insurance_type, changes: u.changes, file, line: u.line },
      })),
    );
  }

  // Flags of every person whose enrolments changed.
  const flagChanges: { s: StoredPerson; flags: string[] }[] = [];
  for (const s of stored.byNumber.values()) {
    if (!touched.has(s.id)) continue;
    const flags = flagsAfter(s.flags, flagInput(s.id_number, s), COMPUTED_FLAGS, toFlagEnrolments(stored.enrolments.get(s.id) ?? []), knownRegion);
    if (!sameFlags(s.flags ?? [], flags)) flagChanges.push({ s, flags });
  }
  await writeFlags(tx, flagChanges, at);
  // Duplicate cover goes on the staff worklist (issue 17): one item per person and scheme family.
  await raiseDuplicateCover(tx, { personIds: [...touched], source: 'import', at: now });
  return { inserted: inserts.length, updated: updates.length, unchanged, rejects };
}
