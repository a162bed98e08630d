import { chinaClock } from '../../domain/calendar/china-time';
import { cnDigitsToArabic, parseNumber } from './numbers';

/**
 * "Since when" answers as residents give them, resolved with the injected clock (the turn's `now`):
 * 2020年5月, 2020.5, 二〇二〇年五月, 去年3月, 今年五月, 前年, 上个月, 这个月, 3个月前, 两年前, 2009年退的休, and the
 * future too (下个月, 明年3月: the flow says why it refuses them). Relative dates count from the China calendar.
 * A month is returned as YYYY-MM, a day as YYYY-MM-DD; a year alone is reported as such (the bot asks the
 * month rather than inventing one).
 */
export type DateAnswer = { kind: 'month'; value: string } | { kind: 'day'; value: string } | { kind: 'year'; year: number } | null;

const pad = (n: number) => String(n).padStart(2, '0');

function month(y: number, m: number): DateAnswer {
  if (y < 1940 || y > 2100 || m < 1 || m > 12) return null;
  return { kind: 'month', value: `${String(y)}-${pad(m)}` };
}

function shift(now: Date, months: number): DateAnswer {
  const total = now.getUTCFullYear() * 12 + now.getUTCMonth() - months;
  return month(Math.floor(total / 12), (total % 12) + 1);
}

/** The latest day `d` of the month `base` (or of that month a year before) that is not after today. */
function latestDay(now: Date, base: DateAnswer, d: number): DateAnswer {
  if (!base || base.kind !== 'month' || d < 1 || d > new Date(Date.UTC(Number(base.value.slice(0, 4)), Number(base.value.slice(5)), 0)).getUTCDate()) return null;
  const day = `${base.value}-${pad(d)}`;
  return { kind: 'day', value: day > now.toISOString().slice(0, 10) ? `${String(Number(day.slice(0, 4)) - 1)}${day.slice(4)}` : day };
}

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
/** An English month name or its abbreviation (at least 3 letters): 1-12, or 0. */
const monthNumber = (w: string) => (w.length >= 3 ? MONTHS.findIndex((m) => m.startsWith(w)) + 1 : 0);
const YEAR_WORDS = { nextyear: -1, thisyear: 0, lastyear: 1 } as const;

/** How many years back a word for a year goes (明年: one forward). */
const YEARS_BACK = { 明年: -1, 今年: 0, 去年: 1, 前年: 2, 大前年: 3 } as const;

const NUM = '(\\d{1,4}|[〇零一二三四五六七八九十两]{1,4})';

