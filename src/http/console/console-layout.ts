import type { TFunction } from 'i18next';
import { chinaDateTime } from '../../domain/calendar/china-time';
import { can, type StaffPrincipal } from '../../domain/staff/staff.service';
import type { Locale } from '../../lib/i18n';
import { flag, html, type SafeHtml } from './html';
import { labelsFor } from './labels';

/** What every console page is rendered with. */
export interface PageContext {
  t: TFunction;
  lng: Locale;
  /** The current URL (path and query), for the language toggle. */
  url: string;
  principal?: StaffPrincipal;
  /** The session's CSRF token, put in every form. */
  csrf?: string;
}

/** An ISO instant as China time, YYYY-MM-DD HH:mm. */
export function chinaTime(iso: string | null | undefined): string {
  if (!iso) return '';
  return chinaDateTime(new Date(iso));
}

/**
 * A due time shown as its last day: due at 24:00 of 25 November (stored as 26 November 00:00 China time)
 * reads "2026-11-25".
 */
export function chinaDueDate(iso: string): string {
  return chinaTime(new Date(new Date(iso).getTime() - 1).toISOString()).slice(0, 10);
}

/** The hidden CSRF field of a form. */
export const csrfField = (ctx: PageContext): SafeHtml => html`<input type="hidden" name="_csrf" value="${ctx.csrf ?? ''}">`;

/** The current URL with ?lang= set to the other language. */
function toggleUrl(ctx: PageContext): { href: string; label: string } {
  const other: Locale = ctx.lng === 'en' ? 'zh-CN' : 'en';
  const u = new URL(ctx.url, 'http://console.local');
  u.searchParams.set('lang', other);
  return { href: `${u.pathname}${u.search}`, label: other === 'en' ? 'English' : '中文' };
}

/** A select box of values with their labels. */
export function select(name: string, value: string, options: { value: string; label: string }[], attrs: SafeHtml = html``): SafeHtml {
  return html`<select name="${name}" id="f-${name}"${attrs}>${options.map(
    (o) => html`<option value="${o.value}"${flag('selected', o.value === value)}>${o.label}</option>`,
  )}</select>`;
}

/** The community worker's pages: one entry in the header, their own row of links below it (the header stays one line). */
const COMMUNITY_PAGES = [
  ['/console/segments', 'community.nav.segments'],
  ['/console/campaigns', 'community.nav.campaigns'],
  ['/console/visit-lists', 'community.nav.visitLists'],
  ['/console/visit-requests', 'community.nav.visitRequests'],
] as const;
const current = (on: boolean): SafeHtml => (on ? html` aria-current="page"` : html``);
const inCommunity = (url: string): boolean => COMMUNITY_PAGES.some(([href]) => url === href || url.startsWith(`${href}/`) || url.startsWith(`${href}?`) || url.startsWith(`${href}.`));

function communityNav(ctx: PageContext): SafeHtml {
  return html`<nav class="sub" aria-label="${ctx.t('community.nav.work')}">${COMMUNITY_PAGES.map(
    ([href, key]) => html`<a href="${href}"${current(ctx.url === href || ctx.url.startsWith(`${href}/`) || ctx.url.startsWith(`${href}?`))}>${ctx.t(key)}</a>`,
  )}</nav>`;
}

/** The page frame: header with navigation, who is signed in, the language toggle and sign-out. */
export function layout(ctx: PageContext, title: string, body: SafeHtml, opts: { bodyClass?: string } = {}): string {
  const { t } = ctx;
  const toggle = toggleUrl(ctx);
  const p = ctx.principal;
  return html`<!doctype html>
<html lang="${ctx.lng}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${title} · ${t('console.app')}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/console/assets/console.css">
<script src="/console/assets/console.js" defer></script>
</head>
<body class="${opts.bodyClass ?? ''}">
<header class="top">
  <a class="brand" href="/console/queue">${t('console.app')}</a>
  ${p
    ? html`<nav>
    <a href="/console/queue">${t('console.nav.queue')}</a>
    <a href="/console/persons">${t('console.nav.persons')}</a>
    <a href="/console/progress">${t('progress.nav')}</a>
    <a href="/console/handoffs">${t('handoff.console.nav.handoffs')}</a>
    <a href="/console/assisted/new">${t('handoff.console.nav.assisted')}</a>
    ${can(p, 'worklist.work') ? html`<a href="/console/worklists"${current(ctx.url.startsWith('/console/worklists'))}>${t('worklists.nav')}</a>` : ''}
    ${can(p, 'community.work') ? html`<a href="/console/segments"${current(inCommunity(ctx.url))}>${t('community.nav.work')}</a>` : ''}
    ${can(p, 'audit.search') ? html`<a href="/console/audit">${t('auditLog.nav')}</a>` : ''}
  </nav>
  <span class="who" title="${p.regionCode}">${p.username} · ${t(`console.role.${p.role}`)} · ${labelsFor(t).region(p.regionCode)}</span>`
    : ''}
  <a class="lang" href="${toggle.href}" lang="${toggle.label === 'English' ? 'en' : 'zh-CN'}">${toggle.label}</a>
  ${p
    ? html`<form method="post" action="/console/logout" class="logout">${csrfField(ctx)}<button type="submit" class="link">${t('console.nav.logout')}</button></form>`
    : ''}
</header>
${p && can(p, 'community.work') && inCommunity(ctx.url) ? communityNav(ctx) : ''}
<main>
${body}
</main>
</body>
</html>
`.value;
}

/** A message box (done or error). */
export function notice(kind: 'ok' | 'error' | 'info', text: string | null | undefined): SafeHtml {
  return text ? html`<p class="notice ${kind}" role="${kind === 'error' ? 'alert' : 'status'}">${text}</p>` : html``;
}
