import type { TranscriptEntry } from '../../conversation/transcript';
import { chinaTime, csrfField, layout, notice, type PageContext } from './console-layout';
import { html } from './html';
import type { Flash } from './handoff.page';

/** The page a softphone opens on an incoming call: starts an assisted conversation (the caller's number kept). */
export function assistedNewPage(ctx: PageContext, caller: string, flash: Flash): string {
  const { t } = ctx;
  return layout(
    ctx,
    t('handoff.console.assisted.title'),
    html`<h1>${t('handoff.console.assisted.title')}</h1>
${notice(flash?.kind ?? 'info', flash?.text)}
<p>${t('handoff.console.assisted.intro')}</p>
<form method="post" action="/console/assisted" id="assisted-start"${caller ? html` data-autostart="1"` : ''}>${csrfField(ctx)}
  <label for="caller">${t('handoff.console.assisted.caller')}</label>
  <input id="caller" name="caller" value="${caller}" inputmode="tel" maxlength="20" pattern="\\+?[0-9 \\-]{3,20}">
  <p class="muted">${t('handoff.console.assisted.callerNote')}</p>
  <button type="submit">${t('handoff.console.assisted.start')}</button>
</form>
<script src="/console/assets/desk.js" defer></script>`,
  );
}

/** An assisted conversation as a script: the bot's prompts to read aloud, the choices as numbered buttons. */
export function assistedSessionPage(ctx: PageContext, v: { id: string; caller: string | null; transcript: TranscriptEntry[]; flash: Flash }): string {
  const { t } = ctx;
  const last = [...v.transcript].reverse().find((m) => m.direction === 'out' && m.options?.length);
  const lastOut = v.transcript.at(-1);
  const options = lastOut && lastOut.direction === 'out' && last === lastOut ? (last.options ?? []) : [];
  return layout(
    ctx,
    t('handoff.console.assisted.title'),
    html`<h1>${t('handoff.console.assisted.title')}${v.caller ? html` <small>${t('handoff.console.assisted.caller')}: ${v.caller}</small>` : ''}</h1>
${notice(v.flash?.kind ?? 'info', v.flash?.text)}
<p class="muted">${t('handoff.console.assisted.howTo')}</p>
<ol class="transcript script" id="script">${v.transcript.map(
      (m) => html`<li class="msg ${m.direction === 'out' ? 'bot' : 'resident'}"><span class="who">${t(m.direction === 'out' ? 'handoff.console.assisted.readAloud' : 'handoff.console.assisted.callerSaid')}</span> <span class="at">${chinaTime(m.at)}</span>
  <div class="text">${m.text}</div>${m.options?.length ? html`<ol class="choices">${m.options.map((o) => html`<li>${o.label}</li>`)}</ol>` : ''}</li>`,
    )}</ol>
${options.length
      ? html`<div class="choices-buttons" id="choices">${options.map(
          (o, i) => html`<form method="post" action="/console/assisted/${v.id}" class="inline">${csrfField(ctx)}<input type="hidden" name="text" value="${String(i + 1)}"><button type="submit" data-value="${o.value}">${String(i + 1)}. ${o.label}</button></form>`,
        )}</div>`
      : ''}
<form method="post" action="/console/assisted/${v.id}" id="assisted-answer">${csrfField(ctx)}
  <label for="answer">${t('handoff.console.assisted.answer')}</label>
  <input id="answer" name="text" maxlength="500" required autocomplete="off">
  <button type="submit">${t('handoff.console.assisted.send')}</button>
</form>
<p><a href="/console/assisted/new">${t('handoff.console.assisted.another')}</a></p>
<script src="/console/assets/desk.js" defer></script>`,
  );
}
