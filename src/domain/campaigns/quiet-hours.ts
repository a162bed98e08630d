import { z } from 'zod';
import { chinaMinutes } from '../calendar/china-time';

const HHMM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (China time)');

/** Quiet hours in China time; start may be after end (over midnight). null = send at any hour. */
export const QuietHoursSchema = z.object({ start: HHMM, end: HHMM }).strict().nullable();
export type QuietHours = z.infer<typeof QuietHoursSchema>;
export const DEFAULT_QUIET_HOURS: NonNullable<QuietHours> = { start: '21:00', end: '08:00' };

const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** True when `at` falls in the quiet hours (start inclusive, end exclusive). */
export function isQuiet(q: QuietHours, at: Date): boolean {
  if (!q) return false;
  const s = minutes(q.start);
  const e = minutes(q.end);
  const m = chinaMinutes(at);
  if (s === e) return false;
  return s < e ? m >= s && m < e : m >= s || m < e;
}

/** Hours a day in which sending is allowed. */
export function activeHoursPerDay(q: QuietHours): number {
  if (!q) return 24;
  const s = minutes(q.start);
  const e = minutes(q.end);
  const quiet = s === e ? 0 : s < e ? e - s : 1440 - s + e;
  return (1440 - quiet) / 60;
}
