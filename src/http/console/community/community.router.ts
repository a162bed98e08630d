import { type Request, type RequestHandler, type Response, Router } from 'express';
import { z } from 'zod';
import { can } from '../../../domain/staff/staff.service';
import { closeVisitRequest, listVisitRequests, VISIT_REQUEST_OUTCOMES } from '../../../domain/visits/visit-request.service';
import type { AppDeps } from '../../create-app';
import type { OpenAPIRegistry } from '../../openapi';
import { staffOf } from '../../staff-auth';
import { consoleAuth } from '../console-auth';
import { layout, notice, type PageContext } from '../console-layout';
import { html } from '../html';
import { visitRequestsPage } from './visit-requests.page';

const ListQuery = z.object({
  status: z.enum(['OPEN', 'CLOSED', 'ALL']).optional().default('OPEN'),
  cursor: z
    .string()
    .regex(/^[\d\-T:.Z]+\|[0-9a-f-]{36}$/)
    .optional(),
  done: z.enum(['closed']).optional(),
});
const CloseForm = z.object({ outcome: z.enum(VISIT_REQUEST_OUTCOMES), note: z.string().trim().max(500).optional() });

/** Console pages for community workers (visit requests; segments, campaigns and visit lists as they land). */
export function createCommunityConsoleRouter(deps: AppDeps, _registry: OpenAPIRegistry): Router {
  const router = Router();
  const { prisma, clock, i18n } = deps;
  const { signedIn, csrfOk } = consoleAuth(deps);

  const ctxOf = (req: Request, res: Response): PageContext => {
    const lng = (res.locals.lng as PageContext['lng'] | undefined) ?? deps.config.DEFAULT_LOCALE;
    return { t: i18n.getFixedT(lng), lng, url: req.originalUrl, ...(req.staff ? { principal: req.staff } : {}), ...(typeof res.locals.csrf === 'string' ? { csrf: res.locals.csrf } : {}) };
  };
  const errorPage = (req: Request, res: Response, status: number, message: string) => {
    const ctx = ctxOf(req, res);
    res.status(status).type('html').send(layout(ctx, ctx.t('console.error.title'), html`<h1>${ctx.t('console.error.title')}</h1>${notice('error', message)}`));
  };
  /** Signed in and allowed to do community work; async failures become an HTML error page. */
  const page = (fn: (req: Request, res: Response) => Promise<void>, post = false): RequestHandler[] => [
    signedIn,
    async (req, res) => {
      try {
        if (!can(staffOf(req), 'community.work')) return errorPage(req, res, 403, ctxOf(req, res).t('console.error.FORBIDDEN'));
        if (post && !csrfOk(req, res)) return errorPage(req, res, 403, ctxOf(req, res).t('console.error.CSRF'));
        await fn(req, res);
      } catch (e) {
        req.log.error({ err: e }, 'console page failed');
        if (!res.headersSent) errorPage(req, res, 500, ctxOf(req, res).t('console.error.internal'));
      }
    },
  ];
  const source = () => ({ source: 'console', now: clock.now() });

  router.get(
    '/console/visit-requests',
    ...page(async (req, res) => {
      const q = ListQuery.safeParse(req.query);
      const f = q.success ? q.data : { status: 'OPEN' as const, cursor: undefined, done: undefined };
      const r = await listVisitRequests(prisma, staffOf(req), { status: f.status, ...(f.cursor ? { cursor: f.cursor } : {}) }, source());
      const ctx = ctxOf(req, res);
      res
        .type('html')
        .send(visitRequestsPage(ctx, { status: f.status, ...r, flash: f.done ? { kind: 'ok', text: ctx.t('community.visitRequests.closed') } : undefined }));
    }),
  );
  router.post(
    '/console/visit-requests/:id/close',
    ...page(async (req, res) => {
      const id = z.uuid().safeParse(req.params.id);
      const form = CloseForm.safeParse(req.body);
      if (!id.success || !form.success) return errorPage(req, res, 400, ctxOf(req, res).t('console.error.VALIDATION'));
      const r = await closeVisitRequest(prisma, staffOf(req), id.data, { outcome: form.data.outcome, ...(form.data.note ? { note: form.data.note } : {}) }, source());
      if (!r.ok) return errorPage(req, res, r.code === 'NOT_FOUND' ? 404 : 409, ctxOf(req, res).t(`community.error.${r.code}`));
      res.redirect(303, '/console/visit-requests?done=closed');
    }, true),
  );

  return router;
}
