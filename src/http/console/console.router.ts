import path from 'node:path';
import express, { type Request, type Response, Router } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { z } from 'zod';
import { recordAudit } from '../../domain/staff/audit.service';
import { idNumberOf, type PersonLookupFailure, personAuditTrail, personIdOf, viewPerson } from '../../domain/registry/person-view.service';
import { childRegions } from '../../domain/registry/region.service';
import { REGION_CODE_RE } from '../../domain/vocabulary';
import {
  batchApprove,
  CHANGE_REQUEST_KINDS,
  CHANGE_REQUEST_STATUSES,
  getRequest,
  isReviewActionName,
  listRequests,
  REVIEW_ACTIONS,
  REVIEW_FAILURE_CODES,
  type ReviewAction,
  type ReviewActor,
  reviewStats,
} from '../../domain/review';
import { authenticate, can, resolveToken, revokeToken } from '../../domain/staff/staff.service';
import type { AppDeps } from '../create-app';
import type { OpenAPIRegistry } from '../openapi';
import { reviewEnvOf } from '../review.router';
import { staffOf } from '../staff-auth';
import { consoleKit } from './console-kit';
import { cookieOptions, LOGIN_CSRF_COOKIE, newLoginCsrf, safeNext, sameToken, SESSION_COOKIE, sessionToken } from './console-session';
import { loginPage } from './login.page';
import { personPage } from './person.page';
import { type QueueFilters, queuePage } from './queue.page';
import { requestPage } from './request.page';

const PUBLIC_DIR = path.resolve(__dirname, 'public');
const UUID = z.uuid();
/** Error codes the console explains: the review service's, and the console's own (anything else: a generic failure). */
const KNOWN_ERRORS = new Set<string>([...REVIEW_FAILURE_CODES, 'VALIDATION', 'NOTHING_SELECTED', 'BAD_FILTER']);
const DONE = new Set(['claim', 'release', 'approve', 'first_approval', 'reject', 'ask', 'answer']);

const QueueQuery = z.object({
  status: z.enum(['open', 'all', 'FIRST_APPROVED', ...CHANGE_REQUEST_STATUSES]).optional().default('open'),
  kind: z.union([z.enum(CHANGE_REQUEST_KINDS), z.literal('')]).optional().default(''),
  region: z.union([z.string().regex(REGION_CODE_RE), z.literal('')]).optional().default(''),
  overdue: z.enum(['1', 'true', '']).optional(),
  q: z.string().trim().max(64).optional().default(''),
  cursor: z.string().max(200).optional(),
});

function formText(v: unknown, max: number): string | null {
  if (typeof v !== 'string') return null;
  const s = v.trim();
  return s.length > 0 && s.length <= max ? s : null;
}

