import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/**
 * PGlite has no cross-process locking: two processes that open one data folder silently lose writes.
 * The first process takes `canbao.lock` in the folder and becomes the owner; it serves the database on a
 * Unix socket in the same folder (embedded-socket-server.ts: one client transaction at a time, never sharing
 * PGlite's session with the owner's transactions). Any other process finds a live owner and connects through
 * that socket with the ordinary pg driver. A lock whose PID is dead is taken over.
 */

export const LOCK_FILE = 'canbao.lock';
/** pg connects to `${host}/.s.PGSQL.${port}` when host is a directory. */
export const SOCKET_PORT = 5432;
export const socketPath = (dataDir: string) => path.join(dataDir, `.s.PGSQL.${SOCKET_PORT}`);

export interface LockInfo {
  pid: number;
  startedAt: string;
  command: string;
}

export type OwnerDecision = { role: 'owner'; release: () => void } | { role: 'client'; owner: LockInfo };

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(file: string): LockInfo | null {
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LockInfo>;
    return typeof parsed.pid === 'number'
      ? { pid: parsed.pid, startedAt: String(parsed.startedAt ?? ''), command: String(parsed.command ?? '') }
      : null;
  } catch {
    return null;
  }
}

/** Takes the folder's lock, or reports the live owner. Stale locks (dead PID, unreadable file) are taken over. */
export function acquireOwnership(dataDir: string, command: string): OwnerDecision {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx');
      const info: LockInfo = { pid: process.pid, startedAt: new Date().toISOString(), command };
      fs.writeSync(fd, JSON.stringify(info));
      fs.closeSync(fd);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        const current = readLock(file);
        if (current?.pid === process.pid) fs.rmSync(file, { force: true });
      };
      process.once('exit', release);
      return { role: 'owner', release };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = readLock(file);
      if (owner && owner.pid !== process.pid && isAlive(owner.pid)) return { role: 'client', owner };
      // Stale: the owner died without cleaning up. Take it over.
      fs.rmSync(file, { force: true });
      fs.rmSync(socketPath(dataDir), { force: true });
    }
  }
  throw new Error(`Could not take the database lock ${file}`);
}

/** Resolves true when the owner's socket accepts a connection. */
export function socketAnswers(dataDir: string, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect(socketPath(dataDir));
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}
