import { timingSafeEqual } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import { detectCommand } from '../conversation/text-matching';
import { applySmsReply } from '../domain/campaigns/contact-preferences.service';
import { parseMobilePhone } from '../domain/codes/phone';
import type { AppDeps } from './create-app';
import { HttpError, parseOr400 } from './http-error';
import { errorResponses, type OpenAPIRegistry } from './openapi';
import { bearerToken } from './staff-auth';

const InboundBody = z.object({ phone: z.string().min(11).max(20), text: z.string().max(500) }).strict().openapi('SmsInbound');

const same = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/**
 * The SMS gateway's callback for replies to campaign messages: 退订/TD/STOP switch reminders off for the
 * number, 订阅/START back on; other text is acknowledged and ignored. Mounted only with SMS_HTTP_TOKEN set
 * (the gateway sends it as a bearer token).
 */
export function createSmsInboundRouter(deps: AppDeps, registry: OpenAPIRegistry): Router {
  const router = Router();
  const secret = deps.config.SMS_HTTP_TOKEN;
  if (!secret) return router;
  registry.registerPath({
    method: 'post',
    path: '/api/sms/inbound',
    tags: ['campaigns'],
    summary: 'SMS reply callback: 退订/TD/STOP opts the number out of reminders, 订阅/START back in',
    security: [{ bearer: [] }],
    request: { body: { content: { 'application/json': { schema: InboundBody } } } },
    responses: { 200: { description: 'Handled', content: { 'application/json': { schema: z.object({ command: z.string().nullable(), persons: z.number() }) } } }, ...errorResponses(400, 401) },
  });
  router.post('/api/sms/inbound', async (req, res) => {
    const token = bearerToken(req);
    if (!token || !same(token, secret)) throw new HttpError(401, 'UNAUTHENTICATED', 'The gateway token is missing or wrong.');
    const body = parseOr400(InboundBody, req.body);
    const phone = parseMobilePhone(body.phone);
    if (!phone.ok) throw new HttpError(400, 'VALIDATION_FAILED', 'phone is not a mainland mobile number');
    const cmd = detectCommand(deps.i18n, body.text);
    const command = cmd === 'stop' ? 'stop' : cmd === 'subscribe' ? 'start' : null;
    const persons = command ? await applySmsReply(deps.prisma, { phone: phone.phone, command, now: deps.clock.now() }) : 0;
    res.json({ command, persons });
  });
  return router;
}
