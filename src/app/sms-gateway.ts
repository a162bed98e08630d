import type { Logger } from '../lib/logger';
import type { ChannelSender, OutboundMessage } from '../conversation/messages';
import { SMS_OUTBOX_CHANNEL, type SmsSender } from '../domain/verification/verification.service';
import { maskPhone } from '../domain/codes/masking';

/** Development gateway: writes the code to the log (phone masked) instead of sending an SMS. */
export class DevSmsGateway implements SmsSender {
  readonly sent: { phone: string; code: string }[] = [];
  constructor(private readonly logger: Logger) {}
  async sendCode(phone: string, code: string): Promise<void> {
    this.sent.push({ phone, code });
    this.logger.info({ to: maskPhone(phone), code }, 'development SMS gateway: verification code');
  }
}

/** Production gateway: POSTs {phone, code, template} as JSON to the provincial SMS platform. */
export class HttpSmsGateway implements SmsSender {
  constructor(
    private readonly url: string,
    private readonly token: string | undefined,
    private readonly timeoutMs = 5000,
  ) {}
  async sendCode(phone: string, code: string): Promise<void> {
    const res = await fetch(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(this.token ? { authorization: `Bearer ${this.token}` } : {}) },
      body: JSON.stringify({ phone, code, template: 'canbao-verification' }),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (!res.ok) throw new Error(`SMS gateway answered ${res.status}`);
  }
}

/** Sends the one-time codes that verification queued in the outbox (endpoint = phone, text = code). */
export class SmsOutboxSender implements ChannelSender {
  readonly channel = SMS_OUTBOX_CHANNEL;
  /** The code is erased from the outbox row once the gateway accepted it. */
  readonly erasePayloadAfterSend = true;
  constructor(private readonly gateway: SmsSender) {}
  send(phone: string, message: OutboundMessage): Promise<void> {
    return this.gateway.sendCode(phone, message.text);
  }
}
