import { randomBytes } from 'node:crypto';
import type { ConversationEngine, TurnResult } from '../../conversation/engine';
import { renderAsText, type InboundMessage } from '../../conversation/messages';
import type { Clock } from '../../lib/clock';
import { stripControlCharsDeep } from '../../lib/control-chars';
import type { Logger } from '../../lib/logger';
import { utf8Bytes } from '../wechaty/split-text';
import type { PassiveReplyLedger } from './passive-reply-ledger';
import { signatureMatches, wechatSignature } from './signature';
import { WechatCryptoError, type WechatCrypto } from './wechat-crypto';
import { WECHAT_OA_CHANNEL, WECHAT_OA_MAX_BYTES } from './wechat-oa-sender';
import { encryptedReplyXml, parseWechatXml, textReplyXml, WechatXmlError, type WechatXmlFields } from './wechat-xml';

export interface WebhookResponse {
  status: number;
  contentType: 'text/plain' | 'application/xml';
  body: string;
}

export type WebhookQuery = Record<string, unknown>;

export interface WechatOaWebhookOptions {
  /** The Token set in the official account's server configuration. */
  token: string;
  /** Safe mode (AES); without it only plaintext messages are accepted. */
  crypto?: WechatCrypto;
  engine: Pick<ConversationEngine, 'handle' | 'start'>;
  ledger: PassiveReplyLedger;
  /** Wakes the dispatcher that sends the 'wechat-oa' outbox rows. */
  kick: () => void;
  clock: Clock;
  logger: Logger;
  /** Longest a turn may take before the webhook answers "success" and the reply goes by the CS API. */
  replyBudgetMs: number;
  /** What the engine understands as "stop reminders" (a `commands.stop` synonym). */
  stopText: string;
  /** Requests whose timestamp is further than this from now are refused (replays). */
  maxAgeSeconds?: number;
}

const SUCCESS: WebhookResponse = { status: 200, contentType: 'text/plain', body: 'success' };
const UNAUTHORIZED: WebhookResponse = { status: 401, contentType: 'text/plain', body: 'invalid signature' };
const STALE: WebhookResponse = { status: 401, contentType: 'text/plain', body: 'stale timestamp' };
/** WeChat retries a message three times within about 15 seconds; the answer is remembered a little longer. */
const ANSWER_TTL_MS = 60_000;

/** What one push asks of the engine. */
type Work =
  | { kind: 'message'; text: string; messageId: string; nonText?: boolean }
  | { kind: 'subscribe' }
  | { kind: 'unsubscribe'; messageId: string }
  | { kind: 'ignore' };

/** The plaintext XML answer (null = "success") for a message, remembered for WeChat's retries. */
type Answer = { xml: string | null };

const first = (v: unknown): string | undefined => (Array.isArray(v) ? first(v[0]) : typeof v === 'string' ? v : undefined);

/**
 * The WeChat official-account webhook, without HTTP: verifies signatures (plain and safe mode), decrypts,
 * turns pushes into engine calls, and answers within WeChat's 5 seconds: passively in XML when the turn is
 * done within the budget, otherwise "success" while the replies go out later through the customer-service
 * API (the outbox). A retried message gets the same answer and is processed once.
 */
export class WechatOaWebhook {
  private readonly answers = new Map<string, { answer: Promise<Answer>; until: number }>();
  /** Plaintext mode: (timestamp, nonce) pairs seen within the timestamp window; a reused one is a replay. */
  private readonly nonces = new Map<string, number>();
  private readonly log: Logger;

  constructor(private readonly opts: WechatOaWebhookOptions) {
    this.log = opts.logger.child({ channel: WECHAT_OA_CHANNEL });
  }

  /** GET: WeChat's server verification. Echoes `echostr` when the signature is right. */
  verify(query: WebhookQuery): WebhookResponse {
    const bad = this.checkSignature(query);
    if (bad) return bad;
    return { status: 200, contentType: 'text/plain', body: first(query.echostr) ?? '' };
  }

