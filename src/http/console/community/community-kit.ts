import type { Request, RequestHandler, Response } from 'express';
import { can, type Permission } from '../../../domain/staff/staff.service';
import type { AppDeps } from '../../create-app';
import { staffOf } from '../../staff-auth';
import { consoleAuth } from '../console-auth';
import { layout, notice, type PageContext } from '../console-layout';
import { html } from '../html';

/** What every community (or other permission's) console page is built with: its context, an error page, and the signed-in, permitted handler. */
export function communityKit(deps: AppDeps, permission: Permission = 'community.work') {
  const { signedIn, csrfOk } = consoleAuth(deps);
  const ctxOf = (req: Request, res: Response): PageContext => {
    const lng = (res.locals.lng as PageContext['lng'] | undefined) ?? deps.config.DEFAULT_LOCALE;
    return { t: deps.i18n.getFixedT(lng), lng, url: req.originalUrl, ...(req.staff ? { principal: req.staff } : {}), ...(typeof res.locals.csrf === 'string' ? { csrf: res.locals.csrf } : {}) };
  };
  const errorPage = (req: Request, res: Response, status: number, message: string) => {
    const ctx = ctxOf(req, res);
    res.status(status).type('html').send(layout(ctx, ctx.t('console.error.title'), html`<h1>${ctx.t('console.error.title')}</h1>${notice('error', message)}`));
  };
  /**
   * Signed in and allowed to do community work; a POST must carry the session's CSRF token (form field `_csrf`, or
   * the `X-CSRF-Token` header for a script's upload). Async failures become an HTML error page.
   */
  const page = (fn: (req: Request, res: Response) => Promise<void>, post = false): RequestHandler[] => [
    signedIn,
    async (req, res) => {
      try {
        if (!can(staffOf(req), permission)) return errorPage(req, res, 403, ctxOf(req, res).t('console.error.FORBIDDEN'));
        if (post && !csrfOk(req, res, Buffer.isBuffer(req.body) ? req.get('x-csrf-token') : undefined)) return errorPage(req, res, 403, ctxOf(req, res).t('console.error.CSRF'));
        res.setHeader('Cache-Control', 'no-store');
        await fn(req, res);
      } catch (e) {
        req.log.error({ err: e }, 'console page failed');
        if (!res.headersSent) errorPage(req, res, 500, ctxOf(req, res).t('console.error.internal'));
      }
    },
  ];
  /** The domain's staff context of a console request. */
  const staffCtx = (req: Request) => ({ staff: staffOf(req), source: 'console', now: deps.clock.now(), holidays: deps.config.HOLIDAYS });
  return { ctxOf, errorPage, page, staffCtx };
}
