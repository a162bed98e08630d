import { parseFileCommandArgs, runFileCommand, UsageError } from './file-command';
import { openDatabase } from '../db/open-database';
import { seedRegions } from '../domain/registry/region.service';
import { ENCODING_NAMES } from '../domain/registry-import/csv-encoding';
import { FEED_SOURCES, type FeedSource, type FeedSummary, matchFeed } from '../domain/feeds';

/**
 * npm run registry:match -- --source <public-security|civil-affairs|health|ssc> --file F.csv [--rejects R.csv]
 *
 * One departmental feed (docs/feeds.md) against the database named by DATABASE_URL. Exit codes: 0 done
 * (rejected rows included), 2 usage error or a file that cannot be read (nothing written), 1 anything else.
 */

const USAGE = `Usage: npm run registry:match -- --source <${FEED_SOURCES.join('|')}> --file F.csv [--rejects R.csv] [--batch-size 2000]`;


const fmt = (n: number) => n.toLocaleString('en-US');
const MAX_BATCH = 5000;

export function formatFeedSummary(s: FeedSummary, rejectsFile?: string): string {
  const keys = Object.keys(s.counts) as (keyof FeedSummary['counts'])[];
  const w = Math.max(...keys.map((k) => k.length));
  const reasons = Object.entries(s.rejectedByReason);
  return [
    `Feed ${s.source}, run ${s.runId}`,
    ...(s.encoding === 'utf-8' ? [] : [`Read as ${ENCODING_NAMES[s.encoding]}.`]),
    ...keys.map((k) => `  ${k.padEnd(w)}  ${fmt(s.counts[k]).padStart(10)}`),
    ...(reasons.length ? ['Rejected rows by reason:', ...reasons.map(([k, n]) => `  ${k}  ${fmt(n ?? 0)}`)] : []),
    ...(s.counts.rejected && rejectsFile ? [`Rejected rows are listed in ${rejectsFile} (ID numbers masked).`] : []),
    `Took ${(s.ms / 1000).toFixed(1)} s.`,
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  // The command runs with a 160 MB heap (package.json): two batches are written while a third is parsed, and
  // batches over 5,000 rows no longer fit in it.
  const args = parseFileCommandArgs(argv, ['source', 'file'], USAGE, MAX_BATCH);
  if (!args) return 0;
  const { values, batchSize, target } = args;
  if (!values.source || !(FEED_SOURCES as readonly string[]).includes(values.source)) throw new UsageError(`--source must be one of ${FEED_SOURCES.join(', ')}`);
  if (!values.file) throw new UsageError('--file is required');
  const db = await openDatabase(target, { migrate: true, command: 'registry:match' });
  try {
    console.error(`Database: ${db.description}`);
    if ((await db.prisma.region.count()) === 0) console.error(`The region table was empty: loaded ${fmt(await seedRegions(db.prisma))} regions.`);
    let last = 0;
    const summary = await matchFeed(db.prisma, {
      source: values.source as FeedSource,
      file: values.file,
      rejects: values.rejects,
      batchSize,
      onProgress: (p) => {
        if (!p.done && Date.now() - last < 5000) return;
        last = Date.now();
        const pct = p.totalBytes ? ` (${Math.round((100 * p.bytesRead) / p.totalBytes)} %)` : '';
        process.stderr.write(`${values.source}: ${fmt(p.rowsRead)} rows read${pct}${p.done ? ', done' : ''}\n`);
      },
    });
    console.log(formatFeedSummary(summary, values.rejects));
    return 0;
  } finally {
    await db.close();
  }
}

runFileCommand('registry:match', USAGE, { nothing: 'Nothing was matched.', before: 'The rows before this point were matched.' }, () => main(process.argv.slice(2)));
