import type { MergeView } from '../../domain/review/merge-request';
import { schemesOf, WORK_ITEM_KINDS, WORK_ITEM_OUTCOMES, WORK_ITEM_STATUSES, type WorkItemView } from '../../domain/worklists/work-item.service';
import { chinaTime, csrfField, layout, notice, type PageContext, select } from './console-layout';
import { flag, html, type SafeHtml } from './html';
import { labelsFor } from './labels';

export interface WorklistFilter {
  kind: string;
  status: string;
}

export interface WorklistPageView {
  filter: WorklistFilter;
  items: WorkItemView[];
  nextCursor: string | null;
  flash?: { kind: 'ok' | 'error'; text: string } | undefined;
}

type Scheme = { insuranceType: string; firstEnrolled?: string | null; lastPaidMonth?: string | null; regionCode?: string | null; employer?: string | null };
const detailsOf = (i: WorkItemView) => (i.details && typeof i.details === 'object' && !Array.isArray(i.details) ? (i.details as Record<string, unknown>) : {});
const schemeRows = (i: WorkItemView): Scheme[] => (Array.isArray(detailsOf(i).schemes) ? (detailsOf(i).schemes as Scheme[]) : []);
const insurance = (ctx: PageContext, type: string) => `${type} ${ctx.t(`reference.insurance.${type}`, { defaultValue: type })}`;

/** A period as the office reads it: from the first enrolment to the last month paid. */
const period = (ctx: PageContext, s: Pick<Scheme, 'firstEnrolled' | 'lastPaidMonth'>) =>
  s.firstEnrolled || s.lastPaidMonth ? ctx.t('worklists.period', { from: s.firstEnrolled ?? '…', to: s.lastPaidMonth ?? '…' }) : ctx.t('console.request.none');

/** What the entry is about, in one line: the two schemes and the suggested keep, or the event. */
function summary(ctx: PageContext, i: WorkItemView): string {
  const d = detailsOf(i);
  if (i.kind === 'DUPLICATE_COVER') {
    const keep = typeof d.suggestedKeep === 'string' ? d.suggestedKeep : '';
    return ctx.t('worklists.summary', { family: ctx.t(`worklists.family.${String(d.family)}`, { defaultValue: String(d.family) }), schemes: schemesOf(i.details).join(' + '), keep });
  }
  return typeof d.eventDate === 'string' ? d.eventDate : '';
}

function closedText(ctx: PageContext, i: WorkItemView): SafeHtml {
  const { t } = ctx;
  return html`<span class="badge">${t(`worklists.status.${i.status}`)}</span> ${i.outcome ? t(`worklists.outcome.${i.outcome}`) : ''}${i.keep ? html` · ${t('worklists.kept', { scheme: insurance(ctx, i.keep) })}` : ''}
<br><span class="muted">${i.closedBy ?? ''} ${chinaTime(i.closedAt)}</span>`;
}

