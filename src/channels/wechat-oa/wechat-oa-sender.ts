import { PermanentSendError, renderAsText, type ChannelSender, type OutboundMessage } from '../../conversation/messages';
import { SendOrder } from '../wechaty/send-order';
import { splitText, utf8Bytes } from '../wechaty/split-text';
import type { AccessTokenCache } from './access-token';
import type { PassiveReplyLedger } from './passive-reply-ledger';
import { PERMANENT_ERRCODES, WechatApiError, type WechatApi } from './wechat-api';

export const WECHAT_OA_CHANNEL = 'wechat-oa';
/** WeChat caps a text message at 2048 bytes; stay a little under it. */
export const WECHAT_OA_MAX_BYTES = 2000;

export interface WechatOaSenderOptions {
  api: WechatApi;
  tokens: AccessTokenCache;
  ledger: PassiveReplyLedger;
  /** Longest wait for the webhook to decide whether it answers a turn passively (a little over its budget). */
  decisionWaitMs: number;
}

/**
 * The official account's sender for the outbox dispatcher: sends through the customer-service message API,
 * except replies the webhook already gave in its passive XML answer (treated as delivered) and replies to a
 * user who unsubscribed (UNDELIVERABLE). WeChat's refusals that no retry can fix, such as 45015 (outside the
 * 48-hour window), throw PermanentSendError so the row is recorded as UNDELIVERABLE, never as sent.
 */
export class WechatOaSender implements ChannelSender {
  readonly channel = WECHAT_OA_CHANNEL;
  private readonly order = new SendOrder();

  constructor(private readonly opts: WechatOaSenderOptions) {}

  async send(endpoint: string, message: OutboundMessage): Promise<void> {
    const outcome = await this.opts.ledger.outcomeFor(endpoint, message.id, this.opts.decisionWaitMs);
    if (outcome === 'passive') {
      this.order.done(endpoint, message.id);
      return;
    }
    if (outcome === 'suppressed') throw new PermanentSendError('not sent: the user unsubscribed from the official account');
    if (message.wechatTemplate) {
      await this.sendTemplate(endpoint, { ...message.wechatTemplate, text: message.text });
      return;
    }
    this.order.check(endpoint, message.id);
    const pieces = splitText(renderAsText(message), WECHAT_OA_MAX_BYTES, utf8Bytes).filter((p) => p.trim());
    try {
      for (let i = this.order.piecesSent(message.id); i < pieces.length; i++) {
        await this.opts.tokens.withToken((token) => this.opts.api.sendCustomText(token, endpoint, pieces[i]!));
        this.order.notePieceSent(message.id, i + 1);
      }
    } catch (e) {
      if (e instanceof WechatApiError && PERMANENT_ERRCODES.has(e.errcode)) {
        this.order.done(endpoint, message.id);
        throw new PermanentSendError(e.message);
      }
      this.order.failed(endpoint, message.id);
      throw e;
    }
    this.order.done(endpoint, message.id);
  }

  private async sendTemplate(openId: string, t: { templateId: string; url: string; text: string }): Promise<void> {
    const api = this.opts.api;
    if (!api.sendTemplate) throw new PermanentSendError('not sent: this WeChat API has no template messages');
    try {
      await this.opts.tokens.withToken((token) => api.sendTemplate!(token, openId, t));
    } catch (e) {
      if (e instanceof WechatApiError && PERMANENT_ERRCODES.has(e.errcode)) throw new PermanentSendError(e.message);
      throw e;
    }
  }
}
