import { randomBytes } from 'node:crypto';
import path from 'node:path';
import express, { Router } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { z } from 'zod';
import type { WebChatHub } from '../channels/web/web-chat-hub';
import { ConversationNotFound, type ConversationEngine } from '../conversation/engine';
import { findConversation, latestSeq, readTranscript } from '../conversation/transcript';
import { isLocale, type Locale } from '../lib/i18n';
import { openCampaignLink } from '../domain/campaigns/campaign-funnel.service';
import type { AppDeps } from './create-app';
import { HttpError, parseOr400 } from './http-error';
import { errorResponses, type OpenAPIRegistry } from './openapi';

const CHANNEL = 'web';
const SessionId = z.string().regex(/^[A-Za-z0-9_-]{32}$/, 'is not a session id');
const Option = z.object({ value: z.string(), label: z.string() }).openapi('ChatOption');
const Reply = z.object({ id: z.string(), text: z.string(), options: z.array(Option).optional() }).openapi('ChatReply');
const CreateSessionResponse = z.object({ sessionId: z.string(), replies: z.array(Reply) }).openapi('ChatSession');
const SendMessageBody = z
  .object({
    text: z.string().trim().min(1, 'must not be empty').max(500, 'must be at most 500 characters'),
    messageId: z.string().regex(/^[\w-]{1,64}$/, 'must be 1-64 letters, digits, _ or -').optional(),
  })
  .strict()
  .openapi('ChatMessage');
const CreateSessionBody = z
  .object({ campaignToken: z.string().regex(/^[A-Za-z0-9_-]{16}$/, 'is not a campaign link token').optional() })
  .strict()
  .openapi('ChatSessionRequest');
const SendMessageResponse = z.object({ replies: z.array(Reply), duplicate: z.boolean() }).openapi('ChatReplies');
const TranscriptQuery = z.object({ after: z.string().regex(/^\d{1,18}$/, 'must be a message id').optional() });
const TranscriptEntry = Reply.extend({ direction: z.enum(['in', 'out']), at: z.string() }).openapi('ChatTranscriptEntry');
const TranscriptResponse = z.object({ messages: z.array(TranscriptEntry) }).openapi('ChatTranscript');

export interface ChatRouterDeps {
  engine: ConversationEngine;
  hub: WebChatHub;
  /** Open event streams allowed per session and per client address (beyond: 429). Defaults 3 and 50. */
  maxStreamsPerSession?: number;
  maxStreamsPerAddress?: number;
}

/**
 * One run at a time: a call while one runs makes it run once more afterwards (calls in between coalesce).
 */
function serialised(task: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  let again = false;
  const run = (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          await task();
        } while (again);
      } finally {
        running = undefined;
      }
    })();
    return running;
  };
  return run;
}

const sessionNotFound = () => new HttpError(404, 'SESSION_NOT_FOUND', 'No such chat session; start a new one.');

/** Seconds a refused event stream is told to wait before trying again. */
const STREAM_RETRY_SECONDS = 30;

/** Counts open event streams per key. */
class StreamCounter {
  private readonly open = new Map<string, number>();
  count(key: string): number {
    return this.open.get(key) ?? 0;
  }
  add(key: string): () => void {
    this.open.set(key, this.count(key) + 1);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const n = this.count(key) - 1;
      if (n > 0) this.open.set(key, n);
      else this.open.delete(key);
    };
  }
}

