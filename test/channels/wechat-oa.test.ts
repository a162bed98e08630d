import { randomBytes } from 'node:crypto';
import express from 'express';
import request from 'supertest';
import { startWechatChannels, type WechatChannels, type WechatOaChannel } from '../../src/app/wechat';
import { loadWechatConfig } from '../../src/app/wechat-config';
import { wechatSignature } from '../../src/channels/wechat-oa/signature';
import { WechatCrypto } from '../../src/channels/wechat-oa/wechat-crypto';
import { WechatOaWebhook } from '../../src/channels/wechat-oa/wechat-oa-webhook';
import { parseWechatXml } from '../../src/channels/wechat-oa/wechat-xml';
import { createWechatOaRouter } from '../../src/http/wechat-oa.router';
import { startFakeWechatApi, type FakeWechatApi } from '../helpers/fake-wechat-api';
import { SUITE_SETUP_TIMEOUT_MS, suiteResources } from '../helpers/suite-resources';
import { createTestApp, type TestApp } from '../helpers/test-app';

const TOKEN = 'canbaoTestToken1';
const AES_KEY = randomBytes(32).toString('base64').slice(0, 43);
const AES_KEY_PREVIOUS = randomBytes(32).toString('base64').slice(0, 43);
const ACCOUNT = 'gh_canbao_test';

let app: TestApp;
let fake: FakeWechatApi;
let channels: WechatChannels;
let oa: WechatOaChannel;
let handler: ReturnType<WechatChannels['wrap']>;
/** The same channel with a 1 ms reply budget: every turn is "slow" and answered through the CS API. */
let slowHandler: express.Express;

const resources = suiteResources();

beforeAll(async () => {
  // Outbox rows are due from the database's now(); a clock a day ahead makes them due at once.
  app = resources.track(await createTestApp({}, { start: new Date(Date.now() + 86_400_000).toISOString() }));
  fake = resources.track(await startFakeWechatApi());
  const config = loadWechatConfig({
    WECHAT_OA_TOKEN: TOKEN,
    WECHAT_OA_APPID: fake.appId,
    WECHAT_OA_SECRET: fake.secret,
    WECHAT_OA_AES_KEY: AES_KEY,
    WECHAT_OA_AES_KEY_PREVIOUS: AES_KEY_PREVIOUS,
    WECHAT_OA_API_BASE: fake.baseUrl,
  });
  channels = resources.track(await startWechatChannels(app, config), (c) => c.stop());
  oa = channels.oa!;
  handler = channels.wrap(app.app);
  const slow = new WechatOaWebhook({
    token: TOKEN,
    engine: app.engine,
    ledger: oa.ledger,
    kick: () => void oa.dispatcher.kick(),
    clock: app.clock,
    logger: app.logger,
    replyBudgetMs: 1,
    stopText: '退订',
  });
  slowHandler = express().use(createWechatOaRouter({ webhook: slow, logger: app.logger }));
  // A first turn warms the flow and the database up, so the tests' turns stay well inside the reply budget.
  await app.engine.start('web', 'warm-up');
}, SUITE_SETUP_TIMEOUT_MS);

const newOpenId = () => `o${randomBytes(9).toString('base64url')}`;
let msgSeq = 24_000_000_000_000_000n;
const newMsgId = () => String(++msgSeq);
const nowSec = () => Math.floor(app.clock.now().getTime() / 1000);

function signedQuery(extra: Record<string, string> = {}, timestamp = String(nowSec())) {
  const nonce = String(100000 + Math.floor(Math.random() * 900000));
  return { signature: wechatSignature(TOKEN, timestamp, nonce), timestamp, nonce, ...extra };
}

function textXml(openId: string, content: string, msgId: string): string {
  return (
    `<xml><ToUserName><![CDATA[${ACCOUNT}]]></ToUserName><FromUserName><![CDATA[${openId}]]></FromUserName>` +
    `<CreateTime>${nowSec()}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[${content}]]></Content><MsgId>${msgId}</MsgId></xml>`
  );
}

