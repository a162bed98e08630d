import { FifoSemaphore } from '../../src/lib/fifo-semaphore';

/** A task that runs until released by the test. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, opened };
}

it('runs at most `limit` tasks at once and starts the rest first in, first out', async () => {
  const sem = new FifoSemaphore(2);
  const started: number[] = [];
  const gates = Array.from({ length: 6 }, gate);
  let active = 0;
  let most = 0;
  const done = gates.map((g, i) =>
    sem.run(async () => {
      started.push(i);
      most = Math.max(most, ++active);
      await g.opened;
      active--;
      return i;
    }),
  );
  await Promise.resolve();
  expect(started).toEqual([0, 1]);
  expect(sem.queued).toBe(4);
  // Finish them out of order: the waiting ones still start in the order they came.
  for (const i of [1, 0, 3, 2, 5, 4]) {
    gates[i]!.open();
    await new Promise((r) => setImmediate(r));
  }
  expect(await Promise.all(done)).toEqual([0, 1, 2, 3, 4, 5]);
  expect(started).toEqual([0, 1, 2, 3, 4, 5]);
  expect(most).toBe(2);
  expect(sem.queued).toBe(0);
});

it('frees the slot when a task fails, and the failure reaches its caller', async () => {
  const sem = new FifoSemaphore(1);
  const failing = sem.run(() => Promise.reject(new Error('boom')));
  const next = sem.run(() => Promise.resolve('after'));
  await expect(failing).rejects.toThrow('boom');
  await expect(next).resolves.toBe('after');
});

it('refuses a limit below 1', () => {
  expect(() => new FifoSemaphore(0)).toThrow(/at least 1/);
});
