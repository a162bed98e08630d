import type { AuditRow } from '../../domain/staff/audit-search.service';
import { AUDIT_ACTOR_TYPES } from '../../domain/staff/audit-search.service';
import { auditTable } from './audit-table';
import { layout, notice, type PageContext, select } from './console-layout';
import { html } from './html';
import { labelledActions, labelsFor } from './labels';

export interface AuditFilters {
  actor: string;
  actorType: string;
  action: string;
  target: string;
  /** YYYY-MM-DD, China days, inclusive. */
  from: string;
  to: string;
}

export interface AuditPageView {
  filters: AuditFilters;
  rows: AuditRow[];
  nextCursor: string | null;
  error?: string | undefined;
}

/** The filters as a query string (for the next page and the CSV link). */
export function auditQuery(f: AuditFilters, extra: Record<string, string> = {}): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...f, ...extra })) if (v) p.set(k, v);
  const s = p.toString();
  return s ? `?${s}` : '';
}

/** The audit search for admins: filters, the events (newest first), the next page, a CSV export of the same search. */
export function auditPage(ctx: PageContext, v: AuditPageView): string {
  const { t } = ctx;
  const l = labelsFor(t);
  const f = v.filters;
  const form = html`<form method="get" action="/console/audit" class="filters" id="audit-filters">
  <div><label for="f-actor">${t('auditLog.actor')}</label><input id="f-actor" name="actor" value="${f.actor}" maxlength="64" autocomplete="off"></div>
  <div><label for="f-actorType">${t('auditLog.actorType')}</label>
  ${select('actorType', f.actorType, [{ value: '', label: t('auditLog.actorTypeAll') }, ...AUDIT_ACTOR_TYPES.map((a) => ({ value: a, label: l.actorType(a) }))])}</div>
  <div><label for="f-action">${t('auditLog.action')}</label>
  ${select('action', f.action, [{ value: '', label: t('auditLog.actionAll') }, ...labelledActions(t).map((a) => ({ value: a, label: l.action(a) }))])}</div>
  <div><label for="f-target">${t('auditLog.target')}</label><input id="f-target" name="target" value="${f.target}" maxlength="64" placeholder="${t('auditLog.targetHint')}" autocomplete="off" spellcheck="false"></div>
  <div><label for="f-from">${t('auditLog.from')}</label><input type="date" id="f-from" name="from" value="${f.from}"></div>
  <div><label for="f-to">${t('auditLog.to')}</label><input type="date" id="f-to" name="to" value="${f.to}"></div>
  <div class="buttons"><button type="submit" class="primary">${t('auditLog.search')}</button> <a href="/console/audit" class="button">${t('auditLog.reset')}</a>
  <a class="button" id="audit-csv" href="/console/audit.csv${auditQuery(f)}">${t('auditLog.export')}</a></div>
</form>`;
  const more = v.nextCursor ? html`<p class="pager"><a class="button" id="audit-next" href="/console/audit${auditQuery(f, { cursor: v.nextCursor })}">${t('auditLog.next')}</a></p>` : '';
  return layout(
    ctx,
    t('auditLog.title'),
    html`<h1>${t('auditLog.title')}</h1>
<p class="muted">${t('auditLog.scope', { region: ctx.principal ? l.region(ctx.principal.regionCode) : '' })}</p>
${notice('error', v.error)}
${form}
${v.error ? '' : auditTable(ctx, v.rows, { empty: t('auditLog.empty'), withTarget: true })}
${more}`,
  );
}
