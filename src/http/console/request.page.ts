import type { ReviewDetail } from '../../domain/review';
import type { ReviewCheck } from '../../domain/review/review-checks';
import { chinaDueDate, chinaTime, csrfField, layout, notice, type PageContext } from './console-layout';
import { auditTable } from './audit-table';
import { html, type SafeHtml } from './html';
import { ageText, labelsFor, reviewStatusOf } from './labels';
import { mergeSection } from './worklists.page';

export interface RequestView {
  detail: ReviewDetail;
  canReveal: boolean;
  /** The page's clock (for "submitted today"). */
  now: Date;
  flash?: { kind: 'ok' | 'error' | 'info'; text: string } | undefined;
}

/**
 * A check as a sentence in the reviewer's language (field names and statuses translated). A check that says
 * which household it concerns (params.household: SAME, OTHER, NONE) has a sentence per case
 * (console.check.<code>_<household>, i18next's context), else the general one.
 */
export function checkText(ctx: PageContext, c: ReviewCheck): string {
  const { t } = ctx;
  const params: Record<string, string | number | boolean> = { ...(c.params ?? {}) };
  if (c.field) params.field = t(`console.field.${c.field}`, { defaultValue: c.field });
  if (typeof params.status === 'string') params.status = labelsFor(t).status(params.status);
  if (typeof params.fromIdNumber === 'string') params.fromIdNumber = t(`console.sex.${params.fromIdNumber}`, { defaultValue: params.fromIdNumber });
  const context = typeof params.household === 'string' ? { context: params.household } : {};
  return t(`console.check.${c.code}`, { ...params, ...context, defaultValue: c.code });
}

function displayValue(ctx: PageContext, field: string, v: string | null): string {
  // '' is "none" too (a newborn lead without a name yet).
  if (v === null || v === '') return ctx.t('console.request.none');
  if (field === 'sex') return ctx.t(`console.sex.${v}`, { defaultValue: v });
  if (field === 'employmentStatus') return ctx.t(`reference.employment.${v}`, { defaultValue: v });
  if (field === 'ethnicity') return `${ctx.t(`reference.ethnicity.${v}`, { defaultValue: v })} (${v})`;
  return v;
}

function actionForm(ctx: PageContext, d: ReviewDetail, action: string, inner: SafeHtml, extraClass = ''): SafeHtml {
  return html`<form method="post" action="/console/requests/${d.id}/${action}" class="action ${extraClass}" data-action="${action}">
  ${csrfField(ctx)}<input type="hidden" name="version" value="${d.version}">
  ${inner}
</form>`;
}

