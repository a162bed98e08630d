import type { HandoffDetail, HandoffItem } from '../../domain/handoff/handoff.service';
import { HANDOFF_OUTCOMES, HANDOFF_TASKS } from '../../domain/handoff/handoff.service';
import { chinaTime, csrfField, layout, notice, type PageContext } from './console-layout';
import { html, type SafeHtml } from './html';
import { labelsFor } from './labels';

export type Flash = { kind: 'ok' | 'error' | 'info'; text: string } | undefined;

const minutes = (s: number) => Math.floor(s / 60);

/** The status, with who has it and (closed) how it ended: a withdrawn request reads "Closed · Withdrawn by the resident". */
function statusLabel(ctx: PageContext, i: Pick<HandoffItem, 'status' | 'claimedBy' | 'outcome'>): SafeHtml {
  const { t } = ctx;
  return html`${t(`handoff.console.status.${i.status}`)}${i.claimedBy ? html` · ${i.claimedBy}` : ''}${i.status === 'CLOSED' && i.outcome ? html` · ${t(`handoff.console.outcome.${i.outcome}`, { defaultValue: i.outcome })}` : ''}`;
}

/** The rows of the live queue (also served alone as a fragment the page swaps in on a live event). */
export function handoffRows(ctx: PageContext, items: HandoffItem[]): SafeHtml {
  const { t } = ctx;
  if (!items.length) return html`<tr><td colspan="8" class="muted">${t('handoff.console.empty')}</td></tr>`;
  return html`${items.map(
    (i) => html`<tr class="${i.escalated ? 'overdue' : ''}" data-id="${i.id}">
  <td><a href="/console/handoffs/${i.id}">${chinaTime(i.createdAt)}</a></td>
  <td>${t('handoff.console.waitingMinutes', { count: minutes(i.waitingSeconds) })}${i.escalated ? html` <strong class="badge bad">${t('handoff.console.escalated')}</strong>` : ''}</td>
  <td>${labelsFor(t).channel(i.channel)}</td>
  <td>${t(`handoff.console.reason.${i.reason}`, { defaultValue: i.reason })}</td>
  <td>${i.person ? html`${i.person.name} <span class="mono">${i.person.idNumber}</span>` : html`<span class="muted">${t('handoff.console.unverified')}</span>`}</td>
  <td>${labelsFor(t).region(i.regionCode)}</td>
  <td>${statusLabel(ctx, i)}</td>
  <td>${i.status === 'OPEN'
      ? html`<form method="post" action="/console/handoffs/${i.id}/claim">${csrfField(ctx)}<input type="hidden" name="version" value="${i.version}"><button type="submit">${t('handoff.console.claim')}</button></form>`
      : html`<a href="/console/handoffs/${i.id}">${t('handoff.console.open')}</a>`}</td>
</tr>`,
  )}`;
}

/** The handoff queue: tabs by status, escalated count, the live table. */
export function handoffQueuePage(ctx: PageContext, v: { items: HandoffItem[]; escalatedCount: number; status: string; flash: Flash }): string {
  const { t } = ctx;
  const tabs = ['OPEN_TAKEN', 'CLOSED'].map(
    (s) => html`<a href="/console/handoffs${s === 'CLOSED' ? '?status=CLOSED' : ''}"${s === v.status ? html` aria-current="page"` : ''}>${t(`handoff.console.tab.${s}`)}</a>`,
  );
  return layout(
    ctx,
    t('handoff.console.queueTitle'),
    html`<h1>${t('handoff.console.queueTitle')}</h1>
${notice(v.flash?.kind ?? 'info', v.flash?.text)}
<p class="tabs">${tabs}</p>
<p id="escalated" class="${v.escalatedCount ? 'notice error' : 'muted'}">${t('handoff.console.escalatedCount', { count: v.escalatedCount })}</p>
<p><a href="/console/assisted/new">${t('handoff.console.newAssisted')}</a></p>
<table class="queue" id="handoff-queue" data-live="/console/handoffs/events" data-fragment="/console/handoffs/rows${v.status === 'CLOSED' ? '?status=CLOSED' : ''}">
<thead><tr><th>${t('handoff.console.col.created')}</th><th>${t('handoff.console.col.waiting')}</th><th>${t('handoff.console.col.channel')}</th><th>${t('handoff.console.col.reason')}</th><th>${t('handoff.console.col.person')}</th><th>${t('handoff.console.col.region')}</th><th>${t('handoff.console.col.status')}</th><th></th></tr></thead>
<tbody id="handoff-rows">${handoffRows(ctx, v.items)}</tbody>
</table>
<script src="/console/assets/desk.js" defer></script>`,
  );
}

