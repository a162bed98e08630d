import { loadWechatConfig } from '../../src/app/wechat-config';
import { ConfigError } from '../../src/app/config';
import { AccessTokenCache } from '../../src/channels/wechat-oa/access-token';
import { PassiveReplyLedger } from '../../src/channels/wechat-oa/passive-reply-ledger';
import { WechatApiError, type WechatApi } from '../../src/channels/wechat-oa/wechat-api';
import { cdata, parseWechatXml, textReplyXml } from '../../src/channels/wechat-oa/wechat-xml';
import { SendPacer } from '../../src/channels/wechaty/pacing';
import { HeldBackError, SendOrder } from '../../src/channels/wechaty/send-order';
import { countChars, splitText, utf8Bytes } from '../../src/channels/wechaty/split-text';
import { fixedClock } from '../../src/lib/clock';

/** A pacer on a fake clock: sleeping moves the clock. */
function fakePacer(opts: { minGapMs: number; perMinute: number; perDay: number }) {
  let now = 1_000_000;
  const slept: number[] = [];
  const pacer = new SendPacer({
    ...opts,
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
  });
  return { pacer, slept, elapsed: () => now - 1_000_000 };
}

describe('splitText', () => {
  it('keeps short texts whole and splits long ones at line breaks', () => {
    expect(splitText('你好', 1000)).toEqual(['你好']);
    const lines = Array.from({ length: 30 }, (_, i) => `${i + 1}. ${'参保'.repeat(20)}`);
    const pieces = splitText(lines.join('\n'), 200);
    expect(pieces.length).toBeGreaterThan(1);
    for (const p of pieces) expect(countChars(p)).toBeLessThanOrEqual(200);
    expect(pieces.join('\n')).toBe(lines.join('\n'));
    for (const p of pieces) expect(p.split('\n').every((l) => lines.includes(l))).toBe(true);
  });

  it('cuts a single overlong line at a sentence end, and by bytes when asked', () => {
    const sentence = '请携带身份证到社保所办理。';
    const text = sentence.repeat(100);
    const pieces = splitText(text, 1000);
    expect(pieces.join('')).toBe(text);
    for (const p of pieces) {
      expect(countChars(p)).toBeLessThanOrEqual(1000);
      expect(p.endsWith('。')).toBe(true);
    }
    const byBytes = splitText(text, 2000, utf8Bytes);
    for (const p of byBytes) expect(utf8Bytes(p)).toBeLessThanOrEqual(2000);
    expect(byBytes.join('')).toBe(text);
  });
});

describe('SendPacer', () => {
  it('keeps the minimum gap per contact but not across contacts', async () => {
    const { pacer, slept } = fakePacer({ minGapMs: 1500, perMinute: 1000, perDay: 100000 });
    await pacer.acquire('a');
    await pacer.acquire('b');
    expect(slept).toEqual([]);
    await pacer.acquire('a');
    expect(slept.reduce((x, y) => x + y, 0)).toBeGreaterThanOrEqual(1500);
  });

  it('holds the account to its per-minute and per-day budgets (waits, never drops)', async () => {
    const minute = fakePacer({ minGapMs: 0, perMinute: 3, perDay: 100000 });
    for (let i = 0; i < 6; i++) await minute.pacer.acquire(`c${i}`);
    expect(minute.elapsed()).toBeGreaterThanOrEqual(59_000);

    const day = fakePacer({ minGapMs: 0, perMinute: 1000, perDay: 2 });
    for (let i = 0; i < 3; i++) await day.pacer.acquire(`c${i}`);
    expect(day.elapsed()).toBeGreaterThanOrEqual(12 * 3600_000 - 1);
  });

  it('rejects waiting sends when stopped', async () => {
    const pacer = new SendPacer({ minGapMs: 60_000, perMinute: 1000, perDay: 1000 });
    await pacer.acquire('x');
    const waiting = pacer.acquire('x');
    pacer.stop();
    await expect(waiting).rejects.toThrow(/stopped/);
  });
});

