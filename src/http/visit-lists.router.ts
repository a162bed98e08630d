import { stringify } from 'csv-stringify/sync';
import express, { Router } from 'express';
import { z } from 'zod';
import { SegmentFilterSchema } from '../domain/campaigns/segment-filter';
import type { StaffContext } from '../domain/campaigns/segment.service';
import { applyVisitResults, createVisitList, visitListCsv, visitListTownshipWorkbooks, visitListWorkbook } from '../domain/visits/visit-list.service';
import { visitListSummary } from '../domain/visits/visit-list-summary.service';
import { zipStore } from '../lib/zip-store';
import type { AppDeps } from './create-app';
import { HttpError, parseOr400 } from './http-error';
import { errorResponses, type OpenAPIRegistry } from './openapi';
import { requirePermission, requireStaff, staffOf } from './staff-auth';

const CreateBody = z.union([z.object({ filter: SegmentFilterSchema }).strict(), z.object({ campaignId: z.uuid() }).strict()]).openapi('CreateVisitList');
const FileParams = z.object({ id: z.uuid(), format: z.enum(['xlsx', 'csv', 'zip']) });
const IdParams = z.object({ id: z.uuid() });
const FileQuery = z.object({ township: z.string().regex(/^\d{9}$/).optional(), lang: z.enum(['zh-CN', 'en']).optional() });
const Report = z
  .object({ applied: z.number(), unchanged: z.number(), changeRequests: z.number(), rejects: z.array(z.object({ sheet: z.string(), row: z.number(), reason: z.string() })) })
  .openapi('VisitResultsReport');
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const notFound = () => new HttpError(404, 'NOT_FOUND', 'No such visit list in your region.');
const Townships = z
  .object({ id: z.string(), rows: z.number(), townships: z.array(z.object({ code: z.string(), name: z.string().nullable(), rows: z.number(), villages: z.number(), xlsx: z.string() })) })
  .openapi('VisitListTownships');

/**
 * Sends a visit list as a file: xlsx (the whole list, or one township with `township`), csv, or zip (one xlsx per
 * township). False when the list is not in the staff member's region. Shared by the API and the console.
 */
export async function sendVisitListFile(
  db: AppDeps['prisma'],
  ctx: StaffContext,
  res: express.Response,
  a: { id: string; format: 'xlsx' | 'csv' | 'zip'; township?: string | undefined; t: (key: string) => string },
): Promise<boolean> {
  const base = `visit-list-${a.id.slice(0, 8)}`;
  const attach = (type: string, name: string, body: Buffer | string) => {
    res.setHeader('Cache-Control', 'no-store');
    res.type(type).setHeader('Content-Disposition', `attachment; filename="${name}"`);
    res.send(body);
  };
  if (a.format === 'xlsx') {
    const r = await visitListWorkbook(db, ctx, a.id, a.t, a.township);
    if (r.ok) attach(XLSX, `${base}${a.township ? `-${a.township}` : ''}.xlsx`, r.buffer);
    return r.ok;
  }
  if (a.format === 'zip') {
    const r = await visitListTownshipWorkbooks(db, ctx, a.id, a.t);
    if (r.ok) attach('application/zip', `${base}.zip`, zipStore(r.workbooks.map((w) => ({ name: `${w.township}${w.name ? `-${w.name}` : ''}.xlsx`, data: w.buffer })), ctx.now));
    return r.ok;
  }
  const r = await visitListCsv(db, ctx, a.id, a.t);
  if (r.ok) attach('text/csv; charset=utf-8', `${base}.csv`, `\uFEFF${stringify(r.rows)}`);
  return r.ok;
}

