import type { DepartmentalView } from '../../domain/registry/person-view.service';
import { type PageContext } from './console-layout';
import { html, type SafeHtml } from './html';

/** The person page's departmental-data card (issue 17): death, moves, card, assistance, provenance per field. */
export function departmentalSection(ctx: PageContext, d: DepartmentalView): SafeHtml {
  const { t } = ctx;
  const k = (key: string) => t(`console.person.feeds.${key}`);
  const source = (s: string) => t(`console.person.feeds.sources.${s}`, { defaultValue: s });
  const field = (f: string) => t(`console.field.${f}`, { defaultValue: t(`console.person.feeds.facts.${f}`, { defaultValue: f }) });
  const facts: [string, string][] = [];
  if (d.deceasedOn) facts.push([k('deceasedOn'), d.deceasedOn]);
  if (d.movedOutOn) facts.push([k('movedOutOn'), d.movedOutOn]);
  if (d.movedInOn) facts.push([k('movedInOn'), d.movedInOn]);
  if (d.sscCard) facts.push([k('sscCard'), `${t(`console.person.feeds.cardStatus.${d.sscCard.status}`, { defaultValue: d.sscCard.status })}${d.sscCard.issuedOn ? ` (${d.sscCard.issuedOn})` : ''}`]);
  for (const a of d.assistance) {
    const period = [t('console.person.feeds.from', { date: a.startedOn }), a.endedOn ? t('console.person.feeds.until', { date: a.endedOn }) : ''].filter(Boolean).join(' ');
    facts.push([k('assistance'), `${t(`console.person.feeds.kind.${a.kind}`)} ${period}`]);
  }
  if (!facts.length && !d.provenance.length) return html`<h3>${k('title')}</h3><p class="muted" id="departmental">${k('none')}</p>`;
  return html`<h3>${k('title')}</h3>
  <div class="table-wrap" id="departmental"><table class="record"><tbody>${facts.map(([label, value]) => html`<tr><th scope="row">${label}</th><td>${value}</td></tr>`)}</tbody></table></div>
  ${d.provenance.length
    ? html`<h4>${k('provenance')}</h4><div class="table-wrap"><table id="provenance"><thead><tr><th>${k('field')}</th><th>${k('source')}</th><th>${k('date')}</th><th>${k('run')}</th></tr></thead>
  <tbody>${d.provenance.map((p) => html`<tr><td>${field(p.field)}</td><td>${source(p.source)}</td><td>${p.on}</td><td class="muted">${p.run.slice(0, 8)}</td></tr>`)}</tbody></table></div>`
    : ''}`;
}
