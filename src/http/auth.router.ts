import { Router } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { z } from 'zod';
import { recordAudit } from '../domain/staff/audit.service';
import { authenticate, PERMISSIONS, permissionsOf, revokeToken, STAFF_ROLES } from '../domain/staff/staff.service';
import type { AppDeps } from './create-app';
import { HttpError, parseOr400 } from './http-error';
import { errorResponses, type OpenAPIRegistry } from './openapi';
import { bearerToken, requireStaff, staffOf } from './staff-auth';

/** Failed logins allowed per client address and window, on top of the per-account lockout. */
export const LOGIN_RATE_LIMIT = { windowMs: 15 * 60_000, limit: 20 } as const;

export const LoginRequest = z
  .object({
    username: z.string().min(1).max(64).openapi({ example: 'li.wei' }),
    password: z.string().min(1).max(1024),
  })
  .openapi('LoginRequest');

export const StaffProfile = z
  .object({
    username: z.string(),
    role: z.enum(STAFF_ROLES),
    regionCode: z.string().openapi({ example: '530100' }),
  })
  .openapi('StaffProfile');

export const LoginResponse = z
  .object({
    token: z.string().openapi({ description: 'Opaque bearer token (send as Authorization: Bearer <token>)' }),
    expiresAt: z.iso.datetime(),
    staff: StaffProfile,
  })
  .openapi('LoginResponse');

export const MeResponse = z
  .object({
    staff: StaffProfile,
    permissions: z.array(z.enum(PERMISSIONS as [string, ...string[]])),
  })
  .openapi('MeResponse');

/** POST /api/auth/login, POST /api/auth/logout, GET /api/auth/me. */
export function createAuthRouter(deps: AppDeps, registry: OpenAPIRegistry): Router {
  const router = Router();
  const { prisma, clock, config } = deps;

  const loginLimiter = rateLimit({
    windowMs: LOGIN_RATE_LIMIT.windowMs,
    limit: LOGIN_RATE_LIMIT.limit,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    // Only failures count: a busy office behind one address can still sign in.
    skipSuccessfulRequests: true,
    keyGenerator: (req) => ipKeyGenerator(req.ip ?? 'unknown'),
    handler: (_req, _res, next) => {
      next(new HttpError(429, 'RATE_LIMITED', 'Too many failed sign-ins from this address; try again later.'));
    },
  });

  registry.registerPath({
    method: 'post',
    path: '/api/auth/login',
    tags: ['auth'],
    summary: 'Sign in as staff and get a bearer token',
    description:
      'Unknown usernames and wrong passwords get the same 401. After STAFF_MAX_LOGIN_FAILURES consecutive failures the ' +
      'username is locked for STAFF_LOCK_MINUTES (423, details.retryAt and Retry-After). Failed attempts are also ' +
      `rate-limited per client address (${LOGIN_RATE_LIMIT.limit} per ${LOGIN_RATE_LIMIT.windowMs / 60_000} minutes, 429).`,
    request: { body: { content: { 'application/json': { schema: LoginRequest } } } },
    responses: { 200: { description: 'Signed in', content: { 'application/json': { schema: LoginResponse } } }, ...errorResponses(400, 401, 423, 429) },
  });
  router.post('/api/auth/login', loginLimiter, async (req, res) => {
    const body = parseOr400(LoginRequest, req.body);
    const result = await authenticate(prisma, body.username, body.password, clock, config, { source: 'api', ip: req.ip });
    if (!result.ok) {
      if (result.code === 'LOCKED') {
        const seconds = Math.max(1, Math.ceil((result.retryAt.getTime() - clock.now().getTime()) / 1000));
        res.setHeader('Retry-After', String(seconds));
        throw new HttpError(423, 'ACCOUNT_LOCKED', `Too many failed sign-ins; try again after ${result.retryAt.toISOString()}.`, {
          retryAt: result.retryAt.toISOString(),
        });
      }
      throw new HttpError(401, 'INVALID_CREDENTIALS', 'Wrong username or password.');
    }
    const { username, role, regionCode } = result.principal;
    res.setHeader('Cache-Control', 'no-store');
    res.json({ token: result.token, expiresAt: result.expiresAt.toISOString(), staff: { username, role, regionCode } } satisfies z.infer<typeof LoginResponse>);
  });

  const auth = requireStaff(deps);

  registry.registerPath({
    method: 'post',
    path: '/api/auth/logout',
    tags: ['auth'],
    summary: 'Revoke the bearer token of this request',
    security: [{ bearer: [] }],
    responses: { 204: { description: 'Token revoked' }, ...errorResponses(401) },
  });
  router.post('/api/auth/logout', auth, async (req, res) => {
    const token = bearerToken(req);
    const staff = staffOf(req);
    if (token && (await revokeToken(prisma, token, clock))) {
      await recordAudit(prisma, { actorType: 'STAFF', actorId: staff.id, source: 'api', action: 'staff.logout', targetType: 'staff', targetId: staff.id, at: clock.now() });
    }
    res.status(204).end();
  });

  registry.registerPath({
    method: 'get',
    path: '/api/auth/me',
    tags: ['auth'],
    summary: 'The signed-in staff member and what they may do',
    security: [{ bearer: [] }],
    responses: { 200: { description: 'The staff member', content: { 'application/json': { schema: MeResponse } } }, ...errorResponses(401) },
  });
  router.get('/api/auth/me', auth, (req, res) => {
    const staff = staffOf(req);
    res.setHeader('Cache-Control', 'no-store');
    res.json({
      staff: { username: staff.username, role: staff.role, regionCode: staff.regionCode },
      permissions: permissionsOf(staff),
    } satisfies z.infer<typeof MeResponse>);
  });

  return router;
}
