import cookieParser from 'cookie-parser';
import type { Request, RequestHandler, Response } from 'express';
import { can, type Permission, resolveToken } from '../../domain/staff/staff.service';
import type { AppDeps } from '../create-app';
import { layout, notice, type PageContext } from './console-layout';
import { consoleLocale, cookieOptions, csrfTokenFor, SESSION_COOKIE, sameToken, sessionToken } from './console-session';
import { html } from './html';

export interface ConsoleKitOptions {
  /** The link under the error page's message (an i18n key for its text); none when absent. */
  back?: { href: string; label: string };
}

/**
 * What every console router is built with: the page context of a request, the error page, the signed-in guard
 * (optionally holding a permission; a POST must carry the session's CSRF token), and the page wrapper that logs a
 * failure and shows the 500 page.
 */
export function consoleKit(deps: Pick<AppDeps, 'prisma' | 'clock' | 'config' | 'i18n'>, opts: ConsoleKitOptions = {}) {
  const { prisma, clock, config, i18n } = deps;

  /** Cookies, the console language (res.locals.lng) and no caching, for the paths a router serves first. */
  const prepare: RequestHandler[] = [
    cookieParser(),
    (req, res, next) => {
      res.locals.lng = consoleLocale(req, res, config);
      res.setHeader('Cache-Control', 'no-store');
      next();
    },
  ];

  const ctxOf = (req: Request, res: Response): PageContext => {
    const lng = (res.locals.lng as PageContext['lng'] | undefined) ?? config.DEFAULT_LOCALE;
    return { t: i18n.getFixedT(lng), lng, url: req.originalUrl, ...(req.staff ? { principal: req.staff } : {}), ...(typeof res.locals.csrf === 'string' ? { csrf: res.locals.csrf } : {}) };
  };
  const send = (res: Response, status: number, page: string) => {
    res.status(status).type('html').send(page);
  };
  const errorPage = (req: Request, res: Response, status: number, message: string) => {
    const ctx = ctxOf(req, res);
    const back = opts.back ? html`<p><a href="${opts.back.href}">${ctx.t(opts.back.label)}</a></p>` : '';
    send(res, status, layout(ctx, ctx.t('console.error.title'), html`<h1>${ctx.t('console.error.title')}</h1>${notice('error', message)}${back}`));
  };

  /** A signed-in staff member (else to the login page, dropping a dead session cookie). */
  const signedIn: RequestHandler = async (req, res, next) => {
    const token = sessionToken(req);
    const principal = token ? await resolveToken(prisma, token, clock) : null;
    if (!token || !principal) {
      if (token) res.clearCookie(SESSION_COOKIE, cookieOptions(config));
      res.redirect(303, req.method === 'GET' ? `/console/login?next=${encodeURIComponent(req.originalUrl)}` : '/console/login');
      return;
    }
    req.staff = principal;
    res.locals.csrf = csrfTokenFor(token);
    res.setHeader('Cache-Control', 'no-store');
    next();
  };
  /** True when the posted form (urlencoded body, or a multipart field already parsed) carries the session's token. */
  const csrfOk = (req: Request, res: Response, posted?: unknown): boolean =>
    sameToken(posted ?? (req.body as Record<string, unknown> | undefined)?._csrf, String(res.locals.csrf ?? ''));
  /** The CSRF check of a signed-in POST: the form field `_csrf`, or the `X-CSRF-Token` header for a script's raw upload. */
  const csrf: RequestHandler = (req, res, next) => {
    if (csrfOk(req, res, Buffer.isBuffer(req.body) ? req.get('x-csrf-token') : undefined)) {
      next();
      return;
    }
    req.log.warn({ path: req.path }, 'console csrf check failed');
    errorPage(req, res, 403, ctxOf(req, res).t('console.error.CSRF'));
  };
  /** Signed in, holding the permission when one is named; a POST carries the session's CSRF token. */
  const guard = (permission?: Permission): RequestHandler[] => [
    signedIn,
    (req, res, next) => {
      if (permission && req.staff && !can(req.staff, permission)) return errorPage(req, res, 403, ctxOf(req, res).t('console.error.FORBIDDEN'));
      if (req.method === 'POST') return csrf(req, res, next);
      next();
    },
  ];
  /** Async page handlers: failures are logged and become the HTML 500 page, not JSON. */
  const page =
    (fn: (req: Request, res: Response) => Promise<void>): RequestHandler =>
    async (req, res) => {
      try {
        await fn(req, res);
      } catch (e) {
        req.log.error({ err: e }, 'console page failed');
        if (!res.headersSent) errorPage(req, res, 500, ctxOf(req, res).t('console.error.internal'));
      }
    };
  return { prepare, ctxOf, send, errorPage, signedIn, csrf, guard, page };
}
