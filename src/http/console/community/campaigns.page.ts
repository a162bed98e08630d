import type { CampaignView } from '../../../domain/campaigns/campaign.service';
import { DEFAULT_QUIET_HOURS } from '../../../domain/campaigns/quiet-hours';
import { CAMPAIGN_CHANNELS } from '../../../domain/campaigns/reach';
import type { SegmentFilter } from '../../../domain/campaigns/segment-filter';
import type { SegmentPreview } from '../../../domain/campaigns/segment.service';
import { chinaTime, csrfField, layout, notice, type PageContext } from '../console-layout';
import { flag, html, SafeHtml } from '../html';
import { segmentUrl } from './segment-form';
import { previewBlock } from './segments.page';

type Flash = { kind: 'ok' | 'error'; text: string } | undefined;
const FUNNEL = ['sent', 'opened', 'verified', 'confirmed', 'corrected'] as const;
const COUNTS = ['recipients', 'queued', 'sent', 'failed', 'skipped', 'opened', 'verified', 'confirmed', 'corrected'] as const;
/** The actions a status allows (campaign.service's state machine). */
const ACTIONS: Record<CampaignView['status'], ('start' | 'pause' | 'resume' | 'cancel')[]> = {
  DRAFT: ['start', 'cancel'],
  SCHEDULED: ['pause', 'cancel'],
  RUNNING: ['pause', 'cancel'],
  PAUSED: ['resume', 'cancel'],
  FINISHED: [],
};

export interface CampaignListItem {
  id: string;
  name: string;
  regionCode: string;
  message: string;
  status: CampaignView['status'];
  createdAt: string;
}

/** /console/campaigns: the campaigns of the region. */
export function campaignsPage(ctx: PageContext, campaigns: CampaignListItem[]): string {
  const { t } = ctx;
  return layout(
    ctx,
    t('communityConsole.campaigns.title'),
    html`<h1>${t('communityConsole.campaigns.title')}</h1>
<p><a class="button primary" href="/console/segments">${t('communityConsole.campaigns.new')}</a> <span class="muted">${t('communityConsole.campaigns.newHint')}</span></p>
${campaigns.length
  ? html`<div class="table-wrap"><table id="campaigns"><thead><tr><th>${t('communityConsole.campaigns.name')}</th><th>${t('communityConsole.segments.region')}</th><th>${t('communityConsole.campaigns.template')}</th><th>${t('communityConsole.campaigns.status')}</th><th>${t('communityConsole.campaigns.created')}</th></tr></thead><tbody>${campaigns.map(
      (c) => html`<tr><td><a href="/console/campaigns/${c.id}">${c.name}</a></td><td class="mono">${c.regionCode}</td><td>${t(`campaign.templateNames.${c.message}`, { defaultValue: c.message })}</td><td><span class="badge">${t(`communityConsole.campaigns.statusLabel.${c.status}`)}</span></td><td>${chinaTime(c.createdAt)}</td></tr>`,
    )}</tbody></table></div>`
  : html`<p class="empty">${t('communityConsole.campaigns.empty')}</p>`}`,
  );
}

export interface NewCampaignView {
  filter: SegmentFilter;
  preview: SegmentPreview;
  templates: { name: string; label: string; text: string }[];
  error?: string | undefined;
}

/** /console/campaigns/new?filter=…: who (the segment's preview), the message, channels, quiet hours, schedule. */
export function newCampaignPage(ctx: PageContext, v: NewCampaignView): string {
  const { t } = ctx;
  const filterJson = JSON.stringify(v.filter);
  return layout(
    ctx,
    t('communityConsole.campaigns.new'),
    html`<h1>${t('communityConsole.campaigns.new')}</h1>
${notice('error', v.error)}
<form method="post" action="/console/campaigns" id="campaign-form" class="campaign-form">${csrfField(ctx)}
<input type="hidden" name="filter" value="${filterJson}"><input type="hidden" name="_sending" value="1">
<p><label>${t('communityConsole.campaigns.name')} <input name="name" id="f-name" required maxlength="100"></label></p>
<fieldset><legend>${t('communityConsole.campaigns.template')}</legend>${v.templates.map(
      (tpl, i) => html`<label class="template"><input type="radio" name="message" value="${tpl.name}"${flag('checked', i === 0)}> <strong>${tpl.label}</strong><br><span class="muted">${tpl.text}</span></label>`,
    )}</fieldset>
<fieldset><legend>${t('communityConsole.campaigns.channels')}</legend>${CAMPAIGN_CHANNELS.map(
      (c) => html`<label><input type="checkbox" name="channels" value="${c}" checked> ${t(`communityConsole.segments.channel.${c}`)}</label> `,
    )}</fieldset>
<fieldset><legend>${t('communityConsole.campaigns.quietHours')}</legend>
<label><input type="checkbox" name="quietOn" id="f-quietOn" checked> ${t('communityConsole.campaigns.quietOn')}</label>
<input type="time" name="quietStart" value="${DEFAULT_QUIET_HOURS.start}" aria-label="${t('communityConsole.campaigns.quietOn')}"> ${t('communityConsole.campaigns.quietAnd')}
<input type="time" name="quietEnd" value="${DEFAULT_QUIET_HOURS.end}" aria-label="${t('communityConsole.campaigns.quietAnd')}"></fieldset>
<p><label>${t('communityConsole.campaigns.startAt')} <input type="datetime-local" name="startAt"></label></p>
<p><label>${t('communityConsole.campaigns.endAt')} <input type="datetime-local" name="endAt"></label></p>
<p><button type="submit" class="primary" id="create">${t('communityConsole.campaigns.create')}</button></p>
</form>
<h2>${t('communityConsole.campaigns.segment')} <a class="small" href="${segmentUrl(v.filter)}">${t('communityConsole.campaigns.editSegment')}</a></h2>
<div id="preview" aria-live="polite">${previewBlock(ctx, v.filter, v.preview, false)}</div>
<link rel="stylesheet" href="/console/assets/community.css"><script src="/console/assets/community.js" defer></script>`,
  );
}