describe('SendOrder', () => {
  it('holds later messages back while an earlier one waits for its retry', () => {
    const order = new SendOrder();
    order.failed('u1', '10');
    expect(() => order.check('u1', '11')).toThrow(HeldBackError);
    expect(() => order.check('u1', '10')).not.toThrow();
    expect(() => order.check('u2', '11')).not.toThrow();
    order.done('u1', '10');
    expect(() => order.check('u1', '11')).not.toThrow();
  });

  it('remembers how many pieces of a split message went out', () => {
    const order = new SendOrder();
    order.notePieceSent('7', 2);
    expect(order.piecesSent('7')).toBe(2);
    order.done('u', '7');
    expect(order.piecesSent('7')).toBe(0);
  });
});

describe('official-account helpers', () => {
  it('parses WeChat XML keeping 64-bit MsgIds exact, and builds CDATA safely', () => {
    const f = parseWechatXml('<xml><MsgId>23912345678901234567</MsgId><Content><![CDATA[参保 & 登记]]></Content><Note>a &amp; b</Note></xml>');
    expect(f.MsgId).toBe('23912345678901234567');
    expect(f.Content).toBe('参保 & 登记');
    expect(f.Note).toBe('a & b');
    const xml = textReplyXml({ toUser: 'o1', fromUser: 'gh', createTime: 1, content: 'x]]>y' });
    expect(parseWechatXml(xml).Content).toBe('x]]>y');
    expect(cdata(']]>')).toBe('<![CDATA[]]]]><![CDATA[>]]>');
  });

  it('caches the access token, refreshes it before expiry and after 42001', async () => {
    const clock = fixedClock('2026-12-01T00:00:00Z');
    let issued = 0;
    const sends: string[] = [];
    const api: WechatApi = {
      fetchAccessToken: async () => ({ accessToken: `t${++issued}`, expiresInSeconds: 7200 }),
      sendCustomText: async (token) => {
        if (token === 't2') throw new WechatApiError(42001, 'access_token expired');
        sends.push(token);
      },
    };
    const tokens = new AccessTokenCache(api, clock);
    const [a, b] = await Promise.all([tokens.get(), tokens.get()]);
    expect([a, b, issued]).toEqual(['t1', 't1', 1]);
    clock.advance(7200_000 - 4 * 60_000); // inside the 5-minute margin
    expect(await tokens.get()).toBe('t2');
    await tokens.withToken((t) => api.sendCustomText(t, 'o', 'hi'));
    expect(sends).toEqual(['t3']);
  });

  it('lets the sender wait for the webhook decision on an endpoint', async () => {
    const ledger = new PassiveReplyLedger();
    const decision = ledger.begin('o1');
    const outcome = ledger.outcomeFor('o1', '42', 5_000);
    setTimeout(() => decision.settle('passive', ['42']), 20);
    expect(await outcome).toBe('passive');
    expect(await ledger.outcomeFor('o1', '43', 5_000)).toBeUndefined();
  });
});

describe('loadWechatConfig', () => {
  it('has both channels off by default, with sensible pacing', () => {
    const c = loadWechatConfig({});
    expect(c.WECHATY_PUPPET).toBeUndefined();
    expect(c.WECHAT_OA_TOKEN).toBeUndefined();
    expect(c).toMatchObject({ WECHATY_ACCEPT_FRIENDS: false, WECHATY_MAX_CHARS: 1000, WECHAT_OA_REPLY_BUDGET_MS: 4500, WECHAT_OA_API_BASE: 'https://api.weixin.qq.com' });
  });

  it('names what is missing or wrong without echoing secrets', () => {
    expect(() => loadWechatConfig({ WECHAT_OA_TOKEN: 'abc123' })).toThrow(/WECHAT_OA_APPID.*\n.*WECHAT_OA_SECRET/s);
    try {
      loadWechatConfig({ WECHAT_OA_TOKEN: 'bad token!' });
      throw new Error('expected a ConfigError');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as Error).message).toContain('WECHAT_OA_TOKEN');
      expect((e as Error).message).not.toContain('bad token!');
    }
  });
});
