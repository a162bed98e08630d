import type { SegmentFilter } from '../../../domain/campaigns/segment-filter';
import type { SegmentPreview } from '../../../domain/campaigns/segment.service';
import { csrfField, layout, notice, type PageContext } from '../console-layout';
import { flag, html, type SafeHtml } from '../html';
import { FILTER_CHOICES, FILTER_GROUPS, type FILTER_NUMBERS, FILTER_SWITCHES, segmentUrl } from './segment-form';

export interface RegionOption {
  code: string;
  name: string;
  level: string;
}

/** The label of one choice of a filter group (registration status, flag, insurance type, employment). */
export function choiceLabel(t: PageContext['t'], key: keyof typeof FILTER_CHOICES, value: string): string {
  const keys = {
    registrationStatus: `console.registration.${value}`,
    flags: `community.visitList.flag.${value}`,
    missingInsurance: `reference.insurance.${value}`,
    employmentStatus: `reference.employment.${value}`,
  } as const;
  return t(keys[key]);
}

const INDENT: Record<string, string> = { PROVINCE: '', PREFECTURE: '', COUNTY: '\u3000', TOWNSHIP: '\u3000\u3000' };

function filterForm(ctx: PageContext, f: SegmentFilter, known: RegionOption[]): SafeHtml {
  const { t } = ctx;
  // A linked filter may name a village or a code the region table lacks: keep it selectable as it is.
  const regions = known.some((r) => r.code === f.region) ? known : [...known, { code: f.region, name: '', level: 'TOWNSHIP' }];
  const groups = (Object.keys(FILTER_CHOICES) as (keyof typeof FILTER_CHOICES)[]).map((key) => {
    const chosen = new Set<string>((f[key] as string[] | undefined) ?? []);
    return html`<fieldset class="choices"><legend>${t(`communityConsole.segments.${key}`)}</legend>${FILTER_CHOICES[key].map(
      (v) => html`<label><input type="checkbox" name="${key}" value="${v}"${flag('checked', chosen.has(v))}> ${choiceLabel(t, key, v)}</label> `,
    )}</fieldset>`;
  });
  const number = (key: (typeof FILTER_NUMBERS)[number], label: string) =>
    html`<label>${label} <input type="number" min="${key.startsWith('age') ? 0 : 1}" max="${key.startsWith('age') ? 130 : 3650}" name="${key}" id="f-${key}" value="${f[key] ?? ''}" class="short"></label>`;
  const checkbox = (key: (typeof FILTER_SWITCHES)[number] | (typeof FILTER_GROUPS)[number], on: boolean) =>
    html`<p><label><input type="checkbox" name="${key}" id="f-${key}"${flag('checked', on)}> ${t(`communityConsole.segments.${key}`)}</label></p>`;
  const switches = FILTER_SWITCHES.map((key) => checkbox(key, f[key] ?? true));
  const specialGroups = FILTER_GROUPS.map((key) => checkbox(key, f[key] ?? false));
  return html`<form method="get" action="/console/segments" id="segment-form" class="segment-form">
<input type="hidden" name="_form" value="1">
<p><label>${t('communityConsole.segments.region')} <select name="region" id="f-region">${regions.map(
    (r) => html`<option value="${r.code}"${flag('selected', r.code === f.region)}>${INDENT[r.level] ?? ''}${r.name} ${r.code}</option>`,
  )}</select></label></p>
${groups}
<fieldset><legend>${t('communityConsole.segments.age')}</legend>${number('ageFrom', t('communityConsole.segments.ageFrom'))} ${number('ageTo', t('communityConsole.segments.ageTo'))}</fieldset>
<fieldset><legend>${t('communityConsole.segments.groups')}</legend>
${specialGroups}
<p>${number('movedInDays', t('communityConsole.segments.movedInDays'))}</p></fieldset>
<fieldset><legend>${t('communityConsole.segments.exclusions')}</legend>
<p>${number('notContactedDays', t('communityConsole.segments.notContactedDays'))}</p>
<p>${number('excludeVerifiedDays', t('communityConsole.segments.excludeVerifiedDays'))}</p>
${switches}</fieldset>
<p><button type="submit" class="primary">${t('communityConsole.segments.preview')}</button></p>
</form>`;
}

