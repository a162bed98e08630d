import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { CookieOptions, Request, Response } from 'express';
import type { Config } from '../../app/config';
import { isLocale, type Locale } from '../../lib/i18n';

/** The staff bearer token lives in this cookie: httpOnly, SameSite=Strict, path /console. */
export const SESSION_COOKIE = 'cb_console';
/** Double-submit token for the login form (before there is a session). */
export const LOGIN_CSRF_COOKIE = 'cb_console_login';
export const LANG_COOKIE = 'cb_console_lang';
export const CONSOLE_PATH = '/console';

export function cookieOptions(config: Config, maxAgeMs?: number): CookieOptions {
  return {
    httpOnly: true,
    sameSite: 'strict',
    secure: config.NODE_ENV === 'production',
    path: CONSOLE_PATH,
    ...(maxAgeMs !== undefined ? { maxAge: maxAgeMs } : {}),
  };
}

/** The per-session CSRF token: an HMAC of the session token, so it needs no storage and dies with the session. */
export function csrfTokenFor(sessionToken: string): string {
  return createHmac('sha256', sessionToken).update('canbao-console-csrf').digest('base64url');
}

export function sameToken(a: unknown, b: string): boolean {
  if (typeof a !== 'string' || a.length !== b.length) return false;
  return timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

export const newLoginCsrf = (): string => randomBytes(24).toString('base64url');

/** The session token of the request, or null. */
export function sessionToken(req: Request): string | null {
  const v: unknown = (req.cookies as Record<string, unknown> | undefined)?.[SESSION_COOKIE];
  return typeof v === 'string' && /^[A-Za-z0-9_-]{43}$/.test(v) ? v : null;
}

/**
 * The console language: ?lang= (remembered in a cookie), else the cookie, else the browser's first
 * preference when it is English, else the configured default.
 */
export function consoleLocale(req: Request, res: Response, config: Config): Locale {
  const q = req.query.lang;
  if (typeof q === 'string' && isLocale(q)) {
    res.cookie(LANG_COOKIE, q, { sameSite: 'strict', path: CONSOLE_PATH, maxAge: 365 * 86_400_000, httpOnly: true, secure: config.NODE_ENV === 'production' });
    return q;
  }
  const c: unknown = (req.cookies as Record<string, unknown> | undefined)?.[LANG_COOKIE];
  if (isLocale(c)) return c;
  const accept = (req.get('accept-language') ?? '').trim().toLowerCase();
  if (accept.startsWith('en')) return 'en';
  if (accept.startsWith('zh')) return 'zh-CN';
  return config.DEFAULT_LOCALE;
}

/** A local console path to return to after login (never another site). */
export function safeNext(v: unknown): string {
  return typeof v === 'string' && /^\/console(\/[\w\-/.?=&%]*)?$/.test(v) && !v.startsWith('//') ? v : `${CONSOLE_PATH}/queue`;
}
