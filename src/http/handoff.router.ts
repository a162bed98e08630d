import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import type { HandoffDesk } from '../conversation/handoff-desk';
import { HANDOFF_OUTCOMES, HANDOFF_STATUSES, HANDOFF_TASKS, type HandoffFailure, type HandoffTask } from '../domain/handoff/handoff.service';
import type { HandoffBus } from '../domain/handoff/handoff-bus';
import { isWithinRegion } from '../domain/codes/region-scope';
import { isLocale } from '../lib/i18n';
import type { AppDeps } from './create-app';
import { httpErrorOf, parseOr400, versionOf } from './http-error';
import { errorResponses, type OpenAPIRegistry } from './openapi';
import { requirePermission, requireStaff, staffOf } from './staff-auth';

export interface HandoffRouterDeps {
  desk: HandoffDesk;
  bus: HandoffBus;
}

const httpError = (f: HandoffFailure) => httpErrorOf(f);

const IdParams = z.object({ id: z.uuid().openapi({ description: 'Handoff id' }) });
const ListQuery = z.object({ status: z.enum(HANDOFF_STATUSES).optional().openapi({ description: 'OPEN, TAKEN or CLOSED (default: OPEN and TAKEN)' }) });
const ClaimBody = z.object({ version: z.number().int().min(0).optional().openapi({ description: 'The version you saw (or If-Match)' }) }).strict().openapi('HandoffClaim');
const MessageBody = z.object({ text: z.string().trim().min(1).max(1000) }).strict().openapi('HandoffMessage');
const TASKS = Object.keys(HANDOFF_TASKS) as [HandoffTask, ...HandoffTask[]];
const StartBody = z.object({ task: z.enum(TASKS) }).strict().openapi('HandoffStart');
const CloseBody = z.object({ outcome: z.enum(HANDOFF_OUTCOMES) }).strict().openapi('HandoffClose');

const Person = z
  .object({ id: z.string(), name: z.string().openapi({ example: '张*' }), idNumber: z.string().openapi({ example: '530102********1238' }), registrationStatus: z.string(), regionCode: z.string().nullable() })
  .openapi('HandoffPerson');
const Item = z
  .object({
    id: z.string(),
    conversationId: z.string(),
    channel: z.string(),
    reason: z.string().openapi({ description: 'RESIDENT_ASKED, REPEATED_FAILURES, VERIFICATION_LOCKED, NO_PHONE_ON_RECORD, FLOW_FAILED' }),
    status: z.enum(HANDOFF_STATUSES),
    regionCode: z.string().nullable(),
    createdAt: z.string(),
    waitingSeconds: z.number().int().openapi({ description: 'Until claimed (or until now while OPEN)' }),
    escalated: z.boolean().openapi({ description: 'OPEN longer than HANDOFF_ESCALATE_MINUTES of service time' }),
    version: z.number().int(),
    claimedBy: z.string().nullable(),
    claimedAt: z.string().nullable(),
    outcome: z.string().nullable(),
    locale: z.string(),
    person: Person.optional(),
  })
  .openapi('Handoff');
const ListResponse = z.object({ items: z.array(Item), escalatedCount: z.number().int() }).openapi('HandoffQueue');
const Detail = Item.extend({
  transcript: z.array(z.object({ id: z.string(), direction: z.enum(['in', 'out']), author: z.enum(['resident', 'bot', 'staff']), text: z.string(), at: z.string() })),
  openRequests: z.array(z.object({ reference: z.string(), kind: z.string(), fields: z.array(z.string()), status: z.string(), createdAt: z.string() })),
  cannedReplies: z.array(z.string()).openapi({ description: "In the resident's language (locales/*/handoff.json)" }),
}).openapi('HandoffDetail');
const Reply = z.object({ id: z.string().optional(), text: z.string(), options: z.array(z.object({ value: z.string(), label: z.string() })).optional() });
const TurnResponse = z.object({ replies: z.array(Reply).openapi({ description: 'What the resident was sent' }) }).openapi('HandoffTurn');


/** Server-sent events of the handoff signals of the signed-in staff member's area, until the client goes. */
export function streamHandoffSignals(req: Request, res: Response, bus: HandoffBus): void {
  const staff = staffOf(req);
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  res.flushHeaders();
  res.write(': connected\n\n');
  const unsubscribe = bus.subscribe((s) => {
    if (isWithinRegion(staff.regionCode, s.regionCode)) res.write(`event: ${s.type}\ndata: ${JSON.stringify(s)}\n\n`);
  });
  const ping = setInterval(() => res.write(': ping\n\n'), 25_000);
  req.on('close', () => {
    clearInterval(ping);
    unsubscribe();
  });
}

