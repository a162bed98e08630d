import { parseDatabaseUrl } from '../db/database-target';
import { openDatabase } from '../db/open-database';
import { applyMigrations } from '../db/schema-engine';

/** npm run db:deploy: applies pending migrations to the database DATABASE_URL names. */
async function main() {
  const db = await openDatabase(parseDatabaseUrl(process.env.DATABASE_URL), { command: 'db:deploy' });
  try {
    const applied = await applyMigrations(db.adapterFactory);
    console.log(applied.length ? `Applied ${applied.join(', ')} to ${db.description}` : `${db.description} is up to date.`);
  } finally {
    await db.close();
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
