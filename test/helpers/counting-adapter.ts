import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory, SqlQuery, Transaction } from '@prisma/driver-adapter-utils';
import { PrismaClient } from '../../src/generated/prisma/client';
import type { OpenDatabase } from '../../src/db/open-database';

/** Every statement a PrismaClient sends to the database (BEGIN/COMMIT included), for round-trip counts. */
export class StatementLog {
  readonly sql: string[] = [];
  mark(): number {
    return this.sql.length;
  }
  end(word: string): void {
    if (this.sql.at(-1)?.trim().toUpperCase() !== word) this.sql.push(word);
  }
  since(mark: number): string[] {
    return this.sql.slice(mark);
  }
}

function countTransaction(tx: Transaction, log: StatementLog): Transaction {
  return new Proxy(tx, {
    get(target, prop, receiver) {
      if (prop === 'queryRaw' || prop === 'executeRaw') return (q: SqlQuery) => (log.sql.push(q.sql), target[prop](q));
      // adapter-pg sends COMMIT as a statement of its own and then only releases the connection; PGlite's
      // adapter commits here: one COMMIT either way.
      if (prop === 'commit') return () => (log.end('COMMIT'), target.commit());
      if (prop === 'rollback') return () => (log.end('ROLLBACK'), target.rollback());
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

function countAdapter(adapter: SqlDriverAdapter, log: StatementLog): SqlDriverAdapter {
  return new Proxy(adapter, {
    get(target, prop, receiver) {
      if (prop === 'queryRaw' || prop === 'executeRaw') return (q: SqlQuery) => (log.sql.push(q.sql), target[prop](q));
      if (prop === 'startTransaction')
        return async (...a: Parameters<SqlDriverAdapter['startTransaction']>) => (log.sql.push('BEGIN'), countTransaction(await target.startTransaction(...a), log));
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/** The same database through a second client whose statements are logged. */
export function countingDatabase(db: OpenDatabase): { db: OpenDatabase; log: StatementLog } {
  const log = new StatementLog();
  const factory = db.adapterFactory;
  const counting: SqlMigrationAwareDriverAdapterFactory = {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => countAdapter(await factory.connect(), log),
    connectToShadowDb: () => factory.connectToShadowDb(),
  };
  const prisma = new PrismaClient({ adapter: counting });
  return { db: { ...db, prisma, close: async () => prisma.$disconnect() }, log };
}
