/** An error answer of WeChat's API ({errcode, errmsg}). */
export class WechatApiError extends Error {
  constructor(
    readonly errcode: number,
    readonly errmsg: string,
  ) {
    super(`WeChat API errcode ${errcode}: ${errmsg}`);
    this.name = 'WechatApiError';
  }
}

/** Access token expired or invalid: fetch a new one and try again. */
export const TOKEN_ERRCODES = new Set([40001, 40014, 42001]);

/**
 * Errors that no retry can fix for this message: outside the 48-hour customer-service window (45015), user
 * unsubscribed (43004), unknown OpenID (40003), too many messages since the user last wrote (45047), user
 * blocked the account (43019), content too long (45002), no permission for the API (48001).
 */
export const PERMANENT_ERRCODES = new Set([40003, 43004, 43019, 45002, 45015, 45047, 48001]);

/** The port to WeChat's HTTP API (official-account side). Real: FetchWechatApi; tests: a local fake server. */
export interface WechatApi {
  fetchAccessToken(): Promise<{ accessToken: string; expiresInSeconds: number }>;
  /** Sends a customer-service text message; throws WechatApiError on an errcode. */
  sendCustomText(accessToken: string, openId: string, content: string): Promise<void>;
  /** A template message (allowed outside the 48-hour window): the text goes in the template's `first` field. */
  sendTemplate?(accessToken: string, openId: string, t: { templateId: string; url: string; text: string }): Promise<void>;
}

export interface FetchWechatApiOptions {
  /** https://api.weixin.qq.com, or a local fake in tests. */
  baseUrl: string;
  appId: string;
  secret: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** WeChat's API over fetch. Error messages never carry the secret or the access token. */
export class FetchWechatApi implements WechatApi {
  private readonly base: string;

  constructor(private readonly opts: FetchWechatApiOptions) {
    this.base = opts.baseUrl.replace(/\/+$/, '');
  }

  async fetchAccessToken(): Promise<{ accessToken: string; expiresInSeconds: number }> {
    const q = new URLSearchParams({ grant_type: 'client_credential', appid: this.opts.appId, secret: this.opts.secret });
    const body = await this.call(`${this.base}/cgi-bin/token?${q}`, { method: 'GET' }, '/cgi-bin/token');
    if (typeof body.access_token !== 'string' || !body.access_token) throw new Error('WeChat /cgi-bin/token answered without access_token');
    const expires = Number(body.expires_in);
    return { accessToken: body.access_token, expiresInSeconds: Number.isFinite(expires) && expires > 0 ? expires : 7200 };
  }

  async sendCustomText(accessToken: string, openId: string, content: string): Promise<void> {
    const q = new URLSearchParams({ access_token: accessToken });
    await this.call(
      `${this.base}/cgi-bin/message/custom/send?${q}`,
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ touser: openId, msgtype: 'text', text: { content } }) },
      '/cgi-bin/message/custom/send',
    );
  }

  async sendTemplate(accessToken: string, openId: string, t: { templateId: string; url: string; text: string }): Promise<void> {
    const q = new URLSearchParams({ access_token: accessToken });
    await this.call(
      `${this.base}/cgi-bin/message/template/send?${q}`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ touser: openId, template_id: t.templateId, url: t.url, data: { first: { value: t.text } } }),
      },
      '/cgi-bin/message/template/send',
    );
  }

  private async call(url: string, init: RequestInit, name: string): Promise<Record<string, unknown>> {
    const f = this.opts.fetch ?? fetch;
    let res: Response;
    try {
      res = await f(url, { ...init, signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000) });
    } catch (e) {
      throw new Error(`WeChat ${name} unreachable: ${(e as Error).name === 'TimeoutError' ? 'timeout' : (e as Error).message}`);
    }
    if (!res.ok) throw new Error(`WeChat ${name} answered HTTP ${res.status}`);
    let body: Record<string, unknown>;
    try {
      body = (await res.json()) as Record<string, unknown>;
    } catch {
      throw new Error(`WeChat ${name} answered something that is not JSON`);
    }
    const errcode = Number(body.errcode ?? 0);
    if (errcode !== 0) throw new WechatApiError(errcode, String(body.errmsg ?? ''));
    return body;
  }
}
