/**
 * Working days for review deadlines (the county agency must answer within 3 working days, docs/domain.md).
 *
 * Counting follows the usual rule for statutory periods (Civil Code arts. 201-203): the day of submission is
 * not counted, the period ends at 24:00 of its last day, and only working days count. Days are calendar days
 * in China (UTC+8) whatever the server's time zone. A working day is Monday to Friday and not in the holiday
 * list (config HOLIDAYS, YYYY-MM-DD). Weekend days that are made working days (调休上班) are not modelled.
 */

import { addDays, chinaDate, chinaDayStart } from './china-time';

/** Working days the reviewing agency has for a change request. */
export const REVIEW_WORKING_DAYS = 3;

const DAY_MS = 86_400_000;

const nextDate = (ymd: string): string => addDays(ymd, 1);

function toSet(holidays: Iterable<string>): ReadonlySet<string> {
  return holidays instanceof Set ? (holidays as ReadonlySet<string>) : new Set(holidays);
}

/** True for Monday to Friday when the date is not a holiday. */
export function isWorkingDay(ymd: string, holidays: Iterable<string> = []): boolean {
  const weekday = new Date(`${ymd}T00:00:00Z`).getUTCDay();
  return weekday !== 0 && weekday !== 6 && !toSet(holidays).has(ymd);
}

/**
 * The end (24:00 China time) of the n-th working day after the China calendar day of `from`.
 * Submitted on Monday (any hour), n = 3: due at the end of Thursday. Submitted on Saturday: end of Wednesday.
 */
export function addWorkingDays(from: Date, n: number, holidays: Iterable<string> = []): Date {
  if (!Number.isInteger(n) || n < 1) throw new RangeError('addWorkingDays needs a whole number of days >= 1');
  const set = toSet(holidays);
  let day = chinaDate(from);
  let counted = 0;
  // A year of holidays cannot stall this: at most n + 366 + weekends iterations in any real calendar.
  for (let guard = 0; counted < n; guard++) {
    if (guard > 3660) throw new RangeError('no working day found within ten years; check HOLIDAYS');
    day = nextDate(day);
    if (isWorkingDay(day, set)) counted++;
  }
  return chinaDayStart(nextDate(day));
}

/** When a change request submitted at `submittedAt` must be decided (3 working days). */
export function reviewDueAt(submittedAt: Date, holidays: Iterable<string> = [], days = REVIEW_WORKING_DAYS): Date {
  return addWorkingDays(submittedAt, days, holidays);
}

/**
 * Working days elapsed between two instants: the working days after `from`'s China date up to and including
 * `to`'s China date (0 when `to` is on the same day or earlier). A request submitted on Monday is 1 working
 * day old on Tuesday and 3 on Thursday.
 */
export function workingDaysBetween(from: Date, to: Date, holidays: Iterable<string> = []): number {
  const start = chinaDate(from);
  const end = chinaDate(to);
  if (end <= start) return 0;
  // Whole weeks have five working days; the rest is counted day by day, then holidays on weekdays removed.
  const dayNumber = (ymd: string) => Date.parse(`${ymd}T00:00:00Z`) / DAY_MS;
  const first = dayNumber(start);
  const last = dayNumber(end);
  const weeks = Math.floor((last - first) / 7);
  let n = weeks * 5;
  for (let d = first + weeks * 7 + 1; d <= last; d++) {
    const weekday = (d + 4) % 7; // day 0 (1970-01-01) was a Thursday
    if (weekday !== 0 && weekday !== 6) n++;
  }
  for (const h of toSet(holidays)) {
    if (h > start && h <= end && isWorkingDay(h)) n--;
  }
  return n;
}
