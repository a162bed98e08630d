import { Router } from 'express';
import { z } from 'zod';
import { changeCampaignState, createCampaign, getCampaign, listCampaigns, TEMPLATE_NAMES, type CampaignFailure } from '../domain/campaigns/campaign.service';
import { setDoNotContact } from '../domain/campaigns/contact-preferences.service';
import { DEFAULT_QUIET_HOURS, QuietHoursSchema } from '../domain/campaigns/quiet-hours';
import { CAMPAIGN_CHANNELS } from '../domain/campaigns/reach';
import { SegmentFilterSchema } from '../domain/campaigns/segment-filter';
import type { AppDeps } from './create-app';
import { HttpError, httpErrorOf, parseOr400 } from './http-error';
import { errorResponses, type OpenAPIRegistry } from './openapi';
import { requirePermission, requireStaff, staffOf } from './staff-auth';

const CreateBody = z
  .object({
    name: z.string().trim().min(1).max(100),
    filter: SegmentFilterSchema,
    message: z.enum(TEMPLATE_NAMES).openapi({ description: 'A template of GET /api/campaigns/templates' }),
    channels: z.array(z.enum(CAMPAIGN_CHANNELS)).min(1).default(['wechat', 'sms']),
    quietHours: QuietHoursSchema.optional().openapi({ description: 'Default 21:00-08:00 China time; null = any hour' }),
    startAt: z.iso.datetime({ offset: true }).optional(),
    endAt: z.iso.datetime({ offset: true }).optional(),
  })
  .strict()
  .refine((b) => !b.startAt || !b.endAt || new Date(b.startAt) < new Date(b.endAt), { message: 'endAt must be after startAt', path: ['endAt'] })
  .openapi('CreateCampaign');
const IdParams = z.object({ id: z.uuid() });
const ActionParams = z.object({ id: z.uuid(), action: z.enum(['start', 'pause', 'resume', 'cancel']) });
const Funnel = z.object({
  queued: z.number(),
  sent: z.number(),
  failed: z.number(),
  skipped: z.number(),
  opened: z.number(),
  verified: z.number(),
  confirmed: z.number(),
  corrected: z.number(),
});
const CampaignSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    regionCode: z.string(),
    filter: SegmentFilterSchema,
    message: z.string(),
    channels: z.array(z.string()),
    quietHours: QuietHoursSchema,
    startAt: z.string().nullable(),
    endAt: z.string().nullable(),
    status: z.enum(['DRAFT', 'SCHEDULED', 'RUNNING', 'PAUSED', 'FINISHED']),
    cancelled: z.boolean(),
    materialised: z.boolean(),
    createdAt: z.string(),
    counts: Funnel.extend({ recipients: z.number() }),
    byTownship: z.array(Funnel.extend({ township: z.string(), name: z.string().nullable() })),
    skippedBy: z.record(z.string(), z.number()),
  })
  .openapi('Campaign');
const DncBody = z
  .object({ idNumber: z.string().min(15).max(20), doNotContact: z.boolean(), reason: z.string().trim().max(200).optional() })
  .strict()
  .openapi('DoNotContact');

function failure(f: CampaignFailure): HttpError {
  return f.code === 'NOT_FOUND'
    ? httpErrorOf(f, 'No such campaign in your region.')
    : httpErrorOf({ ...f, details: { status: f.status } }, `Not possible while the campaign is ${f.status.toLowerCase()}.`);
}

