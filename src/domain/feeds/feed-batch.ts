import type { Prisma } from '../../generated/prisma/client';
import { computeFlags, type FlagPersonInput } from '../registry/person-flags';
import { planPersonChange, type PersonChanges, type PersonDiff, type PersonField, type PersonState } from '../registry/person-change';
import { col } from '../registry-import/sql';
import { type FeedSource, isAuthoritative } from './authority';
import { type FeedCounts } from './layouts';
import { FEED_WRITE_COLUMNS, type FeedPersonRow, type FeedProvenanceRow, type FeedWriteColumn, type ProvenanceMap, FIELD_NAME, INSERT_FEED_AUDIT, INSERT_FEED_PERSONS, LOCK_READ_FEED_PERSONS, LOCK_READ_MERGED_SURVIVORS, UPDATE_FEED_PERSONS, UPSERT_PROVENANCE, readFeedProvenance } from './feed-sql';
import { type FeedEffects, type FeedFact } from './feed-rules';

/**
 * One batch of a feed, in one transaction: read the batch's persons (locked) with their active cover and
 * provenance, apply every row's facts in memory by the rules (feed-rules.ts), then write set-based: persons
 * (version-checked), provenance (newer facts only), audit events; the rare side effects (change requests,
 * worklist entries, assistance periods, newborn leads) go through their own domain functions.
 */

export type Tx = Prisma.TransactionClient;

/** A valid row reduced to what the rules need. */
export interface FeedItem {
  line: number;
  /** The person's ID number (health: the mother's). */
  idNumber: string;
  /** The date of the fact (event date, issue date, birth date). */
  date: string;
  /** Values the row states for person fields. */
  values: PersonChanges;
  /** The event-level fact, if any. */
  fact?: FeedFact;
  /** Create the person when the register has none (public security, except deaths and moves out). */
  createIfMissing?: { name: string; sex: string; birthDate: string };
}

/** A person as the batch holds it: the rules' state, the feed facts, provenance, and what to write. */
export interface FeedPerson {
  id: string;
  idNumber: string;
  version: number;
  state: PersonState;
  facts: Record<'deceasedOn' | 'movedOutOn' | 'movedInOn' | 'sscCardStatus' | 'sscCardIssuedOn', string | null>;
  active: [string, string][];
  prov: ProvenanceMap;
  /** Facts this run stated that are newer than the record's: field → date. */
  statedNow: Map<string, string>;
  dirty: boolean;
  created: boolean;
}

export interface BatchContext {
  source: FeedSource;
  runId: string;
  at: Date;
  knownRegion: (code: string) => boolean;
  effects: FeedEffects;
  /** Milliseconds per kind of statement (FeedOptions.timings). */
  timings?: Record<string, number>;
}

function toFeedPerson(r: FeedPersonRow, created = false): FeedPerson {
  const state: PersonState = {
    name: r.name,
    sex: r.sex,
    birthDate: r.birth_date,
    idNumber: r.id_number,
    ethnicity: r.ethnicity,
    phone: r.phone,
    hukouRegion: r.hukou_region,
    hukouAddress: r.hukou_address,
    residenceRegion: r.residence_region,
    residenceAddress: r.residence_address,
    householdId: r.household_id,
    employmentStatus: r.employment_status,
    employer: r.employer,
    employerCreditCode: r.employer_credit_code,
    employmentSince: r.employment_since,
    regionCode: r.region_code,
    flags: r.flags ?? [],
  };
  return {
    id: r.id,
    idNumber: r.id_number,
    version: r.version,
    state,
    facts: { deceasedOn: r.deceased_on, movedOutOn: r.moved_out_on, movedInOn: r.moved_in_on, sscCardStatus: r.ssc_card_status, sscCardIssuedOn: r.ssc_card_issued_on },
    active: [],
    prov: {},
    statedNow: new Map(),
    dirty: false,
    created,
  };
}

const flagInput = (idNumber: string, v: { sex: string | null; hukouRegion?: string | null }): FlagPersonInput => ({
  idNumber,
  sex: v.sex as FlagPersonInput['sex'],
  phone: null,
  hukouRegion: v.hukouRegion ?? null,
  residenceRegion: null,
  residenceAddress: null,
});

/** The column values of a person to write. */
function columnsOf(p: FeedPerson): Record<FeedWriteColumn, string | null> {
  const s = p.state;
  return {
    name: s.name,
    sex: s.sex,
    ethnicity: s.ethnicity,
    birth_date: s.birthDate,
    hukou_region: s.hukouRegion,
    hukou_address: s.hukouAddress,
    household_id: s.householdId,
    region_code: s.regionCode,
    deceased_on: p.facts.deceasedOn,
    moved_out_on: p.facts.movedOutOn,
    moved_in_on: p.facts.movedInOn,
    ssc_card_status: p.facts.sscCardStatus,
    ssc_card_issued_on: p.facts.sscCardIssuedOn,
  };
}

