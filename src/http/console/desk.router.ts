import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import type { ConversationEngine } from '../../conversation/engine';
import type { HandoffDesk } from '../../conversation/handoff-desk';
import { readTranscript } from '../../conversation/transcript';
import { HANDOFF_OUTCOMES, HANDOFF_TASKS, type HandoffFailure, type HandoffTask } from '../../domain/handoff/handoff.service';
import type { HandoffBus } from '../../domain/handoff/handoff-bus';
import { isLocale } from '../../lib/i18n';
import { ownAssistedSession, sayAssisted, startAssisted } from '../assisted.router';
import { streamHandoffSignals } from '../handoff.router';
import type { AppDeps } from '../create-app';
import type { OpenAPIRegistry } from '../openapi';
import { staffOf } from '../staff-auth';
import { assistedNewPage, assistedSessionPage } from './assisted.page';
import { consoleKit } from './console-kit';
import { type Flash, handoffPage, handoffQueuePage, handoffRows } from './handoff.page';

export interface DeskConsoleDeps {
  desk: HandoffDesk;
  bus: HandoffBus;
  engine: ConversationEngine;
}

const UUID = z.uuid();
const Caller = z.string().trim().regex(/^\+?[\d\s-]{3,20}$/);

/** The console pages of the call-centre desk (issue 13): handoff queue and conversation, assisted conversations. */
export function createDeskConsoleRouter(d: DeskConsoleDeps) {
  return (deps: AppDeps, _registry: OpenAPIRegistry): Router => {
    const router = Router();
    const { prisma, config, i18n } = deps;
    const { prepare, ctxOf, errorPage, guard } = consoleKit(deps, { back: { href: '/console/handoffs', label: 'handoff.console.back' } });
    router.use(['/console/handoffs', '/console/assisted'], ...prepare);
    const work = guard('handoff.work');
    const assist = guard('assisted.run');
    const flashOf = (req: Request, res: Response): Flash => {
      const { t } = ctxOf(req, res);
      if (typeof req.query.done === 'string' && /^\w{1,20}$/.test(req.query.done)) return { kind: 'ok', text: t(`handoff.console.done.${req.query.done}`) };
      if (typeof req.query.error === 'string' && /^\w{1,30}$/.test(req.query.error)) return { kind: 'error', text: t(`handoff.console.error.${req.query.error}`) };
      return undefined;
    };
    const back = (res: Response, id: string, r: { ok: true } | HandoffFailure, done: string) =>
      res.redirect(303, r.ok ? `/console/handoffs/${id}?done=${done}` : `/console/handoffs/${id}?error=${r.code}`);
    const statusOf = (req: Request) => (req.query.status === 'CLOSED' ? 'CLOSED' : undefined);

    // ---------------------------------------------------------------- handoff queue

    router.get('/console/handoffs', ...work, async (req, res) => {
      const status = statusOf(req);
      const r = await d.desk.list(staffOf(req), status);
      res.type('html').send(handoffQueuePage(ctxOf(req, res), { ...r, status: status ?? 'OPEN_TAKEN', flash: flashOf(req, res) }));
    });
    router.get('/console/handoffs/rows', ...work, async (req, res) => {
      const r = await d.desk.list(staffOf(req), statusOf(req));
      res.json({ rows: handoffRows(ctxOf(req, res), r.items).value, escalated: ctxOf(req, res).t('handoff.console.escalatedCount', { count: r.escalatedCount }), escalatedCount: r.escalatedCount });
    });
    router.get('/console/handoffs/events', ...work, (req, res) => streamHandoffSignals(req, res, d.bus));
    router.get('/console/handoffs/:id', ...work, async (req, res) => {
      const id = UUID.safeParse(req.params.id);
      const r = id.success ? await d.desk.get(staffOf(req), id.data) : null;
      if (!r?.ok) return errorPage(req, res, 404, ctxOf(req, res).t('handoff.console.error.NOT_FOUND'));
      const lng = isLocale(r.detail.locale) ? r.detail.locale : config.DEFAULT_LOCALE;
      const canned = i18n.t('handoff.canned', { lng, returnObjects: true }) as unknown;
      const cannedReplies = canned && typeof canned === 'object' ? Object.values(canned).map(String) : [];
      res.type('html').send(handoffPage(ctxOf(req, res), { ...r.detail, cannedReplies }, staffOf(req).username, flashOf(req, res)));
    });
    router.post('/console/handoffs/:id/claim', ...work, async (req, res) => {
      const id = UUID.safeParse(req.params.id);
      const version = Number((req.body as Record<string, unknown>).version);
      if (!id.success || !Number.isInteger(version)) return errorPage(req, res, 400, ctxOf(req, res).t('console.error.FAILED'));
      back(res, id.data, await d.desk.claim(staffOf(req), id.data, version), 'claim');
    });
    router.post('/console/handoffs/:id/reply', ...work, async (req, res) => {
      const id = UUID.safeParse(req.params.id);
      const text = z.string().trim().min(1).max(1000).safeParse((req.body as Record<string, unknown>).text);
      if (!id.success) return errorPage(req, res, 404, ctxOf(req, res).t('handoff.console.error.NOT_FOUND'));
      if (!text.success) return res.redirect(303, `/console/handoffs/${id.data}?error=EMPTY`);
      back(res, id.data, await d.desk.reply(staffOf(req), id.data, text.data), 'reply');
    });
    router.post('/console/handoffs/:id/start', ...work, async (req, res) => {
      const id = UUID.safeParse(req.params.id);
      const task = z.enum(Object.keys(HANDOFF_TASKS) as [HandoffTask]).safeParse((req.body as Record<string, unknown>).task);
      if (!id.success || !task.success) return errorPage(req, res, 400, ctxOf(req, res).t('console.error.FAILED'));
      back(res, id.data, await d.desk.close(staffOf(req), id.data, 'SENT_TO_TASK', task.data), 'start');
    });
    router.post('/console/handoffs/:id/close', ...work, async (req, res) => {
      const id = UUID.safeParse(req.params.id);
      const outcome = z.enum(HANDOFF_OUTCOMES).safeParse((req.body as Record<string, unknown>).outcome);
      if (!id.success || !outcome.success) return errorPage(req, res, 400, ctxOf(req, res).t('console.error.FAILED'));
      back(res, id.data, await d.desk.close(staffOf(req), id.data, outcome.data), 'close');
    });

    // ---------------------------------------------------------------- assisted conversations

    router.get('/console/assisted/new', ...assist, (req, res) => {
      const caller = Caller.safeParse(req.query.caller);
      res.type('html').send(assistedNewPage(ctxOf(req, res), caller.success ? caller.data : '', flashOf(req, res)));
    });
    router.post('/console/assisted', ...assist, async (req, res) => {
      const raw = (req.body as Record<string, unknown>).caller;
      const caller = raw === undefined || raw === '' ? undefined : Caller.safeParse(raw);
      if (caller && !caller.success) return res.redirect(303, '/console/assisted/new?error=CALLER');
      const r = await startAssisted(deps, d.engine, staffOf(req), caller?.data, 'console');
      res.redirect(303, `/console/assisted/${r.sessionId}`);
    });
    router.get('/console/assisted/:id', ...assist, async (req, res) => {
      const id = UUID.safeParse(req.params.id);
      const session = id.success ? await ownAssistedSession(deps, staffOf(req), id.data, 'console') : null;
      if (!session?.conversationId) return errorPage(req, res, 404, ctxOf(req, res).t('handoff.console.error.NOT_FOUND'));
      const transcript = await readTranscript(prisma, session.conversationId, 0n, 500);
      res.type('html').send(assistedSessionPage(ctxOf(req, res), { id: session.id, caller: session.callerNumber, transcript, flash: flashOf(req, res) }));
    });
    router.post('/console/assisted/:id', ...assist, async (req, res) => {
      const id = UUID.safeParse(req.params.id);
      const session = id.success ? await ownAssistedSession(deps, staffOf(req), id.data, 'console') : null;
      if (!session) return errorPage(req, res, 404, ctxOf(req, res).t('handoff.console.error.NOT_FOUND'));
      const text = z.string().trim().min(1).max(500).safeParse((req.body as Record<string, unknown>).text);
      if (text.success) await sayAssisted(deps, d.engine, staffOf(req), session.id, text.data);
      res.redirect(303, `/console/assisted/${session.id}${text.success ? '' : '?error=EMPTY'}`);
    });
    return router;
  };
}
