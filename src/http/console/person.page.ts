import type { AuditEntryView, PersonView } from '../../domain/registry/person-view.service';
import { foldViews } from '../../domain/staff/audit-fold';
import { auditTable } from './audit-table';
import { departmentalSection } from './departmental.section';
import { csrfField, layout, notice, type PageContext } from './console-layout';
import { html } from './html';
import { labelsFor } from './labels';

export interface PersonPageView {
  view?: PersonView | undefined;
  /** The person's internal id, for the reveal button (the ID number never goes back into the page). */
  personId?: string | undefined;
  audit?: AuditEntryView[] | undefined;
  canReveal: boolean;
  error?: string | undefined;
}

/** Person lookup (masked), reveal on an audited click, and the person's audit trail. */
export function personPage(ctx: PageContext, v: PersonPageView): string {
  const { t } = ctx;
  const p = v.view?.person;
  const row = (label: string, value: string | null | undefined) => html`<tr><th scope="row">${label}</th><td>${value ?? t('console.request.none')}</td></tr>`;
  const l = labelsFor(t);
  const region = (r: { code: string; name: string | null } | null) => (r ? `${l.region(r.code)} (${r.code})` : null);

  const result = p
    ? html`<section class="card">
  <h2>${t('console.person.record')} ${v.view?.revealed ? html`<span class="badge late">${t('console.person.revealedBadge')}</span>` : ''}</h2>
  <div class="table-wrap"><table class="record"><tbody>
  ${row(t('console.field.idNumber'), p.idNumber)}
  ${row(t('console.field.name'), p.name)}
  ${row(t('console.field.sex'), p.sex ? t(`console.sex.${p.sex}`) : null)}
  ${row(t('console.field.birthDate'), p.birthDate)}
  ${row(t('console.field.ethnicity'), p.ethnicity ? `${t(`reference.ethnicity.${p.ethnicity}`, { defaultValue: p.ethnicity })} (${p.ethnicity})` : null)}
  ${row(t('console.field.phone'), p.phone)}
  ${row(t('console.field.hukouRegion'), region(p.hukouRegion))}
  ${row(t('console.field.hukouAddress'), p.hukouAddress)}
  ${row(t('console.field.residenceRegion'), region(p.residenceRegion))}
  ${row(t('console.field.residenceAddress'), p.residenceAddress)}
  ${row(t('console.field.employmentStatus'), p.employmentStatus ? t(`reference.employment.${p.employmentStatus}`, { defaultValue: p.employmentStatus }) : null)}
  ${row(t('console.field.employer'), p.employer)}
  ${row(t('console.request.registration'), l.registration(p.registrationStatus))}
  ${row(t('console.person.household'), p.householdId)}
  </tbody></table></div>
  ${v.canReveal && !v.view?.revealed && v.personId
    ? html`<form method="post" action="/console/persons/reveal" class="inline">${csrfField(ctx)}<input type="hidden" name="personId" value="${v.personId}">
  <button type="submit" id="reveal-person">${t('console.request.reveal')}</button> <span class="muted">${t('console.request.revealHint')}</span></form>`
    : ''}
  ${v.view?.enrolments.length
    ? html`<h3>${t('console.person.enrolments')}</h3><div class="table-wrap"><table><thead><tr><th>${t('console.person.insurance')}</th><th>${t('console.queue.status')}</th><th>${t('console.person.lastPaid')}</th></tr></thead>
  <tbody>${v.view.enrolments.map(
    (e) => html`<tr><td>${e.insuranceType} ${ctx.lng === 'en' ? e.insuranceName.en : e.insuranceName.zh}</td><td>${t(`console.enrolment.${e.status}`)}</td><td>${e.lastPaidMonth ?? ''}</td></tr>`,
  )}</tbody></table></div>`
    : ''}
  ${v.view ? departmentalSection(ctx, v.view.departmental) : ''}
</section>`
    : '';

  const audit = v.audit
    ? html`<section><h2>${t('console.person.audit')}</h2>
${auditTable(ctx, foldViews(v.audit), { empty: t('console.request.noHistory') })}</section>`
    : '';

  return layout(
    ctx,
    t('console.person.title'),
    html`<h1>${t('console.person.title')}</h1>
${notice('error', v.error)}
<form method="post" action="/console/persons" class="filters" id="lookup">
  ${csrfField(ctx)}
  <div><label for="idNumber">${t('console.field.idNumber')}</label>
  <input id="idNumber" name="idNumber" required maxlength="32" autocomplete="off" spellcheck="false"></div>
  <div class="buttons"><button type="submit" class="primary">${t('console.person.lookup')}</button></div>
</form>
<p class="muted">${t('console.person.hint')}</p>
${result}
${audit}`,
  );
}
