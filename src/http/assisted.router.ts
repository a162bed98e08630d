import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import type { ConversationEngine } from '../conversation/engine';
import type { ChannelSender } from '../conversation/messages';
import { createAssistedSession, findAssistedSession, linkAssistedConversation } from '../domain/handoff/assisted-session.service';
import { recordAudit } from '../domain/staff/audit.service';
import { maskPhone } from '../domain/codes/masking';
import type { StaffPrincipal } from '../domain/staff/staff.service';
import type { AppDeps } from './create-app';
import { HttpError, parseOr400 } from './http-error';
import { errorResponses, type OpenAPIRegistry } from './openapi';
import { requirePermission, requireStaff, staffOf } from './staff-auth';

/** The channel of conversations an agent runs for a caller on the phone. */
export const ASSISTED_CHANNEL = 'assisted';

/**
 * The assisted channel's sender: its replies are returned in the HTTP response to the agent, so the outbox
 * has nothing further to deliver (docs/architecture.md: a channel that answers in the response needs only the transcript).
 */
export const assistedSender: ChannelSender = { channel: ASSISTED_CHANNEL, send: async () => {} };

const Option = z.object({ value: z.string(), label: z.string() });
const Reply = z.object({ id: z.string().optional(), text: z.string(), options: z.array(Option).optional() }).openapi('AssistedReply');
const StartBody = z
  .object({
    callerNumber: z
      .string()
      .trim()
      .regex(/^\+?[\d\s-]{3,20}$/, 'must be a phone number')
      .optional()
      .openapi({ description: 'The caller’s number from the softphone: kept on the session, never a verification factor' }),
  })
  .strict()
  .openapi('AssistedStart');
const StartResponse = z.object({ sessionId: z.string(), replies: z.array(Reply) }).openapi('AssistedSession');
const MessageBody = z
  .object({
    text: z.string().trim().min(1).max(500),
    messageId: z.string().regex(/^[\w-]{1,64}$/).optional(),
  })
  .strict()
  .openapi('AssistedMessage');
const MessageResponse = z.object({ replies: z.array(Reply), duplicate: z.boolean() }).openapi('AssistedReplies');
const IdParams = z.object({ id: z.uuid() });

/** Opens an assisted session for the agent (with the caller's number, if known); audited as assisted.start. */
export async function startAssisted(deps: AppDeps, engine: ConversationEngine, staff: StaffPrincipal, callerNumber: string | undefined, source: string) {
  const id = randomUUID();
  await createAssistedSession(deps.prisma, { id, agentId: staff.id, callerNumber: callerNumber ?? null, now: deps.clock.now() });
  const r = await engine.start(ASSISTED_CHANNEL, id, { id: staff.id, username: staff.username });
  await linkAssistedConversation(deps.prisma, id, r.conversationId);
  await recordAudit(deps.prisma, {
    actorType: 'STAFF',
    actorId: staff.id,
    source,
    action: 'assisted.start',
    targetType: 'conversation',
    targetId: r.conversationId,
    at: deps.clock.now(),
    details: { sessionId: id, ...(callerNumber ? { caller: maskPhone(callerNumber.replace(/[\s-]/g, '')) } : {}) },
  });
  return { sessionId: id, conversationId: r.conversationId, replies: r.replies };
}

/** The agent's own assisted session, or null (another agent's looks missing; audited DENIED). */
export async function ownAssistedSession(deps: AppDeps, staff: StaffPrincipal, id: string, source: string) {
  const session = await findAssistedSession(deps.prisma, id);
  if (session && session.agentId === staff.id) return session;
  await recordAudit(deps.prisma, { actorType: 'STAFF', actorId: staff.id, source, action: 'assisted.message', targetType: 'assisted_session', targetId: id, outcome: 'DENIED', at: deps.clock.now() });
  return null;
}

/** Types the caller's answer into the session (the same engine turn as any channel). */
export function sayAssisted(deps: AppDeps, engine: ConversationEngine, staff: StaffPrincipal, id: string, text: string, messageId?: string) {
  return engine.handle({
    channel: ASSISTED_CHANNEL,
    endpoint: id,
    text,
    ...(messageId ? { messageId } : {}),
    receivedAt: deps.clock.now(),
    agent: { id: staff.id, username: staff.username },
  });
}

/** Assisted conversations (issue 13): the resident flow, run by the same engine, typed by an agent for a caller. */
export function createAssistedRouter(a: { engine: ConversationEngine }) {
  return (deps: AppDeps, registry: OpenAPIRegistry): Router => {
    const router = Router();
    const auth = requireStaff(deps);
    const run = requirePermission('assisted.run');
    const secured = { tags: ['assisted'], security: [{ bearer: [] }] };

    registry.registerPath({
      ...secured,
      method: 'post',
      path: '/api/assisted/sessions',
      summary: 'Open an assisted conversation for a caller; returns the greeting (the privacy notice to read aloud)',
      description:
        'Same flow, validation and field policy as self-service, channel "assisted". The notice acknowledgement is recorded as VERBAL ' +
        'with your id; what the caller submits carries channel "assisted" and your id (you cannot approve it). Audited as assisted.start.',
      request: { body: { content: { 'application/json': { schema: StartBody } } } },
      responses: { 201: { description: 'Started', content: { 'application/json': { schema: StartResponse } } }, ...errorResponses(400, 401, 403) },
    });
    router.post('/api/assisted/sessions', auth, run, async (req, res) => {
      const body = parseOr400(StartBody, req.body ?? {});
      const r = await startAssisted(deps, a.engine, staffOf(req), body.callerNumber, 'api');
      res.status(201).json({ sessionId: r.sessionId, replies: r.replies } satisfies z.infer<typeof StartResponse>);
    });

    registry.registerPath({
      ...secured,
      method: 'post',
      path: '/api/assisted/sessions/{id}/messages',
      summary: "Type the caller's answer; returns the bot's next prompt (to read aloud)",
      description: 'Only the agent who opened the session (404 otherwise). A repeated messageId returns the first answer again.',
      request: { params: IdParams, body: { content: { 'application/json': { schema: MessageBody } } } },
      responses: { 200: { description: 'Replies', content: { 'application/json': { schema: MessageResponse } } }, ...errorResponses(400, 401, 403, 404) },
    });
    router.post('/api/assisted/sessions/:id/messages', auth, run, async (req, res) => {
      const { id } = parseOr400(IdParams, req.params, 'path');
      const body = parseOr400(MessageBody, req.body);
      const staff = staffOf(req);
      if (!(await ownAssistedSession(deps, staff, id, 'api'))) throw new HttpError(404, 'SESSION_NOT_FOUND', 'No such assisted session of yours.');
      const r = await sayAssisted(deps, a.engine, staff, id, body.text, body.messageId);
      res.json({ replies: r.replies, duplicate: r.duplicate } satisfies z.infer<typeof MessageResponse>);
    });

    return router;
  };
}
