import { Router } from 'express';
import { z } from 'zod';
import {
  closeVisitRequest,
  getVisitRequest,
  listVisitRequests,
  VISIT_REQUEST_OUTCOMES,
  type VisitRequestFailure,
} from '../domain/visits/visit-request.service';
import type { AppDeps } from './create-app';
import { type HttpError, httpErrorOf, parseOr400 } from './http-error';
import { errorResponses, type OpenAPIRegistry } from './openapi';
import { requirePermission, requireStaff, staffOf } from './staff-auth';

const ListQuery = z.object({
  status: z.enum(['OPEN', 'CLOSED', 'ALL']).optional().openapi({ description: 'OPEN (default), CLOSED or ALL' }),
  limit: z.coerce.number().int().min(1).max(200).optional(),
  cursor: z
    .string()
    .regex(/^[\d\-T:.Z]+\|[0-9a-f-]{36}$/)
    .optional()
    .openapi({ description: 'nextCursor of the previous page' }),
});
const IdParams = z.object({ id: z.uuid() });
const CloseBody = z
  .object({ outcome: z.enum(VISIT_REQUEST_OUTCOMES), note: z.string().trim().max(500).optional() })
  .strict()
  .openapi('CloseVisitRequest');

export const VisitRequestSchema = z
  .object({
    id: z.string(),
    createdAt: z.string(),
    reason: z.string().openapi({ description: 'NO_PHONE_ON_RECORD, VERIFICATION_LOCKED or RESIDENT_ASKED' }),
    region: z.object({ code: z.string(), name: z.string().nullable() }).nullable(),
    person: z.object({ idNumber: z.string(), name: z.string(), address: z.string().nullable() }).nullable(),
    contactPhone: z.string().nullable().openapi({ description: 'The number the resident gave to be reached on' }),
    details: z.string().openapi({ description: 'When and where to come, in the resident’s words' }),
    channel: z.string(),
    locale: z.string(),
    status: z.enum(['OPEN', 'CLOSED']),
    outcome: z.string().nullable(),
    outcomeNote: z.string().nullable(),
    closedAt: z.string().nullable(),
    closedBy: z.string().nullable(),
  })
  .openapi('VisitRequest');

function failure(f: VisitRequestFailure): HttpError {
  return httpErrorOf(f, f.code === 'NOT_FOUND' ? 'No such visit request in your region.' : 'This visit request is already closed.');
}

/** Visit requests from chat for the community workers of a region: list, view, close with an outcome. */
export function createVisitRequestsRouter(deps: AppDeps, registry: OpenAPIRegistry): Router {
  const router = Router();
  const { prisma, clock } = deps;
  const guard = [requireStaff(deps), requirePermission('community.work')];
  const ctx = () => ({ source: 'api', now: clock.now() });

  registry.registerPath({
    method: 'get',
    path: '/api/visit-requests',
    tags: ['visits'],
    summary: 'Visit requests from chat in your region (oldest first)',
    security: [{ bearer: [] }],
    request: { query: ListQuery },
    responses: {
      200: { description: 'A page', content: { 'application/json': { schema: z.object({ requests: z.array(VisitRequestSchema), nextCursor: z.string().nullable() }) } } },
      ...errorResponses(400, 401, 403),
    },
  });
  router.get('/api/visit-requests', ...guard, async (req, res) => {
    const q = parseOr400(ListQuery, req.query, 'query');
    res.setHeader('Cache-Control', 'no-store');
    res.json(await listVisitRequests(prisma, staffOf(req), q, ctx()));
  });

  registry.registerPath({
    method: 'get',
    path: '/api/visit-requests/{id}',
    tags: ['visits'],
    summary: 'One visit request (404 outside your region, audited)',
    security: [{ bearer: [] }],
    request: { params: IdParams },
    responses: { 200: { description: 'The request', content: { 'application/json': { schema: VisitRequestSchema } } }, ...errorResponses(400, 401, 403, 404) },
  });
  router.get('/api/visit-requests/:id', ...guard, async (req, res) => {
    const { id } = parseOr400(IdParams, req.params, 'path');
    const r = await getVisitRequest(prisma, staffOf(req), id, ctx());
    if (!r.ok) throw failure(r);
    res.setHeader('Cache-Control', 'no-store');
    res.json(r.request);
  });

  registry.registerPath({
    method: 'post',
    path: '/api/visit-requests/{id}/close',
    tags: ['visits'],
    summary: 'Close a visit request with its outcome',
    security: [{ bearer: [] }],
    request: { params: IdParams, body: { content: { 'application/json': { schema: CloseBody } } } },
    responses: { 200: { description: 'The closed request', content: { 'application/json': { schema: VisitRequestSchema } } }, ...errorResponses(400, 401, 403, 404, 409) },
  });
  router.post('/api/visit-requests/:id/close', ...guard, async (req, res) => {
    const { id } = parseOr400(IdParams, req.params, 'path');
    const body = parseOr400(CloseBody, req.body);
    const r = await closeVisitRequest(prisma, staffOf(req), id, { outcome: body.outcome, ...(body.note ? { note: body.note } : {}) }, ctx());
    if (!r.ok) throw failure(r);
    res.json(r.request);
  });

  return router;
}
