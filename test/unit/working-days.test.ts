import { chinaDate } from '../../src/domain/calendar/china-time';
import { addWorkingDays, isWorkingDay, reviewDueAt, workingDaysBetween } from '../../src/domain/calendar/working-days';

/** An instant given as China local time (UTC+8). */
const cst = (local: string) => new Date(`${local}+08:00`);

describe('chinaDate', () => {
  it('is the calendar date in China, not UTC', () => {
    expect(chinaDate(new Date('2026-11-29T15:59:59Z'))).toBe('2026-11-29');
    expect(chinaDate(new Date('2026-11-29T16:00:00Z'))).toBe('2026-11-30');
  });
});

describe('isWorkingDay', () => {
  it.each([
    ['2026-11-30', true], // Monday
    ['2026-12-04', true], // Friday
    ['2026-12-05', false], // Saturday
    ['2026-12-06', false], // Sunday
  ])('%s -> %s', (day, expected) => {
    expect(isWorkingDay(day)).toBe(expected);
  });

  it('treats a listed holiday as a day off', () => {
    expect(isWorkingDay('2026-10-01', ['2026-10-01'])).toBe(false);
  });
});

describe('reviewDueAt (3 working days, submission day not counted, due at 24:00 China time)', () => {
  it.each([
    ['Monday morning -> end of Thursday', '2026-11-30T09:15:00', '2026-12-04T00:00:00'],
    ['Monday late evening -> end of Thursday', '2026-11-30T23:59:00', '2026-12-04T00:00:00'],
    ['Wednesday -> end of Monday', '2026-12-02T10:00:00', '2026-12-08T00:00:00'],
    ['Thursday -> end of Tuesday', '2026-12-03T10:00:00', '2026-12-09T00:00:00'],
    ['Friday -> end of Wednesday', '2026-12-04T16:30:00', '2026-12-10T00:00:00'],
    ['Saturday -> end of Wednesday', '2026-12-05T08:00:00', '2026-12-10T00:00:00'],
    ['Sunday -> end of Wednesday', '2026-12-06T20:00:00', '2026-12-10T00:00:00'],
  ])('%s', (_label, submitted, due) => {
    expect(reviewDueAt(cst(submitted)).toISOString()).toBe(cst(due).toISOString());
  });

  it('uses the China date even when the UTC date is the day before', () => {
    // 2026-11-30 07:00 in China is still Sunday 23:00 UTC.
    expect(reviewDueAt(new Date('2026-11-29T23:00:00Z')).toISOString()).toBe(cst('2026-12-04T00:00:00').toISOString());
  });

  it('skips holidays from config.HOLIDAYS', () => {
    const holidays = ['2026-12-01', '2026-12-02'];
    // Monday: Tue and Wed are holidays, so Thu, Fri, next Mon.
    expect(reviewDueAt(cst('2026-11-30T10:00:00'), holidays).toISOString()).toBe(cst('2026-12-08T00:00:00').toISOString());
  });

  it('skips a whole holiday week (National Day)', () => {
    const golden = ['2026-10-01', '2026-10-02', '2026-10-05', '2026-10-06', '2026-10-07'];
    // Submitted Wednesday 30 September: Oct 1-2 holidays, 3-4 weekend, 5-7 holidays, then Thu 8, Fri 9, Mon 12.
    expect(reviewDueAt(cst('2026-09-30T10:00:00'), golden).toISOString()).toBe(cst('2026-10-13T00:00:00').toISOString());
  });

  it('accepts a Set and a different number of days', () => {
    expect(addWorkingDays(cst('2026-11-30T10:00:00'), 1, new Set<string>()).toISOString()).toBe(cst('2026-12-02T00:00:00').toISOString());
    expect(addWorkingDays(cst('2026-11-30T10:00:00'), 5).toISOString()).toBe(cst('2026-12-08T00:00:00').toISOString());
  });

  it('refuses a non-positive or fractional number of days', () => {
    expect(() => addWorkingDays(new Date(), 0)).toThrow(RangeError);
    expect(() => addWorkingDays(new Date(), 1.5)).toThrow(RangeError);
  });
});

describe('workingDaysBetween', () => {
  it('counts working days after the submission day up to the given day', () => {
    const monday = cst('2026-11-30T10:00:00');
    expect(workingDaysBetween(monday, cst('2026-11-30T18:00:00'))).toBe(0);
    expect(workingDaysBetween(monday, cst('2026-12-01T08:00:00'))).toBe(1);
    expect(workingDaysBetween(monday, cst('2026-12-03T08:00:00'))).toBe(3);
    expect(workingDaysBetween(monday, cst('2026-12-07T08:00:00'))).toBe(5);
    expect(workingDaysBetween(monday, cst('2026-12-07T08:00:00'), ['2026-12-01'])).toBe(4);
    expect(workingDaysBetween(cst('2026-12-07T08:00:00'), monday)).toBe(0);
  });
});

describe('workingDaysBetween over long spans', () => {
  it('agrees with counting day by day', () => {
    const holidays = ['2026-01-01', '2026-02-17', '2026-02-18', '2026-05-01', '2026-10-01', '2026-10-02', '2026-10-03'];
    const from = cst('2025-12-30T15:00:00');
    let expected = 0;
    for (let d = new Date('2025-12-31T00:00:00Z'); d <= new Date('2026-12-31T00:00:00Z'); d = new Date(d.getTime() + 86_400_000)) {
      const ymd = d.toISOString().slice(0, 10);
      if (isWorkingDay(ymd, holidays)) expected++;
      expect(workingDaysBetween(from, cst(`${ymd}T12:00:00`), holidays)).toBe(expected);
    }
  });
});
