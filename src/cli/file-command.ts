import { parseArgs } from 'node:util';
import { type DatabaseTarget, parseDatabaseUrl } from '../db/database-target';
import { ImportFileError } from '../domain/registry-import';

/** Shared by the file commands (registry:import, registry:match): options, usage errors and exit codes. */

export class UsageError extends Error {}

type StringOptions<K extends string> = Record<K, { type: 'string' }>;

/**
 * The options every file command shares (--rejects, --batch-size, --help) plus its own string options, and the
 * database named by DATABASE_URL; null when --help was asked (the usage is printed). Any mistake is a UsageError.
 */
export function parseFileCommandArgs<K extends string>(
  argv: string[],
  own: readonly K[],
  usage: string,
  maxBatch = 50_000,
): { values: Partial<Record<K | 'rejects', string>>; batchSize: number | undefined; target: DatabaseTarget } | null {
  const options = { rejects: { type: 'string' }, 'batch-size': { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const;
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: argv, options: { ...(Object.fromEntries(own.map((k) => [k, { type: 'string' }])) as StringOptions<K>), ...options }, strict: true, allowPositionals: false }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (values.help) {
    console.log(usage);
    return null;
  }
  const raw = values['batch-size'] as string | undefined;
  const batchSize = raw === undefined ? undefined : Number(raw);
  if (batchSize !== undefined && (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > maxBatch)) throw new UsageError(`--batch-size must be a whole number from 1 to ${maxBatch}`);
  try {
    return { values: values as Partial<Record<K | 'rejects', string>>, batchSize, target: parseDatabaseUrl(process.env.DATABASE_URL) };
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/**
 * Runs a command's main and sets the exit code: 0 done, 2 usage error or a file that cannot be read (what was
 * written before it is said), 1 anything else.
 */
export function runFileCommand(name: string, usage: string, verb: { nothing: string; before: string }, main: () => Promise<number>): void {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      if (e instanceof UsageError) {
        console.error(`${name}: ${e.message}\n${usage}`);
        process.exitCode = 2;
      } else if (e instanceof ImportFileError) {
        console.error(`${name}: ${e.message}\n${e.nothingWritten ? verb.nothing : verb.before}`);
        process.exitCode = 2;
      } else {
        console.error(`${name} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
        process.exitCode = 1;
      }
    },
  );
}