function eventXml(openId: string, event: string): string {
  return (
    `<xml><ToUserName><![CDATA[${ACCOUNT}]]></ToUserName><FromUserName><![CDATA[${openId}]]></FromUserName>` +
    `<CreateTime>${nowSec()}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[${event}]]></Event></xml>`
  );
}

function post(target: Parameters<typeof request>[0], xml: string, query: Record<string, string> = signedQuery()) {
  return request(target).post('/wechat/oa').query(query).set('content-type', 'text/xml').send(xml);
}

async function waitFor<T>(probe: () => Promise<T | undefined | false> | T | undefined | false, what: string, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const conversationOf = (openId: string) =>
  app.db.prisma.conversation.findUnique({ where: { channel_endpoint: { channel: 'wechat-oa', endpoint: openId } } });

async function outboxOf(openId: string) {
  const conv = await conversationOf(openId);
  return conv ? app.db.prisma.outboxMessage.findMany({ where: { conversationId: conv.id }, orderBy: { createdAt: 'asc' } }) : [];
}

const greeting = () => app.i18n.t('welcome.awaitingNoticeAck.greeting', { lng: 'zh-CN' });

describe('signature', () => {
  it('matches the official example', () => {
    expect(wechatSignature('AAAAA', '1714037059', '486452656')).toBe('899cf89e464efb63f54ddac96b0a0a235f53aa78');
  });

  it('answers the server verification with echostr, using the official example', async () => {
    const start = app.clock.now();
    app.clock.set(new Date(1714037059 * 1000));
    try {
      const example = new WechatOaWebhook({
        token: 'AAAAA',
        engine: app.engine,
        ledger: oa.ledger,
        kick: () => {},
        clock: app.clock,
        logger: app.logger,
        replyBudgetMs: 4500,
        stopText: '退订',
      });
      const r = example.verify({ signature: '899cf89e464efb63f54ddac96b0a0a235f53aa78', timestamp: '1714037059', nonce: '486452656', echostr: 'hello-4242' });
      expect(r).toEqual({ status: 200, contentType: 'text/plain', body: 'hello-4242' });
      expect(example.verify({ signature: '899cf89e464efb63f54ddac96b0a0a235f53aa79', timestamp: '1714037059', nonce: '486452656', echostr: 'x' }).status).toBe(401);
    } finally {
      app.clock.set(start);
    }
  });

  it('GET /wechat/oa echoes echostr when signed, 401 otherwise or when stale', async () => {
    const ok = await request(handler).get('/wechat/oa').query(signedQuery({ echostr: '5123456789' }));
    expect(ok.status).toBe(200);
    expect(ok.text).toBe('5123456789');

    const wrong = await request(handler).get('/wechat/oa').query({ ...signedQuery({ echostr: '1' }), signature: 'f'.repeat(40) });
    expect(wrong.status).toBe(401);
    const stale = await request(handler).get('/wechat/oa').query(signedQuery({ echostr: '1' }, String(nowSec() - 301)));
    expect(stale.status).toBe(401);
    const unsigned = await request(handler).get('/wechat/oa').query({ echostr: '1' });
    expect(unsigned.status).toBe(401);
    // Everything else still reaches the main app behind the webhook.
    expect((await request(handler).get('/healthz')).status).toBe(200);
  });

  it('refuses unsigned, wrongly signed and stale POSTs without touching the engine', async () => {
    const openId = newOpenId();
    const xml = textXml(openId, '你好', newMsgId());
    expect((await post(handler, xml, {})).status).toBe(401);
    expect((await post(handler, xml, { ...signedQuery(), signature: '0'.repeat(40) })).status).toBe(401);
    expect((await post(handler, xml, signedQuery({}, String(nowSec() - 600)))).status).toBe(401);
    expect(await conversationOf(openId)).toBeNull();
  });
});

describe('plaintext messages', () => {
  it('answers a text message passively in XML and marks its outbox rows sent without calling the API', async () => {
    const openId = newOpenId();
    const res = await post(handler, textXml(openId, '你好', newMsgId()));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/xml/);
    const reply = parseWechatXml(res.text);
    expect(reply).toMatchObject({ ToUserName: openId, FromUserName: ACCOUNT, MsgType: 'text' });
    expect(reply.Content).toContain(greeting());
    expect(reply.Content).toMatch(/\n1\. /); // choices as a numbered list

    await oa.dispatcher.kick();
    const rows = await waitFor(async () => {
      const r = await outboxOf(openId);
      return r.length > 0 && r.every((x) => x.status === 'SENT') && r;
    }, 'outbox rows marked sent');
    expect(rows.length).toBeGreaterThan(0);
    expect(fake.sentTo(openId)).toEqual([]);
  });

  it('gives a retried MsgId the same answer and processes it once', async () => {
    const openId = newOpenId();
    const msgId = newMsgId();
    const xml = textXml(openId, '你好', msgId);
    const first = await post(handler, xml);
    const second = await post(handler, xml);
    const third = await post(handler, xml);
    expect(first.status).toBe(200);
    expect(second.text).toBe(first.text);
    expect(third.text).toBe(first.text);
    // After the webhook forgot its answer (another process, or later): the engine's de-duplication answers.
    const fresh = new WechatOaWebhook({ token: TOKEN, engine: app.engine, ledger: oa.ledger, kick: () => {}, clock: app.clock, logger: app.logger, replyBudgetMs: 4500, stopText: '退订' });
    const late = await post(express().use(createWechatOaRouter({ webhook: fresh, logger: app.logger })), xml);
    expect(late.text).toBe(first.text);
    const conv = await conversationOf(openId);
    const inbound = await app.db.prisma.message.count({ where: { conversationId: conv!.id, direction: 'IN' } });
    expect(inbound).toBe(1);
    const byMsgId = await app.db.prisma.message.findMany({ where: { conversationId: conv!.id, externalId: msgId } });
    expect(byMsgId).toHaveLength(1);
  });

  it('answers a message with a NUL character normally (not 500) and stores it without control characters', async () => {
    const openId = newOpenId();
    const res = await post(handler, textXml(openId, '你\u0000好\u0007', newMsgId()));
    expect(res.status).toBe(200);
    expect(parseWechatXml(res.text).Content).toContain(greeting());
    const conv = await conversationOf(openId);
    const inbound = await app.db.prisma.message.findFirstOrThrow({ where: { conversationId: conv!.id, direction: 'IN' } });
    expect(inbound.text).toBe('你好');
  });

  it('answers a voice message without recognition and a picture with "please type", in the resident\'s language', async () => {
    const media = (openId: string, type: 'voice' | 'image') =>
      `<xml><ToUserName><![CDATA[${ACCOUNT}]]></ToUserName><FromUserName><![CDATA[${openId}]]></FromUserName>` +
      `<CreateTime>${nowSec()}</CreateTime><MsgType><![CDATA[${type}]]></MsgType><MediaId><![CDATA[m1]]></MediaId>` +
      `${type === 'voice' ? '<Format><![CDATA[amr]]></Format>' : '<PicUrl><![CDATA[http://example.invalid/p.jpg]]></PicUrl>'}<MsgId>${newMsgId()}</MsgId></xml>`;
    const zh = newOpenId();
    await post(handler, textXml(zh, '你好', newMsgId()));
    const voice = parseWechatXml((await post(handler, media(zh, 'voice'))).text).Content!;
    expect(voice).toContain('暂时只能看懂文字，请打字回复。');
    expect(voice).toContain(greeting()); // the question again
    expect(parseWechatXml((await post(handler, media(zh, 'image'))).text).Content).toContain('暂时只能看懂文字，请打字回复。');

    const en = newOpenId();
    await post(handler, textXml(en, 'hello', newMsgId()));
    await post(handler, textXml(en, 'English', newMsgId()));
    const english = parseWechatXml((await post(handler, media(en, 'voice'))).text).Content!;
    expect(english).toContain('For now I can only read text. Please reply by typing.');
  });

  it('refuses a captured (timestamp, nonce, signature) used again with another body in plaintext mode', async () => {
    const openId = newOpenId();
    const query = signedQuery();
    const first = await post(handler, textXml(openId, '你好', newMsgId()), query);
    expect(first.status).toBe(200);
    const replay = await post(handler, textXml(newOpenId(), '人工', newMsgId()), query);
    expect(replay.status).toBe(401);
    const conv = await conversationOf(openId);
    expect(await app.db.prisma.message.count({ where: { conversationId: conv!.id, direction: 'IN' } })).toBe(1);
  });

  it('greets a new follower (subscribe starts the conversation)', async () => {
    const openId = newOpenId();
    const res = await post(handler, eventXml(openId, 'subscribe'));
    expect(res.status).toBe(200);
    expect(parseWechatXml(res.text).Content).toContain(greeting());
    expect(await conversationOf(openId)).not.toBeNull();
  });

  it('switches reminders off on unsubscribe and sends nothing to the user who left', async () => {
    const openId = newOpenId();
    await post(handler, textXml(openId, '你好', newMsgId()));
    const res = await post(handler, eventXml(openId, 'unsubscribe'));
    expect(res.status).toBe(200);
    expect(res.text).toBe('success');
    const conv = await conversationOf(openId);
    expect(conv!.optedOutAt).toEqual(app.clock.now());

    await oa.dispatcher.kick();
    const rows = await waitFor(async () => {
      const r = await outboxOf(openId);
      return r.every((x) => x.status === 'SENT' || x.status === 'UNDELIVERABLE') && r;
    }, 'outbox settled');
    const undeliverable = rows.filter((r) => r.status === 'UNDELIVERABLE');
    expect(undeliverable.length).toBeGreaterThan(0);
    expect(undeliverable[0]!.lastError).toMatch(/unsubscribed/);
    expect(fake.sentTo(openId)).toEqual([]);
  });

  it('ignores events it has nothing to say to', async () => {
    const openId = newOpenId();
    const res = await post(handler, eventXml(openId, 'VIEW'));
    expect(res.text).toBe('success');
    expect(await conversationOf(openId)).toBeNull();
  });

  it('refuses XML with a DOCTYPE', async () => {
    const res = await post(handler, `<!DOCTYPE x [<!ENTITY a "b">]><xml><FromUserName>&a;</FromUserName></xml>`);
    expect(res.status).toBe(400);
  });
});

