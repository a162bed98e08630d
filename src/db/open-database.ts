import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import type * as PGliteModule from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import type * as PGliteAdapterModule from 'pglite-prisma-adapter';
import { PrismaClient } from '../generated/prisma/client';
import { type DatabaseTarget, describeTarget } from './database-target';
import { acquireOwnership, socketAnswers, socketPath, SOCKET_PORT } from './embedded-owner';
import { EmbeddedSocketServer } from './embedded-socket-server';
import { applyMigrations, readMigrations } from './schema-engine';

export type Db = PrismaClient;

export interface OpenDatabase {
  prisma: PrismaClient;
  adapterFactory: SqlMigrationAwareDriverAdapterFactory;
  target: DatabaseTarget;
  /** 'owner' for the process that holds an embedded database, 'client' when going through its owner. */
  role: 'server' | 'owner' | 'client' | 'memory';
  description: string;
  /** Connections the client may hold at once (1 for the embedded database, which runs one statement at a time). */
  poolSize: number;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Apply pending migrations after connecting (the server does; CLI tools do too). */
  migrate?: boolean;
  /** Name recorded in the embedded lock file. */
  command?: string;
  /** Max pool size for PostgreSQL. */
  poolSize?: number;
}

async function openPglite(dataDir: string | null) {
  // Loaded only for the embedded database (issue 11: PGlite is some 40 MB of RSS in a PostgreSQL server process).
  const { PGlite } = (await import('@electric-sql/pglite')) as unknown as typeof PGliteModule;
  const { PrismaPGlite } = (await import('pglite-prisma-adapter')) as unknown as typeof PGliteAdapterModule;
  const pg = dataDir ? await PGlite.create({ dataDir }) : await PGlite.create();
  return { pg, factory: new PrismaPGlite(pg) as unknown as SqlMigrationAwareDriverAdapterFactory };
}

/** Opens the registry database named by the target; see docs/toolchain.md "The embedded database". */
export async function openDatabase(target: DatabaseTarget, opts: OpenOptions = {}): Promise<OpenDatabase> {
  const closers: (() => Promise<void> | void)[] = [];
  let adapterFactory: SqlMigrationAwareDriverAdapterFactory;
  let role: OpenDatabase['role'];
  let poolSize = 1;

  if (target.kind === 'postgres') {
    poolSize = opts.poolSize ?? 10;
    adapterFactory = new PrismaPg({ connectionString: target.url, max: poolSize });
    role = 'server';
  } else if (target.kind === 'pglite-memory') {
    const { pg, factory } = await openPglite(null);
    closers.push(() => pg.close());
    adapterFactory = factory;
    role = 'memory';
  } else {
    const decision = acquireOwnership(target.dataDir, opts.command ?? process.argv.slice(1).join(' '));
    if (decision.role === 'owner') {
      const { pg, factory } = await openPglite(target.dataDir);
      const server = new EmbeddedSocketServer({ db: pg, path: socketPath(target.dataDir), maxConnections: 32 });
      await server.start();
      closers.push(async () => {
        await server.stop();
        await pg.close();
        decision.release();
      });
      adapterFactory = factory;
      role = 'owner';
    } else {
      if (!(await socketAnswers(target.dataDir))) {
        throw new Error(
          `The embedded database in ${target.dataDir} is held by process ${decision.owner.pid} ` +
            `(${decision.owner.command}), which does not answer on its socket. Stop that process, or if it is ` +
            `not Canbao, delete ${target.dataDir}/canbao.lock.`,
        );
      }
      adapterFactory = new PrismaPg({ host: target.dataDir, port: SOCKET_PORT, user: 'postgres', database: 'template1', max: 1 });
      role = 'client';
    }
  }

  const prisma = new PrismaClient({ adapter: adapterFactory });
  if (opts.migrate && (await pendingMigrations(prisma)).length > 0) await applyMigrations(adapterFactory);
  return {
    prisma,
    adapterFactory,
    target,
    role,
    description: describeTarget(target) + (role === 'client' ? ' (through its owner process)' : ''),
    poolSize,
    async close() {
      await prisma.$disconnect();
      for (const c of closers.reverse()) await c();
    },
  };
}

/**
 * Names of migrations in prisma/migrations not yet recorded as finished in `_prisma_migrations`. Starting the
 * WASM schema engine costs a second or two, so commands skip it when nothing is pending.
 */
export async function pendingMigrations(prisma: PrismaClient): Promise<string[]> {
  const wanted = readMigrations().migrationDirectories.map((d) => d.path);
  let done: Set<string>;
  try {
    const rows = await prisma.$queryRawUnsafe<{ migration_name: string }[]>(
      'SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
    );
    done = new Set(rows.map((r) => r.migration_name));
  } catch {
    return wanted;
  }
  return wanted.filter((name) => !done.has(name));
}
