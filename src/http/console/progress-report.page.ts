import type { ReportData } from '../../domain/progress/report.workbook';
import { notice, type PageContext } from './console-layout';
import { html } from './html';
import { figuresTable } from './progress.page';

/**
 * The periodic report as a printable page: the same figures and sections as the workbook (summary, then one
 * section per region below, each starting on a new printed page). A page of its own, without the console frame.
 */
export function progressReportPage(ctx: PageContext, data: ReportData, xlsxHref: string): string {
  const { t } = ctx;
  const title = t('progress.report.title', { region: data.region.name });
  const meta = html`<p class="meta">${t('progress.report.period', { from: data.from, to: data.to })}<br>${t('progress.report.generated', { at: data.generatedAt })}<br>${t('progress.report.units')}</p>`;
  return html`<!doctype html>
<html lang="${ctx.lng}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/console/assets/console.css">
<link rel="stylesheet" href="/console/assets/progress.css">
<script src="/console/assets/progress.js" defer></script>
</head>
<body class="report">
<main>
<p class="no-print"><button type="button" id="print">${t('progress.report.print')}</button> <a href="${xlsxHref}">${t('progress.reportXlsx')}</a>
 · <a href="/console/progress?region=${data.region.code}">${t('progress.title')}</a></p>
<section class="sheet">
<h1>${title}</h1>
${meta}
<h2>${t('progress.report.summary')}</h2>
${data.totals.persons === 0 ? notice('info', t('progress.noFigures')) : ''}
${figuresTable(ctx, data.rows.map((r) => ({ label: r.name, figures: r })), { label: `${data.region.name} ${t('progress.report.total')}`, figures: data.totals })}
</section>
${data.rows.map(
    (r) => html`<section class="sheet">
<h2>${t('progress.report.title', { region: r.name })}</h2>
${meta}
${figuresTable(ctx, r.days.map((d) => ({ label: d.date, figures: d })), { label: t('progress.report.periodTotal'), figures: r }, t('progress.col.date'))}
</section>`,
  )}
</main>
</body>
</html>
`.value;
}
