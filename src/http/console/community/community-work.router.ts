import express, { type Request, Router } from 'express';
import { z } from 'zod';
import { changeCampaignState, createCampaign, getCampaign, listCampaigns, TEMPLATE_NAMES } from '../../../domain/campaigns/campaign.service';
import { type SegmentFilterSchema } from '../../../domain/campaigns/segment-filter';
import { previewSegment } from '../../../domain/campaigns/segment.service';
import { regionsWithin } from '../../../domain/registry/region.service';
import { applyVisitResults, createVisitList } from '../../../domain/visits/visit-list.service';
import { listVisitLists, visitListSummary } from '../../../domain/visits/visit-list-summary.service';
import type { AppDeps } from '../../create-app';
import { ratesOf } from '../../segments.router';
import { staffOf } from '../../staff-auth';
import { sendVisitListFile } from '../../visit-lists.router';
import { campaignPage, campaignsPage, liveData, newCampaignPage } from './campaigns.page';
import { notice } from '../console-layout';
import { communityKit } from './community-kit';
import { filterFromQuery, sendingFromQuery } from './segment-form';
import { previewBlock, segmentsPage } from './segments.page';
import { resultsReportBlock, visitListPage, visitListsPage } from './visit-lists.page';
import { fromChinaLocal } from '../../../domain/calendar/china-time';

const Id = z.uuid();
const ACTIONS = ['start', 'pause', 'resume', 'cancel'] as const;
const Done = z.enum([...ACTIONS, 'created']);
const FileParams = z.object({ id: z.uuid(), format: z.enum(['xlsx', 'csv', 'zip']) });
const FileQuery = z.object({ township: z.string().regex(/^\d{9}$/).optional() });
/** A datetime-local value read as China time. */
const ChinaLocal = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/)
  .transform(fromChinaLocal);
const CampaignForm = z.object({
  name: z.string().trim().min(1).max(100),
  message: z.enum(TEMPLATE_NAMES),
  startAt: z.union([z.literal(''), ChinaLocal]).optional(),
  endAt: z.union([z.literal(''), ChinaLocal]).optional(),
});
const VisitListForm = z.union([z.object({ filter: z.string() }), z.object({ campaignId: z.uuid() })]);