/** One request: facts, the values side by side, the checks, the decision forms, the conversation, the history. */
export function requestPage(ctx: PageContext, v: RequestView): string {
  const { t } = ctx;
  const d = v.detail;
  const a = d.actions;
  const fieldName = (f: string) => t(`console.field.${f}`, { defaultValue: f });
  const l = labelsFor(t);
  const status = reviewStatusOf(d);

  const facts = html`<dl class="facts">
  <dt>${t('console.queue.kind')}</dt><dd>${t(`console.kind.${d.kind}`)}</dd>
  <dt>${t('console.queue.subject')}</dt><dd>${d.subject.name ?? ''} <span class="mono">${d.subject.idNumber ?? ''}</span></dd>
  <dt>${t('console.queue.region')}</dt><dd>${d.region ? html`${l.region(d.region.code)} <span class="muted">${d.region.code}</span>` : ''}</dd>
  <dt>${t('console.request.channel')}</dt><dd>${l.channel(d.channel)}${d.submittedByStaff ? html` · ${t('console.request.submittedBy', { username: d.submittedByStaff })}` : ''}</dd>
  <dt>${t('console.queue.submitted')}</dt><dd>${chinaTime(d.createdAt)} · <span class="age">${ageText(t, d, v.now)}</span></dd>
  <dt>${t('console.queue.due')}</dt><dd class="${d.overdue ? 'late' : ''}">${chinaDueDate(d.dueAt)}${d.overdue ? html` <span class="badge late">${t('console.queue.overdueBadge')}</span>` : ''}</dd>
  ${d.person ? html`<dt>${t('console.request.registration')}</dt><dd>${l.registration(d.person.registrationStatus)}</dd>` : ''}
  ${d.claimedBy ? html`<dt>${t('console.queue.claimedBy')}</dt><dd>${d.claimedBy}</dd>` : ''}
  ${d.firstApprovalBy ? html`<dt>${t('console.request.firstApproval')}</dt><dd>${d.firstApprovalBy}${d.firstApprovalAt ? ` · ${chinaTime(d.firstApprovalAt)}` : ''}</dd>` : ''}
  ${d.decidedBy ? html`<dt>${t('console.request.decided')}</dt><dd>${d.decidedBy} · ${chinaTime(d.decidedAt)}</dd>` : ''}
  ${d.decisionReason ? html`<dt>${t('console.request.reason')}</dt><dd>${d.decisionReason}</dd>` : ''}
  ${d.question ? html`<dt>${t('console.request.question')}</dt><dd>${d.question}</dd>` : ''}
  ${d.answer ? html`<dt>${t('console.request.answer')}</dt><dd>${d.answer}</dd>` : ''}
</dl>`;

  const diff = html`<section><h2>${t('console.request.diff')}</h2>
<div class="table-wrap"><table class="diff">
<thead><tr><th>${t('console.request.field')}</th>${d.kind === 'FIELD_CHANGE'
    ? html`<th>${t('console.request.atSubmission')}</th><th>${t('console.request.onRecord')}</th>`
    : ''}<th>${t('console.request.proposed')}</th></tr></thead>
<tbody>${d.diff.map(
    (r) => html`<tr class="${r.changedSinceSubmission ? 'conflict' : ''}">
  <th scope="row">${fieldName(r.field)}</th>
  ${d.kind === 'FIELD_CHANGE' ? html`<td>${displayValue(ctx, r.field, r.atSubmission)}</td><td class="${r.changedSinceSubmission ? 'changed' : ''}">${displayValue(ctx, r.field, r.onRecord)}</td>` : ''}
  <td class="proposed">${displayValue(ctx, r.field, r.proposed)}</td>
</tr>`,
  )}</tbody></table></div>
${v.canReveal && !d.revealed ? html`<p><a class="button" id="reveal" href="/console/requests/${d.id}?reveal=1">${t('console.request.reveal')}</a> <span class="muted">${t('console.request.revealHint')}</span></p>` : ''}
${d.revealed ? html`<p class="muted">${t('console.request.revealed')}</p>` : ''}
${d.evidence ? html`<h3>${t('reviewDesk.reasonLabel')}</h3><p class="evidence">${d.evidence}</p>` : ''}
</section>`;

  const checks = html`<section class="checks-section" data-as-of="${d.checksAsOf}"><h2>${t('console.request.checks')}</h2>
${d.checksAsOf === 'decision' ? html`<p class="muted as-of">${t('reviewDesk.checks.asOfDecision', { when: chinaTime(d.decidedAt) })}</p>` : ''}
${d.checksAsOf === 'unknown' ? html`<p class="muted as-of">${t('reviewDesk.checks.unknown')}</p>` : html`${d.checks.length
    ? html`<ul class="checks">${d.checks.map((c) => html`<li class="sev-${c.severity}" data-code="${c.code}"><span class="sev">${t(`console.severity.${c.severity}`)}</span> ${checkText(ctx, c)}</li>`)}</ul>`
    : html`<p class="muted">${t('console.request.noChecks')}</p>`}`}
</section>`;

  const firstOfTwo = d.needsFourEyes && !d.firstApprovalBy;
  const decide = html`<section class="decide"><h2>${t('console.request.decide')}</h2>
${a.claim ? actionForm(ctx, d, 'claim', html`<button type="submit" id="claim">${t('console.request.claim')}</button>`, 'inline') : ''}
${a.release ? actionForm(ctx, d, 'release', html`<button type="submit" id="release">${t('console.request.release')}</button>`, 'inline') : ''}
${a.approve
    ? actionForm(
        ctx,
        d,
        'approve',
        html`${a.needsForce ? html`<p class="check"><input type="checkbox" id="force" name="force" value="1" required><label for="force">${t('console.request.force')}</label></p>` : ''}
  <button type="submit" class="primary" id="approve">${firstOfTwo ? t('console.request.approveFirst') : t('console.request.approve')}</button>`,
      )
    : ''}
${a.reject
    ? actionForm(
        ctx,
        d,
        'reject',
        html`<label for="reason">${t('console.request.reasonLabel')}</label>
  <textarea id="reason" name="reason" required maxlength="500" rows="2"></textarea>
  <button type="submit" class="danger" id="reject">${t('console.request.reject')}</button>`,
      )
    : ''}
${a.ask
    ? actionForm(
        ctx,
        d,
        'ask',
        html`<label for="question">${t('console.request.questionLabel')}</label>
  <textarea id="question" name="question" required maxlength="500" rows="2"></textarea>
  <button type="submit" id="ask">${t('console.request.ask')}</button>`,
      )
    : ''}
${a.answer
    ? actionForm(
        ctx,
        d,
        'answer',
        html`<label for="answer">${t('console.request.answerLabel')}</label>
  <textarea id="answer" name="answer" required maxlength="1000" rows="2"></textarea>
  <button type="submit" id="record-answer">${t('console.request.recordAnswer')}</button>`,
      )
    : ''}
${!a.claim && !a.release && !a.approve && !a.reject && !a.ask && !a.answer ? html`<p class="muted">${t('console.request.nothingToDo')}</p>` : ''}
</section>`;

  const conversation = d.conversation
    ? html`<section><h2>${t('reviewDesk.conversation')}</h2>
<ol class="chat">${d.conversation.messages.map(
        (m) => html`<li class="${m.direction}"><span class="when">${chinaTime(m.at)}</span> ${m.text}${m.choice ? html` <span class="choice">→ ${m.choice}</span>` : ''}</li>`,
      )}</ol></section>`
    : '';

  const history = html`<section><h2>${t('console.request.history')}</h2>
${auditTable(ctx, d.history, { empty: t('console.request.noHistory') })}</section>`;

  return layout(
    ctx,
    d.reference,
    html`<p><a href="/console/queue">← ${t('console.request.back')}</a></p>
<h1>${d.reference} <span class="badge s-${status}">${l.status(status)}</span></h1>
${v.flash ? notice(v.flash.kind, v.flash.text) : ''}
${status === 'FIRST_APPROVED'
    ? notice('info', t('reviewDesk.fourEyes.state', { who: d.firstApprovalBy, when: d.firstApprovalAt ? chinaTime(d.firstApprovalAt).slice(5) : '' }))
    : ''}
<div class="cols">
<div class="main-col">${facts}${d.merge ? mergeSection(ctx, d.merge) : diff}${checks}</div>
<div class="side-col">${decide}</div>
</div>
${conversation}
${history}`,
  );
}
