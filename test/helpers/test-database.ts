import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { parseDatabaseUrl } from '../../src/db/database-target';
import { openDatabase, type OpenDatabase } from '../../src/db/open-database';

/**
 * A fresh, migrated database for one test file: embedded PGlite in memory by default; when DATABASE_URL
 * names a PostgreSQL server, a new database on it (dropped again by close()).
 */
export async function createTestDatabase(): Promise<OpenDatabase> {
  const target = parseDatabaseUrl(process.env.DATABASE_URL);
  if (target.kind !== 'postgres') return openDatabase({ kind: 'pglite-memory' }, { migrate: true });

  const name = `canbao_t_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: target.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(target.url);
  url.pathname = `/${name}`;
  const db = await openDatabase({ kind: 'postgres', url: url.toString() }, { migrate: true, poolSize: 5 });
  const close = db.close.bind(db);
  return {
    ...db,
    async close() {
      await close();
      const a = new Client({ connectionString: target.url });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await a.end();
    },
  };
}
