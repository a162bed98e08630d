import { renderAsText, type ChannelSender, type OutboundMessage } from '../../conversation/messages';
import type { SendPacer } from './pacing';
import { SendOrder } from './send-order';
import { splitText } from './split-text';

export const WECHATY_CHANNEL = 'wechaty';
/** WeChat shows long texts badly on a small phone; keep each message at most this many characters. */
export const WECHATY_MAX_CHARS = 1000;

/** The part of a Wechaty bot the sender needs (a Wechaty instance satisfies it). */
export interface WechatyTextSink {
  readonly isLoggedIn: boolean;
  readonly puppet: { messageSendText(conversationId: string, text: string): Promise<unknown> };
}

export interface WechatySenderOptions {
  pacer: SendPacer;
  maxChars?: number;
  /** How long a send waits for the account to be logged in before it fails (and the outbox retries). */
  loginWaitMs?: number;
}

/**
 * The Wechaty channel's sender for the outbox dispatcher: renders choices as a numbered list, splits long
 * texts at line breaks, paces every piece, and sends through the logged-in bot's puppet. A puppet failure
 * throws, so the dispatcher records it and retries with backoff; nothing is marked sent that WeChat did not
 * accept. A split message that failed half-way resumes after the last piece that went out.
 */
export class WechatySender implements ChannelSender {
  readonly channel = WECHATY_CHANNEL;
  private bot: WechatyTextSink | undefined;
  private readonly order = new SendOrder();
  private loginWaiters: (() => void)[] = [];
  private closed = false;

  constructor(private readonly opts: WechatySenderOptions) {}

  /** The bot that sends from now on (the plugin attaches its bot; a restarted runner attaches the new one). */
  attach(bot: WechatyTextSink): void {
    this.bot = bot;
    this.loggedIn();
  }

  detach(bot: WechatyTextSink): void {
    if (this.bot === bot) this.bot = undefined;
  }

  /** Wakes sends that wait for a login. */
  loggedIn(): void {
    for (const w of [...this.loginWaiters]) w();
  }

  /** Stops for good: sends waiting for a login or for the pacer fail (the outbox keeps their rows). */
  close(): void {
    this.closed = true;
    this.opts.pacer.stop();
    this.loggedIn();
  }

  async send(endpoint: string, message: OutboundMessage): Promise<void> {
    this.order.check(endpoint, message.id);
    const pieces = splitText(renderAsText(message), this.opts.maxChars ?? WECHATY_MAX_CHARS).filter((p) => p.trim());
    try {
      for (let i = this.order.piecesSent(message.id); i < pieces.length; i++) {
        await this.opts.pacer.acquire(endpoint);
        const bot = await this.loggedInBot();
        await bot.puppet.messageSendText(endpoint, pieces[i]!);
        this.order.notePieceSent(message.id, i + 1);
      }
    } catch (err) {
      this.order.failed(endpoint, message.id);
      throw err;
    }
    this.order.done(endpoint, message.id);
  }

  /** Sends a text outside the outbox (the pointer in a group chat), paced like every other message. */
  async sendDirect(conversationId: string, text: string): Promise<void> {
    await this.opts.pacer.acquire(conversationId);
    const bot = await this.loggedInBot();
    await bot.puppet.messageSendText(conversationId, text);
  }

  private async loggedInBot(): Promise<WechatyTextSink> {
    const deadline = Date.now() + (this.opts.loginWaitMs ?? 30_000);
    for (;;) {
      if (this.closed) throw new Error('Wechaty channel stopped');
      const bot = this.bot;
      if (bot?.isLoggedIn) return bot;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('WeChat account is not logged in');
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(t);
          this.loginWaiters = this.loginWaiters.filter((w) => w !== done);
          resolve();
        };
        const t = setTimeout(done, Math.min(left, 1000));
        this.loginWaiters.push(done);
      });
    }
  }
}
