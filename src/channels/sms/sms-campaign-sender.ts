import { PermanentSendError, type ChannelSender, type OutboundMessage } from '../../conversation/messages';

export const SMS_CHANNEL = 'sms';

/** The gateway's view of a campaign SMS: POSTed as JSON {phone, template, text}. */
export type SmsPost = (body: { phone: string; template: string; text: string }) => Promise<{ status: number; body: string }>;

/**
 * Campaign SMS for the outbox dispatcher: POSTs {phone, template: "campaign", text} to the configured gateway
 * (SMS_GATEWAY=http, SMS_HTTP_URL). A 4xx answer is permanent (UNDELIVERABLE); anything else is retried.
 */
export class SmsCampaignSender implements ChannelSender {
  readonly channel = SMS_CHANNEL;
  constructor(private readonly post: SmsPost) {}

  async send(endpoint: string, message: OutboundMessage): Promise<void> {
    const r = await this.post({ phone: endpoint, template: 'campaign', text: message.text });
    if (r.status >= 200 && r.status < 300) return;
    const err = `SMS gateway answered ${r.status}: ${r.body.slice(0, 200)}`;
    if (r.status >= 400 && r.status < 500) throw new PermanentSendError(err);
    throw new Error(err);
  }
}

/** An SmsPost over fetch to the gateway URL (bearer token when configured). */
export function httpSmsPost(url: string, token?: string): SmsPost {
  return async (body) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    return { status: res.status, body: await res.text() };
  };
}
