import { createRequire } from 'node:module';
import { type Request, type RequestHandler, type Response, Router } from 'express';
import { z } from 'zod';
import { getPeriod, getProgress, getTrend, type ProgressActor, type ProgressFailure, rankBehind } from '../../domain/progress/progress.service';
import { buildReportWorkbook } from '../../domain/progress/report.workbook';
import { addDays, chinaDate } from '../../domain/calendar/china-time';
import { listSegment, SEGMENT_KEYS } from '../../domain/progress/segment.service';
import type { AppDeps } from '../create-app';
import type { OpenAPIRegistry } from '../openapi';
import { reportPeriod } from '../progress.router';
import { staffOf } from '../staff-auth';
import { consoleKit } from './console-kit';
import { chinaTime } from './console-layout';
import { progressPage, segmentPage } from './progress.page';
import { progressReportPage } from './progress-report.page';
import { parentRegion } from '../../domain/registry/region.service';
import { AREA_CODE_RE } from '../../domain/vocabulary';

const ECHARTS = createRequire(__filename).resolve('echarts/dist/echarts.min.js');
const Code = z.string().regex(AREA_CODE_RE);
const Day = z.iso.date();
const PageQuery = z.object({ region: Code.optional(), date: Day.optional() });
const ReportQuery = z.object({ region: Code.optional(), from: Day.optional(), to: Day.optional() });
const PeopleQuery = z.object({ region: Code, segment: z.enum(SEGMENT_KEYS as [string, ...string[]]) });

/** The console's progress pages: /console/progress, /console/progress/people, /console/progress/report(.xlsx). */
export function createProgressConsoleRouter(deps: AppDeps, _registry: OpenAPIRegistry): Router {
  const router = Router();
  const { prisma, clock } = deps;

  // ECharts from node_modules (no CDN), cached like the other console assets.
  router.get('/console/assets/vendor/echarts.min.js', (_req, res) => res.sendFile(ECHARTS, { maxAge: '1h' }));

  const { prepare, ctxOf, errorPage, signedIn, page: wrap } = consoleKit(deps, { back: { href: '/console/progress', label: 'progress.title' } });
  const fail = (req: Request, res: Response, f: ProgressFailure | { code: 'VALIDATION' }) => {
    const ctx = ctxOf(req, res);
    const status = f.code === 'NOT_FOUND' ? 404 : f.code === 'FORBIDDEN' ? 403 : 400;
    const msg = f.code === 'FORBIDDEN' ? ctx.t('console.error.FORBIDDEN') : ctx.t(`progress.error.${f.code === 'NOT_FOUND' ? 'NOT_FOUND' : 'VALIDATION'}`);
    errorPage(req, res, status, msg);
  };
  /** A page of a signed-in staff member, with the domain's actor of the request. */
  const page = (fn: (req: Request, res: Response, actor: ProgressActor) => Promise<void>): RequestHandler[] => [
    ...prepare,
    signedIn,
    wrap((req, res) => fn(req, res, { principal: staffOf(req), source: 'console' })),
  ];

  router.get(
    '/console/progress',
    ...page(async (req, res, actor) => {
      const q = PageQuery.safeParse(req.query);
      if (!q.success) return fail(req, res, { code: 'VALIDATION' });
      const date = q.data.date ?? chinaDate(clock.now());
      const r = await getProgress(prisma, actor, { region: q.data.region, date, by: 'child' }, clock);
      if (!r.ok) return fail(req, res, r);
      const trend = await getTrend(prisma, actor, { region: r.view.region.code, from: addDays(date, -29), to: date }, clock);
      if (!trend.ok) return fail(req, res, trend);
      const parentRow = r.view.region.code !== actor.principal.regionCode ? await parentRegion(prisma, r.view.region.code) : null;
      const period = reportPeriod({ to: date }, date);
      res.type('html').send(progressPage(ctxOf(req, res), { view: r.view, date, parent: parentRow, trend: trend.trend, behind: rankBehind(r.view.rows), period }));
    }),
  );

  router.get(
    '/console/progress/people',
    ...page(async (req, res, actor) => {
      const q = PeopleQuery.safeParse(req.query);
      if (!q.success) return fail(req, res, { code: 'VALIDATION' });
      const r = await listSegment(prisma, actor, q.data, clock);
      if (!r.ok) return fail(req, res, r);
      res.type('html').send(segmentPage(ctxOf(req, res), { region: r.region, segment: q.data.segment, count: r.count, persons: r.persons }));
    }),
  );

  const report = async (req: Request, res: Response, actor: ProgressActor) => {
    const q = ReportQuery.safeParse(req.query);
    if (!q.success) {
      fail(req, res, { code: 'VALIDATION' });
      return null;
    }
    const period = reportPeriod(q.data, chinaDate(clock.now()));
    const r = await getPeriod(prisma, actor, { region: q.data.region, ...period }, clock);
    if (!r.ok) {
      fail(req, res, r);
      return null;
    }
    return { ...r, ...period, generatedAt: chinaTime(clock.now().toISOString()) };
  };
  router.get(
    '/console/progress/report',
    ...page(async (req, res, actor) => {
      const data = await report(req, res, actor);
      if (!data) return;
      const xlsx = `/console/progress/report.xlsx?region=${data.region.code}&from=${data.from}&to=${data.to}`;
      res.type('html').send(progressReportPage(ctxOf(req, res), data, xlsx));
    }),
  );
  router.get(
    '/console/progress/report.xlsx',
    ...page(async (req, res, actor) => {
      const data = await report(req, res, actor);
      if (!data) return;
      const ctx = ctxOf(req, res);
      const buf = await buildReportWorkbook(data, (k, v) => ctx.t(k, v));
      res.setHeader('Content-Type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
      res.setHeader('Content-Disposition', `attachment; filename="progress-${data.region.code}-${data.from}-${data.to}.xlsx"`);
      res.send(buf);
    }),
  );

  return router;
}
