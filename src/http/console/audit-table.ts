import { chinaTime, type PageContext } from './console-layout';
import { html, type SafeHtml } from './html';
import { labelsFor } from './labels';

/** An audit event as a history table shows it (a request's history, a person's trail, the audit search). */
export interface AuditTableRow {
  at: string;
  actorType: string;
  actorUsername: string | null;
  action: string;
  outcome: string;
  source: string;
  /** Plain views folded into this row (foldViews). */
  count?: number;
  targetType?: string | null;
  target?: string | null;
}

/** The history table, every code as words in the page's language; `withTarget` adds the target column. */
export function auditTable(ctx: PageContext, rows: readonly AuditTableRow[], opts: { empty: string; withTarget?: boolean }): SafeHtml {
  const { t } = ctx;
  const l = labelsFor(t);
  const cols = opts.withTarget ? 6 : 5;
  const action = (r: AuditTableRow) => (r.count && r.count > 1 ? t('reviewDesk.viewed', { action: l.action(r.action), count: r.count }) : l.action(r.action));
  return html`<div class="table-wrap"><table class="history"><thead><tr><th>${t('console.audit.at')}</th><th>${t('console.audit.actor')}</th><th>${t('console.audit.action')}</th>${opts.withTarget ? html`<th>${t('reviewDesk.target')}</th>` : ''}<th>${t('console.audit.outcome')}</th><th>${t('console.audit.source')}</th></tr></thead>
<tbody>${rows.length ? '' : html`<tr><td colspan="${cols}" class="muted">${opts.empty}</td></tr>`}${rows.map(
    (r) => html`<tr class="${r.outcome !== 'OK' ? 'denied' : ''}" data-action="${r.action}"><td>${chinaTime(r.at)}</td><td>${l.actor(r)}</td><td>${action(r)}</td>${opts.withTarget
      ? html`<td>${r.targetType ? l.targetType(r.targetType) : ''} ${r.target ?? ''}</td>`
      : ''}<td>${l.outcome(r.outcome)}</td><td>${l.channel(r.source)}</td></tr>`,
  )}</tbody></table></div>`;
}