/** Household-visit lists: create from a filter or a campaign, download as xlsx/csv, upload the results. */
export function createVisitListsRouter(deps: AppDeps, registry: OpenAPIRegistry): Router {
  const router = Router();
  const { prisma, clock, i18n } = deps;
  const guard = [requireStaff(deps), requirePermission('community.work')];
  const security = [{ bearer: [] }];
  const ctx = (req: express.Request) => ({ staff: staffOf(req), source: 'api', now: clock.now(), holidays: deps.config.HOLIDAYS });

  registry.registerPath({
    method: 'post',
    path: '/api/visit-lists',
    tags: ['visits'],
    summary: 'A household-visit list from a filter, or from a campaign’s unreachable and unresponsive recipients',
    security,
    request: { body: { content: { 'application/json': { schema: CreateBody } } } },
    responses: { 201: { description: 'Created', content: { 'application/json': { schema: z.object({ id: z.string(), rows: z.number() }) } } }, ...errorResponses(400, 401, 403, 404) },
  });
  router.post('/api/visit-lists', ...guard, async (req, res) => {
    const body = parseOr400(CreateBody, req.body);
    const r = await createVisitList(prisma, ctx(req), body);
    if (!r.ok) throw notFound();
    res.status(201).json({ id: r.id, rows: r.rows });
  });

  registry.registerPath({
    method: 'get',
    path: '/api/visit-lists/{id}.{format}',
    tags: ['visits'],
    summary: 'The list as an Excel workbook (one sheet per village or community; one township with ?township=), CSV, or zip (one workbook per township)',
    security,
    request: { params: FileParams, query: FileQuery },
    responses: { 200: { description: 'The file' }, ...errorResponses(400, 401, 403, 404) },
  });
  router.get('/api/visit-lists/:id.:format', ...guard, async (req, res) => {
    const { id, format } = parseOr400(FileParams, req.params, 'path');
    const q = parseOr400(FileQuery, req.query, 'query');
    const t = i18n.getFixedT(q.lang ?? deps.config.DEFAULT_LOCALE);
    if (!(await sendVisitListFile(prisma, ctx(req), res, { id, format, township: q.township, t: (k) => t(k) }))) throw notFound();
  });

  registry.registerPath({
    method: 'get',
    path: '/api/visit-lists/{id}/townships',
    tags: ['visits'],
    summary: 'The townships of a list, each with its rows, villages and the link to its own workbook (one sheet per village or community)',
    security,
    request: { params: IdParams },
    responses: { 200: { description: 'Townships', content: { 'application/json': { schema: Townships } } }, ...errorResponses(400, 401, 403, 404) },
  });
  router.get('/api/visit-lists/:id/townships', ...guard, async (req, res) => {
    const { id } = parseOr400(IdParams, req.params, 'path');
    const r = await visitListSummary(prisma, ctx(req), id);
    if (!r.ok) throw notFound();
    res.setHeader('Cache-Control', 'no-store');
    res.json({ id, rows: r.list.rows, townships: r.list.townships.map((tw) => ({ ...tw, xlsx: `/api/visit-lists/${id}.xlsx?township=${tw.code}` })) });
  });

  registry.registerPath({
    method: 'post',
    path: '/api/visit-lists/{id}/results',
    tags: ['visits'],
    summary: 'Upload the filled-in workbook (body: the .xlsx file); returns what was applied and the rejected rows',
    security,
    request: { params: IdParams },
    responses: { 200: { description: 'Report', content: { 'application/json': { schema: Report } } }, ...errorResponses(400, 401, 403, 404, 413) },
  });
  router.post('/api/visit-lists/:id/results', ...guard, express.raw({ type: () => true, limit: '20mb' }), async (req, res) => {
    const { id } = parseOr400(IdParams, req.params, 'path');
    if (!Buffer.isBuffer(req.body) || !req.body.length) throw new HttpError(400, 'VALIDATION_FAILED', 'Send the filled-in .xlsx file as the request body.');
    const r = await prisma.$transaction((tx) => applyVisitResults(tx, ctx(req), id, req.body as Buffer), { timeout: 120_000, maxWait: 20_000 });
    if (!r.ok) throw notFound();
    res.json(r.report);
  });

  return router;
}
