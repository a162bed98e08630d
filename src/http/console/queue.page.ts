import type { ReviewItem, ReviewStats } from '../../domain/review';
import { chinaDueDate, chinaTime, csrfField, layout, notice, type PageContext, select } from './console-layout';
import { flag, html } from './html';
import { ageText, labelsFor, reviewStatusOf } from './labels';

export interface QueueFilters {
  status: string;
  kind: string;
  region: string;
  overdue: boolean;
  q: string;
}

export interface QueueView {
  filters: QueueFilters;
  items: ReviewItem[];
  nextCursor: string | null;
  stats: ReviewStats | null;
  /** Regions to filter by (the caller's area and the level below it). */
  regions: { code: string; name: string }[];
  canDecide: boolean;
  now: Date;
  flash?: { kind: 'ok' | 'error' | 'info'; text: string } | undefined;
}

function queryOf(f: QueueFilters, extra: Record<string, string> = {}): string {
  const p = new URLSearchParams();
  if (f.status && f.status !== 'open') p.set('status', f.status);
  if (f.kind) p.set('kind', f.kind);
  if (f.region) p.set('region', f.region);
  if (f.overdue) p.set('overdue', '1');
  if (f.q) p.set('q', f.q);
  for (const [k, v] of Object.entries(extra)) p.set(k, v);
  const s = p.toString();
  return s ? `?${s}` : '';
}

