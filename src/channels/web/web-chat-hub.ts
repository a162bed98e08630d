import type { ChannelSender, OutboundMessage } from '../../conversation/messages';

type Listener = (m: OutboundMessage) => void;

/**
 * The web chat channel's sender: messages from the outbox are pushed to the browsers listening on the
 * session's server-sent-events stream. A session with nobody listening still has them in its transcript.
 */
export class WebChatHub implements ChannelSender {
  readonly channel = 'web';
  private readonly listeners = new Map<string, Set<Listener>>();

  subscribe(sessionId: string, fn: Listener): () => void {
    let set = this.listeners.get(sessionId);
    if (!set) this.listeners.set(sessionId, (set = new Set()));
    set.add(fn);
    return () => {
      set.delete(fn);
      if (!set.size) this.listeners.delete(sessionId);
    };
  }

  async send(endpoint: string, message: OutboundMessage): Promise<void> {
    for (const fn of this.listeners.get(endpoint) ?? []) fn(message);
  }

  listenerCount(sessionId: string): number {
    return this.listeners.get(sessionId)?.size ?? 0;
  }
}
