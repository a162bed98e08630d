import type { Request, RequestHandler, Response } from 'express';
import { resolveToken } from '../../domain/staff/staff.service';
import type { AppDeps } from '../create-app';
import { cookieOptions, csrfTokenFor, SESSION_COOKIE, sameToken, sessionToken } from './console-session';

/**
 * Middlewares for console pages mounted outside console.router (which sets the language and cookie parser for
 * every /console path first): a signed-in staff member (else to the login page) and the form's CSRF token.
 */
export function consoleAuth(deps: Pick<AppDeps, 'prisma' | 'clock' | 'config'>) {
  const signedIn: RequestHandler = async (req, res, next) => {
    const token = sessionToken(req);
    const principal = token ? await resolveToken(deps.prisma, token, deps.clock) : null;
    if (!token || !principal) {
      if (token) res.clearCookie(SESSION_COOKIE, cookieOptions(deps.config));
      res.redirect(303, req.method === 'GET' ? `/console/login?next=${encodeURIComponent(req.originalUrl)}` : '/console/login');
      return;
    }
    req.staff = principal;
    res.locals.csrf = csrfTokenFor(token);
    next();
  };
  /** True when the posted form (urlencoded body, or a multipart field already parsed) carries the session's token. */
  const csrfOk = (req: Request, res: Response, posted?: unknown): boolean =>
    sameToken(posted ?? (req.body as Record<string, unknown> | undefined)?._csrf, String(res.locals.csrf ?? ''));
  return { signedIn, csrfOk };
}
