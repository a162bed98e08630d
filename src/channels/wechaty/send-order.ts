/**
 * Keeps one endpoint's messages in order across retries. The outbox dispatcher retries a failed row later
 * but goes on with the rows behind it; on a chat that would show the resident the answer before the
 * question. While an earlier message to an endpoint waits for its retry, later ones are held back (they fail
 * with a retryable error and are retried with it). A hold lapses after `holdMs`, so a message that finally
 * fails for good never blocks the ones behind it for long.
 *
 * Also remembers how many pieces of a split message went out, so a retry resumes after the last piece the
 * channel accepted instead of repeating the whole message.
 */
export class HeldBackError extends Error {
  constructor(id: string) {
    super(`held back until earlier message ${id} is delivered`);
    this.name = 'HeldBackError';
  }
}

export class SendOrder {
  private readonly holds = new Map<string, { seq: bigint; id: string; until: number }>();
  private readonly progress = new Map<string, { pieces: number; until: number }>();

  constructor(
    private readonly holdMs = 10 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Throws HeldBackError when an earlier message to this endpoint is waiting for its retry. */
  check(endpoint: string, id: string | undefined): void {
    const hold = this.holds.get(endpoint);
    if (!hold) return;
    if (hold.until < this.now()) {
      this.holds.delete(endpoint);
      return;
    }
    const seq = toSeq(id);
    if (seq !== null && seq > hold.seq) throw new HeldBackError(hold.id);
  }

  /** A retryable failure of message `id`: hold back the later ones. */
  failed(endpoint: string, id: string | undefined): void {
    const seq = toSeq(id);
    if (seq === null || !id) return;
    const hold = this.holds.get(endpoint);
    if (!hold || seq <= hold.seq || hold.until < this.now()) this.holds.set(endpoint, { seq, id, until: this.now() + this.holdMs });
  }

  /** Message `id` is delivered (or will never be): release the hold and forget its progress. */
  done(endpoint: string, id: string | undefined): void {
    const hold = this.holds.get(endpoint);
    if (hold && id && hold.id === id) this.holds.delete(endpoint);
    if (id) this.progress.delete(id);
  }

  /** How many pieces of message `id` the channel already accepted. */
  piecesSent(id: string | undefined): number {
    if (!id) return 0;
    const p = this.progress.get(id);
    if (!p || p.until < this.now()) return 0;
    return p.pieces;
  }

  notePieceSent(id: string | undefined, pieces: number): void {
    if (!id) return;
    this.progress.set(id, { pieces, until: this.now() + 24 * 3600_000 });
    if (this.progress.size > 10_000) {
      const now = this.now();
      for (const [k, v] of this.progress) if (v.until < now) this.progress.delete(k);
    }
  }
}

function toSeq(id: string | undefined): bigint | null {
  if (!id || !/^\d{1,30}$/.test(id)) return null;
  return BigInt(id);
}
