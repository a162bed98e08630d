import path from 'node:path';

/** Where the registry lives: a PostgreSQL server, or embedded PGlite in a folder or in memory. */
export type DatabaseTarget =
  | { kind: 'postgres'; url: string }
  | { kind: 'pglite'; dataDir: string }
  | { kind: 'pglite-memory' };

export const DEFAULT_PGLITE_DIR = './data/pglite';

/**
 * Reads DATABASE_URL: `postgresql://…` (or `postgres://…`) selects a server through @prisma/adapter-pg;
 * unset, `pglite:<folder>` or `pglite:memory` select embedded PGlite.
 */
export function parseDatabaseUrl(raw: string | undefined, cwd = process.cwd()): DatabaseTarget {
  const value = raw?.trim();
  if (!value) return { kind: 'pglite', dataDir: path.resolve(cwd, DEFAULT_PGLITE_DIR) };
  if (/^postgres(ql)?:\/\//i.test(value)) return { kind: 'postgres', url: value };
  if (value.startsWith('pglite:')) {
    const rest = value.slice('pglite:'.length);
    if (rest === 'memory' || rest === 'memory://') return { kind: 'pglite-memory' };
    if (!rest) throw new Error('DATABASE_URL "pglite:" needs a folder, e.g. pglite:./data/pglite or pglite:memory');
    return { kind: 'pglite', dataDir: path.resolve(cwd, rest) };
  }
  throw new Error(
    `DATABASE_URL must start with postgresql://, pglite:<folder> or be pglite:memory (got "${value.slice(0, 20)}…")`,
  );
}

export function describeTarget(t: DatabaseTarget): string {
  switch (t.kind) {
    case 'postgres':
      return `PostgreSQL ${t.url.replace(/\/\/([^:@/]+):([^@/]+)@/, '//$1:***@')}`;
    case 'pglite':
      return `embedded PGlite in ${t.dataDir}`;
    case 'pglite-memory':
      return 'embedded PGlite in memory';
  }
}
