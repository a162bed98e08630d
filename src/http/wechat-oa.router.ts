import express, { Router } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { WechatOaWebhook } from '../channels/wechat-oa/wechat-oa-webhook';
import type { Logger } from '../lib/logger';

export const WECHAT_OA_PATH = '/wechat/oa';

export interface WechatOaRouterOptions {
  webhook: WechatOaWebhook;
  logger: Logger;
  /** Failed (4xx/5xx) requests per IP and minute before the webhook answers 429; valid pushes never count. */
  failuresPerMinute?: number;
}

/**
 * GET/POST /wechat/oa: the official account's server URL. The body is read as raw text (WeChat posts XML);
 * everything else is WechatOaWebhook's job. Failed signatures are rate-limited per IP.
 */
export function createWechatOaRouter(opts: WechatOaRouterOptions): Router {
  const router = Router();
  const { webhook, logger } = opts;
  const limiter = rateLimit({
    windowMs: 60_000,
    limit: opts.failuresPerMinute ?? 300,
    skipSuccessfulRequests: true,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    message: 'too many failed requests',
  });
  router.get(WECHAT_OA_PATH, limiter, (req, res) => {
    const r = webhook.verify(req.query);
    if (r.status !== 200) logger.warn({ status: r.status, reason: r.body }, 'wechat-oa verification refused');
    res.status(r.status).type(r.contentType).send(r.body);
  });
  router.post(WECHAT_OA_PATH, limiter, express.text({ type: () => true, limit: '64kb' }), async (req, res) => {
    const body = typeof req.body === 'string' ? req.body : '';
    const r = await webhook.receive(req.query, body);
    if (r.status !== 200) logger.warn({ status: r.status, reason: r.body }, 'wechat-oa push refused');
    res.status(r.status).type(r.contentType).send(r.body);
  });
  return router;
}
