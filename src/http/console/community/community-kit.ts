import type { Request, RequestHandler, Response } from 'express';
import type { Permission } from '../../../domain/staff/staff.service';
import type { AppDeps } from '../../create-app';
import { staffOf } from '../../staff-auth';
import { consoleKit } from '../console-kit';

/** What every community (or other permission's) console page is built with: the console kit, guarded by one permission. */
export function communityKit(deps: AppDeps, permission: Permission = 'community.work') {
  const { ctxOf, errorPage, guard, page: wrap } = consoleKit(deps);
  /**
   * Signed in and allowed to do community work; a POST must carry the session's CSRF token (form field `_csrf`, or
   * the `X-CSRF-Token` header for a script's upload). Async failures become an HTML error page.
   */
  const page = (fn: (req: Request, res: Response) => Promise<void>): RequestHandler[] => [...guard(permission), wrap(fn)];
  /** The domain's staff context of a console request. */
  const staffCtx = (req: Request) => ({ staff: staffOf(req), source: 'console', now: deps.clock.now(), holidays: deps.config.HOLIDAYS });
  return { ctxOf, errorPage, page, staffCtx };
}
