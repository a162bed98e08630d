import type { VisitRequestView } from '../../../domain/visits/visit-request.service';
import { VISIT_REQUEST_OUTCOMES } from '../../../domain/visits/visit-request.service';
import { chinaTime, csrfField, layout, notice, type PageContext, select } from '../console-layout';
import { html } from '../html';
import { labelsFor } from '../labels';

export interface VisitRequestsPageView {
  status: 'OPEN' | 'CLOSED' | 'ALL';
  requests: VisitRequestView[];
  nextCursor: string | null;
  flash?: { kind: 'ok' | 'error'; text: string } | undefined;
}

/** The visit requests residents made in chat, for the community workers of the region; each closes with an outcome. */
export function visitRequestsPage(ctx: PageContext, v: VisitRequestsPageView): string {
  const { t } = ctx;
  const outcomes = VISIT_REQUEST_OUTCOMES.map((o) => ({ value: o, label: t(`community.visitRequests.outcome.${o}`) }));
  const rows = v.requests.map(
    (r) => html`<tr data-id="${r.id}">
  <td>${chinaTime(r.createdAt)}</td>
  <td>${t(`community.visitRequests.reason.${r.reason}`, { defaultValue: r.reason })}</td>
  <td>${r.region ? labelsFor(t).region(r.region.code) : ''}</td>
  <td>${r.person ? html`${r.person.name}<br><span class="mono">${r.person.idNumber}</span><br><span class="muted">${r.person.address ?? ''}</span>` : html`<span class="muted">${t('community.visitRequests.unknownPerson')}</span>`}</td>
  <td class="mono contact">${r.contactPhone ?? t('console.request.none')}</td>
  <td class="details">${r.details || t('console.request.none')}</td>
  <td>${r.status === 'OPEN'
    ? html`<form method="post" action="/console/visit-requests/${r.id}/close" class="inline close-request">${csrfField(ctx)}
    ${select('outcome', 'REGISTERED', outcomes, html` aria-label="${t('community.visitRequests.outcomeLabel')}"`)}
    <input name="note" maxlength="500" placeholder="${t('community.visitRequests.note')}" aria-label="${t('community.visitRequests.note')}">
    <button type="submit">${t('community.visitRequests.close')}</button></form>`
    : html`<span class="badge">${t(`community.visitRequests.outcome.${r.outcome ?? 'OTHER'}`)}</span> ${r.outcomeNote ?? ''}<br><span class="muted">${r.closedBy ?? ''} ${chinaTime(r.closedAt)}</span>`}</td>
</tr>`,
  );
  const tabs = (['OPEN', 'CLOSED', 'ALL'] as const).map(
    (s) => html`<a href="/console/visit-requests?status=${s}" class="button${s === v.status ? ' primary' : ''}">${t(`community.visitRequests.status.${s}`)}</a>`,
  );
  return layout(
    ctx,
    t('community.visitRequests.title'),
    html`<h1>${t('community.visitRequests.title')}</h1>
${v.flash ? notice(v.flash.kind, v.flash.text) : ''}
<p class="muted">${t('community.visitRequests.hint')}</p>
<p class="tabs">${tabs}</p>
${v.requests.length
  ? html`<div class="table-wrap"><table id="visit-requests"><thead><tr>
  <th>${t('community.visitRequests.created')}</th><th>${t('community.visitRequests.reasonLabel')}</th><th>${t('console.queue.region')}</th>
  <th>${t('console.queue.subject')}</th><th>${t('community.visitRequests.contact')}</th><th>${t('community.visitRequests.when')}</th><th>${t('community.visitRequests.outcomeLabel')}</th>
</tr></thead><tbody>${rows}</tbody></table></div>`
  : html`<p class="empty">${t('community.visitRequests.empty')}</p>`}
${v.nextCursor ? html`<p class="pager"><a class="button" href="/console/visit-requests?status=${v.status}&amp;cursor=${encodeURIComponent(v.nextCursor)}">${t('console.queue.next')}</a></p>` : ''}`,
  );
}
