import fs from 'node:fs';
import net from 'node:net';
import type { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketHandler, type PGLiteSocketHandlerOptions } from '@electric-sql/pglite-socket';

/**
 * Serves the owner's PGlite on a Unix socket so that other processes (CLI commands) can use the embedded
 * database, without ever letting two clients' transactions share PGlite's one database session.
 *
 * PGlite guards its session with two locks: the query lock (one protocol exchange at a time) and the
 * transaction lock, which every in-process `query()`/`exec()` takes per statement and `transaction()` holds
 * from BEGIN to COMMIT/ROLLBACK. The stock @electric-sql/pglite-socket server takes only the query lock, so
 * a socket client's statements could run inside an in-process transaction that was open at that moment (and
 * vanish with its rollback), and in-process statements could run inside a socket client's transaction.
 *
 * This server takes PGlite's transaction lock for a whole client exchange: from the client's first message
 * until PostgreSQL reports ReadyForQuery with transaction status 'I' (idle, outside any transaction block).
 * So an explicit BEGIN…COMMIT/ROLLBACK and an extended-protocol pipeline (Parse/Bind/Execute…Sync, an implicit
 * transaction) of one client run as one unit; in-process transactions and statements wait for it, and it
 * waits for them. A client that disconnects or stays idle inside a transaction is rolled back and the lock
 * released.
 */

export interface EmbeddedSocketServerOptions {
  db: PGlite;
  path: string;
  maxConnections?: number;
  /** A client idle this long inside a transaction is disconnected (and rolled back). Default 60 s. */
  idleInTransactionMs?: number;
}

const READY_FOR_QUERY = 0x5a; // 'Z'
const TERMINATE = 0x58; // 'X'
const SYNC = Uint8Array.from([0x53, 0, 0, 0, 4]); // 'S', length 4

function simpleQuery(sql: string): Uint8Array {
  const text = Buffer.from(`${sql}\0`, 'utf8');
  const msg = Buffer.alloc(5 + text.length);
  msg[0] = 0x51; // 'Q'
  msg.writeInt32BE(4 + text.length, 1);
  text.copy(msg, 5);
  return msg;
}

/** Reads backend messages as they stream by (in chunks of any size) and remembers the last ReadyForQuery status. */
export class ReadyForQueryScanner {
  /** 'I' idle, 'T' in a transaction block, 'E' in a failed transaction block; null until one was seen. */
  status: 'I' | 'T' | 'E' | null = null;
  private readonly header = Buffer.alloc(5);
  private headerLen = 0;
  private bodyLeft = 0;
  private statusNext = false;

  feed(chunk: Uint8Array): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.bodyLeft > 0) {
        if (this.statusNext) {
          this.status = String.fromCharCode(chunk[i]!) as 'I' | 'T' | 'E';
          this.statusNext = false;
        }
        const n = Math.min(this.bodyLeft, chunk.length - i);
        this.bodyLeft -= n;
        i += n;
        continue;
      }
      const n = Math.min(5 - this.headerLen, chunk.length - i);
      this.header.set(chunk.subarray(i, i + n), this.headerLen);
      this.headerLen += n;
      i += n;
      if (this.headerLen === 5) {
        this.headerLen = 0;
        this.bodyLeft = this.header.readInt32BE(1) - 4;
        this.statusNext = this.header[0] === READY_FOR_QUERY && this.bodyLeft > 0;
      }
    }
  }
}

