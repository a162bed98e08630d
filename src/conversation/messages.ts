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
