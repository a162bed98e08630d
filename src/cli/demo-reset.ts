import fs from 'node:fs';
import path from 'node:path';
import { describeTarget, parseDatabaseUrl } from '../db/database-target';
import { acquireOwnership } from '../db/embedded-owner';

/**
 * npm run demo:reset: removes the embedded demo database so that the next `npm start` loads the synthetic
 * population and creates demo-admin again. Refused in production, on PostgreSQL, and while a server runs.
 */
function main(): number {
  if (process.env.NODE_ENV === 'production') {
    console.error('demo:reset is refused with NODE_ENV=production.');
    return 2;
  }
  const target = parseDatabaseUrl(process.env.DATABASE_URL);
  if (target.kind !== 'pglite') {
    console.error(`demo:reset only resets an embedded database in a folder (DATABASE_URL names ${describeTarget(target)}).`);
    return 2;
  }
  if (!fs.existsSync(target.dataDir)) {
    console.log(`Nothing to reset: ${target.dataDir} does not exist. \`npm start\` creates the demo.`);
    return 0;
  }
  // PGlite keeps the cluster in the folder itself (PG_VERSION); never remove a folder that is something else.
  if (!fs.existsSync(path.join(target.dataDir, 'PG_VERSION'))) {
    console.error(`${target.dataDir} does not look like an embedded database folder; nothing was removed.`);
    return 2;
  }
  const decision = acquireOwnership(target.dataDir, 'demo:reset');
  if (decision.role === 'client') {
    console.error(`The database is in use by process ${decision.owner.pid} (${decision.owner.command}). Stop it first.`);
    return 1;
  }
  fs.rmSync(target.dataDir, { recursive: true, force: true });
  decision.release();
  console.log(`Removed ${target.dataDir}. The next \`npm start\` loads the demo population and creates demo-admin again.`);
  return 0;
}

process.exitCode = main();