/** The queue the socket handlers feed: one client at a time holds PGlite's transaction lock. */
class SessionQueue {
  private holder: { handlerId: number; release: () => void } | null = null;
  /** Messages of one client run strictly in order. */
  private readonly tails = new Map<number, Promise<unknown>>();
  private readonly closed = new Set<number>();
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: PGlite,
    private readonly idleInTransactionMs: number,
    private readonly onIdleInTransaction: (handlerId: number) => void,
  ) {}

  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
    const run = (this.tails.get(handlerId) ?? Promise.resolve()).catch(() => undefined).then(() => this.execute(handlerId, message, onData));
    this.tails.set(handlerId, run);
    return run;
  }

  private async execute(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
    if (this.closed.has(handlerId)) throw new Error('Handler disconnected');
    if (message[0] === TERMINATE) return 0; // the socket closes next; detach rolls back what is open
    if (this.holder?.handlerId !== handlerId) await this.acquire(handlerId);
    if (this.closed.has(handlerId)) {
      await this.endSession(handlerId);
      throw new Error('Handler disconnected');
    }
    clearTimeout(this.idleTimer);
    const scanner = new ReadyForQueryScanner();
    let bytes = 0;
    try {
      await this.db.runExclusive(() =>
        this.db.execProtocolRawStream(message, {
          onRawData: (data) => {
            bytes += data.length;
            scanner.feed(data);
            onData(data);
          },
        }),
      );
    } catch (err) {
      await this.endSession(handlerId);
      throw err;
    }
    if (scanner.status === 'I') this.release(handlerId);
    else this.idleTimer = setTimeout(() => this.onIdleInTransaction(handlerId), this.idleInTransactionMs).unref();
    return bytes;
  }

  /** Waits for PGlite's transaction lock: no in-process transaction or statement and no other client is running. */
  private acquire(handlerId: number): Promise<void> {
    return new Promise((acquired, failed) => {
      this.db
        ._runExclusiveTransaction(
          () =>
            new Promise<void>((release) => {
              this.holder = { handlerId, release };
              acquired();
            }),
        )
        .catch(failed);
    });
  }

  private release(handlerId: number): void {
    if (this.holder?.handlerId !== handlerId) return;
    clearTimeout(this.idleTimer);
    const { release } = this.holder;
    this.holder = null;
    release();
  }

  /** Ends what the client left open (a pipeline without Sync, a transaction block) and releases the lock. */
  private async endSession(handlerId: number): Promise<void> {
    if (this.holder?.handlerId !== handlerId) return;
    try {
      await this.db.runExclusive(async () => {
        await this.db.execProtocolRaw(SYNC);
        if (this.db.isInTransaction()) await this.db.execProtocolRaw(simpleQuery('ROLLBACK'));
      });
    } finally {
      this.release(handlerId);
    }
  }

  clearQueueForHandler(handlerId: number): void {
    this.closed.add(handlerId);
  }

  async clearTransactionIfNeeded(handlerId: number): Promise<void> {
    await this.tails.get(handlerId)?.catch(() => undefined);
    this.tails.delete(handlerId);
    await this.endSession(handlerId);
    this.closed.delete(handlerId);
  }
}

export class EmbeddedSocketServer {
  private server: net.Server | null = null;
  private readonly handlers = new Map<number, PGLiteSocketHandler>();
  private readonly queue: SessionQueue;

  constructor(private readonly opts: EmbeddedSocketServerOptions) {
    this.queue = new SessionQueue(opts.db, opts.idleInTransactionMs ?? 60_000, (id) => void this.handlers.get(id)?.detach(true));
  }

  async start(): Promise<void> {
    await this.opts.db.waitReady;
    const server = net.createServer((socket) => this.accept(socket));
    server.maxConnections = this.opts.maxConnections ?? 32;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.path, () => {
        server.off('error', reject);
        resolve();
      });
    });
    // Only the same OS user may connect (the data folder's files are that user's anyway).
    fs.chmodSync(this.opts.path, 0o600);
    this.server = server;
  }

  private accept(socket: net.Socket): void {
    const handler = new PGLiteSocketHandler({
      queryQueue: this.queue as unknown as PGLiteSocketHandlerOptions['queryQueue'],
      closeOnDetach: true,
    });
    this.handlers.set(handler.handlerId, handler);
    const forget = () => this.handlers.delete(handler.handlerId);
    handler.addEventListener('close', forget);
    handler.addEventListener('error', forget);
    void handler.attach(socket);
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    await Promise.all([...this.handlers.values()].map((h) => h.detach(true)));
    this.handlers.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
