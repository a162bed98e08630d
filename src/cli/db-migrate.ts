import { parseArgs } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { createMigration } from '../db/schema-engine';

/** npm run db:migrate -- --name <x>: writes a new migration from the schema diff (offline, no database needed). */
async function main() {
  const { values } = parseArgs({ options: { name: { type: 'string' } } });
  if (!values.name) {
    console.error('Usage: npm run db:migrate -- --name <what_changed>');
    process.exit(2);
  }
  const pg = await PGlite.create();
  try {
    const folder = await createMigration(new PrismaPGlite(pg) as unknown as SqlMigrationAwareDriverAdapterFactory, values.name);
    console.log(folder ? `Created ${folder}` : 'The schema matches the migrations: nothing to do.');
  } finally {
    await pg.close();
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
