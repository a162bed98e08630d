import { type Request, Router } from 'express';
import { z } from 'zod';
import { type ProgressActor, type ProgressFailure, getPeriod, getProgress, getTrend, rankBehind, setTargets } from '../domain/progress/progress.service';
import { buildReportWorkbook } from '../domain/progress/report.workbook';
import { chinaDate } from '../domain/calendar/china-time';
import { AREA_CODE_RE } from '../domain/vocabulary';
import { isLocale } from '../lib/i18n';
import { chinaTime } from './console/console-layout';
import type { AppDeps } from './create-app';
import { type HttpError, httpErrorOf, parseOr400 } from './http-error';
import { errorResponses, type OpenAPIRegistry } from './openapi';
import { requirePermission, requireStaff, staffOf } from './staff-auth';

// ---------------------------------------------------------------- schemas

const RegionCode = z
  .string()
  .regex(AREA_CODE_RE, 'must be a region code of 6 or 9 digits')
  .openapi({ description: 'Region code (default: your own region)', example: '530102' });
const Day = z.iso.date('must be a date YYYY-MM-DD');

export const ProgressQuery = z.object({
  region: RegionCode.optional(),
  by: z.enum(['child', 'none']).optional().default('child').openapi({ description: 'child: one row per region directly below (default)' }),
  date: Day.optional().openapi({ description: 'China-time day (default today)', example: '2026-12-01' }),
});
export const TrendQuery = z.object({
  region: RegionCode.optional(),
  from: Day.optional().openapi({ description: 'First day (default: 29 days before to)' }),
  to: Day.optional().openapi({ description: 'Last day (default today); at most 366 days in all' }),
});
export const ReportQuery = z.object({
  region: RegionCode.optional(),
  from: Day.optional(),
  to: Day.optional(),
  lang: z.enum(['zh-CN', 'en']).optional().openapi({ description: 'Language of the workbook (default zh-CN)' }),
});

const Count = z.number().int().nonnegative();
const Share = z.number().min(0).max(1);
export const FiguresSchema = z
  .object({
    persons: Count,
    unregistered: Count,
    pendingReview: Count,
    confirmed: Count,
    needsVisit: Count,
    confirmedShare: Share,
    flags: z.object({
      missingPhone: Count,
      missingResidence: Count,
      duplicateMedical: Count,
      duplicatePension: Count,
      sexMismatch: Count,
      unknownRegion: Count,
      duplicatesCleared: Count,
    }),
    cover: z.object({
      workingAge: Count.openapi({ description: 'Men reaching 16-59 and women reaching 16-54 in the year of the day' }),
      pensionPaying: Count,
      pensionByScheme: z.object({ '110': Count, '120': Count, '170': Count }),
      medical: Count.openapi({ description: 'Persons of any age paying into basic medical insurance (310 or 390)' }),
      medicalByScheme: z.object({ '310': Count, '390': Count }),
      gap: Count.openapi({ description: 'Working-age persons paying into neither a basic pension nor basic medical scheme' }),
      coverShare: Share,
      flexibleWithoutCover: Count,
      platformWithoutCover: Count,
    }),
    review: z.object({ backlog: Count, overdue: Count }),
    activity: z.record(z.string(), Count).openapi({ description: 'Work done on the day: conversations, verifications, confirmations, correctionsSubmitted, correctionsDecided, handoffs, notificationsSent, campaignMessagesSent, visitsDone' }),
  })
  .openapi('ProgressFigures');
const RegionName = z.object({ code: z.string(), name: z.string() });
const TargetSchema = z.object({ confirmedShare: Share, coverShare: Share.nullable() });
export const ProgressResponse = z
  .object({
    region: RegionName,
    asOf: z.string().nullable().openapi({ description: 'When the figures were computed (null: no figures for that day)' }),
    totals: FiguresSchema,
    rows: z.array(
      RegionName.extend(FiguresSchema.shape).extend({
        target: TargetSchema.optional(),
        behindBy: z.number().optional().openapi({ description: 'Target share confirmed minus actual (positive: behind)' }),
      }),
    ),
  })
  .openapi('Progress');
export const TrendResponse = z
  .object({ region: RegionName, from: z.string(), to: z.string(), days: z.array(FiguresSchema.extend({ date: z.string() })) })
  .openapi('ProgressTrend');
export const BehindResponse = z
  .object({
    region: RegionName,
    year: z.number().int(),
    regions: z.array(
      RegionName.extend({ rank: z.number().int(), confirmedShare: Share, target: TargetSchema, behindBy: z.number(), coverShare: Share, coverBehindBy: z.number().nullable() }),
    ),
  })
  .openapi('ProgressBehind');
export const TargetsBody = z
  .object({
    year: z.number().int().min(2000).max(2100),
    targets: z
      .array(z.object({ region: RegionCode, confirmedShare: Share, coverShare: Share.nullable().optional() }))
      .min(1)
      .max(500)
      .refine((ts) => new Set(ts.map((t) => t.region)).size === ts.length, 'each region at most once'),
  })
  .openapi('ProgressTargets');

// ---------------------------------------------------------------- routes

export const progressFailure = (f: ProgressFailure): HttpError => httpErrorOf(f);

