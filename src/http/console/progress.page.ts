import type { Figures } from '../../domain/progress/figures';
import type { ProgressView, RankedRegion, RegionName, TrendView } from '../../domain/progress/progress.service';
import { REPORT_COLUMNS } from '../../domain/progress/report.workbook';
import { communityFilterFor, type SegmentPerson } from '../../domain/progress/segment.service';
import { chinaTime, layout, notice, type PageContext } from './console-layout';
import { html, SafeHtml } from './html';
import { labelsFor } from './labels';

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const DATA_QUALITY: { segment: string; value: (f: Figures) => number }[] = [
  { segment: 'MISSING_PHONE', value: (f) => f.flags.missingPhone },
  { segment: 'MISSING_RESIDENCE', value: (f) => f.flags.missingResidence },
  { segment: 'DUPLICATE_MEDICAL', value: (f) => f.flags.duplicateMedical },
  { segment: 'DUPLICATE_PENSION', value: (f) => f.flags.duplicatePension },
  { segment: 'SEX_MISMATCH', value: (f) => f.flags.sexMismatch },
  { segment: 'UNKNOWN_REGION', value: (f) => f.flags.unknownRegion },
  { segment: 'NEEDS_VISIT', value: (f) => f.needsVisit },
  { segment: 'gap', value: (f) => f.cover.gap },
  { segment: 'flexible', value: (f) => f.cover.flexibleWithoutCover },
  { segment: 'platform', value: (f) => f.cover.platformWithoutCover },
];

const peopleLink = (region: string, segment: string, n: number): SafeHtml =>
  n > 0 ? html`<a href="/console/progress/people?region=${region}&amp;segment=${segment}" class="seg" data-segment="${segment}">${n}</a>` : html`<span class="muted">0</span>`;

export interface ProgressPageView {
  view: ProgressView;
  date: string;
  parent: RegionName | null;
  trend: TrendView;
  behind: RankedRegion[];
  period: { from: string; to: string };
}

/** The progress page: charts of share confirmed against target and of the trend, the regions behind, data quality. */
export function progressPage(ctx: PageContext, v: ProgressPageView): string {
  const { t } = ctx;
  const { view } = v;
  const code = view.region.code;
  // Chart data for progress.js (JSON in a non-executed script element; the page's CSP allows only 'self' scripts).
  const chart = JSON.stringify({
    labels: { actual: t('progress.actual'), target: t('progress.target'), confirmed: t('progress.col.confirmed'), share: t('progress.col.confirmedShare') },
    children: view.rows.map((r) => ({ code: r.code, name: r.name, share: r.confirmedShare, target: r.target?.confirmedShare ?? null })),
    trend: v.trend.days.map((d) => ({ date: d.date, confirmed: d.confirmed, share: d.confirmedShare })),
  }).replace(/</g, '\\u003c');
  const q = `region=${code}&from=${v.period.from}&to=${v.period.to}`;
  const body = html`<link rel="stylesheet" href="/console/assets/progress.css">
<h1>${t('progress.title')} · ${view.region.name}</h1>
<form method="get" action="/console/progress" class="filters">
  <input type="hidden" name="region" value="${code}">
  <label>${t('progress.date')} <input type="date" name="date" value="${v.date}"></label>
  <button type="submit">${t('progress.show')}</button>
  ${v.parent ? html`<a href="/console/progress?region=${v.parent.code}&amp;date=${v.date}">${t('progress.up')}: ${v.parent.name}</a>` : ''}
  <span class="muted">${view.asOf ? t('progress.asOf', { at: chinaTime(view.asOf) }) : ''}</span>
  <span class="report-links">${t('progress.reportLink')}: <a href="/console/progress/report?${q}" id="report-html">${t('progress.reportHtml')}</a>
  · <a href="/console/progress/report.xlsx?${q}" id="report-xlsx">${t('progress.reportXlsx')}</a></span>
</form>
${view.asOf ? '' : notice('info', t('progress.noFigures'))}
<div class="stats">
  <div class="stat"><span class="muted">${t('progress.col.persons')}</span><strong>${view.totals.persons}</strong></div>
  <div class="stat"><span class="muted">${t('progress.col.confirmed')}</span><strong>${view.totals.confirmed}</strong></div>
  <div class="stat"><span class="muted">${t('progress.col.confirmedShare')}</span><strong id="total-share">${pct(view.totals.confirmedShare)}</strong></div>
  <div class="stat"><span class="muted">${t('progress.col.needsVisit')}</span><strong>${view.totals.needsVisit}</strong></div>
  <div class="stat"><span class="muted">${t('progress.col.gap')}</span><strong>${view.totals.cover.gap}</strong></div>
  <div class="stat"><span class="muted">${t('progress.col.coverShare')}</span><strong>${pct(view.totals.cover.coverShare)}</strong></div>
</div>
<div class="charts">
  <section class="card"><h2>${t('progress.confirmedShareChart')}</h2><div id="chart-share" class="chart" role="img" aria-label="${t('progress.confirmedShareChart')}"></div></section>
  <section class="card"><h2>${t('progress.trendChart')}</h2><div id="chart-trend" class="chart" role="img" aria-label="${t('progress.trendChart')}"></div></section>
</div>
<script type="application/json" id="progress-data">${new SafeHtml(chart)}</script>
<section><h2>${t('progress.behind')}</h2>
${v.behind.length
    ? html`<div class="table-wrap"><table id="behind"><thead><tr><th>${t('progress.rank')}</th><th>${t('progress.region')}</th><th>${t('progress.actual')}</th><th>${t('progress.target')}</th><th>${t('progress.behindBy')}</th></tr></thead>
<tbody>${v.behind.map(
        (r) => html`<tr><td>${r.rank}</td><td><a href="/console/progress?region=${r.code}&amp;date=${v.date}">${r.name}</a></td><td>${pct(r.confirmedShare)}</td><td>${pct(r.target.confirmedShare)}</td><td class="bad">${pct(r.behindBy)}</td></tr>`,
      )}</tbody></table></div>`
    : html`<p class="empty">${t('progress.noneBehind')}</p>`}
</section>
<section><h2>${t('progress.quality')}</h2><p class="muted">${t('progress.qualityHint')}</p>
<div class="table-wrap"><table id="quality"><thead><tr><th>${t('progress.region')}</th>${DATA_QUALITY.map((d) => html`<th>${t(`progress.segment.${d.segment}`)}</th>`)}</tr></thead>
<tbody>
<tr class="total"><th scope="row">${view.region.name}</th>${DATA_QUALITY.map((d) => html`<td>${peopleLink(code, d.segment, d.value(view.totals))}</td>`)}</tr>
${view.rows.map(
    (r) => html`<tr><th scope="row"><a href="/console/progress?region=${r.code}&amp;date=${v.date}">${r.name}</a></th>${DATA_QUALITY.map((d) => html`<td>${peopleLink(r.code, d.segment, d.value(r))}</td>`)}</tr>`,
  )}
</tbody></table></div></section>
<section><h2>${t('progress.cover')} · ${t('progress.activity')}</h2>
${figuresTable(ctx, view.rows.map((r) => ({ label: r.name, figures: r })), { label: view.region.name, figures: view.totals })}
</section>
<script src="/console/assets/vendor/echarts.min.js" defer></script>
<script src="/console/assets/progress.js" defer></script>`;
  return layout(ctx, t('progress.title'), body, { bodyClass: 'progress' });
}

