import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { parseDatabaseUrl, type DatabaseTarget } from '../../src/db/database-target';
import { openDatabase, type OpenDatabase } from '../../src/db/open-database';

/**
 * A fresh database for tests that start other processes (CLI, server) on it: a PGlite folder by default, or
 * a new database on the PostgreSQL server when DATABASE_URL names one. `url` is what the child gets as
 * DATABASE_URL; drop() removes it.
 */
export interface FreshDatabase {
  url: string;
  target: DatabaseTarget;
  open(command: string): Promise<OpenDatabase>;
  drop(): Promise<void>;
}

export async function createFreshDatabase(prefix: string): Promise<FreshDatabase> {
  const admin = parseDatabaseUrl(process.env.DATABASE_URL);
  if (admin.kind !== 'postgres') {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
    const target: DatabaseTarget = { kind: 'pglite', dataDir };
    return {
      url: `pglite:${dataDir}`,
      target,
      open: (command) => openDatabase(target, { migrate: true, command }),
      drop: async () => fs.rmSync(dataDir, { recursive: true, force: true }),
    };
  }
  const name = `${prefix.replace(/\W/g, '_')}_${randomBytes(5).toString('hex')}`;
  const query = async (sql: string) => {
    const c = new Client({ connectionString: admin.url });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await query(`CREATE DATABASE "${name}"`);
  const url = new URL(admin.url);
  url.pathname = `/${name}`;
  const target: DatabaseTarget = { kind: 'postgres', url: url.toString() };
  return {
    url: url.toString(),
    target,
    open: () => openDatabase(target, { migrate: true, poolSize: 3 }),
    drop: () => query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}