/** The review queue: counts, filters, the table with overdue rows highlighted, batch approval. */
export function queuePage(ctx: PageContext, v: QueueView): string {
  const { t } = ctx;
  const f = v.filters;
  const l = labelsFor(t);
  const fieldList = (fields: string[]) => fields.map((x) => t(`console.field.${x}`, { defaultValue: x })).join(t('console.listSeparator'));
  const stats = v.stats
    ? html`<section class="stats" aria-label="${t('console.queue.stats')}">
  <div class="stat"><span class="n">${v.stats.byStatus.PENDING}</span><span>${l.status('PENDING')}</span></div>
  <div class="stat"><span class="n">${v.stats.byStatus.NEEDS_INFO}</span><span>${l.status('NEEDS_INFO')}</span></div>
  <div class="stat ${v.stats.overdue ? 'alert' : ''}"><span class="n">${v.stats.overdue}</span><span>${t('console.queue.overdue')}</span></div>
  <div class="stat"><span class="n">${v.stats.byStatus.APPROVED}</span><span>${t('console.queue.recentApproved')}</span></div>
  <div class="stat"><span class="n">${v.stats.byStatus.REJECTED}</span><span>${t('console.queue.recentRejected')}</span></div>
</section>
${v.stats.byPrefecture.length > 1
  ? html`<details class="prefectures"><summary>${t('console.queue.byPrefecture')}</summary>
  <table><thead><tr><th>${t('console.queue.region')}</th><th>${t('console.queue.open')}</th><th>${t('console.queue.overdue')}</th><th>${t('console.queue.recentDecided')}</th></tr></thead>
  <tbody>${v.stats.byPrefecture.map(
    (p) => html`<tr><td>${l.region(p.region.code)}</td><td>${p.open}</td><td class="${p.overdue ? 'late' : ''}">${p.overdue}</td><td>${p.decided}</td></tr>`,
  )}</tbody></table></details>`
  : ''}`
    : html``;

  const filterForm = html`<form method="get" action="/console/queue" class="filters" id="filters">
  <div><label for="f-status">${t('console.queue.status')}</label>
  ${select('status', f.status, [
    { value: 'open', label: t('console.queue.statusOpen') },
    ...['PENDING', 'FIRST_APPROVED', 'NEEDS_INFO', 'APPROVED', 'REJECTED'].map((s) => ({ value: s, label: l.status(s) })),
    { value: 'all', label: t('console.queue.statusAll') },
  ])}</div>
  <div><label for="f-kind">${t('console.queue.kind')}</label>
  ${select('kind', f.kind, [
    { value: '', label: t('console.queue.kindAll') },
    { value: 'FIELD_CHANGE', label: t('console.kind.FIELD_CHANGE') },
    { value: 'NEW_PERSON', label: t('console.kind.NEW_PERSON') },
    { value: 'MERGE', label: t('console.kind.MERGE') },
  ])}</div>
  <div><label for="f-region">${t('console.queue.region')}</label>
  ${select('region', f.region, [{ value: '', label: t('console.queue.regionAll') }, ...v.regions.map((r) => ({ value: r.code, label: `${l.region(r.code)} (${r.code})` }))])}</div>
  <div class="check"><input type="checkbox" id="f-overdue" name="overdue" value="1"${flag('checked', f.overdue)}><label for="f-overdue">${t('console.queue.overdueOnly')}</label></div>
  <div><label for="f-q">${t('console.queue.search')}</label>
  <input id="f-q" name="q" value="${f.q}" maxlength="64" placeholder="${t('console.queue.searchHint')}"></div>
  <div class="buttons"><button type="submit" class="primary">${t('console.queue.filter')}</button> <a href="/console/queue" class="button">${t('console.queue.reset')}</a></div>
</form>`;

  const rows = v.items.map((i) => {
    const selectable = v.canDecide && i.lowRisk && (i.status === 'PENDING' || i.status === 'NEEDS_INFO') && !i.claimedBy;
    return html`<tr class="${i.overdue ? 'overdue' : ''}" data-id="${i.id}">
  <td class="sel">${selectable
    ? html`<input type="checkbox" name="item" value="${i.id}:${i.version}" aria-label="${t('console.queue.select', { reference: i.reference })}">`
    : ''}</td>
  <td><a href="/console/requests/${i.id}">${i.reference}</a></td>
  <td>${t(`console.kind.${i.kind}`)}</td>
  <td>${fieldList(i.fields)}</td>
  <td>${i.subject.name ?? ''}<br><span class="mono">${i.subject.idNumber ?? ''}</span></td>
  <td>${i.region ? l.region(i.region.code) : ''}</td>
  <td>${chinaTime(i.createdAt)}<br><span class="muted age">${ageText(t, i, v.now)}</span></td>
  <td>${chinaDueDate(i.dueAt)}${i.overdue ? html` <span class="badge late">${t('console.queue.overdueBadge')}</span>` : ''}</td>
  <td><span class="badge s-${reviewStatusOf(i)}">${l.status(reviewStatusOf(i))}</span>${i.firstApprovalBy ? html`<br><span class="muted">${i.firstApprovalBy}${i.firstApprovalAt ? ` ${chinaTime(i.firstApprovalAt).slice(5)}` : ''}</span>` : ''}</td>
  <td>${i.claimedBy ?? ''}</td>
</tr>`;
  });

  const table = v.items.length
    ? html`<form method="post" action="/console/batch-approve" id="batch">
  ${csrfField(ctx)}
  <input type="hidden" name="back" value="${queryOf(f)}">
  <div class="table-wrap"><table class="queue">
  <thead><tr>
    <th class="sel">${v.canDecide ? html`<input type="checkbox" id="select-all" aria-label="${t('console.queue.selectAll')}">` : ''}</th>
    <th>${t('console.queue.reference')}</th><th>${t('console.queue.kind')}</th><th>${t('console.queue.fields')}</th>
    <th>${t('console.queue.subject')}</th><th>${t('console.queue.region')}</th><th>${t('console.queue.submitted')}</th>
    <th>${t('console.queue.due')}</th><th>${t('console.queue.status')}</th><th>${t('console.queue.claimedBy')}</th>
  </tr></thead>
  <tbody>${rows}</tbody>
  </table></div>
  ${v.canDecide
    ? html`<p class="batch"><button type="submit" class="primary" id="batch-approve">${t('console.queue.batchApprove')}</button>
  <span class="muted">${t('console.queue.batchHint')}</span></p>`
    : ''}
</form>`
    : html`<p class="empty">${t('console.queue.empty')}</p>`;

  const more = v.nextCursor ? html`<p class="pager"><a class="button" href="/console/queue${queryOf(f, { cursor: v.nextCursor })}">${t('console.queue.next')}</a></p>` : '';

  return layout(
    ctx,
    t('console.queue.title'),
    html`<h1>${t('console.queue.title')}</h1>
${v.flash ? notice(v.flash.kind, v.flash.text) : ''}
${stats}
${filterForm}
${table}
${more}`,
  );
}