/** The staff console: server-rendered pages under /console, signed in with a staff account. */
export function createConsoleRouter(deps: AppDeps, _registry: OpenAPIRegistry): Router {
  const router = Router();
  const { prisma, clock, config } = deps;
  const env = reviewEnvOf(deps);

  router.use('/console/assets', express.static(PUBLIC_DIR, { index: false, maxAge: '1h' }));
  const { prepare, ctxOf, send, errorPage, signedIn, csrf, page } = consoleKit(deps, { back: { href: '/console/queue', label: 'console.request.back' } });
  router.use('/console', ...prepare);

  const actor = (req: Request): ReviewActor => ({ principal: staffOf(req), source: 'console' });
  const errorText = (req: Request, res: Response, code: string) =>
    ctxOf(req, res).t(`console.error.${KNOWN_ERRORS.has(code) ? code : 'FAILED'}`);

  // ---------------------------------------------------------------- sign in and out

  const loginLimiter = rateLimit({
    windowMs: 15 * 60_000,
    limit: 20,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    skipSuccessfulRequests: true,
    keyGenerator: (req) => ipKeyGenerator(req.ip ?? 'unknown'),
    handler: (req, res) => errorPage(req, res, 429, ctxOf(req, res).t('console.login.rateLimited')),
  });

  const renderLogin = (req: Request, res: Response, status: number, opts: { next: string; error?: string; username?: string }) => {
    const token = newLoginCsrf();
    res.cookie(LOGIN_CSRF_COOKIE, token, cookieOptions(config, 30 * 60_000));
    send(res, status, loginPage(ctxOf(req, res), { csrf: token, ...opts }));
  };

  router.get('/console', (_req, res) => res.redirect(303, '/console/queue'));
  router.get(
    '/console/login',
    page(async (req, res) => {
      const token = sessionToken(req);
      if (token && (await resolveToken(prisma, token, clock))) {
        res.redirect(303, safeNext(req.query.next));
        return;
      }
      renderLogin(req, res, 200, { next: safeNext(req.query.next) });
    }),
  );
  router.post(
    '/console/login',
    loginLimiter,
    page(async (req, res) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const { t } = ctxOf(req, res);
      const next = safeNext(body.next);
      const expected: unknown = (req.cookies as Record<string, unknown>)[LOGIN_CSRF_COOKIE];
      if (typeof expected !== 'string' || !sameToken(body._csrf, expected)) {
        renderLogin(req, res, 403, { next, error: t('console.login.expired') });
        return;
      }
      const username = typeof body.username === 'string' ? body.username.slice(0, 64) : '';
      const password = typeof body.password === 'string' ? body.password.slice(0, 1024) : '';
      const r = await authenticate(prisma, username, password, clock, config, { source: 'console', ...(req.ip ? { ip: req.ip } : {}) });
      if (!r.ok) {
        const error = r.code === 'LOCKED' ? t('console.login.locked') : t('console.login.failed');
        // The form comes back with the message (200: a form page, not an API; the audit has the failure).
        renderLogin(req, res, 200, { next, error, username });
        return;
      }
      res.cookie(SESSION_COOKIE, r.token, cookieOptions(config, Math.max(0, r.expiresAt.getTime() - clock.now().getTime())));
      res.clearCookie(LOGIN_CSRF_COOKIE, cookieOptions(config));
      res.redirect(303, next);
    }),
  );
  router.post(
    '/console/logout',
    signedIn,
    csrf,
    page(async (req, res) => {
      const token = sessionToken(req);
      const staff = staffOf(req);
      if (token && (await revokeToken(prisma, token, clock))) {
        await recordAudit(prisma, { actorType: 'STAFF', actorId: staff.id, source: 'console', action: 'staff.logout', targetType: 'staff', targetId: staff.id, at: clock.now() });
      }
      res.clearCookie(SESSION_COOKIE, cookieOptions(config));
      res.redirect(303, '/console/login');
    }),
  );

  // ---------------------------------------------------------------- the queue

  router.get(
    '/console/queue',
    signedIn,
    page(async (req, res) => {
      const ctx = ctxOf(req, res);
      const { t } = ctx;
      const principal = staffOf(req);
      const parsed = QueueQuery.safeParse(req.query);
      const q = parsed.success ? parsed.data : QueueQuery.parse({});
      const filters: QueueFilters = { status: q.status, kind: q.kind, region: q.region, overdue: q.overdue === '1' || q.overdue === 'true', q: q.q };
      const list = await listRequests(env, actor(req), {
        ...(q.status === 'all' ? { status: [...CHANGE_REQUEST_STATUSES] } : q.status === 'FIRST_APPROVED' ? { status: ['PENDING' as const], firstApproved: true } : q.status !== 'open' ? { status: [q.status] } : {}),
        ...(q.kind ? { kind: q.kind } : {}),
        ...(q.region ? { region: q.region } : {}),
        ...(filters.overdue ? { overdue: true } : {}),
        ...(q.q ? { q: q.q } : {}),
        ...(q.cursor ? { cursor: q.cursor } : {}),
        limit: 50,
      });
      const stats = await reviewStats(env, actor(req));
      const regions = await childRegions(prisma, principal.regionCode);

      let flash: { kind: 'ok' | 'error' | 'info'; text: string } | undefined;
      const approved = Number(req.query.approved ?? NaN);
      const refused = Number(req.query.refused ?? NaN);
      if (!parsed.success) flash = { kind: 'error', text: t('console.error.BAD_FILTER') };
      else if (!list.ok) flash = { kind: 'error', text: errorText(req, res, list.code) };
      else if (typeof req.query.error === 'string') flash = { kind: 'error', text: errorText(req, res, req.query.error) };
      else if (Number.isInteger(approved) && Number.isInteger(refused)) {
        flash = { kind: refused ? 'info' : 'ok', text: t('console.queue.batchDone', { approved, refused }) };
      }
      send(
        res,
        200,
        queuePage(ctx, {
          filters,
          items: list.ok ? list.items : [],
          nextCursor: list.ok ? list.nextCursor : null,
          stats: stats.ok ? stats.stats : null,
          regions,
          canDecide: can(principal, 'review.decide'),
          now: clock.now(),
          flash,
        }),
      );
    }),
  );

  router.post(
    '/console/batch-approve',
    signedIn,
    csrf,
    page(async (req, res) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const back = new URLSearchParams(typeof body.back === 'string' ? body.back.replace(/^\?/, '') : '');
      const keep = new URLSearchParams();
      for (const k of ['status', 'kind', 'region', 'overdue', 'q']) {
        const v = back.get(k);
        if (v) keep.set(k, v.slice(0, 64));
      }
      const raw = Array.isArray(body.item) ? body.item : body.item === undefined ? [] : [body.item];
      const items = raw
        .map((v) => (typeof v === 'string' ? /^([0-9a-f-]{36}):(\d{1,9})$/i.exec(v) : null))
        .filter((m): m is RegExpExecArray => !!m)
        .slice(0, 100)
        .map((m) => ({ id: String(m[1]), version: Number(m[2]) }));
      if (!can(staffOf(req), 'review.decide')) {
        errorPage(req, res, 403, errorText(req, res, 'FORBIDDEN'));
        return;
      }
      if (!items.length) {
        keep.set('error', 'NOTHING_SELECTED');
      } else {
        const results = await batchApprove(env, actor(req), items);
        keep.set('approved', String(results.filter((r) => r.ok).length));
        keep.set('refused', String(results.filter((r) => !r.ok).length));
      }
      res.redirect(303, `/console/queue?${keep.toString()}`);
    }),
  );

  // ---------------------------------------------------------------- one request

  router.get(
    '/console/requests/:id',
    signedIn,
    page(async (req, res) => {
      const ctx = ctxOf(req, res);
      const id = UUID.safeParse(req.params.id);
      if (!id.success) {
        errorPage(req, res, 404, errorText(req, res, 'NOT_FOUND'));
        return;
      }
      const reveal = req.query.reveal === '1';
      const r = await getRequest(env, actor(req), id.data, { reveal });
      if (!r.ok) {
        errorPage(req, res, r.code === 'FORBIDDEN' ? 403 : 404, errorText(req, res, r.code));
        return;
      }
      let flash: { kind: 'ok' | 'error'; text: string } | undefined;
      if (typeof req.query.done === 'string' && DONE.has(req.query.done)) flash = { kind: 'ok', text: ctx.t(`console.done.${req.query.done}`) };
      else if (typeof req.query.error === 'string') flash = { kind: 'error', text: errorText(req, res, req.query.error) };
      send(res, 200, requestPage(ctx, { detail: r.detail, canReveal: can(staffOf(req), 'person.reveal'), now: clock.now(), flash }));
    }),
  );

  router.post(
    '/console/requests/:id/:action',
    signedIn,
    csrf,
    page(async (req, res) => {
      const id = UUID.safeParse(req.params.id);
      const action = String(req.params.action);
      if (!id.success || !isReviewActionName(action)) {
        errorPage(req, res, 404, errorText(req, res, 'NOT_FOUND'));
        return;
      }
      const body = (req.body ?? {}) as Record<string, unknown>;
      const version = typeof body.version === 'string' && /^\d{1,9}$/.test(body.version) ? Number(body.version) : undefined;
      const to = (q: string) => res.redirect(303, `/console/requests/${id.data}?${q}`);
      const decision = REVIEW_ACTIONS[action] as ReviewAction<object>;
      if (version === undefined && decision.versionRequired) {
        to('error=VERSION_CONFLICT');
        return;
      }
      // The form's fields that the decision takes (a checkbox "1" is true).
      const fields = Object.keys(decision.input.shape).filter((k) => k !== 'version' && body[k] !== undefined);
      const input = decision.input.safeParse(Object.fromEntries(fields.map((k) => [k, k === 'force' ? body[k] === '1' : body[k]])));
      if (!input.success) return to('error=VALIDATION');
      const r = await decision.run(env, actor(req), id.data, version, input.data);
      if (!r.ok) {
        if (r.code === 'NOT_FOUND' || r.code === 'FORBIDDEN') {
          errorPage(req, res, r.code === 'FORBIDDEN' ? 403 : 404, errorText(req, res, r.code));
          return;
        }
        to(`error=${r.code}`);
        return;
      }
      const first = action === 'approve' && (r.result as { outcome?: string }).outcome === 'FIRST_APPROVAL';
      to(`done=${first ? 'first_approval' : action}`);
    }),
  );

  // ---------------------------------------------------------------- persons

  const lookupError = (req: Request, res: Response, f: PersonLookupFailure): string => {
    const { t } = ctxOf(req, res);
    if (f.code === 'INVALID_ID_NUMBER') return t('console.person.invalid');
    if (f.code === 'FORBIDDEN') return t('console.error.FORBIDDEN');
    return t('console.person.notFound');
  };

  const showPerson = async (req: Request, res: Response, idNumber: string, reveal: boolean) => {
    const principal = staffOf(req);
    const canReveal = can(principal, 'person.reveal');
    const r = await viewPerson(prisma, principal, idNumber, { reveal, source: 'console' }, clock);
    if (!r.ok) {
      send(res, r.code === 'FORBIDDEN' ? 403 : r.code === 'NOT_FOUND' ? 404 : 400, personPage(ctxOf(req, res), { canReveal, error: lookupError(req, res, r) }));
      return;
    }
    const personId = await personIdOf(prisma, idNumber);
    const trail = can(principal, 'person.audit_view') ? await personAuditTrail(prisma, principal, idNumber, { limit: 50, source: 'console' }, clock) : null;
    send(res, 200, personPage(ctxOf(req, res), { view: r.view, personId: personId ?? undefined, audit: trail?.ok ? trail.events : undefined, canReveal }));
  };

  router.get(
    '/console/persons',
    signedIn,
    page(async (req, res) => {
      send(res, 200, personPage(ctxOf(req, res), { canReveal: can(staffOf(req), 'person.reveal') }));
    }),
  );
  router.post(
    '/console/persons',
    signedIn,
    csrf,
    page(async (req, res) => {
      const idNumber = formText((req.body as Record<string, unknown> | undefined)?.idNumber, 32) ?? '';
      await showPerson(req, res, idNumber, false);
    }),
  );
  router.post(
    '/console/persons/reveal',
    signedIn,
    csrf,
    page(async (req, res) => {
      const id = UUID.safeParse((req.body as Record<string, unknown> | undefined)?.personId);
      const idNumber = id.success ? await idNumberOf(prisma, id.data) : null;
      if (!idNumber) {
        send(res, 404, personPage(ctxOf(req, res), { canReveal: false, error: ctxOf(req, res).t('console.person.notFound') }));
        return;
      }
      await showPerson(req, res, idNumber, true);
    }),
  );

  return router;
}
