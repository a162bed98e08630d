import fs from 'node:fs';
import cliProgress from 'cli-progress';
import { parseFileCommandArgs, runFileCommand, UsageError } from './file-command';
import { openDatabase } from '../db/open-database';
import { seedRegions } from '../domain/registry/region.service';
import { ENCODING_NAMES } from '../domain/registry-import/csv-encoding';
import {
  importRegistry,
  type ImportProgress,
  type ImportSummary,
} from '../domain/registry-import';

/**
 * npm run registry:import -- --persons persons.csv [--enrolments enrolments.csv] [--rejects rejects.csv]
 *
 * The data-matching import (registry-import.service.ts) against the database named by DATABASE_URL (migrated
 * first; regions loaded when the region table is empty). Exit codes: 0 done (rejected rows included),
 * 2 usage error or a file that cannot be imported (nothing written), 1 anything else.
 */

const USAGE =
  'Usage: npm run registry:import -- --persons persons.csv [--enrolments enrolments.csv] [--rejects rejects.csv] [--batch-size 2000]';


const fmt = (n: number) => n.toLocaleString('en-US');
const mb = (bytes: number) => (bytes / 1e6).toFixed(1);

/** A progress bar on a terminal, a line every few seconds otherwise (both on stderr). */
function createProgress(sizes: { persons?: number; enrolments?: number }) {
  const total = (sizes.persons ?? 0) + (sizes.enrolments ?? 0);
  const offset = (p: ImportProgress) => (p.file === 'enrolments' ? (sizes.persons ?? 0) : 0);
  if (process.stderr.isTTY && total > 0) {
    const bar = new cliProgress.SingleBar(
      {
        stream: process.stderr,
        format: 'importing {file} |{bar}| {percentage}% | {done}/{total_mb} MB | {rows} rows',
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { file: 'persons', done: '0.0', total_mb: mb(total), rows: '0' });
    return {
      update(p: ImportProgress) {
        const value = Math.min(total, offset(p) + p.bytesRead);
        bar.update(value, { file: p.file, done: mb(value), rows: fmt(p.rowsRead) });
      },
      stop: () => bar.stop(),
    };
  }
  let last = 0;
  return {
    update(p: ImportProgress) {
      const now = Date.now();
      if (!p.done && now - last < 5000) return;
      last = now;
      const pct = p.totalBytes ? ` (${Math.round((100 * p.bytesRead) / p.totalBytes)} %)` : '';
      process.stderr.write(`${p.file}: ${fmt(p.rowsRead)} rows read${pct}${p.done ? ', done' : ''}\n`);
    },
    stop: () => undefined,
  };
}

/** The summary as a readable table. */
export function formatSummary(s: ImportSummary, rejectsFile?: string): string {
  const cols = ['read', 'inserted', 'updated', 'unchanged', 'rejected'] as const;
  const rows = [
    ['', ...cols],
    ['persons', ...cols.map((c) => fmt(s.persons[c]))],
    ['enrolments', ...cols.map((c) => fmt(s.enrolments[c]))],
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const table = rows.map((r) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '));
  const list = (title: string, m: Record<string, number | undefined>) => {
    const entries = Object.entries(m).filter(([, n]) => n);
    if (!entries.length) return [`${title}: none`];
    const w = Math.max(...entries.map(([k]) => k.length));
    return [`${title}:`, ...entries.map(([k, n]) => `  ${k.padEnd(w)}  ${fmt(n ?? 0).padStart(9)}`)];
  };
  const rejected = s.persons.rejected + s.enrolments.rejected;
  const decoded = Object.entries(s.encodings).filter(([, e]) => e !== 'utf-8');
  return [
    ...table,
    ...decoded.map(([file, e]) => `${file} read as ${ENCODING_NAMES[e]}.`),
    '',
    ...list('Rejected rows by reason', s.rejectedByReason),
    ...list('Warnings', s.warningsByKind),
    ...(rejected && rejectsFile ? [`Rejected rows are listed in ${rejectsFile} (ID numbers masked).`] : []),
    `Took ${(s.ms / 1000).toFixed(1)} s.`,
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const args = parseFileCommandArgs(argv, ['persons', 'enrolments'], USAGE);
  if (!args) return 0;
  const { values, batchSize, target } = args;
  if (!values.persons) throw new UsageError('--persons is required');
  const size = (f?: string) => {
    try {
      return f ? fs.statSync(f).size : undefined;
    } catch {
      return undefined; // the import reports an unreadable file itself
    }
  };

  const db = await openDatabase(target, { migrate: true, command: 'registry:import' });
  try {
    console.error(`Database: ${db.description}`);
    if ((await db.prisma.region.count()) === 0) {
      const n = await seedRegions(db.prisma);
      console.error(`The region table was empty: loaded ${fmt(n)} regions.`);
    }
    const progress = createProgress({ persons: size(values.persons), enrolments: size(values.enrolments) });
    let summary: ImportSummary;
    try {
      summary = await importRegistry(db.prisma, {
        persons: values.persons,
        enrolments: values.enrolments,
        rejects: values.rejects,
        batchSize,
        onProgress: (p) => progress.update(p),
      });
    } finally {
      progress.stop();
    }
    console.log(formatSummary(summary, values.rejects));
    return 0;
  } finally {
    await db.close();
  }
}

runFileCommand('registry:import', USAGE, { nothing: 'Nothing was imported.', before: 'The rows before this point were imported.' }, () => main(process.argv.slice(2)));