export function parseDateAnswer(text: string, at: Date): DateAnswer {
  const now = chinaClock(at);
  const t = cnDigitsToArabic(text.normalize('NFKC'))
    .replace(/\s+/gu, '')
    .replace(/[。.!！]+$/u, '')
    .replace(/(?<=年)([一二三四五六七八九十]{1,3})(?=月)|(?<=月)([一二三四五六七八九十]{1,3})(?=[日号])/gu, (s) => String(parseNumber(s) ?? s));
  const year = now.getUTCFullYear();
  const n = (s: string | undefined) => (s === undefined ? null : parseNumber(s));

  let m = /^(\d{4})[-/.年](\d{1,2})(?:月)?(?:[-/.](\d{1,2})|(\d{1,2})[日号])?(?:份)?(?:开始|起|以来)?/u.exec(t);
  if (m) {
    const d = Number(m[3] ?? m[4] ?? 0);
    const r = month(Number(m[1]), Number(m[2]));
    if (!r || r.kind !== 'month' || !d) return r;
    const mo = Number(m[2]);
    if (d > new Date(Date.UTC(Number(m[1]), mo, 0)).getUTCDate()) return null;
    return { kind: 'day', value: `${r.value}-${pad(d)}` };
  }
  m = /^(\d{4})(\d{2})$/u.exec(t);
  if (m) return month(Number(m[1]), Number(m[2]));
  // A day without the year (11月20日, 上个月20号): the latest such day not after today.
  m = /^(?:(\d{1,2})月|(上个?月))(\d{1,2})[日号]$/u.exec(t);
  if (m) return latestDay(now, m[1] ? month(year, Number(m[1])) : shift(now, 1), Number(m[3]));
  m = new RegExp(`^(明年|今年|去年|前年|大前年)${NUM}月`, 'u').exec(t);
  if (m) {
    const back = YEARS_BACK[m[1] as '今年'];
    const mo = n(m[2]);
    return mo ? month(year - back, mo) : null;
  }
  if (/^(这个月|本月|这月|当月)/u.test(t)) return shift(now, 0);
  if (/^下个?月/u.test(t)) return shift(now, -1);
  if (/^上上个?月/u.test(t)) return shift(now, 2);
  if (/^上个?月/u.test(t)) return shift(now, 1);
  m = new RegExp(`^${NUM}个(?:多)?月(?:以)?前`, 'u').exec(t);
  if (m) {
    const k = n(m[1]);
    return k && k < 1200 ? shift(now, k) : null;
  }
  m = new RegExp(`^${NUM}年(?:多)?(?:以)?前`, 'u').exec(t);
  if (m) {
    const k = n(m[1]);
    return k && k < 90 ? { kind: 'year', year: year - k } : null;
  }
  m = /^(明年|今年|去年|前年|大前年)/u.exec(t);
  if (m) return { kind: 'year', year: year - YEARS_BACK[m[1] as '今年'] };
  m = /^(?:从|在|是|于)?(\d{4})年?(?:就|开始|起|退|的|那年|左右)?/u.exec(t);
  if (m && Number(m[1]) >= 1940 && Number(m[1]) <= year) return { kind: 'year', year: Number(m[1]) };
  // English: "May 2020", "2020 May", "November 20" (20 November, Nov 20th), "March last year" (last March), "last
  // month", "3 months ago"
  const en = t.toLowerCase().replace(/^(?:since|from|starting|in|on|bornon|born)(?:the)?(?=[a-z\d])/u, '');
  m = /^([a-z]+),?(\d{4})$/u.exec(en) ?? /^(\d{4}),?([a-z]+)$/u.exec(en);
  if (m) {
    const [a, b] = /^\d/u.test(m[1]!) ? [m[2]!, m[1]!] : [m[1]!, m[2]!];
    const i = monthNumber(a);
    return i ? month(Number(b), i) : null;
  }
  m = /^([a-z]+)(\d{1,2})(?:st|nd|rd|th)?$/u.exec(en) ?? /^(?:the)?(\d{1,2})(?:st|nd|rd|th)?(?:of)?([a-z]+)$/u.exec(en);
  if (m) {
    const [w, d] = /^\d/u.test(m[1]!) ? [m[2]!, m[1]!] : [m[1]!, m[2]!];
    const i = monthNumber(w);
    if (i) return latestDay(now, month(year, i), Number(d));
  }
  m = /^([a-z]+?)(nextyear|thisyear|lastyear)$/u.exec(en) ?? /^(next|this|last)([a-z]+)$/u.exec(en);
  if (m) {
    const [w, y] = m[1] === 'next' || m[1] === 'this' || m[1] === 'last' ? [m[2]!, `${m[1]}year`] : [m[1]!, m[2]!];
    const i = monthNumber(w);
    if (i) return month(year - YEAR_WORDS[y as keyof typeof YEAR_WORDS], i);
  }
  if (/^(thismonth)/u.test(en)) return shift(now, 0);
  if (/^lastmonth/u.test(en)) return shift(now, 1);
  if (/^nextmonth/u.test(en)) return shift(now, -1);
  m = /^(\d{1,3})months?ago/u.exec(en);
  if (m) return shift(now, Number(m[1]));
  if (/^lastyear/u.test(en)) return { kind: 'year', year: year - 1 };
  return null;
}

/** A month answer for a year the bot already heard (2009年 -> 3月 -> 2009-03). */
export function parseMonthOfYear(text: string, year: number): DateAnswer {
  const t = text.normalize('NFKC').replace(/\s+/gu, '').replace(/[。.!！]+$/u, '');
  const m = /^(\d{1,2}|[一二三四五六七八九十]{1,3})月?(?:份)?$/u.exec(t);
  const mo = m ? parseNumber(m[1]!) : null;
  return mo ? month(year, mo) : null;
}