/** The worklist of the region: filters by kind and status, oldest first, each entry opens its detail. */
export function worklistPage(ctx: PageContext, v: WorklistPageView): string {
  const { t } = ctx;
  const l = labelsFor(t);
  const f = v.filter;
  const rows = v.items.map(
    (i) => html`<tr data-id="${i.id}" data-kind="${i.kind}">
  <td>${chinaTime(i.createdAt)}</td>
  <td>${t(`worklists.kind.${i.kind}`)}</td>
  <td>${i.region ? l.region(i.region.code) : ''}</td>
  <td>${i.person ? html`${i.person.name}<br><span class="mono">${i.person.idNumber}</span>` : ''}</td>
  <td class="summary">${summary(ctx, i)}</td>
  <td>${i.status === 'OPEN' ? html`<span class="badge">${t('worklists.status.OPEN')}</span>` : closedText(ctx, i)}</td>
  <td><a class="button" href="/console/worklists/${i.id}">${t('worklists.open')}</a></td>
</tr>`,
  );
  const query = new URLSearchParams({ kind: f.kind, status: f.status });
  return layout(
    ctx,
    t('worklists.title'),
    html`<h1>${t('worklists.title')}</h1>
${v.flash ? notice(v.flash.kind, v.flash.text) : ''}
<p class="muted">${t('worklists.hint')}</p>
<form method="get" action="/console/worklists" class="filters" id="filters">
  <div><label for="f-kind">${t('worklists.kindLabel')}</label>
  ${select('kind', f.kind, [{ value: '', label: t('worklists.kindAll') }, ...WORK_ITEM_KINDS.map((k) => ({ value: k, label: t(`worklists.kind.${k}`) }))])}</div>
  <div><label for="f-status">${t('worklists.statusLabel')}</label>
  ${select('status', f.status, [...WORK_ITEM_STATUSES, 'ALL'].map((s) => ({ value: s, label: t(`worklists.status.${s}`) })))}</div>
  <div class="buttons"><button type="submit" class="primary">${t('console.queue.filter')}</button> <a href="/console/worklists" class="button">${t('console.queue.reset')}</a></div>
</form>
${v.items.length
  ? html`<div class="table-wrap"><table id="worklist"><thead><tr>
  <th>${t('worklists.created')}</th><th>${t('worklists.kindLabel')}</th><th>${t('console.queue.region')}</th>
  <th>${t('console.queue.subject')}</th><th>${t('worklists.what')}</th><th>${t('worklists.statusLabel')}</th><th></th>
</tr></thead><tbody>${rows}</tbody></table></div>`
  : html`<p class="empty">${t('worklists.empty')}</p>`}
${v.nextCursor ? html`<p class="pager"><a class="button" href="/console/worklists?${query.toString()}&amp;cursor=${encodeURIComponent(v.nextCursor)}">${t('console.queue.next')}</a></p>` : ''}
<section id="merge-open"><h2>${t('worklists.merge.title')}</h2>
<p class="muted">${t('worklists.merge.hint')}</p>
<form method="post" action="/console/merge-requests" class="filters">${csrfField(ctx)}
  <div><label for="f-keep">${t('worklists.merge.keep')}</label><input id="f-keep" name="keepIdNumber" required maxlength="20" autocomplete="off"></div>
  <div><label for="f-merge">${t('worklists.merge.fold')}</label><input id="f-merge" name="mergeIdNumber" required maxlength="20" autocomplete="off"></div>
  <div class="buttons"><button type="submit" id="open-merge">${t('worklists.merge.submit')}</button></div>
</form></section>`,
  );
}

