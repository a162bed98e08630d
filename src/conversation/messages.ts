/** The normalised message every channel delivers to the engine. No channel SDK object goes past src/channels. */
export interface InboundMessage {
  channel: string;
  /** The sender's identity on that channel (web session id, WeChat contact id, OpenID, terminal user). */
  endpoint: string;
  /** The channel's own id of the message, for de-duplication of retries. */
  messageId?: string;
  text: string;
  receivedAt: Date;
  /** A message without text (voice without recognition, image, video, …): answered "please type". */
  nonText?: boolean;
  /** The agent typing for a caller in an assisted conversation (channel "assisted"). */
  agent?: { id: string; username: string };
}

export interface OutboundOption {
  value: string;
  label: string;
}

/** A rendered reply: text plus optional choices (rendered as a numbered list on text-only channels). */
export interface OutboundMessage {
  /** Transcript sequence number (the web chat's cursor). */
  id?: string;
  text: string;
  options?: OutboundOption[];
  /** Official account only: send as this template message (campaign reminders outside the 48-hour window). */
  wechatTemplate?: { templateId: string; url: string };
}

/** A rendered reply as it is sent and returned, with its transcript id. */
export function forSending(m: OutboundMessage, id: string): OutboundMessage {
  return { ...m, id };
}

/** Text-only rendering: the text, then "1. label" lines. */
export function renderAsText(m: OutboundMessage): string {
  if (!m.options?.length) return m.text;
  return `${m.text}\n${m.options.map((o, i) => `${i + 1}. ${o.label}`).join('\n')}`;
}

/** What a channel adapter gives the engine's outbox dispatcher. */
export interface ChannelSender {
  readonly channel: string;
  /** Throws on failure; an error with `permanent: true` is recorded as UNDELIVERABLE and not retried. */
  send(endpoint: string, message: OutboundMessage): Promise<void>;
  /** When true the row's payload is emptied once sent (one-time codes). */
  readonly erasePayloadAfterSend?: boolean;
}

export class PermanentSendError extends Error {
  readonly permanent = true;
}

/** A transcript row as the message a channel sends. */
export function toOutbound(m: { seq: bigint; text: string; options: unknown }): OutboundMessage {
  const options = Array.isArray(m.options) ? (m.options as { value: string; label: string }[]) : undefined;
  return { id: m.seq.toString(), text: m.text, ...(options ? { options } : {}) };
}
