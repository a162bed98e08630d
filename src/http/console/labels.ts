import type { TFunction } from 'i18next';
import { regionChainName, regionChainNameEn } from '../../domain/registry/region-names';

/**
 * Every code a person sees on a console page, as words in the page's language (issue 14): actor kinds, audit
 * actions, outcomes, channels and sources, request and registration statuses, region names with their parents
 * (in English: pinyin with the kind of region, smallest first).
 * Texts live in locales/<lng>/labels.json; test/unit/console-labels.test.ts fails when a code lacks one.
 * Import `labelsFor(ctx.t)` from any console page.
 */
export interface Labels {
  /** STAFF, RESIDENT, SYSTEM, IMPORT. */
  actorType(code: string): string;
  /** Who did it: the staff member's username, else the actor kind. */
  actor(e: { actorType: string; actorUsername?: string | null }): string;
  /** An audit action such as review.view or change_request.submit. */
  action(code: string): string;
  /** OK, DENIED, FAILED. */
  outcome(code: string): string;
  /** A channel or source: web, wechaty, wechat-oa, console, api, … */
  channel(code: string): string;
  /** A change request's status; FIRST_APPROVED is a PENDING four-eyes change with its first approval. */
  status(code: string): string;
  /** A person's registration status. */
  registration(code: string): string;
  /** A region's name with its parents (昆明市五华区华山街道). */
  region(code: string | null | undefined): string;
  /** An audit target kind: change_request, person, campaign, … */
  targetType(code: string): string;
}

/** The flattened leaf keys of a nested locale object: { review: { view: 'x' } } gives ['review.view']. */
export function leafKeys(tree: unknown, prefix = ''): string[] {
  if (!tree || typeof tree !== 'object') return prefix ? [prefix] : [];
  return Object.entries(tree as Record<string, unknown>).flatMap(([k, v]) => leafKeys(v, prefix ? `${prefix}.${k}` : k));
}

export function labelsFor(t: TFunction): Labels {
  // Unknown codes show as themselves (a new code never breaks a page; the unit test catches it first).
  const label = (group: string, code: string) => (code ? t(`labels.${group}.${code}`, { defaultValue: code }) : '');
  const actorType = (code: string) => label('actor', code);
  return {
    actorType,
    actor: (e) => e.actorUsername ?? actorType(e.actorType),
    action: (code) => label('action', code),
    outcome: (code) => label('outcome', code),
    channel: (code) => label('channel', code),
    status: (code) => label('status', code),
    registration: (code) => label('registration', code),
    // English pages read region names in pinyin with their kind (Huashan Subdistrict, Wuhua District, Kunming City).
    region: (code) => ((t as { lng?: string }).lng === 'en' ? regionChainNameEn(code) : regionChainName(code)),
    targetType: (code) => label('target', code),
  };
}

/** A request's status as the reviewer reads it: a pending four-eyes change with its first approval is FIRST_APPROVED. */
export function reviewStatusOf(i: { status: string; firstApprovalBy: string | null }): string {
  return i.status === 'PENDING' && i.firstApprovalBy ? 'FIRST_APPROVED' : i.status;
}

/** How long a request has waited: 今天提交, 已等待2个工作日, 已逾期1个工作日. */
export function ageText(t: TFunction, i: { createdAt: string; ageWorkingDays: number; overdue: boolean; overdueWorkingDays: number }, now: Date): string {
  if (i.overdue) return t('reviewDesk.age.overdue', { count: i.overdueWorkingDays });
  const day = (d: Date) => new Date(d.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
  if (day(new Date(i.createdAt)) === day(now)) return t('reviewDesk.age.today');
  return i.ageWorkingDays ? t('reviewDesk.age.waiting', { count: i.ageWorkingDays }) : t('reviewDesk.age.notYet');
}

/** The audit actions that have a label (for the audit page's action filter), in the locale's order. */
export function labelledActions(t: TFunction): string[] {
  return leafKeys(t('labels.action', { returnObjects: true }));
}