/** Console pages of community work: segments with a live preview, campaigns with their funnel, visit lists. */
export function createCommunityWorkRouter(deps: AppDeps): Router {
  const router = Router();
  const { prisma, i18n } = deps;
  const { ctxOf, errorPage, page, staffCtx } = communityKit(deps);
  const notFound = (req: Request, res: express.Response) => errorPage(req, res, 404, ctxOf(req, res).t('community.error.NOT_FOUND'));

  /** The preview of a query's filter (and, on the campaign form, its channels and quiet hours). */
  const preview = async (req: Request, res: express.Response, q: Record<string, unknown> = req.query) => {
    const t = ctxOf(req, res).t;
    const f = filterFromQuery(q, staffOf(req).regionCode);
    if (!f.ok) return { filter: null, preview: null, error: t('communityConsole.segments.invalid', { detail: f.detail }) };
    const sending = sendingFromQuery(q);
    if (!sending.ok) return { filter: f.filter, preview: null, error: t('communityConsole.segments.invalid', { detail: sending.detail }) };
    const r = await previewSegment(prisma, staffCtx(req), f.filter, { channels: sending.channels, quietHours: sending.quietHours, rates: ratesOf(deps) });
    return r.ok ? { filter: f.filter, preview: r.preview, error: undefined } : { filter: f.filter, preview: null, error: t('communityConsole.segments.outOfScope') };
  };

  router.get(
    '/console/segments',
    ...page(async (req, res) => {
      const p = await preview(req, res);
      const staff = staffOf(req);
      const regions = await regionsWithin(prisma, staff.regionCode);
      const filter = p.filter ?? { region: staff.regionCode };
      res.type('html').send(segmentsPage(ctxOf(req, res), { filter, regions, preview: p.preview, error: p.error }));
    }),
  );
  router.get(
    '/console/segments/preview',
    ...page(async (req, res) => {
      const p = await preview(req, res);
      const ctx = ctxOf(req, res);
      if (!p.preview || !p.filter) return void res.status(400).type('html').send(notice('error', p.error).value);
      res.type('html').send(previewBlock(ctx, p.filter, p.preview, req.query.bare === undefined).value);
    }),
  );

  router.get(
    '/console/campaigns',
    ...page(async (req, res) => {
      res.type('html').send(campaignsPage(ctxOf(req, res), await listCampaigns(prisma, staffCtx(req))));
    }),
  );
  const templates = (lng: string) =>
    TEMPLATE_NAMES.map((name) => ({
      name,
      label: i18n.t(`campaign.templateNames.${name}`, { lng }),
      text: i18n.t(`campaign.templates.${name}`, { lng, name: '杨*', township: '…', missing: '…', link: 'https://…/chat?c=…' }),
    }));
  const newCampaign = async (req: Request, res: express.Response, status = 200, error?: string, q: Record<string, unknown> = req.query) => {
    const p = await preview(req, res, q);
    if (!p.filter || !p.preview) return errorPage(req, res, 400, p.error ?? '');
    const ctx = ctxOf(req, res);
    res.status(status).type('html').send(newCampaignPage(ctx, { filter: p.filter, preview: p.preview, templates: templates(ctx.lng), error }));
  };
  router.get('/console/campaigns/new', ...page((req, res) => newCampaign(req, res)));
  router.post(
    '/console/campaigns',
    ...page(async (req, res) => {
      const body = req.body as Record<string, unknown>;
      const f = filterFromQuery({ filter: body.filter }, staffOf(req).regionCode);
      const sending = sendingFromQuery(body);
      const form = CampaignForm.safeParse(body);
      const t = ctxOf(req, res).t;
      if (!f.ok || !sending.ok || !form.success) {
        const detail = !f.ok ? f.detail : !sending.ok ? sending.detail : (form.error?.issues.map((i) => i.path.join('.')).join(', ') ?? '');
        return f.ok ? newCampaign(req, res, 400, t('communityConsole.campaigns.formInvalid', { detail }), { filter: body.filter }) : errorPage(req, res, 400, t('communityConsole.segments.invalid', { detail }));
      }
      const { startAt, endAt } = form.data;
      const r = await createCampaign(prisma, staffCtx(req), {
        name: form.data.name,
        filter: f.filter,
        message: form.data.message,
        channels: sending.channels,
        quietHours: sending.quietHours,
        startAt: startAt || undefined,
        endAt: endAt || undefined,
      });
      if (!r.ok) return notFound(req, res);
      res.redirect(303, `/console/campaigns/${r.id}?done=created`);
    }),
  );
  router.get(
    '/console/campaigns/:id',
    ...page(async (req, res) => {
      const id = Id.safeParse(req.params.id);
      if (!id.success) return notFound(req, res);
      const r = await getCampaign(prisma, staffCtx(req), id.data);
      if (!r.ok) return notFound(req, res);
      const ctx = ctxOf(req, res);
      const done = Done.safeParse(req.query.done);
      res.type('html').send(campaignPage(ctx, r.campaign, done.success ? { kind: 'ok', text: ctx.t(`communityConsole.campaigns.done.${done.data}`) } : undefined));
    }),
  );
  router.get(
    '/console/campaigns/:id/live',
    ...page(async (req, res) => {
      const id = Id.safeParse(req.params.id);
      const r = id.success ? await getCampaign(prisma, staffCtx(req), id.data, 'refresh') : null;
      if (!r?.ok) return void res.status(404).json({ error: 'NOT_FOUND' });
      res.json(liveData(ctxOf(req, res), r.campaign));
    }),
  );
  router.post(
    '/console/campaigns/:id/:action',
    ...page(async (req, res) => {
      const id = Id.safeParse(req.params.id);
      const action = z.enum(ACTIONS).safeParse(req.params.action);
      if (!id.success || !action.success) return notFound(req, res);
      const r = await changeCampaignState(prisma, staffCtx(req), id.data, action.data);
      if (!r.ok) {
        const t = ctxOf(req, res).t;
        return r.code === 'NOT_FOUND' ? notFound(req, res) : errorPage(req, res, 409, t('communityConsole.campaigns.invalidState', { status: t(`communityConsole.campaigns.statusLabel.${r.status}`) }));
      }
      res.redirect(303, `/console/campaigns/${id.data}?done=${action.data}`);
    }),
  );

  router.get(
    '/console/visit-lists',
    ...page(async (req, res) => {
      res.type('html').send(visitListsPage(ctxOf(req, res), await listVisitLists(prisma, staffCtx(req))));
    }),
  );
  router.post(
    '/console/visit-lists',
    ...page(async (req, res) => {
      const form = VisitListForm.safeParse(req.body);
      const t = ctxOf(req, res).t;
      if (!form.success) return errorPage(req, res, 400, t('console.error.VALIDATION'));
      let source: { filter: z.infer<typeof SegmentFilterSchema> } | { campaignId: string };
      if ('filter' in form.data) {
        const f = filterFromQuery({ filter: form.data.filter }, staffOf(req).regionCode);
        if (!f.ok) return errorPage(req, res, 400, t('communityConsole.segments.invalid', { detail: f.detail }));
        source = { filter: f.filter };
      } else source = { campaignId: form.data.campaignId };
      const r = await createVisitList(prisma, staffCtx(req), source);
      if (!r.ok) return notFound(req, res);
      res.redirect(303, `/console/visit-lists/${r.id}`);
    }),
  );
  router.get(
    '/console/visit-lists/:id.:format',
    ...page(async (req, res) => {
      const p = FileParams.safeParse(req.params);
      const q = FileQuery.safeParse(req.query);
      if (!p.success || !q.success) return notFound(req, res);
      const t = ctxOf(req, res).t;
      if (!(await sendVisitListFile(prisma, staffCtx(req), res, { ...p.data, township: q.data.township, t: (k) => t(k) }))) notFound(req, res);
    }),
  );
  router.get(
    '/console/visit-lists/:id',
    ...page(async (req, res) => {
      const id = Id.safeParse(req.params.id);
      const r = id.success ? await visitListSummary(prisma, staffCtx(req), id.data) : null;
      if (!r?.ok) return notFound(req, res);
      res.type('html').send(visitListPage(ctxOf(req, res), r.list));
    }),
  );
  router.post(
    '/console/visit-lists/:id/results',
    express.raw({ type: () => true, limit: '20mb' }),
    ...page(async (req, res) => {
      const id = Id.safeParse(req.params.id);
      if (!id.success || !Buffer.isBuffer(req.body) || !req.body.length) return errorPage(req, res, 400, ctxOf(req, res).t('console.error.VALIDATION'));
      const file = req.body;
      const r = await prisma.$transaction((tx) => applyVisitResults(tx, staffCtx(req), id.data, file), { timeout: 120_000, maxWait: 20_000 });
      if (!r.ok) return notFound(req, res);
      res.type('html').send(resultsReportBlock(ctxOf(req, res), r.report).value);
    }),
  );

  return router;
}
