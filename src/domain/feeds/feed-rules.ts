import { createChangeRequest } from '../corrections/change-request.service';
import { type PersonChanges, type PersonDiff } from '../registry/person-change';
import { OPEN_STATUSES } from '../vocabulary';
import { addWorkItem } from '../worklists/work-items';
import { type FeedSource } from './authority';
import { type FeedItem, type FeedPerson, type Tx } from './feed-batch';
import { closeNewbornLeads, raiseNewbornLead } from './newborn';

/**
 * The rules of the departmental facts (issue 17), one per kind: death, moves, the card, assistance periods and
 * newborn leads (newborn.ts); and how a conflicting non-authoritative value becomes a change request. Never deletes.
 */

export type FeedFact =
  | { kind: 'DEATH' }
  /** Hukou moved out of the province (the destination is not a region of the province). */
  | { kind: 'MOVE_OUT'; destination: string | null }
  | { kind: 'MOVE_IN' }
  /** A public-security birth registration (the person is created when the register has none). */
  | { kind: 'BIRTH' }
  | { kind: 'CARD'; status: string }
  | { kind: 'ASSISTANCE'; assistance: 'DIBAO' | 'TEKUN'; edge: 'START' | 'END' }
  | { kind: 'NEWBORN_LEAD'; certificateNo: string; childName: string | null; sex: string; birthRegion: string | null };

/** Provenance of the row's facts: is the row's date not older than the record's, and record it as stated. */
export interface FactProvenance {
  newer(field: string): boolean;
  stated(field: string): void;
}

export interface FactEffect {
  diff: PersonDiff;
  /** Something outside the person row changed (worklist, period, lead). */
  changed: boolean;
  /** A newborn lead was raised. */
  created?: boolean;
}

export interface FeedEffects {
  apply(tx: Tx, p: FeedPerson, item: FeedItem, fp: FactProvenance): Promise<FactEffect>;
  /** Raises a change request per conflicting field unless the same proposal is open; true: the row conflicts. */
  conflict(tx: Tx, p: FeedPerson, item: FeedItem, conflicts: PersonChanges): Promise<boolean>;
}

/** Change requests raised by a feed carry this channel (the review queue shows it as the source). */
export const FEED_CHANNEL = 'feed';

const NONE: FactEffect = { diff: {}, changed: false };

export function feedEffects(source: FeedSource, runId: string, now: Date): FeedEffects {
  const set = (p: FeedPerson, diff: PersonDiff, key: keyof FeedPerson['facts'], value: string | null) => {
    if (p.facts[key] === value) return;
    diff[key] = { old: p.facts[key], new: value };
    p.facts[key] = value;
  };
  const worklist = async (tx: Tx, p: FeedPerson, kind: 'DECEASED_ENROLMENT' | 'MOVED_OUT_ENROLMENT', item: FeedItem, statuses: string[], extra: Record<string, string | null>) => {
    let raised = false;
    for (const [insuranceType, status] of p.active) {
      if (!statuses.includes(status)) continue;
      raised =
        (await addWorkItem(tx, {
          kind,
          personId: p.id,
          regionCode: p.state.regionCode,
          key: `${insuranceType}:${item.date}`,
          details: { insuranceType, status, eventDate: item.date, source, feedRunId: runId, line: item.line, ...extra },
        })) || raised;
    }
    return raised;
  };

  return {
    async apply(tx, p, item, fp) {
      const fact = item.fact;
      if (!fact) return NONE;
      const diff: PersonDiff = {};
      switch (fact.kind) {
        case 'DEATH': {
          // The first death record stands; a person is never deleted.
          if (p.facts.deceasedOn) return NONE;
          set(p, diff, 'deceasedOn', item.date);
          fp.stated('deceasedOn');
          const raised = await worklist(tx, p, 'DECEASED_ENROLMENT', item, ['PAYING', 'SUSPENDED'], {});
          return { diff, changed: raised };
        }
        case 'MOVE_OUT': {
          if (!fp.newer('movedOutOn') || (p.facts.movedInOn && p.facts.movedInOn > item.date)) return NONE;
          set(p, diff, 'movedOutOn', item.date);
          fp.stated('movedOutOn');
          if (!Object.keys(diff).length) return NONE;
          const raised = await worklist(tx, p, 'MOVED_OUT_ENROLMENT', item, ['PAYING'], { destination: fact.destination });
          return { diff, changed: raised };
        }
        case 'MOVE_IN': {
          if (!fp.newer('movedInOn')) return NONE;
          set(p, diff, 'movedInOn', item.date);
          if (p.facts.movedOutOn && p.facts.movedOutOn <= item.date) set(p, diff, 'movedOutOn', null);
          fp.stated('movedInOn');
          return { diff, changed: false };
        }
        case 'BIRTH': {
          if (!p.created) return NONE;
          return { diff, changed: (await closeNewbornLeads(tx, p, item, { source, runId, now })) > 0 };
        }
        case 'CARD': {
          if (!fp.newer('sscCard')) return NONE;
          set(p, diff, 'sscCardStatus', fact.status);
          set(p, diff, 'sscCardIssuedOn', item.date);
          fp.stated('sscCard');
          return { diff, changed: false };
        }
        case 'ASSISTANCE': {
          const on = new Date(`${item.date}T00:00:00Z`);
          if (fact.edge === 'START') {
            const { count } = await tx.assistancePeriod.createMany({
              data: [{ personId: p.id, kind: fact.assistance, startedOn: on, feedRunId: runId }],
              skipDuplicates: true,
            });
            return { diff, changed: count > 0 };
          }
          const { count } = await tx.assistancePeriod.updateMany({
            where: { personId: p.id, kind: fact.assistance, startedOn: { lte: on }, endedOn: null },
            data: { endedOn: on },
          });
          return { diff, changed: count > 0 };
        }
        case 'NEWBORN_LEAD': {
          const { kind: _k, ...certificate } = fact;
          const r = await raiseNewbornLead(tx, p, item, certificate, { source, runId, now });
          return { diff, ...r };
        }
      }
    },

    async conflict(tx, p, item, conflicts) {
      for (const [field, value] of Object.entries(conflicts)) {
        if (value === null || value === undefined) continue;
        const open = await tx.changeRequest.findFirst({
          where: { personId: p.id, kind: 'FIELD_CHANGE', channel: FEED_CHANNEL, status: { in: [...OPEN_STATUSES] }, fields: { has: field }, proposedValues: { path: [field], equals: value } },
          select: { id: true },
        });
        if (open) continue;
        await createChangeRequest(
          tx,
          {
            kind: 'FIELD_CHANGE',
            personId: p.id,
            householdId: p.state.householdId,
            regionCode: p.state.regionCode,
            channel: FEED_CHANNEL,
            actorType: 'IMPORT',
            now,
            fields: [field],
            currentValues: { [field]: p.state[field as keyof typeof p.state] as string | null },
            proposedValues: { [field]: value },
            evidence: `${source} feed, line ${item.line}, dated ${item.date}`,
          },
          null,
        );
      }
      return true;
    },
  };
}
