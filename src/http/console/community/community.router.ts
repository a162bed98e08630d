import { Router } from 'express';
import { z } from 'zod';
import { closeVisitRequest, listVisitRequests, VISIT_REQUEST_OUTCOMES } from '../../../domain/visits/visit-request.service';
import type { AppDeps } from '../../create-app';
import type { OpenAPIRegistry } from '../../openapi';
import { staffOf } from '../../staff-auth';
import { communityKit } from './community-kit';
import { createCommunityWorkRouter } from './community-work.router';
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

/** Console pages for community workers: visit requests here; segments, campaigns and visit lists in community-work.router. */
export function createCommunityConsoleRouter(deps: AppDeps, _registry: OpenAPIRegistry): Router {
  const router = Router();
  const { prisma, clock } = deps;
  const { ctxOf, errorPage, page } = communityKit(deps);
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
    }),
  );

  router.use(createCommunityWorkRouter(deps));
  return router;
}