  /** POST: one pushed message or event. */
  async receive(query: WebhookQuery, body: string): Promise<WebhookResponse> {
    const bad = this.checkSignature(query);
    if (bad) return bad;
    const timestamp = first(query.timestamp)!;
    const nonce = first(query.nonce)!;

    let outer: WechatXmlFields;
    try {
      outer = parseWechatXml(body);
    } catch (e) {
      if (e instanceof WechatXmlError) return { status: 400, contentType: 'text/plain', body: 'bad xml' };
      throw e;
    }
    let fields = outer;
    const encrypted = first(query.encrypt_type) === 'aes' || outer.Encrypt !== undefined;
    // In plaintext mode the signature does not cover the body: a captured query string must not be reusable.
    if (!encrypted && !this.firstUseOfNonce(timestamp, nonce)) {
      this.log.warn('official-account request with a reused nonce refused');
      return UNAUTHORIZED;
    }
    if (encrypted) {
      const { crypto } = this.opts;
      const cipherText = outer.Encrypt;
      if (!crypto || !cipherText) return { status: 400, contentType: 'text/plain', body: 'encrypted message not expected' };
      if (!signatureMatches(first(query.msg_signature), wechatSignature(this.opts.token, timestamp, nonce, cipherText))) return UNAUTHORIZED;
      try {
        fields = parseWechatXml(crypto.decrypt(cipherText));
      } catch (e) {
        if (e instanceof WechatCryptoError || e instanceof WechatXmlError) {
          this.log.warn({ err: e.message }, 'encrypted message could not be read');
          return UNAUTHORIZED;
        }
        throw e;
      }
    }

    // NUL and other control characters never reach the engine or the database (WeChat would retry a 500 forever).
    fields = stripControlCharsDeep(fields);
    const openId = fields.FromUserName;
    if (!openId) return { status: 400, contentType: 'text/plain', body: 'no FromUserName' };
    const work = this.workFor(fields);
    if (work.kind === 'ignore') return SUCCESS;

    const key = `${openId}\u0000${work.kind === 'subscribe' ? `subscribe:${fields.CreateTime ?? ''}` : work.messageId}`;
    let entry = this.answers.get(key);
    if (!entry || entry.until < Date.now()) {
      const answer = this.process(openId, fields, work);
      entry = { answer, until: Date.now() + ANSWER_TTL_MS };
      this.answers.set(key, entry);
      this.pruneAnswers();
      // A failed turn is not remembered: WeChat's retry runs it again.
      answer.catch(() => this.answers.delete(key));
    }
    let answer: Answer;
    try {
      answer = await entry.answer;
    } catch (err) {
      this.log.error({ err }, 'official-account message not handled');
      return { status: 500, contentType: 'text/plain', body: 'temporarily unavailable' };
    }
    if (answer.xml === null) return SUCCESS;
    if (!encrypted || !this.opts.crypto) return { status: 200, contentType: 'application/xml', body: answer.xml };
    const replyTimestamp = String(Math.floor(this.opts.clock.now().getTime() / 1000));
    const replyNonce = randomBytes(8).toString('hex');
    const cipher = this.opts.crypto.encrypt(answer.xml);
    return {
      status: 200,
      contentType: 'application/xml',
      body: encryptedReplyXml({ encrypt: cipher, signature: wechatSignature(this.opts.token, replyTimestamp, replyNonce, cipher), timestamp: replyTimestamp, nonce: replyNonce }),
    };
  }

  private firstUseOfNonce(timestamp: string, nonce: string): boolean {
    const now = Date.now();
    const key = `${timestamp}:${nonce}`;
    if ((this.nonces.get(key) ?? 0) > now) return false;
    if (this.nonces.size > 10_000) for (const [k, until] of this.nonces) if (until <= now) this.nonces.delete(k);
    // Remembered for twice the window: a timestamp is accepted up to maxAgeSeconds either side of now.
    this.nonces.set(key, now + 2 * (this.opts.maxAgeSeconds ?? 300) * 1000);
    return true;
  }

  /** 401 when the signature is wrong or the timestamp is not within maxAgeSeconds of now. */
  private checkSignature(query: WebhookQuery): WebhookResponse | null {
    const signature = first(query.signature);
    const timestamp = first(query.timestamp);
    const nonce = first(query.nonce);
    if (!signature || !timestamp || !nonce) return UNAUTHORIZED;
    if (!signatureMatches(signature, wechatSignature(this.opts.token, timestamp, nonce))) return UNAUTHORIZED;
    const ts = Number(timestamp);
    const nowSec = this.opts.clock.now().getTime() / 1000;
    if (!/^\d{1,12}$/.test(timestamp) || Math.abs(nowSec - ts) > (this.opts.maxAgeSeconds ?? 300)) return STALE;
    return null;
  }