/** All report columns for a set of regions (or days), with a bold total row. */
export function figuresTable(ctx: PageContext, rows: { label: string; figures: Figures }[], total: { label: string; figures: Figures }, firstHeader?: string): SafeHtml {
  const { t } = ctx;
  const cells = (f: Figures) => REPORT_COLUMNS.map((c) => html`<td>${c.percent ? pct(c.value(f)) : c.value(f)}</td>`);
  return html`<div class="table-wrap"><table class="figures"><thead><tr><th>${firstHeader ?? t('progress.col.region')}</th>${REPORT_COLUMNS.map((c) => html`<th>${t(`progress.col.${c.key}`)}</th>`)}</tr></thead>
<tbody><tr class="total"><th scope="row">${total.label}</th>${cells(total.figures)}</tr>
${rows.map((r) => html`<tr><th scope="row">${r.label}</th>${cells(r.figures)}</tr>`)}</tbody></table></div>`;
}

/** The community console's segments page with the filter that selects the same persons (campaign, visit list). */
function segmentLink(ctx: PageContext, region: string, segment: string): SafeHtml {
  const { t } = ctx;
  const filter = communityFilterFor(region, segment);
  if (!filter) return html`<p class="muted" id="segment-none">${t('progress.people.noSegment')}</p>`;
  const href = `/console/segments?filter=${encodeURIComponent(JSON.stringify(filter))}`;
  return html`<p><a class="button" id="segment-link" href="${href}">${t('progress.people.toSegment')}</a></p>
<p class="muted">${t('progress.people.segmentNote')}</p>`;
}

/** The people behind one figure (masked), linking back to the progress page and on to the same segment. */
export function segmentPage(ctx: PageContext, v: { region: RegionName; segment: string; count: number; persons: SegmentPerson[] }): string {
  const { t } = ctx;
  const title = t('progress.people.title', { segment: `${v.region.name} · ${t(`progress.segment.${v.segment}`)}` });
  const body = html`<h1>${title}</h1>
<p><a href="/console/progress?region=${v.region.code}">${t('progress.title')} · ${v.region.name}</a></p>
${v.persons.length
    ? html`<p id="segment-count">${t('progress.people.count', { count: String(v.count), shown: String(v.persons.length) })}</p>
<div class="table-wrap"><table id="segment"><thead><tr><th>${t('console.field.idNumber')}</th><th>${t('console.field.name')}</th><th>${t('progress.region')}</th><th>${t('console.request.registration')}</th></tr></thead>
<tbody>${v.persons.map((p) => html`<tr><td>${p.idNumber}</td><td>${p.name}</td><td>${labelsFor(t).region(p.regionCode)}</td><td>${labelsFor(t).registration(p.registrationStatus)}</td></tr>`)}</tbody></table></div>`
    : html`<p class="empty">${t('progress.people.none')}</p>`}
${segmentLink(ctx, v.region.code, v.segment)}`;
  return layout(ctx, title, html`<link rel="stylesheet" href="/console/assets/progress.css">${body}`);
}