describe('slow turns (customer-service API)', () => {
  it('answers "success" and delivers the reply through the customer-service API', async () => {
    const openId = newOpenId();
    const res = await post(slowHandler, textXml(openId, '你好', newMsgId()));
    expect(res.status).toBe(200);
    expect(res.text).toBe('success');
    const sent = await waitFor(() => fake.sentTo(openId).length > 0 && fake.sentTo(openId), 'CS API message');
    expect(sent[0]!.content).toContain(greeting());
    expect(sent[0]!.content).toMatch(/\n1\. /);
    const rows = await waitFor(async () => {
      const r = await outboxOf(openId);
      return r.length > 0 && r.every((x) => x.status === 'SENT') && r;
    }, 'rows sent');
    expect(rows.length).toBe(fake.sentTo(openId).length);
  });

  it('records 45015 (outside the 48-hour window) as UNDELIVERABLE, not as sent', async () => {
    const openId = newOpenId();
    fake.failSends(openId, 45015, 'response out of time limit or subscription is canceled');
    await post(slowHandler, textXml(openId, '你好', newMsgId()));
    const rows = await waitFor(async () => {
      const r = await outboxOf(openId);
      return r.length > 0 && r.every((x) => x.status === 'UNDELIVERABLE') && r;
    }, 'rows undeliverable');
    expect(rows[0]!.lastError).toMatch(/45015/);
    expect(rows[0]!.sentAt).toBeNull();
    expect(fake.sentTo(openId)).toEqual([]);
  });

  it('fetches a new access token when WeChat says it expired (42001) and sends once', async () => {
    await oa.tokens.get();
    const before = fake.tokenRequests;
    fake.expireTokens();
    const openId = newOpenId();
    await post(slowHandler, textXml(openId, '你好', newMsgId()));
    await waitFor(() => fake.sentTo(openId).length > 0, 'CS API message');
    expect(fake.tokenRequests).toBe(before + 1);
    expect(fake.sentTo(openId)).toHaveLength(1);
  });
});

