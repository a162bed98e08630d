/** How the webhook disposed of a reply the engine queued in the outbox. */
export type ReplyOutcome = 'passive' | 'suppressed';

export interface TurnDecision {
  /** The turn's replies went out in the HTTP answer ('passive'), or must not be sent ('suppressed'). */
  settle(outcome: ReplyOutcome | null, replyIds: (string | undefined)[]): void;
}

/**
 * Tells the official account's sender which outbox rows the webhook already answered in its passive XML
 * reply (or must not send at all, e.g. to a user who just unsubscribed).
 *
 * The engine commits a turn's replies to the outbox before the webhook knows whether it can still answer
 * within WeChat's 5 seconds, and the dispatcher may pick them up at once. So the webhook opens a decision per
 * endpoint before the turn (`begin`), and the sender waits (bounded) for the open decisions of that endpoint
 * before it looks up a message id. Outcomes are kept in memory for `ttlMs`.
 *
 * Chosen over "the router marks rows sent" because channels do not touch the database. Limitation: with
 * several processes behind one official account, the process that answered passively must also be the one
 * that dispatches the row (run the webhook and its dispatcher together; see README).
 */
export class PassiveReplyLedger {
  private readonly open = new Map<string, Set<Promise<void>>>();
  private readonly outcomes = new Map<string, { outcome: ReplyOutcome; until: number }>();

  constructor(
    private readonly ttlMs = 3600_000,
    private readonly now: () => number = Date.now,
  ) {}

  begin(endpoint: string): TurnDecision {
    let release!: () => void;
    const p = new Promise<void>((resolve) => (release = resolve));
    let set = this.open.get(endpoint);
    if (!set) this.open.set(endpoint, (set = new Set()));
    set.add(p);
    let settled = false;
    return {
      settle: (outcome, replyIds) => {
        if (settled) return;
        settled = true;
        if (outcome) for (const id of replyIds) if (id) this.outcomes.set(id, { outcome, until: this.now() + this.ttlMs });
        this.prune();
        set.delete(p);
        if (!set.size) this.open.delete(endpoint);
        release();
      },
    };
  }

  /** Waits (at most maxWaitMs) for the open decisions of the endpoint, then tells what became of message id. */
  async outcomeFor(endpoint: string, id: string | undefined, maxWaitMs: number): Promise<ReplyOutcome | undefined> {
    const pending = this.open.get(endpoint);
    if (pending?.size) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.all([...pending]), new Promise<void>((r) => (timer = setTimeout(r, maxWaitMs)))]);
      clearTimeout(timer);
    }
    return id ? this.peek(id) : undefined;
  }

  peek(id: string): ReplyOutcome | undefined {
    const o = this.outcomes.get(id);
    if (!o) return undefined;
    if (o.until < this.now()) {
      this.outcomes.delete(id);
      return undefined;
    }
    return o.outcome;
  }

  private prune(): void {
    if (this.outcomes.size < 5_000) return;
    const now = this.now();
    for (const [k, v] of this.outcomes) if (v.until < now) this.outcomes.delete(k);
  }
}
