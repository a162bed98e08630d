import { PollingLoop } from '../../src/lib/polling-loop';

/** A queue of `due` rows handled `size` at a time; a batch can be told to fail. */
class Queue extends PollingLoop {
  due = 0;
  batches = 0;
  failNext = false;
  readonly errors: string[] = [];
  constructor(private readonly size: number) {
    super(60_000);
  }
  protected async batch(): Promise<number> {
    this.batches++;
    await new Promise((resolve) => setImmediate(resolve));
    if (this.failNext) {
      this.failNext = false;
      throw new Error('gateway down');
    }
    const n = Math.min(this.size, this.due);
    this.due -= n;
    return n;
  }
  protected onError(err: unknown): void {
    this.errors.push((err as Error).message);
  }
}

describe('polling loop (shared by the outbox dispatcher and the campaign SMS outbox)', () => {
  it('drains everything due in batches, and coalesces kicks made during a run into one more round', async () => {
    const q = new Queue(2);
    q.due = 5;
    const first = q.kick();
    q.due += 3;
    const second = q.kick();
    expect(second).toBe(first);
    expect(await first).toBe(8);
    expect(q.due).toBe(0);
    expect(await q.kick()).toBe(0);
  });

  it('reports an error, ends that run, and handles the rest on the next kick', async () => {
    const q = new Queue(10);
    q.due = 4;
    q.failNext = true;
    expect(await q.kick()).toBe(0);
    expect(q.errors).toEqual(['gateway down']);
    expect(await q.kick()).toBe(4);
  });

  it('runs once on start and stops: stop() waits for the run in progress and no poll follows', async () => {
    const q = new Queue(1);
    q.due = 3;
    q.start();
    await q.stop();
    expect(q.due).toBe(0);
    const batches = q.batches;
    await new Promise((resolve) => setImmediate(resolve));
    expect(q.batches).toBe(batches);
  });
});
