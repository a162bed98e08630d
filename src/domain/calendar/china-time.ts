/**
 * China Standard Time (UTC+8 all year, no daylight saving), whatever the server's time zone. Every calendar
 * day, age, deadline, quiet hour and service hour in the domain is counted in it; timestamps are stored in UTC.
 */

export const CHINA_OFFSET_MS = 8 * 3_600_000;
const DAY_MS = 86_400_000;

/** An instant as the wall-clock time in China, to be read with the Date's UTC getters. */
export const chinaClock = (at: Date | number): Date => new Date(+at + CHINA_OFFSET_MS);

/** The calendar date in China (YYYY-MM-DD) at an instant. */
export const chinaDate = (at: Date): string => chinaClock(at).toISOString().slice(0, 10);

/** The date and time in China at an instant, "YYYY-MM-DD HH:mm". */
export function chinaDateTime(at: Date): string {
  const s = chinaClock(at).toISOString();
  return `${s.slice(0, 10)} ${s.slice(11, 16)}`;
}

/** Minutes since midnight in China at an instant. */
export const chinaMinutes = (at: Date): number => Math.floor(((at.getTime() + CHINA_OFFSET_MS) % DAY_MS) / 60_000);

/** A China wall-clock time "YYYY-MM-DDTHH:mm" (a form's datetime-local value), as an instant. */
export const fromChinaLocal = (local: string): Date => new Date(Date.parse(`${local}:00Z`) - CHINA_OFFSET_MS);

/** 00:00 China time of a date YYYY-MM-DD, as an instant. */
export const chinaDayStart = (day: string): Date => new Date(Date.parse(`${day}T00:00:00Z`) - CHINA_OFFSET_MS);

/** The date YYYY-MM-DD `n` days after (or before, for negative n) a date YYYY-MM-DD. */
export const addDays = (day: string, n: number): string => new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
