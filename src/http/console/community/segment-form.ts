import { DataQualityFlag, EmploymentStatus, RegistrationStatus } from '../../../generated/prisma/enums';
import { INSURANCE_TYPES } from '../../../domain/codes/insurance';
import { type SegmentFilter, SegmentFilterSchema } from '../../../domain/campaigns/segment-filter';
import { DEFAULT_QUIET_HOURS, QuietHoursSchema, type QuietHours } from '../../../domain/campaigns/quiet-hours';
import { CAMPAIGN_CHANNELS, type CampaignChannel } from '../../../domain/campaigns/reach';

/** The choices of the filter form's checkbox groups, by filter key. */
export const FILTER_CHOICES = {
  registrationStatus: Object.values(RegistrationStatus),
  flags: Object.values(DataQualityFlag),
  missingInsurance: INSURANCE_TYPES,
  employmentStatus: Object.values(EmploymentStatus),
} as const;
export const FILTER_NUMBERS = ['ageFrom', 'ageTo', 'movedInDays', 'notContactedDays', 'excludeVerifiedDays'] as const;
/** Exclusions: on unless unticked. */
export const FILTER_SWITCHES = ['excludeOpenChangeRequest', 'excludeOptedOut'] as const;
/** Groups (issue 17): off unless ticked, and then only written into the filter. */
export const FILTER_GROUPS = ['newbornEnrolment'] as const;

type Query = Record<string, unknown>;
const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' && v !== '' ? [v] : []);

export type FilterResult = { ok: true; filter: SegmentFilter } | { ok: false; detail: string };

/**
 * The filter of a console URL: `?filter=<URL-encoded JSON of the segment filter>` (the contract other pages link
 * with), else the form's own fields (`?_form=1&region=…&registrationStatus=…`), else everyone of `fallbackRegion`.
 */
export function filterFromQuery(q: Query, fallbackRegion: string): FilterResult {
  let raw: unknown;
  if (typeof q.filter === 'string' && q.filter !== '') {
    try {
      raw = JSON.parse(q.filter);
    } catch {
      return { ok: false, detail: 'filter is not JSON' };
    }
  } else if (q._form !== undefined) {
    const f: Record<string, unknown> = { region: typeof q.region === 'string' && q.region ? q.region : fallbackRegion };
    for (const key of Object.keys(FILTER_CHOICES)) {
      const values = list(q[key]);
      if (values.length) f[key] = values;
    }
    for (const key of FILTER_NUMBERS) {
      const v = typeof q[key] === 'string' ? (q[key] as string).trim() : '';
      if (v !== '') f[key] = /^\d+$/.test(v) ? Number(v) : v;
    }
    const ticked = (key: string) => q[key] === 'on' || q[key] === 'true';
    for (const key of FILTER_SWITCHES) f[key] = ticked(key);
    for (const key of FILTER_GROUPS) if (ticked(key)) f[key] = true;
    raw = f;
  } else {
    raw = { region: fallbackRegion };
  }
  const parsed = SegmentFilterSchema.safeParse(raw);
  return parsed.success ? { ok: true, filter: parsed.data } : { ok: false, detail: parsed.error.issues.map((i) => `${i.path.join('.') || 'filter'}: ${i.message}`).join('; ') };
}

/** The URL of the segments page showing a filter. */
export const segmentUrl = (f: SegmentFilter): string => `/console/segments?filter=${encodeURIComponent(JSON.stringify(f))}`;

/** Channels and quiet hours of a campaign form or a preview request (defaults: both channels, 21:00-08:00). */
export function sendingFromQuery(q: Query): { ok: true; channels: CampaignChannel[]; quietHours: QuietHours } | { ok: false; detail: string } {
  // `_sending` marks the campaign form, whose unticked boxes mean "none" rather than "default".
  const form = q._sending !== undefined;
  const channels = !form && q.channels === undefined ? [...CAMPAIGN_CHANNELS] : list(q.channels).filter((c): c is CampaignChannel => (CAMPAIGN_CHANNELS as readonly string[]).includes(c));
  if (!channels.length) return { ok: false, detail: 'channels' };
  if (form && q.quietOn !== 'on') return { ok: true, channels, quietHours: null };
  const quiet = QuietHoursSchema.safeParse(
    typeof q.quietStart === 'string' && typeof q.quietEnd === 'string' ? { start: q.quietStart, end: q.quietEnd } : DEFAULT_QUIET_HOURS,
  );
  return quiet.success ? { ok: true, channels, quietHours: quiet.data } : { ok: false, detail: 'quietHours' };
}
