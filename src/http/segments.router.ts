import { Router } from 'express';
import { z } from 'zod';
import { DEFAULT_QUIET_HOURS, QuietHoursSchema } from '../domain/campaigns/quiet-hours';
import { CAMPAIGN_CHANNELS } from '../domain/campaigns/reach';
import { SegmentFilterSchema } from '../domain/campaigns/segment-filter';
import { getSegment, listSegments, previewSegment, saveSegment, type SendRates } from '../domain/campaigns/segment.service';
import type { AppDeps } from './create-app';
import { HttpError, parseOr400 } from './http-error';
import { errorResponses, type OpenAPIRegistry } from './openapi';
import { requirePermission, requireStaff, staffOf } from './staff-auth';

const PreviewBody = z
  .object({
    filter: SegmentFilterSchema,
    channels: z.array(z.enum(CAMPAIGN_CHANNELS)).optional().openapi({ description: 'Channels to count as reachable (default both)' }),
    quietHours: QuietHoursSchema.optional().openapi({ description: 'For the time estimate (default 21:00-08:00; null = any hour)' }),
  })
  .strict()
  .openapi('SegmentPreviewRequest');
export const SegmentPreviewResponse = z
  .object({
    count: z.number().int(),
    sample: z.array(
      z.object({ idNumber: z.string(), name: z.string(), regionCode: z.string().nullable(), registrationStatus: z.string(), flags: z.array(z.string()), channel: z.string() }),
    ),
    byChannel: z.object({ wechat: z.number().int(), sms: z.number().int(), none: z.number().int() }),
    estimatedHours: z.number(),
  })
  .openapi('SegmentPreview');
const SaveBody = z.object({ name: z.string().trim().min(1).max(100), filter: SegmentFilterSchema }).strict().openapi('SaveSegment');
const SegmentSchema = z.object({ id: z.string(), name: z.string(), regionCode: z.string(), filter: SegmentFilterSchema, createdAt: z.string() }).openapi('Segment');
const IdParams = z.object({ id: z.uuid() });

export const ratesOf = (deps: AppDeps): SendRates => ({ wechatPerMinute: deps.config.CAMPAIGN_WECHAT_PER_MINUTE, smsPerMinute: deps.config.CAMPAIGN_SMS_PER_MINUTE });
const notFound = () => new HttpError(404, 'NOT_FOUND', 'No such region or segment in your area.');

/** Segments: preview a filter (count, reach, masked sample, time to send), save and list them. Region-scoped. */
export function createSegmentsRouter(deps: AppDeps, registry: OpenAPIRegistry): Router {
  const router = Router();
  const { prisma, clock } = deps;
  const guard = [requireStaff(deps), requirePermission('community.work')];
  const security = [{ bearer: [] }];

  registry.registerPath({
    method: 'post',
    path: '/api/segments/preview',
    tags: ['campaigns'],
    summary: 'Count, reach per channel, masked sample and estimated sending time of a filter',
    description: 'The filter region must be inside yours: otherwise 404, audited.',
    security,
    request: { body: { content: { 'application/json': { schema: PreviewBody } } } },
    responses: { 200: { description: 'Preview', content: { 'application/json': { schema: SegmentPreviewResponse } } }, ...errorResponses(400, 401, 403, 404) },
  });
  router.post('/api/segments/preview', ...guard, async (req, res) => {
    const body = parseOr400(PreviewBody, req.body);
    const r = await previewSegment(prisma, { staff: staffOf(req), source: 'api', now: clock.now() }, body.filter, {
      channels: body.channels ?? CAMPAIGN_CHANNELS,
      quietHours: body.quietHours === undefined ? DEFAULT_QUIET_HOURS : body.quietHours,
      rates: ratesOf(deps),
    });
    if (!r.ok) throw notFound();
    res.setHeader('Cache-Control', 'no-store');
    res.json(r.preview);
  });

  registry.registerPath({
    method: 'post',
    path: '/api/segments',
    tags: ['campaigns'],
    summary: 'Save a segment',
    security,
    request: { body: { content: { 'application/json': { schema: SaveBody } } } },
    responses: { 201: { description: 'Saved', content: { 'application/json': { schema: SegmentSchema } } }, ...errorResponses(400, 401, 403, 404) },
  });
  router.post('/api/segments', ...guard, async (req, res) => {
    const body = parseOr400(SaveBody, req.body);
    const r = await saveSegment(prisma, { staff: staffOf(req), source: 'api', now: clock.now() }, body);
    if (!r.ok) throw notFound();
    res.status(201).json(r.segment);
  });

  registry.registerPath({
    method: 'get',
    path: '/api/segments',
    tags: ['campaigns'],
    summary: 'Saved segments of your region',
    security,
    responses: { 200: { description: 'Segments', content: { 'application/json': { schema: z.object({ segments: z.array(SegmentSchema) }) } } }, ...errorResponses(401, 403) },
  });
  router.get('/api/segments', ...guard, async (req, res) => {
    res.json({ segments: await listSegments(prisma, { staff: staffOf(req), source: 'api', now: clock.now() }) });
  });

  registry.registerPath({
    method: 'get',
    path: '/api/segments/{id}',
    tags: ['campaigns'],
    summary: 'One saved segment',
    security,
    request: { params: IdParams },
    responses: { 200: { description: 'Segment', content: { 'application/json': { schema: SegmentSchema } } }, ...errorResponses(400, 401, 403, 404) },
  });
  router.get('/api/segments/:id', ...guard, async (req, res) => {
    const { id } = parseOr400(IdParams, req.params, 'path');
    const r = await getSegment(prisma, { staff: staffOf(req), source: 'api', now: clock.now() }, id);
    if (!r.ok) throw notFound();
    res.json(r.segment);
  });

  return router;
}
