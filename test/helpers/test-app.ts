import { Writable } from 'node:stream';
import { loadConfig, type Config } from '../../src/app/config';
import { createContainer, type Container, type ContainerOptions } from '../../src/app/container';
import type { OpenDatabase } from '../../src/db/open-database';
import { fixedClock } from '../../src/lib/clock';
import { createLogger } from '../../src/lib/logger';
import { createTestDatabase } from './test-database';

/** Captures every log line (to assert that none carries a full ID number or phone). */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: string, cb: () => void) {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    cb();
  }
}

export interface TestApp extends Container {
  logs: LogCapture;
  clock: ReturnType<typeof fixedClock>;
  close(): Promise<void>;
}

/** A full container (engine, dispatcher, chat API) on its own fresh database, with a fixed clock. */
export async function createTestApp(
  env: Record<string, string> = {},
  opts: Partial<ContainerOptions> & { db?: OpenDatabase; start?: string } = {},
): Promise<TestApp> {
  const db = opts.db ?? (await createTestDatabase());
  const config: Config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'debug', CHAT_RATE_LIMIT_PER_MINUTE: '1000', ...env });
  const logs = new LogCapture();
  const clock = fixedClock(opts.start ?? '2026-11-29T02:00:00.000Z');
  const c = createContainer({ config, db, logger: createLogger({ level: 'debug', destination: logs }), clock, ...opts });
  return {
    ...c,
    logs,
    clock,
    async close() {
      await c.stop();
      if (!opts.db) await db.close();
    },
  };
}
