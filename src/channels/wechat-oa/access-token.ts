import type { Clock } from '../../lib/clock';
import { TOKEN_ERRCODES, WechatApiError, type WechatApi } from './wechat-api';

/**
 * The official account's access token, fetched once and shared by every send in the process: refreshed a
 * margin before it expires, and at once when WeChat says it is invalid or expired (40001, 40014, 42001).
 * Concurrent callers share one refresh. (Several processes each hold their own token; WeChat keeps the
 * previous token valid for five minutes after a new one is fetched, so they do not lock each other out.)
 */
export class AccessTokenCache {
  private cached: { token: string; expiresAt: number } | undefined;
  private refreshing: Promise<string> | undefined;

  constructor(
    private readonly api: WechatApi,
    private readonly clock: Clock,
    private readonly marginMs = 5 * 60_000,
  ) {}

  async get(): Promise<string> {
    const c = this.cached;
    if (c && this.clock.now().getTime() < c.expiresAt - this.marginMs) return c.token;
    this.refreshing ??= (async () => {
      try {
        const { accessToken, expiresInSeconds } = await this.api.fetchAccessToken();
        this.cached = { token: accessToken, expiresAt: this.clock.now().getTime() + expiresInSeconds * 1000 };
        return accessToken;
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  /** Forgets the token (if it is still the one given) so the next get() fetches a new one. */
  invalidate(token?: string): void {
    if (!token || this.cached?.token === token) this.cached = undefined;
  }

  /** Runs fn with the token; on a token error, fetches a new token and runs fn once more. */
  async withToken<T>(fn: (token: string) => Promise<T>): Promise<T> {
    const token = await this.get();
    try {
      return await fn(token);
    } catch (e) {
      if (!(e instanceof WechatApiError) || !TOKEN_ERRCODES.has(e.errcode)) throw e;
      this.invalidate(token);
      return fn(await this.get());
    }
  }
}