/** The web chat API (server-issued unguessable sessions) and the /chat page. */
export function createChatRouter(chat: ChatRouterDeps) {
  return (deps: AppDeps, registry: OpenAPIRegistry): Router => {
    const router = Router();
    const perMinute = deps.config.CHAT_RATE_LIMIT_PER_MINUTE;
    /** The session's language when the path names one, else the browser's, else the default. */
    async function localeOf(req: express.Request): Promise<Locale> {
      const id = req.params.id;
      if (typeof id === 'string' && SessionId.safeParse(id).success) {
        const conv = await findConversation(deps.prisma, CHANNEL, id);
        if (conv && isLocale(conv.locale)) return conv.locale;
      }
      const accepted = req.acceptsLanguages('zh-CN', 'zh', 'en');
      return accepted === 'en' ? 'en' : accepted ? 'zh-CN' : deps.config.DEFAULT_LOCALE;
    }
    /** 429 with Retry-After, saying in the resident's language how long to wait. */
    async function tooMany(req: express.Request, res: express.Response, code: string, key: string, seconds: number) {
      res.setHeader('Retry-After', String(seconds));
      const message = deps.i18n.t(key, { lng: await localeOf(req), count: seconds });
      return new HttpError(429, code, message, { retryAfterSeconds: seconds });
    }
    const limitBy = (key: (req: express.Request) => string) =>
      rateLimit({
        windowMs: 60_000,
        limit: perMinute,
        standardHeaders: 'draft-7',
        legacyHeaders: false,
        keyGenerator: key,
        handler: (req, res, next) => {
          const seconds = Math.max(1, Number(res.getHeader('Retry-After')) || 60);
          tooMany(req, res, 'RATE_LIMITED', 'limits.tooManyMessages', seconds).then(next, next);
        },
      });
    const streams = new StreamCounter();
    const maxPerSession = chat.maxStreamsPerSession ?? 3;
    const maxPerAddress = chat.maxStreamsPerAddress ?? 50;
    const byIp = limitBy((req) => `ip:${ipKeyGenerator(req.ip ?? '')}`);
    const bySession = limitBy((req) => `s:${String(req.params.id)}`);

    async function sessionConversation(id: unknown) {
      const sessionId = parseOr400(SessionId, id, 'session id');
      const conv = await findConversation(deps.prisma, CHANNEL, sessionId);
      if (!conv) throw sessionNotFound();
      return { sessionId, conv };
    }

    registry.registerPath({
      method: 'post',
      path: '/api/chat/sessions',
      summary: 'Start a web chat session; returns its id and the greeting',
      description: 'campaignToken: the c= of a personal campaign link (/chat?c=…); the chat still verifies identity.',
      request: { body: { content: { 'application/json': { schema: CreateSessionBody } } } },
      responses: { 201: { description: 'Created', content: { 'application/json': { schema: CreateSessionResponse } } }, ...errorResponses(429) },
    });
    router.post('/api/chat/sessions', byIp, async (req, res) => {
      const body = parseOr400(CreateSessionBody, req.body ?? {});
      const sessionId = randomBytes(24).toString('base64url');
      const r = await chat.engine.start(CHANNEL, sessionId);
      if (body.campaignToken) await openCampaignLink(deps.prisma, { token: body.campaignToken, conversationId: r.conversationId, channel: CHANNEL, now: deps.clock.now() });
      res.status(201).json({ sessionId, replies: r.replies });
    });

    registry.registerPath({
      method: 'post',
      path: '/api/chat/sessions/{id}/messages',
      summary: 'Send a message; returns the replies. A repeated messageId returns the first answer again.',
      request: { params: z.object({ id: SessionId }), body: { content: { 'application/json': { schema: SendMessageBody } } } },
      responses: { 200: { description: 'Replies', content: { 'application/json': { schema: SendMessageResponse } } }, ...errorResponses(400, 404, 429) },
    });
    router.post('/api/chat/sessions/:id/messages', bySession, async (req, res) => {
      const sessionId = parseOr400(SessionId, req.params.id, 'session id');
      const body = parseOr400(SendMessageBody, req.body);
      // The session's existence is checked in the turn's first statement (issue 11: no extra round trip).
      const r = await chat.engine
        .handle({ channel: CHANNEL, endpoint: sessionId, ...(body.messageId ? { messageId: body.messageId } : {}), text: body.text, receivedAt: deps.clock.now() }, { existingOnly: true })
        .catch((e: unknown) => {
          throw e instanceof ConversationNotFound ? sessionNotFound() : e;
        });
      res.json({ replies: r.replies, duplicate: r.duplicate });
    });

    registry.registerPath({
      method: 'get',
      path: '/api/chat/sessions/{id}/messages',
      summary: 'The transcript after a message id, including notifications sent later',
      request: { params: z.object({ id: SessionId }), query: TranscriptQuery },
      responses: { 200: { description: 'Transcript', content: { 'application/json': { schema: TranscriptResponse } } }, ...errorResponses(400, 404) },
    });
    router.get('/api/chat/sessions/:id/messages', bySession, async (req, res) => {
      const { conv } = await sessionConversation(req.params.id);
      const q = parseOr400(TranscriptQuery, req.query, 'query');
      res.json({ messages: await readTranscript(deps.prisma, conv.id, BigInt(q.after ?? '0')) });
    });

    registry.registerPath({
      method: 'get',
      path: '/api/chat/sessions/{id}/events',
      summary: 'Server-sent events: each outgoing message of the session as it is sent',
      request: { params: z.object({ id: SessionId }) },
      responses: { 200: { description: 'text/event-stream of ChatReply objects' }, ...errorResponses(400, 404, 429) },
    });
    router.get('/api/chat/sessions/:id/events', bySession, async (req, res) => {
      const { sessionId, conv } = await sessionConversation(req.params.id);
      const sessionKey = `s:${sessionId}`;
      const addressKey = `ip:${ipKeyGenerator(req.ip ?? '')}`;
      if (streams.count(sessionKey) >= maxPerSession || streams.count(addressKey) >= maxPerAddress) {
        throw await tooMany(req, res, 'TOO_MANY_STREAMS', 'limits.tooManyStreams', STREAM_RETRY_SECONDS);
      }
      const closeSession = streams.add(sessionKey);
      const closeAddress = streams.add(addressKey);
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      // Send the headers now: otherwise the browser's EventSource stays "connecting" until the first message.
      res.flushHeaders();
      const write = (m: { id?: string }) => res.write(`id: ${m.id ?? ''}\ndata: ${JSON.stringify(m)}\n\n`);
      // The stream reads the transcript after its cursor whenever the session's transcript grows: from
      // Last-Event-ID (a reconnect replays what was missed), else from the newest message now.
      const lastId = req.get('last-event-id');
      let cursor = lastId && /^\d{1,18}$/.test(lastId) ? BigInt(lastId) : null;
      let closed = false;
      const pump = serialised(async () => {
        cursor ??= await latestSeq(deps.prisma, conv.id);
        for (;;) {
          const rows = await readTranscript(deps.prisma, conv.id, cursor);
          if (closed || !rows.length) return;
          for (const m of rows) if (m.direction === 'out') write(m);
          cursor = BigInt(rows.at(-1)!.id);
        }
      });
      // Subscribe before reading, so nothing committed in between is lost (clients de-duplicate by id).
      const unsubscribe = chat.hub.subscribe(sessionId, () => void pump().catch((err: unknown) => deps.logger.warn({ err }, 'event stream read failed')));
      const ping = setInterval(() => res.write(': ping\n\n'), 25_000);
      req.on('close', () => {
        closed = true;
        clearInterval(ping);
        unsubscribe();
        closeSession();
        closeAddress();
      });
      await pump();
    });

    const pub = path.resolve(__dirname, 'public');
    router.get('/chat', (_req, res) => res.sendFile(path.join(pub, 'chat.html')));
    router.use('/chat/assets', express.static(pub, { index: false, maxAge: '1h' }));
    return router;
  };
}