describe('safe mode (AES)', () => {
  function encryptedPost(crypto: WechatCrypto, inner: string, tamper = false) {
    const encrypt = crypto.encrypt(inner);
    const q = signedQuery();
    const msgSignature = tamper ? 'a'.repeat(40) : wechatSignature(TOKEN, q.timestamp, q.nonce, encrypt);
    const body = `<xml><ToUserName><![CDATA[${ACCOUNT}]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`;
    return post(handler, body, { ...q, encrypt_type: 'aes', msg_signature: msgSignature });
  }

  function readEncryptedReply(text: string): Record<string, string> {
    const envelope = parseWechatXml(text);
    expect(envelope.MsgSignature).toBe(wechatSignature(TOKEN, envelope.TimeStamp!, envelope.Nonce!, envelope.Encrypt!));
    return parseWechatXml(new WechatCrypto(fake.appId, [AES_KEY]).decrypt(envelope.Encrypt!));
  }

  it('decrypts a request and encrypts the passive reply', async () => {
    const openId = newOpenId();
    const res = await encryptedPost(new WechatCrypto(fake.appId, [AES_KEY]), textXml(openId, '你好', newMsgId()));
    expect(res.status).toBe(200);
    const reply = readEncryptedReply(res.text);
    expect(reply).toMatchObject({ ToUserName: openId, FromUserName: ACCOUNT, MsgType: 'text' });
    expect(reply.Content).toContain(greeting());
  });

  it('still reads messages encrypted with the previous EncodingAESKey', async () => {
    const openId = newOpenId();
    const res = await encryptedPost(new WechatCrypto(fake.appId, [AES_KEY_PREVIOUS]), textXml(openId, '你好', newMsgId()));
    expect(res.status).toBe(200);
    expect(readEncryptedReply(res.text).Content).toContain(greeting());
  });

  it('refuses a wrong msg_signature, an unknown key and another AppID', async () => {
    const inner = textXml(newOpenId(), '你好', newMsgId());
    expect((await encryptedPost(new WechatCrypto(fake.appId, [AES_KEY]), inner, true)).status).toBe(401);
    const otherKey = randomBytes(32).toString('base64').slice(0, 43);
    expect((await encryptedPost(new WechatCrypto(fake.appId, [otherKey]), inner)).status).toBe(401);
    expect((await encryptedPost(new WechatCrypto('wxanotherapp000000', [AES_KEY]), inner)).status).toBe(401);
  });

  it('round-trips WeChat\'s format: 16 random bytes, length, XML, AppID, PKCS#7 to 32', () => {
    const crypto = new WechatCrypto('wxabc', [AES_KEY]);
    const xml = '<xml><Content><![CDATA[参保登记 ✓]]></Content></xml>';
    const enc = crypto.encrypt(xml, Buffer.alloc(16, 7));
    expect(Buffer.from(enc, 'base64').length % 32).toBe(0);
    expect(crypto.decrypt(enc)).toBe(xml);
    expect(() => new WechatCrypto('wxother', [AES_KEY]).decrypt(enc)).toThrow(/AppID/);
  });
});
