import { createHook } from 'node:async_hooks';
import { createTestDatabase } from '../helpers/test-database';
import { withUnrefTimers } from '../../src/db/schema-engine';

/**
 * Runs `fn` and returns the timers the schema engine created meanwhile that are still pending and would keep the
 * process alive. Only the engine's own timers count (by their creation stack): in a shared in-band worker, other
 * suites' loops may schedule timers while `fn` runs.
 */
async function timersLeftBy(fn: () => Promise<void>): Promise<number> {
  const pending = new Map<number, { hasRef(): boolean }>();
  const hook = createHook({
    init(id, type, _trigger, resource) {
      if (type === 'Timeout' && /schema[-_]engine/.test(new Error().stack ?? '')) pending.set(id, resource as { hasRef(): boolean });
    },
    destroy(id) {
      pending.delete(id);
    },
  }).enable();
  try {
    await fn();
    // Cleared timers report their destruction asynchronously.
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    hook.disable();
  }
  return [...pending.values()].filter((t) => t.hasRef()).length;
}

describe('schema engine timers (issue 9: the test worker that had to be force-exited)', () => {
  it('gives the engine timers that do not keep the process alive', async () => {
    const imports = withUnrefTimers({ __wbg_setTimeout_abc: setTimeout, other: 1 });
    const start = imports.__wbg_setTimeout_abc as (fn: () => void, ms: number) => NodeJS.Timeout;
    let timer: NodeJS.Timeout | undefined;
    expect(await timersLeftBy(async () => void (timer = start(() => undefined, 60_000)))).toBe(0);
    expect(timer?.hasRef()).toBe(false);
    clearTimeout(timer);
    expect(imports.other).toBe(1);
  });

  it('leaves no live timer behind after migrating and closing a database', async () => {
    expect(await timersLeftBy(async () => (await createTestDatabase()).close())).toBe(0);
  });
});