/** One entry: the person, the schemes with their periods, and (while open) the close form with the keep-which choice. */
export function workItemPage(ctx: PageContext, i: WorkItemView, flash?: { kind: 'ok' | 'error'; text: string }): string {
  const { t } = ctx;
  const d = detailsOf(i);
  const schemes = schemeRows(i);
  const suggested = typeof d.suggestedKeep === 'string' ? d.suggestedKeep : '';
  const outcomes = WORK_ITEM_OUTCOMES.filter((o) => o !== 'SCHEME_KEPT' || i.kind === 'DUPLICATE_COVER').map((o) => ({ value: o, label: t(`worklists.outcome.${o}`) }));
  const keepChoice = schemes.length
    ? html`<fieldset><legend>${t('worklists.keepWhich')}</legend>${schemes.map(
        (s) => html`<p class="check"><input type="radio" name="keep" id="keep-${s.insuranceType}" value="${s.insuranceType}"${flag('checked', s.insuranceType === suggested)}><label for="keep-${s.insuranceType}">${insurance(ctx, s.insuranceType)}${s.insuranceType === suggested ? html` <span class="badge">${t('worklists.suggested')}</span>` : ''}</label></p>`,
      )}</fieldset>`
    : '';
  const form = html`<section class="decide"><h2>${t('worklists.close')}</h2>
<form method="post" action="/console/worklists/${i.id}/close" id="close-item">${csrfField(ctx)}
<input type="hidden" name="version" value="${i.version}">
${keepChoice}
<p><label for="f-outcome">${t('worklists.outcomeLabel')}</label> ${select('outcome', i.kind === 'DUPLICATE_COVER' ? 'SCHEME_KEPT' : 'ENROLMENTS_STOPPED', outcomes)}</p>
<p><label for="f-note">${t('worklists.note')}</label> <input id="f-note" name="note" maxlength="500"></p>
<p><button type="submit" class="primary" id="close">${t('worklists.close')}</button></p>
</form></section>`;
  return layout(
    ctx,
    t(`worklists.kind.${i.kind}`),
    html`<p><a href="/console/worklists">${t('worklists.back')}</a></p>
<h1>${t(`worklists.kind.${i.kind}`)}</h1>
${flash ? notice(flash.kind, flash.text) : ''}
<dl class="facts">
  <dt>${t('console.queue.subject')}</dt><dd>${i.person ? html`<a href="/console/persons/${i.person.id}">${i.person.name} <span class="mono">${i.person.idNumber}</span></a>` : ''}</dd>
  <dt>${t('console.queue.region')}</dt><dd>${i.region ? labelsFor(t).region(i.region.code) : ''}</dd>
  <dt>${t('worklists.created')}</dt><dd>${chinaTime(i.createdAt)}</dd>
  <dt>${t('worklists.statusLabel')}</dt><dd id="item-status">${i.status === 'OPEN' ? t('worklists.status.OPEN') : closedText(ctx, i)}</dd>
  ${i.note ? html`<dt>${t('worklists.note')}</dt><dd>${i.note}</dd>` : ''}
</dl>
${schemes.length
  ? html`<section><h2>${t('worklists.schemes')}</h2><div class="table-wrap"><table id="schemes"><thead><tr>
  <th>${t('worklists.scheme')}</th><th>${t('worklists.periodLabel')}</th><th>${t('console.queue.region')}</th><th>${t('worklists.employer')}</th></tr></thead>
<tbody>${schemes.map((s) => html`<tr data-type="${s.insuranceType}"><td>${insurance(ctx, s.insuranceType)}${s.insuranceType === suggested ? html` <span class="badge">${t('worklists.suggested')}</span>` : ''}</td><td>${period(ctx, s)}</td><td>${s.regionCode ? labelsFor(t).region(s.regionCode) : ''}</td><td>${s.employer ?? ''}</td></tr>`)}</tbody></table></div>
<p class="muted">${t('worklists.keepRule')}</p></section>`
  : ''}
${i.status === 'OPEN' ? form : ''}`,
  );
}

/** A MERGE request's two persons side by side, for the review page (issue 17). */
export function mergeSection(ctx: PageContext, m: MergeView): SafeHtml {
  const { t } = ctx;
  const sides = [m.survivor, m.merged];
  const row = (label: string, value: (s: NonNullable<MergeView['survivor']>) => string | SafeHtml) =>
    html`<tr><th scope="row">${label}</th>${sides.map((s) => html`<td>${s ? value(s) : t('console.request.none')}</td>`)}</tr>`;
  return html`<section id="merge-sides"><h2>${t('worklists.merge.sides')}</h2>
<p class="muted">${t(`worklists.merge.reason.${m.reason}`, { defaultValue: m.reason })}</p>
<div class="table-wrap"><table class="diff"><thead><tr><th></th><th>${t('worklists.merge.survivor')}</th><th>${t('worklists.merge.merged')}</th></tr></thead><tbody>
${row(t('console.field.idNumber'), (s) => html`<span class="mono">${s.idNumber}</span>`)}
${row(t('console.field.name'), (s) => s.name)}
${row(t('console.field.sex'), (s) => (s.sex ? t(`console.sex.${s.sex}`) : ''))}
${row(t('console.field.birthDate'), (s) => s.birthDate ?? '')}
${row(t('console.queue.region'), (s) => (s.regionCode ? labelsFor(t).region(s.regionCode) : ''))}
${row(t('worklists.merge.registration'), (s) => labelsFor(t).registration(s.registrationStatus))}
${row(t('worklists.schemes'), (s) => html`${s.enrolments.map((e) => html`<div>${insurance(ctx, e.insuranceType)} · ${t(`console.enrolment.${e.status}`)} · ${period(ctx, e)}</div>`)}`)}
${row(t('worklists.merge.mergedInto'), (s) => (s.mergedIntoId ? t('worklists.merge.already') : ''))}
</tbody></table></div></section>`;
}