/** Campaigns: templates, create, start/pause/resume/cancel, the funnel; staff do-not-contact. Region-scoped, audited. */
export function createCampaignsRouter(deps: AppDeps, registry: OpenAPIRegistry): Router {
  const router = Router();
  const { prisma, clock, i18n } = deps;
  const guard = [requireStaff(deps), requirePermission('community.work')];
  const security = [{ bearer: [] }];
  const ctx = (req: Parameters<typeof staffOf>[0]) => ({ staff: staffOf(req), source: 'api', now: clock.now() });

  registry.registerPath({
    method: 'get',
    path: '/api/campaigns/templates',
    tags: ['campaigns'],
    summary: 'Message templates (locale files), rendered in both languages with example values',
    security,
    responses: { 200: { description: 'Templates', content: { 'application/json': { schema: z.object({ templates: z.array(z.object({ name: z.string(), label: z.record(z.string(), z.string()), text: z.record(z.string(), z.string()) })) }) } } } },
  });
  router.get('/api/campaigns/templates', ...guard, (_req, res) => {
    const langs = ['zh-CN', 'en'];
    res.json({
      templates: TEMPLATE_NAMES.map((name) => ({
        name,
        label: Object.fromEntries(langs.map((lng) => [lng, i18n.t(`campaign.templateNames.${name}`, { lng })])),
        text: Object.fromEntries(langs.map((lng) => [lng, i18n.t(`campaign.templates.${name}`, { lng, name: '{{name}}', township: '{{township}}', missing: '{{missing}}', link: '{{link}}' })])),
      })),
    });
  });

  registry.registerPath({
    method: 'post',
    path: '/api/campaigns',
    tags: ['campaigns'],
    summary: 'Create a draft campaign',
    security,
    request: { body: { content: { 'application/json': { schema: CreateBody } } } },
    responses: { 201: { description: 'Created', content: { 'application/json': { schema: z.object({ id: z.string() }) } } }, ...errorResponses(400, 401, 403, 404) },
  });
  router.post('/api/campaigns', ...guard, async (req, res) => {
    const b = parseOr400(CreateBody, req.body);
    const r = await createCampaign(prisma, ctx(req), {
      name: b.name,
      filter: b.filter,
      message: b.message,
      channels: b.channels,
      quietHours: b.quietHours === undefined ? DEFAULT_QUIET_HOURS : b.quietHours,
      startAt: b.startAt ? new Date(b.startAt) : undefined,
      endAt: b.endAt ? new Date(b.endAt) : undefined,
    });
    if (!r.ok) throw new HttpError(404, 'NOT_FOUND', 'No such region in your area.');
    res.status(201).json({ id: r.id });
  });

  router.get('/api/campaigns', ...guard, async (req, res) => {
    res.json({ campaigns: await listCampaigns(prisma, ctx(req)) });
  });

  registry.registerPath({
    method: 'get',
    path: '/api/campaigns/{id}',
    tags: ['campaigns'],
    summary: 'A campaign with its funnel counts (sent, opened, verified, confirmed, corrected), overall and per township',
    security,
    request: { params: IdParams },
    responses: { 200: { description: 'Campaign', content: { 'application/json': { schema: CampaignSchema } } }, ...errorResponses(400, 401, 403, 404) },
  });
  router.get('/api/campaigns/:id', ...guard, async (req, res) => {
    const { id } = parseOr400(IdParams, req.params, 'path');
    const r = await getCampaign(prisma, ctx(req), id);
    if (!r.ok) throw failure(r);
    res.setHeader('Cache-Control', 'no-store');
    res.json(r.campaign);
  });

  for (const action of ['start', 'pause', 'resume', 'cancel'] as const) {
    registry.registerPath({
      method: 'post',
      path: `/api/campaigns/{id}/${action}`,
      tags: ['campaigns'],
      summary: `${action[0]!.toUpperCase()}${action.slice(1)} a campaign`,
      security,
      request: { params: IdParams },
      responses: { 200: { description: 'New status', content: { 'application/json': { schema: z.object({ status: z.string() }) } } }, ...errorResponses(400, 401, 403, 404, 409) },
    });
  }
  router.post('/api/campaigns/:id/:action', ...guard, async (req, res) => {
    const { id, action } = parseOr400(ActionParams, req.params, 'path');
    const r = await changeCampaignState(prisma, ctx(req), id, action);
    if (!r.ok) throw failure(r);
    res.json({ status: r.status });
  });

  registry.registerPath({
    method: 'post',
    path: '/api/do-not-contact',
    tags: ['campaigns'],
    summary: 'Mark a person of your region do-not-contact (or allow contact again)',
    security,
    request: { body: { content: { 'application/json': { schema: DncBody } } } },
    responses: { 204: { description: 'Done' }, ...errorResponses(400, 401, 403, 404) },
  });
  router.post('/api/do-not-contact', ...guard, async (req, res) => {
    const b = parseOr400(DncBody, req.body);
    const r = await setDoNotContact(prisma, ctx(req), { idNumber: b.idNumber, on: b.doNotContact, ...(b.reason ? { reason: b.reason } : {}) });
    if (!r.ok) throw new HttpError(404, 'NOT_FOUND', 'No such person in your region.');
    res.status(204).end();
  });

  return router;
}