/** One transcript line. */
function line(ctx: PageContext, m: HandoffDetail['transcript'][number]): SafeHtml {
  return html`<li class="msg ${m.author}" data-id="${m.id}"><span class="who">${ctx.t(`handoff.console.author.${m.author}`)}</span> <span class="at">${chinaTime(m.at)}</span><div class="text">${m.text}</div></li>`;
}

/** A conversation an agent works from: transcript (live), reply with canned replies, person panel, task, close. */
export function handoffPage(ctx: PageContext, d: HandoffDetail & { cannedReplies: string[] }, me: string, flash: Flash): string {
  const { t } = ctx;
  const mine = d.status === 'TAKEN' && d.claimedBy === me;
  const person = d.person
    ? html`<dl>
  <dt>${t('handoff.console.person.name')}</dt><dd>${d.person.name}</dd>
  <dt>${t('handoff.console.person.idNumber')}</dt><dd class="mono">${d.person.idNumber}</dd>
  <dt>${t('handoff.console.person.status')}</dt><dd>${d.person.registrationStatus}</dd>
  <dt>${t('handoff.console.col.region')}</dt><dd>${labelsFor(t).region(d.person.regionCode)}</dd>
</dl>
<p><a href="/console/persons/${d.person.id}">${t('handoff.console.person.record')}</a></p>
<h3>${t('handoff.console.person.openRequests')}</h3>
${d.openRequests.length
      ? html`<ul>${d.openRequests.map((r) => html`<li><span class="mono">${r.reference}</span> · ${r.fields.join(', ')} · ${r.status}</li>`)}</ul>`
      : html`<p class="muted">${t('handoff.console.person.none')}</p>`}`
    : html`<p class="muted">${t('handoff.console.unverified')}</p>`;
  const actions = mine
    ? html`<form method="post" action="/console/handoffs/${d.id}/reply" id="reply-form">${csrfField(ctx)}
  <label for="reply-text">${t('handoff.console.reply')}</label>
  <textarea id="reply-text" name="text" rows="3" maxlength="1000" required></textarea>
  <p class="canned">${d.cannedReplies.map((c) => html`<button type="button" class="link canned-reply" data-text="${c}">${c}</button> `)}</p>
  <button type="submit" id="send-reply">${t('handoff.console.send')}</button>
</form>
<form method="post" action="/console/handoffs/${d.id}/start" class="inline">${csrfField(ctx)}
  <label for="task">${t('handoff.console.startTask')}</label>
  <select name="task" id="task">${Object.keys(HANDOFF_TASKS).map((k) => html`<option value="${k}">${t(`handoff.console.task.${k}`)}</option>`)}</select>
  <button type="submit">${t('handoff.console.start')}</button>
</form>
<form method="post" action="/console/handoffs/${d.id}/close" class="inline">${csrfField(ctx)}
  <label for="outcome">${t('handoff.console.closeWith')}</label>
  <select name="outcome" id="outcome">${HANDOFF_OUTCOMES.map((o) => html`<option value="${o}">${t(`handoff.console.outcome.${o}`)}</option>`)}</select>
  <button type="submit" id="close-handoff">${t('handoff.console.close')}</button>
</form>`
    : d.status === 'OPEN'
      ? html`<form method="post" action="/console/handoffs/${d.id}/claim">${csrfField(ctx)}<input type="hidden" name="version" value="${d.version}"><button type="submit" id="claim">${t('handoff.console.claim')}</button></form>`
      : html`<p class="muted" id="handoff-status">${statusLabel(ctx, d)}</p>`;
  return layout(
    ctx,
    t('handoff.console.conversationTitle'),
    html`<p><a href="/console/handoffs">${t('handoff.console.back')}</a></p>
<h1>${t('handoff.console.conversationTitle')} <small>${labelsFor(t).channel(d.channel)} · ${t(`handoff.console.reason.${d.reason}`, { defaultValue: d.reason })} · ${t(`handoff.console.status.${d.status}`)}</small></h1>
${notice(flash?.kind ?? 'info', flash?.text)}
${d.outcome === 'WITHDRAWN' ? notice('info', t('handoff.console.withdrawnNotice')) : ''}
<div class="columns">
<section class="card wide">
  <h2>${t('handoff.console.transcript')}</h2>
  <ol id="transcript" class="transcript" data-live="/console/handoffs/events" data-handoff="${d.id}">${d.transcript.map((m) => line(ctx, m))}</ol>
  ${actions}
</section>
<aside class="card"><h2>${t('handoff.console.person.title')}</h2>${person}</aside>
</div>
<template id="author-labels" data-resident="${t('handoff.console.author.resident')}" data-staff="${t('handoff.console.author.staff')}" data-bot="${t('handoff.console.author.bot')}"></template>
<script src="/console/assets/desk.js" defer></script>`,
  );
}
