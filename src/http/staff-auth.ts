import type { Request, RequestHandler } from 'express';
import { recordAudit } from '../domain/staff/audit.service';
import { can, type Permission, resolveToken, type StaffPrincipal } from '../domain/staff/staff.service';
import type { AppDeps } from './create-app';
import { HttpError } from './http-error';

declare module 'express-serve-static-core' {
  interface Request {
    /** Set by requireStaff. */
    staff?: StaffPrincipal;
  }
}

/** The bearer token of `Authorization: Bearer <token>`, or null. */
export function bearerToken(req: Request): string | null {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '');
  return m?.[1] ?? null;
}

function unauthenticated(res: Parameters<RequestHandler>[1]): HttpError {
  res.setHeader('WWW-Authenticate', 'Bearer');
  return new HttpError(401, 'UNAUTHENTICATED', 'Sign in first: send Authorization: Bearer <token> from POST /api/auth/login.');
}

type AuthDeps = Pick<AppDeps, 'prisma' | 'clock'>;

/** The deps requireStaff ran with, so requirePermission(p) can audit without being handed them again. */
const depsOfRequest = new WeakMap<Request, AuthDeps>();

/** Resolves the bearer token to req.staff, or answers 401 UNAUTHENTICATED (unknown, expired, revoked, disabled). */
export function requireStaff(deps: AuthDeps): RequestHandler {
  return async (req, res, next) => {
    depsOfRequest.set(req, deps);
    const token = bearerToken(req);
    const principal = token ? await resolveToken(deps.prisma, token, deps.clock) : null;
    if (!principal) {
      next(unauthenticated(res));
      return;
    }
    req.staff = principal;
    req.log = req.log.child({ staffId: principal.id });
    next();
  };
}

/** req.staff, for handlers mounted after requireStaff. */
export function staffOf(req: Request): StaffPrincipal {
  if (!req.staff) throw new HttpError(401, 'UNAUTHENTICATED', 'Sign in first.');
  return req.staff;
}

/**
 * Answers 403 FORBIDDEN unless req.staff's role holds the permission (PERMISSION_POLICY); a refusal is
 * audited with the permission as the action and outcome DENIED. Mount after requireStaff (whose deps it
 * uses unless given its own).
 */
export function requirePermission(permission: Permission, ownDeps?: AuthDeps): RequestHandler {
  return async (req, _res, next) => {
    const staff = req.staff;
    const deps = ownDeps ?? depsOfRequest.get(req);
    if (!staff || !deps) {
      next(new HttpError(401, 'UNAUTHENTICATED', 'Sign in first.'));
      return;
    }
    if (can(staff, permission)) {
      next();
      return;
    }
    await recordAudit(deps.prisma, {
      actorType: 'STAFF',
      actorId: staff.id,
      source: 'api',
      action: permission,
      targetType: 'route',
      targetId: `${req.method} ${req.baseUrl}${req.route?.path ?? req.path}`,
      outcome: 'DENIED',
      details: { role: staff.role, reason: 'permission' },
      at: deps.clock.now(),
    });
    next(new HttpError(403, 'FORBIDDEN', `Your role (${staff.role.toLowerCase()}) may not do this (${permission}).`));
  };
}
