import { type PageContext, layout, notice } from './console-layout';
import { html } from './html';

/** The sign-in form (double-submit CSRF token from a cookie). */
export function loginPage(ctx: PageContext, opts: { csrf: string; next: string; error?: string; username?: string }): string {
  const { t } = ctx;
  return layout(
    ctx,
    t('console.login.title'),
    html`<section class="card narrow">
  <h1>${t('console.login.title')}</h1>
  ${notice('error', opts.error)}
  <form method="post" action="/console/login" class="stack">
    <input type="hidden" name="_csrf" value="${opts.csrf}">
    <input type="hidden" name="next" value="${opts.next}">
    <label for="username">${t('console.login.username')}</label>
    <input id="username" name="username" autocomplete="username" required maxlength="64" value="${opts.username ?? ''}" autofocus>
    <label for="password">${t('console.login.password')}</label>
    <input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1024">
    <button type="submit" class="primary">${t('console.login.submit')}</button>
  </form>
</section>`,
    { bodyClass: 'login' },
  );
}
