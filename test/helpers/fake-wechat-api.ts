import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';

export interface FakeCustomMessage {
  touser: string;
  content: string;
  accessToken: string;
}

/**
 * A local stand-in for api.weixin.qq.com (official account side): /cgi-bin/token and
 * /cgi-bin/message/custom/send, on 127.0.0.1 with a random port. Records what was sent; can be told to
 * answer an errcode for an OpenID or to expire the tokens it issued.
 */
export class FakeWechatApi {
  readonly sent: FakeCustomMessage[] = [];
  tokenRequests = 0;
  private readonly validTokens = new Set<string>();
  private readonly failures = new Map<string, { errcode: number; errmsg: string; times: number }>();
  private server: Server | undefined;
  baseUrl = '';

  constructor(
    readonly appId = 'wx0123456789abcdef',
    readonly secret = 'fake-app-secret-0001',
  ) {}

  async start(): Promise<this> {
    const app = express();
    app.use(express.json());
    app.get('/cgi-bin/token', (req, res) => {
      this.tokenRequests++;
      if (req.query.grant_type !== 'client_credential' || req.query.appid !== this.appId || req.query.secret !== this.secret) {
        res.json({ errcode: 40013, errmsg: 'invalid appid' });
        return;
      }
      const token = `TOKEN_${randomBytes(6).toString('hex')}`;
      this.validTokens.add(token);
      res.json({ access_token: token, expires_in: 7200 });
    });
    app.post('/cgi-bin/message/custom/send', (req, res) => {
      const token = String(req.query.access_token ?? '');
      if (!this.validTokens.has(token)) {
        res.json({ errcode: 42001, errmsg: 'access_token expired' });
        return;
      }
      const body = req.body as { touser?: string; msgtype?: string; text?: { content?: string } };
      const failure = body.touser ? this.failures.get(body.touser) : undefined;
      if (failure && failure.times > 0) {
        failure.times--;
        res.json({ errcode: failure.errcode, errmsg: failure.errmsg });
        return;
      }
      if (body.msgtype !== 'text' || !body.touser || typeof body.text?.content !== 'string') {
        res.json({ errcode: 44002, errmsg: 'empty post data' });
        return;
      }
      this.sent.push({ touser: body.touser, content: body.text.content, accessToken: token });
      res.json({ errcode: 0, errmsg: 'ok' });
    });
    await new Promise<void>((resolve) => {
      this.server = app.listen(0, '127.0.0.1', () => resolve());
    });
    this.baseUrl = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
    return this;
  }

  /** The next `times` sends to this OpenID answer the errcode (e.g. 45015: outside the 48-hour window). */
  failSends(openId: string, errcode: number, errmsg = 'fake failure', times = Number.POSITIVE_INFINITY): void {
    this.failures.set(openId, { errcode, errmsg, times });
  }

  /** Every token issued so far becomes invalid (sends answer 42001 until a new token is fetched). */
  expireTokens(): void {
    this.validTokens.clear();
  }

  sentTo(openId: string): FakeCustomMessage[] {
    return this.sent.filter((m) => m.touser === openId);
  }

  async close(): Promise<void> {
    const s = this.server;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}

export function startFakeWechatApi(appId?: string, secret?: string): Promise<FakeWechatApi> {
  return new FakeWechatApi(appId, secret).start();
}