  private workFor(f: WechatXmlFields): Work {
    const createTime = f.CreateTime ?? '';
    switch (f.MsgType) {
      case 'text':
        return { kind: 'message', text: f.Content ?? '', messageId: f.MsgId ?? `t:${createTime}` };
      case 'voice':
        // With speech recognition switched on, WeChat sends the words; otherwise "please type".
        return { kind: 'message', text: f.Recognition ?? '', messageId: f.MsgId ?? `v:${createTime}`, nonText: true };
      case 'image':
      case 'video':
      case 'shortvideo':
      case 'location':
      case 'link':
        return { kind: 'message', text: '', messageId: f.MsgId ?? `m:${createTime}`, nonText: true };
      case 'event': {
        const event = (f.Event ?? '').toLowerCase();
        if (event === 'subscribe') return { kind: 'subscribe' };
        if (event === 'unsubscribe') return { kind: 'unsubscribe', messageId: `unsubscribe:${createTime}` };
        // A menu button whose key is a word the bot understands ("菜单", "人工", …).
        if (event === 'click' && f.EventKey) return { kind: 'message', text: f.EventKey, messageId: `click:${createTime}:${f.EventKey}` };
        return { kind: 'ignore' };
      }
      default:
        return { kind: 'ignore' };
    }
  }

  private async process(openId: string, f: WechatXmlFields, work: Exclude<Work, { kind: 'ignore' }>): Promise<Answer> {
    const startedAt = Date.now();
    const decision = this.opts.ledger.begin(openId);
    try {
      const receivedAt = /^\d+$/.test(f.CreateTime ?? '') ? new Date(Number(f.CreateTime) * 1000) : this.opts.clock.now();
      let turn: Promise<TurnResult>;
      if (work.kind === 'subscribe') {
        turn = this.opts.engine.start(WECHAT_OA_CHANNEL, openId);
      } else {
        const msg: InboundMessage = {
          channel: WECHAT_OA_CHANNEL,
          endpoint: openId,
          messageId: work.messageId,
          text: work.kind === 'unsubscribe' ? this.opts.stopText : work.text,
          receivedAt,
          ...(work.kind === 'message' && work.nonText ? { nonText: true } : {}),
        };
        turn = this.opts.engine.handle(msg);
      }

      if (work.kind === 'unsubscribe') {
        // The user has left: nothing can reach them; the opt-out is recorded by the engine's stop command.
        const result = await turn;
        decision.settle('suppressed', result.replies.map((r) => r.id));
        this.log.info({ openId }, 'unsubscribed; reminders switched off');
        return { xml: null };
      }

      let timer: NodeJS.Timeout | undefined;
      const budget = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), this.opts.replyBudgetMs)));
      const winner = await Promise.race([turn, budget]);
      clearTimeout(timer);
      // A turn that finished after the budget counts as late too (an in-process database can finish a turn
      // without yielding to timers); its replies are in the outbox either way.
      if (winner === 'late' || Date.now() - startedAt > this.opts.replyBudgetMs) {
        decision.settle(null, []);
        this.log.info({ openId, budgetMs: this.opts.replyBudgetMs }, 'turn slower than the reply budget; answering through the customer-service API');
        turn.then(
          () => this.opts.kick(),
          (err: unknown) => this.log.error({ err }, 'late official-account turn failed'),
        );
        return { xml: null };
      }

      const result = winner;
      if (result.duplicate) {
        // Answered before (by another request or process): repeat it only if it was answered passively.
        const ids = result.replies.map((r) => r.id).filter((id): id is string => !!id);
        const passive = ids.length > 0 && ids.every((id) => this.opts.ledger.peek(id) === 'passive');
        decision.settle(null, []);
        return { xml: passive ? this.passiveXml(openId, f, result) : null };
      }
      const xml = result.replies.length ? this.passiveXml(openId, f, result) : null;
      if (xml === null) {
        decision.settle(null, []);
        return { xml: null };
      }
      decision.settle('passive', result.replies.map((r) => r.id));
      return { xml };
    } finally {
      decision.settle(null, []);
      this.opts.kick();
    }
  }

  /** One passive text reply with every reply of the turn, or null when it does not fit WeChat's limit. */
  private passiveXml(openId: string, f: WechatXmlFields, result: TurnResult): string | null {
    const content = result.replies.map(renderAsText).join('\n\n');
    if (!content.trim() || utf8Bytes(content) > WECHAT_OA_MAX_BYTES) return null;
    return textReplyXml({ toUser: openId, fromUser: f.ToUserName ?? '', createTime: Math.floor(this.opts.clock.now().getTime() / 1000), content });
  }

  private pruneAnswers(): void {
    if (this.answers.size < 1_000) return;
    const now = Date.now();
    for (const [k, v] of this.answers) if (v.until < now) this.answers.delete(k);
  }
}
