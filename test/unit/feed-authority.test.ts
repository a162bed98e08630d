import { FEED_SOURCES, FIELD_AUTHORITY, isAuthoritative } from '../../src/domain/feeds';
import { PERSON_FIELDS, type PersonField } from '../../src/domain/registry/person-fields';

/** Issue 17: one table says which source is authoritative for which person field. */
describe('field authority', () => {
  it('covers every person field the change writer knows', () => {
    expect(Object.keys(FIELD_AUTHORITY).sort()).toEqual(Object.keys(PERSON_FIELDS).sort());
  });

  it('gives public security the identity and hukou, and the resident or a worker phone and residence', () => {
    for (const f of ['name', 'idNumber', 'sex', 'birthDate', 'hukouRegion', 'hukouAddress'] as PersonField[]) {
      expect([f, FIELD_AUTHORITY[f]]).toEqual([f, 'public-security']);
    }
    for (const f of ['phone', 'residenceRegion', 'residenceAddress'] as PersonField[]) {
      expect([f, FIELD_AUTHORITY[f]]).toEqual([f, 'resident-or-worker']);
      for (const s of FEED_SOURCES) expect(isAuthoritative(s, f)).toBe(false);
    }
  });

  it('makes no other feed authoritative for a name (their differing names go to review)', () => {
    expect(FEED_SOURCES.filter((s) => isAuthoritative(s, 'name'))).toEqual(['public-security']);
  });
});
