import cluster, { type Worker } from 'node:cluster';
import os from 'node:os';
import type { WebChatHub } from '../channels/web/web-chat-hub';
import type { DatabaseTarget } from '../db/database-target';
import type { Logger } from '../lib/logger';

/**
 * Several server processes on one port (issue 11, WORKERS): node:cluster forks them and shares the listening
 * socket. Each worker has its own database pool; per-conversation order holds across them through the
 * conversation row lock every turn takes first. The background loops (timers, outbox polling, campaigns,
 * progress, the Wechaty bot) run in worker 0 only; every worker still dispatches the outbox rows its own
 * turns queued at once (rows are claimed with SKIP LOCKED). Web chat streams are woken across workers
 * through the primary.
 */
const WORKER_INDEX = 'CANBAO_WORKER_INDEX';
const WAKE = 'canbao:web-wake';

/** How many server processes: WORKERS, else the cores with PostgreSQL and 1 with the embedded database. */
export function workerCount(workers: number | undefined, target: DatabaseTarget): number {
  if (target.kind !== 'postgres') {
    if (workers && workers > 1) throw new Error('WORKERS > 1 needs PostgreSQL (DATABASE_URL=postgresql://…): the embedded database is one process.');
    return 1;
  }
  return workers ?? os.availableParallelism();
}

/** This process's worker index: 0 for a single process or the first worker. */
export function workerIndex(): number {
  return cluster.isWorker ? Number(process.env[WORKER_INDEX] ?? 0) : 0;
}

interface WakeMessage {
  type: typeof WAKE;
  sessionId: string;
}
const isWake = (m: unknown): m is WakeMessage => typeof m === 'object' && m !== null && (m as WakeMessage).type === WAKE;

/** In a worker: web chat wake-ups go to the other workers, and theirs come here. */
export function joinWorkers(hub: WebChatHub, onPrimaryGone: () => void): void {
  if (!cluster.isWorker) return;
  hub.relay = (sessionId) => process.send?.({ type: WAKE, sessionId } satisfies WakeMessage);
  process.on('message', (m: unknown) => {
    if (isWake(m)) hub.wake(m.sessionId, true);
  });
  // The primary is gone (killed): this worker stops too rather than serve on alone.
  process.on('disconnect', onPrimaryGone);
}

/**
 * The primary: forks `n` workers (each knows its index), forks a worker again when one dies, relays web chat
 * wake-ups, and on SIGINT/SIGTERM stops the workers and exits when they have.
 */
export function runPrimary(n: number, logger: Logger): void {
  const byIndex = new Map<number, Worker>();
  let stopping = false;
  const fork = (index: number) => {
    const w = cluster.fork({ [WORKER_INDEX]: String(index) });
    byIndex.set(index, w);
    w.on('message', (m: unknown) => {
      if (!isWake(m)) return;
      for (const other of byIndex.values()) if (other !== w && other.isConnected()) other.send(m);
    });
    w.on('exit', (code, signal) => {
      if (byIndex.get(index) === w) byIndex.delete(index);
      if (stopping) {
        if (!byIndex.size) process.exit(0);
        return;
      }
      logger.error({ worker: index, code, signal }, 'server worker exited; starting it again');
      setTimeout(() => fork(index), 1000);
    });
  };
  for (let i = 0; i < n; i++) fork(i);
  logger.info({ workers: n }, 'server workers started');
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping server workers');
    for (const w of byIndex.values()) w.process.kill(signal);
    if (!byIndex.size) process.exit(0);
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}
