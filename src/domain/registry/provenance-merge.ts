// Field provenance when two persons merge (issue 17): the survivor's and the merged row's departmental
// provenance are combined field by field, so later feeds still refuse facts older than either record knew.
import type { DbClient } from '../../db/db-client';
import type { Person, Prisma } from '../../generated/prisma/client';
import { type PersonChanges } from './person-change';
import { isPersonField, readPersonField } from './person-fields';

/** One provenance entry: the source, the date of the fact and the feed run (as feeds write them). */
type Entry = { source: string; on: string; run: string };
type Provenance = Record<string, Entry>;

/** Feed facts that are columns of the person row but not person-change fields: provenance key → columns. */
const FACT_COLUMNS = {
  deceasedOn: ['deceasedOn'],
  movedOutOn: ['movedOutOn'],
  movedInOn: ['movedInOn'],
  sscCard: ['sscCardStatus', 'sscCardIssuedOn'],
} as const satisfies Record<string, readonly (keyof Person)[]>;
type FactColumn = (typeof FACT_COLUMNS)[keyof typeof FACT_COLUMNS][number];
/** The survivor keeps its own number whatever the merged row's provenance says. */
const NEVER_TAKEN = new Set(['idNumber']);

const asProvenance = (v: Prisma.JsonValue | undefined): Provenance => (v && typeof v === 'object' && !Array.isArray(v) ? (v as unknown as Provenance) : {});

export interface CombinedProvenance {
  /** Fields whose provenance (and value, when the merged row has one) came from the merged row. */
  taken: string[];
  /** The merged row's values of those person fields, for the one person writer. */
  changes: PersonChanges;
  /** The merged row's values of those feed-fact columns. */
  facts: Partial<Record<FactColumn, Date | string | null>>;
}

/**
 * Combines the two provenance rows into the survivor's: for each field the entry with the newer `on` date wins,
 * the survivor's on a tie; a death stays with the record that has one (the first death record stands). Where
 * the merged row's entry wins, its value of that field goes with it (the newest departmental fact of the one
 * person), so value and provenance agree. The merged row's own provenance row is kept as it was.
 */
export async function combineProvenance(tx: DbClient, survivor: Person, merged: Person, at: Date): Promise<CombinedProvenance> {
  const rows = await tx.fieldProvenance.findMany({ where: { personId: { in: [survivor.id, merged.id] } } });
  const mine = asProvenance(rows.find((r) => r.personId === survivor.id)?.fields);
  const theirs = asProvenance(rows.find((r) => r.personId === merged.id)?.fields);
  const out: CombinedProvenance = { taken: [], changes: {}, facts: {} };
  for (const [field, entry] of Object.entries(theirs)) {
    const own = mine[field];
    if (own && own.on >= entry.on) continue;
    if (field === 'deceasedOn' && survivor.deceasedOn) continue;
    mine[field] = entry;
    out.taken.push(field);
    if (NEVER_TAKEN.has(field)) continue;
    if (isPersonField(field)) {
      const v = readPersonField(merged, field);
      if (v !== null) out.changes[field] = v;
    } else if (field in FACT_COLUMNS) {
      const columns: readonly FactColumn[] = FACT_COLUMNS[field as keyof typeof FACT_COLUMNS];
      if (columns.every((c) => merged[c] != null)) for (const c of columns) out.facts[c] = merged[c];
    }
  }
  if (out.taken.length) {
    const fields = mine as unknown as Prisma.InputJsonObject;
    await tx.fieldProvenance.upsert({ where: { personId: survivor.id }, create: { personId: survivor.id, fields, updatedAt: at }, update: { fields, updatedAt: at } });
  }
  return out;
}
