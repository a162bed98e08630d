import { parseArgs } from 'node:util';
import { parseDatabaseUrl } from '../db/database-target';
import { openDatabase } from '../db/open-database';
import { openMergeCandidates } from '../domain/review/merge-request';
import { rescanDuplicateCover } from '../domain/worklists/duplicate-cover';

/**
 * npm run worklists:scan [-- --no-merges]
 *
 * Re-scans the registry (issue 17): raises the missing DUPLICATE_COVER worklist entries (one set-based statement,
 * idempotent) and opens a MERGE request in the review queue for every candidate pair of one person under two
 * numbers. Exit codes: 0 done, 2 usage error, 1 anything else.
 */
const USAGE = 'Usage: npm run worklists:scan [-- --no-merges]';

async function main(argv: string[]): Promise<number> {
  let values: { 'no-merges'?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({ args: argv, options: { 'no-merges': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false }));
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const db = await openDatabase(parseDatabaseUrl(process.env.DATABASE_URL), { migrate: true, command: 'worklists:scan' });
  try {
    const now = new Date();
    const cover = await rescanDuplicateCover(db.prisma, { source: 'cli', at: now });
    console.log(`duplicate cover: ${cover.raised} new worklist entries`);
    if (!values['no-merges']) {
      const merges = await openMergeCandidates(db.prisma, { source: 'cli', now });
      console.log(`merge candidates: ${merges.found} found, ${merges.opened} new merge requests`);
    }
    return 0;
  } finally {
    await db.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exitCode = 1;
  },
);
