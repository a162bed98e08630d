import { Router } from 'express';
import { z } from 'zod';
import { openMergeRequestByNumbers } from '../../domain/review/merge-request';
import { closeWorkItem, getWorkItem, listWorkItems } from '../../domain/worklists/work-item.service';
import type { AppDeps } from '../create-app';
import type { OpenAPIRegistry } from '../openapi';
import { staffOf } from '../staff-auth';
import { CloseWorkItemBody, WorkListQuery } from '../worklists.router';
import { communityKit } from './community/community-kit';
import { workItemPage, worklistPage } from './worklists.page';

const PageQuery = WorkListQuery.extend({ kind: z.union([WorkListQuery.shape.kind, z.literal('')]), done: z.enum(['closed']).optional() });
/** The form posts strings; an empty note is no note. */
const CloseForm = CloseWorkItemBody.extend({
  version: z.coerce.number().int().min(0),
  keep: z.preprocess((v) => v || undefined, CloseWorkItemBody.shape.keep),
  note: z.preprocess((v) => (typeof v === 'string' && v.trim() ? v : undefined), CloseWorkItemBody.shape.note),
}).strip();
const MergeForm = z.object({ keepIdNumber: z.string().trim().min(15).max(20), mergeIdNumber: z.string().trim().min(15).max(20) });

/** Console pages of the worklists (issue 17): the region's list with filters, one entry with its close form, opening a merge. */
export function createWorklistsConsoleRouter(deps: AppDeps, _registry: OpenAPIRegistry): Router {
  const router = Router();
  const { prisma, clock } = deps;
  const { ctxOf, errorPage, page } = communityKit(deps, 'worklist.work');
  const work = (req: Parameters<typeof staffOf>[0]) => ({ staff: staffOf(req), source: 'console', now: clock.now() });

  router.get(
    '/console/worklists',
    ...page(async (req, res) => {
      const q = PageQuery.safeParse(req.query);
      const f = q.success ? q.data : { kind: '' as const, status: 'OPEN' as const, cursor: undefined, done: undefined };
      const status = f.status ?? 'OPEN';
      const r = await listWorkItems(prisma, { status, ...(f.kind ? { kind: f.kind } : {}), ...(f.cursor ? { cursor: f.cursor } : {}) }, work(req));
      const ctx = ctxOf(req, res);
      res.type('html').send(worklistPage(ctx, { filter: { kind: f.kind ?? '', status }, ...r, flash: f.done ? { kind: 'ok', text: ctx.t('worklists.closed') } : undefined }));
    }),
  );

  router.get(
    '/console/worklists/:id',
    ...page(async (req, res) => {
      const id = z.uuid().safeParse(req.params.id);
      const r = id.success ? await getWorkItem(prisma, id.data, work(req)) : null;
      if (!r?.ok) return errorPage(req, res, 404, ctxOf(req, res).t('worklists.error.NOT_FOUND'));
      res.type('html').send(workItemPage(ctxOf(req, res), r.item));
    }),
  );

  router.post(
    '/console/worklists/:id/close',
    ...page(async (req, res) => {
      const id = z.uuid().safeParse(req.params.id);
      const form = CloseForm.safeParse(req.body);
      if (!id.success || !form.success) return errorPage(req, res, 400, ctxOf(req, res).t('console.error.VALIDATION'));
      const { version, outcome, keep, note } = form.data;
      const r = await closeWorkItem(prisma, id.data, { version, outcome, ...(keep ? { keep } : {}), ...(note ? { note } : {}) }, work(req));
      if (r.ok) return res.redirect(303, '/console/worklists?done=closed');
      const ctx = ctxOf(req, res);
      if (r.code === 'NOT_FOUND') return errorPage(req, res, 404, ctx.t('worklists.error.NOT_FOUND'));
      const text = r.code === 'VALIDATION_FAILED' ? `${ctx.t('worklists.error.VALIDATION_FAILED')} ${r.message ?? ''}` : ctx.t(`worklists.error.${r.code}`);
      if (!r.item) return errorPage(req, res, 409, text);
      res.status(r.code === 'VALIDATION_FAILED' ? 400 : 409).type('html').send(workItemPage(ctx, r.item, { kind: 'error', text }));
    }),
  );

  router.post(
    '/console/merge-requests',
    ...page(async (req, res) => {
      const form = MergeForm.safeParse(req.body);
      if (!form.success) return errorPage(req, res, 400, ctxOf(req, res).t('console.error.VALIDATION'));
      const r = await openMergeRequestByNumbers(prisma, form.data, { ...work(req), holidays: deps.config.HOLIDAYS });
      if (!r.ok) return errorPage(req, res, r.code === 'NOT_FOUND' ? 404 : r.code === 'ALREADY_MERGED' ? 409 : 400, ctxOf(req, res).t(`worklists.error.${r.code}`));
      res.redirect(303, `/console/requests/${r.id}`);
    }),
  );

  return router;
}
