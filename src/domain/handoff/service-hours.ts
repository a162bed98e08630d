/**
 * When people answer handoffs: HANDOFF_HOURS in China time (UTC+8, no daylight saving), e.g.
 * `mon-fri 08:30-12:00,14:30-17:30` or `mon-fri 08:30-17:30; sat 09:00-12:00`, or `always`; the dates of
 * HOLIDAYS (YYYY-MM-DD) are closed all day.
 */
import { CHINA_OFFSET_MS, chinaClock } from '../calendar/china-time';

const DAY_MS = 86400_000;
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

export interface ServiceHours {
  always: boolean;
  /** Per weekday (0 = Sunday): open windows as [startMinute, endMinute) of the China-time day. */
  windows: [number, number][][];
  holidays: Set<string>;
}

function minuteOf(hhmm: string): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(hhmm);
  if (!m) throw new Error(`"${hhmm}" is not a time HH:MM`);
  const v = Number(m[1]) * 60 + Number(m[2]);
  if (Number(m[2]) > 59 || v > 24 * 60) throw new Error(`"${hhmm}" is not a time HH:MM`);
  return v;
}

function dayIndex(name: string): number {
  const i = DAYS.indexOf(name.toLowerCase() as (typeof DAYS)[number]);
  if (i < 0) throw new Error(`"${name}" is not a weekday (mon, tue, … sun)`);
  return i;
}

function daysOf(spec: string): number[] {
  if (spec === 'daily') return [0, 1, 2, 3, 4, 5, 6];
  const out: number[] = [];
  for (const part of spec.split(',')) {
    const [a, b] = part.split('-');
    const from = dayIndex(a ?? '');
    const to = b === undefined ? from : dayIndex(b);
    for (let d = from; ; d = (d + 1) % 7) {
      out.push(d);
      if (d === to) break;
    }
  }
  return out;
}

/** Parses HANDOFF_HOURS; throws an Error saying what is wrong. */
export function parseServiceHours(spec: string, holidays: readonly string[] = []): ServiceHours {
  const s = spec.trim().toLowerCase();
  const windows: [number, number][][] = [[], [], [], [], [], [], []];
  if (s === 'always') return { always: true, windows, holidays: new Set(holidays) };
  for (const group of s.split(';').map((g) => g.trim()).filter(Boolean)) {
    const m = /^(\S+)\s+(\S+)$/.exec(group);
    if (!m) throw new Error(`"${group}" must be "<days> <HH:MM-HH:MM,...>", e.g. "mon-fri 08:30-12:00,14:30-17:30"`);
    const ranges = m[2]!.split(',').map((r) => {
      const [a, b] = r.split('-');
      const start = minuteOf(a ?? '');
      const end = minuteOf(b ?? '');
      if (end <= start) throw new Error(`"${r}" must end after it starts`);
      return [start, end] as [number, number];
    });
    for (const d of daysOf(m[1]!)) windows[d]!.push(...ranges);
  }
  for (const w of windows) w.sort((x, y) => x[0] - y[0]);
  if (windows.every((w) => !w.length)) throw new Error('names no open hours');
  return { always: false, windows, holidays: new Set(holidays) };
}

/** China-time calendar day of an instant: its date string, weekday and the UTC instant of its midnight. */
function chinaDay(t: number): { date: string; weekday: number; midnight: number } {
  const local = t + CHINA_OFFSET_MS;
  const midnightLocal = Math.floor(local / DAY_MS) * DAY_MS;
  const d = new Date(midnightLocal);
  return { date: d.toISOString().slice(0, 10), weekday: d.getUTCDay(), midnight: midnightLocal - CHINA_OFFSET_MS };
}

/** The open intervals [from, to) (UTC ms) of the China-time day containing t. */
function openIntervals(h: ServiceHours, t: number): [number, number][] {
  const day = chinaDay(t);
  if (h.holidays.has(day.date)) return [];
  return h.windows[day.weekday]!.map(([a, b]) => [day.midnight + a * 60_000, day.midnight + b * 60_000]);
}

export function isOpen(h: ServiceHours, at: Date): boolean {
  if (h.always) return true;
  const t = at.getTime();
  return openIntervals(h, t).some(([a, b]) => t >= a && t < b);
}

/** The next moment someone answers (now if open), looking up to 60 days ahead; null if never. */
export function nextOpening(h: ServiceHours, at: Date): Date | null {
  if (isOpen(h, at)) return at;
  const t = at.getTime();
  for (let day = 0; day < 60; day++) {
    for (const [a] of openIntervals(h, t + day * DAY_MS)) if (a > t) return new Date(a);
  }
  return null;
}

/** Seconds of service time between two instants (all of it with `always`). */
export function serviceSecondsBetween(h: ServiceHours, from: Date, to: Date): number {
  const a = from.getTime();
  const b = to.getTime();
  if (b <= a) return 0;
  if (h.always) return Math.floor((b - a) / 1000);
  let ms = 0;
  for (let t = chinaDay(a).midnight; t < b; t += DAY_MS) {
    for (const [x, y] of openIntervals(h, t + 1)) ms += Math.max(0, Math.min(y, b) - Math.max(x, a));
  }
  return Math.floor(ms / 1000);
}

/** "2026-12-02 08:30" in China time, for messages. */
export function chinaTimeLabel(at: Date): { date: string; time: string; weekday: number } {
  const local = chinaClock(at);
  return { date: local.toISOString().slice(0, 10), time: local.toISOString().slice(11, 16), weekday: local.getUTCDay() };
}
