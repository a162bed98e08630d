import { type PersonChanges } from '../registry/person-change';
import { type FeedSource } from './authority';
import { type FeedItem } from './feed-batch';
import { type FeedRejectReason, type FeedRow } from './layouts';

/** A valid row of a layout as the rules' item, or why it is rejected (checks across columns). */
export function toFeedItem<S extends FeedSource>(
  source: S,
  line: number,
  row: FeedRow<S>,
  knownRegion: (code: string) => boolean,
): FeedItem | { reason: FeedRejectReason; message: string } {
  switch (source) {
    case 'public-security': {
      const d = row as FeedRow<'public-security'>;
      const id = d.id_number;
      if (d.birth_date && d.birth_date !== id.birthDate) return { reason: 'BIRTH_DATE_MISMATCH', message: 'birth_date contradicts the birth date in the ID number' };
      if (d.sex && d.sex !== id.sex) return { reason: 'SEX_MISMATCH', message: 'sex contradicts the sex digit of the ID number' };
      const values: PersonChanges = {
        name: d.name,
        sex: d.sex,
        ethnicity: d.ethnicity,
        birthDate: d.birth_date,
        hukouRegion: d.hukou_region,
        hukouAddress: d.hukou_address,
        householdId: d.household_id,
      };
      const base = { line, idNumber: id.idNumber, date: d.event_date, values };
      const create = { createIfMissing: { name: d.name, sex: d.sex ?? id.sex, birthDate: d.birth_date ?? id.birthDate } };
      switch (d.event) {
        case 'DEATH':
          return { ...base, fact: { kind: 'DEATH' } };
        case 'MOVE_OUT': {
          // Within the province a move out is a change of hukou (the move in follows); out of it, the person leaves.
          // The province is the destination's first two digits (a township missing from the region table is still
          // in the province: its hukou changes, and the unknown code is flagged like any other).
          if (d.hukou_region && (knownRegion(d.hukou_region) || knownRegion(`${d.hukou_region.slice(0, 2)}0000`))) return base;
          const { hukouRegion: _r, hukouAddress: _a, householdId: _h, ...kept } = values;
          return { ...base, values: kept, fact: { kind: 'MOVE_OUT', destination: d.hukou_region ?? null } };
        }
        case 'MOVE_IN':
          return { ...base, ...create, fact: { kind: 'MOVE_IN' } };
        case 'BIRTH':
          return { ...base, ...create, fact: { kind: 'BIRTH' } };
        default:
          return { ...base, ...create };
      }
    }
    case 'civil-affairs': {
      const d = row as FeedRow<'civil-affairs'>;
      const base = { line, idNumber: d.id_number.idNumber, date: d.event_date, values: { name: d.name } };
      if (d.event === 'DEATH') return { ...base, fact: { kind: 'DEATH' } };
      const [assistance, edge] = d.event.split('_') as ['DIBAO' | 'TEKUN', 'START' | 'END'];
      return { ...base, fact: { kind: 'ASSISTANCE', assistance, edge } };
    }
    case 'health': {
      const d = row as FeedRow<'health'>;
      return {
        line,
        idNumber: d.mother_id_number.idNumber,
        date: d.birth_date,
        values: {},
        fact: { kind: 'NEWBORN_LEAD', certificateNo: d.certificate_no, childName: d.child_name ?? null, sex: d.sex, birthRegion: d.birth_region ?? null },
      };
    }
    default: {
      const d = row as FeedRow<'ssc'>;
      return { line, idNumber: d.id_number.idNumber, date: d.issued_on, values: { name: d.name }, fact: { kind: 'CARD', status: d.card_status } };
    }
  }
}