/** The numbers the running-campaign page shows and its script refreshes. */
export const liveData = (ctx: PageContext, c: CampaignView) => ({
  id: c.id,
  status: c.status,
  statusLabel: ctx.t(`communityConsole.campaigns.statusLabel.${c.status}`),
  counts: c.counts,
  byTownship: c.byTownship,
  labels: Object.fromEntries(COUNTS.map((k) => [k, ctx.t(`communityConsole.campaigns.counts.${k}`)])),
  funnel: FUNNEL,
  actions: ACTIONS[c.status],
});

/** /console/campaigns/:id: status and actions, live counts, the funnel chart overall and per township. */
export function campaignPage(ctx: PageContext, c: CampaignView, flash: Flash): string {
  const { t } = ctx;
  const data = JSON.stringify(liveData(ctx, c)).replace(/</g, '\\u003c');
  const actions = ACTIONS[c.status].map(
    (a) => html`<form method="post" action="/console/campaigns/${c.id}/${a}" class="inline">${csrfField(ctx)}<button type="submit" id="action-${a}" class="${a === 'start' || a === 'resume' ? 'primary' : a === 'cancel' ? 'danger' : ''}">${t(`communityConsole.campaigns.action.${a}`)}</button></form> `,
  );
  return layout(
    ctx,
    c.name,
    html`<h1>${c.name} <span class="badge" id="campaign-status">${t(`communityConsole.campaigns.statusLabel.${c.status}`)}</span>${c.cancelled ? html` <span class="muted">${t('communityConsole.campaigns.cancelled')}</span>` : ''}</h1>
${flash ? notice(flash.kind, flash.text) : ''}
<p>${t(`campaign.templateNames.${c.message}`, { defaultValue: c.message })} · ${c.channels.map((ch) => t(`communityConsole.segments.channel.${ch}`, { defaultValue: ch })).join(' / ')} · ${c.quietHours ? `${t('communityConsole.campaigns.quietHours')} ${c.quietHours.start}–${c.quietHours.end}` : ''}
${c.startAt ? html` · ${t('communityConsole.campaigns.startAt')} ${chinaTime(c.startAt)}` : ''}${c.endAt ? html` · ${t('communityConsole.campaigns.endAt')} ${chinaTime(c.endAt)}` : ''}
· <a href="${segmentUrl(c.filter)}">${t('communityConsole.campaigns.segment')}</a></p>
<div class="actions">${actions}
<form method="post" action="/console/visit-lists" class="inline" id="campaign-visit-list">${csrfField(ctx)}<input type="hidden" name="campaignId" value="${c.id}"><button type="submit">${t('communityConsole.campaigns.visitList')}</button></form></div>
<p class="muted">${t('communityConsole.campaigns.live')}</p>
<div class="table-wrap"><table id="counts"><thead><tr>${COUNTS.map((k) => html`<th>${t(`communityConsole.campaigns.counts.${k}`)}</th>`)}</tr></thead>
<tbody><tr>${COUNTS.map((k) => html`<td data-count="${k}">${c.counts[k]}</td>`)}</tr></tbody></table></div>
${Object.keys(c.skippedBy).length
  ? html`<p>${t('communityConsole.campaigns.skippedBy')}: ${Object.entries(c.skippedBy).map(([k, n]) => html`<span class="badge">${t(`communityConsole.campaigns.skipReason.${k}`, { defaultValue: k })} ${n}</span> `)}</p>`
  : ''}
<h2>${t('communityConsole.campaigns.funnel')}</h2>
<div id="chart-funnel" class="chart" role="img" aria-label="${t('communityConsole.campaigns.funnel')}"></div>
<h2>${t('communityConsole.campaigns.byTownship')}</h2>
<div id="chart-townships" class="chart" role="img" aria-label="${t('communityConsole.campaigns.byTownship')}"></div>
<div class="table-wrap"><table id="townships"><thead><tr><th>${t('communityConsole.campaigns.township')}</th>${FUNNEL.map((k) => html`<th>${t(`communityConsole.campaigns.counts.${k}`)}</th>`)}</tr></thead>
<tbody>${c.byTownship.map((r) => html`<tr><td>${r.name ?? ''} <span class="mono">${r.township}</span></td>${FUNNEL.map((k) => html`<td>${r[k]}</td>`)}</tr>`)}</tbody></table></div>
<script type="application/json" id="campaign-data">${new SafeHtml(data)}</script>
<script src="/console/assets/vendor/echarts.min.js" defer></script>
<link rel="stylesheet" href="/console/assets/community.css"><script src="/console/assets/community.js" defer></script>`,
  );
}