/** The handoff queue API (issue 13): list, detail, claim, reply, start a task, close, live events. */
export function createHandoffRouter(h: HandoffRouterDeps) {
  return (deps: AppDeps, registry: OpenAPIRegistry): Router => {
    const router = Router();
    const auth = requireStaff(deps);
    const work = requirePermission('handoff.work');
    const secured = { tags: ['handoff'], security: [{ bearer: [] }] };
    const json = (schema: z.ZodType) => ({ content: { 'application/json': { schema } } });

    registry.registerPath({
      ...secured,
      method: 'get',
      path: '/api/handoffs',
      summary: 'The handoff queue of your area, oldest first',
      description: 'Roles agent, reviewer, admin. Region-scoped (the person’s region, else the channel’s default). Audited as handoff.list.',
      request: { query: ListQuery },
      responses: { 200: { description: 'Queue', ...json(ListResponse) }, ...errorResponses(400, 401, 403) },
    });
    router.get('/api/handoffs', auth, work, async (req, res) => {
      const q = parseOr400(ListQuery, req.query, 'query');
      res.setHeader('Cache-Control', 'no-store');
      res.json((await h.desk.list(staffOf(req), q.status)) satisfies z.infer<typeof ListResponse>);
    });

    registry.registerPath({
      ...secured,
      method: 'get',
      path: '/api/handoffs/events',
      summary: 'Server-sent events of your area: handoff.created, handoff.message (resident or agent), handoff.updated',
      responses: { 200: { description: 'text/event-stream; data is a JSON HandoffSignal' }, ...errorResponses(401, 403) },
    });
    router.get('/api/handoffs/events', auth, work, (req, res) => streamHandoffSignals(req, res, h.bus));

    registry.registerPath({
      ...secured,
      method: 'get',
      path: '/api/handoffs/{id}',
      summary: 'One handoff: transcript, masked person, open requests, canned replies',
      description: 'Outside your area it answers 404 like a missing one (audited DENIED). Audited as handoff.view.',
      request: { params: IdParams },
      responses: { 200: { description: 'Handoff', ...json(Detail) }, ...errorResponses(400, 401, 403, 404) },
    });
    router.get('/api/handoffs/:id', auth, work, async (req, res) => {
      const { id } = parseOr400(IdParams, req.params, 'path');
      const r = await h.desk.get(staffOf(req), id);
      if (!r.ok) throw httpError(r);
      const lng = isLocale(r.detail.locale) ? r.detail.locale : deps.config.DEFAULT_LOCALE;
      const canned = deps.i18n.t('handoff.canned', { lng, returnObjects: true }) as unknown;
      res.setHeader('Cache-Control', 'no-store');
      res.setHeader('ETag', `"${r.detail.version}"`);
      res.json({ ...r.detail, cannedReplies: canned && typeof canned === 'object' ? Object.values(canned).map(String) : [] } satisfies z.infer<typeof Detail>);
    });

    registry.registerPath({
      ...secured,
      method: 'post',
      path: '/api/handoffs/{id}/claim',
      summary: 'Take a waiting conversation (one agent at a time)',
      description: 'Send the version you saw (body or If-Match). 409 ALREADY_TAKEN when another agent has it, 409 VERSION_CONFLICT when it changed, 428 without a version.',
      request: { params: IdParams, body: json(ClaimBody) },
      responses: { 200: { description: 'Claimed', ...json(z.object({ item: Item })) }, ...errorResponses(400, 401, 403, 404, 409, 428) },
    });
    router.post('/api/handoffs/:id/claim', auth, work, async (req, res) => {
      const { id } = parseOr400(IdParams, req.params, 'path');
      const body = parseOr400(ClaimBody, req.body ?? {});
      const r = await h.desk.claim(staffOf(req), id, versionOf(req, body));
      if (!r.ok) throw httpError(r);
      res.json({ item: r.item });
    });

    registry.registerPath({
      ...secured,
      method: 'post',
      path: '/api/handoffs/{id}/messages',
      summary: "Answer the resident: sent through the resident's channel (web chat, WeChat) via the outbox",
      description: 'Only the agent who claimed it (409 NOT_CLAIMED_BY_YOU). Audited as handoff.reply.',
      request: { params: IdParams, body: json(MessageBody) },
      responses: { 201: { description: 'Queued', ...json(z.object({ message: Reply.extend({ at: z.string() }) })) }, ...errorResponses(400, 401, 403, 404, 409) },
    });
    router.post('/api/handoffs/:id/messages', auth, work, async (req, res) => {
      const { id } = parseOr400(IdParams, req.params, 'path');
      const body = parseOr400(MessageBody, req.body);
      const r = await h.desk.reply(staffOf(req), id, body.text);
      if (!r.ok) throw httpError(r);
      res.status(201).json({ message: r.message });
    });

    registry.registerPath({
      ...secured,
      method: 'post',
      path: '/api/handoffs/{id}/start',
      summary: 'Send the resident into a task (correction, employment, household) that then runs in their chat',
      description: 'Closes the handoff with outcome SENT_TO_TASK and hands the chat back to the bot at that task. 409 NOT_VERIFIED when the resident has not verified.',
      request: { params: IdParams, body: json(StartBody) },
      responses: { 200: { description: 'Started', ...json(TurnResponse) }, ...errorResponses(400, 401, 403, 404, 409) },
    });
    router.post('/api/handoffs/:id/start', auth, work, async (req, res) => {
      const { id } = parseOr400(IdParams, req.params, 'path');
      const body = parseOr400(StartBody, req.body);
      const r = await h.desk.close(staffOf(req), id, 'SENT_TO_TASK', body.task);
      if (!r.ok) throw httpError(r);
      res.json({ replies: r.replies });
    });

    registry.registerPath({
      ...secured,
      method: 'post',
      path: '/api/handoffs/{id}/close',
      summary: 'Close with an outcome; the bot greets the resident again from the menu',
      request: { params: IdParams, body: json(CloseBody) },
      responses: { 200: { description: 'Closed', ...json(TurnResponse) }, ...errorResponses(400, 401, 403, 404, 409) },
    });
    router.post('/api/handoffs/:id/close', auth, work, async (req, res) => {
      const { id } = parseOr400(IdParams, req.params, 'path');
      const body = parseOr400(CloseBody, req.body);
      const r = await h.desk.close(staffOf(req), id, body.outcome);
      if (!r.ok) throw httpError(r);
      res.json({ replies: r.replies });
    });

    return router;
  };
}
