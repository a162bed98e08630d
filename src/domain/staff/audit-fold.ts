/** Plain views in an audit history folded per person per day, so reloads do not flood it (issue 14). */
import { chinaDate } from '../calendar/china-time';

/** Audited actions that only look (nothing revealed, nothing changed): listed once per person per day with a count. */
export const PLAIN_VIEW_ACTIONS: readonly string[] = ['review.view', 'person.view', 'person.audit_view', 'review.list', 'review.stats', 'campaign.view', 'work_item.list', 'work_item.view'];

const chinaDay = (iso: string) => chinaDate(new Date(iso));

interface Foldable {
  at: string;
  action: string;
  outcome: string;
  actorType: string;
  actorUsername: string | null;
  count?: number;
}

/**
 * Keeps every event except successful plain views, which become one row per (person, action, China day): the
 * first view of the day, with `count` set to how many there were. Order is kept (by the first view).
 */
export function foldViews<T extends Foldable>(events: readonly T[]): T[] {
  const out: T[] = [];
  const folded = new Map<string, T>();
  for (const e of events) {
    if (e.outcome !== 'OK' || !PLAIN_VIEW_ACTIONS.includes(e.action)) {
      out.push(e);
      continue;
    }
    const key = `${e.actorType}|${e.actorUsername ?? ''}|${e.action}|${chinaDay(e.at)}`;
    const row = folded.get(key);
    if (row) {
      row.count = (row.count ?? 1) + 1;
      continue;
    }
    const first = { ...e, count: 1 };
    folded.set(key, first);
    out.push(first);
  }
  return out;
}
