import { randomUUID } from 'node:crypto';
import express, { type ErrorRequestHandler, type Router } from 'express';
import helmet from 'helmet';
import type { i18n } from 'i18next';
import type { Config } from '../app/config';
import type { PrismaClient } from '../generated/prisma/client';
import type { Clock } from '../lib/clock';
import type { Logger } from '../lib/logger';
import { stripControlCharsDeep } from '../lib/control-chars';
import { HttpError, httpErrorOf } from './http-error';
import { RefusalError } from '../domain/refusal';
import { createOpenApiRegistry, generateOpenApiDocument, type OpenAPIRegistry } from './openapi';

/** Everything the HTTP layer needs, built by the composition root (src/app) or by a test. */
export interface AppDeps {
  prisma: PrismaClient;
  config: Config;
  logger: Logger;
  i18n: i18n;
  clock: Clock;
  /** Wakes the outbox dispatcher after a request queued messages (e.g. a review decision's notification). */
  onOutbox?: () => void;
  /** Extra routers, mounted in order: each gets the deps and the OpenAPI registry. */
  routers?: ((deps: AppDeps, registry: OpenAPIRegistry) => Router)[];
}

declare module 'express-serve-static-core' {
  interface Request {
    id: string;
    log: Logger;
  }
}

/** Builds the express app without listening (supertest-friendly). */
export function createApp(deps: AppDeps): express.Express {
  const app = express();
  const registry = createOpenApiRegistry();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          'script-src': ["'self'"],
          'img-src': ["'self'", 'data:'],
          'connect-src': ["'self'"],
          // Behind TLS in production; plain HTTP on a LAN address (a phone trying the demo) must keep working.
          'upgrade-insecure-requests': deps.config.NODE_ENV === 'production' ? [] : null,
        },
      },
    }),
  );
  app.use((req, res, next) => {
    const incoming = req.get('x-request-id');
    // Only a short token is taken over (never something that could be an ID number or a phone number).
    req.id = incoming && /^[A-Za-z0-9-]{1,64}$/.test(incoming) && !/\d{11}/.test(incoming) ? incoming : randomUUID();
    res.setHeader('x-request-id', req.id);
    req.log = deps.logger.child({ reqId: req.id });
    const start = process.hrtime.bigint();
    // One access-log line per request (issue 11), none for the health probe.
    if (req.path === '/healthz') return next();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      // The route pattern, never the raw path (a chat session id in the path grants its transcript).
      const route = req.route ? `${req.baseUrl}${String(req.route.path)}` : '(no route)';
      req.log.info({ method: req.method, route, status: res.statusCode, ms: Math.round(ms * 10) / 10 }, 'request');
    });
    next();
  });
  app.use(express.json({ limit: '256kb' }));
  app.use(express.urlencoded({ extended: false, limit: '256kb' }));
  // Every text that comes in as a body (chat, staff free text) loses NUL and other control characters here.
  app.use((req, _res, next) => {
    if (req.body !== undefined) req.body = stripControlCharsDeep(req.body as unknown);
    next();
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      await deps.prisma.$queryRaw`SELECT 1`;
      res.json({ status: 'ready' });
    } catch {
      res.status(503).json({ status: 'unavailable', error: { code: 'DATABASE_UNREACHABLE', message: 'Database not reachable' } });
    }
  });

  for (const make of deps.routers ?? []) app.use(make(deps, registry));

  let openApiDoc: object | undefined;
  app.get('/api/openapi.json', (_req, res) => {
    openApiDoc ??= generateOpenApiDocument(registry);
    res.json(openApiDoc);
  });

  app.use((req, _res, next) => next(new HttpError(404, 'NOT_FOUND', `No route for ${req.method} ${req.path}`)));
  const onError: ErrorRequestHandler = (err: unknown, req, res, _next) => {
    if (err instanceof RefusalError) err = httpErrorOf(err);
    if (err instanceof HttpError) {
      if (err.status >= 500) req.log.error({ err }, 'request failed');
      res.status(err.status).json({ error: { code: err.code, message: err.message, requestId: req.id, details: err.details } });
      return;
    }
    const e = err as { type?: string; status?: number; message?: string };
    if (e?.type === 'entity.parse.failed' || e?.type === 'entity.too.large') {
      res.status(e.status ?? 400).json({
        error: { code: e.type === 'entity.too.large' ? 'PAYLOAD_TOO_LARGE' : 'MALFORMED_JSON', message: e.message ?? 'Bad request body', requestId: req.id },
      });
      return;
    }
    req.log.error({ err }, 'unhandled error');
    res.status(500).json({ error: { code: 'INTERNAL', message: 'Internal error', requestId: req.id } });
  };
  app.use(onError);
  return app;
}
