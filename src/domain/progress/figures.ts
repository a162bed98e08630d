import type { ProgressDaily } from '../../generated/prisma/client';
import { ACTIVITY_SOURCES } from './activity-sources';

/** The figures of one region (API shape): registration, data quality, cover, review queue, activity. */
export interface Figures {
  persons: number;
  unregistered: number;
  pendingReview: number;
  confirmed: number;
  needsVisit: number;
  /** confirmed / persons, 0..1 (4 decimals). */
  confirmedShare: number;
  flags: {
    missingPhone: number;
    missingResidence: number;
    duplicateMedical: number;
    duplicatePension: number;
    sexMismatch: number;
    unknownRegion: number;
    /** Duplicate-scheme flags cleared on the day (summed over the period in reports and trend sums). */
    duplicatesCleared: number;
  };
  cover: {
    /** Persons of working age (README: working-age rule). */
    workingAge: number;
    /** Working-age persons paying into a basic pension scheme (110, 120 or 170). */
    pensionPaying: number;
    pensionByScheme: { '110': number; '120': number; '170': number };
    /** Persons (all ages) paying into a basic medical scheme (310 or 390). */
    medical: number;
    medicalByScheme: { '310': number; '390': number };
    /** Working-age persons with neither a paying basic pension nor a paying basic medical record. */
    gap: number;
    /** (workingAge - gap) / workingAge, 0..1. */
    coverShare: number;
    flexibleWithoutCover: number;
    platformWithoutCover: number;
  };
  review: { backlog: number; overdue: number };
  activity: Record<ActivityKey, number>;
}

export type ActivityKey = (typeof ACTIVITY_SOURCES)[number]['key'];

export const share = (part: number, whole: number): number => (whole > 0 ? Math.round((part / whole) * 10000) / 10000 : 0);

type DailyCounts = Omit<ProgressDaily, 'regionCode' | 'day' | 'refreshedAt'>;

export const EMPTY_DAILY: DailyCounts = {
  persons: 0,
  unregistered: 0,
  pendingReview: 0,
  confirmed: 0,
  needsVisit: 0,
  fMissingPhone: 0,
  fMissingResidence: 0,
  fDuplicateMedical: 0,
  fDuplicatePension: 0,
  fSexMismatch: 0,
  fUnknownRegion: 0,
  workingAge: 0,
  waPensionPaying: 0,
  waP110: 0,
  waP120: 0,
  waP170: 0,
  medical: 0,
  m310: 0,
  m390: 0,
  waNoCover: 0,
  waFlexibleNoCover: 0,
  waPlatformNoCover: 0,
  reviewBacklog: 0,
  reviewOverdue: 0,
  aConversations: 0,
  aVerifications: 0,
  aConfirmations: 0,
  aCorrectionsSubmitted: 0,
  aCorrectionsDecided: 0,
  aHandoffs: 0,
  aNotificationsSent: 0,
  aCampaignMessagesSent: 0,
  aVisitsDone: 0,
  aDuplicatesCleared: 0,
};

/** progress_daily column (snake) -> Prisma field (camel). */
const camel = (col: string) => col.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());

/** The counts of a raw progress_daily row (snake_case columns, e.g. from $queryRaw). */
export function dailyCountsOf(raw: Record<string, unknown>): DailyCounts {
  const out = { ...EMPTY_DAILY };
  for (const k of Object.keys(out) as (keyof DailyCounts)[]) {
    const snake = k.replace(/[A-Z0-9]/g, (c) => `_${c.toLowerCase()}`).replace(/_(\d)/g, '$1');
    const v = raw[snake];
    if (v !== undefined && v !== null) out[k] = Number(v);
  }
  return out;
}

/** The API figures of one progress_daily row (or of zeros when the region has no row that day). */
export function figuresOf(d: DailyCounts | null | undefined): Figures {
  const r = d ?? EMPTY_DAILY;
  const activity = Object.fromEntries(ACTIVITY_SOURCES.map((s) => [s.key, r[camel(s.column) as keyof DailyCounts]])) as Record<ActivityKey, number>;
  return {
    persons: r.persons,
    unregistered: r.unregistered,
    pendingReview: r.pendingReview,
    confirmed: r.confirmed,
    needsVisit: r.needsVisit,
    confirmedShare: share(r.confirmed, r.persons),
    flags: {
      missingPhone: r.fMissingPhone,
      missingResidence: r.fMissingResidence,
      duplicateMedical: r.fDuplicateMedical,
      duplicatePension: r.fDuplicatePension,
      sexMismatch: r.fSexMismatch,
      unknownRegion: r.fUnknownRegion,
      duplicatesCleared: r.aDuplicatesCleared,
    },
    cover: {
      workingAge: r.workingAge,
      pensionPaying: r.waPensionPaying,
      pensionByScheme: { '110': r.waP110, '120': r.waP120, '170': r.waP170 },
      medical: r.medical,
      medicalByScheme: { '310': r.m310, '390': r.m390 },
      gap: r.waNoCover,
      coverShare: share(r.workingAge - r.waNoCover, r.workingAge),
      flexibleWithoutCover: r.waFlexibleNoCover,
      platformWithoutCover: r.waPlatformNoCover,
    },
    review: { backlog: r.reviewBacklog, overdue: r.reviewOverdue },
    activity,
  };
}

/** Period figures: the state of the last day, the activity summed over every day. */
export function periodFigures(days: DailyCounts[]): Figures {
  const last = days[days.length - 1];
  const sum = { ...(last ?? EMPTY_DAILY) };
  for (const k of Object.keys(EMPTY_DAILY) as (keyof DailyCounts)[]) {
    if (k.startsWith('a') && /^a[A-Z]/.test(k)) sum[k] = days.reduce((s, d) => s + d[k], 0);
  }
  return figuresOf(sum);
}
