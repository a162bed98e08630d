import type { ResultsReport } from '../../../domain/visits/visit-list.service';
import type { VisitListSummary } from '../../../domain/visits/visit-list-summary.service';
import { chinaTime, csrfField, layout, type PageContext } from '../console-layout';
import { html, type SafeHtml } from '../html';

const sourceLabel = (ctx: PageContext, source: Record<string, unknown>): SafeHtml => {
  const filter = source.filter as { region?: string } | undefined;
  if (typeof source.campaignId === 'string') return html`<a href="/console/campaigns/${source.campaignId}">${ctx.t('communityConsole.visitLists.fromCampaign')}</a>`;
  return html`${ctx.t('communityConsole.visitLists.fromFilter', { region: filter?.region ?? '' })}`;
};

/** /console/visit-lists: the region's household-visit lists. */
export function visitListsPage(ctx: PageContext, lists: { id: string; source: Record<string, unknown>; createdAt: string; rows: number }[]): string {
  const { t } = ctx;
  return layout(
    ctx,
    t('communityConsole.visitLists.title'),
    html`<h1>${t('communityConsole.visitLists.title')}</h1>
${lists.length
  ? html`<div class="table-wrap"><table id="visit-lists"><thead><tr><th>${t('communityConsole.visitLists.created')}</th><th>${t('communityConsole.visitLists.from')}</th><th>${t('communityConsole.visitLists.rows')}</th><th></th></tr></thead><tbody>${lists.map(
      (l) => html`<tr><td>${chinaTime(l.createdAt)}</td><td>${sourceLabel(ctx, l.source)}</td><td>${l.rows}</td><td><a href="/console/visit-lists/${l.id}">${t('communityConsole.visitLists.open')}</a></td></tr>`,
    )}</tbody></table></div>`
  : html`<p class="empty">${t('communityConsole.visitLists.empty')}</p>`}`,
  );
}

/** The upload report: what was applied and each rejected row with its reason (served alone to the page's script). */
export function resultsReportBlock(ctx: PageContext, r: ResultsReport): SafeHtml {
  const { t } = ctx;
  return html`<section class="report" id="report">
<h3>${t('communityConsole.visitLists.report')}</h3>
<p><span class="badge" data-report="applied">${t('communityConsole.visitLists.applied')} ${r.applied}</span>
<span class="badge" data-report="unchanged">${t('communityConsole.visitLists.unchanged')} ${r.unchanged}</span>
<span class="badge" data-report="changeRequests">${t('communityConsole.visitLists.changeRequests')} ${r.changeRequests}</span>
<span class="badge bad" data-report="rejects">${t('communityConsole.visitLists.rejects')} ${r.rejects.length}</span></p>
${r.rejects.length
  ? html`<div class="table-wrap"><table id="rejects"><thead><tr><th>${t('communityConsole.visitLists.sheet')}</th><th>${t('communityConsole.visitLists.row')}</th><th>${t('communityConsole.visitLists.reason')}</th></tr></thead><tbody>${r.rejects.map(
      (x) => html`<tr><td>${x.sheet}</td><td>${x.row}</td><td>${t(`communityConsole.visitLists.rejectReason.${x.reason}`, { defaultValue: x.reason })}</td></tr>`,
    )}</tbody></table></div>`
  : html`<p class="muted">${t('communityConsole.visitLists.noRejects')}</p>`}
</section>`;
}

/** /console/visit-lists/:id: downloads (whole list, per township, zip), the results upload and its report. */
export function visitListPage(ctx: PageContext, l: VisitListSummary): string {
  const { t } = ctx;
  const base = `/console/visit-lists/${l.id}`;
  return layout(
    ctx,
    t('communityConsole.visitLists.list'),
    html`<h1>${t('communityConsole.visitLists.list')} <span class="muted">${chinaTime(l.createdAt)}</span></h1>
<p>${sourceLabel(ctx, l.source)} · ${t('communityConsole.visitLists.rows')} <strong id="list-rows">${l.rows}</strong></p>
<h2>${t('communityConsole.visitLists.download')}</h2>
<p>${t('communityConsole.visitLists.all')}: <a class="button" id="download-xlsx" href="${base}.xlsx">${t('communityConsole.visitLists.xlsx')}</a>
<a class="button" id="download-csv" href="${base}.csv">${t('communityConsole.visitLists.csv')}</a>
<a class="button" id="download-zip" href="${base}.zip">${t('communityConsole.visitLists.zip')}</a></p>
${l.townships.length
  ? html`<h3>${t('communityConsole.visitLists.perTownship')}</h3><div class="table-wrap"><table id="townships"><thead><tr><th>${t('communityConsole.campaigns.township')}</th><th>${t('communityConsole.visitLists.villages')}</th><th>${t('communityConsole.visitLists.rows')}</th><th></th></tr></thead><tbody>${l.townships.map(
      (tw) => html`<tr><td>${tw.name ?? ''} <span class="mono">${tw.code}</span></td><td>${tw.villages}</td><td>${tw.rows}</td><td><a href="${base}.xlsx?township=${tw.code}">${t('communityConsole.visitLists.xlsx')}</a></td></tr>`,
    )}</tbody></table></div>`
  : ''}
<h2>${t('communityConsole.visitLists.upload')}</h2>
<p class="muted">${t('communityConsole.visitLists.uploadHint')}</p>
<form method="post" action="${base}/results" id="results-form" enctype="application/octet-stream" data-failed="${t('communityConsole.visitLists.uploadFailed')}">${csrfField(ctx)}
<input type="file" name="file" id="results-file" accept=".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" required>
<button type="submit" class="primary" id="upload">${t('communityConsole.visitLists.uploadButton')}</button></form>
<div id="results-report" aria-live="polite"></div>
<link rel="stylesheet" href="/console/assets/community.css"><script src="/console/assets/community.js" defer></script>`,
  );
}