/** The preview block (also served alone to the page's script): count, reach, time to send, masked sample, actions. */
export function previewBlock(ctx: PageContext, f: SegmentFilter, p: SegmentPreview, actions = true): SafeHtml {
  const { t } = ctx;
  const filterJson = JSON.stringify(f);
  return html`<section class="preview" data-filter="${filterJson}">
<p class="count"><strong id="preview-count" data-count="${p.count}">${t('communityConsole.segments.count', { n: p.count })}</strong></p>
<p>${t('communityConsole.segments.byChannel')}: ${(['wechat', 'sms', 'none'] as const).map(
    (c) => html`<span class="badge" data-channel="${c}">${t(`communityConsole.segments.channel.${c}`)} ${p.byChannel[c]}</span> `,
  )}</p>
<p id="preview-hours">${t('communityConsole.segments.estimatedHours', { hours: p.estimatedHours })}</p>
<h3>${t('communityConsole.segments.sample')}</h3>
${p.sample.length
  ? html`<div class="table-wrap"><table class="sample"><thead><tr><th>${t('communityConsole.segments.idNumber')}</th><th>${t('communityConsole.segments.name')}</th><th>${t('communityConsole.segments.region')}</th><th>${t('communityConsole.segments.status')}</th><th>${t('communityConsole.segments.byChannel')}</th></tr></thead><tbody>${p.sample.map(
      (s) => html`<tr><td class="mono">${s.idNumber}</td><td>${s.name}</td><td class="mono">${s.regionCode ?? ''}</td><td>${t(`console.registration.${s.registrationStatus}`, { defaultValue: s.registrationStatus })}${s.flags.map((fl) => html` <span class="badge">${t(`community.visitList.flag.${fl}`, { defaultValue: fl })}</span>`)}</td><td>${t(`communityConsole.segments.channel.${s.channel}`, { defaultValue: s.channel })}</td></tr>`,
    )}</tbody></table></div>`
  : html`<p class="empty">${t('communityConsole.segments.sampleEmpty')}</p>`}
${actions
  ? html`<p class="actions">
<a class="button primary" id="create-campaign" href="/console/campaigns/new?filter=${encodeURIComponent(filterJson)}">${t('communityConsole.segments.createCampaign')}</a>
<form method="post" action="/console/visit-lists" class="inline" id="make-visit-list">${csrfField(ctx)}<input type="hidden" name="filter" value="${filterJson}"><button type="submit">${t('communityConsole.segments.makeVisitList')}</button></form>
<a href="${segmentUrl(f)}" id="permalink">${t('communityConsole.segments.permalink')}</a>
</p>`
  : ''}
</section>`;
}

export interface SegmentsPageView {
  filter: SegmentFilter;
  regions: RegionOption[];
  preview: SegmentPreview | null;
  error?: string | undefined;
}

/** /console/segments: the filter form (prefilled from ?filter=) with its live preview. */
export function segmentsPage(ctx: PageContext, v: SegmentsPageView): string {
  const { t } = ctx;
  return layout(
    ctx,
    t('communityConsole.segments.title'),
    html`<h1>${t('communityConsole.segments.title')}</h1>
<p class="muted">${t('communityConsole.segments.hint')}</p>
<div class="segment-layout">
${filterForm(ctx, v.filter, v.regions)}
<div id="preview" aria-live="polite">${v.error ? notice('error', v.error) : ''}${v.preview ? previewBlock(ctx, v.filter, v.preview) : ''}</div>
</div>
<link rel="stylesheet" href="/console/assets/community.css"><script src="/console/assets/community.js" defer></script>`,
  );
}
