/**
 * A worker that drains a queue in batches: now and every `pollMs` after each run ends, and whenever kick() is
 * called. A run calls `batch` until it handles nothing; kicks during a run coalesce into one more round. stop()
 * ends the polling and waits for the run in progress. An error ends the run (reported to `onError`); the next
 * poll tries again. Subclasses say what a batch is.
 */
export abstract class PollingLoop {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private again = false;
  private stopped = true;

  constructor(private readonly pollMs: number) {}

  /** Handles one batch of due rows; resolves with how many it handled (0 when none was due). */
  protected abstract batch(): Promise<number>;

  /** Reports an error that ended a run. */
  protected abstract onError(err: unknown): void;

  start(): void {
    this.stopped = false;
    const loop = () => {
      if (this.stopped) return;
      void this.kick().finally(() => {
        if (!this.stopped) this.timer = setTimeout(loop, this.pollMs);
      });
    };
    loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** Handles everything due now; concurrent calls coalesce. Resolves with the number of rows handled. */
  kick(): Promise<number> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      let total = 0;
      try {
        do {
          this.again = false;
          for (let n = await this.batch(); n > 0; n = await this.batch()) total += n;
        } while (this.again);
      } catch (err) {
        this.onError(err);
      } finally {
        this.running = undefined;
      }
      return total;
    })();
    return this.running;
  }
}
