import fs from 'node:fs';
import { REGIONS_SEED } from '../../src/domain/registry/region.service';
import { matchPlaces, type PlaceRow } from '../../src/domain/registry/place-matcher';

/** The county and township rows of the shipped Yunnan region table. */
const rows: PlaceRow[] = fs
  .readFileSync(REGIONS_SEED, 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((l) => l.split(','))
  .filter(([, , level]) => level === 'county' || level === 'township')
  .map(([code, name, level, parent]) => ({ code: code!, name: name!, level: level!.toUpperCase(), parentCode: parent || null }));

describe('matchPlaces', () => {
  it.each([
    ['弥渡县新街镇', ['532925103']],
    ['弥渡新街', ['532925103']],
    ['Wuhua', ['530102']],
    ['wu hua', ['530102']],
    ['Longxiang', ['530102004']],
    ['midu xinjie', ['532925103']],
    ['五花区', ['530102']],
    ['五华', ['530102']],
  ])('%s -> %j', (q, codes) => {
    expect(matchPlaces(q, rows)).toEqual(codes);
  });

  it('finds nothing for a place that is not in the table, nor for one letter', () => {
    expect(matchPlaces('东京都新宿区', rows)).toEqual([]);
    expect(matchPlaces('x', rows)).toEqual([]);
    expect(matchPlaces('Paris', rows)).toEqual([]);
  });
});
