import { Router } from 'express';
import { z } from 'zod';
import { MERGE_REASONS, openMergeRequest } from '../domain/review/merge-request';
import { closeWorkItem, getWorkItem, listWorkItems, WORK_ITEM_KINDS, WORK_ITEM_OUTCOMES, WORK_ITEM_STATUSES } from '../domain/worklists/work-item.service';
import type { AppDeps } from './create-app';
import { httpErrorOf, parseOr400, versionOf } from './http-error';
import { errorResponses, type OpenAPIRegistry } from './openapi';
import { requirePermission, requireStaff, staffOf } from './staff-auth';

export const WorkListQuery = z.object({
  kind: z.enum(WORK_ITEM_KINDS).optional(),
  status: z.enum([...WORK_ITEM_STATUSES, 'ALL']).optional().openapi({ description: 'OPEN (default), DONE, DISMISSED or ALL' }),
  limit: z.coerce.number().int().min(1).max(200).optional(),
  cursor: z
    .string()
    .regex(/^[\d\-T:.Z]+\|[0-9a-f-]{36}$/)
    .optional()
    .openapi({ description: 'nextCursor of the previous page' }),
});
const IdParams = z.object({ id: z.uuid() });
export const CloseWorkItemBody = z
  .object({
    version: z.number().int().min(0).optional().openapi({ description: 'The version you saw (or If-Match)' }),
    outcome: z.enum(WORK_ITEM_OUTCOMES),
    keep: z.string().regex(/^\d{3}$/).optional().openapi({ description: 'SCHEME_KEPT: the insurance type to keep (one of the entry’s schemes)' }),
    note: z.string().trim().min(1).max(500).optional(),
  })
  .strict()
  .openapi('CloseWorkItem');
const MergeBody = z
  .object({ survivorId: z.uuid().openapi({ description: 'The person row kept' }), mergedId: z.uuid().openapi({ description: 'The person row folded into it (kept, marked merged)' }) })
  .strict()
  .openapi('OpenMergeRequest');

const WorkItemSchema = z
  .object({
    id: z.string(),
    kind: z.enum(WORK_ITEM_KINDS),
    status: z.enum(WORK_ITEM_STATUSES),
    version: z.number().int(),
    createdAt: z.string(),
    region: z.object({ code: z.string(), name: z.string().nullable() }).nullable(),
    person: z.object({ id: z.string(), idNumber: z.string(), name: z.string(), mergedIntoId: z.string().nullable() }).nullable(),
    details: z.unknown().openapi({ description: 'As raised; duplicate cover: {family, schemes: [{insuranceType, firstEnrolled, lastPaidMonth, regionCode, employer}], suggestedKeep, source}' }),
    outcome: z.string().nullable(),
    keep: z.string().nullable(),
    note: z.string().nullable(),
    closedAt: z.string().nullable(),
    closedBy: z.string().nullable(),
  })
  .openapi('WorkItem');

/** Worklists of a region (issue 17): list, view and close entries; open a merge request for one person under two numbers. */
export function createWorklistsRouter(deps: AppDeps, registry: OpenAPIRegistry): Router {
  const router = Router();
  const { prisma, clock } = deps;
  const guard = [requireStaff(deps), requirePermission('worklist.work')];
  const ctx = (req: Parameters<typeof staffOf>[0]) => ({ staff: staffOf(req), source: 'api', now: clock.now() });
  const bearer = [{ bearer: [] }];

  registry.registerPath({
    method: 'get',
    path: '/api/worklists',
    tags: ['worklists'],
    summary: 'Worklist entries of your region, oldest first (audited)',
    security: bearer,
    request: { query: WorkListQuery },
    responses: {
      200: { description: 'A page', content: { 'application/json': { schema: z.object({ items: z.array(WorkItemSchema), nextCursor: z.string().nullable() }) } } },
      ...errorResponses(400, 401, 403),
    },
  });
  router.get('/api/worklists', ...guard, async (req, res) => {
    const q = parseOr400(WorkListQuery, req.query, 'query');
    res.setHeader('Cache-Control', 'no-store');
    res.json(await listWorkItems(prisma, q, ctx(req)));
  });

  registry.registerPath({
    method: 'get',
    path: '/api/worklists/{id}',
    tags: ['worklists'],
    summary: 'One worklist entry (404 outside your region, audited)',
    security: bearer,
    request: { params: IdParams },
    responses: { 200: { description: 'The entry', content: { 'application/json': { schema: WorkItemSchema } } }, ...errorResponses(400, 401, 403, 404) },
  });
  router.get('/api/worklists/:id', ...guard, async (req, res) => {
    const { id } = parseOr400(IdParams, req.params, 'path');
    const r = await getWorkItem(prisma, id, ctx(req));
    if (!r.ok) throw httpErrorOf(r);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('ETag', `"${r.item.version}"`);
    res.json(r.item);
  });

  registry.registerPath({
    method: 'post',
    path: '/api/worklists/{id}/close',
    tags: ['worklists'],
    summary: 'Close an entry with its outcome (duplicate cover: SCHEME_KEPT with the scheme to keep)',
    description: 'Send the version you saw (body or If-Match). 409 VERSION_CONFLICT when it changed, 409 ALREADY_CLOSED, 428 without a version.',
    security: bearer,
    request: { params: IdParams, body: { content: { 'application/json': { schema: CloseWorkItemBody } } } },
    responses: { 200: { description: 'The closed entry', content: { 'application/json': { schema: WorkItemSchema } } }, ...errorResponses(400, 401, 403, 404, 409, 428) },
  });
  router.post('/api/worklists/:id/close', ...guard, async (req, res) => {
    const { id } = parseOr400(IdParams, req.params, 'path');
    const body = parseOr400(CloseWorkItemBody, req.body);
    const version = versionOf(req, body);
    const r = await closeWorkItem(prisma, id, { version, outcome: body.outcome, ...(body.keep ? { keep: body.keep } : {}), ...(body.note ? { note: body.note } : {}) }, ctx(req));
    if (!r.ok) throw httpErrorOf({ ...r, ...(r.item ? { details: { current: r.item } } : {}) });
    res.json(r.item);
  });

  registry.registerPath({
    method: 'post',
    path: '/api/merge-requests',
    tags: ['worklists', 'review'],
    summary: 'Open a merge request: one person under two numbers (decided in the review queue by two reviewers)',
    security: bearer,
    request: { body: { content: { 'application/json': { schema: MergeBody } } } },
    responses: {
      201: { description: 'Opened (or the open one for the same two persons, created false)', content: { 'application/json': { schema: z.object({ id: z.string(), reference: z.string(), created: z.boolean() }) } } },
      ...errorResponses(400, 401, 403, 404, 409),
    },
  });
  router.post('/api/merge-requests', ...guard, async (req, res) => {
    const body = parseOr400(MergeBody, req.body);
    const r = await openMergeRequest(prisma, { ...body, reason: MERGE_REASONS[2] }, { ...ctx(req), holidays: deps.config.HOLIDAYS });
    if (!r.ok) throw httpErrorOf(r);
    res.status(r.created ? 201 : 200).json({ id: r.id, reference: r.reference, created: r.created });
  });

  return router;
}