/** The period of a report: to defaults to today, from to the first day of to's month. */
export function reportPeriod(q: { from?: string | undefined; to?: string | undefined }, today: string): { from: string; to: string } {
  const to = q.to ?? today;
  return { from: q.from ?? `${to.slice(0, 8)}01`, to };
}

/** GET /api/progress, /api/progress/trend, /api/progress/behind, /api/progress/report.xlsx; PUT /api/progress/targets. */
export function createProgressRouter(deps: AppDeps, registry: OpenAPIRegistry): Router {
  const router = Router();
  const { prisma, clock, i18n } = deps;
  const auth = [requireStaff(deps), requirePermission('progress.view')];
  const actor = (req: Request): ProgressActor => ({ principal: staffOf(req), source: 'api' });
  const doc = (method: 'get' | 'put', path: string, summary: string, description: string, request: object, schema: z.ZodType, contentType = 'application/json') =>
    registry.registerPath({
      method,
      path,
      tags: ['progress'],
      summary,
      description,
      security: [{ bearer: [] }],
      request,
      responses: { 200: { description: summary, content: { [contentType]: { schema } } }, ...errorResponses(400, 401, 403, 404) },
    });

  doc(
    'get',
    '/api/progress',
    'Progress figures of a region and each region below it',
    'Region-scoped: a region outside your area answers 404 like a missing one (audited). Read from the daily rollup, never from the registry.',
    { query: ProgressQuery },
    ProgressResponse,
  );
  router.get('/api/progress', ...auth, async (req, res) => {
    const q = parseOr400(ProgressQuery, req.query, 'query');
    const r = await getProgress(prisma, actor(req), q, clock);
    if (!r.ok) throw progressFailure(r);
    res.setHeader('Cache-Control', 'no-store');
    res.json(ProgressResponse.parse(r.view));
  });

  doc('get', '/api/progress/trend', 'Daily figures of a region', 'One entry per day with figures, from..to inclusive.', { query: TrendQuery }, TrendResponse);
  router.get('/api/progress/trend', ...auth, async (req, res) => {
    const q = parseOr400(TrendQuery, req.query, 'query');
    const r = await getTrend(prisma, actor(req), q, clock);
    if (!r.ok) throw progressFailure(r);
    res.setHeader('Cache-Control', 'no-store');
    res.json(TrendResponse.parse(r.trend));
  });

  doc('get', '/api/progress/behind', 'Regions below target, ranked', 'The regions directly below, furthest behind their annual target first.', { query: ProgressQuery }, BehindResponse);
  router.get('/api/progress/behind', ...auth, async (req, res) => {
    const q = parseOr400(ProgressQuery, req.query, 'query');
    const r = await getProgress(prisma, actor(req), { ...q, by: 'child' }, clock);
    if (!r.ok) throw progressFailure(r);
    const year = Number((q.date ?? chinaDate(clock.now())).slice(0, 4));
    res.setHeader('Cache-Control', 'no-store');
    res.json(BehindResponse.parse({ region: r.view.region, year, regions: rankBehind(r.view.rows) }));
  });

  registry.registerPath({
    method: 'put',
    path: '/api/progress/targets',
    tags: ['progress'],
    summary: 'Set annual targets of regions below yours',
    description: 'Needs progress.target. Each region must lie below your own (the level above sets a target). Audited with old and new values.',
    security: [{ bearer: [] }],
    request: { body: { content: { 'application/json': { schema: TargetsBody } } } },
    responses: { 200: { description: 'Saved', content: { 'application/json': { schema: z.object({ saved: z.number().int() }) } } }, ...errorResponses(400, 401, 403, 404) },
  });
  router.put('/api/progress/targets', requireStaff(deps), requirePermission('progress.target'), async (req, res) => {
    const body = parseOr400(TargetsBody, req.body);
    const r = await setTargets(prisma, actor(req), body, clock);
    if (!r.ok) throw progressFailure(r);
    res.json({ saved: r.saved });
  });

  doc(
    'get',
    '/api/progress/report.xlsx',
    'Periodic report (情况通报) as an Excel workbook',
    'A summary sheet (the region and each region below) and one sheet per region below with its daily figures; formatted for printing. ' +
      'Status figures are those of the last day, work done is summed over the period. Default period: the month of to (default today).',
    { query: ReportQuery },
    z.string().openapi({ format: 'binary' }),
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  );
  router.get('/api/progress/report.xlsx', ...auth, async (req, res) => {
    const q = parseOr400(ReportQuery, req.query, 'query');
    const period = reportPeriod(q, chinaDate(clock.now()));
    const r = await getPeriod(prisma, actor(req), { region: q.region, ...period }, clock);
    if (!r.ok) throw progressFailure(r);
    const t = i18n.getFixedT(isLocale(q.lang) ? q.lang : 'zh-CN');
    const buf = await buildReportWorkbook({ ...r, ...period, generatedAt: chinaTime(clock.now().toISOString()) }, (k, v) => t(k, v));
    res.setHeader('Content-Type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    res.setHeader('Content-Disposition', `attachment; filename="progress-${r.region.code}-${period.from}-${period.to}.xlsx"`);
    res.setHeader('Cache-Control', 'no-store');
    res.send(buf);
  });

  return router;
}
