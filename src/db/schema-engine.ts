import fs from 'node:fs';
import path from 'node:path';
import {
  bindMigrationAwareSqlAdapterFactory,
  type SqlMigrationAwareDriverAdapterFactory,
} from '@prisma/driver-adapter-utils';

/**
 * Prisma's schema engine compiled to WebAssembly (@prisma/schema-engine-wasm), so migrations are authored
 * and applied offline with a driver adapter, and recorded in the standard `_prisma_migrations` table.
 * See docs/toolchain.md. The package is ESM-only, so it is loaded with a real dynamic import() (jest runs with
 * --experimental-vm-modules for this and for PGlite's own dynamic imports).
 */

export const PRISMA_DIR = path.resolve(__dirname, '../../prisma');
export const SCHEMA_PATH = path.join(PRISMA_DIR, 'schema.prisma');
export const MIGRATIONS_DIR = path.join(PRISMA_DIR, 'migrations');
const LOCKFILE = 'migration_lock.toml';
const FILTERS = { externalTables: [] as string[], externalEnums: [] as string[] };

interface WasmSchemaEngine {
  applyMigrations(input: unknown): Promise<{ appliedMigrationNames: string[] }>;
  createMigration(input: unknown): Promise<{ generatedMigrationName: string; migrationScript: string | null }>;
  diff(input: unknown): Promise<{ exitCode: number; stdout: string | null }>;
  free(): void;
}
interface WasmGlue {
  __wbg_set_wasm(exports: Record<string, unknown>): void;
  SchemaEngine: { new: (opts: unknown, log: (msg: string) => void, adapter: unknown) => Promise<WasmSchemaEngine> };
}

/** Node has WebAssembly; TypeScript's lib for it lives in lib.dom, which this project does not load. */
declare const WebAssembly: {
  instantiate(bytes: Uint8Array, imports: Record<string, unknown>): Promise<{ instance: { exports: Record<string, unknown> } }>;
};

let gluePromise: Promise<WasmGlue> | undefined;

/**
 * The engine races its operations against timers (10 s for the migration advisory lock) and never clears the
 * timer when the operation wins, so a ref'd timer would keep the process alive for 10 s after every migration
 * (a test worker then has to be force-exited). The engine's setTimeout import is given unref'd timers: a timer
 * that only bounds an operation never has to keep the process alive by itself.
 */
export function withUnrefTimers(glue: object): Record<string, unknown> {
  const imports: Record<string, unknown> = { ...glue };
  for (const name of Object.keys(imports).filter((n) => /^__wbg_setTimeout_/.test(n))) {
    imports[name] = (fn: () => void, ms: number) => setTimeout(fn, ms >>> 0).unref();
  }
  return imports;
}

function loadGlue(): Promise<WasmGlue> {
  gluePromise ??= (async () => {
    const gluePath = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
    const glue = (await import('@prisma/schema-engine-wasm/schema_engine_bg')) as unknown as WasmGlue;
    const bytes = fs.readFileSync(path.join(path.dirname(gluePath), 'schema_engine_bg.wasm'));
    const { instance } = await WebAssembly.instantiate(bytes, {
      './schema_engine_bg.js': withUnrefTimers(glue),
    });
    glue.__wbg_set_wasm(instance.exports);
    (instance.exports as { __wbindgen_start?: () => void }).__wbindgen_start?.();
    return glue;
  })();
  return gluePromise;
}

async function withEngine<T>(
  adapterFactory: SqlMigrationAwareDriverAdapterFactory,
  fn: (engine: WasmSchemaEngine) => Promise<T>,
): Promise<T> {
  const glue = await loadGlue();
  const schema = fs.readFileSync(SCHEMA_PATH, 'utf8');
  const engine = await glue.SchemaEngine.new(
    { datamodels: [[SCHEMA_PATH, schema]] },
    () => undefined,
    bindMigrationAwareSqlAdapterFactory(adapterFactory),
  );
  try {
    return await fn(engine);
  } finally {
    engine.free();
  }
}

export interface MigrationList {
  baseDir: string;
  lockfile: { path: string; content: string | null };
  shadowDbInitScript: string;
  migrationDirectories: {
    path: string;
    migrationFile: { path: string; content: { tag: 'ok'; value: string } | { tag: 'error'; value: string } };
  }[];
}

/** Reads prisma/migrations as the engine expects it (directories sorted by name). */
export function readMigrations(dir = MIGRATIONS_DIR): MigrationList {
  const entries = fs.existsSync(dir)
    ? fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort()
    : [];
  const lockPath = path.join(dir, LOCKFILE);
  return {
    baseDir: dir,
    lockfile: { path: LOCKFILE, content: fs.existsSync(lockPath) ? fs.readFileSync(lockPath, 'utf8') : null },
    shadowDbInitScript: '',
    migrationDirectories: entries.map((name) => {
      const file = path.join(dir, name, 'migration.sql');
      return {
        path: name,
        migrationFile: {
          path: 'migration.sql',
          content: fs.existsSync(file)
            ? { tag: 'ok' as const, value: fs.readFileSync(file, 'utf8') }
            : { tag: 'error' as const, value: `missing ${file}` },
        },
      };
    }),
  };
}

/** Applies pending migrations; returns the names applied now (empty when up to date). */
export async function applyMigrations(adapterFactory: SqlMigrationAwareDriverAdapterFactory): Promise<string[]> {
  const migrationsList = readMigrations();
  if (migrationsList.migrationDirectories.length === 0) {
    throw new Error(`No migrations in ${MIGRATIONS_DIR}: run npm run db:migrate -- --name init`);
  }
  return withEngine(adapterFactory, async (engine) => {
    const out = await engine.applyMigrations({ migrationsList, filters: FILTERS });
    return out.appliedMigrationNames;
  });
}

/**
 * Authors a migration: the SQL from the existing migrations (replayed on a shadow database) to
 * prisma/schema.prisma. Writes prisma/migrations/<timestamp>_<name>/migration.sql and returns its folder,
 * or null when the schema has no changes.
 */
export async function createMigration(
  adapterFactory: SqlMigrationAwareDriverAdapterFactory,
  name: string,
  now = new Date(),
): Promise<string | null> {
  const migrationsList = readMigrations();
  const schema = fs.readFileSync(SCHEMA_PATH, 'utf8');
  const sql = await withEngine(adapterFactory, async (engine) => {
    const from =
      migrationsList.migrationDirectories.length === 0 ? { tag: 'empty' } : { tag: 'migrations', ...migrationsList };
    const out = await engine.diff({
      from,
      to: { tag: 'schemaDatamodel', files: [{ path: SCHEMA_PATH, content: schema }] },
      script: true,
      exitCode: true,
      filters: FILTERS,
    });
    return out.exitCode === 2 ? (out.stdout ?? '') : null;
  });
  if (!sql || !sql.trim() || /^-- This is an empty migration/m.test(sql)) return null;
  const stamp = now.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const safe = name.toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^_+|_+$/g, '') || 'migration';
  const folder = path.join(MIGRATIONS_DIR, `${stamp}_${safe}`);
  fs.mkdirSync(folder, { recursive: true });
  fs.writeFileSync(path.join(folder, 'migration.sql'), sql.endsWith('\n') ? sql : `${sql}\n`);
  const lock = path.join(MIGRATIONS_DIR, LOCKFILE);
  if (!fs.existsSync(lock)) {
    fs.writeFileSync(
      lock,
      '# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "postgresql"\n',
    );
  }
  return folder;
}
