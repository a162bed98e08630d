import { createRequire } from 'node:module';
import cookieParser from 'cookie-parser';
import { type Request, type RequestHandler, type Response, Router } from 'express';
import { z } from 'zod';
import { getPeriod, getProgress, getTrend, type ProgressActor, type ProgressFailure, rankBehind } from '../../domain/progress/progress.service';
import { buildReportWorkbook } from '../../domain/progress/report.workbook';
import { addDays, chinaDate } from '../../domain/calendar/china-time';
import { listSegment, SEGMENT_KEYS } from '../../domain/progress/segment.service';
import { resolveToken } from '../../domain/staff/staff.service';
import type { AppDeps } from '../create-app';
import type { OpenAPIRegistry } from '../openapi';
import { reportPeriod } from '../progress.router';
import { staffOf } from '../staff-auth';
import { chinaTime, layout, notice, type PageContext } from './console-layout';
import { consoleLocale, csrfTokenFor, sessionToken } from './console-session';
import { html } from './html';
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
  const { prisma, clock, config, i18n } = deps;

  // ECharts from node_modules (no CDN), cached like the other console assets.
  router.get('/console/assets/vendor/echarts.min.js', (_req, res) => res.sendFile(ECHARTS, { maxAge: '1h' }));

  const ctxOf = (req: Request, res: Response): PageContext => {
    const lng = consoleLocale(req, res, config);
    return { t: i18n.getFixedT(lng), lng, url: req.originalUrl, ...(req.staff ? { principal: req.staff } : {}), ...(typeof res.locals.csrf === 'string' ? { csrf: res.locals.csrf } : {}) };
  };
  const signedIn: RequestHandler = async (req, res, next) => {
    const token = sessionToken(req);
    const principal = token ? await resolveToken(prisma, token, clock) : null;
    if (!token || !principal) {
      res.redirect(303, `/console/login?next=${encodeURIComponent(req.originalUrl)}`);
      return;
    }
    req.staff = principal;
    res.locals.csrf = csrfTokenFor(token);
    res.setHeader('Cache-Control', 'no-store');
    next();
  };
  const fail = (req: Request, res: Response, f: ProgressFailure | { code: 'VALIDATION' }) => {
    const ctx = ctxOf(req, res);
    const status = f.code === 'NOT_FOUND' ? 404 : f.code === 'FORBIDDEN' ? 403 : 400;
    const msg = f.code === 'FORBIDDEN' ? ctx.t('console.error.FORBIDDEN') : ctx.t(`progress.error.${f.code === 'NOT_FOUND' ? 'NOT_FOUND' : 'VALIDATION'}`);
    res.status(status).type('html').send(layout(ctx, ctx.t('console.error.title'), html`<h1>${ctx.t('console.error.title')}</h1>${notice('error', msg)}<p><a href="/console/progress">${ctx.t('progress.title')}</a></p>`));
  };
  const page =
    (fn: (req: Request, res: Response, actor: ProgressActor) => Promise<void>): RequestHandler =>
    async (req, res) => {
      try {
        await fn(req, res, { principal: staffOf(req), source: 'console' });
      } catch (e) {
        req.log.error({ err: e }, 'progress page failed');
        if (!res.headersSent) res.status(500).type('text').send(ctxOf(req, res).t('console.error.internal'));
      }
    };

  router.get(
    '/console/progress',
    cookieParser(),
    signedIn,
    page(async (req, res, actor) => {
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
    cookieParser(),
    signedIn,
    page(async (req, res, actor) => {
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
    cookieParser(),
    signedIn,
    page(async (req, res, actor) => {
      const data = await report(req, res, actor);
      if (!data) return;
      const xlsx = `/console/progress/report.xlsx?region=${data.region.code}&from=${data.from}&to=${data.to}`;
      res.type('html').send(progressReportPage(ctxOf(req, res), data, xlsx));
    }),
  );
  router.get(
    '/console/progress/report.xlsx',
    cookieParser(),
    signedIn,
    page(async (req, res, actor) => {
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
