import { type Request, type Response, Router } from 'express';
import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import { AUDIT_ACTOR_TYPES, type AuditSearch, searchAudit } from '../../domain/staff/audit-search.service';
import type { AppDeps } from '../create-app';
import type { OpenAPIRegistry } from '../openapi';
import { staffOf } from '../staff-auth';
import { type AuditFilters, auditPage } from './audit.page';
import { consoleKit } from './console-kit';
import { chinaTime } from './console-layout';
import { labelsFor } from './labels';

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const AuditQuery = z.object({
  actor: z.string().trim().max(64).optional().default(''),
  actorType: z.union([z.enum(AUDIT_ACTOR_TYPES), z.literal('')]).optional().default(''),
  action: z.union([z.string().regex(/^[a-z_]+(\.[a-z_]*)?$/).max(64), z.literal('')]).optional().default(''),
  target: z.string().trim().max(64).optional().default(''),
  from: z.union([z.string().regex(DAY), z.literal('')]).optional().default(''),
  to: z.union([z.string().regex(DAY), z.literal('')]).optional().default(''),
  cursor: z.string().regex(/^\d{1,19}$/).optional(),
});

/** A China calendar day's first (or last) instant. */
const chinaDayStart = (ymd: string) => new Date(`${ymd}T00:00:00+08:00`);
const chinaDayEnd = (ymd: string) => new Date(`${ymd}T23:59:59.999+08:00`);

function searchOf(f: AuditFilters, cursor: string | undefined): AuditSearch {
  return {
    ...(f.actor ? { actor: f.actor } : {}),
    ...(f.actorType ? { actorType: f.actorType as AuditSearch['actorType'] } : {}),
    ...(f.action ? { action: f.action } : {}),
    ...(f.target ? { target: f.target } : {}),
    ...(f.from ? { from: chinaDayStart(f.from) } : {}),
    ...(f.to ? { to: chinaDayEnd(f.to) } : {}),
    ...(cursor ? { cursor } : {}),
  };
}

/** The audit search page for admins (/console/audit) and its CSV export (/console/audit.csv); both audited. */
export function createAuditConsoleRouter(deps: AppDeps, _registry: OpenAPIRegistry): Router {
  const router = Router();
  const { prisma, clock } = deps;
  const { ctxOf, signedIn } = consoleKit(deps);
  const empty: AuditFilters = { actor: '', actorType: '', action: '', target: '', from: '', to: '' };
  const run = async (req: Request, res: Response, exporting: boolean) => {
    const ctx = ctxOf(req, res);
    const parsed = AuditQuery.safeParse(req.query);
    const { cursor, ...filters } = parsed.success ? parsed.data : { ...empty, cursor: undefined };
    const r = parsed.success
      ? await searchAudit(prisma, { principal: staffOf(req), source: 'console', now: clock.now() }, searchOf(filters, exporting ? undefined : cursor), exporting ? { export: true } : {})
      : ({ ok: false, reason: 'BAD_FILTER' } as const);
    if (!r.ok || !exporting) {
      const status = r.ok ? 200 : r.reason === 'FORBIDDEN' || r.reason === 'OUT_OF_SCOPE' ? 403 : 400;
      res.status(status).type('html').send(auditPage(ctx, { filters, rows: r.ok ? r.rows : [], nextCursor: r.ok ? r.nextCursor : null, error: r.ok ? undefined : ctx.t(`auditLog.error.${r.reason}`) }));
      return;
    }
    const { t } = ctx;
    const l = labelsFor(t);
    const header = ['at', 'actorType', 'actor', 'action', 'actionCode', 'outcome', 'source', 'targetType', 'target', 'details'].map((k) => t(`auditLog.csv.${k}`));
    const body = r.rows.map((e) => [chinaTime(e.at), l.actorType(e.actorType), e.actorUsername ?? '', l.action(e.action), e.action, l.outcome(e.outcome), l.channel(e.source), e.targetType ? l.targetType(e.targetType) : '', e.target ?? '', e.details === null ? '' : JSON.stringify(e.details)]);
    // A byte-order mark so spreadsheet programs read the Chinese text as UTF-8.
    res.type('text/csv; charset=utf-8').attachment(`audit-${chinaTime(clock.now().toISOString()).slice(0, 10)}.csv`).send(`\uFEFF${stringify([header, ...body])}`);
  };
  router.get('/console/audit', signedIn, async (req, res, next) => run(req, res, false).catch(next));
  router.get('/console/audit.csv', signedIn, async (req, res, next) => run(req, res, true).catch(next));
  return router;
}
