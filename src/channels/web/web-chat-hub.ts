import type { ChannelSender } from '../../conversation/messages';

type Listener = () => void;

/**
 * Live web chat streams: each server-sent-events stream reads the session's transcript after its cursor when
 * woken (issue 11: web replies have no outbox row; the transcript is the record). A turn that committed in
 * this process wakes the session's streams; notifications and agent replies still come through the outbox
 * (this is their sender) and wake them too. With several server processes, `relay` passes the wake-up on to
 * the other processes.
 */
export class WebChatHub implements ChannelSender {
  readonly channel = 'web';
  private readonly listeners = new Map<string, Set<Listener>>();
  /** Set in a cluster worker: tells the other processes that a session's transcript grew. */
  relay: ((sessionId: string) => void) | undefined;

  subscribe(sessionId: string, fn: Listener): () => void {
    let set = this.listeners.get(sessionId);
    if (!set) this.listeners.set(sessionId, (set = new Set()));
    set.add(fn);
    return () => {
      set.delete(fn);
      if (!set.size) this.listeners.delete(sessionId);
    };
  }

  /** The session's transcript grew; `fromPeer`: the news came from another process (not relayed again). */
  wake(sessionId: string, fromPeer = false): void {
    for (const fn of this.listeners.get(sessionId) ?? []) fn();
    if (!fromPeer) this.relay?.(sessionId);
  }

  /** The outbox's web rows (notifications, agent replies): already in the transcript, so a wake-up is all. */
  async send(endpoint: string): Promise<void> {
    this.wake(endpoint);
  }

  listenerCount(sessionId: string): number {
    return this.listeners.get(sessionId)?.size ?? 0;
  }
}
