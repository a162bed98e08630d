import { EventEmitter } from 'node:events';

/** What the live handoff queue hears about (server-sent events of GET /api/handoffs/events). */
export interface HandoffSignal {
  type: 'handoff.created' | 'handoff.message' | 'handoff.updated';
  handoffId: string;
  conversationId: string;
  regionCode: string | null;
  at: string;
  /** handoff.message: the resident's message (redacted) or the agent's reply. */
  message?: { id: string; direction: 'in' | 'out'; author: 'resident' | 'bot' | 'staff'; text: string };
  status?: string;
  /** handoff.updated to CLOSED: how it ended (WITHDRAWN: the resident no longer wants a person). */
  outcome?: string;
}

/**
 * In-process publish/subscribe of handoff signals, published after the commit that caused them. Several server
 * processes each have their own bus: an agent sees the signals of the process serving their stream (the queue
 * page also reloads the list every 30 s).
 */
export class HandoffBus {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  publish(s: HandoffSignal): void {
    this.emitter.emit('signal', s);
  }

  subscribe(fn: (s: HandoffSignal) => void): () => void {
    this.emitter.on('signal', fn);
    return () => this.emitter.off('signal', fn);
  }
}