export class ConcurrentFeedChange extends Error {
  readonly concurrentChange = true;
}

/** Applies one batch; adds to `counts`; returns the rows the register does not know (for the rejects file). */
export async function applyFeedBatch(tx: Tx, items: FeedItem[], ctx: BatchContext, counts: FeedCounts): Promise<{ unknown: FeedItem[] }> {
  const timed = async <T>(label: string, statement: PromiseLike<T>): Promise<T> => {
    if (!ctx.timings) return statement;
    const t0 = performance.now();
    try {
      return await statement;
    } finally {
      ctx.timings[label] = (ctx.timings[label] ?? 0) + performance.now() - t0;
    }
  };
  const at = ctx.at.toISOString();
  await tx.$queryRawUnsafe(`SELECT set_config('jit', 'off', true)`);
  const ids = [...new Set(items.map((i) => i.idNumber))];
  // Keyed by the number asked for; a merged person's number and its survivor's share one FeedPerson.
  const persons = new Map<string, FeedPerson>();
  const byId = new Map<string, FeedPerson>();
  const via = new Map<string, string>();
  // Lock and read the persons, then read their provenance (and cover) in a statement of its own: what a batch
  // written at the same time committed before the lock was granted is what the rules see.
  const lockAndRead = async (numbers: string[], cover: boolean, created: boolean) => {
    const locked = await timed('lock', tx.$queryRawUnsafe<FeedPersonRow[]>(LOCK_READ_FEED_PERSONS, col(numbers, (x) => x)));
    if (locked.length < numbers.length) {
      const found = new Set(locked.map((r) => r.key));
      const rest = numbers.filter((n) => !found.has(n));
      locked.push(...(await timed('lock', tx.$queryRawUnsafe<FeedPersonRow[]>(LOCK_READ_MERGED_SURVIVORS, col(rest, (x) => x)))));
    }
    const read: string[] = [];
    for (const r of locked) {
      if (!byId.has(r.id)) {
        byId.set(r.id, toFeedPerson(r, created));
        read.push(r.id);
      }
      if (persons.has(r.key)) continue;
      persons.set(r.key, byId.get(r.id) as FeedPerson);
      if (r.via) via.set(r.key, r.via);
    }
    if (!read.length) return;
    for (const r of await timed('select', tx.$queryRawUnsafe<FeedProvenanceRow[]>(readFeedProvenance(cover), col(read, (x) => x)))) {
      const p = byId.get(r.id) as FeedPerson;
      p.prov = r.prov ?? {};
      p.active = r.active ?? [];
    }
  };
  await lockAndRead(ids, items.some((i) => i.fact?.kind === 'DEATH' || i.fact?.kind === 'MOVE_OUT'), false);

  // New persons of the register (first row of each wins the identity; the rows then apply as updates),
  // inserted in the order of their numbers (concurrent writers insert in one order).
  const create = new Map<string, NonNullable<FeedItem['createIfMissing']>>();
  for (const i of items) if (!persons.has(i.idNumber) && i.createIfMissing && !create.has(i.idNumber)) create.set(i.idNumber, i.createIfMissing);
  if (create.size) {
    const rows = [...create.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    await tx.$executeRawUnsafe(
      INSERT_FEED_PERSONS,
      col(rows, ([n]) => n),
      col(rows, ([, c]) => c.name),
      col(rows, ([, c]) => c.sex),
      col(rows, ([, c]) => c.birthDate),
      col(rows, ([n, c]) => computeFlags(flagInput(n, c), [], ctx.knownRegion).join(',')),
      at,
    );
    await lockAndRead(
      rows.map(([n]) => n),
      false,
      true,
    );
  }

  // One provenance entry per date stated in the batch, shared by every field and person that states it (read-only).
  const stamps = new Map<string, ProvenanceMap[string]>();
  const stampOf = (on: string) => {
    let s = stamps.get(on);
    if (!s) stamps.set(on, (s = Object.freeze({ source: ctx.source, on, run: ctx.runId })));
    return s;
  };
  const audits: { targetId: string; details: unknown }[] = [];
  const unknown: FeedItem[] = [];
  const countedNew = new Set<string>();
  // Oldest facts first within a batch, so a later fact on an earlier line still wins.
  const ordered = [...items].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.line - b.line));
  for (const item of ordered) {
    const p = persons.get(item.idNumber);
    if (!p) {
      unknown.push(item);
      continue;
    }
    if (p.created && !countedNew.has(p.id)) {
      countedNew.add(p.id);
      counts.new++;
    } else if (!p.created) counts.matched++;
    // A fact dated the same day as the one on record applies only within the run that recorded it (a later line
    // of the file wins); from another run it is already known, so a file run twice changes nothing even when it
    // states two values of one field on one day.
    const newer = (field: string) => {
      const d = p.prov[field]?.on;
      return !d || item.date > d || (item.date === d && p.prov[field]?.run === ctx.runId);
    };
    const stated = (field: string) => {
      const d = p.prov[field]?.on;
      if (!d || item.date > d) {
        p.prov[field] = stampOf(item.date);
        p.statedNow.set(field, item.date);
      }
    };
    // 1. Person fields: authoritative values apply (newer facts only); others that differ go to review.
    const changes: PersonChanges = {};
    const conflicts: PersonChanges = {};
    for (const [f, v] of Object.entries(item.values) as [PersonField, string | null | undefined][]) {
      if (v === undefined || v === null) continue;
      if (!isAuthoritative(ctx.source, f)) {
        if (p.state[f] !== v) conflicts[f] = v;
        continue;
      }
      if (!newer(f)) continue;
      if (p.state[f] !== v) changes[f] = v;
      stated(f);
    }
    let diff: PersonDiff = {};
    let flags: readonly string[] = p.state.flags;
    if (Object.keys(changes).length) {
      const plan = planPersonChange(p.state, changes, ctx.knownRegion);
      diff = plan.diff;
      flags = plan.flags;
      p.state = { ...plan.after, flags: plan.flags };
    }
    // 2. The event's own facts (death, moves, card, assistance, newborn lead).
    const effect = item.fact ? await ctx.effects.apply(tx, p, item, { newer, stated }) : { diff: {}, changed: false };
    Object.assign(diff, effect.diff);
    if (effect.created) counts.new++;
    if (Object.keys(diff).length) {
      p.dirty = true;
      const mergedFrom = via.get(item.idNumber);
      audits.push({ targetId: p.id, details: { source: ctx.source, feedRunId: ctx.runId, line: item.line, diff, flags, ...(mergedFrom ? { mergedFrom } : {}) } });
    }
    let conflicting = false;
    if (Object.keys(conflicts).length) conflicting = await ctx.effects.conflict(tx, p, item, conflicts);
    if (conflicting) counts.conflicting++;
    if (Object.keys(diff).length || effect.changed) counts.changed++;
    else if (!conflicting && !p.created) counts.unchanged++;
  }

  const dirty = [...byId.values()].filter((p) => p.dirty);
  if (dirty.length) {
    const households = [...new Set(dirty.map((p) => p.state.householdId).filter((h): h is string => !!h))].sort();
    if (households.length) {
      await tx.$executeRawUnsafe(
        `INSERT INTO household (id, region_code, created_at) SELECT u.id, NULL, ($2::timestamptz AT TIME ZONE 'UTC') FROM unnest($1::text[]) AS u(id) ON CONFLICT (id) DO NOTHING`,
        col(households, (h) => h),
        at,
      );
    }
    const cols = dirty.map(columnsOf);
    const done = await timed('update', tx.$queryRawUnsafe<unknown[]>(
      UPDATE_FEED_PERSONS,
      col(dirty, (p) => p.id),
      col(dirty, (p) => String(p.version)),
      ...FEED_WRITE_COLUMNS.map(([c]) => col(cols, (v) => v[c])),
      col(dirty, (p) => p.state.flags.join(',')),
      at,
    ));
    if (done.length !== dirty.length) throw new ConcurrentFeedChange('a person was changed concurrently');
  }
  // Provenance: per person the fields stated, by date; a person whose fields were stated on two dates in this
  // batch has a second round (rare: two rows of one person with different dates).
  const rounds: { ids: string[]; fields: string[]; ons: string[] }[] = [];
  for (const p of byId.values()) {
    if (!p.statedNow.size) continue;
    const byDate = new Map<string, string[]>();
    for (const [f, on] of p.statedNow) {
      if (!FIELD_NAME.test(f)) throw new Error(`not a field name: ${f}`);
      const fields = byDate.get(on);
      if (fields) fields.push(f);
      else byDate.set(on, [f]);
    }
    let r = 0;
    for (const [on, fields] of byDate) {
      const round = (rounds[r++] ??= { ids: [], fields: [], ons: [] });
      round.ids.push(p.id);
      round.fields.push(fields.join(','));
      round.ons.push(on);
    }
  }
  for (const r of rounds) await timed('prov', tx.$executeRawUnsafe(UPSERT_PROVENANCE, r.ids, r.fields, r.ons, ctx.source, ctx.runId, at));
  // Audit events go as one JSON document (serialised once, parsed once by the server).
  if (audits.length) await timed('audit', tx.$executeRawUnsafe(INSERT_FEED_AUDIT, at, JSON.stringify(audits.map((a) => ({ action: 'person.update', target_id: a.targetId, details: a.details })))));
  return { unknown };
}
